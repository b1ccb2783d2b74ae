//! Typed unified records (what the read endpoints return), one struct per entity.
//!
//! Field documentation lives in [`crate::Entity::fields`]; [`crate::json_schema`] copies it into
//! the schema. Timestamps are `DateTime<Utc>` and serialise as RFC 3339 UTC with `Z`
//! (`2026-01-31T08:00:00Z`, fractional seconds only when non-zero).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

macro_rules! unified_enum {
    ($(#[$meta:meta])* $name:ident, $values:path, { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every value, in documentation order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The snake_case wire value.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// Parses the snake_case wire value.
            pub fn parse(value: &str) -> Option<Self> {
                match value { $($text => Some($name::$variant),)* _ => None }
            }

            /// The wire values, the same list as the field's [`crate::FieldKind::Enum`].
            pub const VALUES: &'static [&'static str] = $values;
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

unified_enum!(
    /// `work_order.status`.
    WorkOrderStatus, crate::entity::WORK_ORDER_STATUSES, {
    Open => "open", InProgress => "in_progress", OnHold => "on_hold",
    Completed => "completed", Cancelled => "cancelled",
});
unified_enum!(
    /// `priority` of work orders and maintenance requests.
    Priority, crate::entity::PRIORITIES, {
    None => "none", Low => "low", Medium => "medium", High => "high", Urgent => "urgent",
});
unified_enum!(
    /// `maintenance_request.status`.
    MaintenanceRequestStatus, crate::entity::MAINTENANCE_REQUEST_STATUSES, {
    Pending => "pending", Approved => "approved", Rejected => "rejected",
    Completed => "completed", Cancelled => "cancelled",
});
unified_enum!(
    /// `asset.status`.
    AssetStatus, crate::entity::ASSET_STATUSES, {
    Operational => "operational", NonOperational => "non_operational",
    Decommissioned => "decommissioned",
});
unified_enum!(
    /// `purchase_order.status`.
    PurchaseOrderStatus, crate::entity::PURCHASE_ORDER_STATUSES, {
    Draft => "draft", PendingApproval => "pending_approval", Approved => "approved",
    Ordered => "ordered", PartiallyReceived => "partially_received", Received => "received",
    Cancelled => "cancelled", Rejected => "rejected",
});

/// One entry of `mapping_warnings`: a field whose source value failed to convert.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct MappingWarning {
    /// The unified field (`due_at`), or `custom_fields.<name>` for a custom field.
    pub field: String,
    /// Why the value was dropped, e.g. `cannot parse "31/02/2026" as an iso8601 timestamp`.
    pub reason: String,
}

/// One line of a purchase order (`purchase_order.line_items`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct LineItem {
    pub part_id: Option<String>,
    pub description: Option<String>,
    pub quantity: Option<f64>,
    pub unit_price: Option<f64>,
}

