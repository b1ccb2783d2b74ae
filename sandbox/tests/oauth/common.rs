//! Test harness: a sandbox on 127.0.0.1:0 and a client that talks to its authorization server
//! (redirects are not followed: the tests read `Location` themselves).

use millwright_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

pub const CLIENT: &str = "mx-client";
pub const SECRET: &str = "mx-client-secret";
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

pub struct As {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 6749 §5.2 error with this code (and its status) and no token.
    pub fn assert_error(&self, code: &str) {
        let status = if code == "invalid_client" { 401 } else { 400 };
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.body["error"], code, "{}", self.text);
        assert!(self.body["error_description"].is_string(), "{}", self.text);
        assert!(self.body.get("access_token").is_none());
    }
}

pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

pub fn config() -> SandboxConfig {
    SandboxConfig {
        work_orders: 50,
        ..SandboxConfig::default()
    }
}

impl As {
    pub async fn start(config: SandboxConfig) -> As {
        let sandbox = Sandbox::bind("127.0.0.1:0", config)
            .await
            .expect("sandbox starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        As { sandbox, http }
    }

    pub async fn default() -> As {
        As::start(config()).await
    }

    /// `POST /oauth/token` with a form and no Authorization header.
    pub async fn token(&self, form: &[(&str, &str)]) -> Reply {
        let req = self.http.post(self.sandbox.oauth_token_url()).form(form);
        reply(req.send().await.expect("token request sent")).await
    }

    /// `POST /oauth/token` authenticated with HTTP Basic.
    pub async fn token_basic(&self, id: &str, secret: &str, form: &[(&str, &str)]) -> Reply {
        let req = self
            .http
            .post(self.sandbox.oauth_token_url())
            .basic_auth(id, Some(secret))
            .form(form);
        reply(req.send().await.expect("token request sent")).await
    }

    /// A client-credentials token of the default client (must succeed).
    pub async fn client_credentials(&self) -> Value {
        let r = self
            .token_basic(CLIENT, SECRET, &[("grant_type", "client_credentials")])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    /// `GET /oauth/authorize` with these parameters.
    pub async fn authorize(&self, params: &[(&str, &str)]) -> Reply {
        let req = self
            .http
            .get(self.sandbox.oauth_authorize_url())
            .query(params);
        reply(req.send().await.expect("authorize request sent")).await
    }

    /// An auto-approved authorization: the parameters of the redirect it answers with.
    pub async fn approve(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("state", "st-123"),
            ("auto_approve", "1"),
        ];
        params.extend_from_slice(extra);
        let r = self.authorize(&params).await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
        location_params(&r)
    }

    /// A fresh authorization code for the default client and [`REDIRECT`].
    pub async fn code(&self) -> String {
        let params = self.approve(&[]).await;
        param(&params, "code")
            .expect("code in the redirect")
            .to_string()
    }

    /// Exchanges a code (default client, Basic auth, [`REDIRECT`]).
    pub async fn exchange(&self, code: &str) -> Reply {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ];
        self.token_basic(CLIENT, SECRET, &form).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.token_basic(CLIENT, SECRET, &form).await
    }

    /// A MaintainX call with `token` as the bearer credential.
    pub async fn maintainx(&self, token: &str) -> Reply {
        let url = format!("{}/workorders?limit=1", self.sandbox.maintainx_base_url());
        reply(self.http.get(url).bearer_auth(token).send().await.unwrap()).await
    }

    pub async fn stats(&self) -> Value {
        let url = format!("http://{}/_sandbox/oauth/stats", self.sandbox.addr());
        reply(self.http.get(url).send().await.unwrap()).await.body
    }
}

/// The query parameters of a redirect's `Location`.
pub fn location_params(r: &Reply) -> Vec<(String, String)> {
    let location = r.header("location").expect("Location header");
    let url = Url::parse(location).expect("absolute Location");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
