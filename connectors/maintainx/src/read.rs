//! `list` and `get`.
//!
//! List: `GET {path}?limit=&cursor=&expand=...` plus, for incremental entities with
//! `modified-after`, `updatedAt[gte]=<RFC 3339 UTC>&sort=updatedAt`, plus the translated
//! filters. The vendor cursor is MaintainX's `nextCursor` (`c:<nextCursor>`).
//!
//! Records are normalised before the host maps them (documented enrichment, see
//! [`enrich`]): list records get the single-record fields the list schema only has in expanded
//! form (`assetId`, `assigneeIds`, `teamIds`, `vendorIds`), and values MaintainX has no field
//! for go under `_millwright` (`unitCost` in currency units, `totalAmount`, `currency`,
//! `lineItems`, `isActive`).

use millwright_sdk::http::Response;
use millwright_sdk::paging::TokenCursor;
use millwright_sdk::{
    ConnectionContext, ConnectorError, Entity, ListQuery, Page, SourceRecord, cache, ids, log, time,
};
use serde_json::{Map, Value, json};

use crate::client::{
    ORGANIZATION_SETTING, id_text, json_body, request, send_json, send_ok, unwrap_one,
};
use crate::stream;
use crate::entities::{EntityDef, HYDRATED_PAGE_CAP, MAX_PAGE_SIZE, def};
use millwright_sdk::ContextExt;

/// What one list call sends: query parameters in order (repeated keys for arrays).
#[derive(Debug, Clone, PartialEq)]
pub struct ListPlan {
    pub path: &'static str,
    pub params: Vec<(String, String)>,
    /// `modified-after` to apply client-side (entities without `updatedAt[gte]`), in Unix ms.
    pub local_modified_after: Option<i64>,
    /// A filter matched no MaintainX value (e.g. maintenance requests `status=cancelled`): the
    /// answer is an empty page without a call.
    pub empty: bool,
}

impl ListPlan {
    /// Whether a listed record passes the client-side `modified-after` (if any).
    fn keeps(&self, record: &SourceRecord) -> bool {
        match (self.local_modified_after, record.updated_at.as_deref()) {
            (Some(after), Some(updated)) => {
                !time::parse_rfc3339_ms(updated).is_some_and(|u| u < after)
            }
            _ => true,
        }
    }
}

/// Unified work order status → MaintainX statuses (a filter on `cancelled` includes the
/// `SKIPPED` occurrences of recurring work orders, which read as `cancelled`).
pub fn work_order_statuses(unified: &str) -> Option<&'static [&'static str]> {
    Some(match unified {
        "open" => &["OPEN"],
        "in_progress" => &["IN_PROGRESS"],
        "on_hold" => &["ON_HOLD"],
        "completed" => &["DONE"],
        "cancelled" => &["CANCELED", "SKIPPED"],
        _ => return None,
    })
}

/// Unified maintenance request status → MaintainX `requestStatus` values (none for
/// `cancelled`: MaintainX work requests are rejected, not cancelled).
pub fn request_statuses(unified: &str) -> Option<&'static [&'static str]> {
    Some(match unified {
        "pending" => &["PENDING"],
        "approved" => &["APPROVED"],
        "rejected" => &["REJECTED"],
        "completed" => &["DONE"],
        "cancelled" => &[],
        _ => return None,
    })
}

