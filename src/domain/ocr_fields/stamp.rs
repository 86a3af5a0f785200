//! The fare-reduction stamp (旅客運賃減額): its class, its 「介護」 mark, and where to look
//! closer when the mark was not read.

use super::text::normalize_line;
use super::{Line, LineBox, PageLines, Read, Suggestion, Suggestions};
use crate::domain::transcription::{FareClass, Field};

/// The stamp's 「介護」 mark: its second character is the one misread (「介酒」, 「介护」).
pub(super) fn is_care(text: &str) -> bool {
    text.starts_with('介') && text.chars().count() <= 3
}

/// Areas to read again at full resolution: the fare stamp on each photo that shows one and
/// where 「介護」 was not read (it is the stamp's smallest print, under its other lines).
pub fn closer_look(pages: &[PageLines]) -> Vec<(usize, LineBox)> {
    pages
        .iter()
        .enumerate()
        .filter_map(|(page, p)| {
            let texts: Vec<(String, &Line)> = p.lines.iter().map(|l| (normalize_line(&l.text), l)).collect();
            if texts.iter().any(|(t, _)| is_care(t)) {
                return None;
            }
            let stamp: Vec<&Line> = texts
                .iter()
                .filter(|(t, _)| t.contains("旅客") || t.contains("減額") || (t.starts_with('第') && t.ends_with('種')))
                .map(|(_, l)| *l)
                .collect();
            let left = stamp.iter().map(|l| l.bbox.x).min()?;
            let top = stamp.iter().map(|l| l.bbox.y).min()?;
            let right = stamp.iter().map(|l| l.bbox.x + l.bbox.w).max()?;
            let bottom = stamp.iter().map(|l| l.bbox.y + l.bbox.h).max()?;
            let line = stamp.iter().map(|l| l.bbox.h).max()?;
            // The stamp's frame runs around its lines; 「介護」 sits under them, left-aligned.
            let margin = line / 2;
            Some((
                page,
                LineBox {
                    x: left.saturating_sub(margin),
                    y: top.saturating_sub(margin),
                    w: right - left + 2 * margin,
                    h: bottom - top + 2 * line + margin,
                },
            ))
        })
        .collect()
}

/// The fare stamp: 「第1種」 inside it; no stamp at all means no reduction.
pub(super) fn suggest_fare(reads: &[Read<'_>], out: &mut Suggestions) {
    let stamp = reads.iter().find(|r| r.text.contains("旅客") || r.text.contains("減額"));
    let class = reads.iter().find_map(|r| {
        let core = r.text.strip_prefix('第')?.strip_suffix('種')?;
        FareClass::parse(&format!("第{core}種")).ok().flatten().map(|c| (c, r))
    });
    match (class, stamp) {
        (Some((class, read)), _) => {
            out.put(read.suggest(Field::FareClass, class.code()));
            // 「介護」 is small red print inside the stamp: offered when read, never guessed
            // absent (a missed 介護 would cost the holder the companion's reduction).
            if let Some(care) = reads.iter().find(|r| r.page == read.page && is_care(&r.text)) {
                out.put(care.suggest(Field::Care, "on"));
            }
        }
        (None, None) if !reads.is_empty() => {
            out.put(Suggestion { field: Field::FareClass, value: String::new(), confidence: 0.9, source: None });
        }
        _ => {}
    }
}
