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
    Ok(Console { data_dir, secure_cookies, queue_sla_hours, jobs_idle, audit_checkpoint_dir, audit_checkpoint_every })
}
