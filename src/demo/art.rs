//! Six handbook designs (booklets and cards of all three kinds), drawn from the printed facts.
//! Layouts follow the real documents' structure: title, number 「第１０００００１号」, era
//! dates in full-width digits, the 旅客運賃減額 stamp, a face-photo box, the issuer's seal.

use ab_glyph::FontRef;
use image::RgbImage;
use rand::Rng;
use time::Date;

use super::raster::{Color, Face, Painter};
use crate::domain::handbook::HandbookKind;
use crate::domain::wareki::{self, full_width_digits as fw};

/// What is printed on one handbook.
#[derive(Clone, Debug)]
pub struct Facts {
    pub kind: HandbookKind,
    pub design: Design,
    pub name: String,
    pub name_kana: String,
    pub birth: Date,
    pub municipality: String,
    pub issuer: String,
    pub address: String,
    pub number: u32,
    /// A different number printed on the details page (a defect to find).
    pub details_number: Option<u32>,
    pub category: String,
    pub grade: String,
    /// 1 or 2 (第1種 / 第2種); `None` when the handbook carries no fare stamp.
    pub fare_class: Option<u8>,
    pub care: bool,
    pub issued: Date,
    pub renewed: Option<Date>,
    pub expires: Option<Date>,
    /// 再認定年月 (physical) or 次回判定年月 (intellectual), printed as year and month.
    pub recert: Option<Date>,
    /// Print the re-certification in the old era past its end (「平成33年3月」), as documents
    /// issued before May 2019 did.
    pub recert_in_old_era: bool,
    pub face_photo: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    PhysicalBooklet,
    PhysicalCard,
    MentalBooklet,
    MentalCard,
    AiNoTecho,
    MidoriNoTecho,
}

impl Design {
    pub fn for_kind(kind: HandbookKind, variant: usize) -> Design {
        match (kind, variant % 2) {
            (HandbookKind::Physical, 0) => Design::PhysicalBooklet,
            (HandbookKind::Physical, _) => Design::PhysicalCard,
            (HandbookKind::Mental, 0) => Design::MentalBooklet,
            (HandbookKind::Mental, _) => Design::MentalCard,
            (HandbookKind::Intellectual, 0) => Design::AiNoTecho,
            (HandbookKind::Intellectual, _) => Design::MidoriNoTecho,
        }
    }

    pub fn is_card(self) -> bool {
        matches!(self, Design::PhysicalCard | Design::MentalCard)
    }

    fn theme(self) -> (Color, Color) {
        // (paper, accent)
        match self {
            Design::PhysicalBooklet => ([246, 242, 228], [28, 45, 110]),
            Design::PhysicalCard => ([226, 238, 250], [20, 70, 150]),
            Design::MentalBooklet => ([240, 246, 236], [30, 110, 60]),
            Design::MentalCard => ([232, 245, 232], [40, 120, 80]),
            Design::AiNoTecho => ([252, 238, 236], [190, 70, 90]),
            Design::MidoriNoTecho => ([236, 246, 228], [60, 130, 40]),
        }
    }

    /// The name the handbook prints (what a reviewer transcribes as its name).
    pub fn printed_name(self) -> &'static str {
        self.title()
    }

    fn title(self) -> &'static str {
        match self {
            Design::PhysicalBooklet | Design::PhysicalCard => "身体障害者手帳",
            Design::MentalBooklet | Design::MentalCard => "精神障害者保健福祉手帳",
            Design::AiNoTecho => "愛の手帳",
            Design::MidoriNoTecho => "みどりの手帳",
        }
    }
}

/// Whether the demo's photos of this handbook show `field` at all: cards print no renewal,
/// and the re-certification only where there is no expiry; nothing prints a medical number.
pub fn printed(facts: &Facts, field: crate::domain::transcription::Field) -> bool {
    use crate::domain::transcription::Field;
    match field {
        Field::RenewedOn => !facts.design.is_card() && facts.renewed.is_some(),
        Field::ExpiresOn => facts.expires.is_some(),
        Field::RecertOn => facts.recert.is_some() && !(facts.design.is_card() && facts.expires.is_some()),
        Field::Care => facts.care && facts.fare_class.is_some(),
        Field::MedicalNumber => false,
        _ => true,
    }
}

/// Which page of the handbook a photo shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The page with the face photo (or the whole card).
    Face,
    /// The page with grade, dates and the fare stamp.
    Details,
    /// The notes page (記事欄): the wrong page to photograph.
    Notes,
}

const INK: Color = [30, 30, 35];
const MUTED: Color = [90, 90, 95];

