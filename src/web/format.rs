//! How times and dates read on screen: Japan Standard Time, Japanese order.

use time::{OffsetDateTime, UtcOffset};

pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

pub fn datetime_jst(at: OffsetDateTime) -> String {
    let t = at.to_offset(JST);
    format!(
        "{}年{}月{}日 {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn shows_japan_time() {
        assert_eq!(
            datetime_jst(datetime!(2026-11-23 15:30 UTC)),
            "2026年11月24日 00:30"
        );
    }
}
