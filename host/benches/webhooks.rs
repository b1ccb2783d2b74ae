//! `cargo bench -p millwright --bench webhooks`
//!
//! Signed webhook deliveries per second through the whole dispatcher (events leased from the
//! SQLite outbox, fan-out, HMAC signing, HTTP POST over loopback to a local receiver, and per
//! round one transaction writing the last batch's delivery rows, delivery log and event marks and
//! leasing the next batch) against a bare loop posting the same bodies with
//! the same HTTP client (the host's hyper stack, `webhooks::sender::Sender`) at the same
//! concurrency, alternating rounds; then the time to drain a backlog of 100,000 events.
//! Everything runs in this process (CPU covers client, dispatcher, SQLite and receiver).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{Run, Table, cpu_now, env_usize, print_machine, ratio, thread_cpu, us};
use futures::StreamExt;
use millwright::app::{AppOptions, AppState};
use millwright::store::NewEvent;
use millwright::vault::MasterKey;
use millwright::webhooks::dispatcher::Dispatcher;
use millwright::webhooks::sender::Sender;
use millwright::webhooks::{WebhookConfig, events};

const ADMIN: &str = "bench-admin-token-0123456789";
/// The runtime's blocking threads (named so in `main`): in this bench they run only the
/// dispatcher's writes, and SQLite with them (`store/dispatch_sqlite.rs`), so their CPU is the
/// database side of the dispatcher's, reported on its own.
const WRITE_THREADS: &str = "bench-blocking";

/// What the receiver counted, and the count at which it wakes the bench.
#[derive(Default)]
struct Counter {
    count: AtomicUsize,
    target: AtomicUsize,
    reached: tokio::sync::Notify,
}

