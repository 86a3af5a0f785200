//! Whether a baseline JPEG's scans carry every block their frame declares.
//!
//! A scan cut short and followed by an end marker still ends well as far as markers go, and
//! the decoder fills what is missing with zeros instead of failing. Walking the Huffman codes
//! block by block (without dequantising or transforming anything) tells whether the data
//! holds every MCU before its end, or runs out first. Baseline and extended sequential
//! Huffman frames (SOF0, SOF1) are walked: what phones write. Other frames answer `None`
//! and keep the proportional check of `jpeg_scan`.

use super::markers::{EOI, SOS, Segment, u16_at};

const SOF0: u8 = 0xC0;
const SOF1: u8 = 0xC1;
const DHT: u8 = 0xC4;
const DRI: u8 = 0xDD;

/// Bits looked up at once: most codes are shorter, the rest take the slow path.
const FAST_BITS: u32 = 9;

/// A canonical Huffman table: per code length, the first code, the last code and where its
/// symbols start; and a lookup of the codes of up to `FAST_BITS` bits.
#[derive(Clone, Default)]
struct Table {
    min: [i32; 17],
    max: [i32; 17],
    first: [usize; 17],
    symbols: Vec<u8>,
    /// For each `FAST_BITS`-bit prefix: code length << 8 | symbol, or 0 for a longer code.
    fast: Vec<u16>,
}

impl Table {
    fn parse(counts: &[u8], symbols: &[u8]) -> Table {
        let mut table =
            Table { symbols: symbols.to_vec(), max: [-1; 17], fast: vec![0; 1 << FAST_BITS], ..Table::default() };
        let (mut code, mut k) = (0i32, 0usize);
        for len in 1..=16 {
            let n = usize::from(counts[len - 1]);
            table.first[len] = k;
            table.min[len] = code;
            if len as u32 <= FAST_BITS {
                for i in 0..n {
                    let (prefix, spare) = ((code as usize + i) << (FAST_BITS as usize - len), FAST_BITS as usize - len);
                    let entry = ((len as u16) << 8) | u16::from(symbols.get(k + i).copied().unwrap_or(0));
                    for fill in 0..(1usize << spare) {
                        if let Some(slot) = table.fast.get_mut(prefix | fill) {
                            *slot = entry;
                        }
                    }
                }
            }
            code += n as i32;
            k += n;
            table.max[len] = if n > 0 { code - 1 } else { -1 };
            code <<= 1;
        }
        table
    }
}

struct Component {
    id: u8,
    h: usize,
    v: usize,
}

struct Frame {
    width: usize,
    height: usize,
    components: Vec<Component>,
}

/// Reads the entropy-coded bits of a scan, unstuffing `FF00`; never reads past a marker.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
    buffer: u64,
    count: u32,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], at: usize) -> Self {
        Bits { data, at, buffer: 0, count: 0 }
    }

    fn fill(&mut self) {
        while self.count <= 56 {
            let Some(&b) = self.data.get(self.at) else { return };
            if b == 0xFF {
                // A data FF is stuffed as FF00; anything else is a marker: the data ends.
                if self.data.get(self.at + 1) != Some(&0x00) {
                    return;
                }
                self.at += 2;
            } else {
                self.at += 1;
            }
            self.buffer |= u64::from(b) << (56 - self.count);
            self.count += 8;
        }
    }

    /// Takes `n` bits (at most 16), or `None` when the data ends first.
    fn take(&mut self, n: u32) -> Option<u32> {
        if n == 0 {
            return Some(0);
        }
        if self.count < n {
            self.fill();
            if self.count < n {
                return None;
            }
        }
        let value = (self.buffer >> (64 - n)) as u32;
        self.buffer <<= n;
        self.count -= n;
        Some(value)
    }

    fn symbol(&mut self, table: &Table) -> Option<u8> {
        if self.count < 16 {
            self.fill();
        }
        let peek = (self.buffer >> (64 - FAST_BITS)) as usize;
        let entry = table.fast.get(peek).copied().unwrap_or(0);
        let len = u32::from(entry >> 8);
        if len > 0 {
            if len > self.count {
                return None;
            }
            self.buffer <<= len;
            self.count -= len;
            return Some(entry as u8);
        }
        let mut code = 0i32;
        for len in 1..=16 {
            code = (code << 1) | self.take(1)? as i32;
            if code <= table.max[len] {
                let index = table.first[len] + (code - table.min[len]) as usize;
                return table.symbols.get(index).copied();
            }
        }
        None
    }

    /// At the end of a restart interval: the padding goes, and the RSTn marker must be next.
    fn restart(&mut self) -> bool {
        self.buffer = 0;
        self.count = 0;
        let is_rst = self.data.get(self.at) == Some(&0xFF)
            && self.data.get(self.at + 1).is_some_and(|m| (0xD0..=0xD7).contains(m));
        if is_rst {
            self.at += 2;
        }
        is_rst
    }
}

