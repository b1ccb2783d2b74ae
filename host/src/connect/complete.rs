//! Completing a link session once its connection is checked (from the form's POST or the OAuth
//! callback): the session completed with a one-time code (a compare-and-swap on
//! `status = 'pending'`; for a reconnect the credentials swapped in the same transaction), the
//! change audited, and the browser sent with `303 See Other` to the session's own redirect URI
//! with the code (and the operator's `state`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::pages::{PageResult, internal_error};
use super::{CODE_TTL_SECONDS, html, secret};
use crate::app::AppState;
use crate::store::{CompleteOutcome, ConnectionRow, LinkCompletion, LinkSessionRow, ReplaceCredentials};

pub enum Finished {
    Redirect(Response),
    /// The session stopped being pending meanwhile (another submission, or expiry).
    SessionGone,
    /// A reconnect lost the credentials' compare-and-swap.
    CredentialsChanged,
}

fn code_expiry(app: &AppState) -> String {
    crate::clock::rfc3339(app.clock.now() + chrono::Duration::seconds(CODE_TTL_SECONDS))
}

/// A new connection was stored: the token `create` minted is never shown (the code exchange
/// mints the one the operator receives); a connection that belongs to no session goes.
pub async fn new_connection(app: &AppState, session: &LinkSessionRow, row: &ConnectionRow) -> PageResult<Finished> {
    app.store.revoke_connection_tokens(&row.id).await.map_err(internal_error)?;
    let code = secret::generate(secret::CODE_PREFIX);
    let completion = LinkCompletion {
        session_id: &session.id,
        connection_id: &row.id,
        mint_token: true,
        code_hash: &secret::hash(&code),
        code_expires_at: &code_expiry(app),
        replace: None,
    };
    if app.store.complete_link_session(&completion).await.map_err(internal_error)? != CompleteOutcome::Completed {
        app.store.disconnect_connection(&row.id).await.map_err(internal_error)?;
        app.runtime.forget_connection(&row.id);
        return Ok(Finished::SessionGone);
    }
    let details = json!({"connector_id": row.connector_id, "end_customer_id": session.end_customer_id});
    app.store.audit(&actor(session), "connection.create", Some(&row.id), &details).await.map_err(internal_error)?;
    Ok(Finished::Redirect(redirect(session, &code)))
}

/// A reconnect's credentials were checked: swap them in while completing the session.
pub async fn reconnect(app: &AppState, session: &LinkSessionRow, existing: &ConnectionRow, replace: &ReplaceCredentials) -> PageResult<Finished> {
    let code = secret::generate(secret::CODE_PREFIX);
    let completion = LinkCompletion {
        session_id: &session.id,
        connection_id: &existing.id,
        mint_token: session.rotate_tokens,
        code_hash: &secret::hash(&code),
        code_expires_at: &code_expiry(app),
        replace: Some(replace),
    };
    match app.store.complete_link_session(&completion).await.map_err(internal_error)? {
        CompleteOutcome::Completed => {}
        CompleteOutcome::SessionGone => return Ok(Finished::SessionGone),
        CompleteOutcome::CredentialsChanged => return Ok(Finished::CredentialsChanged),
    }
    app.runtime.forget_connection(&existing.id);
    let details = json!({"connector_id": existing.connector_id, "end_customer_id": session.end_customer_id, "rotate_tokens": session.rotate_tokens});
    app.store.audit(&actor(session), "connection.reconnect", Some(&existing.id), &details).await.map_err(internal_error)?;
    Ok(Finished::Redirect(redirect(session, &code)))
}

fn actor(session: &LinkSessionRow) -> String {
    format!("link_session:{}", session.id)
}

/// `303 See Other` to the session's redirect URI (never anything the form says) with the code
/// and the operator's `state`. No log line: the request span carries the path, which may hold
/// the session secret; the audit log records the completion.
fn redirect(session: &LinkSessionRow, code: &str) -> Response {
    let Ok(mut url) = url::Url::parse(&session.redirect_uri) else {
        return internal_error("stored redirect URI does not parse");
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("code", code);
        if let Some(state) = &session.state {
            query.append_pair("state", state);
        }
    }
    see_other(url.as_str())
}

/// `303 See Other` to `location`, with the flow's secure headers.
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(location) {
        Ok(location) => {
            response.headers_mut().insert(header::LOCATION, location);
        }
        Err(_) => return internal_error("redirect URL is not a valid header value"),
    }
    html::secure_headers(response.headers_mut());
    response
}
