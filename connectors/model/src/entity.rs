//! Entities and their field specifications: the single source of truth for field names, kinds,
//! writability, order and documentation.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A unified entity. Serialised as its snake_case [`Entity::name`] (`"work_order"`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    WorkOrder,
    Asset,
    Location,
    Part,
    PurchaseOrder,
    Vendor,
    User,
    MaintenanceRequest,
}

/// The type of a unified field's value (besides `null`, which every field except `id`,
/// `deleted` and `custom_fields` may hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A JSON string.
    Text,
    /// A JSON integer.
    Integer,
    /// A JSON number.
    Number,
    /// `true` / `false`.
    Bool,
    /// An RFC 3339 UTC timestamp string, `2026-01-31T08:00:00Z` (fractional seconds only when
    /// non-zero).
    Timestamp,
    /// A date-only string, `YYYY-MM-DD`.
    Date,
    /// One of the listed snake_case strings.
    Enum(&'static [&'static str]),
    /// A list of strings (ids, mostly).
    TextList,
    /// Any JSON (objects, lists of objects).
    Json,
}

impl FieldKind {
    /// A short human name for messages ("timestamp", "one of open, in_progress, ...").
    pub fn describe(&self) -> String {
        match self {
            FieldKind::Text => "text".into(),
            FieldKind::Integer => "integer".into(),
            FieldKind::Number => "number".into(),
            FieldKind::Bool => "boolean".into(),
            FieldKind::Timestamp => "timestamp (RFC 3339)".into(),
            FieldKind::Date => "date (YYYY-MM-DD)".into(),
            FieldKind::Enum(values) => format!("one of {}", values.join(", ")),
            FieldKind::TextList => "list of text".into(),
            FieldKind::Json => "JSON".into(),
        }
    }
}

/// One documented field of a unified entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldSpec {
    /// snake_case field name, as in unified JSON.
    pub name: &'static str,
    pub kind: FieldKind,
    /// Whether clients may send it in a create or update body.
    pub writable: bool,
    /// Documentation, used in the OpenAPI document and the field-mapping view.
    pub description: &'static str,
}

/// Values of `work_order.status`.
pub const WORK_ORDER_STATUSES: &[&str] =
    &["open", "in_progress", "on_hold", "completed", "cancelled"];
/// Values of `priority` (work orders and maintenance requests).
pub const PRIORITIES: &[&str] = &["none", "low", "medium", "high", "urgent"];
/// Values of `maintenance_request.status`.
pub const MAINTENANCE_REQUEST_STATUSES: &[&str] =
    &["pending", "approved", "rejected", "completed", "cancelled"];
/// Values of `asset.status`.
pub const ASSET_STATUSES: &[&str] = &["operational", "non_operational", "decommissioned"];
/// Values of `purchase_order.status`.
pub const PURCHASE_ORDER_STATUSES: &[&str] = &[
    "draft",
    "pending_approval",
    "approved",
    "ordered",
    "partially_received",
    "received",
    "cancelled",
    "rejected",
];

/// The common fields every entity has (always present in unified JSON, except `remote_data` and
/// `mapping_warnings`, which are omitted when absent/empty).
pub const COMMON_FIELDS: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "deleted",
    "deleted_at",
    "custom_fields",
    "remote_data",
    "mapping_warnings",
];

const fn f(
    name: &'static str,
    kind: FieldKind,
    writable: bool,
    description: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        writable,
        description,
    }
}

use FieldKind::*;

/// Builds an entity's field list: `id`, `created_at`, `updated_at`, the entity's own fields,
/// then `deleted`, `deleted_at`, `custom_fields`, `remote_data`, `mapping_warnings`.
/// This is the order of keys in unified JSON.
macro_rules! fields {
    ($($field:expr),* $(,)?) => {
        &[
            f("id", Text, false, "The system's id as a URL-safe string; composite keys are joined with `:` after percent-encoding each part."),
            f("created_at", Timestamp, false, "When the record was created in the system (RFC 3339 UTC)."),
            f("updated_at", Timestamp, false, "When the record was last modified in the system (RFC 3339 UTC)."),
            $($field,)*
            f("deleted", Bool, false, "True when the system reports the record as deleted."),
            f("deleted_at", Timestamp, false, "When the system deleted the record, where it reports it."),
            f("custom_fields", Json, true, "The system's custom fields as an object keyed by field name (names may contain spaces); `{}` when none. On writes, only the keys sent are changed."),
            f("remote_data", Json, false, "The system's record as an object, exactly as the system returned it. Present only when the request sets `include_remote_data=true`; otherwise omitted."),
            f("mapping_warnings", Json, false, "A list of `{field, reason}` for values of this record that failed to convert (the field is then null). Omitted when empty."),
        ]
    };
}