/// Declares a record struct with the common fields around the entity's own fields.
macro_rules! record {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        pub struct $name {
            pub id: String,
            pub created_at: Option<DateTime<Utc>>,
            pub updated_at: Option<DateTime<Utc>>,
            $($(#[$fmeta])* pub $field: $ty,)*
            #[serde(default)]
            pub deleted: bool,
            pub deleted_at: Option<DateTime<Utc>>,
            #[serde(default)]
            pub custom_fields: Map<String, Value>,
            /// Only with `include_remote_data=true`; omitted otherwise.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub remote_data: Option<Value>,
            /// Omitted when empty.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub mapping_warnings: Vec<MappingWarning>,
        }
    };
}

record!(
    /// A unified work order.
    WorkOrder {
    number: Option<String>,
    title: Option<String>,
    description: Option<String>,
    status: Option<WorkOrderStatus>,
    remote_status: Option<String>,
    priority: Option<Priority>,
    remote_priority: Option<String>,
    #[serde(rename = "type")]
    r#type: Option<String>,
    asset_id: Option<String>,
    location_id: Option<String>,
    assignee_ids: Option<Vec<String>>,
    requester_id: Option<String>,
    due_at: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
});

record!(
    /// A unified maintenance (service) request.
    MaintenanceRequest {
    number: Option<String>,
    title: Option<String>,
    description: Option<String>,
    status: Option<MaintenanceRequestStatus>,
    remote_status: Option<String>,
    priority: Option<Priority>,
    remote_priority: Option<String>,
    asset_id: Option<String>,
    location_id: Option<String>,
    requester_id: Option<String>,
    work_order_id: Option<String>,
});

record!(
    /// A unified asset (equipment).
    Asset {
    name: Option<String>,
    description: Option<String>,
    status: Option<AssetStatus>,
    remote_status: Option<String>,
    asset_type: Option<String>,
    location_id: Option<String>,
    parent_id: Option<String>,
    serial_number: Option<String>,
    manufacturer: Option<String>,
    model: Option<String>,
    barcode: Option<String>,
});

record!(
    /// A unified location.
    Location {
    name: Option<String>,
    description: Option<String>,
    address: Option<String>,
    parent_id: Option<String>,
});

record!(
    /// A unified part (spare part, material, inventory item).
    Part {
    name: Option<String>,
    description: Option<String>,
    part_number: Option<String>,
    unit_cost: Option<f64>,
    quantity_on_hand: Option<f64>,
    minimum_quantity: Option<f64>,
    unit: Option<String>,
    location_id: Option<String>,
    vendor_ids: Option<Vec<String>>,
    barcode: Option<String>,
});

record!(
    /// A unified purchase order.
    PurchaseOrder {
    number: Option<String>,
    status: Option<PurchaseOrderStatus>,
    remote_status: Option<String>,
    vendor_id: Option<String>,
    total_amount: Option<f64>,
    currency: Option<String>,
    ordered_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    line_items: Option<Vec<LineItem>>,
});

record!(
    /// A unified vendor (supplier).
    Vendor {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    website: Option<String>,
    contact_name: Option<String>,
});

record!(
    /// A unified user.
    User {
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    role: Option<String>,
    is_active: Option<bool>,
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enums_match_field_kinds() {
        fn check<T: Serialize>(all: &[T], values: &[&str]) {
            let wire: Vec<String> = all
                .iter()
                .map(|v| {
                    serde_json::to_value(v)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            assert_eq!(wire, values);
        }
        check(WorkOrderStatus::ALL, WorkOrderStatus::VALUES);
        check(Priority::ALL, Priority::VALUES);
        check(
            MaintenanceRequestStatus::ALL,
            MaintenanceRequestStatus::VALUES,
        );
        check(AssetStatus::ALL, AssetStatus::VALUES);
        check(PurchaseOrderStatus::ALL, PurchaseOrderStatus::VALUES);
        assert_eq!(
            WorkOrderStatus::parse("in_progress"),
            Some(WorkOrderStatus::InProgress)
        );
        assert_eq!(WorkOrderStatus::parse("IN_PROGRESS"), None);
        assert_eq!(
            PurchaseOrderStatus::PartiallyReceived.to_string(),
            "partially_received"
        );
    }

    #[test]
    fn work_order_round_trips_unified_json() {
        let body = json!({
            "id": "42", "created_at": "2026-01-31T08:00:00Z", "updated_at": "2026-01-31T08:00:00.250Z",
            "number": "7", "title": "Fix pump", "description": null, "status": "in_progress",
            "remote_status": "IN_PROGRESS", "priority": "high", "remote_priority": "HIGH",
            "type": "REACTIVE", "asset_id": "9", "location_id": null, "assignee_ids": ["1", "2"],
            "requester_id": null, "due_at": null, "started_at": null, "completed_at": null,
            "deleted": false, "deleted_at": null, "custom_fields": {"Estimated Budget": "$250"}
        });
        let wo: WorkOrder = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(wo.status, Some(WorkOrderStatus::InProgress));
        assert_eq!(wo.r#type.as_deref(), Some("REACTIVE"));
        let back = serde_json::to_value(&wo).unwrap();
        assert_eq!(
            back, body,
            "remote_data and empty mapping_warnings are omitted"
        );
    }
}
