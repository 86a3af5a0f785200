//! The real Myna Portal adapter: HTTPS with mutual TLS (guideline ※7: our client certificate,
//! and only the portal's own CA trusted), each request signed as the callbacks are
//! (`X-Myna-Timestamp`, `X-Myna-Signature`). The simulator speaks the same protocol, so the
//! demo and the tests run this very code.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::portal::{MynaPortal, PortalError, PortalRequest, REQUEST_PATH, WireRequest};
use super::signature;
use crate::clock::SharedClock;
use crate::secrets::Secret;

/// Where the portal is and how we prove who we are.
#[derive(Clone, Debug)]
pub struct PortalConfig {
    /// Base URL, `https://…` in production.
    pub url: String,
    /// Our service ID at the portal.
    pub service_id: String,
    /// PEM files: our client certificate and its PKCS#8 key (both or neither).
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// PEM file of the CA that signs the portal's server certificate; when set, it is the only
    /// root trusted.
    pub ca: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}: cannot be read")]
    Unreadable(&'static str),
    #[error("{0}: not a usable PEM certificate or key")]
    BadPem(&'static str),
    #[error("the HTTP client could not be built")]
    Client,
}

pub struct HttpPortal {
    client: reqwest::Client,
    endpoint: String,
    service_id: String,
    secret: Secret<String>,
    clock: SharedClock,
}

fn read(path: &std::path::Path, what: &'static str) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|_| ConfigError::Unreadable(what))
}

impl HttpPortal {
    /// Builds the client once (it keeps its connections); `secret` signs each request.
    pub fn new(config: &PortalConfig, secret: Secret<String>, clock: SharedClock) -> Result<Self, ConfigError> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_native()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(ca) = &config.ca {
            let pem = read(ca, "MYNA_PORTAL_CA")?;
            let ca = reqwest::Certificate::from_pem(&pem).map_err(|_| ConfigError::BadPem("MYNA_PORTAL_CA"))?;
            builder = builder.tls_certs_only([ca]);
        }
        if let (Some(cert), Some(key)) = (&config.client_cert, &config.client_key) {
            let cert = read(cert, "MYNA_CLIENT_CERT")?;
            let key = read(key, "MYNA_CLIENT_KEY")?;
            let identity =
                reqwest::Identity::from_pkcs8_pem(&cert, &key).map_err(|_| ConfigError::BadPem("MYNA_CLIENT_KEY"))?;
            builder = builder.identity(identity);
        }
        let client = builder.build().map_err(|_| ConfigError::Client)?;
        Ok(HttpPortal {
            client,
            endpoint: format!("{}{REQUEST_PATH}", config.url.trim_end_matches('/')),
            service_id: config.service_id.clone(),
            secret,
            clock,
        })
    }

    async fn post(&self, request: &PortalRequest) -> Result<(), PortalError> {
        let body = serde_json::to_vec(&WireRequest::new(request, &self.service_id))
            .map_err(|_| PortalError::Transport("request body".into()))?;
        let timestamp = self.clock.now().unix_timestamp();
        let response = self
            .client
            .post(&self.endpoint)
            .header("Content-Type", "application/json")
            .header("X-Myna-Timestamp", timestamp.to_string())
            .header("X-Myna-Signature", signature::sign(self.secret.expose(), timestamp, &body))
            .body(body)
            .send()
            .await
            // The error names the address and the failure, never the request's contents.
            .map_err(|e| PortalError::Transport(describe(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            return Err(PortalError::Unavailable);
        }
        if status.is_client_error() {
            let code = response
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v.pointer("/error/code").and_then(|c| c.as_str()).map(str::to_owned))
                .unwrap_or_else(|| format!("http_{}", status.as_u16()));
            return Err(PortalError::Refused(code));
        }
        Err(PortalError::Transport(format!("http_{}", status.as_u16())))
    }
}

/// A short, stable description of a failed call (connection, TLS, timeout).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "request".into()
    }
}

impl MynaPortal for HttpPortal {
    fn send<'a>(&'a self, request: &'a PortalRequest) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(self.post(request))
    }
}
