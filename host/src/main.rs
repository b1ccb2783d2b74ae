use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    millwright::telemetry::init();
    let cli = millwright::cli::Cli::parse();
    match millwright::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
