//! From the lines OCR read on a handbook's photos to suggested values of the unified fields.
//!
//! Pure: lines in (text, box, confidence), suggestions out. Every value goes through the same
//! `wareki`, grade and fare-class rules as the form, so a suggestion is something the form
//! would accept; staff still confirm each one.

use serde::{Deserialize, Serialize};

/// Where a line sits on its photo, in the photo's pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineBox {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// One line of text read on a photo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub text: String,
    pub confidence: f32,
    pub bbox: LineBox,
}

mod labels;
mod name;
mod settle;
mod stamp;
mod text;
mod vocabulary;

pub use self::settle::{SuggestionUse, outcome, same_value, saved_value, settle};
pub use self::stamp::closer_look;
pub use self::text::normalize_line;
pub use self::vocabulary::physical_category;

use super::handbook::HandbookKind;
use super::transcription::Field;

/// The lines read on one photo of a registration, in the order the photos were sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageLines {
    pub lines: Vec<Line>,
}

/// The fields a counter checks on the card (number, dates, grade, fare class): what OCR must
/// read right, and what `bench ocr` scores handbooks by.
pub const COUNTER_FIELDS: [Field; 8] = [
    Field::Number,
    Field::BirthDate,
    Field::IssuedOn,
    Field::RenewedOn,
    Field::ExpiresOn,
    Field::RecertOn,
    Field::Grade,
    Field::FareClass,
];

/// A value read for one field, in the form's own format, and where it was read.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub field: Field,
    pub value: String,
    /// 0–1: the recognition's confidence in the line(s) the value came from.
    pub confidence: f32,
    /// Index of the photo among the registration's photos, and of the line on it; `None` when
    /// the value is read from an absence (no fare stamp: 「なし」).
    pub source: Option<(usize, usize)>,
}

/// One line, normalised, with where it came from.
struct Read<'a> {
    page: usize,
    index: usize,
    text: String,
    line: &'a Line,
}

impl Read<'_> {
    fn suggest(&self, field: Field, value: impl Into<String>) -> Suggestion {
        Suggestion {
            field,
            value: value.into(),
            confidence: self.line.confidence,
            source: Some((self.page, self.index)),
        }
    }

    fn bottom(&self) -> u32 {
        self.line.bbox.y + self.line.bbox.h
    }
}

/// The suggestions made so far: the first for a field stands.
#[derive(Default)]
struct Suggestions(Vec<Suggestion>);

impl Suggestions {
    fn put(&mut self, s: Suggestion) {
        if !self.0.iter().any(|o| o.field == s.field) {
            self.0.push(s);
        }
    }
}

/// The suggestions for a registration's photos: at most one per field.
pub fn extract(pages: &[PageLines]) -> Vec<Suggestion> {
    let reads: Vec<Read<'_>> = pages
        .iter()
        .enumerate()
        .flat_map(|(page, p)| {
            p.lines.iter().enumerate().map(move |(index, line)| Read {
                page,
                index,
                text: normalize_line(&line.text),
                line,
            })
        })
        .collect();
    let mut out = Suggestions::default();
    let kind = labels::kind_of(&reads);
    if let Some((kind, read)) = &kind {
        out.put(read.suggest(Field::Kind, kind.as_str()));
    }
    labels::suggest_printed_name(&reads, &mut out);
    for read in &reads {
        if let Some(number) = vocabulary::number_in(&read.text) {
            out.put(read.suggest(Field::Number, number));
        }
    }
    labels::suggest_dates(&reads, &mut out);
    if let Some((kind, _)) = &kind {
        vocabulary::suggest_grade_and_category(*kind, &reads, &mut out);
    }
    stamp::suggest_fare(&reads, &mut out);
    vocabulary::suggest_issuer(&reads, &mut out);
    // Mental health handbooks have one category, printed on booklets and implied on cards.
    if let Some((HandbookKind::Mental, read)) = &kind {
        out.put(read.suggest(Field::DisabilityCategory, "精神障害"));
    }
    name::suggest_name(&reads, &mut out);
    out.0
}

