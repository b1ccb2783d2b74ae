//! Test harness: a sandbox on 127.0.0.1:0 plus a client speaking to its MaintainX base URL.

use millwright_sandbox::{Sandbox, SandboxConfig};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const KEY: &str = "mx-sandbox-key";

pub struct Mx {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn config(work_orders: u64) -> SandboxConfig {
    SandboxConfig {
        work_orders,
        ..SandboxConfig::default()
    }
}

impl Mx {
    pub async fn start(config: SandboxConfig) -> Mx {
        let sandbox = Sandbox::bind("127.0.0.1:0", config)
            .await
            .expect("sandbox starts");
        let base = sandbox.maintainx_base_url();
        Mx {
            sandbox,
            http: reqwest::Client::new(),
            base,
        }
    }

    pub async fn small() -> Mx {
        Mx::start(config(200)).await
    }

    /// A request with the default key and any extra headers.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(KEY);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None, &[]).await
    }

    /// GET that must succeed; returns the body.
    pub async fn ok(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.body);
        r.body
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body), &[]).await
    }

    /// Every record of a list, following `nextCursor` (asserting no page exceeds `limit`).
    pub async fn all(&self, path: &str, key: &str, limit: usize) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                None => format!("{path}{sep}limit={limit}"),
                Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            };
            let body = self.ok(&url).await;
            let page = body[key]
                .as_array()
                .unwrap_or_else(|| panic!("{key} missing in {body}"));
            assert!(page.len() <= limit);
            out.extend(page.iter().cloned());
            match body["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return out,
            }
        }
    }
}

pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    Reply {
        status,
        headers,
        body,
    }
}

pub fn ids(records: &[Value]) -> Vec<u64> {
    records
        .iter()
        .map(|r| r["id"].as_u64().expect("integer id"))
        .collect()
}

pub fn ts(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.to_utc())
        .unwrap_or_else(|| panic!("not a timestamp: {v}"))
}
