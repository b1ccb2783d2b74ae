//! # millwright-model
//!
//! The unified model of Millwright, shared by the host (write validation, mapping targets,
//! OpenAPI) and the connector SDK (typed records and writes). Builds natively and for
//! `wasm32-wasip2`.
//!
//! - [`Entity`] and its [`FieldSpec`]s ([`Entity::fields`]) are the single source of truth for
//!   field names, kinds, writability, key order and documentation.
//! - One typed record per entity ([`WorkOrder`], [`Asset`], ...) with serde and JSON Schema;
//!   [`json_schema`] gives the record schema for OpenAPI, [`write_json_schema`] the write bodies.
//! - Typed writes for the SDK: [`WorkOrderCreate`], [`WorkOrderPatch`],
//!   [`MaintenanceRequestCreate`], [`MaintenanceRequestPatch`], with [`Patch`] distinguishing
//!   an absent key from `null`.
//! - [`validate_write`] checks a unified create/update body and reports every problem.
//!
//! ## Unified JSON rules
//!
//! - snake_case keys; every documented field is always present (`null` when empty or not
//!   supported by the system), in the order of [`Entity::fields`]:
//!   `id`, `created_at`, `updated_at`, the entity's fields, `deleted`, `deleted_at`,
//!   `custom_fields`, `remote_data`, `mapping_warnings`.
//! - `custom_fields` is an object keyed by name (`{}` when none).
//! - `remote_data` (the system's record) is present only with `include_remote_data=true` and
//!   omitted otherwise; `mapping_warnings` (a list of [`MappingWarning`]) is omitted when empty.
//! - Timestamps are RFC 3339 UTC with `Z` (`2026-01-31T08:00:00Z`, fractional seconds only when
//!   non-zero); dates `YYYY-MM-DD`; enums snake_case, each beside the system's own value
//!   (`status` + `remote_status`, `priority` + `remote_priority`).
//! - Ids and references are URL-safe strings (composite keys joined with `:` after
//!   percent-encoding each part).
//!
//! ## Writability decisions
//!
//! Read-only: `id`, `number` (system-assigned), `remote_status`, `remote_priority` (the unified
//! `status`/`priority` are what clients write; a system-specific value goes through passthrough),
//! `created_at`, `updated_at`, `deleted`, `deleted_at`, `remote_data`, `mapping_warnings`.
//! Required on create: see [`Entity::required_on_create`] (`title` for work orders and
//! maintenance requests, `name` for assets, locations, parts and vendors, `vendor_id` for
//! purchase orders).

mod entity;
mod patch;
mod records;
mod schema;
mod validate;
mod writes;

pub use entity::{
    ASSET_STATUSES, COMMON_FIELDS, Entity, FieldKind, FieldSpec, MAINTENANCE_REQUEST_STATUSES,
    PRIORITIES, PURCHASE_ORDER_STATUSES, WORK_ORDER_STATUSES,
};
pub use patch::Patch;
pub use records::{
    Asset, AssetStatus, LineItem, Location, MaintenanceRequest, MaintenanceRequestStatus,
    MappingWarning, Part, Priority, PurchaseOrder, PurchaseOrderStatus, User, Vendor, WorkOrder,
    WorkOrderStatus,
};
pub use schema::{inline_schema, json_schema, write_json_schema};
pub use validate::{FieldError, WriteOp, validate_write};
pub use writes::{
    MaintenanceRequestCreate, MaintenanceRequestPatch, WorkOrderCreate, WorkOrderPatch,
};
