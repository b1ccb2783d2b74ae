//! Connections: creating them (credentials checked live, sealed in the vault, a token minted) and
//! resolving the live state a request needs (module, binding), cached per `config_version`.

pub mod reconnect;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};


use crate::api::error::ApiError;
use crate::mapping::{ConnectionMappings, Mappers};
use crate::clock::Clock;
use crate::oauth::setup::{DEFAULT_REFRESH_MARGIN, Persisted, SetupContext, oauth_setup};
use crate::runtime::outbound::auth::{AUTH_SCHEME_SETTING, chosen_scheme};
use crate::runtime::outbound::egress::PrivateTarget;
use crate::registry::{ActiveModule, Registry};
use crate::runtime::{CallError, ConnectionBinding, ConnectionSpec, Runtime};
use crate::store::{ConnectionRow, NewConnection, NewToken, Store, new_id};
use crate::tokens::{self, MintedToken};
use crate::vault::{Sealed, Vault};

pub struct CreateConnection {
    pub connector_id: String,
    pub base_url: Option<String>,
    pub environment: String,
    pub end_customer_id: Option<String>,
    /// Connect-form values by field name; secret fields go to the vault, the rest to settings.
    pub values: BTreeMap<String, String>,
    /// Private networks (CIDRs) or host names the connection may reach.
    pub private_networks: Vec<PrivateTarget>,
    /// Extra hosts the connector declares that the operator approves for this connection.
    pub approved_hosts: Vec<String>,
}

/// What a request on a connection needs, built once per `config_version`.
pub struct LiveConnection {
    pub id: String,
    pub environment: String,
    pub status: String,
    pub base_url: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub config_version: i64,
    pub module: Arc<ActiveModule>,
    /// Defaults, the connection's overrides and plugins, per entity (`crate::mapping`).
    pub mappings: ConnectionMappings,
    pub binding: ConnectionBinding,
}

pub struct Connections {
    store: Store,
    runtime: Arc<Runtime>,
    registry: Arc<Registry>,
    mappers: Arc<Mappers>,
    vault: Vault,
    clock: Clock,
    live: RwLock<HashMap<String, Arc<LiveConnection>>>,
    /// Held while a live connection is built, so concurrent first requests share one binding
    /// (and one OAuth token source: one token request, not one per request).
    building: tokio::sync::Mutex<()>,
}

