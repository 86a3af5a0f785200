//! Lossless metadata removal for JPEGs that need no rotation: the file is rebuilt from the
//! segments that describe pixels only, so the photo keeps its original quality and intake
//! skips a costly re-encode.
//!
//! An allow-list, not a deny-list: kept are the frame (SOFn), tables (DHT, DQT), restart
//! interval (DRI), scans (SOS) with their data, DNL, and the fixed-size JFIF (APP0, without a
//! thumbnail) and Adobe (APP14) colour flags. Dropped: every other APPn (EXIF, XMP, ICC…),
//! comments, and anything after the end-of-image marker. Any other marker means a structure
//! this module does not vouch for: the caller re-encodes from pixels instead.

use super::markers::{self, EOI, SOI, SOS, Segment};

const APP0: u8 = 0xE0;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;

/// What becomes of a segment.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Keep,
    Drop,
    /// Not a segment this module knows to be pixels-only or metadata: re-encode instead.
    Unknown,
}

fn verdict(marker: u8, body: &[u8]) -> Verdict {
    match marker {
        // SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC); DHT, DQT, DRI, DNL; SOS.
        0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xC4 | 0xDB | 0xDD | 0xDC | SOS => Verdict::Keep,
        // JFIF's fixed 14 bytes (no thumbnail pixels to hide anything in); Adobe's 12.
        APP0 if body.len() == 14 && body.starts_with(b"JFIF\0") => Verdict::Keep,
        APP14 if body.len() == 12 && body.starts_with(b"Adobe") => Verdict::Keep,
        0xE0..=0xEF | COM => Verdict::Drop,
        // Standalone markers between segments (TEM, a stray RSTn) included.
        _ => Verdict::Unknown,
    }
}

/// The JPEG without metadata, or `None` when its structure is not the plain sequence of
/// segments expected (the caller then re-encodes from pixels).
pub fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    strip(&markers::segments(bytes)?, bytes.len())
}

/// The file rebuilt from its listed segments (see `markers`), which end with the end marker:
/// only those the allow-list keeps, with their scans' data. `capacity` is a hint: the original
/// size.
pub(crate) fn strip(segments: &[Segment<'_>], capacity: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(capacity);
    out.extend_from_slice(&[0xFF, SOI]);
    for segment in segments {
        if segment.marker == EOI {
            out.extend_from_slice(&[0xFF, EOI]);
            return Some(out);
        }
        match verdict(segment.marker, segment.body) {
            Verdict::Keep => {
                out.extend_from_slice(segment.bytes);
                out.extend_from_slice(segment.data);
            }
            Verdict::Drop => {}
            Verdict::Unknown => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 90]));
        let mut out = Vec::new();
        let _ = jpeg_encoder::Encoder::new(&mut out, 85).encode(img.as_raw(), 64, 48, jpeg_encoder::ColorType::Rgb);
        out
    }

    fn with_segment(jpeg: &[u8], marker: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, SOI, 0xFF, marker];
        out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn contains(h: &[u8], n: &[u8]) -> bool {
        h.windows(n.len()).any(|w| w == n)
    }

    #[test]
    fn metadata_segments_and_trailers_go_pixels_stay() {
        let plain = jpeg();
        let mut dirty = with_segment(&plain, 0xE1, b"Exif\0\0GPS-SECRET");
        dirty = with_segment(&dirty, COM, b"taken at home");
        dirty = with_segment(&dirty, 0xE2, b"ICC_PROFILE\0....");
        dirty.extend_from_slice(b"PK\x03\x04appended archive");
        let clean = strip_jpeg(&dirty).unwrap_or_default();
        for secret in [&b"GPS-SECRET"[..], b"taken at home", b"ICC_PROFILE", b"PK\x03\x04"] {
            assert!(!contains(&clean, secret));
        }
        let a = image::load_from_memory(&plain).map(|i| i.to_rgb8().into_raw()).ok();
        let b = image::load_from_memory(&clean).map(|i| i.to_rgb8().into_raw()).ok();
        assert!(a.is_some());
        assert_eq!(a, b, "identical pixels");
    }

    #[test]
    fn only_listed_segments_are_kept() {
        let plain = jpeg();
        // A JFIF header carrying a thumbnail (room for anything) is dropped, a plain one kept.
        let mut jfif_thumb = b"JFIF\0\x01\x01\0\0\x01\0\x01\x02\x02".to_vec();
        jfif_thumb.extend_from_slice(b"HIDDEN-PIXELS");
        let clean = strip_jpeg(&with_segment(&plain, APP0, &jfif_thumb)).unwrap_or_default();
        assert!(!contains(&clean, b"HIDDEN-PIXELS"));
        let jfif = b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
        assert!(contains(&strip_jpeg(&with_segment(&plain, APP0, jfif)).unwrap_or_default(), b"JFIF"));
        // A marker outside the list (arithmetic-coding conditioning, a JPGn extension) is not
        // passed through as if it were pixels: the caller re-encodes.
        assert_eq!(strip_jpeg(&with_segment(&plain, 0xCC, b"\x00\x10")), None);
        assert_eq!(strip_jpeg(&with_segment(&plain, 0xF3, b"SMUGGLED")), None);
        assert_eq!(verdict(0xC0, b""), Verdict::Keep);
        assert_eq!(verdict(0xDC, b"\x00\x10"), Verdict::Keep, "DNL");
        assert_eq!(verdict(0xE1, b"Exif"), Verdict::Drop);
    }

    #[test]
    fn odd_structures_fall_back() {
        assert_eq!(strip_jpeg(b""), None);
        assert_eq!(strip_jpeg(b"\xFF\xD8\xFF"), None);
        let plain = jpeg();
        assert_eq!(strip_jpeg(&plain[..plain.len() - 10]), None, "no end of image");
    }
}