#[cfg(test)]
mod tests {
    use super::vocabulary::{grade_in, number_in};
    use super::*;

    /// Lines PP-OCRv5 read on demo handbook photos (`bench ocr --dump`), with the values printed.
    const FIXTURES: [(&str, &str); 8] = [
        ("physical booklet", include_str!("../ocr_fixtures/000.json")),
        ("physical card", include_str!("../ocr_fixtures/001.json")),
        ("愛の手帳", include_str!("../ocr_fixtures/008.json")),
        ("みどりの手帳, care", include_str!("../ocr_fixtures/009.json")),
        ("card, re-certification in the old era", include_str!("../ocr_fixtures/012.json")),
        ("mental card, expiry label misread", include_str!("../ocr_fixtures/016.json")),
        ("mental booklet", include_str!("../ocr_fixtures/026.json")),
        ("みどりの手帳, renewal label misread", include_str!("../ocr_fixtures/038.json")),
    ];

    #[derive(Deserialize)]
    struct Fixture {
        expected: std::collections::BTreeMap<String, String>,
        pages: Vec<Vec<Line>>,
    }

    fn load(json: &str) -> (Fixture, Vec<Suggestion>) {
        let fixture: Fixture = serde_json::from_str(json).unwrap();
        let pages: Vec<PageLines> = fixture.pages.iter().map(|lines| PageLines { lines: lines.clone() }).collect();
        let suggestions = extract(&pages);
        (fixture, suggestions)
    }

    fn suggested(suggestions: &[Suggestion], field: Field) -> Option<&str> {
        suggestions.iter().find(|s| s.field == field).map(|s| s.value.as_str())
    }

    #[test]
    fn only_a_regional_name_is_suggested() {
        let line =
            |text: &str, y: u32| Line { text: text.into(), confidence: 0.9, bbox: LineBox { x: 10, y, w: 200, h: 30 } };
        let pages = [PageLines {
            lines: vec![line("愛の手帳", 10), line("療育手帳", 60), line("番号 第3000003号", 120)],
        }];
        let suggestions = extract(&pages);
        let name = suggestions.iter().find(|s| s.field == Field::HandbookName).map(|s| s.value.as_str());
        assert_eq!(name, Some("愛の手帳"));
        let pages = [PageLines { lines: vec![line("身体障害者手帳", 10)] }];
        let name = extract(&pages).into_iter().find(|s| s.field == Field::HandbookName).map(|s| s.value);
        assert_eq!(name, None, "an empty field means the kind's usual name");
    }

    #[test]
    fn recorded_handbooks_give_the_printed_number_dates_grade_fare_and_issuer() {
        let checked: Vec<Field> = COUNTER_FIELDS.into_iter().chain([Field::Kind, Field::Municipality]).collect();
        for (name, json) in FIXTURES {
            let (fixture, suggestions) = load(json);
            let kind = HandbookKind::parse(&fixture.expected["kind"]).unwrap();
            for &field in &checked {
                let expected = fixture.expected.get(field.name()).map(String::as_str).unwrap_or("");
                let got = suggested(&suggestions, field);
                match got {
                    Some(value) if !expected.is_empty() || value.is_empty() => assert!(
                        value == expected || same_value(field, kind, value, expected),
                        "{name}: {field:?} suggested {value:?}, printed {expected:?}"
                    ),
                    Some(value) => panic!("{name}: {field:?} suggested {value:?} where nothing is printed"),
                    None => assert!(expected.is_empty(), "{name}: {field:?} not suggested, printed {expected:?}"),
                }
            }
        }
    }

    #[test]
    fn every_suggestion_points_at_the_line_it_was_read_from() {
        for (name, json) in FIXTURES {
            let (fixture, suggestions) = load(json);
            for s in &suggestions {
                if let Some((page, line)) = s.source {
                    let text = &fixture.pages[page][line].text;
                    assert!(!text.is_empty(), "{name}: {:?}", s.field);
                    assert!((0.0..=1.0).contains(&s.confidence));
                }
            }
            let fare = suggestions.iter().find(|s| s.field == Field::FareClass).unwrap();
            assert!(fare.source.is_some(), "{name}: every recorded handbook has a stamp");
        }
    }

