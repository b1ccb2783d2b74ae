//! `cargo bench -p millwright --bench connector_list`
//!
//! The MaintainX connector's `list` of one 100-record work-order page, through the Wasm runtime
//! (`Runtime::list`: fresh store, instantiate, guest, wasi-http through the host's send hook)
//! vs the same crate built natively (`MaintainX::list` over the SDK's ureq client, the
//! baseline), both against the same in-process emulator. The emulator alone (the same page,
//! fetched raw with the SDK's native client) is measured too: both sides include its time.
//!
//! Threads: the emulator has its own tokio runtime (2 workers) for every case. The native
//! callers are `conc` OS threads; the Wasm callers are `conc` tasks on a runtime of `conc`
//! workers, so both sides have the same number of threads. (Until issue 2's second pass the Wasm
//! tasks shared the emulator's 2 workers: on a machine shared with other processes they then got
//! fewer CPU slices than the native side's 4 + 2 threads and queued for the CPU; see
//! BENCHMARKS.md.) `MW_BENCH_SHARED_RUNTIME=1` runs them that way again, for comparison.
//! `MW_BENCH_GUEST=<file.wasm>` runs another build of the connector in Wasm (to compare guest
//! build settings without rebuilding the host).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::fixture::{MX_KEY, PAGE, WO_QUERY, runtime_config, start_auth_sandbox};
use common::{RUN_HEAD, Run, Table, env_usize, measure_async, measure_threads, print_machine, ratio, run_queue_wait, us};
use millwright::runtime::bindings::{Entity, ListQuery};
use millwright::runtime::{ConnectionSpec, Runtime};
use millwright_connector_maintainx::MaintainX;
use millwright_sdk::Connector;

fn main() {
    print_machine();
    let n = env_usize("MW_BENCH_N", 3000);
    let rounds = common::ROUNDS;
    let shared = env_usize("MW_BENCH_SHARED_RUNTIME", 0) == 1;
    let emu_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("emulator").enable_all().build().unwrap();
    let base = emu_rt.block_on(start_auth_sandbox());

    // Wasm: production engine and limits, a connection bound as the host binds it.
    let runtime = Arc::new(Runtime::new(runtime_config(true)).unwrap());
    let guest = common::fixture::guest_modules()[0].to_vec();
    let module = Arc::new(emu_rt.block_on(runtime.load_module(guest)).unwrap());
    let spec = ConnectionSpec {
        connection_id: "conn_bench".into(),
        base_url: base.clone(),
        settings: BTreeMap::new(),
        credentials: BTreeMap::from([("api_key".to_string(), MX_KEY.to_string())]),
        approved_hosts: vec![],
        private_networks: vec!["127.0.0.0/8".parse().unwrap()],
    };
    // One binding (and so one upstream connection pool) per caller runtime: pooled connections
    // are driven by tasks of the runtime that opened them.
    let wasm_for = |spec: &ConnectionSpec| {
        let (runtime, module) = (runtime.clone(), module.clone());
        let binding = Arc::new(runtime.bind(&module, spec).unwrap());
        move || {
            let (runtime, module, binding) = (runtime.clone(), module.clone(), binding.clone());
            async move {
                let q = ListQuery { modified_after: None, cursor: None, page_size: PAGE, filters: vec![] };
                let page = runtime.list(&module, &binding, Entity::WorkOrder, q).await.expect("wasm list");
                assert_eq!(page.records.len(), PAGE as usize);
            }
        }
    };

    // Native: the same connector crate, `native` feature (ureq); no credentials in the context,
    // as in Wasm (the emulator's front layer adds the bearer header, see fixture.rs).
    let ctx = millwright_sdk::ctx::context(&base, &[]);
    let native = || {
        let q = millwright_sdk::ListQuery { modified_after: None, cursor: None, page_size: PAGE, filters: vec![] };
        let page = MaintainX::list(&ctx, millwright_sdk::Entity::WorkOrder, &q).expect("native list");
        assert_eq!(page.records.len(), PAGE as usize);
    };
    let raw_url = format!("{base}/workorders?{WO_QUERY}");
    let emulator = || {
        let resp = millwright_sdk::http::Request::get(raw_url.as_str()).header("accept", "application/json").send().expect("raw fetch");
        assert_eq!(resp.status, 200);
    };

    let mut head = RUN_HEAD.to_vec();
    head[6] = "lists/s";
    head[7] = "CPU µs/list";
    head.extend(["throughput vs native", "CPU vs native", "run-queue wait µs/list"]);
    let mut t = Table::new("connector_list: MaintainX list of 100 work orders (CPU: whole process incl. emulator)", &head);
    let mut t2 = Table::new(
        "connector_list: connector cost net of the emulator (run − emulator-alone run)",
        &["conc", "native median µs", "wasm median µs", "native CPU µs/list", "wasm CPU µs/list", "wasm/native CPU"],
    );
    let mut goals = vec![];
    for conc in [1usize, 4] {
        let own_rt = (!shared).then(|| tokio::runtime::Builder::new_multi_thread().worker_threads(conc).thread_name("wasm-callers").enable_all().build().unwrap());
        let wasm_rt = own_rt.as_ref().unwrap_or(&emu_rt);
        let wasm = wasm_for(&spec);
        measure_threads("warm-up", conc, 200, native);
        measure_threads("warm-up", conc, 200, emulator);
        wasm_rt.block_on(measure_async("warm-up", conc, 200, wasm.clone()));
        let (mut e, mut nat, mut w) = (Run::default(), Run::default(), Run::default());
        let mut waits = [Duration::ZERO; 3];
        for _ in 0..rounds {
            let w0 = run_queue_wait();
            e.merge(measure_threads("emulator alone (raw GET, ureq)", conc, n / rounds, emulator));
            let w1 = run_queue_wait();
            nat.merge(measure_threads("native connector (baseline)", conc, n / rounds, native));
            let w2 = run_queue_wait();
            w.merge(wasm_rt.block_on(measure_async("wasm connector (Runtime::list)", conc, n / rounds, wasm.clone())));
            let w3 = run_queue_wait();
            for (acc, d) in waits.iter_mut().zip([w1 - w0, w2 - w1, w3 - w2]) {
                *acc += d;
            }
        }
        for (r, wait) in [&e, &nat, &w].into_iter().zip(waits) {
            let mut cells = r.cells();
            cells.push(ratio(r.throughput() / nat.throughput()));
            cells.push(ratio(r.cpu_per_op().as_secs_f64() / nat.cpu_per_op().as_secs_f64()));
            cells.push(us(wait / r.n().max(1) as u32));
            t.row(cells);
        }
        let net = |r: &Run| (r.median().saturating_sub(e.median()), r.cpu_per_op().saturating_sub(e.cpu_per_op()));
        let ((nm, nc), (wm, wc)) = (net(&nat), net(&w));
        t2.row(vec![conc.to_string(), us(nm), us(wm), us(nc), us(wc), ratio(wc.as_secs_f64() / nc.as_secs_f64())]);
        let r = w.throughput() / nat.throughput();
        goals.push(format!("conc {conc}: wasm/native throughput {} ({})", ratio(r), if r >= 0.7 { "met" } else { "MISSED" }));
    }
    t.print();
    t2.print();
    common::print_load();
    println!("goal wasm ≥ 0.7× native throughput: {}", goals.join("; "));
}
