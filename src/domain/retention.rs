//! How long photos and transcriptions are kept once they serve no review or card any more
//! (DOMAIN.md "The holder's rights and the data's life"). Company policy, not law: the periods
//! are settings with these defaults, written in the README. What stays after a period is the
//! minimal record the terms need as evidence: the ID, its status and dates, its sanctions with
//! their articles, and the registrations' kinds, statuses and dates.

use time::Duration;

/// Periods after which each kind of data goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Photos and transcriptions of a rejected registration, from its decision.
    pub rejected: Duration,
    /// Photos and transcriptions of an ID withdrawn, deprived or deleted, from its end.
    pub ended: Duration,
    /// Photos of a registration replaced by a newer upload, from its replacement.
    pub superseded: Duration,
}

impl Default for Schedule {
    /// A rejection may be contested for three months; an ended ID's photos are evidence in a
    /// fraud investigation for a year; a replaced upload is only kept while its successor is
    /// reviewed.
    fn default() -> Self {
        Schedule { rejected: Duration::days(90), ended: Duration::days(365), superseded: Duration::days(30) }
    }
}

/// Which period applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Rejected,
    Ended,
    Superseded,
}

impl Class {
    pub const ALL: [Class; 3] = [Class::Rejected, Class::Ended, Class::Superseded];

    pub fn code(self) -> &'static str {
        match self {
            Class::Rejected => "rejected",
            Class::Ended => "ended",
            Class::Superseded => "superseded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Class::Rejected => "却下された登録の写真・転記",
            Class::Ended => "退会・資格剥奪・抹消したIDの写真・転記",
            Class::Superseded => "再提出で置き換えられた登録の写真",
        }
    }
}

impl Schedule {
    pub fn period(&self, class: Class) -> Duration {
        match class {
            Class::Rejected => self.rejected,
            Class::Ended => self.ended,
            Class::Superseded => self.superseded,
        }
    }

    /// Data of `class` that became idle before this instant is due at `now`.
    pub fn cutoff(&self, class: Class, now: time::OffsetDateTime) -> time::OffsetDateTime {
        now - self.period(class)
    }
}

/// A litigation hold's reason: stated, 10 to 500 characters, because it keeps special-care data
/// past its period and an auditor will ask why.
pub fn check_hold_reason(reason: &str) -> Result<(), &'static str> {
    match reason.trim().chars().count() {
        n if n < 10 => Err("保留の法的な理由を10文字以上で記録してください（例: 訴訟・調査の名称と根拠）。"),
        n if n > 500 => Err("保留の理由は500文字以内で入力してください。"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let s = Schedule::default();
        assert_eq!(s.period(Class::Rejected), Duration::days(90));
        assert_eq!(s.period(Class::Ended), Duration::days(365));
        assert_eq!(s.period(Class::Superseded), Duration::days(30));
    }

    #[test]
    fn the_cutoff_is_now_minus_the_period() {
        let s = Schedule { rejected: Duration::seconds(5), ..Schedule::default() };
        let now = datetime!(2026-12-07 12:00:00 UTC);
        assert_eq!(s.cutoff(Class::Rejected, now), datetime!(2026-12-07 11:59:55 UTC));
    }

    #[test]
    fn a_hold_states_its_reason() {
        assert!(check_hold_reason("訴訟").is_err());
        assert!(check_hold_reason(&"あ".repeat(501)).is_err());
        assert!(check_hold_reason("損害賠償請求事件（令和8年(ワ)第123号）の証拠保全").is_ok());
    }
}
