//! `cargo bench -p millwright --bench connector_list`
//!
//! The MaintainX connector's `list` of one 100-record work-order page, through the Wasm runtime
//! (`Runtime::list`: fresh store, instantiate, guest, wasi-http through the host's send hook)
//! vs the same crate built natively (`MaintainX::list` over the SDK's ureq client, the
//! baseline), both against the same in-process emulator. The emulator alone (the same page,
//! fetched raw with the SDK's native client) is measured too: both sides include its time.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::fixture::{MX_KEY, PAGE, WO_QUERY, runtime_config, start_auth_sandbox};
use common::{RUN_HEAD, Run, Table, env_usize, measure_async, measure_threads, print_machine, ratio, us};
use millwright::runtime::bindings::{Entity, ListQuery};
use millwright::runtime::{ConnectionSpec, Runtime};
use millwright_connector_maintainx::MaintainX;
use millwright_sdk::Connector;

fn main() {
    print_machine();
    let n = env_usize("MW_BENCH_N", 3000);
    let rounds = common::ROUNDS;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let base = rt.block_on(start_auth_sandbox());

    // Wasm: production engine and limits, a connection bound as the host binds it.
    let runtime = Arc::new(Runtime::new(runtime_config(true)).unwrap());
    let module = Arc::new(rt.block_on(runtime.load_module(millwright_artifacts::MAINTAINX_BYTES.to_vec())).unwrap());
    let spec = ConnectionSpec {
        connection_id: "conn_bench".into(),
        base_url: base.clone(),
        settings: BTreeMap::new(),
        credentials: BTreeMap::from([("api_key".to_string(), MX_KEY.to_string())]),
        approved_hosts: vec![],
        private_networks: vec!["127.0.0.0/8".parse().unwrap()],
    };
    let binding = Arc::new(runtime.bind(&module, &spec).unwrap());
    let wasm = move || {
        let (runtime, module, binding) = (runtime.clone(), module.clone(), binding.clone());
        async move {
            let q = ListQuery { modified_after: None, cursor: None, page_size: PAGE, filters: vec![] };
            let page = runtime.list(&module, &binding, Entity::WorkOrder, q).await.expect("wasm list");
            assert_eq!(page.records.len(), PAGE as usize);
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
    head.extend(["throughput vs native", "CPU vs native"]);
    let mut t = Table::new("connector_list: MaintainX list of 100 work orders (CPU: whole process incl. emulator)", &head);
    let mut t2 = Table::new(
        "connector_list: connector cost net of the emulator (run − emulator-alone run)",
        &["conc", "native median µs", "wasm median µs", "native CPU µs/list", "wasm CPU µs/list", "wasm/native CPU"],
    );
    let mut goals = vec![];
    for conc in [1usize, 4] {
        measure_threads("warm-up", conc, 200, native);
        measure_threads("warm-up", conc, 200, emulator);
        rt.block_on(measure_async("warm-up", conc, 200, wasm.clone()));
        let (mut e, mut nat, mut w) = (Run::default(), Run::default(), Run::default());
        for _ in 0..rounds {
            e.merge(measure_threads("emulator alone (raw GET, ureq)", conc, n / rounds, emulator));
            nat.merge(measure_threads("native connector (baseline)", conc, n / rounds, native));
            w.merge(rt.block_on(measure_async("wasm connector (Runtime::list)", conc, n / rounds, wasm.clone())));
        }
        for r in [&e, &nat, &w] {
            let mut cells = r.cells();
            cells.push(ratio(r.throughput() / nat.throughput()));
            cells.push(ratio(r.cpu_per_op().as_secs_f64() / nat.cpu_per_op().as_secs_f64()));
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
