//! The OpenAPI 3.1 document, generated from the routes: `GET /openapi.json`, and `GET /docs`
//! (Redoc, its script embedded in the binary, so the page works offline).
//!
//! Lifecycle: built once when the router is built ([`document`]). Every module registers its
//! routes on an [`ApiRouter`] with `api_route` and a documentation transform (summary, tag,
//! request and response types); the router offers no way to add an undocumented route to the
//! API (`tests/e2e/openapi.rs` also scans the source for plain `.route(` calls). After aide has
//! collected the operations, the finishing passes fill in what follows from the routes
//! themselves — path parameters from the templates, problem+json error responses from each
//! operation's inputs ([`problems`]), the security schemes — and add the unified entities' schemas
//! and the `webhooks` section.
//!
//! Invariant: every operation has a summary, a tag and at least one success response; [`document`]
//! panics otherwise, so a test building the app fails on an under-documented route.

pub mod ops;
pub mod problems;

use std::sync::{Arc, LazyLock, OnceLock};

use aide::openapi::{Info, OpenApi};
use aide::axum::routing::get_with;
use axum::{Json, Router};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::app::AppState;

/// The router every module registers its routes on.
pub type ApiRouter = aide::axum::ApiRouter<AppState>;

/// Security scheme of the connection token (`/v1/*` unified routes).
pub const CONNECTION_TOKEN: &str = "connection_token";
/// Security scheme of the operator's admin token (`/v1/admin/*`).
pub const ADMIN_TOKEN: &str = "admin_token";

/// The serialised document, filled in once the routes (this one included) are documented.
type Document = Arc<OnceLock<Bytes>>;

/// Builds the routes with `build`, documents them, and returns the axum router with
/// `/openapi.json` and `/docs` added.
pub fn document(build: impl FnOnce() -> ApiRouter) -> Router<AppState> {
    // aide collects schemas in a thread-local context: start from a clean one, settings first.
    aide::generate::reset_context();
    aide::generate::extract_schemas(true);
    // Responses are declared in each route's transform; `Json<Value>` handlers would otherwise
    // document an empty schema.
    aide::generate::infer_responses(false);
    let mut api = OpenApi {
        info: Info {
            title: "Millwright".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: Some(DESCRIPTION.into()),
            ..Info::default()
        },
        ..OpenApi::default()
    };
    let document: Document = Arc::default();
    let shared = document.clone();
    let router = build()
        .api_route(
            "/openapi.json",
            get_with(move || serve_document(shared.clone()), |op| {
                op.id("getOpenApi").tag("meta").summary("This document").response_with::<200, Json<Value>, _>(|r| r.description("The OpenAPI 3.1 document"))
            }),
        )
        .api_route(
            "/docs",
            get_with(docs_page, |op| op.id("getDocs").tag("meta").summary("The API reference, rendered (works offline)").response::<200, Html<&'static str>>()),
        )
        .finish_api(&mut api);
    let value = finish(serde_json::to_value(&api).expect("the document serialises"));
    let _ = document.set(Bytes::from(serde_json::to_vec(&value).expect("the document serialises")));
    router
}

/// The finishing passes over the serialised document (plain JSON: stable across aide releases).
pub fn finish(mut doc: Value) -> Value {
    doc["openapi"] = json!("3.1.0");
    doc["jsonSchemaDialect"] = json!("https://json-schema.org/draft/2020-12/schema");
    let components = doc["components"].as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut components = Value::Object(components);
    components["securitySchemes"] = security_schemes();
    problems::add_schemas(&mut components);
    crate::api::unified_docs::add_entity_schemas(&mut components);
    doc["components"] = components;
    let paths = doc["paths"].as_object_mut().expect("the document has paths");
    for (path, item) in paths.iter_mut() {
        for (method, op) in item.as_object_mut().expect("path items are objects") {
            ops::add_path_parameters(path, op);
            problems::add_error_responses(method, op);
            ops::check_documented(path, method, op);
        }
    }
    doc["webhooks"] = crate::webhooks::docs::section(&mut doc["components"]);
    doc["tags"] = ops::tags();
    doc
}

fn security_schemes() -> Value {
    json!({
        CONNECTION_TOKEN: {
            "type": "http", "scheme": "bearer", "bearerFormat": "mw_…",
            "description": "A connection token (`mw_…`), issued when a connection is created or by `POST /v1/admin/connections/{id}/tokens`. Selects the connection every unified call is made on."
        },
        ADMIN_TOKEN: {
            "type": "http", "scheme": "bearer",
            "description": "The operator's token: `MILLWRIGHT_ADMIN_TOKEN`, or an admin token from `millwright tokens create-admin` (scope `admin`, or `read_only`, which may read but not change anything)."
        }
    })
}

const DESCRIPTION: &str = "A unified API for industrial maintenance systems: work orders, assets, locations, parts, \
purchase orders, vendors, users and maintenance requests in one shape, whatever system the connection is to. \
Errors are RFC 9457 problem+json objects with a stable `code` (see each response) and the request's `request_id`.";

async fn serve_document(doc: Document) -> Response {
    let body = doc.get().cloned().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Redoc's page with its script inline (≈ 1 MB), rendered once.
static DOCS_PAGE: LazyLock<String> = LazyLock::new(|| aide::redoc::Redoc::new("/openapi.json").with_title("Millwright API").html());

async fn docs_page() -> Html<&'static str> {
    Html(DOCS_PAGE.as_str())
}
