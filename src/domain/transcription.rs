//! The unified fields staff type from a handbook's photos, parsed and checked once.
//!
//! The form posts strings; `Transcription::parse` turns them into typed values or names the
//! problem next to each field. `warnings` are facts a reviewer must look at but may accept
//! (an expired handbook is a reason to return it, not a typing error).

use time::Date;

use super::handbook::HandbookKind;
use super::normalize::{self, clean_text};
use super::wareki::{self, Accept, Precision, WarekiDate};

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
}

impl Field {
    pub const ALL: [Field; 15] = [
        Field::Kind,
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
        }
    }
}

/// The raw form, as posted.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct TranscriptionInput {
    pub kind: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub disability_category: String,
    pub grade: String,
    pub fare_class: String,
    pub care: Option<String>,
    pub municipality: String,
    pub number: String,
    pub issued_on: String,
    pub renewed_on: String,
    pub expires_on: String,
    pub recert_on: String,
    pub medical_number: String,
    /// The number as printed on another page (booklets print it twice): checked against
    /// `number`, not stored apart from the form.
    pub second_number: String,
}

/// Parsed fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcription {
    pub kind: HandbookKind,
    pub name: String,
    pub name_kana: String,
    pub birth_date: Date,
    pub disability_category: Option<String>,
    pub grade: String,
    pub fare_class: Option<FareClass>,
    pub care: bool,
    pub municipality: String,
    pub number: String,
    pub issued_on: Date,
    pub renewed_on: Option<Date>,
    pub expires_on: Option<Date>,
    /// 再認定年月 / 次回判定年月: year and month, or a full date.
    pub recert_on: Option<WarekiDate>,
    pub medical_number: Option<String>,
}

/// A problem or a remark about one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldNote {
    pub field: &'static str,
    pub message: String,
}

/// How each date field was read, for "understood as" beside the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Understood {
    pub field: &'static str,
    pub display: String,
    pub iso: String,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub transcription: Option<Transcription>,
    pub errors: Vec<FieldNote>,
    pub warnings: Vec<FieldNote>,
    pub understood: Vec<Understood>,
}

fn is_kana(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヺ' | 'ー' | '・' | 'ゝ' | 'ゞ' | 'ヽ' | 'ヾ') || c.is_whitespace()
}

struct Reader<'a> {
    out: &'a mut Parsed,
}

