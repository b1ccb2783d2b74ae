//! # Hostile test connector
//!
//! A connector with a valid `describe` (id `hostile`, bearer auth on `api_key`, entity
//! work-order with list and get, default rules mapping `title`) whose `list` misbehaves
//! according to the connection setting `mode`:
//!
//! | `mode` | behaviour |
//! |---|---|
//! | `read_file` | reads `/etc/passwd` and the file named by setting `path`; the content or the error text goes into the record data (`passwd`, `path`) |
//! | `read_env` | `std::env::vars()` joined as `K=V` lines into the record data (`env`) |
//! | `forbidden_host` | GETs the URL in setting `target` (a host the connection may not reach), swallows the error, returns an empty page |
//! | `private_resolve` | GETs setting `target` (an allowed name that resolves to a private address), swallows the error, returns an empty page |
//! | `loop_forever` | busy loop |
//! | `alloc_unbounded` | allocates and touches memory until it dies |
//! | `panic` | panics |
//! | `huge_string` | one record whose data is a 100 MB JSON string |
//! | `well_behaved` (default) | three fixed records, no I/O |
//!
//! `get` always behaves like `well_behaved`. The outcome of the swallowed HTTP calls is logged
//! (host `log` import) so tests can see what the guest observed.

use millwright_sdk::prelude::*;
use serde_json::json;

pub struct Hostile;

/// The three fixed records of `well_behaved`.
pub fn fixed_records() -> Vec<SourceRecord> {
    (1..=3)
        .map(|i| SourceRecord {
            id: i.to_string(),
            updated_at: Some(format!("2026-01-0{i}T08:00:00Z")),
            deleted: false,
            data: json!({"id": i, "title": format!("Work order {i}")}).to_string(),
        })
        .collect()
}

fn one(data: serde_json::Value) -> Page {
    Page {
        records: vec![SourceRecord {
            id: "1".into(),
            updated_at: None,
            deleted: false,
            data: data.to_string(),
        }],
        next_cursor: None,
    }
}

fn read(path: &str) -> String {
    match std::fs::read_to_string(path) {
        Ok(content) => content,
        Err(e) => format!("error: {e}"),
    }
}

fn swallowing_get(target: Option<&str>) -> Page {
    match target {
        Some(url) => match Request::get(url).send() {
            Ok(resp) => log::warn(format!("hostile: GET {url} answered HTTP {}", resp.status)),
            Err(e) => log::info(format!("hostile: GET {url} failed: {e}")),
        },
        None => log::warn("hostile: no `target` setting"),
    }
    Page {
        records: Vec::new(),
        next_cursor: None,
    }
}

#[inline(never)]
fn spin() -> ! {
    let mut x: u64 = 0;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

fn alloc_until_death() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut block = vec![0u8; 16 * 1024 * 1024];
        // Touch every page so the memory is really committed.
        for i in (0..block.len()).step_by(4096) {
            block[i] = (i % 251) as u8;
        }
        hoard.push(std::hint::black_box(block));
    }
}

fn huge_string() -> Page {
    // A JSON string literal of 100 MB: `"aaaa…"`.
    let mut data = String::with_capacity(100 * 1024 * 1024 + 2);
    data.push('"');
    data.extend(std::iter::repeat_n('a', 100 * 1024 * 1024));
    data.push('"');
    Page {
        records: vec![SourceRecord {
            id: "huge".into(),
            updated_at: None,
            deleted: false,
            data,
        }],
        next_cursor: None,
    }
}

