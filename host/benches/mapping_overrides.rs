//! `cargo bench -p millwright --bench mapping_overrides`
//!
//! What 20 per-connection override rules cost on `GET /v1/work-orders?page_size=100`: two
//! connections to the same emulator on one host, one with the connector's default rules (the
//! baseline), one with 20 overrides on top, alternating rounds, concurrency 1. The overrides'
//! cost is the difference of the two requests' medians (and CPU), as a share of the request
//! with overrides. Beside it, the mapping alone: the page's 100 records through each mapping
//! (`Mapping::apply_str`), so the request-level difference can be checked against the engine.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use common::fixture::{BenchHost, MX_KEY, fetch};
use common::{RUN_HEAD, Run, Table, env_usize, measure_async, measure_sync, print_machine, ratio, us};
use millwright::connections::CreateConnection;
use millwright::store::NewMappingVersion;
use millwright_model::Entity;
use serde_json::json;

/// Twenty override rules an operator of a customised plant might write: custom fields picked
/// out of `extraFields`, remapped enums, templates, conversions.
fn overrides() -> serde_json::Value {
    json!([
        {"target": "title", "source": "/title", "transform": "trim"},
        {"target": "number", "source": "WO-{/sequentialId}"},
        {"target": "status", "source": "/status", "transform": {"enum": {"OPEN": "open", "IN_PROGRESS": "in_progress", "ON_HOLD": "on_hold", "DONE": "completed"}, "default": "open"}},
        {"target": "priority", "source": "/priority", "transform": [{"enum": {"NONE": "none", "LOW": "low", "MEDIUM": "medium", "HIGH": "urgent"}}]},
        {"target": "type", "source": "/workOrderType", "transform": "lowercase"},
        {"target": "due_at", "source": ["/dueDate", "/startDate"], "transform": {"timestamp": "iso8601"}},
        {"target": "requester_id", "source": ["/requesterId", "/creatorId"], "transform": "string"},
        {"target": "asset_id", "source": "/assetId", "transform": "string"},
        {"target": "location_id", "source": "/locationId", "transform": "string"},
        {"target": "description", "source": "/description", "transform": [{"default": ""}, "trim"]},
        {"target": {"custom_field": "Cost centre"}, "source": "/extraFields/Cost Center"},
        {"target": {"custom_field": "Downtime hours"}, "source": "/extraFields/Downtime (h)", "transform": "number"},
        {"target": {"custom_field": "Shift"}, "source": "/extraFields/Shift", "transform": "lowercase"},
        {"target": {"custom_field": "Estimated seconds"}, "source": "/estimatedTime", "transform": "integer"},
        {"target": {"custom_field": "Categories"}, "source": "/categories"},
        {"target": {"custom_field": "Full day"}, "source": "/dueDateIsFullDay", "transform": "bool"},
        {"target": {"custom_field": "Last message"}, "source": "/lastMessageSentAt", "transform": {"timestamp": "iso8601"}},
        {"target": {"custom_field": "Vendors"}, "source": "/vendorIds"},
        {"target": {"custom_field": "Parts status"}, "source": "/partsStatus", "transform": {"enum": {"NO_PARTS": "none", "ASSIGNED": "reserved", "ISSUED": "issued"}}},
        {"target": {"custom_field": "Site"}, "source": "{/locationId}/{/assetId}"},
    ])
}

