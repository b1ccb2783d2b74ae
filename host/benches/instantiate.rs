//! `cargo bench -p millwright --bench instantiate`
//!
//! 1. Instantiation of the MaintainX component from its `InstancePre` in a fresh store
//!    (`Runtime::instantiate_only`: store, limiter, epoch deadline, instantiate, drop), pooling
//!    allocator on vs off (baseline), sequentially, alternating rounds.
//! 2. The plugin's share of one `GET /v1/work-orders?page_size=100` through the whole host.

mod common;

use std::sync::Arc;

use common::fixture::{BenchHost, MX_KEY, PAGE, fetch, runtime_config};
use common::{RUN_HEAD, Run, Table, env_usize, measure_async, print_machine, ratio, us};
use millwright::runtime::bindings::{Entity, ListQuery};
use millwright::runtime::{LoadedModule, Runtime};

async fn instantiations(label: &str, rt: &Arc<Runtime>, m: &Arc<LoadedModule>, n: usize) -> Run {
    let (rt, m) = (rt.clone(), m.clone());
    measure_async(label, 1, n, move || {
        let (rt, m) = (rt.clone(), m.clone());
        async move { rt.instantiate_only(&m).await.expect("instantiates") }
    })
    .await
}

fn main() {
    print_machine();
    let n = env_usize("MW_BENCH_N", 30_000);
    let rounds = common::ROUNDS;
    let tokio_rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    tokio_rt.block_on(async {
        // --- 1. pooled vs on-demand -------------------------------------------------------
        let bytes = common::fixture::guest_modules()[0];
        let on_demand = Arc::new(Runtime::new(runtime_config(false)).unwrap());
        let pooled = Arc::new(Runtime::new(runtime_config(true)).unwrap());
        let m_on_demand = Arc::new(on_demand.load_module(bytes.to_vec()).await.unwrap());
        let m_pooled = Arc::new(pooled.load_module(bytes.to_vec()).await.unwrap());
        instantiations("warm-up", &on_demand, &m_on_demand, 1000).await;
        instantiations("warm-up", &pooled, &m_pooled, 1000).await;
        let (mut base, mut pool) = (Run::default(), Run::default());
        for _ in 0..rounds {
            base.merge(instantiations("on-demand (baseline)", &on_demand, &m_on_demand, n / rounds).await);
            pool.merge(instantiations("pooling", &pooled, &m_pooled, n / rounds).await);
        }
        let mut head = RUN_HEAD.to_vec();
        head[6] = "inst/s";
        head[7] = "CPU µs/inst";
        head.extend(["median vs baseline", "CPU vs baseline"]);
        let mut t = Table::new(&format!("instantiate: MaintainX component ({} KiB), fresh store per instance", bytes.len() / 1024), &head);
        for r in [&base, &pool] {
            let mut cells = r.cells();
            cells.push(ratio(r.median().as_secs_f64() / base.median().as_secs_f64()));
            cells.push(ratio(r.cpu_per_op().as_secs_f64() / base.cpu_per_op().as_secs_f64()));
            t.row(cells);
        }
        t.print();
        let r = pool.median().as_secs_f64() / base.median().as_secs_f64();
        println!("goal pooled median ≤ 0.5× on-demand: {} ({})", ratio(r), if r <= 0.5 { "met" } else { "MISSED" });
        let m = pool.median().as_secs_f64() * 1e6;
        println!("goal pooled median ≤ 20 µs: {m:.1} µs ({})", if m <= 20.0 { "met" } else { "MISSED" });
        drop((m_on_demand, on_demand, m_pooled, pooled));

        // --- 2. share of a whole API request --------------------------------------------
        let n2 = env_usize("MW_BENCH_SHARE_N", 1500);
        let host = Arc::new(BenchHost::start().await);
        let client = reqwest::Client::new();
        let api = {
            let (h, c) = (host.clone(), client.clone());
            move || {
                let (h, c) = (h.clone(), c.clone());
                async move {
                    fetch(&c, &h.api_url(), &h.token).await;
                }
            }
        };
        let list = {
            let h = host.clone();
            move || {
                let h = h.clone();
                async move {
                    let q = ListQuery { modified_after: None, cursor: None, page_size: PAGE, filters: vec![] };
                    let page = h.app.runtime.list(&h.live.module.module, &h.live.binding, Entity::WorkOrder, q).await.expect("list");
                    assert_eq!(page.records.len(), PAGE as usize);
                }
            }
        };
        let direct = {
            let (h, c) = (host.clone(), client.clone());
            move || {
                let (h, c) = (h.clone(), c.clone());
                async move {
                    fetch(&c, &h.direct_url(), MX_KEY).await;
                }
            }
        };
        let inst = {
            let h = host.clone();
            move || {
                let h = h.clone();
                async move { h.app.runtime.instantiate_only(&h.live.module.module).await.unwrap() }
            }
        };
        for _ in 0..2 {
            measure_async("warm-up", 1, 100, api.clone()).await;
            measure_async("warm-up", 1, 100, list.clone()).await;
            measure_async("warm-up", 1, 100, direct.clone()).await;
        }
        let mut runs = [Run::default(), Run::default(), Run::default(), Run::default()];
        for _ in 0..rounds {
            runs[0].merge(measure_async("A. GET /v1/work-orders?page_size=100 (whole request)", 1, n2 / rounds, api.clone()).await);
            runs[1].merge(measure_async("B. Runtime::list (instantiate + guest + host send hook + upstream)", 1, n2 / rounds, list.clone()).await);
            runs[2].merge(measure_async("C. emulator page fetched directly (≈ upstream part of B)", 1, n2 / rounds, direct.clone()).await);
            runs[3].merge(measure_async("D. instantiate only (same runtime, pooling)", 1, n2 / rounds, inst.clone()).await);
        }
        let [a, b, c, d] = &runs;
        let mut t = Table::new("plugin share of one GET /v1/work-orders?page_size=100 (concurrency 1)", &["part", "median µs", "p99 µs", "CPU µs/op", "share of A (median)", "share of A (CPU)"]);
        let share = |x: f64, y: f64| format!("{:.1}%", 100.0 * x / y);
        let (am, ac) = (a.median().as_secs_f64(), a.cpu_per_op().as_secs_f64());
        for r in [a, b, c, d] {
            let (m, cpu) = (r.median().as_secs_f64(), r.cpu_per_op().as_secs_f64());
            t.row(vec![r.label.clone(), us(r.median()), us(r.p99()), us(r.cpu_per_op()), share(m, am), share(cpu, ac)]);
        }
        let (wm, wc) = (b.median().as_secs_f64() - c.median().as_secs_f64(), b.cpu_per_op().as_secs_f64() - c.cpu_per_op().as_secs_f64());
        t.row(vec!["B − C: Wasm call without the upstream exchange (estimate)".into(), format!("{:.0}", wm * 1e6), "".into(), format!("{:.0}", wc * 1e6), share(wm, am), share(wc, ac)]);
        t.print();
        common::print_load();
        println!("goal plugin share ≤ 5%: instantiate-only {} of the request; instantiate + guest (estimate B − C) {}", share(d.median().as_secs_f64(), am), share(wm, am));
    });
}
