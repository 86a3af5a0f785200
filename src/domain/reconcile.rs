//! Registered values against what the Myna Portal sent, field by field (DOMAIN.md "Myna
//! Portal"): match; match after a named normalisation rule; mismatch; missing on one side; or
//! not provided for the handbook's kind. Only the fields the portal provides for that kind are
//! compared: it sends no name or birth date, the municipality only for the physical handbook,
//! the expiry only for the mental one, and nothing for the intellectual handbook today (which
//! kinds provide what is a setting, `Provided`, not a rule written into the comparison).

use time::Date;

use super::handbook::HandbookKind;
use super::normalize::{self, Comparison, Rule};
use super::wareki::{self, Accept};

/// A field the portal can provide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    DisabilityCategory,
    Grade,
    Municipality,
    Number,
    IssuedOn,
    RenewedOn,
    ExpiresOn,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::DisabilityCategory,
        Field::Grade,
        Field::Municipality,
        Field::Number,
        Field::IssuedOn,
        Field::RenewedOn,
        Field::ExpiresOn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Field::DisabilityCategory => "disability_category",
            Field::Grade => "grade",
            Field::Municipality => "municipality",
            Field::Number => "number",
            Field::IssuedOn => "issued_on",
            Field::RenewedOn => "renewed_on",
            Field::ExpiresOn => "expires_on",
        }
    }

    pub fn parse(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::DisabilityCategory => "障害の種別・区分",
            Field::Grade => "等級",
            Field::Municipality => "交付自治体",
            Field::Number => "手帳番号",
            Field::IssuedOn => "交付日",
            Field::RenewedOn => "再交付日",
            Field::ExpiresOn => "有効期限",
        }
    }

    /// The normalisation rules that may make two texts of this field equal.
    fn rules(self) -> &'static [Rule] {
        match self {
            Field::Number => normalize::NUMBER_RULES,
            Field::Municipality => normalize::MUNICIPALITY_RULES,
            _ => normalize::TEXT_RULES,
        }
    }

    fn is_date(self) -> bool {
        matches!(self, Field::IssuedOn | Field::RenewedOn | Field::ExpiresOn)
    }
}

/// Which fields the portal provides for each kind: what the guideline says today, kept as a
/// setting so a kind can start providing data without a change to the comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provided {
    pub physical: Vec<Field>,
    pub mental: Vec<Field>,
    pub intellectual: Vec<Field>,
}

impl Default for Provided {
    fn default() -> Self {
        use Field::*;
        Provided {
            physical: vec![DisabilityCategory, Grade, Municipality, Number, IssuedOn, RenewedOn],
            mental: vec![DisabilityCategory, Grade, Number, ExpiresOn, IssuedOn, RenewedOn],
            intellectual: Vec::new(),
        }
    }
}

impl Provided {
    pub fn fields(&self, kind: HandbookKind) -> &[Field] {
        match kind {
            HandbookKind::Physical => &self.physical,
            HandbookKind::Mental => &self.mental,
            HandbookKind::Intellectual => &self.intellectual,
        }
    }
}

/// What was registered (transcribed and approved), as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registered {
    pub disability_category: Option<String>,
    pub grade: String,
    pub municipality: String,
    pub number: String,
    pub issued_on: Option<Date>,
    pub renewed_on: Option<Date>,
    pub expires_on: Option<Date>,
}

/// What the portal sent, as the government writes it (full-width, era dates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortalRecord {
    pub disability_category: Option<String>,
    pub grade: Option<String>,
    pub municipality: Option<String>,
    pub number: Option<String>,
    pub issued_on: Option<String>,
    pub renewed_on: Option<String>,
    pub expires_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Match,
    /// Equal once these named rules are applied.
    MatchAfter(Vec<Rule>),
    Mismatch,
    /// Registered, but the portal sent nothing for it.
    MissingOnPortal,
    /// The portal has a value the registration lacks.
    MissingRegistered,
    /// The portal does not provide this field for the handbook's kind.
    NotProvided,
}

