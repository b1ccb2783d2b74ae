//! Durability through the real binary: `millwright serve` is killed with SIGKILL while the
//! receiver is down and events are pending; after a restart on the same database and the
//! receiver's return, every event is delivered (each `webhook-id` at least once), none lost, and
//! every delivery verifies with an independent Standard Webhooks implementation.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::Duration;

use millwright::vault::MasterKey;
use millwright_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::harness::ADMIN_TOKEN;
use crate::webhook_receiver::{Receiver, eventually};

const WAIT: Duration = Duration::from_secs(60);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn serve(dir: &Path, port: u16, master_key: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_millwright"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env("MILLWRIGHT_CACHE_DIR", crate::harness::compile_cache_dir())
        .env("MILLWRIGHT_MASTER_KEY", master_key)
        .env("MILLWRIGHT_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("MILLWRIGHT_DATABASE_URL", format!("sqlite://{}", dir.join("millwright.db").display()))
        .env("MILLWRIGHT_WEBHOOKS_ALLOW_PRIVATE", "true")
        .env("MILLWRIGHT_WEBHOOKS_RETRY_INITIAL", "200ms")
        .env("MILLWRIGHT_WEBHOOKS_RETRY_MAX_INTERVAL", "500ms")
        .env("MILLWRIGHT_WEBHOOKS_LEASE", "2s")
        .env("MILLWRIGHT_WEBHOOKS_POLL_INTERVAL", "50ms")
        .env("MILLWRIGHT_HEALTH_CHECK_INTERVAL", "1h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts")
}

async fn ready(client: &reqwest::Client, base: &str) {
    eventually("the server to answer", WAIT, || async {
        client.get(format!("{base}/healthz")).send().await.ok().filter(|r| r.status().is_success()).map(|_| ())
    })
    .await;
}

async fn admin(client: &reqwest::Client, method: reqwest::Method, url: String, body: Option<Value>) -> Value {
    let mut req = client.request(method, url).bearer_auth(ADMIN_TOKEN);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

#[tokio::test]
async fn events_pending_across_a_sigkill_are_all_delivered() {
    let sandbox = Sandbox::bind("127.0.0.1:0", SandboxConfig { work_orders: 20, ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate().to_base64();
    let client = reqwest::Client::new();
    // The receiver's port, with nobody listening yet.
    let down = Receiver::start().await;
    let (receiver_port, receiver_url, state) = (down.port, down.url.clone(), down.state.clone());
    down.stop().await;

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut host = serve(dir.path(), port, &key).await;
    ready(&client, &base).await;
    let created = admin(&client, reqwest::Method::POST, format!("{base}/v1/admin/webhook-endpoints"), Some(json!({"url": receiver_url}))).await;
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().unwrap().to_string();
    let mut expected = BTreeSet::new();
    for _ in 0..3 {
        let body = json!({
            "connector_id": "maintainx", "end_customer_id": "acme", "base_url": sandbox.maintainx_base_url(),
            "credentials": {"api_key": "mx-sandbox-key"}, "allow_private": ["127.0.0.0/8"],
        });
        admin(&client, reqwest::Method::POST, format!("{base}/v1/admin/connections"), Some(body)).await;
    }
    for _ in 0..20 {
        let sent = admin(&client, reqwest::Method::POST, format!("{base}/v1/admin/webhook-endpoints/{endpoint}/test"), None).await;
        expected.insert(sent["event_id"].as_str().unwrap().to_string());
    }
    let events = admin(&client, reqwest::Method::GET, format!("{base}/v1/admin/webhook-events?type=connection.created"), None).await;
    expected.extend(events["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()));
    assert_eq!(expected.len(), 23);
    // Attempts are under way (and failing) when the process dies.
    eventually("failed attempts", WAIT, || {
        let (client, url) = (client.clone(), format!("{base}/v1/admin/webhook-endpoints/{endpoint}/attempts?page_size=100"));
        async move {
            let log = admin(&client, reqwest::Method::GET, url, None).await;
            (log["data"].as_array().unwrap().len() >= 23).then_some(())
        }
    })
    .await;
    host.start_kill().expect("SIGKILL");
    host.wait().await.unwrap();

    let mut host = serve(dir.path(), port, &key).await;
    ready(&client, &base).await;
    let receiver = Receiver::on_port(receiver_port, state).await;
    receiver.trust(&secret);
    let delivered = eventually("every event delivered", WAIT, || async {
        let got: BTreeSet<String> = receiver.received().into_iter().map(|r| r.webhook_id).collect();
        expected.is_subset(&got).then_some(got)
    })
    .await;
    assert_eq!(delivered, expected, "nothing but these events");
    assert_eq!(receiver.state.unverified.load(Ordering::SeqCst), 0, "every delivery verified");
    eventually("no pending deliveries", WAIT, || {
        let (client, url) = (client.clone(), format!("{base}/v1/admin/webhook-endpoints/{endpoint}/deliveries?status=pending"));
        async move { admin(&client, reqwest::Method::GET, url, None).await["data"].as_array().unwrap().is_empty().then_some(()) }
    })
    .await;
    host.start_kill().unwrap();
    let _ = host.wait().await;
}
