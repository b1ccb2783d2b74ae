//! The MaintainX REST API v1 emulator, per MaintainX's OpenAPI document
//! (`shared/specs/maintainx/openapi.json`): work orders (read and write), work requests (read
//! and create), assets, locations, parts, vendors, users, purchase orders and the key's
//! organizations (read).
//!
//! - `data`: procedural records (record `i` = f(seed, i)), never held in memory;
//! - `store`: the in-memory write overlay;
//! - `listing`: paging, sorting and filtering over both (keyset cursors, binary search);
//! - `query`, `params`, `cursor`: query strings, the shared list parameters, opaque cursors;
//! - `validate`: write-body validation into the spec's `errors` shape;
//! - `auth`, `errors`: bearer keys, organizations, forbidden keys, the spec's two error bodies;
//! - `handlers`: one module per entity (rendering the spec's field names and `expand`s).
//!
//! Deliberate choices where the spec is silent: list items carry the same record as the get
//! (a superset of the documented list fields, e.g. `assetId`); a filter that must build
//! records stops after `listing::SCAN_BUDGET` of them and returns a short page with a
//! cursor; every organization of a multi-organization key sees the same generated data.

mod auth;
mod cursor;
pub mod data;
mod errors;
mod handlers;
mod listing;
mod params;
mod query;
mod store;
mod validate;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, patch};

use crate::SandboxConfig;
use crate::faults::{FaultState, VendorFlavor};
use crate::oauth::OAuthState;
use data::Dataset;
use store::Store;

/// Shared state of one MaintainX emulator.
pub struct MaintainX {
    pub ds: Dataset,
    pub store: Store,
    keys: HashSet<String>,
    multi_org_keys: HashMap<String, Vec<String>>,
    faults: Arc<FaultState>,
    /// The sandbox's authorization server: its valid access tokens act as API keys.
    oauth: Arc<OAuthState>,
}

pub type Mx = Arc<MaintainX>;

/// How the shared fault layer reads MaintainX requests and writes its errors.
pub const FLAVOR: VendorFlavor = VendorFlavor {
    api_key: auth::bearer_key,
    error: errors::vendor_error,
};

/// The MaintainX routes, relative to the `/v1` base (the caller mounts them), with an
/// authorization server of their own (no client can reach it: API keys only).
pub fn router(config: &SandboxConfig, faults: Arc<FaultState>) -> Router {
    let bare = SandboxConfig {
        oauth_clients: Vec::new(),
        ..config.clone()
    };
    let oauth = OAuthState::new(&bare, None).expect("no clients to reject");
    router_with_oauth(config, faults, Arc::new(oauth))
}

/// The MaintainX routes, accepting the access tokens of `oauth` as well as the API keys.
pub(crate) fn router_with_oauth(
    config: &SandboxConfig,
    faults: Arc<FaultState>,
    oauth: Arc<OAuthState>,
) -> Router {
    let mx: Mx = Arc::new(MaintainX {
        ds: Dataset { plant_fields: config.plant_custom_fields, ..Dataset::new(config.seed, config.work_orders) },
        store: Store::new(),
        keys: config.maintainx_api_keys.iter().cloned().collect(),
        multi_org_keys: config.maintainx_multi_org_keys.iter().cloned().collect(),
        faults,
        oauth,
    });
    use handlers::*;
    Router::new()
        .route(
            "/workorders",
            get(work_orders::list).post(work_order_writes::create),
        )
        .route(
            "/workorders/{id}",
            get(work_orders::get).patch(work_order_writes::update),
        )
        .route(
            "/workorders/{id}/status",
            patch(work_order_writes::update_status),
        )
        .route(
            "/workrequests",
            get(work_requests::list).post(work_requests::create),
        )
        .route("/workrequests/{id}", get(work_requests::get))
        .route("/assets", get(assets::list))
        .route("/assets/{id}", get(assets::get))
        .route("/locations", get(locations::list))
        .route("/locations/{id}", get(locations::get))
        .route("/parts", get(parts::list))
        .route("/parts/{id}", get(parts::get))
        .route("/vendors", get(vendors::list))
        .route("/vendors/{id}", get(vendors::get))
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::get))
        .route("/purchaseorders", get(purchase_orders::list))
        .route("/purchaseorders/{id}", get(purchase_orders::get))
        .route("/organizations", get(organizations::list))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(mx.clone(), auth::require))
        .with_state(mx)
}
