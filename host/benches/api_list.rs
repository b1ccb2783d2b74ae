//! `cargo bench -p millwright --bench api_list`
//!
//! `GET /v1/work-orders?page_size=100` through the whole host (HTTP over loopback, token lookup
//! in SQLite, Wasm connector, upstream call, mapping, cursor sealing, JSON) vs the same page
//! straight from the emulator (`GET {sandbox}/maintainx/v1/workorders?limit=100&expand=...`,
//! the baseline), with one reqwest client for both, at fixed concurrency and request count,
//! alternating rounds. Everything runs in this process: CPU per request covers client, host and
//! emulator, so the host's own CPU is the difference of the two.

mod common;

use std::sync::Arc;

use common::fixture::{BenchHost, MX_KEY, fetch};
use common::{RUN_HEAD, Run, Table, env_usize, measure_async, print_machine, ratio, us};

fn main() {
    print_machine();
    let n = env_usize("MW_BENCH_N", 3000);
    let rounds = common::ROUNDS;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let host = Arc::new(BenchHost::start().await);
        let client = reqwest::Client::new();
        let api_bytes = fetch(&client, &host.api_url(), &host.token).await;
        let direct_bytes = fetch(&client, &host.direct_url(), MX_KEY).await;
        println!("response sizes: host {api_bytes} B (unified JSON), emulator {direct_bytes} B (MaintainX JSON)");
        let api = {
            let (h, c) = (host.clone(), client.clone());
            move || {
                let (h, c) = (h.clone(), c.clone());
                async move {
                    fetch(&c, &h.api_url(), &h.token).await;
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
        let mut head = RUN_HEAD.to_vec();
        head[6] = "req/s";
        head[7] = "CPU µs/req";
        head.extend(["throughput vs direct", "CPU vs direct", "added median µs"]);
        let mut t = Table::new("api_list: 100 work orders, host vs emulator direct (CPU: whole process)", &head);
        let mut goals = vec![];
        for conc in [1usize, 4] {
            measure_async("warm-up", conc, 200, direct.clone()).await;
            measure_async("warm-up", conc, 200, api.clone()).await;
            let (mut d, mut a) = (Run::default(), Run::default());
            for _ in 0..rounds {
                d.merge(measure_async("emulator direct (baseline)", conc, n / rounds, direct.clone()).await);
                a.merge(measure_async("host GET /v1/work-orders", conc, n / rounds, api.clone()).await);
            }
            for r in [&d, &a] {
                let mut cells = r.cells();
                cells.push(ratio(r.throughput() / d.throughput()));
                cells.push(ratio(r.cpu_per_op().as_secs_f64() / d.cpu_per_op().as_secs_f64()));
                cells.push(us(r.median().saturating_sub(d.median())));
                t.row(cells);
            }
            let ratio_tp = a.throughput() / d.throughput();
            let added = a.median().saturating_sub(d.median()).as_secs_f64() * 1e3;
            goals.push(format!(
                "conc {conc}: throughput {} of direct ({}), added median {added:.2} ms ({}), host CPU/req ≈ {} µs",
                ratio(ratio_tp),
                if ratio_tp >= 0.6 { "met" } else { "MISSED" },
                if added <= 1.0 { "met" } else { "MISSED" },
                us(a.cpu_per_op().saturating_sub(d.cpu_per_op())),
            ));
        }
        t.print();
        common::print_load();
        println!("goals (throughput ≥ 0.6× direct, added median ≤ 1 ms):");
        for g in goals {
            println!("  {g}");
        }
    });
}
