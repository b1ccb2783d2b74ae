//! # Registry probe connector
//!
//! A minimal connector for the registry's tests (id `probe`): bearer auth on `api_key`, work
//! orders (list, get) with one default rule, and one declared extra host, `files.example.com`,
//! which the operator must approve at activation. Built a second time with feature `trap`, its
//! `describe` panics, which the registry must refuse at install.

use millwright_sdk::prelude::*;

pub struct Probe;

/// The host the probe declares beyond a connection's base URL.
pub const EXTRA_HOST: &str = "files.example.com";

impl Connector for Probe {
    fn describe() -> ConnectorInfo {
        if cfg!(feature = "trap") {
            panic!("the probe's describe traps on purpose");
        }
        ConnectorInfo {
            id: "probe".into(),
            name: "Registry probe".into(),
            version: "1.0.0".into(),
            auth: vec![AuthScheme::Bearer(CredentialField { field: "api_key".into() })],
            form: vec![FormField {
                name: "api_key".into(),
                label: "API key".into(),
                help: None,
                secret: true,
                required: true,
                placeholder: None,
            }],
            default_base_url: None,
            entities: vec![EntitySupport {
                entity: Entity::WorkOrder,
                operations: Operations::LIST | Operations::GET,
                filters: Vec::new(),
                incremental: false,
                default_rules: r#"[{"target": "title", "source": "/title"}]"#.into(),
            }],
            max_page_size: 100,
            extra_hosts: vec![EXTRA_HOST.into()],
            supports_passthrough: false,
        }
    }

    fn check(_ctx: &ConnectionContext) -> Result<AccountInfo, ConnectorError> {
        Ok(AccountInfo { account_id: "probe".into(), display_name: "Probe".into() })
    }

    fn list(_ctx: &ConnectionContext, _entity: Entity, _query: &ListQuery) -> Result<Page, ConnectorError> {
        let record = SourceRecord { id: "1".into(), updated_at: None, deleted: false, data: r#"{"title": "Probe"}"#.into() };
        Ok(Page { records: vec![record], next_cursor: None })
    }

    fn get(_ctx: &ConnectionContext, _entity: Entity, id: &str) -> Result<SourceRecord, ConnectorError> {
        Ok(SourceRecord { id: id.into(), updated_at: None, deleted: false, data: r#"{"title": "Probe"}"#.into() })
    }
}

millwright_sdk::export_connector!(Probe);