const WORK_ORDER_FIELDS: &[FieldSpec] = fields![
    f(
        "number",
        Text,
        false,
        "The human-facing work order number, where the system has one."
    ),
    f("title", Text, true, "Short title. Required on create."),
    f(
        "description",
        Text,
        true,
        "Long description or instructions."
    ),
    f("status", Enum(WORK_ORDER_STATUSES), true, "Unified status."),
    f(
        "remote_status",
        Text,
        false,
        "The system's own status value."
    ),
    f("priority", Enum(PRIORITIES), true, "Unified priority."),
    f(
        "remote_priority",
        Text,
        false,
        "The system's own priority value."
    ),
    f(
        "type",
        Text,
        true,
        "Work order type or category as the system names it (e.g. preventive, reactive)."
    ),
    f("asset_id", Text, true, "Id of the asset worked on."),
    f("location_id", Text, true, "Id of the location."),
    f("assignee_ids", TextList, true, "Ids of the assigned users."),
    f(
        "requester_id",
        Text,
        true,
        "Id of the user who requested the work."
    ),
    f("due_at", Timestamp, true, "When the work is due."),
    f(
        "started_at",
        Timestamp,
        true,
        "When work started (or is scheduled to start)."
    ),
    f(
        "completed_at",
        Timestamp,
        true,
        "When the work was completed."
    ),
];

const MAINTENANCE_REQUEST_FIELDS: &[FieldSpec] = fields![
    f(
        "number",
        Text,
        false,
        "The human-facing request number, where the system has one."
    ),
    f("title", Text, true, "Short title. Required on create."),
    f("description", Text, true, "Description of the problem."),
    f(
        "status",
        Enum(MAINTENANCE_REQUEST_STATUSES),
        true,
        "Unified status."
    ),
    f(
        "remote_status",
        Text,
        false,
        "The system's own status value."
    ),
    f("priority", Enum(PRIORITIES), true, "Unified priority."),
    f(
        "remote_priority",
        Text,
        false,
        "The system's own priority value."
    ),
    f("asset_id", Text, true, "Id of the affected asset."),
    f("location_id", Text, true, "Id of the location."),
    f("requester_id", Text, true, "Id of the requesting user."),
    f(
        "work_order_id",
        Text,
        true,
        "Id of the work order created from this request."
    ),
];

const ASSET_FIELDS: &[FieldSpec] = fields![
    f("name", Text, true, "Asset name. Required on create."),
    f("description", Text, true, "Description."),
    f(
        "status",
        Enum(ASSET_STATUSES),
        true,
        "Unified operational status."
    ),
    f(
        "remote_status",
        Text,
        false,
        "The system's own status value."
    ),
    f(
        "asset_type",
        Text,
        true,
        "Asset type or category as the system names it."
    ),
    f(
        "location_id",
        Text,
        true,
        "Id of the location of the asset."
    ),
    f("parent_id", Text, true, "Id of the parent asset."),
    f("serial_number", Text, true, "Serial number."),
    f("manufacturer", Text, true, "Manufacturer (make)."),
    f("model", Text, true, "Model name or number."),
    f("barcode", Text, true, "Barcode or asset tag."),
];

const LOCATION_FIELDS: &[FieldSpec] = fields![
    f("name", Text, true, "Location name. Required on create."),
    f("description", Text, true, "Description."),
    f("address", Text, true, "Postal address as one text."),
    f("parent_id", Text, true, "Id of the parent location."),
];

const PART_FIELDS: &[FieldSpec] = fields![
    f("name", Text, true, "Part name. Required on create."),
    f("description", Text, true, "Description."),
    f("part_number", Text, true, "Part (item) number."),
    f("unit_cost", Number, true, "Cost of one unit."),
    f("quantity_on_hand", Number, true, "Quantity in stock."),
    f("minimum_quantity", Number, true, "Reorder threshold."),
    f("unit", Text, true, "Unit of measure."),
    f(
        "location_id",
        Text,
        true,
        "Id of the (main) stock location."
    ),
    f(
        "vendor_ids",
        TextList,
        true,
        "Ids of the vendors supplying the part."
    ),
    f("barcode", Text, true, "Barcode."),
];

const PURCHASE_ORDER_FIELDS: &[FieldSpec] = fields![
    f(
        "number",
        Text,
        false,
        "The human-facing purchase order number."
    ),
    f(
        "status",
        Enum(PURCHASE_ORDER_STATUSES),
        true,
        "Unified status."
    ),
    f(
        "remote_status",
        Text,
        false,
        "The system's own status value."
    ),
    f(
        "vendor_id",
        Text,
        true,
        "Id of the vendor. Required on create."
    ),
    f("total_amount", Number, true, "Total amount in `currency`."),
    f("currency", Text, true, "ISO 4217 currency code."),
    f("ordered_at", Timestamp, true, "When the order was placed."),
    f("due_at", Timestamp, true, "When delivery is due."),
    f(
        "line_items",
        Json,
        true,
        "Lines: a list of `{part_id, description, quantity, unit_price}`."
    ),
];

const VENDOR_FIELDS: &[FieldSpec] = fields![
    f("name", Text, true, "Vendor name. Required on create."),
    f("email", Text, true, "Contact e-mail address."),
    f("phone", Text, true, "Contact phone number."),
    f("address", Text, true, "Postal address as one text."),
    f("website", Text, true, "Website URL."),
    f("contact_name", Text, true, "Name of the contact person."),
];

