//! Time is an input. Leases, lock-outs, idle timeouts, operating hours and consent expiry all
//! depend on "now", so code asks a `Clock` and tests set one.

use std::sync::{Arc, Mutex};

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Japan Standard Time. Dates the rules speak of (expiry, "today", operating hours) are
/// Japanese calendar days, whatever zone the server runs in.
pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The calendar day in Japan at `at`.
pub fn today_jst(at: OffsetDateTime) -> Date {
    at.to_offset(JST).date()
}

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// "Now" as stored in the database: UTC, whole microseconds (both backends keep exactly
    /// that, so a value read back hashes and compares equal to the one written).
    fn db_now(&self) -> PrimitiveDateTime {
        to_db(self.now())
    }
}

pub type SharedClock = Arc<dyn Clock>;

pub fn to_db(at: OffsetDateTime) -> PrimitiveDateTime {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let micros = utc.microsecond();
    let truncated = utc.replace_microsecond(micros).unwrap_or(utc);
    PrimitiveDateTime::new(truncated.date(), truncated.time())
}

pub fn from_db(at: PrimitiveDateTime) -> OffsetDateTime {
    at.assume_utc()
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock tests move by hand.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Mutex::new(start))
    }

    pub fn advance(&self, by: Duration) {
        let mut guard = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard += by;
    }

    pub fn set(&self, to: OffsetDateTime) {
        let mut guard = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn db_time_is_utc_and_whole_microseconds() {
        let at = datetime!(2026-11-23 19:00:00.123456789 +09:00);
        let stored = to_db(at);
        assert_eq!(stored, time::macros::datetime!(2026-11-23 10:00:00.123456));
    }

    #[test]
    fn today_is_the_day_in_japan() {
        assert_eq!(today_jst(datetime!(2026-11-23 14:59 UTC)), time::macros::date!(2026 - 11 - 23));
        assert_eq!(today_jst(datetime!(2026-11-23 15:00 UTC)), time::macros::date!(2026 - 11 - 24));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(datetime!(2026-01-01 00:00 UTC));
        clock.advance(Duration::minutes(15));
        assert_eq!(clock.now(), datetime!(2026-01-01 00:15 UTC));
    }
}