impl Reader<'_> {
    fn error(&mut self, field: &'static str, message: impl Into<String>) {
        self.out.errors.push(FieldNote { field, message: message.into() });
    }

    fn warn(&mut self, field: &'static str, message: impl Into<String>) {
        self.out.warnings.push(FieldNote { field, message: message.into() });
    }

    fn required_text(&mut self, field: Field, raw: &str, max: usize) -> Option<String> {
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

    fn optional_text(&mut self, field: Field, raw: &str, max: usize) -> Option<String> {
        let (label, field) = (field.label(), field.name());
        let text = clean_text(raw);
        if text.chars().count() > max {
            self.error(field, format!("{label}は{max}文字以内で入力してください。"));
            return None;
        }
        (!text.is_empty()).then_some(text)
    }

    fn date(&mut self, field: Field, raw: &str, accept: Accept, required: bool) -> Option<WarekiDate> {
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
}

impl Transcription {
    /// Parses the posted form. `today` is for the checks that depend on it (expiry).
    pub fn parse(input: &TranscriptionInput, today: Date) -> Parsed {
        let mut out = Parsed::default();
        let mut r = Reader { out: &mut out };
        let kind = HandbookKind::parse(&input.kind);
        if kind.is_none() {
            r.error("kind", "手帳の種類を選んでください。");
        }
        let name = r.required_text(Field::Name, &input.name, 60);
        let name_kana = r.required_text(Field::NameKana, &input.name_kana, 80);
        if let Some(kana) = &name_kana
            && !kana.chars().all(is_kana)
        {
            r.error("name_kana", "ふりがなは、ひらがなかカタカナで入力してください。");
        }
        let birth = r.date(Field::BirthDate, &input.birth_date, Accept::Day, true);
        let category = r.optional_text(Field::DisabilityCategory, &input.disability_category, 80);
        if kind == Some(HandbookKind::Physical)
            && category.is_none()
            && !r.out.errors.iter().any(|e| e.field == "disability_category")
        {
            r.error("disability_category", "身体障害者手帳の障害名を入力してください。");
        }
        let grade = match kind {
            Some(kind) => match parse_grade(kind, &input.grade) {
                Ok(grade) => Some(grade),
                Err(message) => {
                    r.error("grade", message);
                    None
                }
            },
            None => None,
        };
        let fare_class = match FareClass::parse(&input.fare_class) {
            Ok(class) => class,
            Err(message) => {
                r.error("fare_class", message);
                None
            }
        };
        if fare_class.is_none()
            && matches!(kind, Some(HandbookKind::Physical | HandbookKind::Intellectual))
            && !r.out.errors.iter().any(|e| e.field == "fare_class")
        {
            r.error(
                "fare_class",
                "身体障害者手帳・療育手帳には旅客運賃減額（第1種・第2種）が記載されています。選んでください。",
            );
        }
        let municipality = r.required_text(Field::Municipality, &input.municipality, 40);
        let number = r.required_text(Field::Number, &input.number, 30);
        if let Some(n) = &number
            && normalize::handbook_number_key(n).is_empty()
        {
            r.error("number", "手帳番号に数字がありません。");
        }
        if let Some(n) = &number
            && !input.second_number.trim().is_empty()
        {
            let (first, second) =
                (normalize::handbook_number_key(n), normalize::handbook_number_key(&input.second_number));
            if first != second {
                r.error(
                    "second_number",
                    format!(
                        "1ページ目の番号（{first}）と2ページ目の番号（{second}）が違います。読み直すか、「記載内容が一致しない」で差し戻してください。"
                    ),
                );
            }
        }
        let issued = r.date(Field::IssuedOn, &input.issued_on, Accept::Day, true);
        let renewed = r.date(Field::RenewedOn, &input.renewed_on, Accept::Day, false);
        let expires = r.date(Field::ExpiresOn, &input.expires_on, Accept::Day, kind == Some(HandbookKind::Mental));
        let recert = r.date(Field::RecertOn, &input.recert_on, Accept::DayOrMonth, false);
        let medical_number = r.optional_text(Field::MedicalNumber, &input.medical_number, 30);
        let care = input.care.as_deref().is_some_and(|v| !v.is_empty());

        let (
            Some(kind),
            Some(name),
            Some(name_kana),
            Some(birth),
            Some(grade),
            Some(municipality),
            Some(number),
            Some(issued),
        ) = (kind, name, name_kana, birth, grade, municipality, number, issued)
        else {
            return out;
        };
        if !out.errors.is_empty() {
            return out;
        }
        let transcription = Transcription {
            kind,
            name,
            name_kana,
            birth_date: birth.date,
            disability_category: category,
            grade,
            fare_class,
            care,
            municipality,
            number,
            issued_on: issued.date,
            renewed_on: renewed.map(|d| d.date),
            expires_on: expires.map(|d| d.date),
            recert_on: recert,
            medical_number,
        };
        out.warnings.extend(transcription.warnings(today));
        out.transcription = Some(transcription);
        out
    }

    /// Consistency checks between fields (DOMAIN.md "Handbook kinds").
    pub fn warnings(&self, today: Date) -> Vec<FieldNote> {
        let mut notes = Vec::new();
        let mut warn = |field: &'static str, message: String| notes.push(FieldNote { field, message });
        if self.kind == HandbookKind::Mental
            && let Some(class) = self.fare_class
        {
            let expected = if self.grade == "1級" { FareClass::First } else { FareClass::Second };
            if class != expected {
                warn(
                    "fare_class",
                    format!(
                        "精神障害者保健福祉手帳の{}は{}になるはずですが、{}と入力されています。",
                        self.grade,
                        expected.label(),
                        class.label()
                    ),
                );
            }
        }
        if let Some(expires) = self.expires_on
            && expires < today
        {
            warn("expires_on", format!("有効期限（{}）が切れています。", wareki::format(expires)));
        }
        if let Some(recert) = &self.recert_on {
            let last_day = match recert.precision {
                Precision::Month => recert
                    .date
                    .replace_day(time::util::days_in_month(recert.date.month(), recert.date.year()))
                    .unwrap_or(recert.date),
                Precision::Day => recert.date,
            };
            if last_day < today {
                warn("recert_on", format!("再認定の時期（{}）を過ぎています。", recert.display()));
            }
        }
        if let Some(renewed) = self.renewed_on
            && self.issued_on > renewed
        {
            warn("issued_on", "交付日が更新日・再交付日より後になっています。".into());
        }
        if self.birth_date > self.issued_on {
            warn("birth_date", "生年月日が交付日より後になっています。".into());
        }
        if self.issued_on > today {
            warn("issued_on", "交付日が未来の日付です。".into());
        }
        notes
    }

    pub fn name_key(&self) -> String {
        normalize::name_key(&self.name)
    }

    pub fn kana_key(&self) -> String {
        normalize::kana_key(&self.name_kana)
    }

    pub fn municipality_key(&self) -> String {
        normalize::municipality_key(&self.municipality)
    }

    pub fn number_key(&self) -> String {
        normalize::handbook_number_key(&self.number)
    }

    /// Each field's value as the holder would read it on a notice.
    pub fn shown(&self) -> [(Field, String); 15] {
        let date = |d: Option<Date>| d.map(wareki::format).unwrap_or_else(|| "（なし）".into());
        [
            (Field::Kind, self.kind.label().to_owned()),
            (Field::Name, self.name.clone()),
            (Field::NameKana, self.name_kana.clone()),
            (Field::BirthDate, wareki::format(self.birth_date)),
            (Field::DisabilityCategory, self.disability_category.clone().unwrap_or_default()),
            (Field::Grade, self.grade.clone()),
            (Field::FareClass, self.fare_class.map(FareClass::label).unwrap_or("なし").to_owned()),
            (Field::Care, if self.care { "あり" } else { "なし" }.to_owned()),
            (Field::Municipality, self.municipality.clone()),
            (Field::Number, self.number.clone()),
            (Field::IssuedOn, wareki::format(self.issued_on)),
            (Field::RenewedOn, date(self.renewed_on)),
            (Field::ExpiresOn, date(self.expires_on)),
            (Field::RecertOn, self.recert_on.as_ref().map(WarekiDate::display).unwrap_or_else(|| "（なし）".into())),
            (Field::MedicalNumber, self.medical_number.clone().unwrap_or_default()),
        ]
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn physical() -> TranscriptionInput {
        TranscriptionInput {
            kind: "physical".into(),
            name: "髙橋　太郎".into(),
            name_kana: "たかはし　たろう".into(),
            birth_date: "昭和４５年６月７日".into(),
            disability_category: "肢体不自由（下肢機能障害）".into(),
            grade: "２級".into(),
            fare_class: "1".into(),
            care: Some("on".into()),
            municipality: "未来県知事".into(),
            number: "第１０００００１号".into(),
            issued_on: "令和４年１月３１日".into(),
            renewed_on: String::new(),
            expires_on: String::new(),
            recert_on: "令和9年3月".into(),
            medical_number: String::new(),
            second_number: String::new(),
        }
    }

    #[test]
    fn a_number_that_differs_between_pages_is_caught() {
        let same = TranscriptionInput { second_number: "1000001".into(), ..physical() };
        assert!(Transcription::parse(&same, TODAY).errors.is_empty(), "written another way, the same number");
        let other = TranscriptionInput { second_number: "第１０００００７号".into(), ..physical() };
        let parsed = Transcription::parse(&other, TODAY);
        assert!(parsed.transcription.is_none());
        assert!(parsed.errors.iter().any(|e| e.field == "second_number" && e.message.contains("1000007")));
    }

    #[test]
    fn a_physical_handbook_typed_as_printed() {
        let parsed = Transcription::parse(&physical(), TODAY);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let t = parsed.transcription.expect("parsed");
        assert_eq!(t.birth_date, date!(1970 - 06 - 07));
        assert_eq!(t.grade, "2級");
        assert_eq!(t.fare_class, Some(FareClass::First));
        assert!(t.care);
        assert_eq!(t.number_key(), "1000001");
        assert_eq!(t.municipality_key(), "未来県");
        assert_eq!(t.name_key(), "高橋太郎");
        assert_eq!(t.kana_key(), "タカハシタロウ");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert!(parsed.understood.iter().any(|u| u.field == "recert_on" && u.display == "令和9年3月"));
    }

    #[test]
    fn every_problem_is_named_by_field() {
        let input = TranscriptionInput {
            kind: "physical".into(),
            name_kana: "Taro".into(),
            birth_date: "平成元年1月7日".into(),
            grade: "7級".into(),
            fare_class: "3".into(),
            issued_on: "令和4年2月30日".into(),
            ..Default::default()
        };
        let parsed = Transcription::parse(&input, TODAY);
        assert!(parsed.transcription.is_none());
        let fields: Vec<&str> = parsed.errors.iter().map(|e| e.field).collect();
        for field in [
            "name",
            "name_kana",
            "birth_date",
            "disability_category",
            "grade",
            "fare_class",
            "municipality",
            "number",
            "issued_on",
        ] {
            assert!(fields.contains(&field), "{field} missing in {fields:?}");
        }
    }

    #[test]
    fn grades_follow_the_kind() {
        assert_eq!(parse_grade(HandbookKind::Physical, "６"), Ok("6級".into()));
        assert!(parse_grade(HandbookKind::Physical, "7級").is_err());
        assert_eq!(parse_grade(HandbookKind::Mental, "3級"), Ok("3級".into()));
        assert!(parse_grade(HandbookKind::Mental, "4級").is_err());
        assert_eq!(parse_grade(HandbookKind::Intellectual, "ａ１"), Ok("A1".into()));
        assert_eq!(parse_grade(HandbookKind::Intellectual, "２度"), Ok("2度".into()));
        assert_eq!(parse_grade(HandbookKind::Intellectual, "Ⓐ"), Ok("マルA".into()), "not a plain A");
        assert_eq!(parse_grade(HandbookKind::Intellectual, "○A"), Ok("マルA".into()));
        assert_eq!(parse_grade(HandbookKind::Intellectual, "A"), Ok("A".into()));
        assert!(parse_grade(HandbookKind::Intellectual, "5度").is_err());
        assert!(parse_grade(HandbookKind::Physical, "").is_err());
    }

    #[test]
    fn grades_and_fare_classes_read_as_printed_in_kanji() {
        assert_eq!(parse_grade(HandbookKind::Physical, "二級"), Ok("2級".into()));
        assert_eq!(parse_grade(HandbookKind::Mental, "一級"), Ok("1級".into()));
        assert_eq!(parse_grade(HandbookKind::Intellectual, "三度"), Ok("3度".into()));
        assert_eq!(parse_grade(HandbookKind::Intellectual, "重度"), Ok("重度".into()));
        assert!(parse_grade(HandbookKind::Physical, "七級").is_err());
        assert_eq!(FareClass::parse("第一種"), Ok(Some(FareClass::First)));
        assert_eq!(FareClass::parse("1種"), Ok(Some(FareClass::First)), "the short stamp");
        assert_eq!(FareClass::parse("２種"), Ok(Some(FareClass::Second)));
        assert_eq!(FareClass::parse("第 2 種"), Ok(Some(FareClass::Second)));
        assert_eq!(FareClass::parse("第2種"), Ok(Some(FareClass::Second)));
        assert_eq!(FareClass::parse("なし"), Ok(None));
        assert!(FareClass::parse("第3種").is_err());
        assert!(FareClass::parse("種").is_err());
        assert_eq!(FareClass::parse(""), Ok(None));
    }

    fn mental(grade: &str, fare: &str, expires: &str) -> TranscriptionInput {
        TranscriptionInput {
            kind: "mental".into(),
            name: "佐藤 花子".into(),
            name_kana: "サトウ ハナコ".into(),
            birth_date: "1990-01-02".into(),
            disability_category: "精神障害".into(),
            grade: grade.into(),
            fare_class: fare.into(),
            municipality: "若葉市".into(),
            number: "12345".into(),
            issued_on: "令和7年4月1日".into(),
            expires_on: expires.into(),
            ..Default::default()
        }
    }

    #[test]
    fn mental_fare_class_must_match_the_grade() {
        let ok = Transcription::parse(&mental("1級", "1", "令和9年4月30日"), TODAY);
        assert!(ok.warnings.is_empty(), "{:?}", ok.warnings);
        let unstamped = Transcription::parse(&mental("2級", "なし", "令和9年4月30日"), TODAY);
        assert!(unstamped.warnings.is_empty(), "no stamp is allowed");
        let wrong = Transcription::parse(&mental("1級", "2", "令和9年4月30日"), TODAY);
        assert!(wrong.warnings.iter().any(|w| w.field == "fare_class" && w.message.contains("第1種")));
        let wrong = Transcription::parse(&mental("3級", "1", "令和9年4月30日"), TODAY);
        assert!(wrong.warnings.iter().any(|w| w.field == "fare_class"));
    }

    #[test]
    fn mental_handbooks_need_an_expiry_and_expired_ones_are_flagged() {
        let missing = Transcription::parse(&mental("2級", "", ""), TODAY);
        assert!(missing.errors.iter().any(|e| e.field == "expires_on"));
        let expired = Transcription::parse(&mental("2級", "", "令和6年3月31日"), TODAY);
        assert!(expired.errors.is_empty());
        assert!(expired.warnings.iter().any(|w| w.field == "expires_on" && w.message.contains("切れて")));
    }

    #[test]
    fn date_order_checks() {
        let mut input = physical();
        input.renewed_on = "令和3年1月1日".into();
        input.birth_date = "令和5年1月1日".into();
        input.recert_on = "令和5年3月".into();
        let parsed = Transcription::parse(&input, TODAY);
        let fields: Vec<&str> = parsed.warnings.iter().map(|w| w.field).collect();
        assert!(fields.contains(&"issued_on"), "issued after renewal");
        assert!(fields.contains(&"birth_date"), "born after issue");
        assert!(fields.contains(&"recert_on"), "re-certification passed");
    }

    #[test]
    fn every_field_has_one_name_and_label() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
            assert!(!field.label().is_empty());
        }
        let parsed = Transcription::parse(&TranscriptionInput::default(), TODAY);
        assert!(parsed.errors.iter().any(|e| e.field == "name" && e.message.starts_with(Field::Name.label())));
    }

    #[test]
    fn changes_list_fields_as_the_holder_reads_them() {
        let first = mental("2級", "", "令和9年3月30日");
        let mut last = first.clone();
        last.expires_on = "R9.3.31".into();
        last.name = "佐藤　花子".into();
        let found = changes(&first, &last, TODAY);
        assert_eq!(
            found,
            [Changed {
                field: Field::ExpiresOn, before: "令和9年3月30日".into(), after: "令和9年3月31日".into()
            }],
            "a different space is not a correction"
        );
        assert!(changes(&first, &first.clone(), TODAY).is_empty());
        assert!(changes(&TranscriptionInput::default(), &last, TODAY).is_empty(), "unparsable forms compare as none");
    }

    #[test]
    fn old_era_years_are_read_with_a_warning() {
        let mut input = physical();
        input.recert_on = "平成33年3月".into();
        let parsed = Transcription::parse(&input, date!(2020 - 01 - 01));
        assert!(parsed.errors.is_empty());
        assert!(parsed.warnings.iter().any(|w| w.field == "recert_on" && w.message.contains("令和3年3月")));
    }
}
