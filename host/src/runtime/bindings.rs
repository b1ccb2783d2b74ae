//! Host bindings of the `millwright:connector@0.1.0` WIT package.
//!
//! One `bindgen!` per supported API version (Zed's `extension_host` habit): a breaking WIT change
//! gets a new major and a sibling module, and the registry picks the bindings by the version a
//! component was built against.

pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "connector",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "wasi": wasmtime_wasi::p2::bindings,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        },
    });

    /// The mapper world shares the `types` interface with the connector world.
    pub mod mapper {
        wasmtime::component::bindgen!({
            path: "../wit",
            world: "mapper",
            imports: { default: async | trappable },
            exports: { default: async },
            with: {
                "millwright:connector/types": super::millwright::connector::types,
                "millwright:connector/log": super::millwright::connector::log,
            },
        });
    }
}

pub use v0_1::millwright::connector::types::*;
pub use v0_1::Connector as ConnectorBindings;
pub use v0_1::ConnectorPre;

/// The WIT package version this host implements (semver-compatible `0.1.x` components load).
pub const WIT_VERSION: &str = "0.1.0";

impl From<millwright_model::Entity> for Entity {
    fn from(e: millwright_model::Entity) -> Self {
        use millwright_model::Entity as M;
        match e {
            M::WorkOrder => Entity::WorkOrder,
            M::Asset => Entity::Asset,
            M::Location => Entity::Location,
            M::Part => Entity::Part,
            M::PurchaseOrder => Entity::PurchaseOrder,
            M::Vendor => Entity::Vendor,
            M::User => Entity::User,
            M::MaintenanceRequest => Entity::MaintenanceRequest,
        }
    }
}

impl From<Entity> for millwright_model::Entity {
    fn from(e: Entity) -> Self {
        use millwright_model::Entity as M;
        match e {
            Entity::WorkOrder => M::WorkOrder,
            Entity::Asset => M::Asset,
            Entity::Location => M::Location,
            Entity::Part => M::Part,
            Entity::PurchaseOrder => M::PurchaseOrder,
            Entity::Vendor => M::Vendor,
            Entity::User => M::User,
            Entity::MaintenanceRequest => M::MaintenanceRequest,
        }
    }
}

/// The names of the operations in a flags value, in the WIT's order.
pub fn operation_names(ops: Operations) -> Vec<&'static str> {
    [(Operations::LIST, "list"), (Operations::GET, "get"), (Operations::CREATE, "create"), (Operations::UPDATE, "update")]
        .into_iter()
        .filter(|(flag, _)| ops.contains(*flag))
        .map(|(_, name)| name)
        .collect()
}

/// The kind of an auth scheme as the admin API names it (`bearer`, `oauth2_client_credentials`, ...).
pub fn auth_kind(scheme: &AuthScheme) -> &'static str {
    match scheme {
        AuthScheme::None => "none",
        AuthScheme::Bearer(_) => "bearer",
        AuthScheme::Basic(_) => "basic",
        AuthScheme::ApiKeyHeader(_) => "api_key_header",
        AuthScheme::ApiKeyQuery(_) => "api_key_query",
        AuthScheme::Oauth2ClientCredentials(_) => "oauth2_client_credentials",
        AuthScheme::Oauth2AuthorizationCode(_) => "oauth2_authorization_code",
        AuthScheme::JwtBearer(_) => "jwt_bearer",
        AuthScheme::ConnectorManaged => "connector_managed",
    }
}
