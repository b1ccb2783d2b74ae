//! `describe`: the static description of the connector.

use millwright_sdk::{AuthScheme, ConnectorInfo, CredentialField, EntitySupport, FormField};

use crate::client::ORGANIZATION_SETTING;
use crate::entities::{ENTITIES, MAX_PAGE_SIZE};

pub const DEFAULT_BASE_URL: &str = "https://api.getmaintainx.com/v1";

pub fn describe() -> ConnectorInfo {
    ConnectorInfo {
        id: "maintainx".into(),
        name: "MaintainX".into(),
        version: if cfg!(feature = "v2") { "0.2.0".into() } else { env!("CARGO_PKG_VERSION").into() },
        auth: vec![AuthScheme::Bearer(CredentialField {
            field: "api_key".into(),
        })],
        form: vec![
            FormField {
                name: "api_key".into(),
                label: "API key".into(),
                help: Some("In MaintainX: Settings > Integrations > API Keys > New Key.".into()),
                secret: true,
                required: true,
                placeholder: None,
            },
            FormField {
                name: ORGANIZATION_SETTING.into(),
                label: "Organization ID".into(),
                help: Some(
                    "Only for API keys that reach several organizations: the numeric id of the \
                     organization to connect (sent as the x-organization-id header)."
                        .into(),
                ),
                secret: false,
                required: false,
                placeholder: Some("e.g. 12345".into()),
            },
        ],
        default_base_url: Some(DEFAULT_BASE_URL.into()),
        entities: ENTITIES
            .iter()
            .map(|d| EntitySupport {
                entity: d.entity,
                operations: d.operations,
                filters: d.filters.iter().map(|f| (*f).to_owned()).collect(),
                incremental: d.incremental,
                default_rules: default_rules(d),
            })
            .collect(),
        max_page_size: MAX_PAGE_SIZE,
        extra_hosts: Vec::new(),
        supports_passthrough: true,
    }
}

/// The entity's default rules; the `v2` test build maps its build marker into a custom field.
fn default_rules(d: &crate::entities::EntityDef) -> String {
    if cfg!(feature = "v2") && matches!(d.entity, millwright_sdk::Entity::WorkOrder) {
        let mut rules: Vec<serde_json::Value> = serde_json::from_str(d.rules).expect("the rules are JSON");
        rules.push(serde_json::json!({"target": {"custom_field": "connector_build"}, "source": "/connectorBuild"}));
        return serde_json::Value::Array(rules).to_string();
    }
    d.rules.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use millwright_sdk::{Entity, Operations};
    use serde_json::Value;

    const TARGETS: &[(&str, &[&str])] = &[
        (
            "work_order",
            &[
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
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        (
            "maintenance_request",
            &[
                "number",
                "title",
                "description",
                "status",
                "remote_status",
                "priority",
                "remote_priority",
                "asset_id",
                "location_id",
                "requester_id",
                "work_order_id",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        (
            "asset",
            &[
                "name",
                "description",
                "status",
                "remote_status",
                "asset_type",
                "location_id",
                "parent_id",
                "serial_number",
                "manufacturer",
                "model",
                "barcode",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        (
            "location",
            &[
                "name",
                "description",
                "address",
                "parent_id",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        (
            "part",
            &[
                "name",
                "description",
                "part_number",
                "unit_cost",
                "quantity_on_hand",
                "minimum_quantity",
                "unit",
                "location_id",
                "vendor_ids",
                "barcode",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        (
            "purchase_order",
            &[
                "number",
                "status",
                "remote_status",
                "vendor_id",
                "total_amount",
                "currency",
                "ordered_at",
                "due_at",
                "line_items",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        (
            "vendor",
            &[
                "name",
                "email",
                "phone",
                "address",
                "website",
                "contact_name",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        (
            "user",
            &[
                "name",
                "first_name",
                "last_name",
                "email",
                "phone",
                "role",
                "is_active",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
    ];

    #[test]
    fn describes_every_entity_with_valid_rules() {
        let info = describe();
        assert_eq!(info.id, "maintainx");
        assert_eq!(info.max_page_size, 200);
        assert_eq!(info.entities.len(), 8);
        assert!(info.supports_passthrough);
        for e in &info.entities {
            let name = millwright_sdk::connector::entity_name(e.entity);
            let allowed = TARGETS.iter().find(|(n, _)| *n == name).unwrap().1;
            let model_entity: millwright_sdk::model::Entity = e.entity.into();
            let rules: Vec<Value> = serde_json::from_str(&e.default_rules)
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            assert!(!rules.is_empty());
            let mut seen = std::collections::HashSet::new();
            for r in &rules {
                match &r["target"] {
                    Value::String(t) => {
                        assert!(allowed.contains(&t.as_str()), "{name}: unknown target {t}");
                        assert!(
                            model_entity.field(t).is_some(),
                            "{name}: {t} not in the model"
                        );
                        assert!(seen.insert(t.clone()), "{name}: duplicate {t}");
                        let src = &r["source"];
                        let pointers: Vec<&str> = match src {
                            Value::String(s) => vec![s.as_str()],
                            Value::Array(a) => a.iter().map(|p| p.as_str().unwrap()).collect(),
                            _ => vec![],
                        };
                        for p in pointers {
                            assert!(p.starts_with('/') || p.starts_with('{'), "{name}.{t}: {p}");
                        }
                    }
                    Value::Object(o) => assert!(o.contains_key("custom_fields_from"), "{name}"),
                    other => panic!("{name}: {other}"),
                }
            }
        }
        let wo = info
            .entities
            .iter()
            .find(|e| e.entity == Entity::WorkOrder)
            .unwrap();
        assert_eq!(
            wo.operations,
            Operations::LIST | Operations::GET | Operations::CREATE | Operations::UPDATE
        );
        assert!(wo.incremental);
        assert_eq!(wo.filters, vec!["status", "asset_id", "location_id"]);
        let mr = info
            .entities
            .iter()
            .find(|e| e.entity == Entity::MaintenanceRequest)
            .unwrap();
        assert_eq!(
            mr.operations,
            Operations::LIST | Operations::GET | Operations::CREATE
        );
    }
}
