//! The unified fields staff type from a handbook's photos, parsed and checked once.
//!
//! The form posts strings; `Transcription::parse` turns them into typed values or names the
//! problem next to each field. `warnings` are facts a reviewer must look at but may accept
//! (an expired handbook is a reason to return it, not a typing error).

mod changes;
mod checks;
mod fields;
mod reader;

pub use self::changes::{Changed, changes};
pub use self::fields::{FareClass, Field, INTELLECTUAL_GRADES, parse_grade};

use time::Date;

use self::reader::{Reader, is_kana};
use super::handbook::HandbookKind;
use super::normalize;
use super::wareki::{self, Accept, WarekiDate};

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
    /// The handbook's name as printed; empty for the kind's usual name.
    pub handbook_name: String,
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
    pub handbook_name: Option<String>,
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
        let grade = r.grade(kind, &input.grade);
        let fare_class = r.fare_class(kind, &input.fare_class);
        let municipality = r.required_text(Field::Municipality, &input.municipality, 40);
        let number = r.number(&input.number, &input.second_number);
        let issued = r.date(Field::IssuedOn, &input.issued_on, Accept::Day, true);
        let renewed = r.date(Field::RenewedOn, &input.renewed_on, Accept::Day, false);
        let expires = r.date(Field::ExpiresOn, &input.expires_on, Accept::Day, kind == Some(HandbookKind::Mental));
        let recert = r.date(Field::RecertOn, &input.recert_on, Accept::DayOrMonth, false);
        let medical_number = r.optional_text(Field::MedicalNumber, &input.medical_number, 30);
        let handbook_name = r.optional_text(Field::HandbookName, &input.handbook_name, 40);
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
            handbook_name,
        };
        out.warnings.extend(transcription.warnings(today));
        out.transcription = Some(transcription);
        out
    }

    /// The handbook's name as printed, or the kind's usual name when none was typed.
    pub fn printed_name(&self) -> &str {
        self.handbook_name.as_deref().unwrap_or(self.kind.label())
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
    pub fn shown(&self) -> [(Field, String); 16] {
        let date = |d: Option<Date>| d.map(wareki::format).unwrap_or_else(|| "（なし）".into());
        [
            (Field::Kind, self.kind.label().to_owned()),
            (Field::HandbookName, self.printed_name().to_owned()),
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
            handbook_name: String::new(),
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
