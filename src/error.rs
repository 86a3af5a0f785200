//! Error policy, and the one fault type below the web layer.
//!
//! - Data access (`db/`) returns `diesel::QueryResult`; domain parsing returns its own small
//!   errors that name the problem in words for the person who typed it.
//! - A service (every family under `services/`) that can refuse returns its own error enum
//!   (thiserror): the refusals its callers must tell apart (not found, a rule said no…) plus
//!   `Fault` for everything nobody asked for. A use case that cannot refuse (an export, a
//!   card read, the purge) returns `Fault` itself.
//! - Only `web/` turns errors into responses (`web::error::AppError`, `web::api_error`).
//! - `anyhow` only in the CLI, start-up and tools.
//!
//! Messages never carry personal data: a fault names the column or file kind, never a value.

use crate::auth::password::HashError;
use crate::auth::totp::TotpSecretError;
use crate::images::store::StoreError;

/// Something broke that no caller can fix by asking differently: the database, the pool, the
/// photo store, or stored data that does not read back. It is logged with its cause chain
/// and shown as an opaque error with a request id.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    #[error("database")]
    Db(#[from] diesel::result::Error),
    #[error("database pool")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("photo store")]
    Store(#[from] StoreError),
    /// Stored data that does not parse (a JSON column, an unknown code in an enum column).
    #[error("stored data does not read back: {0}")]
    Corrupt(&'static str),
    /// Serialising one of our own values failed.
    #[error("serialising {0}")]
    Serialize(&'static str, #[source] serde_json::Error),
    #[error("password hashing")]
    Hash(#[from] HashError),
    #[error("stored authenticator secret")]
    Totp(#[from] TotpSecretError),
    #[error("audit checkpoint")]
    Checkpoint(#[from] crate::audit::checkpoint::CheckpointError),
    /// Writing a file we hand out (the disclosure file).
    #[error("building an archive")]
    Archive(#[from] zip::result::ZipError),
}

impl Fault {
    /// Reads a JSON column, naming the column when it does not parse.
    pub fn parse_json<T: serde::de::DeserializeOwned>(column: &'static str, raw: &str) -> Result<T, Fault> {
        serde_json::from_str(raw).map_err(|_| Fault::Corrupt(column))
    }

    /// Writes one of our values as JSON for a column.
    pub fn to_json<T: serde::Serialize>(what: &'static str, value: &T) -> Result<String, Fault> {
        serde_json::to_string(value).map_err(|e| Fault::Serialize(what, e))
    }
}

/// The error and its sources on one line, for the log.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
