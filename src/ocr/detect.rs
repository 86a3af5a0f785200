//! Turning the detection model's probability map into text-line boxes (DB post-processing),
//! and cutting each line out of the photo, level, for recognition.
//!
//! Photos are taken by hand, so a whole handbook is tilted a few degrees. Each line is boxed as
//! a rectangle at the page's tilt, measured once from the long components, rather than
//! axis-aligned: an upright box around a tilted line takes in parts of the lines above and below.

use image::RgbImage;

/// Pixels above this probability belong to text.
pub const THRESHOLD: f32 = 0.3;
/// A component whose mean probability is below this is dropped as noise.
pub const BOX_THRESHOLD: f32 = 0.6;
/// How far a shrunk text kernel is grown back (DB's "unclip"): distance = area × ratio / perimeter.
pub const UNCLIP_RATIO: f32 = 1.6;
/// Tilt beyond this is not a handheld photo of an upright document; boxes stay level.
const MAX_TILT: f32 = 0.35;

/// A tilted rectangle: centre, half extents along and across the line, and the tilt (radians).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    pub cx: f32,
    pub cy: f32,
    pub half_w: f32,
    pub half_h: f32,
    pub angle: f32,
    pub score: f32,
}

impl Region {
    /// The same rectangle in a picture scaled by `sx` × `sy`.
    pub fn scaled(self, sx: f32, sy: f32) -> Region {
        let s = (sx + sy) / 2.0;
        Region { cx: self.cx * sx, cy: self.cy * sy, half_w: self.half_w * s, half_h: self.half_h * s, ..self }
    }

    /// The upright box around the rectangle, clamped to a `width` × `height` picture:
    /// (x, y, w, h).
    pub fn bounds(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let (c, s) = (self.angle.cos(), self.angle.sin());
        let dx = (self.half_w * c).abs() + (self.half_h * s).abs();
        let dy = (self.half_w * s).abs() + (self.half_h * c).abs();
        let clamp = |v: f32, max: u32| v.max(0.0).min(max as f32) as u32;
        let (x0, y0) = (clamp(self.cx - dx, width), clamp(self.cy - dy, height));
        let (x1, y1) = (clamp(self.cx + dx, width), clamp(self.cy + dy, height));
        (x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0))
    }
}

#[derive(Default)]
struct Component {
    pixels: Vec<(u32, u32)>,
    sum_p: f32,
}

