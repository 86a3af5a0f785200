//! Reading the posted form field by field: each problem is noted beside its field, each date
//! says how it was understood.

use super::{FareClass, Field, FieldNote, Parsed, Understood, parse_grade};
use crate::domain::handbook::HandbookKind;
use crate::domain::normalize::{self, clean_text};
use crate::domain::wareki::{self, Accept, WarekiDate};

pub(super) fn is_kana(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヺ' | 'ー' | '・' | 'ゝ' | 'ゞ' | 'ヽ' | 'ヾ') || c.is_whitespace()
}

pub(super) struct Reader<'a> {
    pub(super) out: &'a mut Parsed,
}

impl Reader<'_> {
    pub(super) fn error(&mut self, field: &'static str, message: impl Into<String>) {
        self.out.errors.push(FieldNote { field, message: message.into() });
    }

    pub(super) fn warn(&mut self, field: &'static str, message: impl Into<String>) {
        self.out.warnings.push(FieldNote { field, message: message.into() });
    }

    pub(super) fn required_text(&mut self, field: Field, raw: &str, max: usize) -> Option<String> {
        let (label, field) = (field.label(), field.name());
        let text = clean_text(raw);
        if text.is_empty() {
            self.error(field, format!("{label}を入力してください。"));
            return None;
        }
        if text.chars().count() > max {
            self.error(field, format!("{label}は{max}文字以内で入力してください。"));
            return None;
        }
        Some(text)
    }

    pub(super) fn optional_text(&mut self, field: Field, raw: &str, max: usize) -> Option<String> {
        let (label, field) = (field.label(), field.name());
        let text = clean_text(raw);
        if text.chars().count() > max {
            self.error(field, format!("{label}は{max}文字以内で入力してください。"));
            return None;
        }
        (!text.is_empty()).then_some(text)
    }

    pub(super) fn date(&mut self, field: Field, raw: &str, accept: Accept, required: bool) -> Option<WarekiDate> {
        let (label, field) = (field.label(), field.name());
        if raw.trim().is_empty() {
            if required {
                self.error(field, format!("{label}を入力してください。"));
            }
            return None;
        }
        match wareki::parse(raw, accept) {
            Ok(read) => {
                self.out.understood.push(Understood { field, display: read.display(), iso: read.iso() });
                if let Some(warning) = &read.warning {
                    self.warn(field, format!("{label}: {warning}"));
                }
                Some(read)
            }
            Err(e) => {
                self.error(field, format!("{label}: {e}"));
                None
            }
        }
    }

    /// The grade, in the vocabulary of `kind` (none to check against while the kind is unknown).
    pub(super) fn grade(&mut self, kind: Option<HandbookKind>, raw: &str) -> Option<String> {
        match parse_grade(kind?, raw) {
            Ok(grade) => Some(grade),
            Err(message) => {
                self.error("grade", message);
                None
            }
        }
    }

    /// The fare class, which physical and intellectual handbooks always print.
    pub(super) fn fare_class(&mut self, kind: Option<HandbookKind>, raw: &str) -> Option<FareClass> {
        let fare_class = match FareClass::parse(raw) {
            Ok(class) => class,
            Err(message) => {
                self.error("fare_class", message);
                None
            }
        };
        if fare_class.is_none()
            && matches!(kind, Some(HandbookKind::Physical | HandbookKind::Intellectual))
            && !self.out.errors.iter().any(|e| e.field == "fare_class")
        {
            self.error(
                "fare_class",
                "身体障害者手帳・療育手帳には旅客運賃減額（第1種・第2種）が記載されています。選んでください。",
            );
        }
        fare_class
    }

    /// The handbook number, checked against the one printed on another page when given.
    pub(super) fn number(&mut self, raw: &str, second: &str) -> Option<String> {
        let number = self.required_text(Field::Number, raw, 30);
        if let Some(n) = &number
            && normalize::handbook_number_key(n).is_empty()
        {
            self.error("number", "手帳番号に数字がありません。");
        }
        if let Some(n) = &number
            && !second.trim().is_empty()
        {
            let (first, second) = (normalize::handbook_number_key(n), normalize::handbook_number_key(second));
            if first != second {
                self.error(
                    "second_number",
                    format!(
                        "1ページ目の番号（{first}）と2ページ目の番号（{second}）が違います。読み直すか、「記載内容が一致しない」で差し戻してください。"
                    ),
                );
            }
        }
        number
    }
}
