//! The database: `DATABASE_URL` and the server pool (`HANDBOOK_ADMIN_DB_*`).

use super::{SettingsError, millis};
use crate::db::{DatabaseUrl, PoolSettings};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/handbook-admin.db";

pub(super) fn url(get: &impl Fn(&'static str) -> Option<String>) -> Result<DatabaseUrl, SettingsError> {
    DatabaseUrl::parse(&get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()))
        .map_err(|e| SettingsError::new("DATABASE_URL", e.to_string()))
}

/// The server pool: size, how long a request waits for a connection, PostgreSQL's statement
/// limit.
pub(super) fn pool(get: &impl Fn(&'static str) -> Option<String>) -> Result<PoolSettings, SettingsError> {
    let defaults = PoolSettings::default();
    Ok(PoolSettings {
        max_size: match get("HANDBOOK_ADMIN_DB_POOL_SIZE") {
            None => defaults.max_size,
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .ok_or_else(|| SettingsError::new("HANDBOOK_ADMIN_DB_POOL_SIZE", "must be between 1 and 256"))?,
        },
        checkout_timeout: millis(get, "HANDBOOK_ADMIN_DB_CHECKOUT_TIMEOUT_MS", 100..=120_000)?
            .unwrap_or(defaults.checkout_timeout),
        statement_timeout: millis(get, "HANDBOOK_ADMIN_DB_STATEMENT_TIMEOUT_MS", 100..=3_600_000)?
            .unwrap_or(defaults.statement_timeout),
    })
}
