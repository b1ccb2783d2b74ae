//! The master key through the real binary: `serve` refuses to start without one, a wrong key is
//! refused with a clear error, and `vault rotate-master-key` moves every credential to a new key.

use std::path::Path;
use std::process::Output;

use millwright::vault::MasterKey;
use millwright_sandbox::{Sandbox, SandboxConfig};

pub async fn millwright(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_millwright"));
    cmd.args(args)
        .current_dir(dir)
        .env("MILLWRIGHT_CACHE_DIR", crate::harness::compile_cache_dir())
        .env_remove("MILLWRIGHT_MASTER_KEY")
        .env_remove("MILLWRIGHT_DATABASE_URL")
        .env_remove("MILLWRIGHT_ADMIN_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output()).await.expect("the command ends").unwrap()
}

pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test]
async fn serve_needs_a_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = millwright(dir.path(), &["serve", "--listen", "127.0.0.1:0"], &[]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("MILLWRIGHT_MASTER_KEY"), "{}", text(&out));
    let out = millwright(dir.path(), &["serve", "--listen", "127.0.0.1:0"], &[("MILLWRIGHT_MASTER_KEY", "short")]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("base64"), "{}", text(&out));
}

#[tokio::test]
async fn wrong_keys_are_refused_and_rotation_moves_every_credential() {
    let sandbox = Sandbox::bind("127.0.0.1:0", SandboxConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (MasterKey::generate().to_base64(), MasterKey::generate().to_base64());
    let base = sandbox.maintainx_base_url();
    let create = ["connections", "create", "--connector", "maintainx", "--base-url", &base, "--credential", "api_key=mx-sandbox-key", "--allow-private", "127.0.0.0/8", "--json"];
    let out = millwright(dir.path(), &create, &[("MILLWRIGHT_MASTER_KEY", &old)]).await;
    assert!(out.status.success(), "{}", text(&out));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(created["token"].as_str().unwrap().starts_with("mw_test_"));

    // Another key cannot open this database.
    let out = millwright(dir.path(), &create, &[("MILLWRIGHT_MASTER_KEY", &new)]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("master key does not match"), "{}", text(&out));

    let out = millwright(dir.path(), &["vault", "rotate-master-key", "--json"], &[("MILLWRIGHT_MASTER_KEY", &old), ("MILLWRIGHT_NEW_MASTER_KEY", &new)]).await;
    assert!(out.status.success(), "{}", text(&out));
    let rotated: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rotated["rewrapped_connections"], 1, "{}", text(&out));

    // Now the new key opens it (and the credentials decrypt: a second connection is created and
    // the first one's credentials are read by the store-backed app) and the old one does not.
    let out = millwright(dir.path(), &create, &[("MILLWRIGHT_MASTER_KEY", &old)]).await;
    assert!(!out.status.success(), "{}", text(&out));
    let out = millwright(dir.path(), &create, &[("MILLWRIGHT_MASTER_KEY", &new)]).await;
    assert!(out.status.success(), "{}", text(&out));

    let db = format!("sqlite://{}", dir.path().join("millwright.db").display());
    let store = millwright::store::Store::connect(&db).await.unwrap();
    let vault = millwright::vault::Vault::new(&MasterKey::parse(&new).unwrap());
    for row in store.connections().await.unwrap() {
        let sealed = millwright::vault::Sealed { ciphertext: row.credentials, wrapped_key: row.wrapped_key };
        let plain = vault.open(&row.id, &sealed).expect("every credential opens with the new key");
        assert!(String::from_utf8(plain).unwrap().contains("mx-sandbox-key"));
    }
}
