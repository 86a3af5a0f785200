//! The holder's name: the largest name-like line of the first photo, and its furigana.

use super::text::{is_ideograph, is_kana};
use super::{Read, Suggestions};
use crate::domain::normalize;
use crate::domain::transcription::Field;

/// Words that make a line a label, a heading or an address rather than a name.
const NOT_A_NAME: [&str; 23] = [
    "写真",
    "手帳",
    "障害",
    "年月日",
    "住所",
    "氏名",
    "番号",
    "交付",
    "旅客",
    "運賃",
    "減額",
    "会社",
    "知事",
    "市長",
    "区長",
    "町長",
    "村長",
    "種",
    "級",
    "判定",
    "相談所",
    "有効",
    "療育",
];

/// The name is the largest name-like line of the first photo; the furigana, the kana line
/// just above it.
pub(super) fn suggest_name(reads: &[Read<'_>], out: &mut Suggestions) {
    let first = reads.iter().map(|r| r.page).min();
    let name = reads
        .iter()
        .filter(|r| Some(r.page) == first)
        .filter(|r| {
            let n = r.text.chars().count();
            (2..=12).contains(&n)
                && r.text.chars().all(|c| is_ideograph(c) || is_kana(c))
                && r.text.chars().any(is_ideograph)
                && !NOT_A_NAME.iter().any(|w| r.text.contains(w))
                && !r.text.contains('印')
        })
        .max_by_key(|r| r.line.bbox.h);
    if let Some(name) = name {
        // Family and given name printed far apart are read as two lines of one row.
        let b = name.line.bbox;
        let mut rest: Vec<&Read<'_>> = reads
            .iter()
            .filter(|r| r.page == name.page && r.index != name.index && r.line.bbox.x > b.x + b.w)
            .filter(|r| r.line.bbox.y.abs_diff(b.y) < b.h / 2 && r.line.bbox.h.abs_diff(b.h) < b.h / 3)
            .filter(|r| r.line.bbox.x - (b.x + b.w) < 2 * b.h)
            .filter(|r| {
                r.text.chars().all(|c| is_ideograph(c) || is_kana(c)) && !NOT_A_NAME.iter().any(|w| r.text.contains(w))
            })
            .collect();
        rest.sort_by_key(|r| r.line.bbox.x);
        let mut full = name.text.clone();
        for part in rest.iter().take(1) {
            full.push('\u{3000}');
            full.push_str(&part.text);
        }
        out.put(name.suggest(Field::Name, full));
        let kana = reads
            .iter()
            .filter(|r| r.page == name.page && r.bottom() <= name.line.bbox.y + name.line.bbox.h / 2)
            .filter(|r| name.line.bbox.y.saturating_sub(r.bottom()) < name.line.bbox.h)
            .filter(|r| r.line.bbox.x.abs_diff(name.line.bbox.x) < 80)
            .max_by_key(|r| r.bottom());
        if let Some(kana) = kana {
            let spaced: String = normalize::clean_text(&kana.line.text)
                .split_whitespace()
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("\u{3000}");
            if spaced.chars().filter(|c| !c.is_whitespace()).all(|c| is_kana(c) || c == 'ー')
                && spaced.chars().count() >= 2
            {
                out.put(kana.suggest(Field::NameKana, spaced));
            }
        }
    }
}