impl Verdict {
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::MatchAfter(_) => "match_after",
            Verdict::Mismatch => "mismatch",
            Verdict::MissingOnPortal => "missing_on_portal",
            Verdict::MissingRegistered => "missing_registered",
            Verdict::NotProvided => "not_provided",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Verdict::Match => "一致".into(),
            Verdict::MatchAfter(rules) => {
                let named: Vec<&str> = rules.iter().map(|r| r.label()).collect();
                format!("一致（{}）", named.join("・"))
            }
            Verdict::Mismatch => "不一致".into(),
            Verdict::MissingOnPortal => "マイナポータルに値なし".into(),
            Verdict::MissingRegistered => "登録に値なし".into(),
            Verdict::NotProvided => "提供されない項目".into(),
        }
    }

    /// Needs a person: a difference, or a value on one side only.
    pub fn needs_attention(&self) -> bool {
        matches!(self, Verdict::Mismatch | Verdict::MissingOnPortal | Verdict::MissingRegistered)
    }
}

/// One compared field: both sides as shown, and the verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub field: Field,
    pub registered: String,
    pub portal: String,
    pub verdict: Verdict,
}

impl Line {
    /// Staff may take the portal's value as a correction (art. 2(2)–(3)): the two differ and
    /// the portal has a value to take.
    pub fn correctable(&self) -> bool {
        matches!(self.verdict, Verdict::Mismatch | Verdict::MissingRegistered) && !self.portal.trim().is_empty()
    }
}

fn registered_text(r: &Registered, field: Field) -> Option<String> {
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    let text = match field {
        Field::DisabilityCategory => r.disability_category.clone(),
        Field::Grade => Some(r.grade.clone()),
        Field::Municipality => Some(r.municipality.clone()),
        Field::Number => Some(r.number.clone()),
        Field::IssuedOn => date(r.issued_on),
        Field::RenewedOn => date(r.renewed_on),
        Field::ExpiresOn => date(r.expires_on),
    };
    text.filter(|t| !t.trim().is_empty())
}

fn portal_text(p: &PortalRecord, field: Field) -> Option<String> {
    let text = match field {
        Field::DisabilityCategory => p.disability_category.clone(),
        Field::Grade => p.grade.clone(),
        Field::Municipality => p.municipality.clone(),
        Field::Number => p.number.clone(),
        Field::IssuedOn => p.issued_on.clone(),
        Field::RenewedOn => p.renewed_on.clone(),
        Field::ExpiresOn => p.expires_on.clone(),
    };
    text.filter(|t| !t.trim().is_empty())
}

/// A portal date against a registered one: the same day written in ISO form is a match, in
/// the Japanese era (or with full-width digits) a match after a named rule.
fn compare_dates(registered: &str, portal: &str) -> Verdict {
    if registered == portal.trim() {
        return Verdict::Match;
    }
    let Ok(read) = wareki::parse(portal, Accept::Day) else { return Verdict::Mismatch };
    if read.date.to_string() != registered {
        return Verdict::Mismatch;
    }
    let ascii = normalize::ascii_digits(portal);
    if ascii.trim() == registered {
        Verdict::MatchAfter(vec![Rule::Width])
    } else {
        Verdict::MatchAfter(vec![Rule::EraDate])
    }
}

/// Compares one field.
pub fn field(field: Field, registered: Option<&str>, portal: Option<&str>) -> Verdict {
    match (registered, portal) {
        (None, None) => Verdict::Match,
        (Some(_), None) => Verdict::MissingOnPortal,
        (None, Some(_)) => Verdict::MissingRegistered,
        (Some(r), Some(p)) if field.is_date() => compare_dates(r, p),
        (Some(r), Some(p)) => match normalize::compare(r, p, field.rules()) {
            Comparison::Identical => Verdict::Match,
            Comparison::Equivalent(rules) => Verdict::MatchAfter(rules),
            Comparison::Different => Verdict::Mismatch,
        },
    }
}