impl Counter {
    fn load(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Waits until the receiver has counted `target` requests.
    async fn wait_for(&self, target: usize) {
        self.target.store(target, Ordering::Relaxed);
        while self.load() < target {
            self.reached.notified().await;
        }
    }
}

/// A receiver that answers 204 and counts.
async fn receiver(counter: Arc<Counter>) -> String {
    let app = axum::Router::new().fallback(axum::routing::post(move || {
        let counter = counter.clone();
        async move {
            if counter.count.fetch_add(1, Ordering::Relaxed) + 1 == counter.target.load(Ordering::Relaxed) {
                counter.reached.notify_one();
            }
            axum::http::StatusCode::NO_CONTENT
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn events(n: usize) -> Vec<NewEvent> {
    let now = millwright::store::now();
    (0..n)
        .map(|i| {
            let c = events::ConnectionRef { id: "conn_bench", end_customer_id: Some("acme"), connector_id: "maintainx", environment: "test" };
            events::connection_event(events::CONNECTION_STATUS_CHANGED, &c, serde_json::json!({ "old_status": "active", "new_status": "degraded", "n": i }), &now)
        })
        .collect()
}

/// Runs dispatcher rounds until the receiver has counted `target` deliveries, in a task of the
/// runtime's as the serving host does (`background.rs`), not on the thread that blocks on the
/// bench (there every post's completion would cross threads to wake it). Returns the time until
/// the receiver had them all, and the dispatcher once the round has recorded them.
async fn drain(mut dispatcher: Dispatcher, counter: &Arc<Counter>, target: usize) -> (Duration, Dispatcher) {
    let t0 = Instant::now();
    let count = counter.clone();
    let rounds = tokio::spawn(async move {
        while count.load() < target {
            dispatcher.round().await.expect("a dispatch round");
        }
        dispatcher
    });
    counter.wait_for(target).await;
    let wall = t0.elapsed();
    (wall, rounds.await.expect("the rounds' task"))
}

fn main() {
    print_machine();
    let n = env_usize("MW_BENCH_N", 5000);
    let backlog = env_usize("MW_BENCH_BACKLOG", 100_000);
    let rounds = 5;
    // The workers are the blocking pool's first threads (tokio starts them there); the rest are
    // named apart, for WRITE_THREADS.
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let spawned = AtomicUsize::new(0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name_fn(move || if spawned.fetch_add(1, Ordering::Relaxed) < workers { "bench-worker".into() } else { WRITE_THREADS.into() })
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let config = WebhookConfig { allow_private: true, ..WebhookConfig::default() };
        let (batch, conc) = (config.batch_size, config.concurrency);
        let app = AppState::start(AppOptions {
            database_url: format!("sqlite://{}", dir.path().join("bench.db").display()),
            master_key: MasterKey::generate(),
            runtime: common::fixture::runtime_config(true),
            registry: Default::default(),
            builtin_modules: vec![],
            admin_token: Some(ADMIN.into()),
            public_url: None,
            health: Default::default(),
            webhooks: config.clone(),
            api: Default::default(),
        })
        .await
        .expect("app starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api = format!("http://{}", listener.local_addr().unwrap());
        let router = millwright::api::router(app.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let count = Arc::new(Counter::default());
        let url = receiver(count.clone()).await;
        let created: serde_json::Value = reqwest::Client::new()
            .post(format!("{api}/v1/admin/webhook-endpoints"))
            .bearer_auth(ADMIN)
            .json(&serde_json::json!({ "url": url, "event_types": ["connection.status_changed"] }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(created["secret"].is_string(), "{created}");

        let mut dispatcher = Dispatcher::new(app.clone());
        let sender = Sender::new(true, config.timeout, conc);
        let bodies: Vec<Bytes> = events(n / rounds).into_iter().map(|e| Bytes::from(e.payload)).collect();
        // In a task too, like the dispatcher.
        let bare = |bodies: Vec<Bytes>| {
            let (sender, url) = (sender.clone(), url.clone());
            let posts = async move {
                futures::stream::iter(bodies)
                    .map(|b| {
                        let (sender, url) = (sender.clone(), url.clone());
                        let mut headers = http::HeaderMap::new();
                        headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
                        async move { assert!(sender.post(&url, headers, b).await.delivered()) }
                    })
                    .buffer_unordered(conc)
                    .collect::<Vec<()>>()
                    .await;
            };
            async move { tokio::spawn(posts).await.expect("the bare loop's task") }
        };
        // Warm-up: connections opened, SQLite pages cached.
        app.store.insert_events(&events(500)).await.unwrap();
        (_, dispatcher) = drain(dispatcher, &count, 500).await;
        bare(bodies.clone()).await;

        let (mut base, mut disp) = (Run::default(), Run::default());
        // Each round's ratio too: on a noisy VM the spread says how far one figure can be trusted.
        let mut per_round = Vec::with_capacity(rounds);
        let mut writes_cpu = Duration::ZERO;
        for _ in 0..rounds {
            let (cpu0, t0) = (cpu_now(), Instant::now());
            bare(bodies.clone()).await;
            let bare_wall = t0.elapsed();
            base.merge(Run { label: "bare loop: same bodies, same client".into(), concurrency: conc, latencies: vec![Duration::ZERO; bodies.len()], wall: bare_wall, cpu: cpu_now() - cpu0 });
            app.store.insert_events(&events(n / rounds)).await.unwrap();
            let target = count.load() + n / rounds;
            let (cpu0, writes0) = (cpu_now(), thread_cpu(WRITE_THREADS));
            let wall;
            (wall, dispatcher) = drain(dispatcher, &count, target).await;
            // Saturating: a blocking thread idle for 10 s exits, and its CPU leaves the sum.
            writes_cpu += thread_cpu(WRITE_THREADS).saturating_sub(writes0);
            // CPU until every outcome is recorded; wall time until the receiver had them all.
            disp.merge(Run { label: "dispatcher: signed, logged, leased".into(), concurrency: conc, latencies: vec![Duration::ZERO; n / rounds], wall, cpu: cpu_now() - cpu0 });
            per_round.push(bare_wall.as_secs_f64() / wall.as_secs_f64());
        }
        per_round.sort_by(f64::total_cmp);
        let mut t = Table::new(&format!("webhooks: deliveries to a local receiver (batch {batch}, {conc} in flight)"), &["case", "deliveries", "deliveries/s", "CPU µs/delivery", "of which its writes (SQLite)", "vs bare loop"]);
        let writes = [Duration::ZERO, writes_cpu / disp.n() as u32];
        for (r, writes) in [&base, &disp].into_iter().zip(writes) {
            t.row(vec![r.label.clone(), r.n().to_string(), format!("{:.0}", r.throughput()), us(r.cpu_per_op()), us(writes), ratio(r.throughput() / base.throughput())]);
        }
        t.print();
        let tp = disp.throughput() / base.throughput();
        let rounds_text: Vec<String> = per_round.iter().map(|r| format!("{r:.2}")).collect();
        println!("ratio per round (sorted): {}; median {:.2}", rounds_text.join(", "), per_round[per_round.len() / 2]);
        // Both sides keep the two cores busy, so the CPU ratio tracks the throughput ratio with
        // less of the machine's noise.
        println!("CPU ratio (the bare loop's CPU per post ÷ the dispatcher's per delivery): {:.2}", base.cpu_per_op().as_secs_f64() / disp.cpu_per_op().as_secs_f64());

        app.store.insert_events(&events(backlog)).await.unwrap();
        let target = count.load() + backlog;
        let (cpu0, writes0) = (cpu_now(), thread_cpu(WRITE_THREADS));
        let (wall, dispatcher) = drain(dispatcher, &count, target).await;
        let (cpu, writes) = (cpu_now() - cpu0, thread_cpu(WRITE_THREADS).saturating_sub(writes0));
        // Only now: dropping it may end its write's thread, whose CPU would leave the sum.
        drop(dispatcher);
        let mut t = Table::new("webhooks: draining a backlog", &["events", "wall s", "deliveries/s", "CPU µs/delivery", "of which its writes (SQLite)"]);
        t.row(vec![backlog.to_string(), format!("{:.1}", wall.as_secs_f64()), format!("{:.0}", backlog as f64 / wall.as_secs_f64()), us(cpu / backlog as u32), us(writes / backlog as u32)]);
        t.print();
        common::print_load();
        println!("goal (signed deliveries ≥ 0.5× the bare loop): {} ({})", ratio(tp), if tp >= 0.5 { "met" } else { "MISSED" });
    });
}
