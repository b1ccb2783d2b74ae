//! Typed write bodies for the connector SDK. The host validates every body with
//! [`crate::validate_write`] before it reaches a connector, so these deserialise what clients
//! sent (read-only fields never arrive).
//!
//! A create omits `None` fields when serialised; a patch uses [`Patch`] so "absent" (leave
//! unchanged) and `null` (clear) stay distinct.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::patch::Patch;
use crate::records::{MaintenanceRequestStatus, Priority, WorkOrderStatus};

/// `POST /v1/work-orders` body. `title` is required; everything else is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct WorkOrderCreate {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WorkOrderStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Custom fields by name, as the client sent them. The host turns them into
    /// `source_fields` through the connection's mapping before the connector sees the write.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_fields: Map<String, Value>,
    /// Set by the host, never by clients: the write's custom fields turned back into the
    /// system's shape through the connection's mapping (a JSON object patch, e.g.
    /// `{"extraFields": {"Budget": "1200"}}`; `null` values clear). The connector deep-merges it
    /// into its request body. When present, `custom_fields` is empty.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub source_fields: Map<String, Value>,
}

/// `PATCH /v1/work-orders/{id}` body: only the keys sent are changed; `null` clears.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct WorkOrderPatch {
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub title: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub description: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub status: Patch<WorkOrderStatus>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub priority: Patch<Priority>,
    #[serde(default, rename = "type", skip_serializing_if = "Patch::is_absent")]
    pub r#type: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub asset_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub location_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub assignee_ids: Patch<Vec<String>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub requester_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub due_at: Patch<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub started_at: Patch<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub completed_at: Patch<DateTime<Utc>>,
    /// Custom fields to change, by name (`null` clears one); other custom fields are untouched.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_fields: Map<String, Value>,
    /// Set by the host, never by clients: the write's custom fields turned back into the
    /// system's shape through the connection's mapping (a JSON object patch, e.g.
    /// `{"extraFields": {"Budget": "1200"}}`; `null` values clear). The connector deep-merges it
    /// into its request body. When present, `custom_fields` is empty.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub source_fields: Map<String, Value>,
}

/// `POST /v1/maintenance-requests` body. `title` is required; everything else is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct MaintenanceRequestCreate {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MaintenanceRequestStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_fields: Map<String, Value>,
    /// Set by the host, never by clients: the write's custom fields turned back into the
    /// system's shape through the connection's mapping (a JSON object patch, e.g.
    /// `{"extraFields": {"Budget": "1200"}}`; `null` values clear). The connector deep-merges it
    /// into its request body. When present, `custom_fields` is empty.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub source_fields: Map<String, Value>,
}

/// `PATCH /v1/maintenance-requests/{id}` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct MaintenanceRequestPatch {
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub title: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub description: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub status: Patch<MaintenanceRequestStatus>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub priority: Patch<Priority>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub asset_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub location_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub requester_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    pub work_order_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_fields: Map<String, Value>,
    /// Set by the host, never by clients: the write's custom fields turned back into the
    /// system's shape through the connection's mapping (a JSON object patch, e.g.
    /// `{"extraFields": {"Budget": "1200"}}`; `null` values clear). The connector deep-merges it
    /// into its request body. When present, `custom_fields` is empty.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub source_fields: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Entity, WriteOp, validate_write};
    use serde_json::json;

    #[test]
    fn create_requires_title_and_omits_nones() {
        assert!(serde_json::from_value::<WorkOrderCreate>(json!({"priority": "high"})).is_err());
        let c: WorkOrderCreate =
            serde_json::from_value(json!({"title": "Fix", "due_at": "2026-01-31T09:00:00+01:00"}))
                .unwrap();
        assert_eq!(c.due_at.unwrap().to_rfc3339(), "2026-01-31T08:00:00+00:00");
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"title": "Fix", "due_at": "2026-01-31T08:00:00Z"})
        );
        let m: MaintenanceRequestCreate =
            serde_json::from_value(json!({"title": "Leak", "status": "pending"})).unwrap();
        assert_eq!(m.status, Some(MaintenanceRequestStatus::Pending));
    }

    #[test]
    fn patch_distinguishes_absent_from_null() {
        let p: WorkOrderPatch = serde_json::from_value(json!({
            "description": null, "status": "on_hold", "type": "PM",
            "custom_fields": {"Budget": null}
        }))
        .unwrap();
        assert_eq!(p.title, Patch::Absent);
        assert_eq!(p.description, Patch::Null);
        assert_eq!(p.status, Patch::Value(WorkOrderStatus::OnHold));
        assert_eq!(p.r#type, Patch::Value("PM".into()));
        assert_eq!(p.custom_fields.get("Budget"), Some(&Value::Null));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"description": null, "status": "on_hold", "type": "PM", "custom_fields": {"Budget": null}})
        );
        let m: MaintenanceRequestPatch =
            serde_json::from_value(json!({"work_order_id": "5"})).unwrap();
        assert_eq!(m.work_order_id, Patch::Value("5".into()));
        assert!(m.title.is_absent());
    }

    #[test]
    fn typed_bodies_pass_validation() {
        let c = WorkOrderCreate {
            title: "t".into(),
            priority: Some(Priority::Urgent),
            assignee_ids: Some(vec!["1".into()]),
            ..Default::default()
        };
        let body = serde_json::to_value(&c).unwrap();
        validate_write(Entity::WorkOrder, WriteOp::Create, &body).unwrap();
        let p = WorkOrderPatch {
            due_at: Patch::Null,
            ..Default::default()
        };
        validate_write(
            Entity::WorkOrder,
            WriteOp::Update,
            &serde_json::to_value(&p).unwrap(),
        )
        .unwrap();
    }
}
