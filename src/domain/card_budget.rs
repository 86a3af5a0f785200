//! How many distinct IDs one card credential may read in a window. The app's backend reads the
//! cards its users open; a credential walking through public IDs (one leaked, or the backend
//! misused) reads far more, and every card it reads discloses special-care data. The count is
//! kept in the database so every node sees the same budget.

use time::{Duration, OffsetDateTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardBudget {
    /// Distinct holders per credential per window.
    pub holders: i64,
    pub per: Duration,
}

impl CardBudget {
    /// The fixed window `now` falls in: its start and its end.
    pub fn window(&self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        let span = self.per.whole_seconds().max(1);
        let start = now.unix_timestamp().div_euclid(span) * span;
        let start = OffsetDateTime::from_unix_timestamp(start).unwrap_or(now);
        (start, start + self.per)
    }

    /// Whether one more read is within the budget: a holder already read this window always
    /// is (the same card opened again costs nothing); a new one only while fewer than the
    /// budget were read.
    pub fn admits(&self, read_this_window: i64, already_read: bool) -> bool {
        already_read || read_this_window < self.holders
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_are_fixed_and_cover_now() {
        let budget = CardBudget { holders: 3, per: Duration::minutes(10) };
        let (start, end) = budget.window(datetime!(2026-12-07 10:17:30 UTC));
        assert_eq!((start, end), (datetime!(2026-12-07 10:10 UTC), datetime!(2026-12-07 10:20 UTC)));
    }

    #[test]
    fn a_new_holder_past_the_budget_is_refused_and_a_known_one_is_not() {
        let budget = CardBudget { holders: 3, per: Duration::minutes(10) };
        assert!(budget.admits(2, false));
        assert!(!budget.admits(3, false));
        assert!(budget.admits(3, true));
    }
}
