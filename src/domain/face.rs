//! Where the face photo is on a handbook page: the box a reviewer marks so the app's card can
//! show the face crop (DOMAIN.md "The app's card") without the rest of the page, which carries
//! more than a counter needs (address, other printed facts).

use serde::Deserialize;

use super::transcription::FieldNote;

/// A box on the page in thousandths of its width and height, so it stays right for the
/// stored image whatever its pixel size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaceBox {
    pub left: u16,
    pub top: u16,
    pub width: u16,
    pub height: u16,
}

/// The smallest side a face box may have: 5 % of the page.
const MIN_SIDE: u16 = 50;

/// The box as typed, in percent (decimals allowed): kept on screen when it does not parse.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FaceInput {
    #[serde(default)]
    pub image_id: String,
    #[serde(default, rename = "face_left")]
    pub left: String,
    #[serde(default, rename = "face_top")]
    pub top: String,
    #[serde(default, rename = "face_width")]
    pub width: String,
    #[serde(default, rename = "face_height")]
    pub height: String,
}

fn note(field: &'static str, message: impl Into<String>) -> FieldNote {
    FieldNote { field, message: message.into() }
}

/// A percentage with up to one decimal, as thousandths; full-width digits are accepted.
fn permille(raw: &str) -> Option<u16> {
    let ascii: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            other => other,
        })
        .collect();
    let ascii = ascii.trim_end_matches('%');
    let (whole, tenth) = match ascii.split_once('.') {
        Some((w, t)) if t.len() == 1 => (w, t),
        Some(_) => return None,
        None => (ascii, "0"),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !tenth.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = whole.parse::<u32>().ok()? * 10 + tenth.parse::<u32>().ok()?;
    (value <= 1000).then_some(value as u16)
}

impl FaceInput {
    /// The chosen photo and the box, or what is wrong, field by field.
    pub fn parse(&self) -> Result<(i64, FaceBox), Vec<FieldNote>> {
        let mut notes = Vec::new();
        let image = self.image_id.trim().parse::<i64>().ok();
        if image.is_none() {
            notes.push(note("face_image_id", "顔写真が写っている写真を選んでください。"));
        }
        let mut part = |field: &'static str, raw: &str, what: &str| {
            let value = permille(raw);
            if value.is_none() {
                notes.push(note(field, format!("{what}を0〜100の数（%、小数は1桁まで）で入力してください。")));
            }
            value.unwrap_or(0)
        };
        let b = FaceBox {
            left: part("face_left", &self.left, "左端の位置"),
            top: part("face_top", &self.top, "上端の位置"),
            width: part("face_width", &self.width, "幅"),
            height: part("face_height", &self.height, "高さ"),
        };
        if notes.is_empty() {
            if b.width < MIN_SIDE || b.height < MIN_SIDE {
                notes.push(note("face_width", "幅と高さは5%以上にしてください。"));
            }
            if b.left + b.width > 1000 {
                notes.push(note("face_width", "左端の位置と幅の合計が100%を超えています。"));
            }
            if b.top + b.height > 1000 {
                notes.push(note("face_height", "上端の位置と高さの合計が100%を超えています。"));
            }
        }
        match (image, notes.is_empty()) {
            (Some(id), true) => Ok((id, b)),
            _ => Err(notes),
        }
    }
}

impl FaceBox {
    /// The box a page's layout suggests, for the reviewer to confirm or move: where the face
    /// photo sits on a card (landscape: right-hand third) or on a booklet's face page
    /// (portrait: upper right), the usual designs' positions.
    pub fn proposed(width: u32, height: u32) -> FaceBox {
        if width >= height {
            FaceBox { left: 734, top: 185, width: 211, height: 420 }
        } else {
            FaceBox { left: 622, top: 198, width: 300, height: 270 }
        }
    }

    /// Stored form: `left,top,width,height` in thousandths.
    pub fn to_code(self) -> String {
        format!("{},{},{},{}", self.left, self.top, self.width, self.height)
    }

