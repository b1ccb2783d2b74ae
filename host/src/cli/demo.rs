//! `millwright demo`: a local playground. Starts the vendor emulators on loopback, the API on
//! SQLite in the working directory, a demo connection to the MaintainX emulator, and prints a
//! token and curl lines that work. A second run reopens the same database (the generated master
//! key is kept in `millwright.key`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use millwright_sandbox::{Sandbox, SandboxConfig};

use super::background::BackgroundSettings;
use super::settings::HostSettings;
use crate::app::AppState;
use crate::connections::CreateConnection;
use crate::vault::MasterKey;

/// The end customer the demo connection belongs to.
const DEMO_CUSTOMER: &str = "demo";

#[derive(Args)]
pub struct DemoArgs {
    /// Address of the API (loopback only: the demo is a local playground). Falls back to a free
    /// port when taken.
    #[arg(long, env = "MILLWRIGHT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Work orders the MaintainX emulator generates.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    pub work_orders: u64,
    /// Where the generated master key is kept.
    #[arg(long, default_value = "millwright.key")]
    pub key_file: PathBuf,
    /// Print the demo's addresses and token as one JSON line instead of text (then serve).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub host: HostSettings,
    #[command(flatten)]
    pub shutdown: super::serve::ShutdownArgs,
    #[command(flatten)]
    pub background: BackgroundSettings,
}

pub async fn run(mut args: DemoArgs) -> Result<()> {
    let master_key = demo_master_key(&mut args)?;
    let sandbox_config = SandboxConfig { work_orders: args.work_orders, ..Default::default() };
    let api_key = sandbox_config.maintainx_api_keys[0].clone();
    let sandbox = Sandbox::bind("127.0.0.1:0", sandbox_config).await?;
    let listener = bind_loopback(&args.listen).await?;
    let url = std::env::var("MILLWRIGHT_PUBLIC_URL").unwrap_or_else(|_| format!("http://{}", listener.local_addr().unwrap()));

    let mut options = args.host.app_options(master_key);
    args.background.apply(&mut options);
    // A local playground: webhook endpoints may point at this machine.
    options.webhooks.allow_private = true;
    // The first start compiles the built-in connectors (cached afterwards).
    let progress = super::progress::spinner("starting: loading and compiling the connector modules", args.json);
    let app = AppState::start(options).await;
    progress.finish_and_clear();
    let app = app?;
    let connection_id = demo_connection(&app, &sandbox, &api_key).await?;
    let token = app.connections.mint_token(&connection_id, "test", None).await.map_err(|e| anyhow::anyhow!(e.detail))?;

    if args.json {
        let out = serde_json::json!({
            "url": url, "maintainx_base_url": sandbox.maintainx_base_url(), "work_orders": args.work_orders,
            "database_url": args.host.database_url, "connection_id": connection_id, "token": token.plaintext,
        });
        println!("{out}");
    } else {
        print_welcome(&url, &sandbox, &args, &connection_id, &token.plaintext);
    }
    super::serve::serve(listener, app, args.shutdown).await?;
    sandbox.shutdown().await;
    Ok(())
}

fn print_welcome(url: &str, sandbox: &Sandbox, args: &DemoArgs, connection_id: &str, token: &str) {
    println!("Millwright demo is running at {url}");
    println!("  MaintainX emulator: {} ({} work orders)", sandbox.maintainx_base_url(), args.work_orders);
    println!("  database:           {}", args.host.database_url);
    println!("  connection:         {connection_id}");
    println!("  connection token:   {token}");
    println!("  webhooks:           endpoints may target private and loopback addresses (demo only)");
    println!();
    println!("Try:");
    let auth = format!("-H \"Authorization: Bearer {token}\"");
    println!("  curl {auth} {url}/v1/connection");
    println!("  curl {auth} \"{url}/v1/work-orders?page_size=5\"");
    println!("  curl {auth} \"{url}/v1/work-orders?status=in_progress&modified_after=2025-01-01T00:00:00Z\"");
    println!();
    println!("Press Ctrl-C to stop.");
}

/// The demo's master key: the configured one, or one generated once and kept in the key file.
fn demo_master_key(args: &mut DemoArgs) -> Result<MasterKey> {
    if args.host.master_key.is_some() || args.host.master_key_file.is_some() {
        return args.host.master_key();
    }
    if args.key_file.exists() {
        args.host.master_key_file = Some(args.key_file.clone());
        return args.host.master_key();
    }
    let key = MasterKey::generate();
    write_private(&args.key_file, &key.to_base64())?;
    println!("Generated a master key in {} (keep it: it decrypts the demo database).", args.key_file.display());
    Ok(key)
}

pub(super) fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

async fn bind_loopback(listen: &str) -> Result<tokio::net::TcpListener> {
    let addr: std::net::SocketAddr = listen.parse().with_context(|| format!("`{listen}` is not an address"))?;
    anyhow::ensure!(addr.ip().is_loopback(), "the demo binds loopback only; use `millwright serve` to listen on {listen}");
    match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            println!("{listen} is taken; using a free port instead.");
            Ok(tokio::net::TcpListener::bind((addr.ip(), 0)).await?)
        }
        Err(e) => Err(e).with_context(|| format!("cannot listen on {listen}")),
    }
}

/// The demo connection, created on the first run and pointed at this run's emulator after that.
async fn demo_connection(app: &AppState, sandbox: &Sandbox, api_key: &str) -> Result<String> {
    let base_url = sandbox.maintainx_base_url();
    if let Some(existing) = app.store.connections().await?.into_iter().find(|c| c.end_customer_id.as_deref() == Some(DEMO_CUSTOMER)) {
        app.store.update_connection_base_url(&existing.id, &base_url).await?;
        return Ok(existing.id);
    }
    let request = CreateConnection {
        connector_id: "maintainx".into(),
        base_url: Some(base_url),
        environment: "test".into(),
        end_customer_id: Some(DEMO_CUSTOMER.into()),
        values: [("api_key".to_string(), api_key.to_string())].into(),
        private_networks: vec!["127.0.0.0/8".parse().expect("a CIDR")],
        approved_hosts: vec![],
    };
    let (row, _first_token) = app.connections.create(request).await.map_err(|e| anyhow::anyhow!("{} ({})", e.detail, e.code))?;
    Ok(row.id)
}
