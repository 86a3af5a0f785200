//! Typed configuration from the environment (CONTRACT.md "Environment"), one module per
//! concern, each parsing its own variables.
//!
//! Every key is parsed once at start-up; a missing or malformed key stops `serve` with one line
//! naming the variable. `demo` generates its secrets itself and keeps them in its data folder
//! (`demo::ensure_secrets`) so a restarted demo can still decrypt the photos it stored; the
//! settings read them from there.

mod console;
mod database;
mod keys;
mod listeners;
mod mail;
mod myna;
mod ocr;
mod photo_store;
mod rights;
mod tools;

#[cfg(test)]
mod testing;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use database::DEFAULT_DATABASE_URL;
pub use keys::{DEMO_CARD_TOKEN, DEMO_INTAKE_TOKEN, DEMO_SECRETS_FILE, DemoSecrets};
pub use listeners::DEFAULT_BIND;
pub use mail::MailSettings;
pub use myna::DEMO_MYNA_SECRET;
pub use ocr::OcrSettings;
pub use photo_store::{PhotoStore, S3Settings};
pub use tools::{
    StoreTools, audit_tools_from_env, data_dir_from_env, photo_store_from_env, retention_from_env, store_tools_from_env,
};

use crate::db::DatabaseUrl;
use crate::secrets::Secret;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Serve,
    Demo,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub session_key: Secret<Vec<u8>>,
    pub image_key: Secret<[u8; 32]>,
    /// Retired image keys: still decrypt photos stored under them, never encrypt.
    pub old_image_keys: Vec<Secret<[u8; 32]>>,
    /// The audit chain's MAC key, held outside the database.
    pub audit_key: Secret<[u8; 32]>,
    /// Retired audit keys: still verify the rows and checkpoints they sealed.
    pub old_audit_keys: Vec<Secret<[u8; 32]>>,
    /// The append-only folder of signed checkpoints of the audit chain's head.
    pub audit_checkpoint_dir: PathBuf,
    /// How often the server writes a checkpoint when the chain has moved.
    pub audit_checkpoint_every: std::time::Duration,
    /// Distinct holders one card credential may read per window (`domain::card_budget`).
    pub card_budget: crate::domain::card_budget::CardBudget,
    pub intake_token: Secret<String>,
    /// The card API's bearer token(s), apart from the intake's.
    pub card_token: Secret<String>,
    pub myna_callback_secret: Secret<String>,
    pub secure_cookies: bool,
    /// Staff must enrol and use a TOTP second factor (on in `serve`, off in `demo`).
    pub require_totp: bool,
    /// Hours after which a waiting registration is highlighted in the queue.
    pub queue_sla_hours: u32,
    /// The server pool: size, how long a request waits for a connection, and PostgreSQL's
    /// statement limit.
    pub db: crate::db::PoolSettings,
    pub mail: MailSettings,
    /// How far `X-Forwarded-For` is believed: the sign-in throttle counts per client and the
    /// staff networks are checked against the client, not the load balancer.
    pub proxy_trust: crate::domain::networks::ProxyTrust,
    /// Networks allowed to reach the staff pages; empty: any.
    pub staff_networks: crate::domain::networks::Networks,
    /// A listener of its own for the machine endpoints; `None`: everything on `bind`.
    pub api_bind: Option<SocketAddr>,
    /// The Prometheus listener; `None`: metrics off.
    pub metrics_bind: Option<SocketAddr>,
    /// How long background workers sleep when there is nothing to do.
    pub jobs_idle: std::time::Duration,
    /// The Myna Portal's request endpoint; `None` leaves requests waiting (and says so).
    pub myna_portal: Option<crate::myna::http::PortalConfig>,
    /// Which fields the portal provides for each kind (the intellectual handbook: none today,
    /// `HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS` once it does).
    pub myna_provided: crate::domain::reconcile::Provided,
    /// OCR of intake photos: the ONNX Runtime library and the PP-OCRv5 model folder. Both or
    /// neither; without them the console works as before and says how to turn OCR on.
    pub ocr: OcrSettings,
    /// The photo store: the data folder's `images`, or an S3-compatible bucket.
    pub photo_store: PhotoStore,
    /// Calendar days to answer a holder's request (`HANDBOOK_ADMIN_REQUEST_DUE_DAYS`).
    pub request_due_days: u16,
    /// How long photos and transcriptions stay once they serve nothing (`HANDBOOK_ADMIN_RETAIN_*`).
    pub retention: crate::domain::retention::Schedule,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub problem: String,
}

impl SettingsError {
    pub(crate) fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self { variable, problem: problem.into() }
    }
}

