//! The `millwright` command line (clap). Each command lives in its own file; `main.rs` only
//! parses and dispatches.

pub mod config;
mod background;
mod connections;
mod connectors;
mod demo;
mod progress;
mod sandbox;
mod serve;
pub mod settings;
mod tokens;
mod vault;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "millwright",
    version,
    about = "A self-hostable unified API for industrial maintenance systems",
    long_about = "Millwright serves one REST API for work orders, assets, parts and purchase orders over \
                  MaintainX, Maximo, SAP PM and other systems, each behind a sandboxed WebAssembly connector.\n\n\
                  Try it: `millwright demo` starts a sandboxed MaintainX emulator and the API on SQLite."
)]
pub struct Cli {
    /// The configuration file (default: `./millwright.toml` when present). Precedence: flags >
    /// `MILLWRIGHT_*` environment variables > this file.
    #[arg(long, global = true, env = "MILLWRIGHT_CONFIG", value_name = "PATH")]
    config: Option<std::path::PathBuf>,
    #[command(flatten)]
    telemetry: crate::telemetry::TelemetryArgs,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// Log and trace settings, for `telemetry::init` before the command runs.
    pub fn telemetry(&self) -> &crate::telemetry::TelemetryArgs {
        &self.telemetry
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server.
    ///
    /// Example: MILLWRIGHT_MASTER_KEY=$(openssl rand -base64 32) millwright serve --listen 0.0.0.0:8080
    Serve(serve::ServeArgs),
    /// Run a local playground: the vendor emulators, the API on SQLite, a demo connection.
    ///
    /// Example: millwright demo --work-orders 5000
    Demo(demo::DemoArgs),
    /// Run the vendor API emulators (MaintainX) on their own.
    ///
    /// Example: millwright sandbox --listen 127.0.0.1:9090 --work-orders 100000
    Sandbox(sandbox::SandboxArgs),
    /// Manage connections.
    #[command(subcommand)]
    Connections(connections::ConnectionsCommand),
    /// Install connector modules; generate signing keys and sign modules.
    #[command(subcommand)]
    Connectors(connectors::ConnectorsCommand),
    /// Manage operator tokens.
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// Manage the credential vault.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script.
    ///
    /// Example: millwright completions bash > /etc/bash_completion.d/millwright
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Every setting with its effective value and its source (flag, env, file, default); secrets
    /// are masked.
    ///
    /// Example: MILLWRIGHT_LISTEN=0.0.0.0:8080 millwright config show --json
    Show(config::ShowArgs),
}

pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Connections(cmd) => connections::run(cmd).await,
        Command::Connectors(cmd) => connectors::run(cmd).await,
        Command::Tokens(cmd) => tokens::run(cmd).await,
        Command::Vault(cmd) => vault::run(cmd).await,
        Command::Config(ConfigCommand::Show(args)) => config::show(args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "millwright", &mut std::io::stdout());
            Ok(())
        }
    }
}
