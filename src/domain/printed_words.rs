//! The words handbooks print around a date, so a date typed exactly as printed reads. Kept
//! apart from `wareki`, whose text the demo draws on its handbooks (these words are not in the
//! demo's subset fonts, and need not be).

/// Words handbooks print around a date, so a date typed exactly as printed reads:
/// 「有効期限 令和8年6月30日まで」, 「令和6年6月8日交付」, 「平成6年3月1日生」.
const PRINTED_BEFORE: [&str; 9] =
    ["有効期限", "有効期間", "再交付日", "再交付", "交付日", "交付", "生年月日", "再認定", "次回"];
const PRINTED_AFTER: [&str; 10] = ["生まれ", "再交付", "交付", "まで有効", "まで", "迄", "から", "より", "有効", "生"];

/// `text` (already NFKC, no spaces) without the words printed around its date.
pub fn strip(text: &str) -> &str {
    let mut text = text;
    loop {
        let before = text;
        for word in PRINTED_BEFORE {
            text = text.strip_prefix(word).unwrap_or(text);
        }
        text = text.trim_start_matches([':', '：']);
        for word in PRINTED_AFTER {
            text = text.strip_suffix(word).unwrap_or(text);
        }
        if text == before {
            return text;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::wareki::{Accept, parse};
    use time::Date;
    use time::macros::date;

    fn day(input: &str) -> Result<Date, String> {
        parse(input, Accept::Day).map(|d| d.date).map_err(|e| e.0)
    }

    #[test]
    fn a_date_typed_as_printed_reads() {
        for input in ["平成6年3月1日生まれ", "生年月日：平成6年3月1日"] {
            assert_eq!(day(input), Ok(date!(1994 - 03 - 01)), "{input}");
        }
        // What handbooks print around issue and expiry dates.
        for (input, expected) in [
            ("令和６年６月８日交付", date!(2024 - 06 - 08)),
            ("交付日 令和6年6月8日", date!(2024 - 06 - 08)),
            ("令和８年６月３０日まで", date!(2026 - 06 - 30)),
            ("令和8年6月30日迄", date!(2026 - 06 - 30)),
            ("有効期限 令和８年６月３０日", date!(2026 - 06 - 30)),
            ("有効期限：令和8年6月30日まで有効", date!(2026 - 06 - 30)),
            ("令和6年6月8日から", date!(2024 - 06 - 08)),
            ("再交付 令和7年1月10日", date!(2025 - 01 - 10)),
        ] {
            assert_eq!(day(input), Ok(expected), "{input}");
        }
        // Only the printed words go: a date with something else around it is still refused.
        assert!(day("令和6年6月8日ごろ").is_err());
    }
}
