//! Just enough drawing for demo handbook photos: text from a font, boxes, a face, a seal, and
//! the look of a phone photo (rotation, shading, glare, blur, noise).

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgb, RgbImage};
use rand::{Rng, RngExt};

pub type Color = [u8; 3];

pub struct Painter<'a> {
    pub img: RgbImage,
    pub sans: &'a FontRef<'a>,
    pub serif: &'a FontRef<'a>,
}

#[derive(Clone, Copy)]
pub enum Face {
    Sans,
    Serif,
}

fn blend(p: &mut Rgb<u8>, color: Color, alpha: f32) {
    let a = alpha.clamp(0.0, 1.0);
    for (c, new) in p.0.iter_mut().zip(color) {
        *c = (f32::from(*c) * (1.0 - a) + f32::from(new) * a).round() as u8;
    }
}

impl<'a> Painter<'a> {
    pub fn new(w: u32, h: u32, paper: Color, sans: &'a FontRef<'a>, serif: &'a FontRef<'a>) -> Self {
        Self { img: RgbImage::from_pixel(w, h, Rgb(paper)), sans, serif }
    }

    pub fn fill(&mut self, x: i32, y: i32, w: i32, h: i32, color: Color) {
        for yy in y.max(0)..(y + h).min(self.img.height() as i32) {
            for xx in x.max(0)..(x + w).min(self.img.width() as i32) {
                self.img.put_pixel(xx as u32, yy as u32, Rgb(color));
            }
        }
    }

    pub fn frame(&mut self, x: i32, y: i32, w: i32, h: i32, t: i32, color: Color) {
        self.fill(x, y, w, t, color);
        self.fill(x, y + h - t, w, t, color);
        self.fill(x, y, t, h, color);
        self.fill(x + w - t, y, t, h, color);
    }

    fn font(&self, face: Face) -> &FontRef<'a> {
        match face {
            Face::Sans => self.sans,
            Face::Serif => self.serif,
        }
    }

    /// Width of `text` at `size` px.
    pub fn measure(&self, face: Face, size: f32, text: &str) -> f32 {
        let font = self.font(face).as_scaled(PxScale::from(size));
        text.chars().map(|c| font.h_advance(font.glyph_id(c))).sum()
    }

    /// Draws `text` with its top-left at (x, y); returns the x after the last glyph.
    pub fn text(&mut self, face: Face, size: f32, x: f32, y: f32, color: Color, text: &str) -> f32 {
        let font = self.font(face).clone();
        let scaled = font.as_scaled(PxScale::from(size));
        let baseline = y + scaled.ascent();
        let mut caret = x;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            let glyph = id.with_scale_and_position(PxScale::from(size), ab_glyph::point(caret, baseline));
            if let Some(outlined) = font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                let (w, h) = (self.img.width() as i32, self.img.height() as i32);
                outlined.draw(|gx, gy, coverage| {
                    let px = bounds.min.x as i32 + gx as i32;
                    let py = bounds.min.y as i32 + gy as i32;
                    if (0..w).contains(&px) && (0..h).contains(&py) {
                        blend(self.img.get_pixel_mut(px as u32, py as u32), color, coverage);
                    }
                });
            }
            caret += scaled.h_advance(id);
        }
        caret
    }

    /// White title text spaced out to fill `width` (handbook covers are set this way).
    pub fn spaced(&mut self, face: Face, size: f32, x: f32, y: f32, width: f32, text: &str) {
        let color = [255, 255, 255];
        let chars: Vec<char> = text.chars().collect();
        let natural = self.measure(face, size, text);
        let gap = if chars.len() > 1 { ((width - natural) / (chars.len() - 1) as f32).max(0.0) } else { 0.0 };
        let mut caret = x;
        for c in chars {
            let s = c.to_string();
            caret = self.text(face, size, caret, y, color, &s) + gap;
        }
    }

    pub fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, color: Color) {
        let (x0, x1) = ((cx - rx).floor() as i32, (cx + rx).ceil() as i32);
        let (y0, y1) = ((cy - ry).floor() as i32, (cy + ry).ceil() as i32);
        for y in y0.max(0)..y1.min(self.img.height() as i32) {
            for x in x0.max(0)..x1.min(self.img.width() as i32) {
                let d = ((x as f32 - cx) / rx).powi(2) + ((y as f32 - cy) / ry).powi(2);
                if d <= 1.0 {
                    let edge = ((1.0 - d) * rx.min(ry) / 2.0).clamp(0.0, 1.0);
                    blend(self.img.get_pixel_mut(x as u32, y as u32), color, edge);
                }
            }
        }
    }

    /// A passport-style face photo, or the empty box with 「写真」 when `present` is false.
    pub fn face_photo(&mut self, x: i32, y: i32, w: i32, h: i32, present: bool, rng: &mut impl Rng) {
        self.frame(x - 2, y - 2, w + 4, h + 4, 2, [60, 60, 60]);
        if !present {
            let size = w as f32 / 5.0;
            let tx = x as f32 + (w as f32 - self.measure(Face::Serif, size, "写真")) / 2.0;
            self.text(Face::Serif, size, tx, y as f32 + h as f32 / 2.0 - size / 2.0, [150, 150, 150], "写真");
            return;
        }
        let backdrop = [rng.random_range(170..215), rng.random_range(190..225), rng.random_range(205..240)];
        self.fill(x, y, w, h, backdrop);
        let (fx, fw, fh) = (x as f32 + w as f32 / 2.0, w as f32, h as f32);
        let skin: Color = [rng.random_range(215..245), rng.random_range(175..205), rng.random_range(150..180)];
        let hair: Color = [rng.random_range(20..70), rng.random_range(15..50), rng.random_range(10..40)];
        let cloth: Color = [rng.random_range(20..90), rng.random_range(30..90), rng.random_range(40..120)];
        self.ellipse(fx, y as f32 + fh * 0.98, fw * 0.46, fh * 0.30, cloth);
        self.fill((fx - fw * 0.08) as i32, (y as f32 + fh * 0.58) as i32, (fw * 0.16) as i32, (fh * 0.14) as i32, skin);
        self.ellipse(fx, y as f32 + fh * 0.34, fw * 0.27, fh * 0.25, hair);
        self.ellipse(fx, y as f32 + fh * 0.42, fw * 0.22, fh * 0.23, skin);
        self.ellipse(fx - fw * 0.08, y as f32 + fh * 0.40, fw * 0.025, fh * 0.015, [40, 30, 30]);
        self.ellipse(fx + fw * 0.08, y as f32 + fh * 0.40, fw * 0.025, fh * 0.015, [40, 30, 30]);
        self.ellipse(fx, y as f32 + fh * 0.54, fw * 0.06, fh * 0.012, [170, 90, 90]);
    }

    /// A square red official seal with up to four characters in a 2×2 grid.
    pub fn seal(&mut self, x: i32, y: i32, size: i32, chars: &str) {
        let red = [200, 40, 40];
        self.frame(x, y, size, size, (size / 14).max(2), red);
        let cell = size as f32 / 2.0;
        for (i, c) in chars.chars().take(4).enumerate() {
            let (col, row) = (1 - (i / 2) as i32, (i % 2) as i32);
            let glyph = c.to_string();
            self.text(
                Face::Serif,
                cell * 0.78,
                x as f32 + col as f32 * cell + cell * 0.11,
                y as f32 + row as f32 * cell + cell * 0.05,
                red,
                &glyph,
            );
        }
    }
}

