//! `millwright vault …`: the credential vault's master key.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use super::settings::HostSettings;
use crate::store::Store;
use crate::vault::{MasterKey, Vault};

#[derive(Subcommand)]
pub enum VaultCommand {
    /// Re-wrap every connection's data key under a new master key (the credentials themselves are
    /// not re-encrypted). All or nothing; afterwards, start the service with the new key.
    ///
    /// Example: MILLWRIGHT_NEW_MASTER_KEY=$(openssl rand -base64 32) millwright vault rotate-master-key
    RotateMasterKey(RotateArgs),
}

#[derive(Args)]
pub struct RotateArgs {
    /// The new master key (base64 of 32 bytes).
    #[arg(long, env = "MILLWRIGHT_NEW_MASTER_KEY", hide_env_values = true)]
    pub new_master_key: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub host: HostSettings,
}

pub async fn run(cmd: VaultCommand) -> Result<()> {
    match cmd {
        VaultCommand::RotateMasterKey(args) => rotate(args).await,
    }
}

async fn rotate(args: RotateArgs) -> Result<()> {
    let current = Vault::new(&args.host.master_key()?);
    let next = Vault::new(&MasterKey::parse(&args.new_master_key).context("MILLWRIGHT_NEW_MASTER_KEY")?);
    let store = Store::connect(&args.host.database_url).await?;
    current.verify_against(&store).await?;
    let progress = super::progress::counter("re-wrapping data keys", args.json);
    let count = store
        .rewrap_all_keys(|id, wrapped| {
            progress.inc(1);
            current.rewrap(&next, id, wrapped)
        })
        .await;
    progress.finish_and_clear();
    let count = count?;
    store.audit("cli", "vault.rotate_master_key", None, &serde_json::json!({"connections": count})).await?;
    if args.json {
        println!("{}", serde_json::json!({ "rewrapped_connections": count }));
    } else {
        println!("re-wrapped the data keys of {count} connection(s); start millwright with the new master key now");
    }
    Ok(())
}