/// The components of the thresholded map (8-connected), each with its pixels.
fn components(map: &[f32], width: usize, height: usize) -> Vec<Component> {
    let mut seen = vec![false; map.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..map.len() {
        if seen[start] || map[start] <= THRESHOLD {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut component = Component::default();
        while let Some(i) = stack.pop() {
            let (x, y) = (i % width, i / width);
            component.pixels.push((x as u32, y as u32));
            component.sum_p += map[i];
            for (nx, ny) in neighbours(x, y, width, height) {
                let j = ny * width + nx;
                if !seen[j] && map[j] > THRESHOLD {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        out.push(component);
    }
    out
}

fn neighbours(x: usize, y: usize, width: usize, height: usize) -> impl Iterator<Item = (usize, usize)> {
    let xs = x.saturating_sub(1)..=(x + 1).min(width - 1);
    xs.flat_map(move |nx| (y.saturating_sub(1)..=(y + 1).min(height - 1)).map(move |ny| (nx, ny)))
        .filter(move |&(nx, ny)| (nx, ny) != (x, y))
}

/// The orientation of a component's principal axis and how elongated it is (major / minor spread).
fn orientation(pixels: &[(u32, u32)]) -> (f32, f32) {
    let n = pixels.len() as f32;
    let (mx, my) = pixels.iter().fold((0.0, 0.0), |(a, b), &(x, y)| (a + x as f32, b + y as f32));
    let (mx, my) = (mx / n, my / n);
    let (mut xx, mut yy, mut xy) = (0f32, 0f32, 0f32);
    for &(x, y) in pixels {
        let (dx, dy) = (x as f32 - mx, y as f32 - my);
        xx += dx * dx;
        yy += dy * dy;
        xy += dx * dy;
    }
    let angle = 0.5 * (2.0 * xy).atan2(xx - yy);
    let spread = ((xx - yy).powi(2) + 4.0 * xy * xy).sqrt();
    let major = (xx + yy + spread) / 2.0;
    let minor = ((xx + yy - spread) / 2.0).max(1e-3);
    (angle, (major / minor).sqrt())
}

/// The page's tilt: the size-weighted median orientation of the clearly elongated components.
pub fn page_tilt(samples: &mut [(f32, f32)]) -> f32 {
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f32 = samples.iter().map(|s| s.1).sum();
    let mut acc = 0.0;
    for &(angle, weight) in samples.iter() {
        acc += weight;
        if acc >= total / 2.0 {
            return angle.clamp(-MAX_TILT, MAX_TILT);
        }
    }
    0.0
}

/// The text lines of a `width` × `height` probability map, top to bottom, then left to right.
pub fn regions(map: &[f32], width: usize, height: usize) -> Vec<Region> {
    if width == 0 || height == 0 || map.len() != width * height {
        return Vec::new();
    }
    let parts: Vec<Component> = components(map, width, height).into_iter().filter(|c| c.pixels.len() >= 12).collect();
    let mut samples: Vec<(f32, f32)> = parts
        .iter()
        .filter_map(|c| {
            let (angle, elongation) = orientation(&c.pixels);
            (elongation >= 4.0 && angle.abs() <= MAX_TILT).then_some((angle, c.pixels.len() as f32))
        })
        .collect();
    let tilt = page_tilt(&mut samples);
    let (cos, sin) = (tilt.cos(), tilt.sin());
    let mut out: Vec<Region> = parts
        .iter()
        .filter_map(|c| {
            let score = c.sum_p / c.pixels.len() as f32;
            if score < BOX_THRESHOLD {
                return None;
            }
            let (mut u0, mut u1, mut v0, mut v1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
            for &(x, y) in &c.pixels {
                let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
                let (u, v) = (x * cos + y * sin, -x * sin + y * cos);
                u0 = u0.min(u - 0.5);
                u1 = u1.max(u + 0.5);
                v0 = v0.min(v - 0.5);
                v1 = v1.max(v + 0.5);
            }
            let (w, h) = (u1 - u0, v1 - v0);
            if w.min(h) < 3.0 {
                return None;
            }
            let grow = w * h * UNCLIP_RATIO / (2.0 * (w + h));
            let (cu, cv) = ((u0 + u1) / 2.0, (v0 + v1) / 2.0);
            Some(Region {
                cx: cu * cos - cv * sin,
                cy: cu * sin + cv * cos,
                half_w: w / 2.0 + grow,
                half_h: h / 2.0 + grow,
                angle: tilt,
                score,
            })
        })
        .collect();
    // Reading order in the page's own frame: a line sits above another when their centres are
    // apart by more than half a line.
    let key = |r: &Region| (-r.cx * sin + r.cy * cos, r.cx * cos + r.cy * sin);
    out.sort_by(|a, b| {
        let ((av, au), (bv, bu)) = (key(a), key(b));
        if (av - bv).abs() < a.half_h.min(b.half_h) { au.total_cmp(&bu) } else { av.total_cmp(&bv) }
    });
    out
}

/// Cuts `region` out of `img`, level, scaled to `height` pixels tall.
pub fn crop_line(img: &RgbImage, region: &Region, height: u32) -> RgbImage {
    let scale = (2.0 * region.half_h) / height as f32;
    let width = ((2.0 * region.half_w) / scale).round().max(1.0) as u32;
    let (cos, sin) = (region.angle.cos(), region.angle.sin());
    let mut out = RgbImage::new(width, height);
    for (ox, oy, px) in out.enumerate_pixels_mut() {
        let u = (ox as f32 + 0.5) * scale - region.half_w;
        let v = (oy as f32 + 0.5) * scale - region.half_h;
        let x = region.cx + u * cos - v * sin;
        let y = region.cy + u * sin + v * cos;
        *px = bilinear(img, x - 0.5, y - 0.5);
    }
    out
}

fn bilinear(img: &RgbImage, x: f32, y: f32) -> image::Rgb<u8> {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: i64, yi: i64| {
        let (xi, yi) = (xi.clamp(0, w - 1) as u32, yi.clamp(0, h - 1) as u32);
        img.get_pixel(xi, yi).0
    };
    let (x0, y0) = (x0 as i64, y0 as i64);
    let (a, b, c, d) = (at(x0, y0), at(x0 + 1, y0), at(x0, y0 + 1), at(x0 + 1, y0 + 1));
    let mut px = [0u8; 3];
    for k in 0..3 {
        let top = f32::from(a[k]) * (1.0 - fx) + f32::from(b[k]) * fx;
        let bottom = f32::from(c[k]) * (1.0 - fx) + f32::from(d[k]) * fx;
        px[k] = (top * (1.0 - fy) + bottom * fy).round() as u8;
    }
    image::Rgb(px)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_with(width: usize, height: usize, rects: &[(usize, usize, usize, usize)]) -> Vec<f32> {
        let mut map = vec![0.0; width * height];
        for &(x, y, w, h) in rects {
            for yy in y..y + h {
                for xx in x..x + w {
                    map[yy * width + xx] = 0.9;
                }
            }
        }
        map
    }

    #[test]
    fn two_level_lines_come_out_in_reading_order_grown_back() {
        let map = map_with(200, 100, &[(20, 60, 120, 10), (20, 20, 80, 10), (150, 20, 30, 10)]);
        let found = regions(&map, 200, 100);
        assert_eq!(found.len(), 3);
        let centres: Vec<(i32, i32)> = found.iter().map(|r| (r.cx.round() as i32, r.cy.round() as i32)).collect();
        assert_eq!(centres, vec![(60, 25), (165, 25), (80, 65)]);
        assert!(found[0].half_h > 5.0 && found[0].half_w > 40.0, "unclipped: {:?}", found[0]);
        assert!(found.iter().all(|r| r.angle.abs() < 1e-3));
    }

    #[test]
    fn weak_or_tiny_components_are_noise() {
        let mut map = map_with(100, 100, &[(10, 10, 2, 2)]);
        for v in map.iter_mut().skip(50 * 100).take(100) {
            *v = 0.4;
        }
        assert!(regions(&map, 100, 100).is_empty());
    }

    #[test]
    fn a_tilted_page_gives_tilted_boxes() {
        let (width, height) = (300, 200);
        let mut map = vec![0.0; width * height];
        let tilt = 0.06f32;
        for x in 20..260 {
            let y0 = 80.0 + (x as f32 - 20.0) * tilt.tan();
            for dy in 0..12 {
                map[(y0 as usize + dy) * width + x] = 0.9;
            }
        }
        let found = regions(&map, width, height);
        assert_eq!(found.len(), 1);
        assert!((found[0].angle - tilt).abs() < 0.01, "{:?}", found[0]);
        let (_, _, w, h) = found[0].bounds(width as u32, height as u32);
        assert!(w > 240 && h > 12 + 14, "{w}×{h}");
    }

    #[test]
    fn a_level_crop_keeps_the_line_and_its_height() {
        let mut img = RgbImage::from_pixel(100, 50, image::Rgb([255, 255, 255]));
        for x in 10..90 {
            for y in 20..30 {
                img.put_pixel(x, y, image::Rgb([0, 0, 0]));
            }
        }
        let region = Region { cx: 50.0, cy: 25.0, half_w: 45.0, half_h: 10.0, angle: 0.0, score: 1.0 };
        let crop = crop_line(&img, &region, 48);
        assert_eq!((crop.width(), crop.height()), (216, 48));
        assert_eq!(crop.get_pixel(108, 24).0, [0, 0, 0]);
        assert_eq!(crop.get_pixel(108, 2).0, [255, 255, 255]);
    }
}