/// Every field of the handbook's kind, in the order the screen shows them; fields the portal
/// does not provide for that kind are listed as such, never compared.
pub fn reconcile(kind: HandbookKind, provided: &Provided, registered: &Registered, portal: &PortalRecord) -> Vec<Line> {
    let wanted = provided.fields(kind);
    Field::ALL
        .iter()
        .filter(|f| kind_has(kind, **f))
        .map(|f| {
            let (r, p) = (registered_text(registered, *f), portal_text(portal, *f));
            let verdict = if wanted.contains(f) { field(*f, r.as_deref(), p.as_deref()) } else { Verdict::NotProvided };
            Line { field: *f, registered: r.unwrap_or_default(), portal: p.unwrap_or_default(), verdict }
        })
        .collect()
}

/// Whether a handbook of this kind carries the field at all (the expiry is the mental
/// handbook's; the municipality is printed on all).
fn kind_has(kind: HandbookKind, field: Field) -> bool {
    !matches!((kind, field), (HandbookKind::Physical | HandbookKind::Intellectual, Field::ExpiresOn))
}

/// A handbook's link status as counters and staff see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    Linked,
    Pending,
    Unlinked,
    /// The portal provides nothing for this kind (the intellectual handbook today).
    None,
}

impl LinkStatus {
    /// The status shown for a handbook of `kind` whose stored link is `stored`.
    pub fn of(kind: HandbookKind, stored: &str, provided: &Provided) -> LinkStatus {
        if provided.fields(kind).is_empty() {
            return LinkStatus::None;
        }
        match stored {
            "linked" => LinkStatus::Linked,
            "pending" => LinkStatus::Pending,
            _ => LinkStatus::Unlinked,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            LinkStatus::Linked => "linked",
            LinkStatus::Pending => "pending",
            LinkStatus::Unlinked => "unlinked",
            LinkStatus::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LinkStatus::Linked => "連携済",
            LinkStatus::Pending => "申請中",
            LinkStatus::Unlinked => "未連携",
            LinkStatus::None => "なし",
        }
    }
}

/// What portal data suggests beyond the fields (for the supervisors' work lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// A later renewal date or another number: a reissue not registered (art. 3(1)(iii)).
    Reissued,
}

