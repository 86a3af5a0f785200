//! How times and dates read on screen: Japan Standard Time, Japanese order.

use time::{OffsetDateTime, PrimitiveDateTime};

pub use crate::clock::JST;
use crate::clock::to_db;
use crate::domain::normalize::ascii_digits;

pub fn datetime_jst(at: OffsetDateTime) -> String {
    let t = at.to_offset(JST);
    format!("{}年{}月{}日 {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// 「2026-11-25 18:30」 in Japan, as a datetime-local field shows it.
pub fn local_input(at: OffsetDateTime) -> String {
    let t = at.to_offset(JST);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

pub fn parse_local(raw: &str) -> Option<PrimitiveDateTime> {
    let raw = ascii_digits(raw.trim()).replace(' ', "T");
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let local = PrimitiveDateTime::parse(&raw, &format).ok()?;
    Some(to_db(local.assume_offset(JST)))
}

/// 「3日4時間」「45分」: how long someone has waited.
pub fn waiting(d: time::Duration) -> String {
    let minutes = d.whole_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}分"),
        (0, h) => format!("{h}時間{mins}分"),
        (d, h) => format!("{d}日{h}時間"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn waiting_reads_naturally() {
        assert_eq!(waiting(time::Duration::minutes(45)), "45分");
        assert_eq!(waiting(time::Duration::minutes(125)), "2時間5分");
        assert_eq!(waiting(time::Duration::hours(52)), "2日4時間");
    }

    #[test]
    fn shows_japan_time() {
        assert_eq!(datetime_jst(datetime!(2026-11-23 15:30 UTC)), "2026年11月24日 00:30");
    }
}
