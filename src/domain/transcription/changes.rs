//! What staff corrected between the first transcription of a handbook and the last.

use time::Date;

use super::{Field, Transcription, TranscriptionInput};

/// A field staff changed between the first transcription (what the photos showed) and the
/// last, as the holder reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub field: Field,
    pub before: String,
    pub after: String,
}

/// What staff corrected: the fields whose value, as the holder reads it, differs between two
/// saved forms. Different typing of the same value (spaces, full-width digits, era) is not a
/// correction. Forms that do not parse compare as no change.
pub fn changes(first: &TranscriptionInput, last: &TranscriptionInput, today: Date) -> Vec<Changed> {
    let (Some(a), Some(b)) =
        (Transcription::parse(first, today).transcription, Transcription::parse(last, today).transcription)
    else {
        return Vec::new();
    };
    a.shown()
        .into_iter()
        .zip(b.shown())
        .filter(|((_, before), (_, after))| before != after)
        .map(|((field, before), (_, after))| Changed { field, before, after })
        .collect()
}
