//! Hot swaps: version 2 of the MaintainX connector (built with its `v2` feature: version 0.2.0,
//! and every work order carries `custom_fields.connector_build = "v2"`) is activated and rolled
//! back while requests run; pins; and a restart on a warm compile cache compiles nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use millwright::runtime::RuntimeConfig;
use millwright::runtime::engine::EngineSettings;
use millwright::vault::MasterKey;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Host, Options, replica, send, test_limits};
use crate::registry_install::{artifact, upload};

/// Which build answered: `Some("v2")` or `None` for every record, or a panic on a mix.
fn build_of(page: &Value) -> Option<String> {
    let records = page["data"].as_array().expect("a list");
    assert!(!records.is_empty(), "{page}");
    let builds: Vec<Option<&str>> = records.iter().map(|r| r["custom_fields"]["connector_build"].as_str()).collect();
    assert!(builds.iter().all(|b| *b == builds[0]), "one response, one version: {builds:?}");
    builds[0].map(str::to_string)
}

#[derive(Default)]
struct Tally {
    v1: AtomicUsize,
    v2: AtomicUsize,
    failed: AtomicUsize,
}

async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..20_000 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test]
async fn activation_and_rollback_swap_versions_under_load_without_a_failed_request() {
    let host = Arc::new(Host::with(Options { work_orders: 60, ..Default::default() }).await);
    let (status, v2) = send(upload(&host, artifact(millwright_artifacts::MAINTAINX_V2))).await;
    assert_eq!((status, v2["version"].as_str()), (201, Some("0.2.0")), "{v2}");

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = vec![];
    for _ in 0..4 {
        let (host, tally, stop) = (host.clone(), tally.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, page) = send(host.get("/v1/work-orders?page_size=20")).await;
                if status != 200 {
                    eprintln!("failed request: {status} {page}");
                    tally.failed.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                match build_of(&page).as_deref() {
                    Some("v2") => tally.v2.fetch_add(1, Ordering::Relaxed),
                    None => tally.v1.fetch_add(1, Ordering::Relaxed),
                    Some(other) => panic!("unknown build {other}"),
                };
            }
        }));
    }
    until("v1 traffic", || tally.v1.load(Ordering::Relaxed) >= 10).await;

    let (status, active) = send(host.admin(Method::POST, "/v1/admin/connectors/maintainx/versions/0.2.0/activate").json(&json!({}))).await;
    assert_eq!((status, active["active"].as_bool()), (200, Some(true)), "{active}");
    // A request started after the activation answered is served by version 2 at once.
    let (_, page) = send(host.get("/v1/work-orders?page_size=5")).await;
    assert_eq!(build_of(&page).as_deref(), Some("v2"), "{page}");
    let (_, conn) = send(host.get("/v1/connection")).await;
    assert_eq!(conn["connector"]["version"], "0.2.0");
    let seen = tally.v2.load(Ordering::Relaxed);
    until("v2 traffic", || tally.v2.load(Ordering::Relaxed) >= seen + 10).await;

    let (status, back) = send(host.admin(Method::POST, "/v1/admin/connectors/maintainx/rollback")).await;
    assert_eq!((status, back["version"].as_str()), (200, Some("0.1.0")), "{back}");
    let (_, page) = send(host.get("/v1/work-orders?page_size=5")).await;
    assert_eq!(build_of(&page), None, "version 1 again at once: {page}");
    let seen = tally.v1.load(Ordering::Relaxed);
    until("v1 traffic after the rollback", || tally.v1.load(Ordering::Relaxed) >= seen + 10).await;

    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.expect("no worker saw a mixed response");
    }
    assert_eq!(tally.failed.load(Ordering::Relaxed), 0, "zero failed requests");
    assert!(tally.v2.load(Ordering::Relaxed) >= 10);
}

