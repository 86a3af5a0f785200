//! The Myna Portal simulator (`handbook-admin myna-sim`, and in-process in `demo`). It speaks
//! the real protocol: signed requests in, over mutual TLS when given certificates; signed
//! callbacks out. It answers only inside the municipal server's hours by its own clock (tests
//! inject one), can be put into an outage, and delivers as the real portal may: some callbacks
//! late, some twice.

pub mod dataset;

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use self::dataset::{Answer, Dataset};
use crate::clock::SharedClock;
use crate::domain::hours;
use crate::myna::portal::{PortalRequest, REQUEST_PATH, WireRequest};
use crate::myna::signature;
use crate::secrets::Secret;

/// How the simulator delivers: every `late_every`-th accepted request is delivered `late_by`
/// after acceptance, and every `twice_every`-th is delivered twice (0 turns either off).
#[derive(Clone, Copy, Debug)]
pub struct Behaviour {
    pub late_every: u32,
    pub late_by: Duration,
    pub twice_every: u32,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour { late_every: 3, late_by: Duration::from_secs(20), twice_every: 4 }
    }
}

impl Behaviour {
    /// Every delivery at once and once (tests that are not about lateness).
    pub fn prompt() -> Self {
        Behaviour { late_every: 0, late_by: Duration::ZERO, twice_every: 0 }
    }
}

pub struct Simulator {
    dataset: Dataset,
    clock: SharedClock,
    callback: String,
    secret: Secret<String>,
    behaviour: Behaviour,
    outage: AtomicBool,
    accepted: AtomicU32,
    seen: Mutex<HashSet<String>>,
    client: reqwest::Client,
}