fn main() {
    print_machine();
    let n = env_usize("MW_BENCH_N", 2000);
    let rounds = common::ROUNDS;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let host = Arc::new(BenchHost::start().await);
        let rules = overrides();
        let compiled = millwright_mapping::compile(Entity::WorkOrder, &rules).expect("the overrides compile");
        assert_eq!(compiled.len(), 20);
        let (row, token) = host
            .app
            .connections
            .create(CreateConnection {
                connector_id: "maintainx".into(),
                base_url: Some(host.sandbox.maintainx_base_url()),
                environment: "test".into(),
                end_customer_id: None,
                values: BTreeMap::from([("api_key".to_string(), MX_KEY.to_string())]),
                private_networks: vec!["127.0.0.0/8".parse().unwrap()],
                approved_hosts: vec![],
            })
            .await
            .expect("second connection");
        let change = NewMappingVersion { connection_id: &row.id, entity: Entity::WorkOrder.name(), action: "replace", restored_from: None, rules_json: &rules.to_string(), actor: "bench" };
        host.app.store.save_field_mapping(&change).await.expect("overrides saved");
        let overridden_token = token.plaintext;
        let client = reqwest::Client::new();
        let url = host.api_url();

        // The mapping alone, on the page's records as the connector hands them over.
        let page = host
            .app
            .runtime
            .list(&host.live.module.module, &host.live.binding, Entity::WorkOrder.into(), millwright::runtime::bindings::ListQuery { modified_after: None, cursor: None, page_size: 100, filters: vec![] })
            .await
            .expect("a page");
        let defaults = host.live.mappings.get(Entity::WorkOrder).expect("defaults").mapping.clone();
        let overridden = host.app.connections.live(&row.id, row.config_version + 1).await.expect("live");
        let with_overrides = overridden.mappings.get(Entity::WorkOrder).expect("overrides").mapping.clone();
        assert!(overridden.mappings.get(Entity::WorkOrder).unwrap().override_version.is_some());
        let map_page = |m: &millwright_mapping::Mapping| {
            for r in &page.records {
                std::hint::black_box(m.apply_str(&r.data).expect("maps"));
            }
        };
        let (mut md, mut mo) = (Run::default(), Run::default());
        for _ in 0..rounds {
            md.merge(measure_sync("mapping, defaults (page of 100)", 10, n / rounds, || map_page(&defaults)));
            mo.merge(measure_sync("mapping, defaults + 20 overrides", 10, n / rounds, || map_page(&with_overrides)));
        }

        let get = |token: String| {
            let (c, url) = (client.clone(), url.clone());
            move || {
                let (c, url, token) = (c.clone(), url.clone(), token.clone());
                async move {
                    fetch(&c, &url, &token).await;
                }
            }
        };
        let (base, over) = (get(host.token.clone()), get(overridden_token));
        measure_async("warm-up", 1, 200, base.clone()).await;
        measure_async("warm-up", 1, 200, over.clone()).await;
        let (mut d, mut o) = (Run::default(), Run::default());
        let started = Instant::now();
        for _ in 0..rounds {
            d.merge(measure_async("GET, default rules (baseline)", 1, n / rounds, base.clone()).await);
            o.merge(measure_async("GET, defaults + 20 overrides", 1, n / rounds, over.clone()).await);
        }
        let elapsed = started.elapsed();

        let mut head = RUN_HEAD.to_vec();
        head.extend(["median vs baseline", "CPU vs baseline"]);
        let mut t = Table::new("mapping_overrides: GET /v1/work-orders?page_size=100 and the mapping alone", &head);
        for (r, base) in [(&d, &d), (&o, &d), (&md, &md), (&mo, &md)] {
            let mut cells = r.cells();
            cells.push(ratio(r.median().as_secs_f64() / base.median().as_secs_f64()));
            cells.push(ratio(r.cpu_per_op().as_secs_f64() / base.cpu_per_op().as_secs_f64()));
            t.row(cells);
        }
        t.print();
        common::print_load();
        let added = o.median().saturating_sub(d.median());
        let added_cpu = o.cpu_per_op().saturating_sub(d.cpu_per_op());
        let share = added.as_secs_f64() / o.median().as_secs_f64();
        let share_cpu = added_cpu.as_secs_f64() / o.cpu_per_op().as_secs_f64();
        let engine_share = mo.median().as_secs_f64() / o.median().as_secs_f64();
        println!("requests measured in {:.1} s", elapsed.as_secs_f64());
        println!(
            "goal (20 overrides < 10% of the request): added median {} µs = {:.1}% ({}), added CPU {} µs = {:.1}%; the whole mapping with overrides is {:.1}% of the request",
            us(added),
            share * 100.0,
            if share < 0.10 { "met" } else { "MISSED" },
            us(added_cpu),
            share_cpu * 100.0,
            engine_share * 100.0,
        );
    });
}