/// Places the flat document on a table as a phone would see it.
pub struct Photographed {
    pub angle_degrees: f32,
    pub blur_sigma: f32,
    pub glare: f32,
    pub noise: u8,
}

pub fn photograph(doc: &RgbImage, look: &Photographed, rng: &mut impl Rng) -> RgbImage {
    let (dw, dh) = (doc.width() as f32, doc.height() as f32);
    let margin = dw.max(dh) * 0.08;
    let (w, h) = ((dw + 2.0 * margin) as u32, (dh + 2.0 * margin) as u32);
    let table: Color = [rng.random_range(90..150), rng.random_range(70..110), rng.random_range(45..80)];
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sin, cos) = look.angle_degrees.to_radians().sin_cos();
    let glare_at = (rng.random_range(0.2..0.8) * w as f32, rng.random_range(0.15..0.6) * h as f32);
    let glare_radius = w.min(h) as f32 * rng.random_range(0.18..0.35);
    let mut out = RgbImage::new(w, h);
    for (x, y, pixel) in out.enumerate_pixels_mut() {
        // Inverse rotation about the centre, then bilinear sampling of the document.
        let (px, py) = (x as f32 - cx, y as f32 - cy);
        let sx = cos * px + sin * py + dw / 2.0;
        let sy = -sin * px + cos * py + dh / 2.0;
        let mut rgb = if sx >= 0.0 && sy >= 0.0 && sx < dw - 1.0 && sy < dh - 1.0 {
            sample(doc, sx, sy)
        } else {
            let grain = ((x / 3 + y * 7) % 11) as f32 * 1.5;
            [f32::from(table[0]) + grain, f32::from(table[1]) + grain, f32::from(table[2]) + grain]
        };
        // Uneven room light: darker towards the corners.
        let vignette = 1.0 - 0.25 * (((x as f32 - cx) / cx).powi(2) + ((y as f32 - cy) / cy).powi(2)) / 2.0;
        let d = ((x as f32 - glare_at.0).powi(2) + (y as f32 - glare_at.1).powi(2)).sqrt() / glare_radius;
        let glare = look.glare * (1.0 - d).max(0.0).powi(2) * 255.0;
        for c in &mut rgb {
            *c = *c * vignette + glare;
        }
        *pixel = Rgb(rgb.map(|c| c.clamp(0.0, 255.0) as u8));
    }
    let mut out = if look.blur_sigma > 0.0 { image::imageops::fast_blur(&out, look.blur_sigma) } else { out };
    if look.noise > 0 {
        let n = i16::from(look.noise);
        for p in out.pixels_mut() {
            let delta = rng.random_range(-n..=n);
            for c in &mut p.0 {
                *c = (i16::from(*c) + delta).clamp(0, 255) as u8;
            }
        }
    }
    out
}

fn sample(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |xx: u32, yy: u32| img.get_pixel(xx, yy).0.map(f32::from);
    let (a, b, c, d) = (p(x0, y0), p(x0 + 1, y0), p(x0, y0 + 1), p(x0 + 1, y0 + 1));
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = a[i] * (1.0 - fx) * (1.0 - fy) + b[i] * fx * (1.0 - fy) + c[i] * (1.0 - fx) * fy + d[i] * fx * fy;
    }
    out
}
