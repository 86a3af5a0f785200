//! How times and dates read on screen: Japan Standard Time, Japanese order.

use time::OffsetDateTime;

pub use crate::clock::JST;

pub fn datetime_jst(at: OffsetDateTime) -> String {
    let t = at.to_offset(JST);
    format!("{}年{}月{}日 {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
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
