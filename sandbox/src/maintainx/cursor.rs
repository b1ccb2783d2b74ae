//! Opaque list cursors: the sort key of the last record of a page, bound to the sort order.
//!
//! A cursor is base64url (`mx1|<field>|<asc|desc>|<null>|<value>|<id>`). Anything that does not
//! decode, or that was issued for another sort order, is a 400 like MaintainX's invalid
//! cursor. Keyset cursors (not offsets) keep paging stable while records are written.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::errors::MxError;
use super::listing::{Key, Sort, SortField};

fn field_name(f: SortField) -> &'static str {
    match f {
        SortField::Id => "id",
        SortField::CreatedAt => "createdAt",
        SortField::UpdatedAt => "updatedAt",
        SortField::DueDate => "dueDate",
        SortField::StartDate => "startedAt",
        SortField::CompletedAt => "completedAt",
    }
}

pub fn encode(sort: Sort, key: Key) -> String {
    let dir = if sort.desc { "desc" } else { "asc" };
    let text = format!(
        "mx1|{}|{dir}|{}|{}|{}",
        field_name(sort.field),
        u8::from(key.null),
        key.value,
        key.id
    );
    URL_SAFE_NO_PAD.encode(text)
}

pub fn decode(cursor: &str, sort: Sort) -> Result<Key, MxError> {
    let invalid = || MxError::bad_query(format!("Invalid cursor: {cursor}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let parts: Vec<&str> = text.split('|').collect();
    let dir = if sort.desc { "desc" } else { "asc" };
    match parts.as_slice() {
        ["mx1", field, d, null, value, id] if *field == field_name(sort.field) && *d == dir => {
            let null = match *null {
                "0" => false,
                "1" => true,
                _ => return Err(invalid()),
            };
            Ok(Key {
                null,
                value: value.parse().map_err(|_| invalid())?,
                id: id.parse().map_err(|_| invalid())?,
            })
        }
        _ => Err(invalid()),
    }
}