    #[test]
    fn the_largest_name_line_is_the_name_and_the_kana_above_it_the_furigana() {
        let (_, suggestions) = load(FIXTURES[3].1);
        assert_eq!(suggested(&suggestions, Field::Name), Some("佐藤健太"));
        assert_eq!(suggested(&suggestions, Field::NameKana), Some("サトウ\u{3000}ケンタ"));
        // A furigana line with digits in it (a misread) is not offered.
        let (_, suggestions) = load(FIXTURES[6].1);
        assert_eq!(suggested(&suggestions, Field::NameKana), None);
        assert_eq!(suggested(&suggestions, Field::DisabilityCategory), Some("精神障害"));
    }

    #[test]
    fn a_saved_value_accepts_corrects_or_leaves_open_its_suggestion() {
        let k = HandbookKind::Physical;
        assert_eq!(outcome(Field::BirthDate, k, "昭和18年12月17日", "S18.12.17"), Some(SuggestionUse::Accepted));
        assert_eq!(outcome(Field::Number, k, "第5536918号", "第５５３６９１８号"), Some(SuggestionUse::Accepted));
        assert_eq!(outcome(Field::Name, k, "高橋由美", "髙橋　由美"), Some(SuggestionUse::Corrected));
        assert_eq!(outcome(Field::RenewedOn, k, "令和7年12月5日", ""), None);
        // 「なし」 suggested for the fare class and saved as none: accepted.
        assert_eq!(outcome(Field::FareClass, k, "", ""), Some(SuggestionUse::Accepted));
        assert_eq!(outcome(Field::Care, k, "on", ""), None);
        assert_eq!(SuggestionUse::parse("dismissed"), Some(SuggestionUse::Dismissed));
    }

    #[test]
    fn the_fare_stamp_is_looked_at_closer_unless_its_care_mark_was_read() {
        let (fixture, _) = load(FIXTURES[0].1);
        let pages: Vec<PageLines> = fixture.pages.iter().map(|l| PageLines { lines: l.clone() }).collect();
        let areas = closer_look(&pages);
        assert_eq!(areas.len(), 1, "one stamp, on the face page");
        let (page, area) = areas[0];
        assert_eq!(page, 0);
        // It holds the stamp's lines and reaches two lines below them.
        for line in pages[0].lines.iter().filter(|l| l.text.contains("旅客") || l.text == "第2種") {
            let b = line.bbox;
            assert!(b.x >= area.x && b.y >= area.y && b.x + b.w <= area.x + area.w && b.y + b.h <= area.y + area.h);
        }
        let stamp_bottom = 1021 + 45;
        assert!(area.y + area.h >= stamp_bottom + 2 * 45);
        let mut read = pages.clone();
        read[0].lines.push(line("介護", 200, 1070));
        assert!(closer_look(&read).is_empty());
        let care = extract(&read).into_iter().find(|s| s.field == Field::Care).map(|s| s.value);
        assert_eq!(care.as_deref(), Some("on"));
        // As the engine read it on a demo stamp at full resolution.
        read[0].lines.last_mut().unwrap().text = "介酒".into();
        let care = extract(&read).into_iter().find(|s| s.field == Field::Care).map(|s| s.value);
        assert_eq!(care.as_deref(), Some("on"));
        read[0].lines.last_mut().unwrap().text = "介護保険".into();
        assert!(extract(&read).into_iter().all(|s| s.field != Field::Care), "a longer word is not the mark");
    }

    #[test]
    fn simplified_forms_and_era_misreadings_are_put_right() {
        assert_eq!(normalize_line("合和5年4月27日交付"), "令和5年4月27日交付");
        assert_eq!(normalize_line("心臓機能障害 2级"), "心臓機能障害2級");
        assert_eq!(normalize_line("未来果知事"), "未来県知事");
        assert_eq!(normalize_line("青空果见童相談所"), "青空県児童相談所");
        assert_eq!(normalize_line("聪觉障害"), "聴覚障害");
        assert_eq!(normalize_line("有效期限"), "有効期限");
        // Only before digits: a word that merely contains the pair is left alone.
        assert_eq!(normalize_line("合和室"), "合和室");
    }

