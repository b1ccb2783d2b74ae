//! `millwright connections …`: manage connections from the command line.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};

use super::settings::HostSettings;
use crate::app::AppState;
use crate::connections::CreateConnection;

#[derive(Subcommand)]
pub enum ConnectionsCommand {
    /// Create a connection; the credentials are checked against the system first, and the
    /// connection token is printed once.
    ///
    /// Example: millwright connections create --connector maintainx --base-url https://api.getmaintainx.com/v1 --credential api_key=…
    Create(CreateArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    /// Connector id (`maintainx`, …).
    #[arg(long)]
    pub connector: String,
    /// The system's base URL (defaults to the connector's).
    #[arg(long)]
    pub base_url: Option<String>,
    /// A connect-form value, `NAME=VALUE` (repeat for each field).
    #[arg(long = "credential", value_parser = parse_pair)]
    pub credentials: Vec<(String, String)>,
    /// `test` or `live`.
    #[arg(long, default_value = "test")]
    pub environment: String,
    /// Your own id for the end customer this connection belongs to.
    #[arg(long)]
    pub end_customer_id: Option<String>,
    /// A private network or host the connection may reach (CIDR or host name, repeatable), e.g.
    /// 10.20.0.0/16 or maximo.plant.internal for an on-prem system, 127.0.0.0/8 for a local emulator.
    #[arg(long = "allow-private")]
    pub allow_private: Vec<crate::runtime::outbound::egress::PrivateTarget>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub host: HostSettings,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or_else(|| format!("expected NAME=VALUE, got `{s}`"))
}

pub async fn run(cmd: ConnectionsCommand) -> Result<()> {
    match cmd {
        ConnectionsCommand::Create(args) => create(args).await,
    }
}

async fn create(args: CreateArgs) -> Result<()> {
    let app = AppState::start(args.host.app_options(args.host.master_key()?)).await?;
    let request = CreateConnection {
        connector_id: args.connector,
        base_url: args.base_url,
        environment: args.environment,
        end_customer_id: args.end_customer_id,
        values: args.credentials.into_iter().collect::<BTreeMap<_, _>>(),
        private_networks: args.allow_private,
        approved_hosts: vec![],
    };
    let (row, token) = app.connections.create(request).await.map_err(|e| anyhow!("{} ({})", e.detail, e.code))?;
    if args.json {
        println!("{}", serde_json::json!({ "connection_id": row.id, "token": token.plaintext, "account_id": row.account_id }));
    } else {
        println!("connection: {}", row.id);
        println!("account:    {} ({})", row.account_name.unwrap_or_default(), row.account_id.unwrap_or_default());
        println!("token:      {}", token.plaintext);
        println!("(the token is shown once; store it now)");
    }
    Ok(())
}