/// One block: a DC difference and up to 63 AC coefficients, skipped over.
fn block(bits: &mut Bits<'_>, dc: &Table, ac: &Table) -> Option<()> {
    let size = bits.symbol(dc)?;
    bits.take(u32::from(size))?;
    let mut k = 1;
    while k < 64 {
        let rs = bits.symbol(ac)?;
        let (run, size) = (rs >> 4, rs & 0x0F);
        if size == 0 {
            if run == 15 {
                k += 16;
                continue;
            }
            break;
        }
        k += usize::from(run);
        bits.take(u32::from(size))?;
        k += 1;
    }
    (k <= 64).then_some(())
}

/// `Some(true)` when every scan holds all its blocks before its end, `Some(false)` when one
/// runs out or breaks, `None` for frames this module does not walk. Takes the file's segments
/// (see `markers`), which end with the end marker.
pub fn scans_complete(segments: &[Segment<'_>]) -> Option<bool> {
    let mut dc: [Option<Table>; 4] = Default::default();
    let mut ac: [Option<Table>; 4] = Default::default();
    let mut frame: Option<Frame> = None;
    let mut restart = 0usize;
    for segment in segments {
        let body = segment.body;
        match segment.marker {
            SOF0 | SOF1 => {
                let (Some(height), Some(width)) = (u16_at(body, 1), u16_at(body, 3)) else { return Some(false) };
                let n = usize::from(*body.get(5)?);
                let mut components = Vec::with_capacity(n);
                for c in 0..n {
                    let spec = body.get(6 + c * 3..9 + c * 3)?;
                    let (h, v) = (usize::from(spec[1] >> 4), usize::from(spec[1] & 0x0F));
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
                        return Some(false);
                    }
                    components.push(Component { id: spec[0], h, v });
                }
                frame = Some(Frame { width, height, components });
            }
            0xC2..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
            DHT => {
                let mut rest = body;
                while !rest.is_empty() {
                    let class_id = rest[0];
                    let counts = rest.get(1..17)?;
                    let total: usize = counts.iter().map(|c| usize::from(*c)).sum();
                    let symbols = rest.get(17..17 + total)?;
                    let table = Table::parse(counts, symbols);
                    let slot = usize::from(class_id & 0x0F).min(3);
                    if class_id >> 4 == 0 {
                        dc[slot] = Some(table)
                    } else {
                        ac[slot] = Some(table)
                    }
                    rest = &rest[17 + total..];
                }
            }
            DRI => restart = u16_at(body, 0)?,
            SOS => {
                let Some(frame) = frame.as_ref() else { return Some(false) };
                let n = usize::from(*body.first()?);
                let mut scan = Vec::with_capacity(n);
                for c in 0..n {
                    let spec = body.get(1 + c * 2..3 + c * 2)?;
                    let component = frame.components.iter().find(|k| k.id == spec[0])?;
                    let (d, a) = (usize::from(spec[1] >> 4).min(3), usize::from(spec[1] & 0x0F).min(3));
                    let (Some(d), Some(a)) = (dc[d].as_ref(), ac[a].as_ref()) else { return Some(false) };
                    scan.push((component, d, a));
                }
                if walk_scan(segment.data, frame, &scan, restart).is_none() {
                    return Some(false);
                }
            }
            EOI => return Some(frame.is_some()),
            _ => {}
        }
    }
    Some(false)
}

