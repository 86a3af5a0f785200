//! Typed configuration from the environment (CONTRACT.md "Environment").
//!
//! Every key is parsed once at start-up; a missing or malformed key stops `serve` with one line
//! naming the variable. `demo` fills the secrets itself and keeps them in its data folder so a
//! restarted demo can still decrypt the photos it stored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
}

/// Where the encrypted photos are kept (`HANDBOOK_ADMIN_PHOTO_STORE`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PhotoStore {
    /// `<data dir>/images`: one node.
    #[default]
    Folder,
    /// An S3-compatible bucket: several nodes share it.
    S3(S3Settings),
}

/// `s3://bucket/prefix` and the usual `AWS_*` variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    pub prefix: String,
    /// `AWS_ENDPOINT_URL`: another S3-compatible service than AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<Secret<String>>,
    pub secret_access_key: Option<Secret<String>>,
    /// `AWS_ALLOW_HTTP=true`: a plain-HTTP endpoint (a test server on loopback).
    pub allow_http: bool,
}

/// Parses `HANDBOOK_ADMIN_PHOTO_STORE` with the `AWS_*` variables it needs.
fn photo_store(get: &impl Fn(&'static str) -> Option<String>) -> Result<PhotoStore, SettingsError> {
    const VAR: &str = "HANDBOOK_ADMIN_PHOTO_STORE";
    let Some(raw) = get(VAR) else { return Ok(PhotoStore::Folder) };
    let raw = raw.trim();
    if raw == "folder" {
        return Ok(PhotoStore::Folder);
    }
    let Some(rest) = raw.strip_prefix("s3://") else {
        return Err(SettingsError::new(VAR, "must be s3://bucket/prefix (or unset for the data folder)"));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(SettingsError::new(VAR, "names no bucket: s3://bucket/prefix"));
    }
    let endpoint = get("AWS_ENDPOINT_URL").or_else(|| get("AWS_ENDPOINT"));
    let allow_http = match get("AWS_ALLOW_HTTP") {
        None => false,
        Some(raw) => parse_bool(&raw).ok_or_else(|| SettingsError::new("AWS_ALLOW_HTTP", "must be true or false"))?,
    };
    if endpoint.as_deref().is_some_and(|e| e.starts_with("http://")) && !allow_http {
        return Err(SettingsError::new("AWS_ENDPOINT_URL", "is plain HTTP: set AWS_ALLOW_HTTP=true to mean it"));
    }
    let access_key_id = get("AWS_ACCESS_KEY_ID");
    let secret_access_key = get("AWS_SECRET_ACCESS_KEY");
    if access_key_id.is_some() != secret_access_key.is_some() {
        return Err(SettingsError::new(
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together",
        ));
    }
    Ok(PhotoStore::S3(S3Settings {
        bucket: bucket.to_owned(),
        prefix: prefix.trim_matches('/').to_owned(),
        endpoint,
        region: get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")).unwrap_or_else(|| "us-east-1".to_owned()),
        access_key_id: access_key_id.map(Secret::new),
        secret_access_key: secret_access_key.map(Secret::new),
        allow_http,
    }))
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OcrSettings {
    pub runtime: Option<PathBuf>,
    pub models: Option<PathBuf>,
}

/// How notices to holders leave the system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailSettings {
    /// One JSON line per notice in `<data dir>/outbox/notices.jsonl`.
    File,
    Smtp {
        url: Secret<String>,
        from: String,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub problem: String,
}

impl SettingsError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self { variable, problem: problem.into() }
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/handbook-admin.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEMO_INTAKE_TOKEN: &str = "demo-intake-token";
pub const DEMO_CARD_TOKEN: &str = "demo-card-token";
pub const DEMO_MYNA_SECRET: &str = "demo-myna-secret";

/// lettre sends `smtp://` in clear text unless told `tls=required`; notices name holders.
fn smtp_url_is_encrypted(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("smtps://") {
        return true;
    }
    lower.starts_with("smtp://")
        && lower.split_once('?').is_some_and(|(_, query)| query.split('&').any(|pair| pair == "tls=required"))
}

/// Secrets `demo` generated on its first run, kept in `<data dir>/demo-secrets.json`.
#[derive(serde::Serialize, serde::Deserialize)]
struct DemoSecrets {
    session_key: String,
    image_key: String,
    /// Absent in files written before the chain was keyed: added on the next start.
    #[serde(default)]
    audit_key: String,
}

impl Settings {
    /// Reads the settings through `lookup` (the process environment in production, a map in
    /// tests).
    pub fn from_lookup(mode: Mode, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());

        let database_url = DatabaseUrl::parse(&get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()))
            .map_err(|e| SettingsError::new("DATABASE_URL", e.to_string()))?;
        let bind = get("HANDBOOK_ADMIN_BIND")
            .unwrap_or_else(|| DEFAULT_BIND.to_owned())
            .parse::<SocketAddr>()
            .map_err(|_| SettingsError::new("HANDBOOK_ADMIN_BIND", "must be HOST:PORT, e.g. 127.0.0.1:8080"))?;
        let data_dir = PathBuf::from(get("HANDBOOK_ADMIN_DATA_DIR").unwrap_or_else(|| "./data".to_owned()));
        let secure_cookies = match get("HANDBOOK_ADMIN_SECURE_COOKIES") {
            None => mode == Mode::Serve,
            Some(raw) => parse_bool(&raw)
                .ok_or_else(|| SettingsError::new("HANDBOOK_ADMIN_SECURE_COOKIES", "must be true or false"))?,
        };
        let queue_sla_hours = match get("HANDBOOK_ADMIN_QUEUE_SLA_HOURS") {
            None => 48,
            Some(raw) => raw.trim().parse::<u32>().ok().filter(|h| (1..=24 * 30).contains(h)).ok_or_else(|| {
                SettingsError::new("HANDBOOK_ADMIN_QUEUE_SLA_HOURS", "must be whole hours between 1 and 720")
            })?,
        };
        let defaults = crate::db::PoolSettings::default();
        let db =
            crate::db::PoolSettings {
                max_size: match get("HANDBOOK_ADMIN_DB_POOL_SIZE") {
                    None => defaults.max_size,
                    Some(raw) => raw.trim().parse::<u32>().ok().filter(|n| (1..=256).contains(n)).ok_or_else(|| {
                        SettingsError::new("HANDBOOK_ADMIN_DB_POOL_SIZE", "must be between 1 and 256")
                    })?,
                },
                checkout_timeout: millis(&get, "HANDBOOK_ADMIN_DB_CHECKOUT_TIMEOUT_MS", 100..=120_000)?
                    .unwrap_or(defaults.checkout_timeout),
                statement_timeout: millis(&get, "HANDBOOK_ADMIN_DB_STATEMENT_TIMEOUT_MS", 100..=3_600_000)?
                    .unwrap_or(defaults.statement_timeout),
            };

        let mail = match (get("HANDBOOK_ADMIN_MAIL_TRANSPORT").as_deref().map(str::trim), mode) {
            (Some("file"), _) | (None, Mode::Demo) => MailSettings::File,
            // A production node that silently wrote notices to a local file would never tell
            // a holder anything: the choice must be made.
            (None, Mode::Serve) => return Err(missing("HANDBOOK_ADMIN_MAIL_TRANSPORT", "smtp (or file)")),
            (Some("smtp"), _) => {
                let url = get("HANDBOOK_ADMIN_SMTP_URL")
                    .ok_or_else(|| missing("HANDBOOK_ADMIN_SMTP_URL", "smtps://user:password@host:465"))?;
                if !smtp_url_is_encrypted(&url) {
                    return Err(SettingsError::new(
                        "HANDBOOK_ADMIN_SMTP_URL",
                        "must be smtps://… or smtp://…?tls=required (notices carry personal data)",
                    ));
                }
                MailSettings::Smtp {
                    url: Secret::new(url),
                    from: get("HANDBOOK_ADMIN_MAIL_FROM")
                        .ok_or_else(|| missing("HANDBOOK_ADMIN_MAIL_FROM", "the sender address of notices"))?,
                }
            }
            (Some(_), _) => return Err(SettingsError::new("HANDBOOK_ADMIN_MAIL_TRANSPORT", "must be file or smtp")),
        };
        let trust_forwarded_for = match get("HANDBOOK_ADMIN_TRUST_FORWARDED_FOR") {
            None => false,
            Some(raw) => parse_bool(&raw)
                .ok_or_else(|| SettingsError::new("HANDBOOK_ADMIN_TRUST_FORWARDED_FOR", "must be true or false"))?,
        };
        let networks = |variable: &'static str| {
            get(variable)
                .map(|raw| crate::domain::networks::Networks::parse(&raw).map_err(|e| SettingsError::new(variable, e)))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        let proxy_trust = crate::domain::networks::ProxyTrust {
            one_hop: trust_forwarded_for,
            proxies: networks("HANDBOOK_ADMIN_TRUSTED_PROXIES")?,
        };
        let staff_networks = networks("HANDBOOK_ADMIN_STAFF_NETWORKS")?;
        if !staff_networks.is_empty() && proxy_trust.one_hop && proxy_trust.proxies.is_empty() {
            // The one-hop rule believes whatever any peer writes: fine for a throttle's
            // bucket, not for deciding who reaches the staff pages.
            return Err(SettingsError::new(
                "HANDBOOK_ADMIN_TRUSTED_PROXIES",
                "must name the load balancers when HANDBOOK_ADMIN_STAFF_NETWORKS is set behind one (HANDBOOK_ADMIN_TRUST_FORWARDED_FOR believes any peer)",
            ));
        }
        let address = |variable: &'static str| {
            get(variable)
                .map(|raw| {
                    raw.trim()
                        .parse::<SocketAddr>()
                        .map_err(|_| SettingsError::new(variable, "must be HOST:PORT, e.g. 10.0.0.5:8081"))
                })
                .transpose()
        };
        let api_bind = address("HANDBOOK_ADMIN_API_BIND")?;
        let metrics_bind = address("HANDBOOK_ADMIN_METRICS_BIND")?;
        // Port 0 (a free port, in tests) is never a clash.
        let clash = |a: SocketAddr, b: SocketAddr| a.port() != 0 && a == b;
        if api_bind.is_some_and(|api| clash(api, bind)) {
            return Err(SettingsError::new("HANDBOOK_ADMIN_API_BIND", "must differ from HANDBOOK_ADMIN_BIND"));
        }
        if metrics_bind.is_some_and(|m| clash(m, bind) || api_bind.is_some_and(|api| clash(m, api))) {
            return Err(SettingsError::new(
                "HANDBOOK_ADMIN_METRICS_BIND",
                "must differ from the staff and API addresses (metrics are never served beside them)",
            ));
        }
        let jobs_idle =
            millis(&get, "HANDBOOK_ADMIN_JOBS_IDLE_MS", 10..=600_000)?.unwrap_or(std::time::Duration::from_secs(2));
        let demo_secrets = match mode {
            Mode::Demo => Some(load_or_create_demo_secrets(&data_dir)?),
            Mode::Serve => None,
        };
        let session_key = match (get("HANDBOOK_ADMIN_SESSION_KEY"), &demo_secrets) {
            (Some(raw), _) => parse_hex_key::<64>("HANDBOOK_ADMIN_SESSION_KEY", &raw)?.to_vec(),
            (None, Some(demo)) => parse_hex_key::<64>("HANDBOOK_ADMIN_SESSION_KEY", &demo.session_key)?.to_vec(),
            (None, None) => {
                return Err(missing("HANDBOOK_ADMIN_SESSION_KEY", "64 bytes as 128 hex characters"));
            }
        };
        let image_key = match (get("HANDBOOK_ADMIN_IMAGE_KEY"), &demo_secrets) {
            (Some(raw), _) => parse_hex_key::<32>("HANDBOOK_ADMIN_IMAGE_KEY", &raw)?,
            (None, Some(demo)) => parse_hex_key::<32>("HANDBOOK_ADMIN_IMAGE_KEY", &demo.image_key)?,
            (None, None) => {
                return Err(missing("HANDBOOK_ADMIN_IMAGE_KEY", "32 bytes as 64 hex characters"));
            }
        };
        let old_image_keys = old_keys("HANDBOOK_ADMIN_OLD_IMAGE_KEYS", get("HANDBOOK_ADMIN_OLD_IMAGE_KEYS"))?;
        let audit_key = match (get("HANDBOOK_ADMIN_AUDIT_KEY"), &demo_secrets) {
            (Some(raw), _) => parse_hex_key::<32>("HANDBOOK_ADMIN_AUDIT_KEY", &raw)?,
            (None, Some(demo)) => parse_hex_key::<32>("HANDBOOK_ADMIN_AUDIT_KEY", &demo.audit_key)?,
            (None, None) => {
                return Err(missing("HANDBOOK_ADMIN_AUDIT_KEY", "32 bytes as 64 hex characters"));
            }
        };
        let old_audit_keys = old_keys("HANDBOOK_ADMIN_OLD_AUDIT_KEYS", get("HANDBOOK_ADMIN_OLD_AUDIT_KEYS"))?;
        let audit_checkpoint_dir = get("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("audit-checkpoints"));
        let audit_checkpoint_every = match get("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_MINUTES") {
            None => std::time::Duration::from_secs(600),
            Some(raw) => std::time::Duration::from_secs(
                60 * raw.trim().parse::<u64>().ok().filter(|m| (1..=24 * 60).contains(m)).ok_or_else(|| {
                    SettingsError::new("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_MINUTES", "must be minutes between 1 and 1440")
                })?,
            ),
        };
        let intake_token = match (get("HANDBOOK_ADMIN_INTAKE_TOKEN"), mode) {
            (Some(raw), _) => raw,
            (None, Mode::Demo) => DEMO_INTAKE_TOKEN.to_owned(),
            (None, Mode::Serve) => {
                return Err(missing("HANDBOOK_ADMIN_INTAKE_TOKEN", "the bearer token of the app's intake calls"));
            }
        };
        let card_token = match (get("HANDBOOK_ADMIN_CARD_TOKEN"), mode) {
            (Some(raw), _) => raw,
            (None, Mode::Demo) => DEMO_CARD_TOKEN.to_owned(),
            (None, Mode::Serve) => {
                return Err(missing("HANDBOOK_ADMIN_CARD_TOKEN", "the bearer token of the card API"));
            }
        };
        for (variable, list) in
            [("HANDBOOK_ADMIN_INTAKE_TOKEN", &intake_token), ("HANDBOOK_ADMIN_CARD_TOKEN", &card_token)]
        {
            let tokens: Vec<&str> = list.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
            if tokens.is_empty() || (mode == Mode::Serve && tokens.iter().any(|t| t.len() < 24)) {
                return Err(SettingsError::new(variable, "each comma-separated token must be at least 24 characters"));
            }
        }
        if intake_token.split(',').map(str::trim).any(|t| card_token.split(',').map(str::trim).any(|c| c == t)) {
            return Err(SettingsError::new("HANDBOOK_ADMIN_CARD_TOKEN", "must differ from every intake token"));
        }
        let myna_callback_secret = match (get("MYNA_CALLBACK_SECRET"), mode) {
            (Some(raw), _) => raw,
            (None, Mode::Demo) => DEMO_MYNA_SECRET.to_owned(),
            (None, Mode::Serve) => {
                return Err(missing("MYNA_CALLBACK_SECRET", "the HMAC key of Myna Portal callbacks"));
            }
        };

        let myna_portal = portal_settings(mode, &get)?;
        let mut myna_provided = crate::domain::reconcile::Provided::default();
        if let Some(raw) = get("HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS") {
            myna_provided.intellectual = raw
                .split(',')
                .map(str::trim)
                .filter(|code| !code.is_empty())
                .map(|code| {
                    crate::domain::reconcile::Field::parse(code).ok_or_else(|| {
                        SettingsError::new(
                            "HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS",
                            "field codes: disability_category, grade, municipality, number, issued_on, renewed_on, expires_on",
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
        }

        let ocr = OcrSettings {
            runtime: get("HANDBOOK_ADMIN_OCR_RUNTIME").filter(|v| !v.trim().is_empty()).map(PathBuf::from),
            models: get("HANDBOOK_ADMIN_OCR_MODELS").filter(|v| !v.trim().is_empty()).map(PathBuf::from),
        };

        Ok(Self {
            mode,
            database_url,
            bind,
            data_dir,
            session_key: Secret::new(session_key),
            image_key: Secret::new(image_key),
            old_image_keys,
            audit_key: Secret::new(audit_key),
            old_audit_keys,
            audit_checkpoint_dir,
            audit_checkpoint_every,
            intake_token: Secret::new(intake_token),
            card_token: Secret::new(card_token),
            myna_callback_secret: Secret::new(myna_callback_secret),
            secure_cookies,
            require_totp: mode == Mode::Serve,
            queue_sla_hours,
            db,
            mail,
            proxy_trust,
            staff_networks,
            api_bind,
            metrics_bind,
            jobs_idle,
            myna_portal,
            myna_provided,
            ocr,
            photo_store: photo_store(&get)?,
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

/// What the command-line audit tools need: the audit keys and the checkpoint folder, from the
/// environment; where `HANDBOOK_ADMIN_AUDIT_KEY` is unset, the key a demo generated in its data
/// folder (never a new one: a tool that invented a key would report every row as forged).
pub fn audit_tools_from_env() -> Result<(crate::audit::AuditKeys, PathBuf), SettingsError> {
    let data_dir = data_dir_from_env();
    let current = key_from_env_or_demo("HANDBOOK_ADMIN_AUDIT_KEY", &data_dir, |demo| demo.audit_key)?;
    let retired = old_keys("HANDBOOK_ADMIN_OLD_AUDIT_KEYS", env("HANDBOOK_ADMIN_OLD_AUDIT_KEYS"))?;
    let dir = env("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("audit-checkpoints"));
    Ok((crate::audit::AuditKeys::new(&current, &retired), dir))
}

/// A variable of the process environment, unset when blank.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn data_dir_from_env() -> PathBuf {
    PathBuf::from(env("HANDBOOK_ADMIN_DATA_DIR").unwrap_or_else(|| "./data".to_owned()))
}

/// A 32-byte key from `variable`, or else the one a demo generated in its data folder (never a
/// new one: a tool with an invented key would find every seal broken and every photo sealed).
fn key_from_env_or_demo(
    variable: &'static str,
    data_dir: &Path,
    pick: impl FnOnce(DemoSecrets) -> String,
) -> Result<Secret<[u8; 32]>, SettingsError> {
    let raw = match env(variable) {
        Some(raw) => raw,
        None => std::fs::read_to_string(data_dir.join("demo-secrets.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<DemoSecrets>(&text).ok())
            .map(pick)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| missing(variable, "32 bytes as 64 hex characters"))?,
    };
    Ok(Secret::new(parse_hex_key::<32>(variable, &raw)?))
}

/// What `backup` and `restore` need: the data folder (the photo store is its `images`), the
/// image keys (restore opens every photo), and the audit tools (the manifest is sealed with the
/// audit key). Keys come from the environment, or from a demo's data folder; never made up.
pub struct StoreTools {
    pub data_dir: PathBuf,
    pub photo_store: PhotoStore,
    pub image_key: Secret<[u8; 32]>,
    pub old_image_keys: Vec<Secret<[u8; 32]>>,
    pub audit_keys: crate::audit::AuditKeys,
    pub checkpoint_dir: PathBuf,
}

/// The photo store's place alone (the data folder and `HANDBOOK_ADMIN_PHOTO_STORE`), for tools
/// that never open a photo (the sweep).
pub fn photo_store_from_env() -> Result<(PhotoStore, PathBuf), SettingsError> {
    Ok((photo_store(&|name| env(name))?, data_dir_from_env()))
}

pub fn store_tools_from_env() -> Result<StoreTools, SettingsError> {
    let (photo_store, data_dir) = photo_store_from_env()?;
    let image_key = key_from_env_or_demo("HANDBOOK_ADMIN_IMAGE_KEY", &data_dir, |demo| demo.image_key)?;
    let old_image_keys = old_keys("HANDBOOK_ADMIN_OLD_IMAGE_KEYS", env("HANDBOOK_ADMIN_OLD_IMAGE_KEYS"))?;
    let (audit_keys, checkpoint_dir) = audit_tools_from_env()?;
    Ok(StoreTools { data_dir, photo_store, image_key, old_image_keys, audit_keys, checkpoint_dir })
}

/// Where the Myna Portal is (`MYNA_PORTAL_URL`) and our client certificate (`MYNA_CLIENT_CERT`,
/// `MYNA_CLIENT_KEY`) and the portal's CA (`MYNA_PORTAL_CA`). `serve` talks to the portal only
/// over mutual TLS (guideline ※7), so there the URL must be https and all three files given;
/// the demo's in-process simulator is plain HTTP on loopback.
fn portal_settings(
    mode: Mode,
    get: &impl Fn(&'static str) -> Option<String>,
) -> Result<Option<crate::myna::http::PortalConfig>, SettingsError> {
    let Some(url) = get("MYNA_PORTAL_URL") else { return Ok(None) };
    let url = url.trim().to_owned();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(SettingsError::new("MYNA_PORTAL_URL", "must be an https:// URL"));
    }
    let file = |name: &'static str| get(name).map(PathBuf::from);
    let config = crate::myna::http::PortalConfig {
        service_id: get("MYNA_SERVICE_ID").unwrap_or_else(|| "handbook-admin".to_owned()),
        client_cert: file("MYNA_CLIENT_CERT"),
        client_key: file("MYNA_CLIENT_KEY"),
        ca: file("MYNA_PORTAL_CA"),
        url,
    };
    if config.client_cert.is_some() != config.client_key.is_some() {
        return Err(SettingsError::new("MYNA_CLIENT_KEY", "MYNA_CLIENT_CERT and MYNA_CLIENT_KEY go together"));
    }
    if mode == Mode::Serve {
        if !config.url.starts_with("https://") {
            return Err(SettingsError::new("MYNA_PORTAL_URL", "must be https:// (mutual TLS) in serve"));
        }
        if config.client_cert.is_none() {
            return Err(missing("MYNA_CLIENT_CERT", "the client certificate for mutual TLS (PEM)"));
        }
        if config.ca.is_none() {
            return Err(missing("MYNA_PORTAL_CA", "the CA of the portal's server certificate (PEM)"));
        }
    }
    Ok(Some(config))
}

/// A comma-separated list of retired 32-byte hex keys.
fn old_keys(variable: &'static str, raw: Option<String>) -> Result<Vec<Secret<[u8; 32]>>, SettingsError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| parse_hex_key::<32>(variable, k).map(Secret::new))
        .collect()
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

fn parse_hex_key<const N: usize>(variable: &'static str, raw: &str) -> Result<[u8; N], SettingsError> {
    let bytes = hex::decode(raw.trim())
        .map_err(|_| SettingsError::new(variable, format!("must be {N} bytes as {} hex characters", N * 2)))?;
    bytes.try_into().map_err(|_| SettingsError::new(variable, format!("must be {N} bytes as {} hex characters", N * 2)))
}

fn load_or_create_demo_secrets(data_dir: &Path) -> Result<DemoSecrets, SettingsError> {
    let path = data_dir.join("demo-secrets.json");
    let fail = |e: &dyn std::fmt::Display| SettingsError::new("HANDBOOK_ADMIN_DATA_DIR", format!("demo secrets: {e}"));
    let secrets = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let secrets: DemoSecrets = serde_json::from_str(&text).map_err(|e| fail(&e))?;
            if !secrets.audit_key.is_empty() {
                return Ok(secrets);
            }
            DemoSecrets { audit_key: hex::encode(crate::secrets::random::bytes::<32>()), ..secrets }
        }
        Err(_) => DemoSecrets {
            session_key: hex::encode(crate::secrets::random::bytes::<64>()),
            image_key: hex::encode(crate::secrets::random::bytes::<32>()),
            audit_key: hex::encode(crate::secrets::random::bytes::<32>()),
        },
    };
    std::fs::create_dir_all(data_dir).map_err(|e| fail(&e))?;
    let text = serde_json::to_string_pretty(&secrets).map_err(|e| fail(&e))?;
    crate::atomic_file::write(&path, text.as_bytes(), true).map_err(|e| fail(&e))?;
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn serve_env() -> HashMap<&'static str, String> {
        HashMap::from([
            ("HANDBOOK_ADMIN_SESSION_KEY", "ab".repeat(64)),
            ("HANDBOOK_ADMIN_IMAGE_KEY", "cd".repeat(32)),
            ("HANDBOOK_ADMIN_AUDIT_KEY", "ef".repeat(32)),
            ("HANDBOOK_ADMIN_INTAKE_TOKEN", "t".repeat(32)),
            ("HANDBOOK_ADMIN_CARD_TOKEN", "c".repeat(32)),
            ("MYNA_CALLBACK_SECRET", "s".repeat(32)),
            ("HANDBOOK_ADMIN_MAIL_TRANSPORT", "file".to_owned()),
        ])
    }

    fn load(env: &HashMap<&'static str, String>) -> Result<Settings, SettingsError> {
        Settings::from_lookup(Mode::Serve, |k| env.get(k).cloned())
    }

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
            assert_eq!(s.database_url.to_string(), "sqlite://./data/handbook-admin.db");
        }
    }

    #[test]
    fn production_layout_settings_are_parsed_and_clashes_named() {
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_DB_POOL_SIZE", "32".into());
        env.insert("HANDBOOK_ADMIN_DB_CHECKOUT_TIMEOUT_MS", "2500".into());
        env.insert("HANDBOOK_ADMIN_DB_STATEMENT_TIMEOUT_MS", "5000".into());
        env.insert("HANDBOOK_ADMIN_API_BIND", "0.0.0.0:8081".into());
        env.insert("HANDBOOK_ADMIN_METRICS_BIND", "10.0.0.5:9100".into());
        env.insert("HANDBOOK_ADMIN_STAFF_NETWORKS", "10.0.0.0/8, 192.168.0.0/16".into());
        env.insert("HANDBOOK_ADMIN_TRUSTED_PROXIES", "10.0.0.2".into());
        let settings = load(&env).map_err(|e| e.to_string());
        let Ok(s) = settings else { panic!("{settings:?}") };
        assert_eq!(s.db.max_size, 32);
        assert_eq!(s.db.checkout_timeout, std::time::Duration::from_millis(2500));
        assert_eq!(s.db.statement_timeout, std::time::Duration::from_secs(5));
        assert_eq!(s.api_bind.map(|a| a.port()), Some(8081));
        assert_eq!(s.metrics_bind.map(|a| a.port()), Some(9100));
        assert!(s.staff_networks.contains([192, 168, 3, 4].into()));
        assert!(s.proxy_trust.proxies.contains([10, 0, 0, 2].into()));

        let mut believes_anyone = serve_env();
        believes_anyone.insert("HANDBOOK_ADMIN_STAFF_NETWORKS", "10.0.0.0/8".into());
        believes_anyone.insert("HANDBOOK_ADMIN_TRUST_FORWARDED_FOR", "true".into());
        assert_eq!(load(&believes_anyone).err().map(|e| e.variable), Some("HANDBOOK_ADMIN_TRUSTED_PROXIES"));

        let defaults = load(&serve_env()).map_err(|e| e.to_string());
        let Ok(d) = defaults else { panic!("{defaults:?}") };
        assert_eq!(d.db, crate::db::PoolSettings::default());
        assert!(d.api_bind.is_none() && d.metrics_bind.is_none() && d.staff_networks.is_empty());

        for (key, value, named) in [
            ("HANDBOOK_ADMIN_METRICS_BIND", "127.0.0.1:8080", "HANDBOOK_ADMIN_METRICS_BIND"),
            ("HANDBOOK_ADMIN_API_BIND", "127.0.0.1:8080", "HANDBOOK_ADMIN_API_BIND"),
            ("HANDBOOK_ADMIN_STAFF_NETWORKS", "10.0.0.0/8, intranet", "HANDBOOK_ADMIN_STAFF_NETWORKS"),
            ("HANDBOOK_ADMIN_TRUSTED_PROXIES", "lb", "HANDBOOK_ADMIN_TRUSTED_PROXIES"),
            ("HANDBOOK_ADMIN_DB_STATEMENT_TIMEOUT_MS", "0", "HANDBOOK_ADMIN_DB_STATEMENT_TIMEOUT_MS"),
            ("HANDBOOK_ADMIN_DB_CHECKOUT_TIMEOUT_MS", "soon", "HANDBOOK_ADMIN_DB_CHECKOUT_TIMEOUT_MS"),
        ] {
            let mut env = serve_env();
            env.insert(key, value.into());
            assert_eq!(load(&env).err().map(|e| e.variable), Some(named), "{key}={value}");
        }
    }

    #[test]
    fn the_photo_store_is_the_folder_or_a_bucket_with_its_aws_variables() {
        let d = load(&serve_env()).map_err(|e| e.to_string());
        assert_eq!(d.map(|s| s.photo_store), Ok(PhotoStore::Folder));
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_PHOTO_STORE", "s3://handbook-photos/prod/v1/".into());
        env.insert("AWS_ENDPOINT_URL", "https://s3.example.jp".into());
        env.insert("AWS_REGION", "ap-northeast-1".into());
        env.insert("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".into());
        env.insert("AWS_SECRET_ACCESS_KEY", "secret".into());
        let store = load(&env).map(|s| s.photo_store).map_err(|e| e.to_string());
        let Ok(PhotoStore::S3(s3)) = store else { panic!("{store:?}") };
        assert_eq!((s3.bucket.as_str(), s3.prefix.as_str()), ("handbook-photos", "prod/v1"));
        assert_eq!(s3.region, "ap-northeast-1");
        assert!(!s3.allow_http);
        for (key, value, named) in [
            ("HANDBOOK_ADMIN_PHOTO_STORE", "/mnt/photos", "HANDBOOK_ADMIN_PHOTO_STORE"),
            ("HANDBOOK_ADMIN_PHOTO_STORE", "s3://", "HANDBOOK_ADMIN_PHOTO_STORE"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000", "AWS_ENDPOINT_URL"),
            ("AWS_SECRET_ACCESS_KEY", "", "AWS_SECRET_ACCESS_KEY"),
        ] {
            let mut env = env.clone();
            env.insert(key, value.into());
            assert_eq!(load(&env).err().map(|e| e.variable), Some(named), "{key}={value}");
        }
    }

    #[test]
    fn each_missing_secret_is_named() {
        for key in [
            "HANDBOOK_ADMIN_SESSION_KEY",
            "HANDBOOK_ADMIN_IMAGE_KEY",
            "HANDBOOK_ADMIN_AUDIT_KEY",
            "HANDBOOK_ADMIN_INTAKE_TOKEN",
            "HANDBOOK_ADMIN_CARD_TOKEN",
            "MYNA_CALLBACK_SECRET",
            "HANDBOOK_ADMIN_MAIL_TRANSPORT",
        ] {
            let mut env = serve_env();
            env.remove(key);
            let err = load(&env).err().map(|e| e.variable);
            assert_eq!(err, Some(key));
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

    #[test]
    fn mail_leaves_only_over_tls() {
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_MAIL_TRANSPORT", "smtp".to_owned());
        env.insert("HANDBOOK_ADMIN_MAIL_FROM", "notices@example.jp".to_owned());
        for (url, ok) in [
            ("smtp://user:pw@mail.example.jp:587", false),
            ("smtp://user:pw@mail.example.jp:587?tls=opportunistic", false),
            ("smtp://user:pw@mail.example.jp:587?tls=required", true),
            ("SMTPS://user:pw@mail.example.jp:465", true),
            ("smtp://mail.example.jp?auth=plain&tls=required", true),
        ] {
            env.insert("HANDBOOK_ADMIN_SMTP_URL", url.to_owned());
            let loaded = load(&env);
            assert_eq!(loaded.is_ok(), ok, "{url}");
            if let Err(e) = loaded {
                assert_eq!(e.variable, "HANDBOOK_ADMIN_SMTP_URL");
                assert!(!e.to_string().contains("pw"), "the URL's password is never echoed");
            }
        }
    }

    #[test]
    fn the_portal_is_reached_only_over_mutual_tls_in_serve() {
        let mut env = serve_env();
        env.insert("MYNA_PORTAL_URL", "http://portal.example".to_owned());
        assert_eq!(load(&env).err().map(|e| e.variable), Some("MYNA_PORTAL_URL"));
        env.insert("MYNA_PORTAL_URL", "https://portal.example".to_owned());
        assert_eq!(load(&env).err().map(|e| e.variable), Some("MYNA_CLIENT_CERT"));
        env.insert("MYNA_CLIENT_CERT", "/etc/hb/client.pem".to_owned());
        assert_eq!(load(&env).err().map(|e| e.variable), Some("MYNA_CLIENT_KEY"));
        env.insert("MYNA_CLIENT_KEY", "/etc/hb/client-key.pem".to_owned());
        assert_eq!(load(&env).err().map(|e| e.variable), Some("MYNA_PORTAL_CA"));
        env.insert("MYNA_PORTAL_CA", "/etc/hb/portal-ca.pem".to_owned());
        let portal = load(&env).ok().and_then(|s| s.myna_portal);
        assert_eq!(portal.map(|p| p.url), Some("https://portal.example".to_owned()));
    }

    #[test]
    fn the_intellectual_handbook_provides_what_the_setting_says() {
        let none = load(&serve_env()).ok().map(|s| s.myna_provided.intellectual);
        assert_eq!(none, Some(Vec::new()), "nothing today");
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS", "grade, number".to_owned());
        let some = load(&env).ok().map(|s| s.myna_provided.intellectual);
        use crate::domain::reconcile::Field;
        assert_eq!(some, Some(vec![Field::Grade, Field::Number]));
    }

    #[test]
    fn errors_never_echo_the_value() {
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_SESSION_KEY", "secret-looking-value".to_owned());
        let message = load(&env).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!message.contains("secret-looking-value"));
    }

    #[test]
    fn demo_generates_secrets_once_and_reuses_them() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { panic!("tempdir") };
        let data = dir.path().to_string_lossy().into_owned();
        let lookup = |k: &str| (k == "HANDBOOK_ADMIN_DATA_DIR").then(|| data.clone());
        let first = Settings::from_lookup(Mode::Demo, lookup).ok().map(|s| s.image_key_id());
        let second = Settings::from_lookup(Mode::Demo, lookup).ok().map(|s| s.image_key_id());
        assert!(first.is_some());
        assert_eq!(first, second);
        let demo = Settings::from_lookup(Mode::Demo, lookup).ok();
        assert_eq!(demo.as_ref().map(|s| s.secure_cookies), Some(false));
        assert_eq!(demo.as_ref().map(|s| s.require_totp), Some(false));
    }
}
