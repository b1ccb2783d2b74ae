//! `cargo bench -p millwright --bench mapping`
//!
//! One 100-record page of MaintainX work orders (the records exactly as the connector hands them
//! to the host, fetched once from the emulator), JSON text in → unified JSON text out:
//! the mapping engine with the connector's default rules (`Mapping::write_str`, as the host)
//! vs a hand-written serde mapping of the same fields (the baseline). Both outputs are checked
//! equal before timing. CPU-bound, one thread.

mod common;

use chrono::{DateTime, SecondsFormat, Utc};
use common::fixture::{PAGE, start_auth_sandbox};
use common::{RUN_HEAD, Run, Table, env_usize, measure_sync, print_machine, ratio, us};
use millwright_connector_maintainx::MaintainX;
use millwright_mapping::{Entity, HostFields, Mapping, compile_str};
use millwright_sdk::Connector;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const RULES: &str = include_str!("../../connectors/maintainx/rules/work_order.json");

#[derive(Deserialize, Serialize, Clone, Copy)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum MxStatus { Open, InProgress, OnHold, Done, Canceled, Skipped }

#[derive(Deserialize, Serialize, Clone, Copy)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum MxPriority { None, Low, Medium, High }

#[derive(Deserialize)]
struct IdOnly { id: Option<i64> }

/// The MaintainX fields the mapping reads; serde skips the rest.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MxWorkOrder {
    id: i64,
    sequential_id: Option<i64>,
    title: Option<String>,
    description: Option<String>,
    status: Option<MxStatus>,
    priority: Option<MxPriority>,
    #[serde(rename = "type")]
    wo_type: Option<String>,
    asset_id: Option<i64>,
    asset: Option<IdOnly>,
    location_id: Option<i64>,
    location: Option<IdOnly>,
    #[serde(default)]
    assignee_ids: Vec<i64>,
    requester_id: Option<i64>,
    due_date: Option<String>,
    completed_at: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    deleted_at: Option<String>,
    extra_fields: Option<Map<String, Value>>,
}

/// The unified work order, keys in the model's order.
#[derive(Serialize)]
struct Unified {
    id: String,
    created_at: Option<String>,
    updated_at: Option<String>,
    number: Option<String>,
    title: Option<String>,
    description: Option<String>,
    status: Option<&'static str>,
    remote_status: Option<MxStatus>,
    priority: Option<&'static str>,
    remote_priority: Option<MxPriority>,
    #[serde(rename = "type")]
    wo_type: Option<String>,
    asset_id: Option<String>,
    location_id: Option<String>,
    assignee_ids: Vec<String>,
    requester_id: Option<String>,
    due_at: Option<String>,
    started_at: Option<String>,
    completed_at: Option<String>,
    deleted: bool,
    deleted_at: Option<String>,
    custom_fields: Map<String, Value>,
}