fn era(date: Date) -> String {
    fw(&wareki::format(date))
}

pub(crate) fn recert_text(facts: &Facts, date: Date) -> String {
    if facts.recert_in_old_era && date.year() >= 2020 {
        // Heisei kept counting on documents printed before the era changed.
        return fw(&format!("平成{}年{}月", date.year() - 1988, u8::from(date.month())));
    }
    fw(&wareki::format_year_month(date))
}

fn number_text(n: u32) -> String {
    fw(&format!("第{n}号"))
}

fn fare_text(class: u8) -> String {
    fw(&format!("第{class}種"))
}

pub fn render(facts: &Facts, page: Page, sans: &FontRef<'_>, serif: &FontRef<'_>, rng: &mut impl Rng) -> RgbImage {
    let (paper, accent) = facts.design.theme();
    if facts.design.is_card() {
        let mut p = Painter::new(1280, 810, paper, sans, serif);
        match page {
            Page::Notes => notes(&mut p, accent),
            _ => card(&mut p, facts, accent, rng),
        }
        return p.img;
    }
    let mut p = Painter::new(900, 1260, paper, sans, serif);
    match page {
        Page::Face => booklet_face(&mut p, facts, accent, rng),
        Page::Details => booklet_details(&mut p, facts, accent),
        Page::Notes => notes(&mut p, accent),
    }
    p.img
}

fn label_value(p: &mut Painter<'_>, face: Face, x: f32, y: f32, label: &str, value: &str, size: f32) {
    p.text(Face::Sans, 22.0, x, y, MUTED, label);
    p.text(face, size, x, y + 30.0, INK, value);
}

fn fare_stamp(p: &mut Painter<'_>, x: i32, y: i32, class: u8, care: bool) {
    let red: Color = [185, 35, 45];
    p.frame(x, y, 380, 150, 4, red);
    p.text(Face::Serif, 26.0, x as f32 + 20.0, y as f32 + 14.0, red, "旅客鉄道株式会社");
    p.text(Face::Serif, 34.0, x as f32 + 20.0, y as f32 + 52.0, red, "旅客運賃減額");
    p.text(Face::Serif, 44.0, x as f32 + 240.0, y as f32 + 46.0, red, &fare_text(class));
    if care {
        p.text(Face::Serif, 26.0, x as f32 + 20.0, y as f32 + 104.0, red, "介護");
    }
}

fn issuer_block(p: &mut Painter<'_>, facts: &Facts, x: f32, y: f32) {
    let end = p.text(Face::Serif, 36.0, x, y, INK, &facts.issuer);
    let seal: String = facts.issuer.chars().take(2).chain("之印".chars()).collect();
    p.seal(end as i32 + 10, y as i32 - 24, 92, &seal);
}

fn booklet_face(p: &mut Painter<'_>, facts: &Facts, accent: Color, rng: &mut impl Rng) {
    let title_face =
        if matches!(facts.design, Design::AiNoTecho | Design::MidoriNoTecho) { Face::Sans } else { Face::Serif };
    p.fill(0, 0, 900, 170, accent);
    p.spaced(title_face, 66.0, 70.0, 48.0, 760.0, facts.design.title());
    if matches!(facts.design, Design::AiNoTecho | Design::MidoriNoTecho) {
        p.text(Face::Sans, 28.0, 70.0, 190.0, accent, "療育手帳");
    }
    p.frame(24, 24, 852, 1212, 3, accent);
    label_value(p, Face::Serif, 70.0, 240.0, "番号", &number_text(facts.number), 44.0);
    p.text(Face::Sans, 24.0, 70.0, 360.0, MUTED, &facts.name_kana);
    label_value(p, Face::Serif, 70.0, 330.0, "氏名", "", 20.0);
    p.text(Face::Serif, 58.0, 70.0, 392.0, INK, &facts.name);
    label_value(p, Face::Serif, 70.0, 500.0, "生年月日", &format!("{}生", era(facts.birth)), 36.0);
    label_value(p, Face::Serif, 70.0, 600.0, "住所", &format!("{}{}", facts.municipality, fw(&facts.address)), 30.0);
    p.face_photo(560, 250, 270, 340, facts.face_photo, rng);
    label_value(p, Face::Serif, 70.0, 720.0, "交付年月日", &format!("{}交付", era(facts.issued)), 36.0);
    if let Some(class) = facts.fare_class {
        fare_stamp(p, 70, 860, class, facts.care);
    }
    issuer_block(p, facts, 480.0, 1120.0);
}

