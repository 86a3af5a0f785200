//! Normal forms for comparing what was transcribed, what another holder registered and what
//! Myna Portal sent. A comparison says which rule made two values equal, so a screen can say
//! "matches after width normalisation" instead of a bare tick.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// One normalisation step. The order is the order they are tried in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// Full-width and half-width forms (ＡＢＣ１２３, ｶﾀｶﾅ) and compatibility characters (㍻).
    Width,
    /// Spaces of any width, inside or around.
    Spaces,
    /// Hiragana and katakana written for one another (ヴ/ゔ included).
    Kana,
    /// Old or variant kanji that Unicode normalisation leaves alone (髙/高, 﨑/崎, 邉/辺 …).
    VariantKanji,
    /// 「第１２３号」, "No. 123", hyphens, leading zeros.
    NumberFormat,
    /// 「未来県知事」 for 「未来県」: the office named instead of the municipality.
    IssuerTitle,
    /// 「令和6年5月1日」 for 2024-05-01: a date in the Japanese era for the same day.
    EraDate,
}

impl Rule {
    pub fn label(self) -> &'static str {
        match self {
            Rule::Width => "全角・半角の違い",
            Rule::Spaces => "空白の違い",
            Rule::Kana => "ひらがな・カタカナの違い",
            Rule::VariantKanji => "異体字・旧字体の違い",
            Rule::NumberFormat => "番号の書き方の違い（第・号・0埋め）",
            Rule::IssuerTitle => "発行者の肩書（知事・市長）の有無",
            Rule::EraDate => "和暦と西暦の違い",
        }
    }
}

/// What a comparison found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    Identical,
    /// Equal once these rules are applied.
    Equivalent(Vec<Rule>),
    Different,
}

impl Comparison {
    pub fn matches(&self) -> bool {
        !matches!(self, Comparison::Different)
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Comparison::Identical => f.write_str("一致"),
            Comparison::Equivalent(rules) => {
                let labels: Vec<&str> = rules.iter().map(|r| r.label()).collect();
                write!(f, "一致（{}を除いて）", labels.join("・"))
            }
            Comparison::Different => f.write_str("不一致"),
        }
    }
}

/// Old and variant forms mapped to the common one. NFKC keeps these apart, but registers and
/// handbooks use both for the same name.
const VARIANTS: &[(char, char)] = &[
    ('髙', '高'),
    ('﨑', '崎'),
    ('嵜', '崎'),
    ('邉', '辺'),
    ('邊', '辺'),
    ('齋', '斎'),
    ('齊', '斉'),
    ('濵', '浜'),
    ('濱', '浜'),
    ('櫻', '桜'),
    ('澤', '沢'),
    ('廣', '広'),
    ('國', '国'),
    ('德', '徳'),
    ('惠', '恵'),
    ('眞', '真'),
    ('冨', '富'),
    ('籠', '篭'),
    ('檜', '桧'),
    ('龍', '竜'),
    ('瀨', '瀬'),
    ('塚', '塚'),
    ('𠮷', '吉'),
    ('栁', '柳'),
    ('舘', '館'),
    ('髮', '髪'),
    ('藏', '蔵'),
    ('實', '実'),
    ('榮', '栄'),
    ('壽', '寿'),
];

fn apply(rule: Rule, text: &str) -> String {
    match rule {
        Rule::Width => text.nfkc().collect(),
        Rule::Spaces => text.chars().filter(|c| !c.is_whitespace()).collect(),
        Rule::Kana => text.chars().map(hiragana_to_katakana).collect(),
        Rule::VariantKanji => text.chars().map(common_kanji).collect(),
        Rule::NumberFormat => handbook_number_key(text),
        Rule::IssuerTitle => municipality_key(text),
        // Dates are compared as dates (`domain::reconcile`), never as text.
        Rule::EraDate => text.to_owned(),
    }
}

