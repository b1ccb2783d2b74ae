//! `cargo bench -p millwright --bench registry`
//!
//! 1. Upload-to-serving: `POST /v1/admin/connectors` (raw bytes) → `POST …/activate` → the first
//!    `GET /v1/work-orders` answered by the new version, against a bare `Component::new` of the
//!    same bytes on the same engine, alternating rounds. For the MaintainX connector (version 2
//!    build, release) and for a ~2 MB component: the same connector built at opt-level 0 (more
//!    code to compile) carrying a 1.2 MiB custom section (bytes the registry hashes, stores and
//!    reads back, which nothing compiles). Every round uploads bytes no cache has seen (a custom
//!    section with a nonce), so each pays a compile.
//! 2. Cold start with N cached modules: a fresh `Runtime` loading N modules (what the registry
//!    does per active module at start-up: artifact or compile, pre-instantiate, `describe`) from
//!    a warm artifact cache, against the same with an empty cache (compiling each).
//!
//! `MW_BENCH_ROUNDS` (default 5) and `MW_BENCH_MODULES` (default 8) shrink a smoke run.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixture::{ADMIN_TOKEN, BenchHost, runtime_config};
use common::{Table, env_usize, print_load, print_machine, ratio};
use millwright::runtime::Runtime;
use wasmtime::component::Component;

/// `bytes` plus a custom section carrying `nonce`: a different digest, the same code.
fn with_nonce(bytes: &[u8], nonce: u64) -> Vec<u8> {
    with_custom_section(bytes, b"millwright-bench-nonce", &nonce.to_le_bytes())
}

fn with_custom_section(bytes: &[u8], name: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut section = leb(name.len() as u64);
    section.extend_from_slice(name);
    section.extend_from_slice(payload);
    let mut out = bytes.to_vec();
    out.push(0); // custom section id
    out.extend(leb(section.len() as u64));
    out.extend(section);
    out
}

