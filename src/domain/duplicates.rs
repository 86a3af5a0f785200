//! Two IDs that look like one handbook or one person, as the supervisors' work list tells them
//! apart. A reissue registered as a new ID (terms art. 3(1)(iii)) ends the old ID by
//! withdrawal, not a sanction; one person holding two IDs is a duplicate (art. 3(1)(vi)). A
//! wrong call withdraws the wrong ID, so a reissue is the narrow case and anything unclear is
//! a duplicate for a person to look into.

use time::Date;

use super::handbook::HandbookKind;

/// What the two registrations share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// The same issuer and handbook number, within one kind of handbook.
    SameNumber,
    /// The same name and birth date.
    SamePerson,
}

impl Match {
    /// As the work list's query writes it (`number`, `person`).
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "number" => Some(Match::SameNumber),
            "person" => Some(Match::SamePerson),
            _ => None,
        }
    }
}

/// One side of a pair: its kind of handbook (`None`: a stored code that did not read) and the
/// issue date transcribed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Side {
    pub kind: Option<HandbookKind>,
    pub issued: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlap {
    /// One person with two IDs, or one handbook on two IDs: a 3(1)(vi) duplicate.
    Duplicate,
    /// The same person's handbook of the same kind, issued again later: withdraw the older ID.
    Reissue,
}

/// A reissue is the same person, the same kind of handbook and another issue date; everything
/// else (the same number twice, two kinds of handbook, the same day) is a duplicate.
pub fn classify(why: Match, a: Side, b: Side) -> Overlap {
    let same_kind = a.kind.is_some() && a.kind == b.kind;
    if why == Match::SamePerson && same_kind && a.issued != b.issued { Overlap::Reissue } else { Overlap::Duplicate }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn side(kind: HandbookKind, issued: Date) -> Side {
        Side { kind: Some(kind), issued }
    }

    #[test]
    fn a_later_handbook_of_the_same_kind_is_a_reissue() {
        let old = side(HandbookKind::Physical, date!(2022 - 01 - 31));
        let new = side(HandbookKind::Physical, date!(2024 - 05 - 01));
        assert_eq!(classify(Match::SamePerson, old, new), Overlap::Reissue);
        assert_eq!(classify(Match::SamePerson, new, old), Overlap::Reissue, "whichever comes first");
    }

    #[test]
    fn one_person_with_two_kinds_of_handbook_is_a_duplicate() {
        // MR-2600003 身体 and MR-2600007 精神 in the demo: two IDs of one person.
        let physical = side(HandbookKind::Physical, date!(2022 - 01 - 31));
        let mental = side(HandbookKind::Mental, date!(2024 - 05 - 01));
        assert_eq!(classify(Match::SamePerson, physical, mental), Overlap::Duplicate);
    }

    #[test]
    fn the_same_number_twice_or_the_same_day_is_a_duplicate() {
        let a = side(HandbookKind::Physical, date!(2022 - 01 - 31));
        let b = side(HandbookKind::Physical, date!(2024 - 05 - 01));
        assert_eq!(classify(Match::SameNumber, a, b), Overlap::Duplicate);
        assert_eq!(classify(Match::SamePerson, a, a), Overlap::Duplicate);
    }

    #[test]
    fn an_unreadable_kind_is_never_taken_for_a_reissue() {
        let a = Side { kind: None, issued: date!(2022 - 01 - 31) };
        let b = Side { kind: None, issued: date!(2024 - 05 - 01) };
        assert_eq!(classify(Match::SamePerson, a, b), Overlap::Duplicate);
        assert_eq!(Match::parse("person"), Some(Match::SamePerson));
        assert_eq!(Match::parse("other"), None);
    }
}
