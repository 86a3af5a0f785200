//! A range of days in Japan (Asia/Tokyo), both ends included: what auditors filter and export
//! by. A bad or reversed range is an error, never an empty result.

use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::clock::JST;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("開始日を YYYY-MM-DD の形で入力してください。")]
    From,
    #[error("終了日を YYYY-MM-DD の形で入力してください。")]
    To,
    #[error("終了日が開始日より前です。")]
    Reversed,
}

impl PeriodError {
    /// A stable code for the JSON and CSV endpoints.
    pub fn code(self) -> &'static str {
        match self {
            PeriodError::From => "invalid_from",
            PeriodError::To => "invalid_to",
            PeriodError::Reversed => "reversed_range",
        }
    }

    /// The form field the error belongs to.
    pub fn field(self) -> &'static str {
        match self {
            PeriodError::From => "from",
            PeriodError::To | PeriodError::Reversed => "to",
        }
    }
}

fn day(raw: &str) -> Option<Date> {
    Date::parse(raw.trim(), format_description!("[year]-[month]-[day]")).ok()
}

impl Period {
    /// Both ends as typed (`YYYY-MM-DD`).
    pub fn parse(from: &str, to: &str) -> Result<Period, PeriodError> {
        let from = day(from).ok_or(PeriodError::From)?;
        let to = day(to).ok_or(PeriodError::To)?;
        if to < from {
            return Err(PeriodError::Reversed);
        }
        Ok(Period { from, to })
    }

    /// Either end may be left empty (an open range), but what is typed must parse.
    pub fn parse_open(from: &str, to: &str) -> Result<(Option<Date>, Option<Date>), PeriodError> {
        let from = match from.trim() {
            "" => None,
            raw => Some(day(raw).ok_or(PeriodError::From)?),
        };
        let to = match to.trim() {
            "" => None,
            raw => Some(day(raw).ok_or(PeriodError::To)?),
        };
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(PeriodError::Reversed);
        }
        Ok((from, to))
    }

    /// The first instant of `from` and the first instant after `to`, in Japan, as UTC.
    pub fn bounds(self) -> (OffsetDateTime, OffsetDateTime) {
        (start_of(self.from), start_of(self.to) + Duration::days(1))
    }
}

/// Midnight at the start of `day` in Japan.
pub fn start_of(day: Date) -> OffsetDateTime {
    PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_offset(JST)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_day_in_japan_starts_at_15_utc_the_day_before() {
        let p = Period::parse("2026-11-01", "2026-11-30").unwrap();
        let (start, end) = p.bounds();
        assert_eq!(start, datetime!(2026-10-31 15:00 UTC));
        assert_eq!(end, datetime!(2026-11-30 15:00 UTC), "the last day is included");
    }

    #[test]
    fn bad_and_reversed_ranges_are_errors() {
        assert_eq!(Period::parse("2026-11-31", "2026-12-01"), Err(PeriodError::From));
        assert_eq!(Period::parse("2026-11-01", "30/11/2026"), Err(PeriodError::To));
        assert_eq!(Period::parse("2026-11-02", "2026-11-01"), Err(PeriodError::Reversed));
        assert_eq!(Period::parse("2026-11-01", "2026-11-01").map(|p| p.to), Ok(date!(2026 - 11 - 01)));
        assert_eq!(Period::parse_open("", " "), Ok((None, None)));
        assert_eq!(Period::parse_open("2026-11-02", "2026-11-01"), Err(PeriodError::Reversed));
        assert_eq!(Period::parse_open("x", ""), Err(PeriodError::From));
    }
}