fn booklet_details(p: &mut Painter<'_>, facts: &Facts, accent: Color) {
    p.frame(24, 24, 852, 1212, 3, accent);
    p.fill(24, 24, 852, 90, accent);
    let heading = match facts.kind {
        HandbookKind::Physical => "障害名及び等級",
        HandbookKind::Mental => "障害等級及び有効期限",
        HandbookKind::Intellectual => "障害の程度及び判定",
    };
    p.text(Face::Serif, 40.0, 60.0, 44.0, [255, 255, 255], heading);
    let number = facts.details_number.unwrap_or(facts.number);
    label_value(p, Face::Serif, 60.0, 150.0, "手帳番号", &number_text(number), 38.0);
    let (category_label, grade_label) = match facts.kind {
        HandbookKind::Physical => ("障害名", "等級"),
        HandbookKind::Mental => ("障害の種別", "障害等級"),
        HandbookKind::Intellectual => ("判定機関", "障害の程度"),
    };
    label_value(p, Face::Serif, 60.0, 260.0, category_label, &facts.category, 36.0);
    label_value(p, Face::Serif, 60.0, 370.0, grade_label, &fw(&facts.grade), 48.0);
    let mut y = 500.0;
    if let Some(expires) = facts.expires {
        label_value(p, Face::Serif, 60.0, y, "有効期限", &format!("{}まで", era(expires)), 40.0);
        y += 120.0;
    }
    if let Some(recert) = facts.recert {
        let label = if facts.kind == HandbookKind::Intellectual { "次回判定年月" } else { "再認定年月" };
        label_value(p, Face::Serif, 60.0, y, label, &recert_text(facts, recert), 40.0);
        y += 120.0;
    }
    label_value(p, Face::Serif, 60.0, y, "交付年月日", &era(facts.issued), 36.0);
    y += 110.0;
    if let Some(renewed) = facts.renewed {
        label_value(p, Face::Serif, 60.0, y, "更新（再交付）年月日", &era(renewed), 36.0);
    }
    if facts.kind == HandbookKind::Mental
        && let Some(class) = facts.fare_class
    {
        fare_stamp(p, 440, 960, class, false);
    }
}

fn card(p: &mut Painter<'_>, facts: &Facts, accent: Color, rng: &mut impl Rng) {
    p.fill(0, 0, 1280, 110, accent);
    p.text(Face::Sans, 54.0, 48.0, 24.0, [255, 255, 255], facts.design.title());
    p.frame(10, 10, 1260, 790, 3, accent);
    p.face_photo(940, 150, 270, 340, facts.face_photo, rng);
    p.text(Face::Sans, 22.0, 48.0, 140.0, MUTED, &facts.name_kana);
    p.text(Face::Sans, 50.0, 48.0, 170.0, INK, &facts.name);
    label_value(p, Face::Sans, 48.0, 260.0, "生年月日", &era(facts.birth), 32.0);
    label_value(p, Face::Sans, 48.0, 350.0, "番号", &facts.number.to_string(), 36.0);
    let grade_label = if facts.kind == HandbookKind::Mental { "障害等級" } else { "障害名・等級" };
    let grade = if facts.kind == HandbookKind::Mental {
        fw(&facts.grade)
    } else {
        format!("{} {}", facts.category, fw(&facts.grade))
    };
    label_value(p, Face::Sans, 48.0, 440.0, grade_label, &grade, 32.0);
    label_value(p, Face::Sans, 48.0, 530.0, "交付日", &era(facts.issued), 30.0);
    if let Some(expires) = facts.expires {
        label_value(p, Face::Sans, 460.0, 530.0, "有効期限", &era(expires), 30.0);
    } else if let Some(recert) = facts.recert {
        label_value(p, Face::Sans, 460.0, 530.0, "再認定", &recert_text(facts, recert), 30.0);
    }
    if let Some(class) = facts.fare_class {
        fare_stamp(p, 48, 625, class, facts.care);
    }
    issuer_block(p, facts, 700.0, 700.0);
}

fn notes(p: &mut Painter<'_>, accent: Color) {
    let (w, h) = (p.img.width() as i32, p.img.height() as i32);
    p.frame(20, 20, w - 40, h - 40, 3, accent);
    p.text(Face::Serif, 44.0, 60.0, 50.0, INK, "記事欄（住所変更等）");
    let mut y = 140;
    while y < h - 80 {
        p.fill(60, y, w - 120, 2, [170, 170, 170]);
        y += 70;
    }
    p.text(Face::Serif, 30.0, 70.0, 160.0, INK, "転居により住所変更");
    p.text(Face::Serif, 30.0, 70.0, 230.0, INK, "交付機関確認済");
}
