//! A read line's text put right (NFKC, simplified forms, era misreadings) and its characters
//! told apart.

use crate::domain::normalize;

/// Characters the model emits in their simplified Chinese form, and misreadings seen on real
/// handbook text, mapped to what is printed.
const SIMPLIFIED: [(char, char); 16] = [
    ('觉', '覚'),
    ('聪', '聴'),
    ('级', '級'),
    ('县', '県'),
    ('效', '効'),
    ('减', '減'),
    ('额', '額'),
    ('赁', '賃'),
    ('铁', '鉄'),
    ('见', '見'),
    ('区', '区'),
    ('绿', '緑'),
    ('长', '長'),
    ('种', '種'),
    ('别', '別'),
    ('钏', '釧'),
];

/// Era names as the model misreads them (one stroke more or less), when digits follow.
const ERA_MISREADS: [(&str, &str); 6] =
    [("合和", "令和"), ("今和", "令和"), ("令利", "令和"), ("平戌", "平成"), ("召和", "昭和"), ("昭利", "昭和")];

/// NFKC, spaces dropped, simplified forms and era misreadings put right.
pub fn normalize_line(text: &str) -> String {
    let mut out: String = normalize::clean_text(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| SIMPLIFIED.iter().find(|(from, _)| *from == c).map_or(c, |(_, to)| *to))
        .collect();
    for (wrong, right) in ERA_MISREADS {
        if let Some(at) = out.find(wrong)
            && out[at + wrong.len()..].starts_with(|c: char| c.is_ascii_digit() || c == '元')
        {
            out.replace_range(at..at + wrong.len(), right);
        }
    }
    // 「県」 is read as 「果」 (before 「知事」 the seal's red ink sits over it), 「児」 as 「見」.
    out.replace("果知事", "県知事").replace("見童相談所", "児童相談所").replace("果児童", "県児童")
}

pub(super) fn is_kana(c: char) -> bool {
    matches!(c, '\u{30A0}'..='\u{30FF}' | '\u{3040}'..='\u{309F}')
}

pub(super) fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々')
}
