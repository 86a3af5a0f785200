//! What a person typed in a search box, classified once: a holder ID, a handbook or
//! registration number, a reading, or a name. The database layer turns each kind into the
//! indexed lookup it needs.

use super::holder::PublicId;
use super::normalize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    None,
    PublicId(String),
    /// An e-mail address, lower-cased.
    Email(String),
    /// A handbook number key, or a registration id when it parses as one.
    Number {
        key: String,
        id: Option<i64>,
    },
    KanaPrefix(String),
    NamePrefix(String),
}

impl Search {
    pub fn classify(q: &str) -> Search {
        let q = normalize::clean_text(q);
        if q.is_empty() {
            return Search::None;
        }
        if q.contains('@') {
            return Search::Email(q.to_lowercase());
        }
        let number = normalize::handbook_number_key(&q);
        let digits_only = q
            .trim_start_matches('#')
            .trim_start_matches('第')
            .trim_end_matches('号')
            .chars()
            .all(|c| c.is_ascii_digit());
        if digits_only && !number.is_empty() {
            return Search::Number { id: q.trim_start_matches('#').parse().ok(), key: number };
        }
        if let Ok(public_id) = PublicId::parse(&q)
            && q.chars().any(|c| c.is_ascii_digit())
        {
            return Search::PublicId(public_id.as_str().to_owned());
        }
        let kana = normalize::kana_key(&q);
        if kana.chars().all(|c| matches!(c, 'ァ'..='ヺ' | 'ー' | '・')) {
            return Search::KanaPrefix(kana);
        }
        Search::NamePrefix(normalize::name_key(&q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_box_is_classified() {
        assert_eq!(Search::classify(""), Search::None);
        assert_eq!(Search::classify("MR-2600001"), Search::PublicId("MR-2600001".into()));
        assert_eq!(Search::classify("第１０００００１号"), Search::Number { key: "1000001".into(), id: None });
        assert_eq!(Search::classify("123"), Search::Number { key: "123".into(), id: Some(123) });
        assert_eq!(Search::classify("#123"), Search::Number { key: "123".into(), id: Some(123) });
        assert_eq!(Search::classify("たかはし"), Search::KanaPrefix("タカハシ".into()));
        assert_eq!(Search::classify("ﾀｶﾊｼ"), Search::KanaPrefix("タカハシ".into()));
        assert_eq!(Search::classify("髙橋"), Search::NamePrefix("高橋".into()));
        assert_eq!(Search::classify(" Taro@Example.JP "), Search::Email("taro@example.jp".into()));
    }
}