fn hiragana_to_katakana(c: char) -> char {
    match c {
        'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

fn common_kanji(c: char) -> char {
    VARIANTS.iter().find(|(variant, _)| *variant == c).map(|(_, common)| *common).unwrap_or(c)
}

/// Compares two values of a field, trying only the rules that make sense for it.
pub fn compare(a: &str, b: &str, rules: &[Rule]) -> Comparison {
    if a == b {
        return Comparison::Identical;
    }
    let equal_with = |set: &[Rule]| all(a, set) == all(b, set);
    let Some(end) = (1..=rules.len()).find(|n| equal_with(&rules[..*n])) else {
        return Comparison::Different;
    };
    // Name only the rules that were needed: a full-width space is folded by width and by
    // space rules alike, and "differs only in spaces" is the useful thing to say.
    let mut needed: Vec<Rule> = rules[..end].to_vec();
    for rule in rules[..end].iter().rev() {
        let without: Vec<Rule> = needed.iter().copied().filter(|r| r != rule).collect();
        if equal_with(&without) && !without.is_empty() {
            needed = without;
        }
    }
    Comparison::Equivalent(needed)
}

pub const NAME_RULES: &[Rule] = &[Rule::Width, Rule::Spaces, Rule::VariantKanji];
pub const KANA_RULES: &[Rule] = &[Rule::Width, Rule::Spaces, Rule::Kana];
pub const NUMBER_RULES: &[Rule] = &[Rule::Width, Rule::Spaces, Rule::NumberFormat];
pub const MUNICIPALITY_RULES: &[Rule] = &[Rule::Width, Rule::Spaces, Rule::VariantKanji, Rule::IssuerTitle];
pub const TEXT_RULES: &[Rule] = &[Rule::Width, Rule::Spaces];

fn all(text: &str, rules: &[Rule]) -> String {
    rules.iter().fold(text.to_owned(), |t, r| apply(*r, &t))
}

/// Search and duplicate key of a name: width, spaces and variant kanji folded.
pub fn name_key(name: &str) -> String {
    all(name, NAME_RULES)
}

/// Key of a reading: width and spaces folded, hiragana as katakana.
pub fn kana_key(kana: &str) -> String {
    all(kana, KANA_RULES)
}

/// 「第１０００００１号」 → `1000001`. Letters are kept (upper case); 第, 号, "No.", spaces,
/// hyphens and leading zeros are not.
pub fn handbook_number_key(raw: &str) -> String {
    let text: String = raw.nfkc().collect::<String>().to_uppercase();
    let text = text.trim();
    let text = text.strip_prefix("NO.").or_else(|| text.strip_prefix("NO")).unwrap_or(text);
    let text = text.strip_prefix('第').unwrap_or(text);
    let text = text.strip_suffix('号').unwrap_or(text);
    let kept: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let trimmed = kept.trim_start_matches('0');
    if trimmed.is_empty() && !kept.is_empty() { "0".to_owned() } else { trimmed.to_owned() }
}

/// 「未来県知事」 → 「未来県」, 「若葉市長」 → 「若葉市」: the issuing office's title is dropped when
/// what remains names a municipality.
pub fn municipality_key(raw: &str) -> String {
    let text: String = raw.nfkc().filter(|c| !c.is_whitespace()).map(common_kanji).collect();
    for title in ["知事", "長"] {
        if let Some(place) = text.strip_suffix(title)
            && place.ends_with(['都', '道', '府', '県', '市', '区', '町', '村'])
        {
            return place.to_owned();
        }
    }
    text
}

/// The number as the app's card shows it: the issuer's place and 「第…号」 in ordinary digits,
/// 「未来県 第1000001号」 for 「未来県知事」 and 「第１０００００１号」.
pub fn number_display(municipality: &str, number: &str) -> String {
    let place = municipality_key(municipality);
    let digits: String = number.nfkc().filter(|c| !c.is_whitespace()).collect();
    let core = digits.strip_prefix('第').unwrap_or(&digits);
    let core = core.strip_suffix('号').unwrap_or(core);
    format!("{place} 第{core}号")
}

/// NFKC with spaces trimmed: what is stored for free text typed by staff.
pub fn clean_text(raw: &str) -> String {
    raw.nfkc().collect::<String>().trim().to_owned()
}

/// Full-width digits (０-９, typed with a Japanese IME) as ASCII; other characters kept.
pub fn ascii_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Kanji numerals of one digit as ASCII digits, as handbooks print grades and fare classes
/// (「二級」「第一種」, the formal 「壱」「弐」「参」 too); other characters kept.
pub fn kanji_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '〇' | '零' => '0',
            '一' | '壱' => '1',
            '二' | '弐' => '2',
            '三' | '参' => '3',
            '四' => '4',
            '五' => '5',
            '六' => '6',
            '七' => '7',
            '八' => '8',
            '九' => '9',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kanji_numerals_read_as_digits() {
        assert_eq!(kanji_digits("二級"), "2級");
        assert_eq!(kanji_digits("第一種"), "第1種");
        assert_eq!(kanji_digits("弐級"), "2級");
        assert_eq!(kanji_digits("重度"), "重度", "other characters kept");
    }

    #[test]
    fn full_width_digits_become_ascii() {
        assert_eq!(ascii_digits("１２３abc４"), "123abc4");
    }

    #[test]
    fn handbook_numbers() {
        assert_eq!(handbook_number_key("第１０００００１号"), "1000001");
        assert_eq!(handbook_number_key("第 1000001 号"), "1000001");
        assert_eq!(handbook_number_key("No. 001234"), "1234");
        assert_eq!(handbook_number_key("ａ－１２３"), "A123");
        assert_eq!(handbook_number_key("０００"), "0");
        assert_eq!(handbook_number_key(""), "");
    }

    #[test]
    fn names_fold_width_spaces_and_variants() {
        assert_eq!(name_key("髙橋\u{3000}太郎"), "高橋太郎");
        assert_eq!(name_key("山﨑 蓮"), "山崎蓮");
        assert_eq!(name_key("渡邉　花子"), name_key("渡辺花子"));
        assert_eq!(name_key("渡邊花子"), name_key("渡辺花子"));
        assert_eq!(name_key("齋藤 誠"), "斎藤誠");
        assert_ne!(name_key("斎藤誠"), name_key("斉藤誠"), "different names stay apart");
    }

    #[test]
    fn kana_folds_width_and_script() {
        assert_eq!(kana_key("ﾀｶﾊｼ ﾀﾛｳ"), "タカハシタロウ");
        assert_eq!(kana_key("たかはし　たろう"), "タカハシタロウ");
        assert_eq!(kana_key("ゔぃくとる"), "ヴィクトル");
        assert_eq!(kana_key("ｳﾞｨｸﾄﾙ"), "ヴィクトル");
    }

    #[test]
    fn municipalities_drop_the_office_title() {
        assert_eq!(municipality_key("未来県知事"), "未来県");
        assert_eq!(number_display("未来県知事", "第１０００００１号"), "未来県 第1000001号");
        assert_eq!(number_display("若葉市長", "0012345"), "若葉市 第0012345号", "leading zeros as printed");
        assert_eq!(number_display("港南県", "第 4510410 号"), "港南県 第4510410号");
        assert_eq!(municipality_key("若葉市長"), "若葉市");
        assert_eq!(municipality_key("未来県"), "未来県");
        assert_eq!(municipality_key("長"), "長");
        assert_eq!(municipality_key("市長"), "市", "a bare title is left to the reviewer");
    }

    #[test]
    fn comparisons_name_the_rule() {
        assert_eq!(compare("高橋太郎", "高橋太郎", NAME_RULES), Comparison::Identical);
        assert_eq!(compare("高橋　太郎", "高橋太郎", NAME_RULES), Comparison::Equivalent(vec![Rule::Spaces]));
        assert_eq!(compare("髙橋太郎", "高橋太郎", NAME_RULES), Comparison::Equivalent(vec![Rule::VariantKanji]));
        assert_eq!(compare("ＡＢＣ", "ABC", TEXT_RULES), Comparison::Equivalent(vec![Rule::Width]));
        assert_eq!(
            compare("第１０００００１号", "1000001", NUMBER_RULES),
            Comparison::Equivalent(vec![Rule::NumberFormat])
        );
        assert_eq!(
            compare("未来県知事", "未来県", MUNICIPALITY_RULES),
            Comparison::Equivalent(vec![Rule::IssuerTitle])
        );
        assert_eq!(compare("たろう", "タロウ", KANA_RULES), Comparison::Equivalent(vec![Rule::Kana]));
        assert_eq!(compare("高橋太郎", "高橋次郎", NAME_RULES), Comparison::Different);
        assert_eq!(compare("1000001", "1000007", NUMBER_RULES), Comparison::Different);
    }

    #[test]
    fn comparisons_read_well() {
        let c = compare("ｶﾀｶﾅ", "カタカナ", KANA_RULES);
        assert_eq!(c.to_string(), "一致（全角・半角の違いを除いて）");
        assert!(c.matches());
        assert_eq!(Comparison::Different.to_string(), "不一致");
    }
}
