use clap::Parser;

/// mimalloc rather than glibc's malloc: a unified list request builds and frees thousands of
/// small JSON values, often on another thread than the one that allocated them, and glibc's
/// allocator took a third of its CPU (BENCHMARKS.md, api_list).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes: 0 success, 1 a failure while running, 2 bad usage or invalid configuration.
const EXIT_USAGE: u8 = 2;

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // SAFETY: first thing in `main`, before the runtime or any other thread exists.
    if let Err(e) = unsafe { millwright::cli::config::load(&args) } {
        eprintln!("error: {e:#}");
        return std::process::ExitCode::from(EXIT_USAGE);
    }
    let cli = millwright::cli::Cli::parse_from(args);
    let runtime = tokio::runtime::Runtime::new().expect("the tokio runtime starts");
    runtime.block_on(async {
        // Dropped at the end: flushes the traces not yet exported.
        let _telemetry = match millwright::telemetry::init(cli.telemetry()) {
            Ok(telemetry) => telemetry,
            Err(e) => {
                eprintln!("error: {e:#}");
                return std::process::ExitCode::from(EXIT_USAGE);
            }
        };
        match millwright::cli::run(cli).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}
