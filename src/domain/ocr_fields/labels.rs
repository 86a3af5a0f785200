//! What a value is, from the words around it: a date's own words or the label printed above
//! it, and the handbook's kind from its title.

use super::{Read, Suggestions};
use crate::domain::handbook::HandbookKind;
use crate::domain::transcription::Field;
use crate::domain::wareki::{self, Accept, Precision};

/// What a date's label says it is (the label printed above or before it).
fn date_label(text: &str) -> Option<Field> {
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    // Only the renewal label has a parenthesis: 「更新（再交付）年月日」.
    if has(&["更新", "再交付", "(", "更"]) {
        Some(Field::RenewedOn)
    } else if has(&["生年", "年月日生"]) {
        Some(Field::BirthDate)
    } else if has(&["有効", "期限", "限", "有", "期"]) {
        Some(Field::ExpiresOn)
    } else if has(&["再認", "認定", "判定", "定年月", "再認定"]) {
        Some(Field::RecertOn)
    } else if has(&["交付"]) {
        Some(Field::IssuedOn)
    } else {
        None
    }
}

/// What a date's own words say it is: 「…生」, 「…交付」, 「…まで」.
fn date_suffix(text: &str) -> Option<Field> {
    if text.ends_with("生") || text.ends_with("生まれ") {
        Some(Field::BirthDate)
    } else if text.ends_with("再交付") {
        Some(Field::RenewedOn)
    } else if text.ends_with("交付") {
        Some(Field::IssuedOn)
    } else if text.ends_with("まで") || text.ends_with("迄") || text.ends_with("まで有効") {
        Some(Field::ExpiresOn)
    } else {
        None
    }
}

/// The label nearest above `value` on its photo, aligned with it (left edges close or the
/// boxes overlapping), within three label heights.
pub(super) fn label_above<'a>(value: &Read<'_>, reads: &'a [Read<'a>]) -> Option<&'a Read<'a>> {
    let v = value.line.bbox;
    reads
        .iter()
        .filter(|r| r.page == value.page && r.index != value.index)
        .filter(|r| {
            let b = r.line.bbox;
            let above = r.bottom() <= v.y + v.h / 2 && v.y.saturating_sub(r.bottom()) < 3 * b.h.max(20);
            let aligned = b.x.abs_diff(v.x) < 80 || (b.x < v.x + v.w && v.x < b.x + b.w);
            above && aligned
        })
        .min_by_key(|r| (v.y.saturating_sub(r.bottom()), r.line.bbox.x.abs_diff(v.x)))
}

/// The handbook's kind, from its title (the first page) or its vocabulary.
pub(super) fn kind_of<'r, 'l>(reads: &'r [Read<'l>]) -> Option<(HandbookKind, &'r Read<'l>)> {
    let find = |words: &[&str]| reads.iter().find(|r| words.iter().any(|w| r.text.contains(w)));
    if let Some(r) = find(&["身体障害", "身体"]) {
        return Some((HandbookKind::Physical, r));
    }
    if let Some(r) = find(&["精神障害者", "保健福祉", "精神"]) {
        return Some((HandbookKind::Mental, r));
    }
    find(&["療育", "育手", "愛の手帳", "みどり", "相談所", "程度及び判定"]).map(|r| (HandbookKind::Intellectual, r))
}

/// The intellectual handbook's regional name as printed (「愛の手帳」, 「みどりの手帳」…): what the
/// card must show and a reviewer could miss. The kinds' usual names are not suggested: the
/// field left empty means them.
pub(super) fn suggest_printed_name(reads: &[Read<'_>], out: &mut Suggestions) {
    const REGIONAL: [&str; 4] = ["療育手帳（愛の手帳）", "みどりの手帳", "愛の手帳", "愛護手帳"];
    for name in REGIONAL {
        let wanted = super::text::normalize_line(name);
        if let Some(read) = reads.iter().find(|r| r.text.contains(&wanted)) {
            out.put(read.suggest(Field::HandbookName, name));
            return;
        }
    }
}

/// Dates: by their own words, else by the label above them.
pub(super) fn suggest_dates(reads: &[Read<'_>], out: &mut Suggestions) {
    for read in reads {
        let Ok(date) = wareki::parse(&read.text, Accept::DayOrMonth) else { continue };
        if !read.text.contains('年') {
            continue;
        }
        let field = if date.precision == Precision::Month {
            Some(Field::RecertOn)
        } else {
            date_suffix(&read.text).or_else(|| label_above(read, reads).and_then(|l| date_label(&l.text)))
        };
        let Some(field) = field else { continue };
        let value = match date.precision {
            Precision::Month => wareki::format_year_month(date.date),
            Precision::Day => wareki::format(date.date),
        };
        out.put(read.suggest(field, value));
    }
}