    pub fn from_code(code: &str) -> Option<FaceBox> {
        let parts: Vec<u16> = code.split(',').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        let [left, top, width, height] = parts.as_slice() else { return None };
        let b = FaceBox { left: *left, top: *top, width: *width, height: *height };
        (b.width > 0 && b.height > 0 && b.left + b.width <= 1000 && b.top + b.height <= 1000).then_some(b)
    }

    /// The box in pixels of an image of `width` × `height`, never empty, never outside it.
    pub fn pixels(self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let scale = |v: u16, of: u32| (u64::from(v) * u64::from(of) / 1000) as u32;
        let x = scale(self.left, width).min(width.saturating_sub(1));
        let y = scale(self.top, height).min(height.saturating_sub(1));
        let w = scale(self.width, width).clamp(1, width - x);
        let h = scale(self.height, height).clamp(1, height - y);
        (x, y, w, h)
    }

    /// The box as the form shows it again, in percent.
    pub fn as_input(self, image_id: i64) -> FaceInput {
        let pct = |v: u16| if v.is_multiple_of(10) { format!("{}", v / 10) } else { format!("{}.{}", v / 10, v % 10) };
        FaceInput {
            image_id: image_id.to_string(),
            left: pct(self.left),
            top: pct(self.top),
            width: pct(self.width),
            height: pct(self.height),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(left: &str, top: &str, width: &str, height: &str) -> FaceInput {
        FaceInput {
            image_id: "7".into(),
            left: left.into(),
            top: top.into(),
            width: width.into(),
            height: height.into(),
        }
    }

    #[test]
    fn the_proposed_box_stays_on_the_page_and_follows_its_shape() {
        for (w, h) in [(1280, 810), (900, 1260)] {
            let b = FaceBox::proposed(w, h);
            assert!(b.left + b.width <= 1000 && b.top + b.height <= 1000, "{b:?}");
            assert!(b.width >= MIN_SIDE && b.height >= MIN_SIDE);
        }
        assert_ne!(FaceBox::proposed(1280, 810), FaceBox::proposed(900, 1260));
    }

    #[test]
    fn percentages_parse_to_thousandths() {
        let (id, b) = input("60", "12.5", "３０", "40%").parse().unwrap();
        assert_eq!(id, 7);
        assert_eq!(b, FaceBox { left: 600, top: 125, width: 300, height: 400 });
        assert_eq!(FaceBox::from_code(&b.to_code()), Some(b));
        assert_eq!(b.as_input(7).top, "12.5");
    }

    #[test]
    fn a_box_outside_the_page_or_too_small_is_named() {
        let notes = input("80", "0", "30", "40").parse().unwrap_err();
        assert_eq!(notes[0].field, "face_width");
        let notes = input("0", "0", "3", "40").parse().unwrap_err();
        assert!(notes[0].message.contains("5%以上"));
        let notes = input("0", "70", "30", "40").parse().unwrap_err();
        assert_eq!(notes[0].field, "face_height");
        let notes = input("abc", "0", "101", "1.25").parse().unwrap_err();
        let fields: Vec<_> = notes.iter().map(|n| n.field).collect();
        assert_eq!(fields, ["face_left", "face_width", "face_height"]);
        let notes = FaceInput { image_id: "x".into(), ..input("0", "0", "50", "50") }.parse().unwrap_err();
        assert_eq!(notes[0].field, "face_image_id");
    }

    #[test]
    fn pixels_stay_inside_the_image() {
        let b = FaceBox { left: 600, top: 100, width: 400, height: 900 };
        assert_eq!(b.pixels(1000, 500), (600, 50, 400, 450));
        assert_eq!(b.pixels(3, 3), (1, 0, 1, 2));
        assert_eq!(FaceBox::from_code("900,0,200,100"), None, "beyond the right edge");
        assert_eq!(FaceBox::from_code("1,2,3"), None);
    }
}
