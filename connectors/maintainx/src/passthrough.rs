//! `passthrough`: a raw call relative to the base URL; the answer is returned as-is.

use millwright_sdk::http::Request;
use millwright_sdk::{
    ConnectionContext, ConnectorError, ContextExt, HttpRequest, HttpResponse, url,
};

use crate::client::ORGANIZATION_SETTING;

/// Builds the outgoing request: `base-url + path`, the query and headers as given, the body,
/// and `x-organization-id` when the connection has one and the caller did not set it.
pub fn build(ctx: &ConnectionContext, req: &HttpRequest) -> Result<Request, ConnectorError> {
    let path = req.path.trim();
    if path.contains("://") || path.starts_with("//") || path.contains('#') {
        return Err(ConnectorError::invalid_field(
            "path",
            "the path must be relative to the connection's base URL",
        ));
    }
    if path.split(['/', '?']).any(|seg| seg == "..") {
        return Err(ConnectorError::invalid_field(
            "path",
            "the path must not contain `..` segments",
        ));
    }
    let mut out = Request::new(req.method.trim(), url(ctx, path));
    for (k, v) in &req.query {
        out = out.query(k.as_str(), v.as_str());
    }
    for (k, v) in &req.headers {
        out = out.header(k.as_str(), v.as_str());
    }
    if let Some(org) = ctx.setting(ORGANIZATION_SETTING) {
        out = out.header_if_absent("x-organization-id", org);
    }
    if let Some(body) = &req.body {
        out = out.body(body.clone());
    }
    Ok(out)
}

pub fn passthrough(
    ctx: &ConnectionContext,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let resp = build(ctx, &req)?.send()?;
    Ok(HttpResponse {
        status: resp.status,
        headers: resp.headers,
        body: resp.body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_relative_requests() {
        let ctx = millwright_sdk::ctx::context(
            "https://api.getmaintainx.com/v1",
            &[("organization_id", "5")],
        );
        let r = build(
            &ctx,
            &HttpRequest {
                method: "post".into(),
                path: "/workorders/1/comments".into(),
                query: vec![("skipWebhook".into(), "true".into())],
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("Host".into(), "x".into()),
                ],
                body: Some(b"{}".to_vec()),
            },
        )
        .unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.full_url(),
            "https://api.getmaintainx.com/v1/workorders/1/comments?skipWebhook=true"
        );
        assert_eq!(
            r.headers,
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                ("x-organization-id".to_string(), "5".to_string())
            ]
        );
        assert_eq!(r.body.as_deref(), Some(&b"{}"[..]));
        for bad in [
            "https://evil.com/x",
            "//evil.com/x",
            "/../admin",
            "/a/../../b",
        ] {
            let req = HttpRequest {
                method: "GET".into(),
                path: bad.into(),
                query: vec![],
                headers: vec![],
                body: None,
            };
            assert_eq!(
                build(&ctx, &req).unwrap_err().kind(),
                "invalid_request",
                "{bad}"
            );
        }
    }
}