    fn line(text: &str, x: u32, y: u32) -> Line {
        Line { text: text.to_owned(), confidence: 0.9, bbox: LineBox { x, y, w: 200, h: 40 } }
    }

    #[test]
    fn an_unmarked_date_takes_the_label_above_it_in_its_own_column() {
        let page_with_labels = PageLines {
            lines: vec![
                line("身体障害者手帳", 100, 20),
                line("交付日", 100, 300),
                line("有効期限", 500, 300),
                line("令和7年5月30日", 100, 345),
                line("令和9年5月31日", 500, 345),
                line("第1234567号", 100, 100),
            ],
        };
        let found = extract(std::slice::from_ref(&page_with_labels));
        assert_eq!(suggested(&found, Field::IssuedOn), Some("令和7年5月30日"));
        assert_eq!(suggested(&found, Field::ExpiresOn), Some("令和9年5月31日"));
        // The small label misread (「有期用」, 「有处期」 on demo cards) still says expiry.
        for label in ["有期用", "有处期"] {
            let mut misread = page_with_labels.clone();
            misread.lines[2].text = label.into();
            assert_eq!(suggested(&extract(&[misread]), Field::ExpiresOn), Some("令和9年5月31日"), "{label}");
        }
        assert_eq!(suggested(&found, Field::Number), Some("第1234567号"));
        // No stamp on the photos: no fare reduction, read from its absence.
        let fare = found.iter().find(|s| s.field == Field::FareClass).unwrap();
        assert_eq!((fare.value.as_str(), fare.source), ("", None));
        // A date with neither words nor a label is not guessed.
        let alone = extract(&[PageLines { lines: vec![line("令和7年5月30日", 100, 345)] }]);
        assert_eq!(suggested(&alone, Field::IssuedOn), None);
    }

    #[test]
    fn grades_are_read_in_the_kinds_vocabulary() {
        assert_eq!(grade_in(HandbookKind::Physical, "心臓機能障害2級"), Some(("2級".into(), "心臓機能障害".into())));
        assert_eq!(grade_in(HandbookKind::Mental, "二級").map(|g| g.0), Some("2級".into()));
        assert_eq!(grade_in(HandbookKind::Mental, "4級"), None);
        assert_eq!(grade_in(HandbookKind::Intellectual, "A1").map(|g| g.0), Some("A1".into()));
        assert_eq!(grade_in(HandbookKind::Intellectual, "3度").map(|g| g.0), Some("3度".into()));
        assert_eq!(grade_in(HandbookKind::Intellectual, "光が丘市長"), None);
    }

    #[test]
    fn a_misread_physical_category_is_put_right_against_the_laws_words() {
        assert_eq!(physical_category("心腊機能障害"), "心臓機能障害");
        assert_eq!(physical_category("视覚障害"), "視覚障害");
        assert_eq!(physical_category("胶体不自由(下肢能障害)"), "肢体不自由（下肢機能障害）");
        assert_eq!(physical_category("肢体不自由(体干機能障害)"), "肢体不自由（体幹機能障害）");
        // Too far from any word: kept as read, for the reviewer.
        assert_eq!(physical_category("イノウエ"), "イノウエ");
        // The distance counts characters, not bytes.
        assert_eq!(strsim::levenshtein("abc", "abd"), 1);
        assert_eq!(strsim::levenshtein("", "ab"), 2);
        assert_eq!(strsim::levenshtein("心腊機能障害", "心臓機能障害"), 1);
    }

    #[test]
    fn numbers_are_framed_or_bare_and_never_dates() {
        assert_eq!(number_in("第5536918号").as_deref(), Some("第5536918号"));
        assert_eq!(number_in("8868508").as_deref(), Some("第8868508号"));
        assert_eq!(number_in("令和5年4月27日"), None);
        assert_eq!(number_in("12"), None);
        assert_eq!(number_in("光が丘市南区7番8号"), None);
    }
}
