//! `GET /organizations`: the organizations the key can see (one for a single-organization key,
//! one per configured id for a multi-organization key), by id, with `cursor`/`limit` paging
//! like every other list (the cursor is the usual keyset one, on `id`).

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::maintainx::Mx;
use crate::maintainx::auth::organizations;
use crate::maintainx::cursor;
use crate::maintainx::data::organizations::Organization;
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::Key;
use crate::maintainx::params::{ListSpec, list_query};
use crate::maintainx::query::RawQuery;

const SPEC: ListSpec = ListSpec {
    sorts: &[],
    dated: false,
    expand: &[],
};

fn render(o: &Organization) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "timeZone": o.time_zone,
        "imageUrl": null,
        "currency": o.currency,
        "dateFormatLocale": o.date_format_locale,
    })
}

/// The cursor key of an organization (ids are unique, so the id alone orders them).
fn key(o: &Organization) -> Key {
    Key {
        null: false,
        value: o.id,
        id: 0,
    }
}

pub async fn list(
    State(mx): State<Mx>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let (q, _) = list_query(&raw, &SPEC)?;
    let after = q.after.map(|k| k.value);
    let mut rest = organizations(&mx, &headers)
        .into_iter()
        .filter(|o| after.is_none_or(|a| o.id > a));
    let page: Vec<Organization> = rest.by_ref().take(q.limit).collect();
    let more = rest.next().is_some();
    let next_cursor = page
        .last()
        .filter(|_| more)
        .map(|o| cursor::encode(q.sort, key(o)));
    let next_url = next_cursor.as_ref().map(|c| raw.next_page_url(c));
    let orgs: Vec<Value> = page.iter().map(render).collect();
    Ok(Json(
        json!({ "organizations": orgs, "nextCursor": next_cursor, "nextPageUrl": next_url }),
    ))
}