/// Walks one scan's MCUs through its entropy-coded data (which ends at the next marker);
/// `None` when the data runs out or breaks first.
fn walk_scan(data: &[u8], frame: &Frame, scan: &[(&Component, &Table, &Table)], restart: usize) -> Option<()> {
    let hmax = frame.components.iter().map(|c| c.h).max()?;
    let vmax = frame.components.iter().map(|c| c.v).max()?;
    let (mcus, per_mcu): (usize, Vec<usize>) = if let [(only, _, _)] = scan {
        // A scan of one component codes its blocks one by one, over its own size.
        let w = (frame.width * only.h).div_ceil(hmax).div_ceil(8);
        let h = (frame.height * only.v).div_ceil(vmax).div_ceil(8);
        (w * h, vec![1])
    } else {
        let w = frame.width.div_ceil(8 * hmax);
        let h = frame.height.div_ceil(8 * vmax);
        (w * h, scan.iter().map(|(c, _, _)| c.h * c.v).collect())
    };
    let mut bits = Bits::new(data, 0);
    for mcu in 0..mcus {
        if restart > 0 && mcu > 0 && mcu % restart == 0 && !bits.restart() {
            return None;
        }
        for ((_, dc, ac), blocks) in scan.iter().zip(&per_mcu) {
            for _ in 0..*blocks {
                block(&mut bits, dc, ac)?;
            }
        }
    }
    // Encoders may leave fill bytes or a final restart marker after the last block's padding:
    // the data runs to the next marker either way.
    Some(())
}

#[cfg(test)]
mod tests {
    /// The verdict on a whole file: its segments listed, then walked.
    fn scans_complete(bytes: &[u8]) -> Option<bool> {
        match crate::images::markers::segments(bytes) {
            Some(segments) => super::scans_complete(&segments),
            None => Some(false),
        }
    }

    fn jpeg(w: u32, h: u32, subsampled: bool) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, ((x ^ y) % 256) as u8])
        });
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 85);
        if subsampled {
            encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
        }
        let encoded = encoder.encode(img.as_raw(), w as u16, h as u16, jpeg_encoder::ColorType::Rgb);
        assert!(encoded.is_ok());
        out
    }

    #[test]
    fn whole_scans_are_complete() {
        for (w, h) in [(640, 400), (8, 8), (17, 33), (1001, 67)] {
            assert_eq!(scans_complete(&jpeg(w, h, false)), Some(true), "{w}x{h}");
            assert_eq!(scans_complete(&jpeg(w, h, true)), Some(true), "{w}x{h} 4:2:0");
        }
        let restarts = {
            let img = image::RgbImage::from_fn(300, 200, |x, y| image::Rgb([x as u8, y as u8, 7]));
            let mut out = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, 80);
            encoder.set_restart_interval(4);
            assert!(encoder.encode(img.as_raw(), 300, 200, jpeg_encoder::ColorType::Rgb).is_ok());
            out
        };
        assert_eq!(scans_complete(&restarts), Some(true), "with restart markers");
        // Another encoder's tables and layout (the image crate's own), greyscale too.
        let other = |img: image::DynamicImage| {
            let mut out = Vec::new();
            let encoded = img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75));
            assert!(encoded.is_ok());
            out
        };
        let rgb = image::RgbImage::from_fn(333, 222, |x, y| image::Rgb([(x % 200) as u8, (y % 100) as u8, 50]));
        assert_eq!(scans_complete(&other(image::DynamicImage::ImageRgb8(rgb.clone()))), Some(true));
        let grey = image::DynamicImage::ImageRgb8(rgb).into_luma8();
        assert_eq!(scans_complete(&other(image::DynamicImage::ImageLuma8(grey))), Some(true), "one component");
    }

    #[test]
    fn a_scan_cut_short_is_not_complete_however_it_ends() {
        for subsampled in [false, true] {
            let full = jpeg(640, 400, subsampled);
            for keep in [full.len() * 9 / 10, full.len() / 2, full.len() / 5] {
                let mut cut = full[..keep].to_vec();
                cut.extend_from_slice(&[0xFF, 0xD9]);
                assert_eq!(scans_complete(&cut), Some(false), "cut at {keep} of {}", full.len());
            }
        }
    }

    #[test]
    fn progressive_frames_are_not_walked() {
        let img = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8, y as u8, 0]));
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 80);
        encoder.set_progressive(true);
        assert!(encoder.encode(img.as_raw(), 64, 64, jpeg_encoder::ColorType::Rgb).is_ok());
        assert_eq!(scans_complete(&out), None);
    }
}
