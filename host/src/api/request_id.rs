//! Request ids: every response carries `x-request-id`, and problem bodies repeat it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, when called inside one.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

pub async fn layer(request: Request, next: Next) -> Response {
    let id = format!("req_{}", uuid::Uuid::now_v7().simple());
    // The route template, never the raw path: paths carry record ids and connect-page secrets.
    let route = request.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), route = %route, connection_id = tracing::field::Empty, connector = tracing::field::Empty);
    let mut response = REQUEST_ID.scope(id.clone(), tracing::Instrument::instrument(next.run(request), span)).await;
    response.headers_mut().insert("x-request-id", HeaderValue::from_str(&id).expect("ids are ASCII"));
    response
}