impl Settings {
    /// Reads the settings through `lookup` (the process environment in production, a map in
    /// tests).
    pub fn from_lookup(mode: Mode, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url = database::url(&get)?;
        let db = database::pool(&get)?;
        let listeners = listeners::listeners(&get)?;
        let console = console::console(mode, &get)?;
        let mail = mail::mail(mode, &get)?;
        let (proxy_trust, staff_networks) = listeners::networks(&get)?;
        let keys = keys::keys(mode, &get, &console.data_dir)?;
        let myna = myna::myna(mode, &get)?;
        let rights = rights::rights(&get)?;
        Ok(Self {
            mode,
            database_url,
            bind: listeners.bind,
            data_dir: console.data_dir,
            session_key: keys.session_key,
            image_key: keys.image_key,
            old_image_keys: keys.old_image_keys,
            audit_key: keys.audit_key,
            old_audit_keys: keys.old_audit_keys,
            audit_checkpoint_dir: console.audit_checkpoint_dir,
            audit_checkpoint_every: console.audit_checkpoint_every,
            card_budget: console.card_budget,
            intake_token: keys.intake_token,
            card_token: keys.card_token,
            myna_callback_secret: myna.callback_secret,
            secure_cookies: console.secure_cookies,
            require_totp: mode == Mode::Serve,
            queue_sla_hours: console.queue_sla_hours,
            db,
            mail,
            proxy_trust,
            staff_networks,
            api_bind: listeners.api_bind,
            metrics_bind: listeners.metrics_bind,
            jobs_idle: console.jobs_idle,
            myna_portal: myna.portal,
            myna_provided: myna.provided,
            ocr: ocr::ocr(&get),
            photo_store: photo_store::photo_store(&get)?,
            request_due_days: rights.request_due_days,
            retention: rights.retention,
        })
    }

    pub fn from_env(mode: Mode) -> Result<Self, SettingsError> {
        Self::from_lookup(mode, |name| std::env::var(name).ok())
    }

    /// The image key's id: the first 8 hex digits of its SHA-256, written into every encrypted
    /// file so keys can rotate.
    pub fn image_key_id(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.image_key.expose());
        hex::encode(&digest[..4])
    }
}

/// An optional duration in milliseconds within `range`.
fn millis(
    get: &impl Fn(&'static str) -> Option<String>,
    variable: &'static str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Option<std::time::Duration>, SettingsError> {
    let Some(raw) = get(variable) else { return Ok(None) };
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|ms| range.contains(ms))
        .map(|ms| Some(std::time::Duration::from_millis(ms)))
        .ok_or_else(|| {
            SettingsError::new(variable, format!("must be milliseconds between {} and {}", range.start(), range.end()))
        })
}

fn missing(variable: &'static str, what: &str) -> SettingsError {
    SettingsError::new(variable, format!("is not set ({what})"))
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{load, serve_env};

    #[test]
    fn serve_with_every_secret_starts_with_contract_defaults() {
        let settings = load(&serve_env()).map_err(|e| e.to_string());
        let settings = settings.as_ref().map_err(|e| e.as_str());
        assert!(settings.is_ok(), "{settings:?}");
        if let Ok(s) = settings {
            assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
            assert!(s.secure_cookies);
            assert!(s.require_totp);
            assert_eq!(s.queue_sla_hours, 48);
            assert_eq!(s.request_due_days, 14);
            assert_eq!(s.retention, crate::domain::retention::Schedule::default());
            assert_eq!(s.database_url.to_string(), "sqlite://./data/handbook-admin.db");
        }
    }

    #[test]
    fn malformed_values_are_named() {
        for (key, value) in [
            ("HANDBOOK_ADMIN_SESSION_KEY", "zz".to_owned()),
            ("HANDBOOK_ADMIN_IMAGE_KEY", "ab".repeat(31)),
            ("HANDBOOK_ADMIN_BIND", "localhost".to_owned()),
            ("DATABASE_URL", "mysql://db".to_owned()),
            ("HANDBOOK_ADMIN_SECURE_COOKIES", "maybe".to_owned()),
            ("HANDBOOK_ADMIN_QUEUE_SLA_HOURS", "0".to_owned()),
            ("HANDBOOK_ADMIN_REQUEST_DUE_DAYS", "0".to_owned()),
            ("HANDBOOK_ADMIN_RETAIN_ENDED", "forever".to_owned()),
            ("HANDBOOK_ADMIN_RETAIN_REJECTED", "20years".to_owned()),
            ("HANDBOOK_ADMIN_INTAKE_TOKEN", "short".to_owned()),
            ("HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS", "grade,name".to_owned()),
            ("MYNA_PORTAL_URL", "ftp://portal".to_owned()),
            ("HANDBOOK_ADMIN_CARD_TOKEN", format!("{},short", "c".repeat(32))),
            ("HANDBOOK_ADMIN_CARD_TOKEN", "t".repeat(32)),
        ] {
            let mut env = serve_env();
            env.insert(key, value);
            assert_eq!(load(&env).err().map(|e| e.variable), Some(key));
        }
    }
}