fn ts(s: Option<String>) -> Option<String> {
    let t = DateTime::parse_from_rfc3339(s?.as_str()).ok()?;
    Some(t.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn hand(text: &str) -> String {
    let w: MxWorkOrder = serde_json::from_str(text).expect("a MaintainX work order");
    let status = w.status.map(|s| match s {
        MxStatus::Open => "open",
        MxStatus::InProgress => "in_progress",
        MxStatus::OnHold => "on_hold",
        MxStatus::Done => "completed",
        MxStatus::Canceled | MxStatus::Skipped => "cancelled",
    });
    let priority = w.priority.map(|p| match p {
        MxPriority::None => "none",
        MxPriority::Low => "low",
        MxPriority::Medium => "medium",
        MxPriority::High => "high",
    });
    let u = Unified {
        id: w.id.to_string(),
        created_at: ts(w.created_at),
        updated_at: ts(w.updated_at),
        number: w.sequential_id.map(|n| n.to_string()),
        title: w.title,
        description: w.description,
        status,
        remote_status: w.status,
        priority,
        remote_priority: w.priority,
        wo_type: w.wo_type.map(|t| t.to_lowercase()),
        asset_id: w.asset_id.or(w.asset.and_then(|a| a.id)).map(|i| i.to_string()),
        location_id: w.location_id.or(w.location.and_then(|l| l.id)).map(|i| i.to_string()),
        assignee_ids: w.assignee_ids.iter().map(i64::to_string).collect(),
        requester_id: w.requester_id.map(|i| i.to_string()),
        due_at: ts(w.due_date),
        started_at: None,
        completed_at: ts(w.completed_at),
        deleted: w.deleted_at.is_some(),
        deleted_at: ts(w.deleted_at),
        custom_fields: w.extra_fields.unwrap_or_default(),
    };
    serde_json::to_string(&u).unwrap()
}

/// What the host does per record of a list page (`api/records.rs` `write_unified`, without
/// remote data).
fn engine(mapping: &Mapping, id: &str, deleted: bool, text: &str) -> String {
    let host = HostFields { id, deleted, updated_at: None, remote_data: false };
    let mut out = Vec::with_capacity(1024);
    mapping.write_str(text, &host, &mut out).expect("JSON");
    String::from_utf8(out).expect("JSON is UTF-8")
}

fn main() {
    print_machine();
    let n = env_usize("MW_BENCH_N", 3000);
    let rounds = common::ROUNDS;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let base = rt.block_on(start_auth_sandbox());
    let ctx = millwright_sdk::ctx::context(&base, &[]);
    let q = millwright_sdk::ListQuery { modified_after: None, cursor: None, page_size: PAGE, filters: vec![] };
    let page = MaintainX::list(&ctx, millwright_sdk::Entity::WorkOrder, &q).expect("page fetched");
    let records: Vec<(String, bool, String)> = page.records.into_iter().map(|r| (r.id, r.deleted, r.data)).collect();
    assert_eq!(records.len(), PAGE as usize);
    let in_bytes: usize = records.iter().map(|r| r.2.len()).sum();
    // For profiling the engine outside this binary (e.g. under callgrind): the page as
    // `[[id, deleted, text], ...]`.
    if let Ok(path) = std::env::var("MW_BENCH_RECORDS_OUT") {
        std::fs::write(&path, serde_json::to_string(&records).unwrap()).expect("records written");
    }

    let rules = compile_str(Entity::WorkOrder, RULES).expect("default rules compile");
    let mapping = Mapping::new(Entity::WorkOrder, &rules, None);
    let (mut identical, mut out_bytes) = (0, 0);
    for (id, deleted, text) in &records {
        let (e, h) = (engine(&mapping, id, *deleted, text), hand(text));
        let (ev, hv): (Value, Value) = (serde_json::from_str(&e).unwrap(), serde_json::from_str(&h).unwrap());
        assert_eq!(ev, hv, "the two mappings disagree on\n{text}");
        identical += usize::from(e == h);
        out_bytes += e.len();
    }
    println!("data: {} records, {in_bytes} B of JSON in, {out_bytes} B out; outputs equal as JSON for all, byte-identical for {identical}", records.len());

    let run_engine = || {
        for (id, deleted, text) in &records {
            std::hint::black_box(engine(&mapping, id, *deleted, std::hint::black_box(text)));
        }
    };
    let run_hand = || {
        for (_, _, text) in &records {
            std::hint::black_box(hand(std::hint::black_box(text)));
        }
    };
    let (mut h, mut e) = (Run::default(), Run::default());
    for _ in 0..rounds {
        h.merge(measure_sync("hand-written serde (baseline)", 50, n / rounds, run_hand));
        e.merge(measure_sync("mapping engine (write_str)", 50, n / rounds, run_engine));
    }
    let mut head = RUN_HEAD.to_vec();
    head[3] = "median µs/page";
    head[4] = "p99 µs/page";
    head[5] = "mean µs/page";
    head[6] = "pages/s";
    head[7] = "CPU µs/page";
    head.extend(["records/s", "throughput vs hand", "CPU vs hand"]);
    let mut t = Table::new("mapping: 100 MaintainX work orders, JSON text → unified JSON text", &head);
    for r in [&h, &e] {
        let mut cells = r.cells();
        cells.push(format!("{:.0}", r.throughput() * PAGE as f64));
        cells.push(ratio(r.throughput() / h.throughput()));
        cells.push(ratio(r.cpu_per_op().as_secs_f64() / h.cpu_per_op().as_secs_f64()));
        t.row(cells);
    }
    t.print();
    let r = e.throughput() / h.throughput();
    common::print_load();
    println!("goal engine ≥ 0.5× hand-written throughput: {} ({}); per record: engine {} µs, hand {} µs", ratio(r), if r >= 0.5 { "met" } else { "MISSED" }, us(e.median() / PAGE), us(h.median() / PAGE));
}
