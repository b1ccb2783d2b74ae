//! The [`Connector`] trait: the `connector` world's exports as a Rust trait.

use crate::{
    AccountInfo, ConnectionContext, ConnectorError, ConnectorInfo, Entity, HttpRequest,
    HttpResponse, ListQuery, Page, SourceRecord,
};

/// A connector: one system behind the unified API.
///
/// Every call is independent: the host instantiates the component in a fresh store per call,
/// so functions take no `self` and keep no state between calls (use [`crate::cache`] for
/// session tokens). Implement it for a unit struct and export it with
/// [`crate::export_connector!`].
///
/// Writes and passthrough default to [`ConnectorError::Unsupported`]; a connector that
/// overrides one should also declare it in [`Connector::describe`] (`operations`,
/// `supports_passthrough`).
pub trait Connector {
    /// Static description: auth schemes, connect-form fields, entities, default mapping rules.
    fn describe() -> ConnectorInfo;

    /// Verifies the connection and names the account behind it. The account id must be stable
    /// across reconnects.
    fn check(ctx: &ConnectionContext) -> Result<AccountInfo, ConnectorError>;

    /// One page of records. `query.cursor` is the connector's own cursor from the previous
    /// page ([`crate::paging`] encodes the usual kinds).
    fn list(
        ctx: &ConnectionContext,
        entity: Entity,
        query: &ListQuery,
    ) -> Result<Page, ConnectorError>;

    /// One record by its unified id; an unknown id is [`ConnectorError::NotFound`].
    fn get(
        ctx: &ConnectionContext,
        entity: Entity,
        id: &str,
    ) -> Result<SourceRecord, ConnectorError>;

    /// Creates a record from a unified JSON object (see [`crate::model`] for typed bodies) and
    /// returns the record as the system now has it.
    fn create(
        ctx: &ConnectionContext,
        entity: Entity,
        unified: &str,
    ) -> Result<SourceRecord, ConnectorError> {
        let _ = (ctx, unified);
        Err(ConnectorError::unsupported(format!(
            "create {}",
            entity_name(entity)
        )))
    }

    /// Applies a unified JSON patch (absent key: unchanged; `null`: cleared) and returns the
    /// record as the system now has it.
    fn update(
        ctx: &ConnectionContext,
        entity: Entity,
        id: &str,
        patch: &str,
    ) -> Result<SourceRecord, ConnectorError> {
        let _ = (ctx, id, patch);
        Err(ConnectorError::unsupported(format!(
            "update {}",
            entity_name(entity)
        )))
    }

    /// A raw call to the system, relative to the connection's base URL. The system's status is
    /// returned as-is, never mapped to an error.
    fn passthrough(
        ctx: &ConnectionContext,
        request: HttpRequest,
    ) -> Result<HttpResponse, ConnectorError> {
        let _ = (ctx, request);
        Err(ConnectorError::unsupported("passthrough"))
    }
}

/// The unified snake_case name of an entity (`work_order`), as the model crate spells it.
pub fn entity_name(entity: Entity) -> &'static str {
    match entity {
        Entity::WorkOrder => "work_order",
        Entity::Asset => "asset",
        Entity::Location => "location",
        Entity::Part => "part",
        Entity::PurchaseOrder => "purchase_order",
        Entity::Vendor => "vendor",
        Entity::User => "user",
        Entity::MaintenanceRequest => "maintenance_request",
    }
}

impl From<Entity> for crate::model::Entity {
    fn from(e: Entity) -> Self {
        match e {
            Entity::WorkOrder => crate::model::Entity::WorkOrder,
            Entity::Asset => crate::model::Entity::Asset,
            Entity::Location => crate::model::Entity::Location,
            Entity::Part => crate::model::Entity::Part,
            Entity::PurchaseOrder => crate::model::Entity::PurchaseOrder,
            Entity::Vendor => crate::model::Entity::Vendor,
            Entity::User => crate::model::Entity::User,
            Entity::MaintenanceRequest => crate::model::Entity::MaintenanceRequest,
        }
    }
}

impl From<crate::model::Entity> for Entity {
    fn from(e: crate::model::Entity) -> Self {
        match e {
            crate::model::Entity::WorkOrder => Entity::WorkOrder,
            crate::model::Entity::Asset => Entity::Asset,
            crate::model::Entity::Location => Entity::Location,
            crate::model::Entity::Part => Entity::Part,
            crate::model::Entity::PurchaseOrder => Entity::PurchaseOrder,
            crate::model::Entity::Vendor => Entity::Vendor,
            crate::model::Entity::User => Entity::User,
            crate::model::Entity::MaintenanceRequest => Entity::MaintenanceRequest,
        }
    }
}
