//! Identifying a caller who reports a lost phone (art. 3(4)), before the support center
//! suspends the ID. The caller gives the public ID or e-mail; then the birth date and one more
//! registered fact, which the system picks and keeps with the report (so reloading does not
//! offer an easier question). A mismatch is only ever "not verified": the caller never learns
//! which fact was wrong. Repeated mismatches on one holder are flagged. Getting the ID back
//! also needs a one-time code sent to the holder's registered e-mail address: the facts asked
//! are printed on the card, which is on the lost phone.

use time::Date;

use super::handbook::HandbookKind;
use super::normalize;

/// Mismatches on one holder within a day after which the holder is flagged.
pub const FLAG_AFTER: i64 = 3;

/// Mismatches one report may take: then it locks, and a supervisor looks at it.
pub const REPORT_ATTEMPTS: i32 = 3;

/// Mismatches on one holder within a day, across every report: then no report for that
/// holder checks answers until the day has passed. A new report per guess gains nothing.
pub const HOLDER_ATTEMPTS_PER_DAY: i64 = 5;

/// Whether answers may still be checked: guessing stops at the caps, so a birth date cannot be
/// walked (1,501 guesses once took 4.7 s). A locked report answers "not verified" whatever is
/// typed, and checks nothing, so the lock tells the caller nothing about the answers.
pub fn may_check(report_failures: i32, holder_failures_today: i64) -> bool {
    report_failures < REPORT_ATTEMPTS && holder_failures_today < HOLDER_ATTEMPTS_PER_DAY
}

/// How long a reinstatement code sent to the holder's e-mail address stays good.
pub const CODE_MINUTES: i64 = 30;

/// A reinstatement code: six digits read back over the phone (no letters to misread).
pub fn code(random: [u8; 4]) -> String {
    format!("{:06}", u32::from_le_bytes(random) % 1_000_000)
}

/// What the agent typed as the code, as it is compared: digits only (full-width digits and
/// spaces or hyphens between groups are how people read numbers out).
pub fn typed_code(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '－')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            other => other,
        })
        .collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// Where a reinstatement stands on its code: the ID comes back only with a code that was sent
/// to the registered address, is still good, and matches; and (separately) the fact check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    /// No code was sent for this report: send one first (nothing is counted).
    NotSent,
    /// The code sent is past its time: send a new one (nothing is counted).
    Expired,
    /// A code was typed and compared: it matches or it does not (a miss counts as a failed
    /// identification, toward the same caps).
    Compared(bool),
}

/// `expires_at`: when the code sent for the report stops being good (`None`: none was sent, or
/// it was used).
pub fn check_code(
    expires_at: Option<time::PrimitiveDateTime>,
    now: time::PrimitiveDateTime,
    matches: bool,
) -> CodeCheck {
    match expires_at {
        None => CodeCheck::NotSent,
        Some(until) if now >= until => CodeCheck::Expired,
        Some(_) => CodeCheck::Compared(matches),
    }
}

/// How the report reached the support center.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportChannel {
    /// The inquiry form the terms name.
    Form,
    Phone,
}

impl ReportChannel {
    pub const ALL: [ReportChannel; 2] = [ReportChannel::Form, ReportChannel::Phone];

    pub fn code(self) -> &'static str {
        match self {
            ReportChannel::Form => "form",
            ReportChannel::Phone => "phone",
        }
    }

    pub fn parse(code: &str) -> Option<ReportChannel> {
        ReportChannel::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportChannel::Form => "お問い合わせフォーム",
            ReportChannel::Phone => "電話",
        }
    }
}

/// The second fact asked, besides the birth date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Challenge {
    /// The issuing municipality of a registered handbook.
    Municipality,
    /// The reading of the registered name.
    Kana,
    /// The kind of a registered handbook.
    Kind,
}

impl Challenge {
    pub const ALL: [Challenge; 3] = [Challenge::Municipality, Challenge::Kana, Challenge::Kind];

    pub fn code(self) -> &'static str {
        match self {
            Challenge::Municipality => "municipality",
            Challenge::Kana => "kana",
            Challenge::Kind => "kind",
        }
    }

    pub fn parse(code: &str) -> Option<Challenge> {
        Challenge::ALL.into_iter().find(|c| c.code() == code)
    }

    /// What the agent asks the caller.
    pub fn question(self) -> &'static str {
        match self {
            Challenge::Municipality => "登録している手帳の発行元（都道府県・市区町村）",
            Challenge::Kana => "登録している氏名のふりがな",
            Challenge::Kind => "登録している手帳の種類",
        }
    }

    /// The questions a new report may ask: facts no page the support role opens shows. The
    /// kind of handbook is on the holder's profile, which support reads, so it is never asked
    /// again (reports that already ask it keep their question).
    pub const ASKED: [Challenge; 2] = [Challenge::Municipality, Challenge::Kana];

    /// One of [`Challenge::ASKED`], from a random number.
    pub fn pick(random: u8) -> Challenge {
        Challenge::ASKED[usize::from(random) % Challenge::ASKED.len()]
    }
}

/// What is registered for a holder, as the comparison needs it.
#[derive(Clone, Debug, Default)]
pub struct Registered {
    pub birth_dates: Vec<Date>,
    pub municipalities: Vec<String>,
    pub kanas: Vec<String>,
    pub kinds: Vec<HandbookKind>,
}

