//! The console's own behaviour: its data folder, cookies, the queue's deadline, the workers'
//! idle time and the audit checkpoints.

use std::path::PathBuf;
use std::time::Duration;

use super::{Mode, SettingsError, millis, parse_bool};

pub(super) struct Console {
    pub data_dir: PathBuf,
    pub secure_cookies: bool,
    pub queue_sla_hours: u32,
    pub jobs_idle: Duration,
    pub audit_checkpoint_dir: PathBuf,
    pub audit_checkpoint_every: Duration,
    pub card_budget: crate::domain::card_budget::CardBudget,
}

pub(super) fn console(mode: Mode, get: &impl Fn(&'static str) -> Option<String>) -> Result<Console, SettingsError> {
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
    let jobs_idle = millis(get, "HANDBOOK_ADMIN_JOBS_IDLE_MS", 10..=600_000)?.unwrap_or(Duration::from_secs(2));
    let audit_checkpoint_dir = get("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("audit-checkpoints"));
    // Every minute by default: events removed from the end of the chain go unseen only back to
    // the last checkpoint, so that is at most a minute's worth.
    let audit_checkpoint_every = match get("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_MINUTES") {
        None => Duration::from_secs(60),
        Some(raw) => Duration::from_secs(
            60 * raw.trim().parse::<u64>().ok().filter(|m| (1..=24 * 60).contains(m)).ok_or_else(|| {
                SettingsError::new("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_MINUTES", "must be minutes between 1 and 1440")
            })?,
        ),
    };
    let card_budget = crate::domain::card_budget::CardBudget {
        holders: whole(get, "HANDBOOK_ADMIN_CARD_HOLDERS_PER_WINDOW", 1..=100_000_000)?.unwrap_or(120),
        per: time::Duration::minutes(whole(get, "HANDBOOK_ADMIN_CARD_WINDOW_MINUTES", 1..=1440)?.unwrap_or(10)),
    };
    Ok(Console {
        data_dir,
        secure_cookies,
        queue_sla_hours,
        jobs_idle,
        audit_checkpoint_dir,
        audit_checkpoint_every,
        card_budget,
    })
}

/// A whole number within `range`, when set.
fn whole(
    get: &impl Fn(&'static str) -> Option<String>,
    variable: &'static str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, SettingsError> {
    let Some(raw) = get(variable) else { return Ok(None) };
    let message = format!("must be a whole number between {} and {}", range.start(), range.end());
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| range.contains(n))
        .map(Some)
        .ok_or_else(|| SettingsError::new(variable, message))
}
