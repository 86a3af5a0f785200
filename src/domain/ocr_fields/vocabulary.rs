//! The words a handbook prints, in the law's and the form's vocabulary: the physical
//! disability's category, the grade, the number, the issuer.

use super::labels::label_above;
use super::text::is_kana;
use super::{Read, Suggestions};
use crate::domain::handbook::HandbookKind;
use crate::domain::normalize;
use crate::domain::transcription::{Field, parse_grade};

/// The kinds of physical disability a handbook names (身体障害者福祉法 別表), and the parts of
/// 肢体不自由 printed after it in brackets.
const PHYSICAL_CATEGORIES: [&str; 13] = [
    "視覚障害",
    "聴覚障害",
    "平衡機能障害",
    "音声機能障害",
    "言語機能障害",
    "そしゃく機能障害",
    "肢体不自由",
    "心臓機能障害",
    "じん臓機能障害",
    "呼吸器機能障害",
    "ぼうこう又は直腸機能障害",
    "小腸機能障害",
    "肝臓機能障害",
];
const LIMB_PARTS: [&str; 4] =
    ["上肢機能障害", "下肢機能障害", "体幹機能障害", "乳幼児期以前の非進行性の脳病変による運動機能障害"];

/// The word of `vocabulary` that `read` is, allowing a misread character in three.
fn snap<'v>(read: &str, vocabulary: &[&'v str]) -> Option<&'v str> {
    vocabulary
        .iter()
        .map(|w| (strsim::levenshtein(read, w), *w))
        .filter(|(d, w)| *d <= (w.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, w)| w)
}

/// A physical handbook's category as read, put right against the law's vocabulary:
/// 「心腊機能障害」 → 「心臓機能障害」, 「胶体不自由(下肢能障害)」 → 「肢体不自由（下肢機能障害）」.
/// Unknown words are kept as read (the reviewer corrects them).
pub fn physical_category(read: &str) -> String {
    let (head, part) = match read.split_once('(') {
        Some((head, rest)) => (head, Some(rest.trim_end_matches(')'))),
        None => (read, None),
    };
    let Some(head) = snap(head, &PHYSICAL_CATEGORIES) else { return read.to_owned() };
    match part {
        Some(part) => match snap(part, &LIMB_PARTS) {
            Some(part) => format!("{head}（{part}）"),
            None => format!("{head}（{part}）"),
        },
        None => head.to_owned(),
    }
}

/// The grade on a line, in the handbook's vocabulary: 「4級」 (also after the disability's
/// name on cards: 「心臓機能障害2級」), 「3度」, 「A1」.
pub(super) fn grade_in(kind: HandbookKind, text: &str) -> Option<(String, String)> {
    let text = normalize::kanji_digits(text);
    match kind {
        HandbookKind::Physical | HandbookKind::Mental => {
            let at = text.find('級')?;
            let digit = text[..at].chars().last().filter(char::is_ascii_digit)?;
            let grade = parse_grade(kind, &format!("{digit}級")).ok()?;
            let before = text[..at - digit.len_utf8()].to_owned();
            Some((grade, before))
        }
        HandbookKind::Intellectual => {
            let candidate = text.trim_end_matches(['。', '.']);
            parse_grade(kind, candidate).ok().map(|g| (g, String::new()))
        }
    }
}

pub(super) fn number_in(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let framed = text.starts_with('第') && text.ends_with('号');
    let bare = text.chars().all(|c| c.is_ascii_digit());
    ((framed || bare) && (5..=10).contains(&digits.len()) && !text.contains('年')).then(|| format!("第{digits}号"))
}

fn category(kind: HandbookKind, read: &str) -> String {
    match kind {
        HandbookKind::Physical => physical_category(read),
        _ => read.to_owned(),
    }
}

/// The grade, and the disability's category printed before it or under its own label.
pub(super) fn suggest_grade_and_category(kind: HandbookKind, reads: &[Read<'_>], out: &mut Suggestions) {
    for read in reads {
        if let Some((grade, before)) = grade_in(kind, &read.text) {
            out.put(read.suggest(Field::Grade, grade));
            if before.chars().count() >= 2 {
                out.put(read.suggest(Field::DisabilityCategory, category(kind, &before)));
            }
        }
    }
    // Booklets print the disability (or the judging office) under its own label.
    for read in reads {
        // A label is short; the page's heading (「障害名及び等級」) is not one.
        if let Some(label) = label_above(read, reads)
            && ["害名", "吉名", "種別", "判定", "利定", "機関"].iter().any(|w| label.text.contains(w))
            && !label.text.contains('氏')
            && !label.text.contains('及')
            && label.text.chars().count() <= 6
            && !read.text.ends_with('号')
            && read.text.chars().count() >= 2
            && !read.text.chars().all(|c| is_kana(c) || c.is_ascii_alphanumeric())
            && grade_in(kind, &read.text).is_none()
        {
            out.put(read.suggest(Field::DisabilityCategory, category(kind, &read.text)));
        }
    }
}

/// The issuer signs as 「…知事」 or 「…市長」 (the seal beside it is read in fragments).
pub(super) fn suggest_issuer(reads: &[Read<'_>], out: &mut Suggestions) {
    let issuer = reads
        .iter()
        .filter(|r| {
            ["知事", "市長", "区長", "町長", "村長"].iter().any(|s| r.text.ends_with(s)) && r.text.chars().count() >= 4
        })
        .max_by(|a, b| a.line.confidence.total_cmp(&b.line.confidence));
    if let Some(read) = issuer {
        out.put(read.suggest(Field::Municipality, read.text.clone()));
    }
}
