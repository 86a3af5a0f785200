//! Whether a JPEG carries its picture: a frame header, scan data in proportion to the size it
//! declares, and the end marker after it. The decoder, even in strict mode, fills an empty or
//! cut-off scan followed by an end marker with grey instead of failing, so a 154-byte file that
//! declares 16000×16000 and carries nothing would otherwise be decoded (into a gigabyte of grey)
//! and stored.

use super::markers::{SOS, Segment, u16_at};

/// At least one bit of entropy-coded data for every 8×8 block of the frame: less than any
/// encoder writes for even a blank page (each block codes at least its DC difference and its
/// end of block).
fn least_scan_bytes(width: u32, height: u32) -> u64 {
    let blocks = u64::from(width.div_ceil(8)) * u64::from(height.div_ceil(8));
    blocks / 8
}

/// Whether the file's segments (see `markers`) carry a frame with a size and scan data in
/// proportion to it; the end marker is there, or the segments would not have been listed.
pub fn in_proportion(segments: &[Segment<'_>]) -> bool {
    let mut frame: Option<(u32, u32)> = None;
    let mut scan_bytes: u64 = 0;
    for segment in segments {
        match segment.marker {
            SOS => scan_bytes += segment.data.len() as u64,
            // SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC): the frame header with its size.
            0xC0..=0xCF if !matches!(segment.marker, 0xC4 | 0xC8 | 0xCC) => {
                let (Some(height), Some(width)) = (u16_at(segment.body, 1), u16_at(segment.body, 3)) else {
                    return false;
                };
                frame = Some((width as u32, height as u32));
            }
            _ => {}
        }
    }
    frame.is_some_and(|(w, h)| w > 0 && h > 0 && scan_bytes >= least_scan_bytes(w, h).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The markers walked from start to end: frame size, the scans' data, the end marker.
    fn complete(bytes: &[u8]) -> bool {
        crate::images::markers::segments(bytes).is_some_and(|segments| in_proportion(&segments))
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        let encoded = jpeg_encoder::Encoder::new(&mut out, 85).encode(
            img.as_raw(),
            w as u16,
            h as u16,
            jpeg_encoder::ColorType::Rgb,
        );
        assert!(encoded.is_ok());
        out
    }

    #[test]
    fn a_real_photo_is_complete() {
        assert!(complete(&jpeg(640, 400)));
        assert!(complete(&jpeg(8, 8)));
    }

    #[test]
    fn a_cut_or_emptied_scan_is_not() {
        let full = jpeg(640, 400);
        assert!(!complete(&full[..full.len() / 2]), "cut short");
        let mut ended_early = full[..full.len() / 40].to_vec();
        ended_early.extend_from_slice(&[0xFF, 0xD9]);
        assert!(!complete(&ended_early), "cut to a sliver, then an end marker: too little data for its size");
        // The headers of a real file, its size changed to 16000×16000, no scan data at all.
        let sos = full.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap_or(0);
        let sos_len = usize::from(u16::from_be_bytes([full[sos + 2], full[sos + 3]]));
        let mut empty = full[..sos + 2 + sos_len].to_vec();
        empty.extend_from_slice(&[0xFF, 0xD9]);
        let sof = empty.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap_or(0);
        empty[sof + 5..sof + 7].copy_from_slice(&16_000u16.to_be_bytes());
        empty[sof + 7..sof + 9].copy_from_slice(&16_000u16.to_be_bytes());
        assert!(empty.len() < 1_000);
        assert!(!complete(&empty), "a huge frame with no data");
        assert!(!complete(&[0xFF, 0xD8, 0xFF, 0xD9]), "no frame");
        assert!(!complete(b"not a jpeg"));
    }
}
