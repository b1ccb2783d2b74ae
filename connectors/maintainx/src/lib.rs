//! # MaintainX connector
//!
//! Millwright connector for the MaintainX REST API v1 (`https://api.getmaintainx.com/v1`),
//! written against MaintainX's OpenAPI document. Built as a WebAssembly component
//! (`wasm32-wasip2`) by `millwright-artifacts`; natively (feature `native`) for tests.
//!
//! - Auth: `Authorization: Bearer <api_key>`, injected by the host; `x-organization-id` from
//!   the optional `organization_id` setting on every call.
//! - Entities (see [`entities::ENTITIES`]): work orders (`/workorders`: list, get, create,
//!   update), maintenance requests (work requests, `/workrequests`: list, get, create), assets,
//!   locations, parts, vendors, users, purchase orders (list, get).
//! - Paging: MaintainX cursors (`cursor`, `limit` ≤ 200). Incremental lists send
//!   `updatedAt[gte]` and `sort=updatedAt` (work orders, assets, parts, purchase orders).
//! - Mapping: default rules per entity in `rules/*.json`; records are lightly normalised first
//!   (see [`read`]).

use millwright_sdk::{
    AccountInfo, ConnectionContext, Connector, ConnectorError, ConnectorInfo, Entity, HttpRequest,
    HttpResponse, ListQuery, Page, SourceRecord,
};

pub mod check;
pub mod client;
pub mod describe;
pub mod entities;
pub mod errors;
pub mod passthrough;
pub mod read;
pub mod stream;
pub mod write;

/// The MaintainX connector.
pub struct MaintainX;

impl Connector for MaintainX {
    fn describe() -> ConnectorInfo {
        describe::describe()
    }

    fn check(ctx: &ConnectionContext) -> Result<AccountInfo, ConnectorError> {
        check::check(ctx)
    }

    fn list(
        ctx: &ConnectionContext,
        entity: Entity,
        query: &ListQuery,
    ) -> Result<Page, ConnectorError> {
        read::list(ctx, entity, query)
    }

    fn get(
        ctx: &ConnectionContext,
        entity: Entity,
        id: &str,
    ) -> Result<SourceRecord, ConnectorError> {
        read::get(ctx, entity, id)
    }

    fn create(
        ctx: &ConnectionContext,
        entity: Entity,
        unified: &str,
    ) -> Result<SourceRecord, ConnectorError> {
        write::create(ctx, entity, unified)
    }

    fn update(
        ctx: &ConnectionContext,
        entity: Entity,
        id: &str,
        patch: &str,
    ) -> Result<SourceRecord, ConnectorError> {
        write::update(ctx, entity, id, patch)
    }

    fn passthrough(
        ctx: &ConnectionContext,
        request: HttpRequest,
    ) -> Result<HttpResponse, ConnectorError> {
        passthrough::passthrough(ctx, request)
    }
}

millwright_sdk::export_connector!(MaintainX);
