//! `millwright connectors …`: install modules into the registry, and the partner's side of
//! signing (a key pair, a detached signature over a module's digest).

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand};

use super::settings::HostSettings;
use crate::app::AppState;
use crate::registry::trust::SecretKey;

#[derive(Subcommand)]
pub enum ConnectorsCommand {
    /// Install a connector module (a WebAssembly component) into the registry; validated first,
    /// nothing stored when refused. Optionally activate it at once.
    ///
    /// Example: millwright connectors install target/acme.wasm --signature-file target/acme.wasm.sig --activate
    Install(InstallArgs),
    /// Generate an ed25519 signing key pair: the secret goes to a file (mode 0600), the public key
    /// is printed for operators to trust (`POST /v1/admin/trusted-keys`).
    ///
    /// Example: millwright connectors keygen --key-id acme-2026 --out acme-2026.key
    Keygen(KeygenArgs),
    /// Sign a module: prints the `x-millwright-signature` value (ed25519 over the SHA-256 digest).
    ///
    /// Example: millwright connectors sign --key acme-2026.key target/acme.wasm > target/acme.wasm.sig
    Sign(SignArgs),
}

#[derive(Args)]
pub struct InstallArgs {
    /// The component file (`.wasm`).
    pub path: PathBuf,
    /// The signature header value (`ed25519:<key id>:<base64>`).
    #[arg(long, conflicts_with = "signature_file")]
    pub signature: Option<String>,
    /// A file holding the signature header value (what `connectors sign` prints).
    #[arg(long)]
    pub signature_file: Option<PathBuf>,
    /// Activate the installed version.
    #[arg(long)]
    pub activate: bool,
    /// An extra host the module declares, approved at activation (repeatable).
    #[arg(long = "approve-host", requires = "activate")]
    pub approve_hosts: Vec<String>,
    /// Print the outcome as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub host: HostSettings,
}

#[derive(Args)]
pub struct KeygenArgs {
    /// The key's id, named in every signature (letters, digits, `.`, `_`, `-`).
    #[arg(long)]
    pub key_id: String,
    /// Where to write the secret key (refuses to overwrite).
    #[arg(long)]
    pub out: PathBuf,
    /// Print the key id and public key as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SignArgs {
    /// The secret key file from `connectors keygen`.
    #[arg(long)]
    pub key: PathBuf,
    /// The component file to sign.
    pub path: PathBuf,
}

pub async fn run(cmd: ConnectorsCommand) -> Result<()> {
    match cmd {
        ConnectorsCommand::Install(args) => install(args).await,
        ConnectorsCommand::Keygen(args) => keygen(args),
        ConnectorsCommand::Sign(args) => sign(args),
    }
}

async fn install(args: InstallArgs) -> Result<()> {
    let bytes = std::fs::read(&args.path).with_context(|| format!("cannot read {}", args.path.display()))?;
    let signature = match (&args.signature, &args.signature_file) {
        (Some(s), _) => Some(s.trim().to_string()),
        (None, Some(file)) => Some(std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?.trim().to_string()),
        (None, None) => None,
    };
    let progress = super::progress::spinner("validating and compiling the module", args.json);
    let app = AppState::start(args.host.app_options(args.host.master_key()?)).await?;
    let refused = |e: crate::api::error::ApiError| anyhow!("{} ({})", e.detail, e.code);
    let installed = app.registry.install(bytes, signature.as_deref()).await.map_err(refused);
    progress.finish_and_clear();
    let installed = installed?;
    let row = &installed.row;
    if installed.created {
        let details = serde_json::json!({"connector_id": row.connector_id, "version": row.version, "signed_by": row.signed_by});
        app.store.audit("cli", "connector.install", Some(&row.digest), &details).await?;
    }
    let mut activated = false;
    if args.activate {
        let hosts = (!args.approve_hosts.is_empty()).then_some(args.approve_hosts);
        let row = app.registry.activate(&row.connector_id, &row.version, hosts, "cli").await.map_err(refused)?;
        app.store.audit("cli", "connector.activate", Some(&row.digest), &serde_json::json!({"connector_id": row.connector_id, "version": row.version})).await?;
        activated = true;
    }
    if args.json {
        let out = serde_json::json!({
            "connector_id": row.connector_id, "version": row.version, "digest": row.digest, "signed_by": row.signed_by,
            "installed": installed.created, "activated": activated,
        });
        println!("{out}");
        return Ok(());
    }
    match installed.created {
        true => println!("installed {} {} ({})", row.connector_id, row.version, row.digest),
        false => println!("{} {} ({}) was already installed", row.connector_id, row.version, row.digest),
    }
    if activated {
        println!("activated {} {}", row.connector_id, row.version);
    }
    Ok(())
}

fn keygen(args: KeygenArgs) -> Result<()> {
    let key = SecretKey::generate(&args.key_id).map_err(|e| anyhow!(e))?;
    super::demo::write_private(&args.out, &key.to_file_text())?;
    if args.json {
        println!("{}", serde_json::json!({ "key_id": key.key_id, "public_key": key.public_key(), "secret_key_file": args.out }));
        return Ok(());
    }
    println!("secret key written to {} (keep it private)", args.out.display());
    println!("key id:     {}", key.key_id);
    println!("public key: {}", key.public_key());
    Ok(())
}

fn sign(args: SignArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.key).with_context(|| format!("cannot read {}", args.key.display()))?;
    let key = SecretKey::from_file_text(&text).map_err(|e| anyhow!("{}: {e}", args.key.display()))?;
    let bytes = std::fs::read(&args.path).with_context(|| format!("cannot read {}", args.path.display()))?;
    println!("{}", key.sign_module(&bytes));
    Ok(())
}
