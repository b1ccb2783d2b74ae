//! Signed modules: a partner's key pair and signature from the real binary
//! (`millwright connectors keygen` / `sign`), the operator's trusted keys, `require_signed`;
//! and `millwright connectors install` into a database.

use reqwest::Method;
use serde_json::json;

use crate::cli_vault::{millwright, text};
use crate::harness::{Host, Options, expect_problem, send};
use crate::registry_install::{artifact, upload};

/// A key pair made by `connectors keygen`: (key file, public key).
async fn keygen(dir: &std::path::Path, key_id: &str) -> (std::path::PathBuf, String) {
    let file = dir.join(format!("{key_id}.key"));
    let out = millwright(dir, &["connectors", "keygen", "--key-id", key_id, "--out", file.to_str().unwrap()], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let public = stdout.lines().find_map(|l| l.strip_prefix("public key: ")).expect("the public key is printed").trim().to_string();
    let secret = std::fs::read_to_string(&file).unwrap();
    assert!(!stdout.contains(secret.trim().rsplit(':').next().unwrap()), "the secret is not printed");
    (file, public)
}

async fn sign(dir: &std::path::Path, key: &std::path::Path, module: &str) -> String {
    let out = millwright(dir, &["connectors", "sign", "--key", key.to_str().unwrap(), module], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn signed_modules_round_trip_and_wrong_signatures_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (acme_key, acme_public) = keygen(dir.path(), "acme").await;
    // Another key pair that claims the same key id: its signatures must not verify.
    let impostor_dir = tempfile::tempdir().unwrap();
    let (impostor_key, _) = keygen(impostor_dir.path(), "acme").await;
    let (stranger_key, _) = keygen(dir.path(), "stranger").await;

    let host = Host::with(Options {
        registry: millwright::registry::RegistryConfig { require_signed: true, ..Default::default() },
        ..Default::default()
    })
    .await;
    let add = json!({"key_id": "acme", "public_key": acme_public});
    assert_eq!(send(host.admin(Method::POST, "/v1/admin/trusted-keys").json(&add)).await.0, 201);
    expect_problem(host.admin(Method::POST, "/v1/admin/trusted-keys").json(&add), 422, "validation_failed").await;
    let bad = json!({"key_id": "bad", "public_key": "AAAA"});
    expect_problem(host.admin(Method::POST, "/v1/admin/trusted-keys").json(&bad), 422, "validation_failed").await;
    let (_, keys) = send(host.admin(Method::GET, "/v1/admin/trusted-keys")).await;
    assert_eq!((keys["data"][0]["key_id"].as_str(), keys["require_signed"].as_bool()), (Some("acme"), Some(true)), "{keys}");

    let path = millwright_artifacts::PROBE;
    let bytes = artifact(path);
    let e = expect_problem(upload(&host, bytes.clone()), 422, "validation_failed").await;
    assert!(e["detail"].as_str().unwrap().contains("requires signed modules"), "{e}");
    let signed_by = |sig: String| upload(&host, bytes.clone()).header("x-millwright-signature", sig);
    let e = expect_problem(signed_by(sign(dir.path(), &impostor_key, path).await), 422, "validation_failed").await;
    assert!(e["detail"].as_str().unwrap().contains("does not verify"), "{e}");
    let e = expect_problem(signed_by(sign(dir.path(), &stranger_key, path).await), 422, "validation_failed").await;
    assert!(e["detail"].as_str().unwrap().contains("not a trusted key"), "{e}");
    // A signature over other bytes.
    let other = sign(dir.path(), &acme_key, millwright_artifacts::HOSTILE).await;
    expect_problem(signed_by(other), 422, "validation_failed").await;
    expect_problem(signed_by("ed25519:acme:not-base64!".into()), 422, "validation_failed").await;
    assert!(host.app.store.module_by_version("probe", "1.0.0").await.unwrap().is_none(), "nothing stored");

    let (status, installed) = send(signed_by(sign(dir.path(), &acme_key, path).await)).await;
    assert_eq!((status, installed["signed_by"].as_str()), (201, Some("acme")), "{installed}");

    assert_eq!(send(host.admin(Method::DELETE, "/v1/admin/trusted-keys/acme")).await.0, 204);
    let e = expect_problem(signed_by(sign(dir.path(), &acme_key, millwright_artifacts::MAINTAINX_V2).await), 422, "validation_failed").await;
    assert!(e["detail"].as_str().unwrap().contains("not a trusted key"), "a removed key signs nothing new: {e}");
}

#[tokio::test]
async fn the_cli_installs_and_activates_a_module() {
    let dir = tempfile::tempdir().unwrap();
    let key = millwright::vault::MasterKey::generate().to_base64();
    let env = [("MILLWRIGHT_MASTER_KEY", key.as_str())];
    let path = millwright_artifacts::PROBE;
    let out = millwright(dir.path(), &["connectors", "install", path, "--activate"], &env).await;
    assert!(!out.status.success(), "the probe's extra host is not approved");
    assert!(text(&out).contains("files.example.com"), "{}", text(&out));
    let out = millwright(dir.path(), &["connectors", "install", path, "--activate", "--approve-host", "files.example.com"], &env).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("activated probe 1.0.0"), "{}", text(&out));

    let store = millwright::store::Store::connect(&format!("sqlite://{}", dir.path().join("millwright.db").display())).await.unwrap();
    let active = store.active_modules().await.unwrap();
    assert!(active.iter().any(|(c, _)| c == "probe"), "{active:?}");
    let audit = store.audit_log(None, 50).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "connector.install" && a.actor == "cli"));
    store.close().await;
}
