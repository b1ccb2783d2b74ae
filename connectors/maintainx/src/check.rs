//! `check`: `GET /organizations` (authenticated, cheap) names the account.
//!
//! The account id is the MaintainX organization id: the one in the `organization_id` setting
//! for multi-organization keys, else the key's (first) organization.

use millwright_sdk::{AccountInfo, ConnectionContext, ConnectorError, ContextExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{ORGANIZATION_SETTING, id_text, request, send_json};

/// Pages of organizations to scan for the configured id before giving up.
const MAX_PAGES: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub currency: Option<String>,
}

fn parse_org(v: &Value) -> Option<Organization> {
    Some(Organization {
        id: v.get("id").and_then(id_text)?,
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        currency: v
            .get("currency")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    })
}

/// Picks the organization from pages of `GET /organizations`.
pub fn find_organization(ctx: &ConnectionContext) -> Result<Organization, ConnectorError> {
    let wanted = ctx.setting(ORGANIZATION_SETTING);
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let req = request(ctx, "GET", "/organizations")
            .query("limit", "200")
            .query_opt("cursor", cursor.clone());
        let body = send_json(req)?;
        let orgs: Vec<Organization> = body
            .get("organizations")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(parse_org).collect())
            .unwrap_or_default();
        match wanted {
            None => {
                return orgs.into_iter().next().ok_or_else(|| {
                    ConnectorError::Forbidden("the MaintainX API key has no organization".into())
                });
            }
            Some(w) => {
                if let Some(org) = orgs.into_iter().find(|o| o.id == w) {
                    return Ok(org);
                }
            }
        }
        cursor = body
            .get("nextCursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    Err(ConnectorError::invalid_field(
        ORGANIZATION_SETTING,
        format!(
            "the API key has no access to MaintainX organization {}",
            wanted.unwrap_or_default()
        ),
    ))
}

pub fn check(ctx: &ConnectionContext) -> Result<AccountInfo, ConnectorError> {
    if let Some(org) = ctx.setting(ORGANIZATION_SETTING)
        && org.parse::<u64>().is_err()
    {
        return Err(ConnectorError::invalid_field(
            ORGANIZATION_SETTING,
            format!("the MaintainX organization id is a number, not {org:?}"),
        ));
    }
    let org = find_organization(ctx)?;
    let display_name = if org.name.is_empty() {
        format!("MaintainX organization {}", org.id)
    } else {
        org.name
    };
    Ok(AccountInfo {
        account_id: org.id,
        display_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn organization_id_must_be_numeric() {
        let ctx =
            millwright_sdk::ctx::context("http://127.0.0.1:9/v1", &[("organization_id", "acme")]);
        match check(&ctx).unwrap_err() {
            ConnectorError::InvalidRequest(i) => {
                assert_eq!(i.field.as_deref(), Some("organization_id"))
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn parses_organizations() {
        let org =
            parse_org(&json!({"id": 42, "name": "Acme", "currency": "USD", "timeZone": "Etc/UTC"}))
                .unwrap();
        assert_eq!(
            org,
            Organization {
                id: "42".into(),
                name: "Acme".into(),
                currency: Some("USD".into())
            }
        );
        assert_eq!(parse_org(&json!({"name": "x"})), None);
    }
}