impl Connector for Hostile {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            id: "hostile".into(),
            name: "Hostile test connector".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            auth: vec![AuthScheme::Bearer(CredentialField { field: "api_key".into() })],
            form: vec![
                FormField {
                    name: "api_key".into(),
                    label: "API key".into(),
                    help: None,
                    secret: true,
                    required: true,
                    placeholder: None,
                },
                FormField {
                    name: "mode".into(),
                    label: "Misbehaviour".into(),
                    help: Some("read_file, read_env, forbidden_host, private_resolve, loop_forever, alloc_unbounded, panic, huge_string, well_behaved".into()),
                    secret: false,
                    required: false,
                    placeholder: None,
                },
                FormField { name: "path".into(), label: "Path".into(), help: None, secret: false, required: false, placeholder: None },
                FormField { name: "target".into(), label: "Target URL".into(), help: None, secret: false, required: false, placeholder: None },
            ],
            default_base_url: Some("http://127.0.0.1:9/hostile".into()),
            entities: vec![EntitySupport {
                entity: Entity::WorkOrder,
                operations: Operations::LIST | Operations::GET,
                filters: Vec::new(),
                incremental: false,
                default_rules: r#"[{"target": "title", "source": "/title"}]"#.into(),
            }],
            max_page_size: 100,
            extra_hosts: Vec::new(),
            supports_passthrough: false,
        }
    }

    fn check(_ctx: &ConnectionContext) -> Result<AccountInfo, ConnectorError> {
        Ok(AccountInfo {
            account_id: "hostile".into(),
            display_name: "Hostile".into(),
        })
    }

    fn list(
        ctx: &ConnectionContext,
        _entity: Entity,
        _query: &ListQuery,
    ) -> Result<Page, ConnectorError> {
        match ctx.setting("mode").unwrap_or("well_behaved") {
            "read_file" => {
                let passwd = read("/etc/passwd");
                let path = ctx.setting("path").map(read);
                Ok(one(
                    json!({"id": 1, "title": "read_file", "passwd": passwd, "path": path}),
                ))
            }
            "read_env" => {
                let env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
                Ok(one(
                    json!({"id": 1, "title": "read_env", "env": env.join("\n")}),
                ))
            }
            "forbidden_host" | "private_resolve" => Ok(swallowing_get(ctx.setting("target"))),
            "loop_forever" => spin(),
            "alloc_unbounded" => alloc_until_death(),
            "panic" => panic!("hostile connector panics on purpose"),
            "huge_string" => Ok(huge_string()),
            _ => Ok(Page {
                records: fixed_records(),
                next_cursor: None,
            }),
        }
    }

    fn get(
        _ctx: &ConnectionContext,
        _entity: Entity,
        id: &str,
    ) -> Result<SourceRecord, ConnectorError> {
        fixed_records()
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| ConnectorError::NotFound(format!("no work order {id}")))
    }
}

millwright_sdk::export_connector!(Hostile);

#[cfg(test)]
mod tests {
    use super::*;
    use millwright_sdk::ctx::context;

    fn list(settings: &[(&str, &str)]) -> Result<Page, ConnectorError> {
        let q = ListQuery {
            modified_after: None,
            cursor: None,
            page_size: 10,
            filters: vec![],
        };
        Hostile::list(
            &context("http://127.0.0.1:9", settings),
            Entity::WorkOrder,
            &q,
        )
    }

    #[test]
    fn well_behaved_by_default() {
        let page = list(&[]).unwrap();
        assert_eq!(page.records.len(), 3);
        assert_eq!(
            Hostile::get(&context("http://x", &[]), Entity::WorkOrder, "2")
                .unwrap()
                .id,
            "2"
        );
        assert_eq!(
            Hostile::get(&context("http://x", &[]), Entity::WorkOrder, "9")
                .unwrap_err()
                .kind(),
            "not_found"
        );
        let info = Hostile::describe();
        assert_eq!(info.id, "hostile");
        serde_json::from_str::<serde_json::Value>(&info.entities[0].default_rules).unwrap();
    }

    #[test]
    fn file_and_env_modes_report_what_they_saw() {
        let page = list(&[("mode", "read_file"), ("path", "/definitely/missing")]).unwrap();
        let data: serde_json::Value = serde_json::from_str(&page.records[0].data).unwrap();
        assert!(data["path"].as_str().unwrap().starts_with("error: "));
        let page = list(&[("mode", "read_env")]).unwrap();
        assert!(page.records[0].data.contains("env"));
    }

    #[test]
    fn swallowed_requests_return_ok() {
        // Without the native transport the GET fails at once; the page is still Ok and empty.
        let page = list(&[
            ("mode", "forbidden_host"),
            ("target", "http://127.0.0.1:9/x"),
        ])
        .unwrap();
        assert!(page.records.is_empty());
    }
}
