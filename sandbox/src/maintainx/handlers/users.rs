//! `GET /users`, `GET /users/{id}`. `role` and `extraFields` are expand-only on the list, as
//! in the spec; `onlyAssignable` leaves out requesters.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use serde_json::{Value, json};

use super::{extra, index_of, list_response, parse_id};
use crate::maintainx::Mx;
use crate::maintainx::data::iso;
use crate::maintainx::data::users::{self, User, Users};
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::Filter;
use crate::maintainx::params::{ListSpec, list_query};
use crate::maintainx::query::RawQuery;

const SPEC: ListSpec = ListSpec {
    sorts: &[],
    dated: false,
    expand: &["role", "extra_fields"],
};

fn base(u: &User) -> Value {
    json!({
        "id": u.id,
        "firstName": u.first_name,
        "lastName": u.last_name,
        "email": u.email,
        "phoneNumber": u.phone_number,
        "authType": "NORMAL",
        "hourlyRate": u.hourly_rate,
        "lastVisitedAt": u.last_visited_at.map(iso),
    })
}

pub async fn list(
    State(mx): State<Mx>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let (q, ex) = list_query(&raw, &SPEC)?;
    let only_assignable = raw.flag("onlyAssignable")?.unwrap_or(false);
    let emails: Vec<String> = raw.all("email").iter().map(|e| e.to_lowercase()).collect();
    let filter = Filter {
        test: Box::new(|u: &User| {
            (!only_assignable || u.role != "REQUESTER")
                && (emails.is_empty() || emails.contains(&u.email.to_lowercase()))
        }),
        check_base: only_assignable || !emails.is_empty(),
    };
    let render = |u: &User| {
        let mut m = base(u);
        if ex.has("role") {
            m["role"] = json!(u.role);
        }
        if ex.has("extra_fields") {
            m["extraFields"] = extra(&u.extra_fields);
        }
        m
    };
    Ok(list_response(
        "users",
        &Users(&mx.ds),
        &BTreeMap::new(),
        &q,
        &filter,
        &raw,
        render,
    ))
}

pub async fn get(State(mx): State<Mx>, Path(id): Path<String>) -> Result<Json<Value>, MxError> {
    let ds = &mx.ds;
    let i = index_of(&Users(ds), parse_id(&id)?).ok_or_else(MxError::not_found)?;
    let u = users::generate(ds, i);
    let mut m = base(&u);
    m["role"] = json!(u.role);
    m["customRole"] = Value::Null;
    m["removedFromOrganization"] = json!(false);
    m["externalData"] = Value::Null;
    m["extraFields"] = extra(&u.extra_fields);
    Ok(Json(json!({ "user": m })))
}