fn split_values(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn int_ref(field: &str, value: &str) -> Result<String, ConnectorError> {
    ids::parse_int(value).map(|i| i.to_string()).map_err(|_| {
        ConnectorError::invalid_field(
            field,
            format!("`{field}` must be a MaintainX id (an integer), got {value:?}"),
        )
    })
}

/// Builds the list request's parameters from a unified query.
pub fn plan_list(entity: Entity, query: &ListQuery) -> Result<ListPlan, ConnectorError> {
    let d = def(entity);
    let mut params: Vec<(String, String)> = Vec::new();
    let mut limit = query.page_size.clamp(1, MAX_PAGE_SIZE);
    if d.hydrate_unless.is_some() {
        limit = limit.min(HYDRATED_PAGE_CAP);
    }
    params.push(("limit".into(), limit.to_string()));
    if let Some(c) = TokenCursor::decode(query.cursor.as_deref())? {
        params.push(("cursor".into(), c.token));
    }
    for e in d.list_expand {
        params.push(("expand".into(), (*e).into()));
    }

    let mut local_modified_after = None;
    if let Some(after) = query.modified_after.as_deref() {
        let ms = time::parse_rfc3339_ms(after).ok_or_else(|| {
            ConnectorError::invalid_field(
                "modified_after",
                format!("not an RFC 3339 timestamp: {after:?}"),
            )
        })?;
        if d.incremental {
            params.push(("updatedAt[gte]".into(), time::format_rfc3339_ms(ms)));
            params.push(("sort".into(), "updatedAt".into()));
        } else if d.has_updated_at {
            local_modified_after = Some(ms);
        } else {
            return Err(ConnectorError::unsupported(format!(
                "modified_after on {} (MaintainX reports no update time for them)",
                millwright_sdk::connector::entity_name(entity)
            )));
        }
    }

    let mut empty = false;
    for (name, value) in &query.filters {
        let name = name.replace('-', "_");
        if !d.filters.contains(&name.as_str()) {
            return Err(ConnectorError::invalid_field(
                name.clone(),
                format!(
                    "filter `{name}` is not supported for {} (supported: {})",
                    millwright_sdk::connector::entity_name(entity),
                    if d.filters.is_empty() {
                        "none".to_owned()
                    } else {
                        d.filters.join(", ")
                    }
                ),
            ));
        }
        match (entity, name.as_str()) {
            (Entity::WorkOrder | Entity::MaintenanceRequest, "status") => {
                let mut any = false;
                for v in split_values(value) {
                    let mapped = if entity == Entity::WorkOrder {
                        work_order_statuses(v)
                    } else {
                        request_statuses(v)
                    };
                    let mapped = mapped.ok_or_else(|| {
                        ConnectorError::invalid_field("status", format!("unknown status {v:?}"))
                    })?;
                    for m in mapped {
                        params.push(("statuses".into(), (*m).into()));
                        any = true;
                    }
                }
                if !any {
                    empty = true;
                }
            }
            (Entity::WorkOrder | Entity::MaintenanceRequest, "asset_id") => {
                for v in split_values(value) {
                    params.push(("assets".into(), int_ref("asset_id", v)?));
                }
            }
            (Entity::WorkOrder | Entity::MaintenanceRequest, "location_id") => {
                for v in split_values(value) {
                    params.push(("locations".into(), int_ref("location_id", v)?));
                }
            }
            (Entity::Asset, "location_id") => {
                let vals: Vec<&str> = split_values(value).collect();
                if vals.len() != 1 {
                    return Err(ConnectorError::invalid_field(
                        "location_id",
                        "MaintainX filters assets by one location",
                    ));
                }
                params.push(("locationId".into(), int_ref("location_id", vals[0])?));
            }
            _ => unreachable!("filters listed in the entity table are all handled"),
        }
    }
    Ok(ListPlan {
        path: d.path,
        params,
        local_modified_after,
        empty,
    })
}

pub fn list(
    ctx: &ConnectionContext,
    entity: Entity,
    query: &ListQuery,
) -> Result<Page, ConnectorError> {
    let d = def(entity);
    let plan = plan_list(entity, query)?;
    if plan.empty {
        return Ok(Page {
            records: Vec::new(),
            next_cursor: None,
        });
    }
    let mut req = request(ctx, "GET", plan.path);
    for (k, v) in &plan.params {
        req = req.query(k.as_str(), v.as_str());
    }
    let resp = send_ok(req)?;
    if stream::passes_through(entity) {
        return list_passed_through(entity, d, &plan, &resp);
    }
    let body = json_body(&resp)?;
    let items = match body.get(d.list_key) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None if body.is_object() => Vec::new(),
        _ => {
            return Err(ConnectorError::internal(format!(
                "MaintainX list answer without `{}`",
                d.list_key
            )));
        }
    };
    let next_cursor = TokenCursor::next(body.get("nextCursor").and_then(Value::as_str));

    let mut org: Option<Option<crate::check::Organization>> = None;
    let mut records = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(mut obj) = item else {
            continue;
        };
        if let Some(key) = d.hydrate_unless
            && !obj.contains_key(key)
            && let Some(id) = obj.get("id").and_then(id_text)
        {
            match fetch_one(ctx, d, &id) {
                Ok(full) => obj = full,
                // Deleted between the list and the get: keep the summary.
                Err(ConnectorError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if entity == Entity::PurchaseOrder && org.is_none() {
            org = Some(organization_for_enrichment(ctx));
        }
        enrich(entity, &mut obj, org.as_ref().and_then(Option::as_ref));
        let record = to_record(obj)?;
        if !plan.keeps(&record) {
            continue;
        }
        records.push(record);
    }
    Ok(Page {
        records,
        next_cursor,
    })
}

/// [`list`] for entities whose records pass through as text (see [`stream`]).
fn list_passed_through(
    entity: Entity,
    d: &EntityDef,
    plan: &ListPlan,
    resp: &Response,
) -> Result<Page, ConnectorError> {
    let without_list = || {
        ConnectorError::internal(format!("MaintainX list answer without `{}`", d.list_key))
    };
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return Err(without_list());
    }
    let page = match stream::split_page(&resp.body, d.list_key) {
        Ok(Some(page)) => page,
        Ok(None) => return Err(without_list()),
        // Not JSON: the same error as parsing the body whole.
        Err(_) => return Err(resp.json::<Value>().err().unwrap_or_else(without_list)),
    };
    let mut records = Vec::with_capacity(page.items.len());
    for item in page.items {
        let record = stream::record(entity, item)?;
        if plan.keeps(&record) {
            records.push(record);
        }
    }
    Ok(Page {
        records,
        next_cursor: TokenCursor::next(page.next_cursor.as_deref()),
    })
}

fn fetch_one(
    ctx: &ConnectionContext,
    d: &EntityDef,
    id: &str,
) -> Result<Map<String, Value>, ConnectorError> {
    let mut req = request(ctx, "GET", &format!("{}/{}", d.path, id));
    for e in d.get_expand {
        req = req.query("expand", *e);
    }
    unwrap_one(send_json(req)?, d.one_key)
}

pub fn get(
    ctx: &ConnectionContext,
    entity: Entity,
    id: &str,
) -> Result<SourceRecord, ConnectorError> {
    let d = def(entity);
    let n = ids::parse_int(id)?;
    let mut obj = fetch_one(ctx, d, &n.to_string())?;
    let org = if entity == Entity::PurchaseOrder {
        organization_for_enrichment(ctx)
    } else {
        None
    };
    enrich(entity, &mut obj, org.as_ref());
    to_record(obj)
}

/// The organization (for the currency of purchase orders), cached for an hour in the session
/// cache; failures leave `currency` null rather than failing the read.
fn organization_for_enrichment(ctx: &ConnectionContext) -> Option<crate::check::Organization> {
    let key = format!(
        "maintainx:organization:{}",
        ctx.setting(ORGANIZATION_SETTING).unwrap_or("default")
    );
    if let Some(cached) = cache::get(&key) {
        // `null` caches a failed lookup for a while, so reads do not retry it on every call.
        if let Ok(org) = serde_json::from_str::<Option<crate::check::Organization>>(&cached) {
            return org;
        }
    }
    match crate::check::find_organization(ctx) {
        Ok(org) => {
            if let Ok(text) = serde_json::to_string(&org) {
                cache::set(&key, &text, 3600);
            }
            Some(org)
        }
        Err(e) => {
            log::warn(format!(
                "MaintainX organization lookup failed; purchase order currency left empty: {e:?}"
            ));
            cache::set(&key, "null", 600);
            None
        }
    }
}

/// Turns one MaintainX object into a source record: id as text, `updatedAt` as RFC 3339 UTC,
/// `deleted` from `deletedAt`.
pub fn to_record(obj: Map<String, Value>) -> Result<SourceRecord, ConnectorError> {
    let id = obj
        .get("id")
        .and_then(id_text)
        .ok_or_else(|| ConnectorError::internal("MaintainX record without an id"))?;
    let updated_at = obj
        .get("updatedAt")
        .and_then(Value::as_str)
        .and_then(time::normalize_rfc3339);
    let deleted = obj.get("deletedAt").is_some_and(|v| !v.is_null());
    Ok(SourceRecord {
        id: ids::compose(&[id]),
        updated_at,
        deleted,
        data: serde_json::to_string(&Value::Object(obj))?,
    })
}

fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Normalises a record before mapping (see the module docs).
pub fn enrich(
    entity: Entity,
    obj: &mut Map<String, Value>,
    org: Option<&crate::check::Organization>,
) {
    let mut extra = Map::new();
    match entity {
        Entity::WorkOrder => {
            if cfg!(feature = "v2") {
                obj.insert("connectorBuild".into(), Value::from("v2"));
            }
            if !obj.contains_key("assetId")
                && let Some(id) = obj.get("asset").and_then(|a| a.get("id")).cloned()
            {
                obj.insert("assetId".into(), id);
            }
            if !obj.contains_key("locationId")
                && let Some(id) = obj.get("location").and_then(|a| a.get("id")).cloned()
            {
                obj.insert("locationId".into(), id);
            }
            if let Some(Value::Array(assignees)) = obj.get("assignees").cloned() {
                let of_type = |t: &str| -> Vec<Value> {
                    assignees
                        .iter()
                        .filter(|a| a.get("type").and_then(Value::as_str) == Some(t))
                        .filter_map(|a| a.get("id").cloned())
                        .collect()
                };
                if !obj.contains_key("assigneeIds") {
                    obj.insert("assigneeIds".into(), Value::Array(of_type("USER")));
                }
                if !obj.contains_key("teamIds") {
                    obj.insert("teamIds".into(), Value::Array(of_type("TEAM")));
                }
            }
        }
        Entity::Part => {
            if !obj.contains_key("vendorIds")
                && let Some(Value::Array(vendors)) = obj.get("vendors")
            {
                let ids: Vec<Value> = vendors
                    .iter()
                    .filter_map(|v| v.get("vendorId").cloned())
                    .collect();
                obj.insert("vendorIds".into(), Value::Array(ids));
            }
            // `unitCost` is in cents.
            if let Some(cents) = num(obj.get("unitCost")) {
                extra.insert("unitCost".into(), json!(round2(cents / 100.0)));
            }
        }
        Entity::PurchaseOrder => {
            if let Some(Value::Array(items)) = obj.get("items") {
                let mut subtotal_cents = 0.0;
                let mut lines = Vec::new();
                for item in items {
                    let qty = num(item.get("quantityOrdered"));
                    let unit_cents = num(item.get("unitCost"))
                        .or_else(|| num(item.get("unitCostDecimal")).map(|d| d * 100.0));
                    let line_cents = num(item.get("price"))
                        .or_else(|| num(item.get("priceDecimal")).map(|d| d * 100.0))
                        .or_else(|| Some(unit_cents? * qty?));
                    subtotal_cents += line_cents.unwrap_or(0.0);
                    let unit_price =
                        num(item.get("unitCostDecimal")).or(unit_cents.map(|c| c / 100.0));
                    lines.push(json!({
                        "part_id": item.get("partId").and_then(id_text),
                        "description": item.get("name").and_then(Value::as_str)
                            .or_else(|| item.get("partNumber").and_then(Value::as_str)),
                        "quantity": qty,
                        "unit_price": unit_price,
                    }));
                }
                // Costs: AMOUNT_* in cents; PERCENT_TAXABLE a percentage of the taxable base
                // (items plus taxable amounts).
                let costs = obj
                    .get("costs")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut amounts = 0.0;
                let mut taxable = subtotal_cents;
                let mut percent = 0.0;
                for c in &costs {
                    let amount = num(c.get("amount")).unwrap_or(0.0);
                    match c.get("type").and_then(Value::as_str) {
                        Some("AMOUNT_TAXABLE") => {
                            amounts += amount;
                            taxable += amount;
                        }
                        Some("AMOUNT_NON_TAXABLE") => amounts += amount,
                        Some("PERCENT_TAXABLE") => percent += amount,
                        _ => {}
                    }
                }
                let total_cents = subtotal_cents + amounts + taxable * percent / 100.0;
                extra.insert("totalAmount".into(), json!(round2(total_cents / 100.0)));
                extra.insert("lineItems".into(), Value::Array(lines));
            }
            if let Some(currency) = org.and_then(|o| o.currency.clone()) {
                extra.insert("currency".into(), Value::String(currency));
            }
        }
        Entity::User => {
            let removed = obj
                .get("removedFromOrganization")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            extra.insert("isActive".into(), Value::Bool(!removed));
        }
        _ => {}
    }
    if !extra.is_empty() {
        obj.insert("_millwright".into(), Value::Object(extra));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(
        modified_after: Option<&str>,
        cursor: Option<&str>,
        page_size: u32,
        filters: &[(&str, &str)],
    ) -> ListQuery {
        ListQuery {
            modified_after: modified_after.map(str::to_owned),
            cursor: cursor.map(str::to_owned),
            page_size,
            filters: filters
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    fn params(p: &ListPlan) -> Vec<(&str, &str)> {
        p.params
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect()
    }

    #[test]
    fn work_order_incremental_plan() {
        let p = plan_list(
            Entity::WorkOrder,
            &q(
                Some("2024-01-01T01:00:00+01:00"),
                Some("c:abc"),
                500,
                &[
                    ("status", "open,completed"),
                    ("asset-id", "12"),
                    ("location_id", "7"),
                ],
            ),
        )
        .unwrap();
        assert_eq!(p.path, "/workorders");
        assert_eq!(
            params(&p),
            vec![
                ("limit", "200"),
                ("cursor", "abc"),
                ("expand", "assignees"),
                ("expand", "asset"),
                ("expand", "extra_fields"),
                ("updatedAt[gte]", "2024-01-01T00:00:00Z"),
                ("sort", "updatedAt"),
                ("statuses", "OPEN"),
                ("statuses", "DONE"),
                ("assets", "12"),
                ("locations", "7"),
            ]
        );
        assert!(!p.empty);
        assert_eq!(p.local_modified_after, None);
    }

    #[test]
    fn bad_inputs() {
        let e = plan_list(
            Entity::WorkOrder,
            &q(None, None, 10, &[("status", "weird")]),
        )
        .unwrap_err();
        assert!(
            matches!(e, ConnectorError::InvalidRequest(ref i) if i.field.as_deref() == Some("status"))
        );
        let e = plan_list(Entity::WorkOrder, &q(None, None, 10, &[("asset_id", "x")])).unwrap_err();
        assert!(
            matches!(e, ConnectorError::InvalidRequest(ref i) if i.field.as_deref() == Some("asset_id"))
        );
        let e = plan_list(Entity::Part, &q(None, None, 10, &[("status", "x")])).unwrap_err();
        assert!(
            matches!(e, ConnectorError::InvalidRequest(ref i) if i.field.as_deref() == Some("status"))
        );
        let e = plan_list(Entity::WorkOrder, &q(Some("yesterday"), None, 10, &[])).unwrap_err();
        assert!(
            matches!(e, ConnectorError::InvalidRequest(ref i) if i.field.as_deref() == Some("modified_after"))
        );
        let e = plan_list(Entity::WorkOrder, &q(None, Some("o:5"), 10, &[])).unwrap_err();
        assert!(
            matches!(e, ConnectorError::InvalidRequest(ref i) if i.field.as_deref() == Some("cursor"))
        );
        assert_eq!(
            plan_list(
                Entity::Vendor,
                &q(Some("2024-01-01T00:00:00Z"), None, 10, &[])
            )
            .unwrap_err()
            .kind(),
            "unsupported"
        );
    }

    #[test]
    fn non_incremental_and_capped_plans() {
        let p = plan_list(
            Entity::MaintenanceRequest,
            &q(
                Some("2024-01-01T00:00:00Z"),
                None,
                0,
                &[("status", "cancelled")],
            ),
        )
        .unwrap();
        assert!(p.empty);
        assert_eq!(p.local_modified_after, Some(1_704_067_200_000));
        assert_eq!(params(&p)[0], ("limit", "1"));
        assert!(!p.params.iter().any(|(k, _)| k == "updatedAt[gte]"));
        let p = plan_list(Entity::PurchaseOrder, &q(None, None, 200, &[])).unwrap();
        assert_eq!(params(&p), vec![("limit", "50")]);
        let p = plan_list(Entity::Asset, &q(None, None, 20, &[("location_id", "3")])).unwrap();
        assert!(p.params.contains(&("locationId".into(), "3".into())));
        assert!(plan_list(Entity::Asset, &q(None, None, 20, &[("location_id", "3,4")])).is_err());
        let p = plan_list(
            Entity::MaintenanceRequest,
            &q(None, None, 20, &[("status", "completed")]),
        )
        .unwrap();
        assert!(p.params.contains(&("statuses".into(), "DONE".into())));
    }

    #[test]
    fn records() {
        let obj = json!({"id": 7, "updatedAt": "2024-05-01T10:00:00.000+02:00", "deletedAt": null, "title": "x"});
        let r = to_record(obj.as_object().unwrap().clone()).unwrap();
        assert_eq!(r.id, "7");
        assert_eq!(r.updated_at.as_deref(), Some("2024-05-01T08:00:00Z"));
        assert!(!r.deleted);
        let obj = json!({"id": 8, "deletedAt": "2024-05-01T10:00:00Z"});
        assert!(to_record(obj.as_object().unwrap().clone()).unwrap().deleted);
        assert!(to_record(Map::new()).is_err());
    }

    #[test]
    fn enrich_work_order_list_record() {
        let mut obj = json!({"id": 1, "asset": {"id": 5}, "assignees": [{"type": "USER", "id": 3}, {"type": "TEAM", "id": 9}, {"type": "USER", "id": 4}]})
            .as_object().unwrap().clone();
        enrich(Entity::WorkOrder, &mut obj, None);
        assert_eq!(obj["assetId"], 5);
        assert_eq!(obj["assigneeIds"], json!([3, 4]));
        assert_eq!(obj["teamIds"], json!([9]));
        assert!(!obj.contains_key("_millwright"));
        // GET-shaped records are left alone.
        let mut obj = json!({"id": 1, "assetId": null, "assigneeIds": [1]})
            .as_object()
            .unwrap()
            .clone();
        enrich(Entity::WorkOrder, &mut obj, None);
        assert_eq!(obj["assetId"], Value::Null);
        assert_eq!(obj["assigneeIds"], json!([1]));
    }

    #[test]
    fn enrich_part_po_user() {
        let mut part =
            json!({"id": 1, "unitCost": 120, "vendors": [{"vendorId": 4, "partNumber": "X"}]})
                .as_object()
                .unwrap()
                .clone();
        enrich(Entity::Part, &mut part, None);
        assert_eq!(part["_millwright"]["unitCost"], json!(1.2));
        assert_eq!(part["vendorIds"], json!([4]));

        let org = crate::check::Organization {
            id: "1".into(),
            name: "Acme".into(),
            currency: Some("EUR".into()),
        };
        let mut po = json!({
            "id": 1,
            "items": [
                {"id": 1, "partId": 43, "name": "Bolt", "price": 25000, "quantityOrdered": 4, "unitCost": 6250, "unitCostDecimal": "62.500000"},
                {"id": 2, "partId": null, "name": null, "partNumber": "PN-2", "quantityOrdered": 2, "unitCost": 1000}
            ],
            "costs": [
                {"name": "Shipping", "type": "AMOUNT_NON_TAXABLE", "amount": 500},
                {"name": "Tax", "type": "PERCENT_TAXABLE", "amount": 10}
            ]
        }).as_object().unwrap().clone();
        enrich(Entity::PurchaseOrder, &mut po, Some(&org));
        let m = &po["_millwright"];
        // items 25000 + 2000 cents; shipping 500; tax 10% of 27000 = 2700 → 302.00
        assert_eq!(m["totalAmount"], json!(302.0));
        assert_eq!(m["currency"], "EUR");
        assert_eq!(
            m["lineItems"][0],
            json!({"part_id": "43", "description": "Bolt", "quantity": 4.0, "unit_price": 62.5})
        );
        assert_eq!(
            m["lineItems"][1],
            json!({"part_id": null, "description": "PN-2", "quantity": 2.0, "unit_price": 10.0})
        );

        let mut user = json!({"id": 1, "removedFromOrganization": true})
            .as_object()
            .unwrap()
            .clone();
        enrich(Entity::User, &mut user, None);
        assert_eq!(user["_millwright"]["isActive"], false);
        let mut user = json!({"id": 1}).as_object().unwrap().clone();
        enrich(Entity::User, &mut user, None);
        assert_eq!(user["_millwright"]["isActive"], true);
    }
}
