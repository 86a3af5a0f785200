//! Invented people and places for demo handbooks. Every name is made up from common parts;
//! the municipalities do not exist.

/// Family names with their reading; some written with the old or variant kanji real
/// handbooks carry (髙, 﨑, 邉, 齋), which transcription must match to the common form.
pub const FAMILY_NAMES: [(&str, &str); 32] = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("髙橋", "タカハシ"),
    ("田中", "タナカ"),
    ("渡辺", "ワタナベ"),
    ("渡邉", "ワタナベ"),
    ("伊藤", "イトウ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("齋藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("山﨑", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("前田", "マエダ"),
    ("藤田", "フジタ"),
];

pub const GIVEN_NAMES: [(&str, &str); 30] = [
    ("太郎", "タロウ"),
    ("一郎", "イチロウ"),
    ("健太", "ケンタ"),
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("誠", "マコト"),
    ("浩二", "コウジ"),
    ("陽介", "ヨウスケ"),
    ("拓也", "タクヤ"),
    ("悠真", "ユウマ"),
    ("蓮", "レン"),
    ("湊", "ミナト"),
    ("優子", "ユウコ"),
    ("花子", "ハナコ"),
    ("美咲", "ミサキ"),
    ("陽菜", "ヒナ"),
    ("結衣", "ユイ"),
    ("さくら", "サクラ"),
    ("由美", "ユミ"),
    ("恵子", "ケイコ"),
    ("直美", "ナオミ"),
    ("彩", "アヤ"),
    ("智子", "トモコ"),
    ("葵", "アオイ"),
    ("芽依", "メイ"),
    ("和子", "カズコ"),
    ("幸子", "サチコ"),
    ("清", "キヨシ"),
    ("勇", "イサム"),
    ("ヴィクトル", "ヴィクトル"),
];

/// Issuing municipalities: (name as stamped, issuer line, prefecture-level?).
pub const MUNICIPALITIES: [(&str, &str); 8] = [
    ("未来県", "未来県知事"),
    ("青空県", "青空県知事"),
    ("桜川県", "桜川県知事"),
    ("若葉市", "若葉市長"),
    ("希望市", "希望市長"),
    ("光が丘市", "光が丘市長"),
    ("港南県", "港南県知事"),
    ("緑山市", "緑山市長"),
];

/// Disability categories printed on physical handbooks.
pub const PHYSICAL_CATEGORIES: [&str; 6] = [
    "肢体不自由（下肢機能障害）",
    "視覚障害",
    "聴覚障害",
    "心臓機能障害",
    "じん臓機能障害",
    "肢体不自由（体幹機能障害）",
];

pub const MENTAL_CATEGORIES: [&str; 1] = ["精神障害"];

/// Intellectual handbooks: local name, and the grades its prefecture uses.
pub const INTELLECTUAL_DESIGNS: [(&str, [&str; 4]); 2] =
    [("愛の手帳", ["1度", "2度", "3度", "4度"]), ("みどりの手帳", ["A1", "A2", "B1", "B2"])];

pub const ADDRESSES: [&str; 6] = [
    "中央区本町一丁目2番3号",
    "北区桜台四丁目5番6号",
    "南区緑町二丁目7番8号",
    "東区光が丘三丁目9番10号",
    "西区若葉台五丁目11番12号",
    "港区海岸通六丁目13番14号",
];