impl Connections {
    pub fn new(store: Store, runtime: Arc<Runtime>, registry: Arc<Registry>, mappers: Arc<Mappers>, vault: Vault) -> Self {
        Connections { store, runtime, registry, mappers, vault, clock: Clock::default(), live: RwLock::new(HashMap::new()), building: Default::default() }
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The clock OAuth token expiries are judged by (the app's, see `AppState::clock`).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Validates the form, checks the credentials against the system, stores the connection
    /// (credentials sealed) and mints its first token. Nothing is stored when any step fails.
    pub async fn create(&self, req: CreateConnection) -> Result<(ConnectionRow, MintedToken), ApiError> {
        self.create_with(req, BTreeMap::new()).await
    }

    /// [`Connections::create`] with credentials the host obtained itself (an OAuth grant from
    /// the connect page's callback), sealed with the form's.
    pub async fn create_with(&self, req: CreateConnection, host_credentials: BTreeMap<String, String>) -> Result<(ConnectionRow, MintedToken), ApiError> {
        if req.environment != "test" && req.environment != "live" {
            return Err(ApiError::invalid_request("environment must be `test` or `live`"));
        }
        let module = self
            .registry
            .current(&req.connector_id)
            .await?
            .ok_or_else(|| ApiError::invalid_request(format!("no connector `{}` is installed and active", req.connector_id)))?;
        let info = module.info();
        let base_url = req.base_url.clone().or_else(|| info.default_base_url.clone()).ok_or_else(|| {
            ApiError::validation_failed(Some("base_url"), "this connector needs a base URL")
        })?;
        validate_base_url(&base_url)?;
        let (settings, mut credentials) = split_form(info, &req.values)?;
        credentials.extend(host_credentials);
        let id = new_id("conn");
        let spec = ConnectionSpec {
            connection_id: id.clone(),
            base_url: base_url.clone(),
            settings: settings.clone(),
            credentials: credentials.clone(),
            approved_hosts: req.approved_hosts.iter().chain(&module.approved_hosts).cloned().collect(),
            private_networks: req.private_networks.clone(),
        };
        let account = self.check_credentials(&module, &spec, &id).await?;
        let sealed = self
            .vault
            .seal(&id, serde_json::to_string(&credentials).expect("a map serialises").as_bytes())
            .map_err(ApiError::from)?;
        let row = NewConnection {
            id: id.clone(),
            end_customer_id: req.end_customer_id,
            connector_id: req.connector_id,
            base_url,
            environment: req.environment.clone(),
            settings_json: serde_json::to_string(&settings).expect("a map serialises"),
            credentials: sealed.ciphertext,
            wrapped_key: sealed.wrapped_key,
            approved_hosts_json: serde_json::to_string(&req.approved_hosts).expect("strings serialise"),
            private_networks_json: serde_json::to_string(&req.private_networks.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("strings serialise"),
            account_id: Some(account.account_id),
            account_name: Some(account.display_name),
        };
        if let Some(end_customer) = &row.end_customer_id {
            self.store.ensure_end_customer(end_customer, None).await?;
        }
        self.store.insert_connection(&row).await?;
        let token = self.mint_token(&id, &req.environment, None).await?;
        let stored = self.store.connection(&id).await?.ok_or_else(|| ApiError::internal("connection vanished"))?;
        Ok((stored, token))
    }

    /// Checks credentials live through the connector's `check`; a rejection is a validation
    /// error of the request (nothing is stored), not a reauthorization of an existing connection.
    pub(crate) async fn check_credentials(
        &self,
        module: &ActiveModule,
        spec: &ConnectionSpec,
        connection_id: &str,
    ) -> Result<crate::runtime::bindings::AccountInfo, ApiError> {
        let binding = self.bind(module, spec, None).await?;
        let checked = self.runtime.check(&module.module, &binding).await;
        self.runtime.forget_connection(&spec.connection_id);
        checked.map_err(|e| match e {
            CallError::TokenRefreshFailed { detail, .. } => ApiError::validation_failed(None, format!("no access token could be obtained: {detail}")),
            e => match ApiError::from_call(e, connection_id) {
                e if e.code == "connection_reauth_required" => ApiError::validation_failed(None, "the system rejected these credentials"),
                e => e,
            },
        })
    }

    /// Binds `spec` to its module; an OAuth scheme gets its token source (persisted: a stored
    /// connection, whose refreshed grants are swapped into its credentials).
    async fn bind(&self, module: &ActiveModule, spec: &ConnectionSpec, persisted: Option<Persisted<'_>>) -> Result<ConnectionBinding, ApiError> {
        let info = module.info();
        let scheme = chosen_scheme(&info.auth, &spec.settings).map_err(|m| ApiError::validation_failed(Some(AUTH_SCHEME_SETTING), m))?;
        let cx = SetupContext { store: &self.store, vault: &self.vault, clock: &self.clock, refresh_margin: DEFAULT_REFRESH_MARGIN };
        let setup = oauth_setup(&cx, &info.id, &scheme, &spec.base_url, &spec.credentials, persisted).await?;
        self.runtime.bind_with(&module.module, spec, setup).map_err(|e| ApiError::validation_failed(None, e.to_string()))
    }

    pub async fn mint_token(&self, connection_id: &str, environment: &str, expires_at: Option<String>) -> Result<MintedToken, ApiError> {
        let token = tokens::mint(environment);
        self.store
            .insert_token(&NewToken {
                id: new_id("tok"),
                connection_id: connection_id.to_string(),
                token_hash: token.hash.clone(),
                prefix: token.prefix.clone(),
                environment: environment.to_string(),
                expires_at,
            })
            .await?;
        Ok(token)
    }

    /// The live state of a connection at `config_version`, rebuilt when the version moved.
    pub async fn live(&self, id: &str, config_version: i64) -> Result<Arc<LiveConnection>, ApiError> {
        let cached = || self.live.read().unwrap().get(id).filter(|l| l.config_version >= config_version).cloned();
        if let Some(live) = cached() {
            return Ok(live);
        }
        let _building = self.building.lock().await;
        if let Some(live) = cached() {
            return Ok(live);
        }
        let row = self.store.connection(id).await?.ok_or_else(|| ApiError::unauthorized("unknown connection"))?;
        let module = self.module_of(&row).await?;
        let credentials: BTreeMap<String, String> = {
            let plain = self.vault.open(&row.id, &Sealed { ciphertext: row.credentials.clone(), wrapped_key: row.wrapped_key.clone() })?;
            serde_json::from_slice(&plain).map_err(anyhow::Error::from)?
        };
        let spec = ConnectionSpec {
            connection_id: row.id.clone(),
            base_url: row.base_url.clone(),
            settings: serde_json::from_str(&row.settings_json).map_err(anyhow::Error::from)?,
            credentials,
            approved_hosts: approved_hosts(&row, &module)?,
            private_networks: stored_networks(&row)?,
        };
        let persisted = Persisted { connection_id: &row.id, credentials_version: row.credentials_version };
        let binding = self.bind(&module, &spec, Some(persisted)).await?;
        let mappings = crate::mapping::resolve(&self.store, &module, &row.id, &self.mappers).await?;
        let live = Arc::new(LiveConnection {
            id: row.id.clone(),
            environment: row.environment,
            status: row.status,
            base_url: row.base_url,
            account_id: row.account_id,
            account_name: row.account_name,
            config_version: row.config_version,
            module,
            mappings,
            binding,
        });
        self.live.write().unwrap().insert(row.id, live.clone());
        Ok(live)
    }
}

impl Connections {
    /// The module a connection runs: the version it is pinned to, else its connector's active
    /// version (read now, so an activation is followed on the next rebuild).
    async fn module_of(&self, row: &ConnectionRow) -> Result<Arc<ActiveModule>, ApiError> {
        let digest = match &row.pinned_digest {
            Some(digest) => digest.clone(),
            None => self.store.active_digest(&row.connector_id).await?.ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::CONFLICT,
                    "connection_disabled",
                    format!("connector `{}` has no active version; the operator must activate one", row.connector_id),
                )
            })?,
        };
        self.registry.module(&digest).await
    }
}

