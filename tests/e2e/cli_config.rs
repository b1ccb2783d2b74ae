//! Configuration and lifecycle through the real binary: `millwright.toml` < environment < flags,
//! `config show` with secrets masked, an invalid file refused with the key and exit code 2, and
//! SIGTERM during a slow request lets it finish before the process exits.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use millwright::vault::MasterKey;
use millwright_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use tokio::process::{Child, Command};

fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_millwright"));
    cmd.args(args).current_dir(dir).env("MILLWRIGHT_CACHE_DIR", crate::harness::compile_cache_dir()).kill_on_drop(true);
    for var in ["MILLWRIGHT_MASTER_KEY", "MILLWRIGHT_DATABASE_URL", "MILLWRIGHT_ADMIN_TOKEN", "MILLWRIGHT_LISTEN", "MILLWRIGHT_CONFIG", "MILLWRIGHT_PUBLIC_URL"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

async fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    tokio::time::timeout(Duration::from_secs(120), command(dir, args, env).output()).await.expect("the command ends").unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until `/healthz` answers on `port` (the process is up).
async fn wait_healthy(port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not come up on {port}");
}

fn write_config(dir: &Path, listen_port: u16, key: &str) {
    let text = format!("listen = \"127.0.0.1:{listen_port}\"\ndatabase_url = \"sqlite://from-file.db\"\nmaster_key = \"{key}\"\nadmin_token = \"file-admin-token-0123456789\"\n");
    std::fs::write(dir.join("millwright.toml"), text).unwrap();
}

#[tokio::test]
async fn file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate().to_base64();
    let (file_port, env_port, flag_port) = (free_port(), free_port(), free_port());
    write_config(dir.path(), file_port, &key);

    // `config show`: the environment beats the file; the file beats the defaults; secrets masked.
    let env_listen = format!("127.0.0.1:{env_port}");
    let out = run(dir.path(), &["config", "show", "--json"], &[("MILLWRIGHT_LISTEN", &env_listen)]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(&key) && !stdout.contains("file-admin-token"), "secrets are masked: {stdout}");
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    let setting = |k: &str| shown["settings"].as_array().unwrap().iter().find(|s| s["key"] == k).cloned().unwrap_or_else(|| panic!("{k} in {shown}"));
    assert_eq!((setting("listen")["value"].clone(), setting("listen")["source"].clone()), (Value::from(env_listen.as_str()), Value::from("env")));
    assert_eq!((setting("database_url")["value"].clone(), setting("database_url")["source"].clone()), ("sqlite://from-file.db".into(), "file".into()));
    assert_eq!((setting("master_key")["value"].clone(), setting("master_key")["source"].clone()), ("********".into(), "file".into()));
    assert_eq!(setting("cache_dir")["source"], "env", "the harness sets MILLWRIGHT_CACHE_DIR");
    assert_eq!(shown["file"], "millwright.toml");

    // `serve`: the flag beats the environment, which beats the file; the file's database is used.
    let flag_listen = format!("127.0.0.1:{flag_port}");
    let mut child: Child = command(dir.path(), &["serve", "--listen", &flag_listen], &[("MILLWRIGHT_LISTEN", &env_listen)]).stderr(Stdio::null()).spawn().unwrap();
    wait_healthy(flag_port).await;
    let client = reqwest::Client::new();
    assert!(client.get(format!("http://127.0.0.1:{env_port}/healthz")).send().await.is_err(), "not on the environment's port");
    assert!(client.get(format!("http://127.0.0.1:{file_port}/healthz")).send().await.is_err(), "not on the file's port");
    let admin = client.get(format!("http://127.0.0.1:{flag_port}/v1/admin/connections")).bearer_auth("file-admin-token-0123456789").send().await.unwrap();
    assert_eq!(admin.status(), 200, "the file's admin token is in force");
    assert!(dir.path().join("from-file.db").exists(), "the file's database");
    child.kill().await.unwrap();

    let mut child = command(dir.path(), &["serve"], &[("MILLWRIGHT_LISTEN", &env_listen)]).stderr(Stdio::null()).spawn().unwrap();
    wait_healthy(env_port).await;
    child.kill().await.unwrap();
}

#[tokio::test]
async fn an_invalid_configuration_is_refused_with_the_key_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("millwright.toml"), "databse_url = \"sqlite://x.db\"\n").unwrap();
    let out = run(dir.path(), &["serve"], &[]).await;
    assert_eq!(out.status.code(), Some(2), "usage/configuration errors exit 2");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("databse_url") && err.contains("not a setting") && err.contains("database_url"), "{err}");

    let other = dir.path().join("other.toml");
    std::fs::write(&other, "listen = [1]\n").unwrap();
    let out = run(dir.path(), &["--config", other.to_str().unwrap(), "config", "show"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`listen`"));

    let clean = tempfile::tempdir().unwrap();
    let out = run(clean.path(), &["completions", "bash"], &[]).await;
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("millwright"), "a bash completion script");
}

#[tokio::test]
async fn sigterm_lets_a_slow_request_finish() {
    let sandbox = Sandbox::bind("127.0.0.1:0", SandboxConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate().to_base64();
    let port = free_port();
    write_config(dir.path(), port, &key);
    let base = sandbox.maintainx_base_url();
    let create = ["connections", "create", "--connector", "maintainx", "--base-url", &base, "--credential", "api_key=mx-sandbox-key", "--allow-private", "127.0.0.0/8", "--json"];
    let out = run(dir.path(), &create, &[]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = serde_json::from_slice::<Value>(&out.stdout).unwrap()["token"].as_str().unwrap().to_string();

    let mut child = command(dir.path(), &["serve", "--shutdown-grace", "20"], &[]).stderr(Stdio::null()).spawn().unwrap();
    wait_healthy(port).await;
    sandbox.set_faults(millwright_sandbox::faults::FaultConfig { latency_ms: 1500, ..Default::default() });
    let client = reqwest::Client::new();
    let slow = tokio::spawn({
        let (client, token) = (client.clone(), token.clone());
        async move { client.get(format!("http://127.0.0.1:{port}/v1/work-orders?page_size=2")).bearer_auth(token).send().await.unwrap().status() }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id().unwrap() as i32, libc::SIGTERM) }, 0);
    assert_eq!(slow.await.unwrap(), 200, "the in-flight request finished");
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait()).await.expect("the process exits after the request").unwrap();
    assert!(status.success(), "{status:?}");
    assert!(client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_err(), "no longer accepting");
}

/// Without the `otlp` feature an OTLP endpoint is a configuration error (exit 2, naming the key),
/// not a silently ignored setting; an invalid log filter likewise.
#[cfg(not(feature = "otlp"))]
#[tokio::test]
async fn otlp_endpoint_without_the_feature_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["config", "show"], &[("MILLWRIGHT_OTLP_ENDPOINT", "http://127.0.0.1:4318")]).await;
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("otlp_endpoint"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(dir.path(), &["--log", "info,[[[", "config", "show"], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`log`"));
}
