//! No secret reaches the logs: a full run of the real binary at debug level (connection created
//! with credentials, tokens used, failures provoked), then every plaintext secret it used is
//! searched for in everything it printed.

use std::process::Stdio;
use std::time::Duration;

use millwright_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

const API_KEY: &str = "mx-secret-key-4f9e2a71";
const ADMIN: &str = "admin-secret-9b1c77e0d3";

#[tokio::test]
async fn a_full_run_logs_no_secret() {
    let sandbox = Sandbox::bind("127.0.0.1:0", SandboxConfig { maintainx_api_keys: vec![API_KEY.into()], ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let master_key = millwright::vault::MasterKey::generate().to_base64();
    let mut child = Command::new(env!("CARGO_BIN_EXE_millwright"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("MILLWRIGHT_MASTER_KEY", &master_key)
        .env("MILLWRIGHT_ADMIN_TOKEN", ADMIN)
        .env("MILLWRIGHT_LOG", "debug")
        .env("MILLWRIGHT_CACHE_DIR", crate::harness::compile_cache_dir())
        .env_remove("MILLWRIGHT_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    let url = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let mut line = String::new();
            assert!(stderr.read_line(&mut line).await.unwrap() > 0, "serve exited: {log}");
            log.push_str(&line);
            if let Some(at) = line.find("address=") {
                let addr: String = line[at + 8..].chars().take_while(|c| !c.is_whitespace()).collect();
                break format!("http://{}", addr.trim_matches('"'));
            }
        }
    })
    .await
    .expect("serve starts");

    let client = reqwest::Client::new();
    let body = |key: &str| {
        json!({"connector_id": "maintainx", "end_customer_id": "acme", "base_url": sandbox.maintainx_base_url(),
               "credentials": {"api_key": key}, "allow_private": ["127.0.0.0/8"]})
    };
    // Wrong credentials first, then right ones.
    let bad = client.post(format!("{url}/v1/admin/connections")).bearer_auth(ADMIN).json(&body("mx-wrong-key-8c3d")).send().await.unwrap();
    assert_eq!(bad.status(), 422);
    let created: serde_json::Value =
        client.post(format!("{url}/v1/admin/connections")).bearer_auth(ADMIN).json(&body(API_KEY)).send().await.unwrap().json().await.unwrap();
    let token = created["token"].as_str().expect("a token").to_string();
    for path in ["/v1/work-orders?page_size=3", "/v1/connection", "/v1/assets?page_size=2"] {
        assert_eq!(client.get(format!("{url}{path}")).bearer_auth(&token).send().await.unwrap().status(), 200, "{path}");
    }
    client.post(format!("{url}/v1/passthrough")).bearer_auth(&token).json(&json!({"method": "GET", "path": "/users"})).send().await.unwrap();
    // Failures: the system rejects the key, a bogus token.
    sandbox.revoke_key(API_KEY);
    assert_eq!(client.get(format!("{url}/v1/work-orders")).bearer_auth(&token).send().await.unwrap().status(), 409);
    client.get(format!("{url}/v1/work-orders")).bearer_auth(format!("{token}x")).send().await.unwrap();

    child.start_kill().unwrap();
    let _ = child.wait().await;
    stderr.read_to_string(&mut log).await.unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).await.unwrap();
    log.push_str(&stdout);
    assert!(log.contains("DEBUG") || log.contains("INFO"), "the run logged something: {log}");
    for secret in [API_KEY, "mx-wrong-key-8c3d", ADMIN, token.as_str(), master_key.as_str()] {
        assert!(!log.contains(secret), "secret `{}…` found in the logs", &secret[..6]);
    }
}
