//! What became of a suggestion: whether it means what was printed or saved, and what the
//! reviewer did with it.

use crate::domain::handbook::HandbookKind;
use crate::domain::normalize;
use crate::domain::transcription::{FareClass, Field, TranscriptionInput, parse_grade};
use crate::domain::wareki::{self, Accept};

/// Whether a suggestion means the same as what the demo printed, through the form's own rules
/// (an era date and its ISO form are the same date; 「第１２号」 and 「第12号」 the same number).
/// Names compare without spaces: the model does not read the space between family and given name.
pub fn same_value(field: Field, kind: HandbookKind, suggested: &str, truth: &str) -> bool {
    let date = |s: &str| wareki::parse(s, Accept::DayOrMonth).ok().map(|d| (d.date, d.precision));
    let squeeze = |s: &str| normalize::clean_text(s).chars().filter(|c| !c.is_whitespace()).collect::<String>();
    match field {
        Field::BirthDate | Field::IssuedOn | Field::RenewedOn | Field::ExpiresOn | Field::RecertOn => {
            date(suggested).is_some() && date(suggested) == date(truth)
        }
        Field::Grade => parse_grade(kind, suggested).ok() == parse_grade(kind, truth).ok(),
        Field::FareClass => FareClass::parse(suggested).ok() == FareClass::parse(truth).ok(),
        Field::Care => suggested.is_empty() == truth.is_empty(),
        Field::Number => normalize::handbook_number_key(suggested) == normalize::handbook_number_key(truth),
        _ => squeeze(suggested) == squeeze(truth),
    }
}

/// What the reviewer did with a field's suggestion, judged from the value they saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuggestionUse {
    /// The saved value is the suggestion (accepted, or typed the same).
    Accepted,
    /// The reviewer saved another value.
    Corrected,
    /// The field was left empty and the reviewer confirmed the suggestion does not apply.
    Dismissed,
}

impl SuggestionUse {
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionUse::Accepted => "accepted",
            SuggestionUse::Corrected => "corrected",
            SuggestionUse::Dismissed => "dismissed",
        }
    }

    pub fn parse(code: &str) -> Option<SuggestionUse> {
        [SuggestionUse::Accepted, SuggestionUse::Corrected, SuggestionUse::Dismissed]
            .into_iter()
            .find(|o| o.as_str() == code)
    }
}

/// The outcome of a suggestion once a transcription is saved: `None` while the field is empty
/// (nobody has said yet whether the suggestion applies).
pub fn outcome(field: Field, kind: HandbookKind, suggested: &str, saved: &str) -> Option<SuggestionUse> {
    if saved == suggested || same_value(field, kind, suggested, saved) {
        Some(SuggestionUse::Accepted)
    } else if saved.trim().is_empty() {
        None
    } else {
        Some(SuggestionUse::Corrected)
    }
}

/// What a saved form says of a stored suggestion (its field by name): the one judgement the
/// save, the job (a read that ends after a save) and the review screen share. `None` while the
/// field is empty, and for a name or kind no form has.
pub fn settle(field: &str, suggested: &str, input: &TranscriptionInput) -> Option<SuggestionUse> {
    let field = Field::from_name(field)?;
    let kind = HandbookKind::parse(&input.kind)?;
    outcome(field, kind, suggested, &saved_value(field, input))
}

/// The value a saved form holds for `field`, in the same terms as a suggestion.
pub fn saved_value(field: Field, input: &TranscriptionInput) -> String {
    match field {
        Field::Kind => input.kind.clone(),
        Field::Care => input.care.clone().filter(|c| !c.is_empty()).map(|_| "on".to_owned()).unwrap_or_default(),
        _ => field.typed(input),
    }
}
