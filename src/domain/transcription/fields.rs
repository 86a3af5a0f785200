//! The form's vocabulary: each field's name and label, the fare class, and the grades each
//! kind of handbook uses.

use super::TranscriptionInput;
use crate::domain::handbook::HandbookKind;
use crate::domain::normalize;

/// 旅客運賃減額 class printed (stamped) on the handbook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FareClass {
    First,
    Second,
}

impl FareClass {
    /// Reads the class as printed or stamped: 「第1種」, 「第一種」, the short stamp 「1種」.
    pub fn parse(raw: &str) -> Result<Option<FareClass>, &'static str> {
        let text: String =
            normalize::kanji_digits(&normalize::clean_text(raw)).chars().filter(|c| !c.is_whitespace()).collect();
        let core = text.strip_prefix('第').unwrap_or(&text);
        let core = core.strip_suffix('種').unwrap_or(core);
        match core {
            "" if text.is_empty() => Ok(None),
            "none" | "なし" => Ok(None),
            "1" | "first" => Ok(Some(FareClass::First)),
            "2" | "second" => Ok(Some(FareClass::Second)),
            _ => Err("旅客運賃減額は「第1種」「第2種」「なし」から選んでください。"),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            FareClass::First => "1",
            FareClass::Second => "2",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FareClass::First => "第1種",
            FareClass::Second => "第2種",
        }
    }

    pub fn from_code(code: &str) -> Option<FareClass> {
        match code {
            "1" => Some(FareClass::First),
            "2" => Some(FareClass::Second),
            _ => None,
        }
    }
}

/// Intellectual handbooks name their grade by prefecture; these are the vocabularies in use.
pub const INTELLECTUAL_GRADES: [&str; 15] =
    ["A", "A1", "A2", "B", "B1", "B2", "マルA", "1度", "2度", "3度", "4度", "最重度", "重度", "中度", "軽度"];

/// The grade, in the handbook's own vocabulary, checked against its kind.
pub fn parse_grade(kind: HandbookKind, raw: &str) -> Result<String, String> {
    // The circled Ⓐ of some prefectures must not become a plain A under NFKC.
    let raw = raw
        .trim()
        .replace('Ⓐ', "マルA")
        .replace("(A)", "マルA")
        .replace("（Ａ）", "マルA")
        .replace("○A", "マルA")
        .replace("〇A", "マルA");
    // Printed grades use kanji numerals (「二級」「三度」): read like the digits.
    let text: String =
        normalize::kanji_digits(&normalize::clean_text(&raw)).chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return Err("等級を入力してください。".into());
    }
    match kind {
        HandbookKind::Physical | HandbookKind::Mental => {
            let max = if kind == HandbookKind::Physical { 6 } else { 3 };
            let digits = text.trim_end_matches('級');
            match digits.parse::<u8>() {
                Ok(n) if (1..=max).contains(&n) => Ok(format!("{n}級")),
                _ => Err(format!("等級は1級〜{max}級で入力してください。")),
            }
        }
        HandbookKind::Intellectual => {
            let upper = text.to_uppercase();
            INTELLECTUAL_GRADES.iter().find(|g| g.to_uppercase() == upper).map(|g| (*g).to_owned()).ok_or_else(|| {
                format!("障害の程度は次のいずれかで入力してください: {}", INTELLECTUAL_GRADES.join("、"))
            })
        }
    }
}

/// One field of the unified transcription: its form name and its label, said once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Kind,
    Name,
    NameKana,
    BirthDate,
    DisabilityCategory,
    Grade,
    FareClass,
    Care,
    Municipality,
    Number,
    IssuedOn,
    RenewedOn,
    ExpiresOn,
    RecertOn,
    MedicalNumber,
    /// The handbook's name as printed (「療育手帳」, 「愛の手帳」, 「みどりの手帳」…).
    HandbookName,
}

impl Field {
    pub const ALL: [Field; 16] = [
        Field::Kind,
        Field::HandbookName,
        Field::Name,
        Field::NameKana,
        Field::BirthDate,
        Field::DisabilityCategory,
        Field::Grade,
        Field::FareClass,
        Field::Care,
        Field::Municipality,
        Field::Number,
        Field::IssuedOn,
        Field::RenewedOn,
        Field::ExpiresOn,
        Field::RecertOn,
        Field::MedicalNumber,
    ];

    /// The form's field name (and `TranscriptionInput`'s member).
    pub fn name(self) -> &'static str {
        match self {
            Field::Kind => "kind",
            Field::Name => "name",
            Field::NameKana => "name_kana",
            Field::BirthDate => "birth_date",
            Field::DisabilityCategory => "disability_category",
            Field::Grade => "grade",
            Field::FareClass => "fare_class",
            Field::Care => "care",
            Field::Municipality => "municipality",
            Field::Number => "number",
            Field::IssuedOn => "issued_on",
            Field::RenewedOn => "renewed_on",
            Field::ExpiresOn => "expires_on",
            Field::RecertOn => "recert_on",
            Field::MedicalNumber => "medical_number",
            Field::HandbookName => "handbook_name",
        }
    }

    /// The label staff and holders read (form, conflict page, correction notices).
    pub fn label(self) -> &'static str {
        match self {
            Field::Kind => "手帳の種類",
            Field::Name => "氏名",
            Field::NameKana => "ふりがな",
            Field::BirthDate => "生年月日",
            Field::DisabilityCategory => "障害名・障害の種別",
            Field::Grade => "等級・障害の程度",
            Field::FareClass => "旅客運賃減額",
            Field::Care => "介護",
            Field::Municipality => "発行元自治体",
            Field::Number => "手帳番号",
            Field::IssuedOn => "交付日",
            Field::RenewedOn => "更新日・再交付日",
            Field::ExpiresOn => "有効期限",
            Field::RecertOn => "再認定年月・次回判定年月",
            Field::MedicalNumber => "自立支援医療受給者番号",
            Field::HandbookName => "手帳の名称（表記どおり）",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What was typed in this field of a form, as typed (the conflict page shows both).
    pub fn typed(self, input: &TranscriptionInput) -> String {
        match self {
            Field::Kind => HandbookKind::parse(&input.kind).map(HandbookKind::label).unwrap_or_default().to_owned(),
            Field::Name => input.name.clone(),
            Field::NameKana => input.name_kana.clone(),
            Field::BirthDate => input.birth_date.clone(),
            Field::DisabilityCategory => input.disability_category.clone(),
            Field::Grade => input.grade.clone(),
            Field::FareClass => input.fare_class.clone(),
            Field::Care => if input.care.as_deref().is_some_and(|c| !c.is_empty()) { "あり" } else { "なし" }.into(),
            Field::Municipality => input.municipality.clone(),
            Field::Number => input.number.clone(),
            Field::IssuedOn => input.issued_on.clone(),
            Field::RenewedOn => input.renewed_on.clone(),
            Field::ExpiresOn => input.expires_on.clone(),
            Field::RecertOn => input.recert_on.clone(),
            Field::MedicalNumber => input.medical_number.clone(),
            Field::HandbookName => input.handbook_name.clone(),
        }
    }
}
