//! What the connector knows about each MaintainX resource: paths, response keys, the spec's
//! filters and expansions, and the default mapping rules.

use millwright_sdk::{Entity, Operations};

/// One unified entity backed by one MaintainX resource.
#[derive(Debug, Clone, Copy)]
pub struct EntityDef {
    pub entity: Entity,
    /// Collection path, relative to the base URL (`/workorders`).
    pub path: &'static str,
    /// The array's key in a list response (`workOrders`).
    pub list_key: &'static str,
    /// The object's key in a single-record response (`workOrder`).
    pub one_key: &'static str,
    /// The list endpoint takes `updatedAt[gte]` and `sort=updatedAt`.
    pub incremental: bool,
    /// Records carry `updatedAt` (so a non-incremental list can still filter a page by it).
    pub has_updated_at: bool,
    /// Unified filters accepted on `list`.
    pub filters: &'static [&'static str],
    /// `expand` values sent on list (so list records carry what the rules read).
    pub list_expand: &'static [&'static str],
    /// `expand` values sent on get.
    pub get_expand: &'static [&'static str],
    /// When list records lack this key (the spec's list schema is a summary), each record is
    /// fetched with a GET, and list pages are capped at [`HYDRATED_PAGE_CAP`].
    pub hydrate_unless: Option<&'static str>,
    pub operations: Operations,
    /// Default mapping rules (JSON) in the host's rule language.
    pub rules: &'static str,
}

/// Page size cap for entities whose list records are fetched one by one.
pub const HYDRATED_PAGE_CAP: u32 = 50;

/// MaintainX's `limit` maximum.
pub const MAX_PAGE_SIZE: u32 = 200;

const READ: Operations = Operations::LIST.union(Operations::GET);

pub const ENTITIES: &[EntityDef] = &[
    EntityDef {
        entity: Entity::WorkOrder,
        path: "/workorders",
        list_key: "workOrders",
        one_key: "workOrder",
        incremental: true,
        has_updated_at: true,
        filters: &["status", "asset_id", "location_id"],
        list_expand: &["assignees", "asset", "extra_fields"],
        get_expand: &["extra_fields"],
        hydrate_unless: None,
        operations: READ.union(Operations::CREATE).union(Operations::UPDATE),
        rules: include_str!("../rules/work_order.json"),
    },
    EntityDef {
        entity: Entity::MaintenanceRequest,
        path: "/workrequests",
        list_key: "workRequests",
        one_key: "workRequest",
        incremental: false,
        has_updated_at: true,
        filters: &["status", "asset_id", "location_id"],
        list_expand: &["extra_fields"],
        get_expand: &["extra_fields"],
        hydrate_unless: None,
        operations: READ.union(Operations::CREATE),
        rules: include_str!("../rules/maintenance_request.json"),
    },
    EntityDef {
        entity: Entity::Asset,
        path: "/assets",
        list_key: "assets",
        one_key: "asset",
        incremental: true,
        has_updated_at: true,
        filters: &["location_id"],
        list_expand: &[
            "extra_fields",
            "barcode",
            "asset_types",
            "status",
            "manufacturer",
            "model",
            "vendor_ids",
        ],
        get_expand: &[],
        hydrate_unless: None,
        operations: READ,
        rules: include_str!("../rules/asset.json"),
    },
    EntityDef {
        entity: Entity::Location,
        path: "/locations",
        list_key: "locations",
        one_key: "location",
        incremental: false,
        has_updated_at: true,
        filters: &[],
        list_expand: &["extra_fields", "barcode"],
        get_expand: &[],
        hydrate_unless: None,
        operations: READ,
        rules: include_str!("../rules/location.json"),
    },
    EntityDef {
        entity: Entity::Part,
        path: "/parts",
        list_key: "parts",
        one_key: "part",
        incremental: true,
        has_updated_at: true,
        filters: &[],
        list_expand: &["extra_fields", "vendors"],
        get_expand: &[],
        hydrate_unless: None,
        operations: READ,
        rules: include_str!("../rules/part.json"),
    },
    EntityDef {
        entity: Entity::Vendor,
        path: "/vendors",
        list_key: "vendors",
        one_key: "vendor",
        incremental: false,
        has_updated_at: false,
        filters: &[],
        list_expand: &["extra_fields"],
        get_expand: &[],
        hydrate_unless: Some("emails"),
        operations: READ,
        rules: include_str!("../rules/vendor.json"),
    },
    EntityDef {
        entity: Entity::User,
        path: "/users",
        list_key: "users",
        one_key: "user",
        incremental: false,
        has_updated_at: false,
        filters: &[],
        list_expand: &["role", "extra_fields"],
        get_expand: &[],
        hydrate_unless: None,
        operations: READ,
        rules: include_str!("../rules/user.json"),
    },
    EntityDef {
        entity: Entity::PurchaseOrder,
        path: "/purchaseorders",
        list_key: "purchaseOrders",
        one_key: "purchaseOrder",
        incremental: true,
        has_updated_at: true,
        filters: &[],
        list_expand: &[],
        get_expand: &[],
        hydrate_unless: Some("items"),
        operations: READ,
        rules: include_str!("../rules/purchase_order.json"),
    },
];

pub fn def(entity: Entity) -> &'static EntityDef {
    ENTITIES
        .iter()
        .find(|d| d.entity == entity)
        .expect("every entity has a definition")
}
