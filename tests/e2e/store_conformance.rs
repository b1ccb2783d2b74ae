//! The store conformance suite: the same checks on SQLite and on PostgreSQL.

use millwright::store::{ActivationAction, ConnectionFilter, DeleteOutcome, ModuleRow, NewConnection, NewToken, Store};

use crate::databases::fresh_postgres;

/// Runs `check` on a fresh SQLite database and a fresh PostgreSQL database.
macro_rules! on_both {
    ($check:ident) => {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Store::connect(&format!("sqlite://{}", dir.path().join("c.db").display())).await.unwrap();
        $check(&sqlite).await;
        let pg = fresh_postgres().await;
        let postgres = Store::connect(&pg.url).await.unwrap();
        assert!(postgres.is_postgres());
        $check(&postgres).await;
        postgres.close().await;
    };
}

fn connection(id: &str, customer: &str, connector: &str) -> NewConnection {
    NewConnection {
        id: id.into(),
        end_customer_id: Some(customer.into()),
        connector_id: connector.into(),
        base_url: "https://api.example.com/v1".into(),
        environment: "test".into(),
        settings_json: "{}".into(),
        credentials: vec![1, 2, 3],
        wrapped_key: vec![4, 5, 6],
        approved_hosts_json: "[]".into(),
        private_networks_json: "[]".into(),
        account_id: Some("acct".into()),
        account_name: Some("Account".into()),
    }
}

