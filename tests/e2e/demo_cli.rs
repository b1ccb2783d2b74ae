//! The README's first command: `millwright demo` on a fresh directory prints a token and curl
//! lines that work, and a second run reopens the same database.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

struct Demo {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn start_demo(dir: &std::path::Path) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_millwright"))
        .args(["demo", "--listen", "127.0.0.1:0", "--work-orders", "50"])
        .current_dir(dir)
        .env("MILLWRIGHT_CACHE_DIR", crate::harness::compile_cache_dir())
        .env_remove("MILLWRIGHT_DATABASE_URL")
        .env_remove("MILLWRIGHT_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut token) = (None, None);
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("Millwright demo is running at ") {
                url = Some(rest.trim().to_string());
            }
            if let Some(rest) = line.trim().strip_prefix("connection token:") {
                token = Some(rest.trim().to_string());
            }
            if line.contains("Press Ctrl-C") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read).await.expect("the demo starts in time");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Demo { child, url: url.expect("URL printed"), token: token.expect("token printed") }
}

#[tokio::test]
async fn demo_serves_work_orders_and_restarts_on_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let first_connection;
    {
        let demo = start_demo(dir.path()).await;
        let resp = client.get(format!("{}/v1/work-orders?page_size=5", demo.url)).bearer_auth(&demo.token).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["data"].as_array().unwrap().len(), 5);
        let conn: Value = client.get(format!("{}/v1/connection", demo.url)).bearer_auth(&demo.token).send().await.unwrap().json().await.unwrap();
        first_connection = conn["id"].as_str().unwrap().to_string();
    }
    assert!(dir.path().join("millwright.key").exists(), "the generated key is kept");
    assert!(dir.path().join("millwright.db").exists(), "SQLite in the working directory");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let demo = start_demo(dir.path()).await;
    let conn: Value = client.get(format!("{}/v1/connection", demo.url)).bearer_auth(&demo.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(conn["id"], first_connection.as_str(), "the second run reuses the demo connection");
    let resp = client.get(format!("{}/v1/work-orders?page_size=1", demo.url)).bearer_auth(&demo.token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}