impl Simulator {
    pub fn new(
        dataset: Dataset,
        clock: SharedClock,
        callback: String,
        secret: Secret<String>,
        behaviour: Behaviour,
    ) -> anyhow::Result<Arc<Self>> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
        Ok(Arc::new(Simulator {
            dataset,
            clock,
            callback,
            secret,
            behaviour,
            outage: AtomicBool::new(false),
            accepted: AtomicU32::new(0),
            seen: Mutex::new(HashSet::new()),
            client,
        }))
    }

    /// Puts the simulated portal into (or out of) an outage: every request is `unavailable`.
    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::SeqCst);
    }

    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// How many requests it accepted.
    pub fn accepted(&self) -> u32 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The callback body for a request, as the government writes it.
    pub fn delivery_body(&self, request: &PortalRequest) -> serde_json::Value {
        let consent = json!({
            "purpose": request.purpose,
            "granted_at": request.granted_at.format(&Rfc3339).unwrap_or_default(),
            "valid_until": request.valid_until.format(&Rfc3339).unwrap_or_default(),
        });
        let (status, records) = match self.dataset.answer(&request.holder_public_id) {
            Answer::NotFound => ("not_found", Vec::new()),
            Answer::Records(records) => (
                "ok",
                records
                    .into_iter()
                    .map(|(kind, r)| {
                        json!({
                            "kind": kind.as_str(),
                            "disability_category": r.disability_category,
                            "grade": r.grade,
                            "municipality": r.municipality,
                            "number": r.number,
                            "issued_on": r.issued_on,
                            "renewed_on": r.renewed_on,
                            "expires_on": r.expires_on,
                        })
                    })
                    .collect(),
            ),
        };
        json!({
            "request_id": request.request_id,
            "holder_public_id": request.holder_public_id,
            "status": status,
            "consent": consent,
            "records": records,
        })
    }

    /// Posts one signed callback; the answer's status, or why it failed.
    async fn deliver(&self, body: &[u8]) -> Result<u16, String> {
        let timestamp = self.clock.now().unix_timestamp();
        let response = self
            .client
            .post(&self.callback)
            .header("Content-Type", "application/json")
            .header("X-Myna-Timestamp", timestamp.to_string())
            .header("X-Myna-Signature", signature::sign(self.secret.expose(), timestamp, body))
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| if e.is_connect() { "connect".to_owned() } else { "request".to_owned() })?;
        Ok(response.status().as_u16())
    }

    /// Delivers a request's data, late or twice as the behaviour says for the `n`-th request.
    async fn deliver_later(self: Arc<Self>, request: PortalRequest, n: u32) {
        let every = |k: u32| k > 0 && n % k == k - 1;
        if every(self.behaviour.late_every) {
            actix_web::rt::time::sleep(self.behaviour.late_by).await;
        }
        let body = serde_json::to_vec(&self.delivery_body(&request)).unwrap_or_default();
        let times = if every(self.behaviour.twice_every) { 2 } else { 1 };
        for _ in 0..times {
            match self.deliver(&body).await {
                Ok(status) => tracing::info!(status, "simulated Myna Portal callback delivered"),
                Err(e) => tracing::warn!(error = %e, "simulated Myna Portal callback failed"),
            }
        }
    }

    fn refuse(status: StatusCode, code: &str) -> HttpResponse {
        HttpResponse::build(status).json(json!({"error": {"code": code, "message": code}}))
    }

    /// One request: signature, body, consent, hours, then accepted (202) and delivered later.
    pub fn accept(self: &Arc<Self>, req: &HttpRequest, body: &[u8]) -> HttpResponse {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let now = self.clock.now();
        let secrets = [self.secret.clone()];
        if signature::verify(
            header("X-Myna-Timestamp"),
            header("X-Myna-Signature"),
            body,
            &secrets,
            now.unix_timestamp(),
        )
        .is_err()
        {
            return Self::refuse(StatusCode::UNAUTHORIZED, "bad_signature");
        }
        let Some(request) = serde_json::from_slice::<WireRequest>(body).ok().and_then(|w| w.parse()) else {
            return Self::refuse(StatusCode::BAD_REQUEST, "malformed_request");
        };
        if request.purpose != "handbook_verification" {
            return Self::refuse(StatusCode::BAD_REQUEST, "purpose_not_consented");
        }
        if request.valid_until <= now || request.granted_at > now + time::Duration::minutes(5) {
            return Self::refuse(StatusCode::BAD_REQUEST, "consent_not_valid");
        }
        if self.outage.load(Ordering::SeqCst) || !hours::is_open(now) {
            let next = hours::next_opening(now).format(&Rfc3339).unwrap_or_default();
            return HttpResponse::ServiceUnavailable()
                .json(json!({"error": {"code": "unavailable", "message": "unavailable", "next_opening": next}}));
        }
        let first = self.seen.lock().map(|mut seen| seen.insert(request.request_id.clone())).unwrap_or(false);
        if first {
            let n = self.accepted.fetch_add(1, Ordering::SeqCst);
            actix_web::rt::spawn(self.clone().deliver_later(request.clone(), n));
        }
        HttpResponse::Accepted().json(json!({"request_id": request.request_id, "accepted": true}))
    }
}

async fn requests(sim: web::Data<Arc<Simulator>>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    sim.accept(&req, &body)
}

/// Certificates for serving over mutual TLS: our certificate chain and key, and the CA whose
/// client certificates are accepted (PEM files).
pub struct Tls {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
    pub client_ca: std::path::PathBuf,
}

fn acceptor(tls: &Tls) -> anyhow::Result<openssl::ssl::SslAcceptorBuilder> {
    use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod, SslVerifyMode};
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())?;
    builder.set_private_key_file(&tls.key, SslFiletype::PEM)?;
    builder.set_certificate_chain_file(&tls.cert)?;
    builder.set_ca_file(&tls.client_ca)?;
    // Mutual TLS: a client without a certificate from that CA does not get past the handshake.
    builder.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    Ok(builder)
}

/// Serves the simulator on `listener` (over mutual TLS when `tls` is given).
pub fn serve(sim: Arc<Simulator>, listener: TcpListener, tls: Option<&Tls>) -> anyhow::Result<Server> {
    let data = web::Data::new(sim);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(64 * 1024))
            .route(REQUEST_PATH, web::post().to(requests))
    })
    .workers(1);
    let server = match tls {
        Some(tls) => server.listen_openssl(listener, acceptor(tls)?)?,
        None => server.listen(listener)?,
    };
    Ok(server.disable_signals().run())
}