async fn connections_round_trip(store: &Store) {
    for (id, customer, connector) in [("conn_a", "acme", "maintainx"), ("conn_b", "acme", "maximo"), ("conn_c", "bolt", "maintainx")] {
        store.ensure_end_customer(customer, None).await.unwrap();
        store.insert_connection(&connection(id, customer, connector)).await.unwrap();
    }
    let row = store.connection("conn_a").await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.credentials.as_slice(), row.config_version), ("active", &[1u8, 2, 3][..], 1));
    let filter = |customer: Option<&str>, connector: Option<&str>, after: Option<&str>, limit| ConnectionFilter {
        end_customer_id: customer.map(Into::into),
        connector_id: connector.map(Into::into),
        after: after.map(Into::into),
        limit,
        ..Default::default()
    };
    let ids = |rows: Vec<millwright::store::ConnectionRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_connections(&filter(Some("acme"), None, None, 10)).await.unwrap()), ["conn_a", "conn_b"]);
    assert_eq!(ids(store.list_connections(&filter(None, Some("maintainx"), None, 10)).await.unwrap()), ["conn_a", "conn_c"]);
    assert_eq!(ids(store.list_connections(&filter(None, None, Some("conn_a"), 1)).await.unwrap()), ["conn_b"]);

    assert!(store.update_connection_metadata("conn_a", r#"{"k":"v"}"#).await.unwrap());
    assert_eq!(store.connection("conn_a").await.unwrap().unwrap().config_version, 2, "changes bump config_version");
    store.insert_token(&token("tok_1", "conn_a", "h1")).await.unwrap();
    assert!(store.disconnect_connection("conn_a").await.unwrap());
    assert!(!store.disconnect_connection("conn_a").await.unwrap(), "once");
    let row = store.connection("conn_a").await.unwrap().unwrap();
    assert_eq!(row.status, "disconnected");
    assert!(row.credentials.is_empty() && row.wrapped_key.is_empty());
    assert!(store.lookup_token("h1").await.unwrap().unwrap().revoked_at.is_some());
    assert!(!store.update_connection_metadata("conn_a", "{}").await.unwrap(), "disconnected rows are frozen");
}

fn token(id: &str, connection: &str, hash: &str) -> NewToken {
    NewToken { id: id.into(), connection_id: connection.into(), token_hash: hash.into(), prefix: "mw_test_x".into(), environment: "test".into(), expires_at: None }
}

async fn tokens_round_trip(store: &Store) {
    store.insert_connection(&connection("conn_t", "acme", "maintainx")).await.unwrap();
    store.insert_token(&token("tok_a", "conn_t", "hash_a")).await.unwrap();
    store.insert_token(&token("tok_b", "conn_t", "hash_b")).await.unwrap();
    assert!(store.insert_token(&token("tok_c", "conn_t", "hash_a")).await.is_err(), "hashes are unique");
    let found = store.lookup_token("hash_a").await.unwrap().unwrap();
    assert_eq!((found.connection_id.as_str(), found.config_version), ("conn_t", 1));
    assert!(store.lookup_token("nope").await.unwrap().is_none());
    store.touch_token("tok_a").await.unwrap();
    assert!(store.token("tok_a").await.unwrap().unwrap().last_used_at.is_some());
    store.expire_token_at("tok_a", "2030-01-01T00:00:00.000000Z").await.unwrap();
    store.expire_token_at("tok_a", "2031-01-01T00:00:00.000000Z").await.unwrap();
    assert_eq!(store.token("tok_a").await.unwrap().unwrap().expires_at.as_deref(), Some("2030-01-01T00:00:00.000000Z"), "never extended");
    assert!(store.revoke_token("tok_b").await.unwrap());
    assert!(!store.revoke_token("tok_b").await.unwrap());
    assert_eq!(store.tokens_of("conn_t").await.unwrap().len(), 2);
}

async fn modules_round_trip(store: &Store) {
    let row = |digest: &str, version: &str| ModuleRow {
        digest: digest.into(),
        connector_id: "maintainx".into(),
        version: version.into(),
        wit_version: "0.1.0".into(),
        info_json: "{}".into(),
        installed_at: millwright::store::now(),
        signed_by: None,
        approved_hosts_json: None,
    };
    assert!(store.insert_module(&row("d1", "1.0.0"), b"bytes-1").await.unwrap());
    assert!(store.insert_module(&row("d1", "1.0.0"), b"bytes-1").await.unwrap(), "same bytes again is fine");
    assert!(!store.insert_module(&row("d2", "1.0.0"), b"bytes-2").await.unwrap(), "a version is unique per connector");
    assert_eq!(store.module_bytes("d1").await.unwrap().as_deref(), Some(&b"bytes-1"[..]));
    store.activate_module("maintainx", "d1", Some("[]"), ActivationAction::Activate, "env").await.unwrap();
    assert!(store.insert_module(&row("d3", "1.1.0"), b"bytes-3").await.unwrap());
    store.ensure_end_customer("acme", None).await.unwrap();
    store.insert_connection(&connection("conn_m", "acme", "maintainx")).await.unwrap();
    let version = |store: &Store| {
        let store = store.clone();
        async move { store.connection("conn_m").await.unwrap().unwrap().config_version }
    };
    let v0 = version(store).await;
    store.activate_module("maintainx", "d3", Some(r#"["files.example.com"]"#), ActivationAction::Activate, "env").await.unwrap();
    assert_eq!(store.active_modules().await.unwrap(), vec![("maintainx".to_string(), "d3".to_string())]);
    assert_eq!(store.module("d3").await.unwrap().unwrap().approved_hosts_json.as_deref(), Some(r#"["files.example.com"]"#));
    assert_eq!(version(store).await, v0 + 1, "activation bumps the connector's unpinned connections");
    assert_eq!(store.rollback_target("maintainx", Some("d3")).await.unwrap().as_deref(), Some("d1"));
    store.activate_module("maintainx", "d1", None, ActivationAction::Rollback, "env").await.unwrap();
    assert_eq!(store.rollback_target("maintainx", Some("d1")).await.unwrap().as_deref(), Some("d3"), "rollback toggles");
    assert_eq!(store.delete_module("d1").await.unwrap(), DeleteOutcome::Active);

    assert!(store.pin_connection("conn_m", Some("d3")).await.unwrap());
    assert_eq!(store.pinned_digests().await.unwrap(), vec!["d3".to_string()]);
    let pinned = version(store).await;
    assert!(store.deactivate_module("maintainx", "env").await.unwrap());
    assert!(!store.deactivate_module("maintainx", "env").await.unwrap());
    assert_eq!(version(store).await, pinned, "a pinned connection is not affected");
    assert_eq!(store.active_digest("maintainx").await.unwrap(), None);
    assert_eq!(store.rollback_target("maintainx", None).await.unwrap().as_deref(), Some("d1"));
    assert_eq!(store.delete_module("d3").await.unwrap(), DeleteOutcome::Pinned(1));
    assert_eq!(store.delete_module("d1").await.unwrap(), DeleteOutcome::Deleted);
    assert_eq!(store.delete_module("d1").await.unwrap(), DeleteOutcome::Missing);
    assert_eq!(store.rollback_target("maintainx", None).await.unwrap().as_deref(), Some("d3"), "deleted versions are skipped");
    assert!(store.pin_connection("conn_m", None).await.unwrap());
    assert!(store.pinned_digests().await.unwrap().is_empty());
    assert_eq!(store.modules().await.unwrap().len(), 1);
}

async fn registry_settings_round_trip(store: &Store) {
    assert!(store.insert_trusted_key("acme", "cHVibGlj", "env").await.unwrap());
    assert!(!store.insert_trusted_key("acme", "b3RoZXI=", "env").await.unwrap(), "a key id is unique");
    assert_eq!(store.trusted_key("acme").await.unwrap().unwrap().public_key, "cHVibGlj");
    assert_eq!(store.trusted_keys().await.unwrap().len(), 1);
    assert!(store.delete_trusted_key("acme").await.unwrap());
    assert!(store.trusted_key("acme").await.unwrap().is_none());

    store.ensure_end_customer("acme", None).await.unwrap();
    store.insert_connection(&connection("conn_l", "acme", "hostile")).await.unwrap();
    let before = store.connection("conn_l").await.unwrap().unwrap().config_version;
    store.set_connector_limits("hostile", Some(r#"{"memory_bytes":1048576}"#)).await.unwrap();
    assert_eq!(store.connector_limits("hostile").await.unwrap().as_deref(), Some(r#"{"memory_bytes":1048576}"#));
    store.set_connector_limits("hostile", None).await.unwrap();
    assert_eq!(store.connector_limits("hostile").await.unwrap(), None);
    assert_eq!(store.connection("conn_l").await.unwrap().unwrap().config_version, before + 2, "limit changes reach the connections");
}

async fn admin_and_audit_round_trip(store: &Store) {
    store.insert_admin_token("adm_1", "ops", "ahash", "mw_admin_x", "read_only").await.unwrap();
    assert_eq!(store.admin_token_by_hash("ahash").await.unwrap().unwrap().scope, "read_only");
    for i in 0..5 {
        store.audit("env", "connection.create", Some(&format!("conn_{i}")), &serde_json::json!({"i": i})).await.unwrap();
    }
    let first = store.audit_log(None, 3).await.unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(first[0].target.as_deref(), Some("conn_4"), "newest first");
    let rest = store.audit_log(Some(&first[2].id), 3).await.unwrap();
    assert_eq!(rest.iter().map(|e| e.target.clone().unwrap()).collect::<Vec<_>>(), ["conn_1", "conn_0"]);

    store.ensure_end_customer("zeta", Some("Zeta")).await.unwrap();
    store.ensure_end_customer("zeta", Some("Other")).await.unwrap();
    assert_eq!(store.end_customer("zeta").await.unwrap().unwrap().name.as_deref(), Some("Zeta"));
    assert!(store.update_end_customer("zeta", Some("Zeta GmbH"), Some(r#"{"tier":"gold"}"#)).await.unwrap());
    assert!(!store.update_end_customer("nobody", Some("x"), None).await.unwrap());
    assert_eq!(store.end_customers(None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn connections() {
    on_both!(connections_round_trip);
}

#[tokio::test]
async fn tokens() {
    on_both!(tokens_round_trip);
}

#[tokio::test]
async fn modules() {
    on_both!(modules_round_trip);
}

#[tokio::test]
async fn registry_settings() {
    on_both!(registry_settings_round_trip);
}

#[tokio::test]
async fn admin_and_audit() {
    on_both!(admin_and_audit_round_trip);
}

async fn field_mappings_round_trip(store: &Store) {
    use millwright::store::NewMappingVersion;
    store.insert_connection(&connection("conn_m", "acme", "maintainx")).await.unwrap();
    let change = |action: &'static str, rules: &'static str, restored_from| NewMappingVersion {
        connection_id: "conn_m",
        entity: "work_order",
        action,
        restored_from,
        rules_json: rules,
        actor: "env",
    };
    let v1 = store.save_field_mapping(&change("replace", r#"[{"target":"title","source":"/a"}]"#, None)).await.unwrap();
    assert_eq!((v1.version, v1.previous_json.as_str()), (1, "[]"));
    let v2 = store.save_field_mapping(&change("replace", r#"[{"target":"title","source":"/b"}]"#, None)).await.unwrap();
    assert_eq!((v2.version, v2.previous_json.as_str()), (2, v1.rules_json.as_str()), "before and after are kept");
    let other = NewMappingVersion { entity: "asset", ..change("reset", "[]", None) };
    assert_eq!(store.save_field_mapping(&other).await.unwrap().version, 1, "versions count per entity");
    let v3 = store.save_field_mapping(&change("restore", r#"[{"target":"title","source":"/a"}]"#, Some(1))).await.unwrap();
    assert_eq!((v3.version, v3.restored_from), (3, Some(1)));
    assert_eq!(store.connection("conn_m").await.unwrap().unwrap().config_version, 5, "each change bumps config_version");

    let current = store.current_field_mappings("conn_m").await.unwrap();
    assert_eq!(current.iter().map(|r| (r.entity.as_str(), r.version)).collect::<Vec<_>>(), [("asset", 1), ("work_order", 3)]);
    assert_eq!(store.field_mapping_version("conn_m", "work_order", Some(2)).await.unwrap().unwrap().rules_json, v2.rules_json);
    assert_eq!(store.field_mapping_version("conn_m", "work_order", None).await.unwrap().unwrap().version, 3);
    let page = store.field_mapping_history("conn_m", "work_order", None, 2).await.unwrap();
    assert_eq!(page.iter().map(|r| r.version).collect::<Vec<_>>(), [3, 2], "newest first");
    let rest = store.field_mapping_history("conn_m", "work_order", Some(2), 2).await.unwrap();
    assert_eq!(rest.iter().map(|r| r.version).collect::<Vec<_>>(), [1]);

    // Concurrent saves never share a version number.
    let changes: Vec<_> = (0..6).map(|_| change("replace", "[]", None)).collect();
    let saves = changes.iter().map(|c| store.save_field_mapping(c));
    let mut versions: Vec<i64> = futures::future::join_all(saves).await.into_iter().map(|r| r.unwrap().version).collect();
    versions.sort();
    assert_eq!(versions, [4, 5, 6, 7, 8, 9]);

    store.insert_mapper_module("dig1", b"wasm").await.unwrap();
    store.insert_mapper_module("dig1", b"wasm").await.unwrap();
    assert_eq!(store.mapper_module_bytes("dig1").await.unwrap().as_deref(), Some(&b"wasm"[..]));
    assert!(!store.set_connection_mapper("conn_m", "work_order", Some("dig1"), "env").await.unwrap());
    assert!(store.set_connection_mapper("conn_m", "work_order", Some("dig1"), "env").await.unwrap(), "replacing reports the old one");
    assert_eq!(store.connection_mappers("conn_m").await.unwrap()[0].digest, "dig1");
    assert_eq!(store.attached_mapper_digests().await.unwrap(), ["dig1"]);
    assert!(store.set_connection_mapper("conn_m", "work_order", None, "env").await.unwrap());
    assert!(store.connection_mappers("conn_m").await.unwrap().is_empty());
}

#[tokio::test]
async fn field_mappings() {
    on_both!(field_mappings_round_trip);
}

/// OAuth apps (upsert bumps the connector's connections), the single-use authorization
/// requests, the credentials compare-and-swap of refreshed grants, and master-key rotation
/// re-wrapping the apps' keys.
async fn oauth_round_trip(store: &Store) {
    store.insert_connection(&connection("conn_o", "acme", "maintainx-oauth")).await.unwrap();
    store.upsert_oauth_app("maintainx-oauth", "client-1", b"sealed", b"key-1", r#"{"scopes":null}"#).await.unwrap();
    store.upsert_oauth_app("maintainx-oauth", "client-2", b"sealed-2", b"key-2", "{}").await.unwrap();
    let app = store.oauth_app("maintainx-oauth").await.unwrap().unwrap();
    assert_eq!((app.client_id.as_str(), app.wrapped_key.as_slice()), ("client-2", &b"key-2"[..]));
    assert_eq!(store.connection("conn_o").await.unwrap().unwrap().config_version, 3, "each change rebinds the connector's connections");

    let rewrapped = store.rewrap_all_keys(|id, wrapped| Ok([id.as_bytes(), b"|", wrapped].concat())).await.unwrap();
    assert_eq!(rewrapped, 1, "one connection");
    assert_eq!(store.oauth_app("maintainx-oauth").await.unwrap().unwrap().wrapped_key, b"oauth_app:maintainx-oauth|key-2".to_vec());
    assert!(store.delete_oauth_app("maintainx-oauth").await.unwrap());
    assert!(!store.delete_oauth_app("maintainx-oauth").await.unwrap());

    let v = store.connection("conn_o").await.unwrap().unwrap().credentials_version;
    assert!(store.swap_connection_credentials("conn_o", v, b"grant-2", b"k2").await.unwrap());
    assert!(!store.swap_connection_credentials("conn_o", v, b"grant-3", b"k3").await.unwrap(), "the version moved");
    let row = store.connection("conn_o").await.unwrap().unwrap();
    assert_eq!((row.credentials.as_slice(), row.credentials_version, row.config_version), (&b"grant-2"[..], v + 1, 4), "no rebind for a refresh");

    store
        .insert_link_session(&millwright::store::NewLinkSession {
            id: "lnk_o".into(),
            secret_hash: "sh".into(),
            end_customer_id: "acme".into(),
            environment: "test".into(),
            redirect_uri: "https://app.example.com/cb".into(),
            state: None,
            allowed_connectors_json: None,
            connection_id: None,
            rotate_tokens: false,
            approved_hosts_json: "[]".into(),
            private_networks_json: "[]".into(),
            created_by: "env".into(),
            expires_at: "2999-01-01T00:00:00.000000Z".into(),
        })
        .await
        .unwrap();
    let pending = millwright::store::OAuthAuthorizationRow {
        state_hash: "st".into(),
        link_session_id: "lnk_o".into(),
        connector_id: "maintainx-oauth".into(),
        base_url: "https://api.example.com/v1".into(),
        settings_json: "{}".into(),
        code_verifier: "v".into(),
        redirect_uri: "https://host.example/connect/oauth/callback".into(),
        created_at: "2026-01-01T00:00:00.000000Z".into(),
        expires_at: "2026-01-01T00:10:00.000000Z".into(),
        used_at: None,
    };
    store.insert_oauth_authorization(&pending).await.unwrap();
    assert!(store.claim_oauth_authorization("st", "2026-01-01T00:10:00.000000Z").await.unwrap().is_none(), "expired at its expiry");
    assert_eq!(store.claim_oauth_authorization("st", "2026-01-01T00:09:59.000000Z").await.unwrap().unwrap().code_verifier, "v");
    assert!(store.claim_oauth_authorization("st", "2026-01-01T00:09:59.000000Z").await.unwrap().is_none(), "single use");
}

#[tokio::test]
async fn oauth() {
    on_both!(oauth_round_trip);
}

/// The outbox, webhook deliveries and connection health (issue 4).
mod outbox;
