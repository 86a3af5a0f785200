//! The holder's rights and the data's life: how many days a request has, and how long
//! photos and transcriptions stay once they serve nothing (`domain::retention`).

use super::SettingsError;
use crate::domain::retention::Schedule;

pub(super) struct Rights {
    pub request_due_days: u16,
    pub retention: Schedule,
}

pub(super) fn rights(get: &impl Fn(&'static str) -> Option<String>) -> Result<Rights, SettingsError> {
    let request_due_days = match get("HANDBOOK_ADMIN_REQUEST_DUE_DAYS") {
        None => 14,
        Some(raw) => raw.trim().parse::<u16>().ok().filter(|d| (1..=90).contains(d)).ok_or_else(|| {
            SettingsError::new("HANDBOOK_ADMIN_REQUEST_DUE_DAYS", "must be whole days between 1 and 90")
        })?,
    };
    let defaults = Schedule::default();
    let retention = Schedule {
        rejected: period(get, "HANDBOOK_ADMIN_RETAIN_REJECTED")?.unwrap_or(defaults.rejected),
        ended: period(get, "HANDBOOK_ADMIN_RETAIN_ENDED")?.unwrap_or(defaults.ended),
        superseded: period(get, "HANDBOOK_ADMIN_RETAIN_SUPERSEDED")?.unwrap_or(defaults.superseded),
    };
    Ok(Rights { request_due_days, retention })
}

/// A period such as `90days`, `1year` or `30s` (tests), at most ten years.
fn period(
    get: &impl Fn(&'static str) -> Option<String>,
    variable: &'static str,
) -> Result<Option<time::Duration>, SettingsError> {
    let Some(raw) = get(variable) else { return Ok(None) };
    humantime::parse_duration(raw.trim())
        .ok()
        .filter(|d| !d.is_zero() && d.as_secs() <= 10 * 366 * 86_400)
        .and_then(|d| time::Duration::try_from(d).ok())
        .map(Some)
        .ok_or_else(|| SettingsError::new(variable, "must be a period such as 90days or 1year (at most ten years)"))
}