fn leb(mut v: u64) -> Vec<u8> {
    let mut out = vec![];
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Upload, activate, first served request of `bytes` (version 0.2.0), then back to 0.1.0 and the
/// version deleted, so the next round can upload 0.2.0 again.
async fn upload_to_serving(host: &BenchHost, client: &reqwest::Client, bytes: Vec<u8>) -> Duration {
    let admin = |m: reqwest::Method, path: &str| client.request(m, format!("{}{path}", host.url)).bearer_auth(ADMIN_TOKEN);
    let t = Instant::now();
    let up = admin(reqwest::Method::POST, "/v1/admin/connectors").header("content-type", "application/wasm").body(bytes).send().await.unwrap();
    assert_eq!(up.status(), 201, "{}", up.text().await.unwrap_or_default());
    let act = admin(reqwest::Method::POST, "/v1/admin/connectors/maintainx/versions/0.2.0/activate").send().await.unwrap();
    assert_eq!(act.status(), 200, "{}", act.text().await.unwrap_or_default());
    let page: serde_json::Value = client.get(host.api_url()).bearer_auth(&host.token).send().await.unwrap().json().await.unwrap();
    let elapsed = t.elapsed();
    assert_eq!(page["data"][0]["custom_fields"]["connector_build"], "v2", "served by the new version");
    assert_eq!(admin(reqwest::Method::POST, "/v1/admin/connectors/maintainx/versions/0.1.0/activate").send().await.unwrap().status(), 200);
    assert_eq!(admin(reqwest::Method::DELETE, "/v1/admin/connectors/maintainx/versions/0.2.0").send().await.unwrap().status(), 204);
    elapsed
}

async fn bare_compile(runtime: &Runtime, bytes: Vec<u8>) -> Duration {
    let engine = runtime.engine().clone();
    let t = Instant::now();
    tokio::task::spawn_blocking(move || Component::new(&engine, &bytes).expect("compiles")).await.unwrap();
    t.elapsed()
}

/// A fresh runtime loading every module (artifact cache in `cache`); returns the time and how
/// many modules it compiled.
async fn cold_start(cache: &std::path::Path, modules: &[Vec<u8>]) -> (Duration, u64) {
    let mut config = runtime_config(true);
    config.compile_cache_dir = Some(cache.to_path_buf());
    let t = Instant::now();
    let runtime = Runtime::new(config).unwrap();
    for bytes in modules {
        runtime.load_module(bytes.clone()).await.expect("loads");
    }
    (t.elapsed(), runtime.compile_counts().0)
}

fn main() {
    print_machine();
    let rounds = env_usize("MW_BENCH_ROUNDS", 5);
    let n_modules = env_usize("MW_BENCH_MODULES", 8);
    let tokio_rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    tokio_rt.block_on(async {
        let host = BenchHost::start().await;
        let client = reqwest::Client::new();
        let mut nonce = std::process::id() as u64 * 1_000_000;
        let mut next = |bytes: &[u8]| {
            nonce += 1;
            with_nonce(bytes, nonce)
        };

        // --- 1. upload-to-serving vs bare compile -------------------------------------------
        let mut t = Table::new(
            "registry: upload → activate → first served request, vs bare compile of the same bytes (medians)",
            &["component", "size KiB", "rounds", "bare compile s", "upload-to-serving s", "ratio", "goal ≤ 1.3×"],
        );
        let padding: Vec<u8> = (0..1_200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let two_mb = with_custom_section(millwright_artifacts::MAINTAINX_V2_O0_BYTES, b"millwright-bench-padding", &padding);
        let cases: [(&str, &[u8]); 2] = [
            ("MaintainX v2 (release)", millwright_artifacts::MAINTAINX_V2_BYTES),
            ("MaintainX v2 (opt-level 0 + 1.2 MiB custom section)", &two_mb),
        ];
        for (label, bytes) in cases {
            upload_to_serving(&host, &client, next(bytes)).await; // warm-up
            let (mut base, mut cand) = (vec![], vec![]);
            for _ in 0..rounds {
                base.push(bare_compile(&host.app.runtime, next(bytes)).await);
                cand.push(upload_to_serving(&host, &client, next(bytes)).await);
            }
            let (b, c) = (median(base), median(cand));
            let r = c.as_secs_f64() / b.as_secs_f64();
            t.row(vec![label.into(), (bytes.len() / 1024).to_string(), rounds.to_string(), secs(b), secs(c), ratio(r), if r <= 1.3 { "met" } else { "MISSED" }.into()]);
        }
        t.print();
        print_load();

        // --- 2. cold start: N cached modules vs compiling them ----------------------------------
        let modules: Vec<Vec<u8>> = (0..n_modules).map(|_| next(millwright_artifacts::MAINTAINX_BYTES)).collect();
        let warm = tempfile::tempdir().unwrap();
        let (_, compiled) = cold_start(warm.path(), &modules).await; // fills the cache
        assert_eq!(compiled, n_modules as u64);
        let (mut base, mut cand) = (vec![], vec![]);
        for _ in 0..rounds {
            let empty = tempfile::tempdir().unwrap();
            let (d, compiled) = cold_start(empty.path(), &modules).await;
            assert_eq!(compiled, n_modules as u64);
            base.push(d);
            let (d, compiled) = cold_start(warm.path(), &modules).await;
            assert_eq!(compiled, 0, "the warm start compiles nothing");
            cand.push(d);
        }
        let (b, c) = (median(base), median(cand));
        let r = c.as_secs_f64() / b.as_secs_f64();
        let mut t = Table::new(
            &format!("registry: start-up loading {n_modules} MaintainX modules ({} KiB each), warm artifact cache vs compiling (medians)", modules[0].len() / 1024),
            &["modules", "rounds", "compiling s", "warm cache s", "ratio", "goal ≤ 0.05×"],
        );
        // Four decimals: the ratio is far below `ratio`'s two.
        t.row(vec![n_modules.to_string(), rounds.to_string(), secs(b), secs(c), format!("{r:.4}×"), if r <= 0.05 { "met" } else { "MISSED" }.into()]);
        t.print();
        print_load();
        drop(Arc::new(host));
    });
}