const USER_FIELDS: &[FieldSpec] = fields![
    f("name", Text, true, "Full display name."),
    f("first_name", Text, true, "First name."),
    f("last_name", Text, true, "Last name."),
    f("email", Text, true, "E-mail address."),
    f("phone", Text, true, "Phone number."),
    f("role", Text, true, "Role as the system names it."),
    f(
        "is_active",
        Bool,
        true,
        "Whether the user account is active."
    ),
];

impl Entity {
    /// Every entity, in a stable order.
    pub const ALL: [Entity; 8] = [
        Entity::WorkOrder,
        Entity::Asset,
        Entity::Location,
        Entity::Part,
        Entity::PurchaseOrder,
        Entity::Vendor,
        Entity::User,
        Entity::MaintenanceRequest,
    ];

    /// The kebab-case plural used in routes: `work-orders`, `maintenance-requests`, ...
    pub fn path_segment(&self) -> &'static str {
        match self {
            Entity::WorkOrder => "work-orders",
            Entity::Asset => "assets",
            Entity::Location => "locations",
            Entity::Part => "parts",
            Entity::PurchaseOrder => "purchase-orders",
            Entity::Vendor => "vendors",
            Entity::User => "users",
            Entity::MaintenanceRequest => "maintenance-requests",
        }
    }

    /// Inverse of [`Entity::path_segment`].
    pub fn from_path_segment(segment: &str) -> Option<Entity> {
        Entity::ALL
            .into_iter()
            .find(|e| e.path_segment() == segment)
    }

    /// The snake_case singular name, as serialised: `work_order`, `maintenance_request`, ...
    pub fn name(&self) -> &'static str {
        match self {
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

    /// Inverse of [`Entity::name`].
    pub fn from_name(name: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Every documented field, common ones included, in unified JSON key order.
    pub fn fields(&self) -> &'static [FieldSpec] {
        match self {
            Entity::WorkOrder => WORK_ORDER_FIELDS,
            Entity::Asset => ASSET_FIELDS,
            Entity::Location => LOCATION_FIELDS,
            Entity::Part => PART_FIELDS,
            Entity::PurchaseOrder => PURCHASE_ORDER_FIELDS,
            Entity::Vendor => VENDOR_FIELDS,
            Entity::User => USER_FIELDS,
            Entity::MaintenanceRequest => MAINTENANCE_REQUEST_FIELDS,
        }
    }

    /// The field named `name`, if the entity documents it.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// Fields a create body must carry (non-null; non-empty for text).
    pub fn required_on_create(&self) -> &'static [&'static str] {
        match self {
            Entity::WorkOrder | Entity::MaintenanceRequest => &["title"],
            Entity::Asset | Entity::Location | Entity::Part | Entity::Vendor => &["name"],
            Entity::PurchaseOrder => &["vendor_id"],
            Entity::User => &[],
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn path_segments_and_names_round_trip() {
        for e in Entity::ALL {
            assert_eq!(Entity::from_path_segment(e.path_segment()), Some(e));
            assert_eq!(Entity::from_name(e.name()), Some(e));
            assert_eq!(
                serde_json::to_value(e).unwrap(),
                serde_json::json!(e.name())
            );
            let back: Entity = serde_json::from_value(serde_json::json!(e.name())).unwrap();
            assert_eq!(back, e);
        }
        assert_eq!(Entity::from_path_segment("work_orders"), None);
        assert_eq!(Entity::WorkOrder.path_segment(), "work-orders");
        assert_eq!(
            Entity::MaintenanceRequest.path_segment(),
            "maintenance-requests"
        );
    }

    #[test]
    fn every_entity_has_common_fields_and_unique_names() {
        for e in Entity::ALL {
            let names: Vec<&str> = e.fields().iter().map(|f| f.name).collect();
            let unique: HashSet<&str> = names.iter().copied().collect();
            assert_eq!(unique.len(), names.len(), "{e}: duplicate field");
            for common in COMMON_FIELDS {
                assert!(unique.contains(common), "{e}: missing {common}");
            }
            assert_eq!(names[0], "id");
            assert_eq!(*names.last().unwrap(), "mapping_warnings");
            for r in e.required_on_create() {
                assert!(e.field(r).unwrap().writable);
            }
        }
    }

    #[test]
    fn work_order_vocabulary() {
        let wo = Entity::WorkOrder;
        for name in [
            "number",
            "title",
            "description",
            "status",
            "remote_status",
            "priority",
            "remote_priority",
            "type",
            "asset_id",
            "location_id",
            "assignee_ids",
            "requester_id",
            "due_at",
            "started_at",
            "completed_at",
        ] {
            assert!(wo.field(name).is_some(), "{name}");
        }
        assert_eq!(
            wo.field("status").unwrap().kind,
            FieldKind::Enum(WORK_ORDER_STATUSES)
        );
        assert_eq!(wo.field("assignee_ids").unwrap().kind, FieldKind::TextList);
        assert!(!wo.field("id").unwrap().writable);
        assert!(wo.field("custom_fields").unwrap().writable);
    }
}