#[tokio::test]
async fn a_pinned_connection_keeps_its_version_until_unpinned() {
    let host = Host::start().await;
    assert_eq!(send(upload(&host, artifact(millwright_artifacts::MAINTAINX_V2))).await.0, 201);
    let pin = host.admin(Method::PUT, &format!("/v1/admin/connections/{}/pin", host.connection_id)).json(&json!({"version": "0.1.0"}));
    let (status, pinned) = send(pin).await;
    assert_eq!((status, pinned["pinned"]["version"].as_str()), (200, Some("0.1.0")), "{pinned}");
    assert_eq!(send(host.admin(Method::POST, "/v1/admin/connectors/maintainx/versions/0.2.0/activate")).await.0, 200);

    let (_, page) = send(host.get("/v1/work-orders?page_size=5")).await;
    assert_eq!(build_of(&page), None, "pinned to 0.1.0: {page}");
    let (_, other_token) = host.connect("maintainx", &host.sandbox.maintainx_base_url(), &[("api_key", crate::harness::MX_KEY)], &[]).await;
    let unpinned = host.client.get(format!("{}/v1/work-orders?page_size=5", host.url)).bearer_auth(&other_token);
    assert_eq!(build_of(&send(unpinned).await.1).as_deref(), Some("v2"), "unpinned connections follow the active version");
    crate::harness::expect_problem(host.admin(Method::DELETE, "/v1/admin/connectors/maintainx/versions/0.1.0"), 422, "validation_failed").await;

    assert_eq!(send(host.admin(Method::DELETE, &format!("/v1/admin/connections/{}/pin", host.connection_id))).await.0, 204);
    let (_, page) = send(host.get("/v1/work-orders?page_size=5")).await;
    assert_eq!(build_of(&page).as_deref(), Some("v2"), "unpinned: {page}");
}


#[tokio::test]
async fn a_restart_on_a_warm_cache_compiles_nothing_and_loads_every_module() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("restart.db").display());
    let key = MasterKey::generate();
    let first = replica(&db, &key).await;
    first.registry.install(artifact(millwright_artifacts::MAINTAINX_V2), None).await.expect("v2 installs");
    first.registry.install(artifact(millwright_artifacts::PROBE), None).await.expect("probe installs");
    first.registry.activate("maintainx", "0.2.0", None, "test").await.unwrap();
    first.registry.activate("probe", "1.0.0", Some(vec!["files.example.com".into()]), "test").await.unwrap();
    let expected = first.registry.loaded_digests();
    first.store.close().await;
    drop(first);

    let second = replica(&db, &key).await;
    let (compiled, from_cache) = second.runtime.compile_counts();
    assert_eq!(compiled, 0, "a warm restart compiles nothing");
    let loaded = second.registry.loaded_digests();
    assert_eq!(from_cache as usize, loaded.len(), "every module came from the cache");
    let active: Vec<String> = second.store.active_modules().await.unwrap().into_iter().map(|(_, d)| d).collect();
    assert_eq!(active.len(), 2);
    assert!(active.iter().all(|d| loaded.contains(d)), "every active module is loaded: {active:?} in {loaded:?}");
    assert!(loaded.iter().all(|d| expected.contains(d)));
    assert_eq!(second.registry.active("maintainx").unwrap().info().version, "0.2.0");

    second.store.close().await;
}

#[tokio::test]
async fn a_damaged_artifact_is_recompiled_not_loaded() {
    let cache = tempfile::tempdir().unwrap();
    let runtime = || {
        let limits = test_limits();
        millwright::runtime::Runtime::new(RuntimeConfig {
            engine: EngineSettings { pooling: false, pool_instances: 4, max_memory_bytes: limits.max_memory_bytes },
            limits,
            compile_cache_dir: Some(cache.path().to_path_buf()),
            dns_overrides: Default::default(),
        })
        .unwrap()
    };
    let bytes = artifact(millwright_artifacts::PROBE);
    let first = runtime();
    first.load_module(bytes.clone()).await.unwrap();
    assert_eq!(first.compile_counts(), (1, 0));
    let artifacts: Vec<_> = std::fs::read_dir(cache.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(artifacts.len(), 1, "{artifacts:?}");
    let warm = runtime();
    warm.load_module(bytes.clone()).await.unwrap();
    assert_eq!(warm.compile_counts(), (0, 1), "a good artifact is loaded");

    std::fs::write(&artifacts[0], b"not a compiled component").unwrap();
    let damaged = runtime();
    let module = damaged.load_module(bytes).await.expect("recompiled");
    assert_eq!(damaged.compile_counts(), (1, 0), "the damaged artifact was not loaded");
    assert_eq!(module.info.id, "probe");
}

#[tokio::test]
async fn an_activation_on_one_replica_reaches_the_next_request_on_another() {
    let replicas = crate::harness::TwoReplicas::start().await;
    let (a, b) = (&replicas.a, &replicas.b);
    assert_eq!(build_of(&replicas.page_on_b().await), None, "version 1 on replica B");

    a.registry.install(artifact(millwright_artifacts::MAINTAINX_V2), None).await.expect("installed on A");
    a.registry.activate("maintainx", "0.2.0", None, "test").await.expect("activated on A");
    assert!(!b.registry.loaded_digests().contains(&a.registry.active("maintainx").unwrap().module.digest), "B never loaded version 2");
    assert_eq!(build_of(&replicas.page_on_b().await).as_deref(), Some("v2"), "B serves version 2 on the next request");
    replicas.stop().await;
}
