//! `millwright tokens …`: operator tokens.

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};

use super::settings::HostSettings;
use crate::store::{Store, new_id};

#[derive(Subcommand)]
pub enum TokensCommand {
    /// Create an admin token for `/v1/admin/*`; printed once.
    ///
    /// Example: millwright tokens create-admin --name ci-dashboard --scope read-only
    CreateAdmin(CreateAdminArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Scope {
    /// May read and change everything.
    Admin,
    /// May read, not change.
    ReadOnly,
}

#[derive(Args)]
pub struct CreateAdminArgs {
    /// A name for the token (shown in the audit log's actor and lists).
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum, default_value = "admin")]
    pub scope: Scope,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub host: HostSettings,
}

pub async fn run(cmd: TokensCommand) -> Result<()> {
    match cmd {
        TokensCommand::CreateAdmin(args) => create_admin(args).await,
    }
}

async fn create_admin(args: CreateAdminArgs) -> Result<()> {
    let store = Store::connect(&args.host.database_url).await?;
    let token = crate::tokens::mint("admin");
    let scope = match args.scope {
        Scope::Admin => "admin",
        Scope::ReadOnly => "read_only",
    };
    let id = new_id("adm");
    store.insert_admin_token(&id, &args.name, &token.hash, &token.prefix, scope).await?;
    store.audit("cli", "admin_token.create", Some(&id), &serde_json::json!({"name": args.name, "scope": scope})).await?;
    if args.json {
        println!("{}", serde_json::json!({"id": id, "token": token.plaintext, "scope": scope}));
    } else {
        println!("admin token {id} ({scope}): {}", token.plaintext);
        println!("(shown once; store it now)");
    }
    Ok(())
}
