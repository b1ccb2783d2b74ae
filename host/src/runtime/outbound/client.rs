//! The upstream HTTP client: hyper with a connector that resolves names itself and refuses
//! addresses the connection's egress policy does not allow.
//!
//! Lifecycle: one client per connection (its pool never holds a socket opened under another
//! connection's policy), created on first use and kept by the runtime's outbound cache.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::egress::{EgressPolicy, ResolveError};

pub type UpstreamClient = Client<PolicyConnector, Full<Bytes>>;

pub fn build_client(policy: EgressPolicy, connect_timeout: Duration) -> UpstreamClient {
    build_client_with_idle(policy, connect_timeout, 16)
}

/// [`build_client`] keeping up to `max_idle_per_host` idle connections per host (a client that
/// sends in bursts keeps one per request in flight, so the next burst reconnects nothing).
pub fn build_client_with_idle(policy: EgressPolicy, connect_timeout: Duration, max_idle_per_host: usize) -> UpstreamClient {
    let connector = PolicyConnector::new(policy, connect_timeout);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(max_idle_per_host)
        .build(connector)
}

/// Connects only to addresses the policy allows; TLS (webpki roots, ring) for https.
#[derive(Clone, Debug)]
pub struct PolicyConnector {
    policy: Arc<EgressPolicy>,
    connect_timeout: Duration,
}

/// The connector's own failure; found again by walking the client error's sources.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error("connect timed out")]
    Timeout,
    #[error("connect failed: {0}")]
    Io(#[from] io::Error),
}

impl PolicyConnector {
    pub fn new(policy: EgressPolicy, connect_timeout: Duration) -> PolicyConnector {
        PolicyConnector { policy: Arc::new(policy), connect_timeout }
    }
}

impl tower::Service<http::Uri> for PolicyConnector {
    type Response = TokioIo<UpstreamStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let policy = self.policy.clone();
        let timeout = self.connect_timeout;
        Box::pin(async move {
            let https = uri.scheme_str() == Some("https");
            let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_string();
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            let addrs = policy.resolve(&host, port).await?;
            let tcp = tokio::time::timeout(timeout, TcpStream::connect(&addrs[..]))
                .await
                .map_err(|_| ConnectError::Timeout)??;
            tcp.set_nodelay(true)?;
            if !https {
                return Ok(TokioIo::new(UpstreamStream::Plain(tcp)));
            }
            let name = rustls::pki_types::ServerName::try_from(host)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let tls = tokio::time::timeout(timeout, tls_connector().connect(name, tcp))
                .await
                .map_err(|_| ConnectError::Timeout)??;
            Ok(TokioIo::new(UpstreamStream::Tls(Box::new(tls))))
        })
    }
}

fn tls_connector() -> TlsConnector {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    });
    TlsConnector::from(config.clone())
}

pub enum UpstreamStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connection for UpstreamStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for UpstreamStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpstreamStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            UpstreamStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for UpstreamStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            UpstreamStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            UpstreamStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpstreamStream::Plain(s) => Pin::new(s).poll_flush(cx),
            UpstreamStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpstreamStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            UpstreamStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Finds the egress denial inside a client error, if that is what it was.
pub fn egress_denial(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(ConnectError::Resolve(ResolveError::Denied(d))) = e.downcast_ref::<ConnectError>() {
            return Some(d.0.clone());
        }
        current = e.source();
    }
    None
}
