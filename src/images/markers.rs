//! The one walk over a JPEG's markers, shared by the intake checks and the metadata strip.
//!
//! The decoder (zune-jpeg, strict) refuses a scan that runs out at the end of the file, but
//! not one cut short and followed by an end marker (it fills the rest with zeros), nor a
//! baseline file whose end marker is missing, nor a tiny file declaring a huge frame with no
//! data (it decodes a gigabyte of grey). Those checks, and the segment allow-list of the
//! lossless strip, need the file's segments: this module lists them, once.

pub const SOI: u8 = 0xD8;
pub const EOI: u8 = 0xD9;
pub const SOS: u8 = 0xDA;
/// The temporary marker TEM, standalone like the restart markers.
pub const TEM: u8 = 0x01;

/// One segment as it sits in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    pub marker: u8,
    /// The whole segment as written: FF, marker, length and body (FF and marker only for a
    /// standalone marker).
    pub bytes: &'a [u8],
    /// The body after the length field (empty for a standalone marker).
    pub body: &'a [u8],
    /// For a scan (SOS): its entropy-coded data up to the next marker, stuffed bytes (FF00)
    /// and restart markers (RSTn) included. Empty for every other segment.
    pub data: &'a [u8],
}

/// Whether a marker stands alone, without a length: TEM and RST0–RST7.
pub fn standalone(marker: u8) -> bool {
    marker == TEM || (0xD0..=0xD7).contains(&marker)
}

/// Every segment from the start-of-image marker (not listed) to the end-of-image marker (the
/// last one listed); what follows it is not read. `None` when the file does not start with SOI,
/// something other than a marker sits between segments (fill bytes FF are allowed), a length
/// is below 2 or runs past the end, SOI comes again, or the end comes before EOI.
pub fn segments(bytes: &[u8]) -> Option<Vec<Segment<'_>>> {
    if bytes.get(..2) != Some(&[0xFF, SOI]) {
        return None;
    }
    let mut out = Vec::with_capacity(16);
    let mut at = 2;
    loop {
        // Fill bytes before a marker are allowed.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if bytes.get(at) != Some(&0xFF) {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let start = at;
        at += 2;
        if marker == EOI || standalone(marker) {
            out.push(Segment { marker, bytes: &bytes[start..at], body: &[], data: &[] });
            if marker == EOI {
                return Some(out);
            }
            continue;
        }
        if marker == SOI || marker == 0x00 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        if len < 2 {
            return None;
        }
        let segment = bytes.get(start..at + len)?;
        at += len;
        let data = if marker == SOS {
            let data_start = at;
            at = scan_end(bytes, at)?;
            &bytes[data_start..at]
        } else {
            &[]
        };
        out.push(Segment { marker, bytes: segment, body: &segment[4..], data });
    }
}

/// Where a scan's entropy-coded data starting at `at` ends: at the next marker that is
/// neither stuffing (FF00) nor a restart marker (FFD0–FFD7). `None` when the file ends first.
fn scan_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        // Most bytes are not FF: jump to the next one.
        at += bytes.get(at..)?.iter().position(|b| *b == 0xFF)?;
        let next = *bytes.get(at + 1)?;
        if next != 0x00 && !(0xD0..=0xD7).contains(&next) {
            return Some(at);
        }
        at += 2;
    }
}

/// A big-endian 16-bit number at `at`.
pub fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(restart: u16) -> Vec<u8> {
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 90]));
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 85);
        if restart > 0 {
            encoder.set_restart_interval(restart);
        }
        assert!(encoder.encode(img.as_raw(), 64, 48, jpeg_encoder::ColorType::Rgb).is_ok());
        out
    }

    #[test]
    fn the_segments_rebuild_the_file() {
        for restart in [0, 2] {
            let file = jpeg(restart);
            let Some(list) = segments(&file) else { panic!("segments") };
            assert_eq!(list.last().map(|s| s.marker), Some(EOI));
            let mut rebuilt = vec![0xFF, SOI];
            for s in &list {
                rebuilt.extend_from_slice(s.bytes);
                rebuilt.extend_from_slice(s.data);
            }
            assert_eq!(rebuilt, file, "restart interval {restart}");
            let scan = list.iter().find(|s| s.marker == SOS);
            assert!(scan.is_some_and(|s| s.data.len() > 100));
        }
    }

    #[test]
    fn fill_bytes_standalone_markers_and_trailers() {
        let file = jpeg(0);
        // Fill bytes and a TEM marker between the first two segments, data after the end.
        let mut odd = file[..2].to_vec();
        odd.extend_from_slice(&[0xFF, 0xFF, 0xFF, TEM]);
        odd.extend_from_slice(&file[2..]);
        odd.extend_from_slice(b"PK\x03\x04");
        let Some(list) = segments(&odd) else { panic!("segments") };
        assert_eq!(list.first().map(|s| s.marker), Some(TEM));
        assert_eq!(list.last().map(|s| s.bytes), Some(&[0xFF, EOI][..]));
    }

    #[test]
    fn broken_structures_are_refused() {
        let file = jpeg(0);
        assert_eq!(segments(b""), None);
        assert_eq!(segments(b"\xFF\xD8\xFF"), None);
        assert_eq!(segments(&file[..file.len() - 2]), None, "no end marker");
        assert_eq!(segments(&file[..file.len() / 2]), None, "scan runs to the end of the file");
        assert_eq!(segments(&[0xFF, SOI, 0xFF, 0xE0, 0x00, 0x01, 0xFF, EOI]), None, "length below 2");
        assert_eq!(segments(&[0xFF, SOI, 0xFF, 0xE0, 0x00, 0x10, 0xFF, EOI]), None, "length past the end");
        assert_eq!(segments(&[0xFF, SOI, 0x00, 0xFF, EOI]), None, "a byte between segments");
        assert_eq!(segments(&[0xFF, SOI, 0xFF, SOI, 0xFF, EOI]), None, "a second start");
        assert_eq!(segments(&[0xFF, SOI, 0xFF, EOI]).map(|s| s.len()), Some(1));
    }
}