/// The hosts besides the base URL a connection may call: those approved for the connection and
/// those approved for its module at activation.
fn approved_hosts(row: &ConnectionRow, module: &ActiveModule) -> Result<Vec<String>, ApiError> {
    let mut hosts: Vec<String> = serde_json::from_str(&row.approved_hosts_json).map_err(anyhow::Error::from)?;
    hosts.extend(module.approved_hosts.iter().cloned());
    hosts.sort();
    hosts.dedup();
    Ok(hosts)
}

/// The private networks a stored connection may reach.
pub(crate) fn stored_networks(row: &ConnectionRow) -> Result<Vec<PrivateTarget>, ApiError> {
    let nets: Vec<String> = serde_json::from_str(&row.private_networks_json).map_err(anyhow::Error::from)?;
    Ok(nets.iter().filter_map(|n| n.parse().ok()).collect())
}

pub(crate) fn validate_base_url(base_url: &str) -> Result<(), ApiError> {
    let url = url::Url::parse(base_url)
        .map_err(|e| ApiError::validation_failed(Some("base_url"), format!("not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ApiError::validation_failed(Some("base_url"), "the base URL must be an http(s) URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(ApiError::validation_failed(Some("base_url"), "the base URL must not carry a query, fragment or user info"));
    }
    Ok(())
}

/// Splits connect-form values into settings and secret credentials, checking names and
/// required fields against the connector's form.
pub(crate) fn split_form(
    info: &crate::runtime::bindings::ConnectorInfo,
    values: &BTreeMap<String, String>,
) -> Result<(BTreeMap<String, String>, BTreeMap<String, String>), ApiError> {
    let mut settings = BTreeMap::new();
    let mut credentials = BTreeMap::new();
    for (name, value) in values {
        if name == AUTH_SCHEME_SETTING {
            chosen_scheme(&info.auth, &BTreeMap::from([(name.clone(), value.clone())]))
                .map_err(|m| ApiError::validation_failed(Some("auth_scheme"), m))?;
            settings.insert(name.clone(), value.clone());
            continue;
        }
        let field = info.form.iter().find(|f| f.name == *name).ok_or_else(|| {
            let known: Vec<&str> = info.form.iter().map(|f| f.name.as_str()).collect();
            ApiError::validation_failed(Some(name), format!("unknown field `{name}`; this connector takes: {}", known.join(", ")))
        })?;
        if field.secret {
            credentials.insert(name.clone(), value.clone());
        } else {
            settings.insert(name.clone(), value.clone());
        }
    }
    for field in info.form.iter().filter(|f| f.required) {
        if values.get(&field.name).is_none_or(|v| v.is_empty()) {
            return Err(ApiError::validation_failed(Some(&field.name), format!("`{}` is required", field.name)));
        }
    }
    Ok((settings, credentials))
}
