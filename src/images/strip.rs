//! Lossless metadata removal for JPEGs that need no rotation: the file is rebuilt from the
//! segments that describe pixels only, so the photo keeps its original quality and intake
//! skips a costly re-encode.
//!
//! Kept: SOF/DHT/DQT/DRI/SOS with the scan data, JFIF (APP0) and Adobe (APP14) colour
//! flags. Dropped: EXIF and XMP (APP1), ICC (APP2), every other APPn, comments, and anything
//! after the end-of-image marker.

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;

fn keep(marker: u8, body: &[u8]) -> bool {
    match marker {
        APP0 => body.starts_with(b"JFIF\0"),
        APP14 => body.starts_with(b"Adobe"),
        0xE1..=0xEF | COM => false,
        _ => true,
    }
}

/// The JPEG without metadata, or `None` when its structure is not the plain sequence of
/// segments expected (the caller then re-encodes from pixels).
pub fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != SOI {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut i = 2;
    loop {
        // Fill bytes before a marker are allowed.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if bytes.get(i) != Some(&0xFF) {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        if marker == EOI {
            out.extend_from_slice(&[0xFF, EOI]);
            return Some(out);
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 || marker == SOI {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        let segment = bytes.get(i..i + 2 + len)?;
        if keep(marker, &segment[4..]) {
            out.extend_from_slice(segment);
        }
        i += 2 + len;
        if marker == SOS {
            // Entropy-coded data runs to the next marker that is neither stuffing (FF00)
            // nor a restart marker (FFD0-FFD7).
            let start = i;
            loop {
                let b = *bytes.get(i)?;
                if b == 0xFF {
                    let next = *bytes.get(i + 1)?;
                    if next != 0x00 && !(0xD0..=0xD7).contains(&next) {
                        break;
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
            out.extend_from_slice(&bytes[start..i]);
        }
    }
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
    fn odd_structures_fall_back() {
        assert_eq!(strip_jpeg(b""), None);
        assert_eq!(strip_jpeg(b"\xFF\xD8\xFF"), None);
        let plain = jpeg();
        assert_eq!(strip_jpeg(&plain[..plain.len() - 10]), None, "no end of image");
    }
}
