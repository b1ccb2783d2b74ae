//! Configuration: flags > `MILLWRIGHT_*` environment variables > `millwright.toml`.
//!
//! One schema: every setting is a clap argument with an `env = "MILLWRIGHT_…"` name, and the
//! file's keys are those names without the prefix, in snake case (`database_url`,
//! `webhooks_allow_private`; a table flattens with `_`: `[webhooks] allow_private`). So the file
//! cannot name a setting the binary does not have, and `millwright config show` lists them all.
//!
//! Lifecycle: [`load`] runs first in `main`, before clap parses and before any thread starts. It
//! reads the file (`--config PATH`, `MILLWRIGHT_CONFIG`, or `./millwright.toml` when present) and
//! exports each key as its environment variable unless that variable is already set; clap then
//! reads flags first and the environment second, which gives the precedence. A key the schema
//! does not have, or a value that is not a string, number or boolean, is refused with the key
//! and the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use clap::{Args, CommandFactory};
use serde_json::{Value, json};

use super::Cli;

const PREFIX: &str = "MILLWRIGHT_";
const DEFAULT_FILE: &str = "millwright.toml";

/// The file that was read and the variables it set (for `config show`).
static LOADED: OnceLock<(Option<PathBuf>, BTreeSet<String>)> = OnceLock::new();

/// One setting of the schema.
struct Setting {
    env: String,
    default: Option<String>,
    secret: bool,
    help: String,
}

/// Every setting any command reads, by environment variable.
fn schema() -> BTreeMap<String, Setting> {
    fn walk(cmd: &clap::Command, out: &mut BTreeMap<String, Setting>) {
        for arg in cmd.get_arguments() {
            let Some(env) = arg.get_env().and_then(|e| e.to_str()) else { continue };
            if !env.starts_with(PREFIX) || env == "MILLWRIGHT_CONFIG" {
                continue;
            }
            out.entry(env.to_string()).or_insert_with(|| Setting {
                env: env.to_string(),
                default: arg.get_default_values().first().and_then(|v| v.to_str()).map(str::to_string),
                secret: arg.is_hide_env_values_set(),
                help: arg.get_help().map(|h| h.to_string()).unwrap_or_default(),
            });
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(&Cli::command(), &mut out);
    out
}

/// Reads the configuration file, if any, into the environment (see the module docs).
///
/// # Safety
/// Sets environment variables: call it before any other thread exists.
pub unsafe fn load(args: &[OsString]) -> Result<()> {
    let path = file_path(args);
    let mut from_file = BTreeSet::new();
    if let Some(path) = &path {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        let values = parse(&text, &schema()).with_context(|| format!("invalid configuration in {}", path.display()))?;
        for (env, value) in values {
            if std::env::var_os(&env).is_none() {
                // SAFETY: the caller guarantees no other thread runs yet.
                unsafe { std::env::set_var(&env, value) };
                from_file.insert(env);
            }
        }
    }
    let _ = LOADED.set((path, from_file));
    Ok(())
}

/// `--config PATH` (or `--config=PATH`) anywhere in the arguments, then `MILLWRIGHT_CONFIG`,
/// then `./millwright.toml` when it exists.
fn file_path(args: &[OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    if let Some(path) = std::env::var_os("MILLWRIGHT_CONFIG") {
        return Some(PathBuf::from(path));
    }
    Path::new(DEFAULT_FILE).exists().then(|| PathBuf::from(DEFAULT_FILE))
}

/// The file's settings as `(environment variable, value)`.
fn parse(text: &str, schema: &BTreeMap<String, Setting>) -> Result<Vec<(String, String)>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
    let mut out = Vec::new();
    flatten("", &table, schema, &mut out)?;
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, schema: &BTreeMap<String, Setting>, out: &mut Vec<(String, String)>) -> Result<()> {
    for (key, value) in table {
        let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}_{key}") };
        let value = match value {
            toml::Value::Table(inner) => {
                flatten(&name, inner, schema, out)?;
                continue;
            }
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => bail!("`{name}`: a {} is not a setting value (use a string, number or boolean)", other.type_str()),
        };
        let env = format!("{PREFIX}{}", name.to_ascii_uppercase().replace('-', "_"));
        if !schema.contains_key(&env) {
            let known: Vec<String> = schema.keys().map(|k| key_of(k)).collect();
            bail!("`{name}` is not a setting; the settings are: {}", known.join(", "));
        }
        out.push((env, value));
    }
    Ok(())
}

/// The file key of an environment variable (`MILLWRIGHT_DATABASE_URL` → `database_url`).
fn key_of(env: &str) -> String {
    env.trim_start_matches(PREFIX).to_ascii_lowercase()
}

#[derive(Args)]
pub struct ShowArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `millwright config show`: every setting, its effective value and where it comes from
/// (`env`, `file`, `default`, `unset`); secrets masked.
pub fn show(args: ShowArgs) -> Result<()> {
    let (file, from_file) = LOADED.get().cloned().unwrap_or_default();
    let rows: Vec<Value> = schema()
        .into_values()
        .map(|s| {
            let (value, source) = match std::env::var(&s.env) {
                Ok(v) => (Some(v), if from_file.contains(&s.env) { "file" } else { "env" }),
                Err(_) => match &s.default {
                    Some(d) => (Some(d.clone()), "default"),
                    None => (None, "unset"),
                },
            };
            let value = match value {
                Some(_) if s.secret => Some("********".to_string()),
                v => v,
            };
            json!({ "key": key_of(&s.env), "env": s.env, "value": value, "source": source, "secret": s.secret, "help": s.help })
        })
        .collect();
    if args.json {
        println!("{}", json!({ "file": file.map(|f| f.display().to_string()), "settings": rows }));
        return Ok(());
    }
    println!("configuration file: {}", file.map_or("(none)".to_string(), |f| f.display().to_string()));
    for row in &rows {
        println!("{:<28} {:<8} {}", row["key"].as_str().unwrap_or_default(), row["source"].as_str().unwrap_or_default(), row["value"].as_str().unwrap_or("-"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_keys_are_the_environment_names() {
        let schema = schema();
        assert!(schema.contains_key("MILLWRIGHT_DATABASE_URL") && schema.contains_key("MILLWRIGHT_LISTEN"));
        let values = parse("database_url = \"sqlite://x.db\"\nlisten = \"127.0.0.1:9\"\n", &schema).unwrap();
        assert_eq!(values, [("MILLWRIGHT_DATABASE_URL".to_string(), "sqlite://x.db".to_string()), ("MILLWRIGHT_LISTEN".into(), "127.0.0.1:9".into())]);
        let err = parse("databse_url = \"x\"", &schema).unwrap_err().to_string();
        assert!(err.contains("`databse_url` is not a setting") && err.contains("database_url"), "{err}");
        let err = parse("listen = [1, 2]", &schema).unwrap_err().to_string();
        assert!(err.contains("`listen`") && err.contains("array"), "{err}");
        assert!(parse("listen = ", &schema).unwrap_err().to_string().contains("TOML"));
        assert!(schema["MILLWRIGHT_MASTER_KEY"].secret && !schema["MILLWRIGHT_LISTEN"].secret);
    }
}