/// Whether the caller's answers match what is registered. Answers are compared as the
/// duplicate check compares (normalised), so 「未来県知事」 and 「未来県」 or full-width kana
/// match; anything unparsable is a mismatch.
pub fn matches(registered: &Registered, birth_date: Option<Date>, challenge: Challenge, answer: &str) -> bool {
    let Some(birth_date) = birth_date else { return false };
    if !registered.birth_dates.contains(&birth_date) {
        return false;
    }
    let answer = answer.trim();
    if answer.is_empty() {
        return false;
    }
    match challenge {
        Challenge::Municipality => {
            let key = normalize::municipality_key(answer);
            registered.municipalities.iter().any(|m| normalize::municipality_key(m) == key)
        }
        Challenge::Kana => {
            let key = normalize::kana_key(answer);
            registered.kanas.iter().any(|k| normalize::kana_key(k) == key)
        }
        Challenge::Kind => HandbookKind::parse(answer).is_some_and(|k| registered.kinds.contains(&k)),
    }
}

/// A short reference for the reply to the caller: letters and digits that cannot be misread
/// on the phone (no 0/O, 1/I/L).
pub fn reference(random: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let code: String = random.iter().take(6).map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("LD-{code}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_new_report_never_asks_what_support_can_read() {
        for random in 0..=u8::MAX {
            assert_ne!(Challenge::pick(random), Challenge::Kind, "the kind shows on the holder's profile");
        }
        assert_eq!(Challenge::parse("kind"), Some(Challenge::Kind), "an older report still reads");
    }

    #[test]
    fn a_code_is_six_digits_read_back_as_people_say_them() {
        assert_eq!(code([0, 0, 0, 0]), "000000");
        assert_eq!(code([0xff; 4]).len(), 6);
        assert_eq!(typed_code("１２３ ４５６").as_deref(), Some("123456"));
        assert_eq!(typed_code("123-456").as_deref(), Some("123456"));
        assert_eq!(typed_code("12345"), None);
        assert_eq!(typed_code("12345a"), None);
    }

    #[test]
    fn a_code_counts_only_when_it_was_sent_and_is_still_good() {
        use time::macros::datetime;
        let now = datetime!(2026-12-07 10:00);
        assert_eq!(check_code(None, now, true), CodeCheck::NotSent);
        assert_eq!(check_code(Some(datetime!(2026-12-07 10:00)), now, true), CodeCheck::Expired);
        assert_eq!(check_code(Some(datetime!(2026-12-07 10:01)), now, false), CodeCheck::Compared(false));
        assert_eq!(check_code(Some(datetime!(2026-12-07 10:01)), now, true), CodeCheck::Compared(true));
    }

    #[test]
    fn guessing_stops_at_the_caps() {
        assert!(may_check(0, 0));
        assert!(may_check(REPORT_ATTEMPTS - 1, HOLDER_ATTEMPTS_PER_DAY - 1));
        assert!(!may_check(REPORT_ATTEMPTS, 0), "the report's own cap");
        assert!(!may_check(0, HOLDER_ATTEMPTS_PER_DAY), "the holder's cap across reports");
    }

    use super::*;
    use time::macros::date;

    fn registered() -> Registered {
        Registered {
            birth_dates: vec![date!(1970 - 06 - 07)],
            municipalities: vec!["未来県知事".into()],
            kanas: vec!["たかはし　たろう".into()],
            kinds: vec![HandbookKind::Physical],
        }
    }

    #[test]
    fn both_facts_must_match() {
        let r = registered();
        let born = Some(date!(1970 - 06 - 07));
        assert!(matches(&r, born, Challenge::Municipality, "未来県"));
        assert!(matches(&r, born, Challenge::Kana, "タカハシ タロウ"));
        assert!(matches(&r, born, Challenge::Kind, "physical"));
        assert!(!matches(&r, Some(date!(1970 - 06 - 08)), Challenge::Municipality, "未来県"), "wrong birth date");
        assert!(!matches(&r, born, Challenge::Municipality, "若葉市"), "wrong fact");
        assert!(!matches(&r, None, Challenge::Kana, "たかはしたろう"), "no birth date");
        assert!(!matches(&r, born, Challenge::Kana, " "), "no answer");
        assert!(!matches(&Registered::default(), born, Challenge::Kind, "physical"), "nobody registered");
    }

    #[test]
    fn references_read_well_on_the_phone() {
        let r = reference(&[0, 1, 2, 200, 255, 30, 99]);
        assert_eq!(r.len(), 9);
        assert!(r.starts_with("LD-"));
        assert!(!r[3..].contains(['0', 'O', '1', 'I', 'L']));
    }

    #[test]
    fn codes_round_trip_and_every_asked_challenge_is_picked() {
        for c in Challenge::ALL {
            assert_eq!(Challenge::parse(c.code()), Some(c));
        }
        for c in ReportChannel::ALL {
            assert_eq!(ReportChannel::parse(c.code()), Some(c));
        }
        let picked: Vec<Challenge> = (0..2u8).map(Challenge::pick).collect();
        assert_eq!(picked, Challenge::ASKED);
    }
}