pub fn hints(lines: &[Line]) -> Vec<Hint> {
    let later_renewal = lines.iter().any(|l| {
        l.field == Field::RenewedOn
            && match l.verdict {
                Verdict::Mismatch | Verdict::MissingRegistered => {
                    let portal = wareki::parse(&l.portal, Accept::Day).ok().map(|w| w.date);
                    let registered =
                        Date::parse(&l.registered, time::macros::format_description!("[year]-[month]-[day]")).ok();
                    match (portal, registered) {
                        (Some(p), Some(r)) => p > r,
                        (Some(_), None) => true,
                        _ => false,
                    }
                }
                _ => false,
            }
    });
    let other_number = lines.iter().any(|l| l.field == Field::Number && l.verdict == Verdict::Mismatch);
    if later_renewal || other_number { vec![Hint::Reissued] } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn registered() -> Registered {
        Registered {
            disability_category: Some("肢体不自由".into()),
            grade: "2級".into(),
            municipality: "未来県".into(),
            number: "1000001".into(),
            issued_on: Some(date!(2022 - 01 - 31)),
            renewed_on: None,
            expires_on: None,
        }
    }

    fn portal() -> PortalRecord {
        PortalRecord {
            disability_category: Some("肢体不自由".into()),
            grade: Some("２級".into()),
            municipality: Some("未来県知事".into()),
            number: Some("第１０００００１号".into()),
            issued_on: Some("令和4年1月31日".into()),
            renewed_on: None,
            expires_on: None,
        }
    }

    fn verdict(lines: &[Line], f: Field) -> Verdict {
        lines.iter().find(|l| l.field == f).map(|l| l.verdict.clone()).unwrap_or(Verdict::NotProvided)
    }

    #[test]
    fn each_difference_in_writing_is_a_match_after_its_named_rule() {
        let lines = reconcile(HandbookKind::Physical, &Provided::default(), &registered(), &portal());
        assert_eq!(verdict(&lines, Field::DisabilityCategory), Verdict::Match);
        assert_eq!(verdict(&lines, Field::Grade), Verdict::MatchAfter(vec![Rule::Width]));
        assert_eq!(verdict(&lines, Field::Municipality), Verdict::MatchAfter(vec![Rule::IssuerTitle]));
        assert!(matches!(verdict(&lines, Field::Number), Verdict::MatchAfter(r) if r.contains(&Rule::NumberFormat)));
        assert_eq!(verdict(&lines, Field::IssuedOn), Verdict::MatchAfter(vec![Rule::EraDate]));
        assert_eq!(verdict(&lines, Field::RenewedOn), Verdict::Match, "absent on both sides");
        assert!(lines.iter().all(|l| l.field != Field::ExpiresOn), "a physical handbook has no expiry");
        assert!(lines.iter().all(|l| !l.verdict.needs_attention()));
        assert!(hints(&lines).is_empty());
    }

    #[test]
    fn real_differences_and_one_sided_values_are_named() {
        let p = PortalRecord {
            grade: Some("1級".into()),
            number: Some("1000002".into()),
            renewed_on: Some("令和6年5月1日".into()),
            issued_on: Some("2022-01-31".into()),
            disability_category: None,
            ..portal()
        };
        let lines = reconcile(HandbookKind::Physical, &Provided::default(), &registered(), &p);
        assert_eq!(verdict(&lines, Field::Grade), Verdict::Mismatch);
        assert_eq!(verdict(&lines, Field::Number), Verdict::Mismatch);
        assert_eq!(verdict(&lines, Field::IssuedOn), Verdict::Match, "ISO on both sides");
        assert_eq!(verdict(&lines, Field::RenewedOn), Verdict::MissingRegistered);
        assert_eq!(verdict(&lines, Field::DisabilityCategory), Verdict::MissingOnPortal);
        assert_eq!(hints(&lines), [Hint::Reissued], "a later renewal and another number");
    }

    #[test]
    fn full_width_iso_dates_match_after_width() {
        assert_eq!(
            field(Field::IssuedOn, Some("2022-01-31"), Some("２０２２-０１-３１")),
            Verdict::MatchAfter(vec![Rule::Width])
        );
        assert_eq!(field(Field::IssuedOn, Some("2022-01-31"), Some("令和4年2月1日")), Verdict::Mismatch);
        assert_eq!(field(Field::IssuedOn, Some("2022-01-31"), Some("2月31日")), Verdict::Mismatch);
    }

    #[test]
    fn kinds_compare_only_what_the_portal_provides_for_them() {
        let mental = reconcile(HandbookKind::Mental, &Provided::default(), &registered(), &portal());
        assert_eq!(
            verdict(&mental, Field::Municipality),
            Verdict::NotProvided,
            "no municipality for the mental handbook"
        );
        assert!(mental.iter().any(|l| l.field == Field::ExpiresOn));
        let intellectual = reconcile(HandbookKind::Intellectual, &Provided::default(), &registered(), &portal());
        assert!(intellectual.iter().all(|l| l.verdict == Verdict::NotProvided));
        // A setting, not a rule: once the intellectual handbook is provided, it is compared.
        let later = Provided { intellectual: vec![Field::Grade], ..Provided::default() };
        let compared = reconcile(HandbookKind::Intellectual, &later, &registered(), &portal());
        assert_eq!(verdict(&compared, Field::Grade), Verdict::MatchAfter(vec![Rule::Width]));
    }
}
