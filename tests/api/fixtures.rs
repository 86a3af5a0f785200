#![allow(dead_code)]
//! Real image bytes for uploads, made in memory.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage};

fn pattern(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, ((x + y) % 256) as u8]))
}

pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(pattern(w, h)).write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg).unwrap();
    out
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(pattern(w, h)).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
    out
}

/// Marker bytes put in the GPS latitude reference, to look for after the round trip.
pub const GPS_MARKER: &[u8] = b"GPSMARKERXYZ";

/// A JPEG whose EXIF says "rotate 90° clockwise" (orientation 6) and carries a GPS IFD and a
/// recognisable marker, as a phone photo would.
pub fn jpeg_with_exif_gps(w: u32, h: u32) -> Vec<u8> {
    let plain = jpeg(w, h);
    // TIFF, little endian: IFD0 at 8 with two entries; GPS IFD after it.
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    let ifd0_entries = 2u16;
    let ifd0_len = 2 + 12 * u32::from(ifd0_entries) + 4;
    let gps_offset = 8 + ifd0_len;
    tiff.extend_from_slice(&ifd0_entries.to_le_bytes());
    // Orientation (0x0112), SHORT, 1, value 6.
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&6u32.to_le_bytes());
    // GPSInfo pointer (0x8825), LONG, 1, offset.
    tiff.extend_from_slice(&0x8825u16.to_le_bytes());
    tiff.extend_from_slice(&4u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&gps_offset.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD: one entry, GPSLatitudeRef (0x0001) ASCII pointing at the marker.
    let gps_ifd_len = 2 + 12 + 4;
    let marker_offset = gps_offset + gps_ifd_len;
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0001u16.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&(GPS_MARKER.len() as u32).to_le_bytes());
    tiff.extend_from_slice(&marker_offset.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(GPS_MARKER);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A JPEG followed by a ZIP archive (a polyglot file).
pub fn jpeg_with_zip(w: u32, h: u32) -> Vec<u8> {
    let mut out = jpeg(w, h);
    out.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x08\x00secret.txt hidden payload PK\x05\x06");
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The headers of a real JPEG declaring `side`×`side`, with no scan data: a few hundred bytes
/// that a lenient decoder would fill with grey.
pub fn jpeg_claiming(side: u16) -> Vec<u8> {
    let full = jpeg(64, 64);
    let sos = full.windows(2).position(|w| w == [0xFF, 0xDA]).expect("a scan");
    let sos_len = usize::from(u16::from_be_bytes([full[sos + 2], full[sos + 3]]));
    let mut out = full[..sos + 2 + sos_len].to_vec();
    out.extend_from_slice(&[0xFF, 0xD9]);
    let sof = out.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a frame");
    out[sof + 5..sof + 7].copy_from_slice(&side.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&side.to_be_bytes());
    out
}

/// A small valid PNG whose header claims `side`×`side` (the CRC fixed to match).
pub fn png_claiming(side: u32) -> Vec<u8> {
    let mut out = png(16, 16);
    out[16..20].copy_from_slice(&side.to_be_bytes());
    out[20..24].copy_from_slice(&side.to_be_bytes());
    let mut crc = 0xFFFF_FFFFu32;
    for b in &out[12..29] {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    out[29..33].copy_from_slice(&(!crc).to_be_bytes());
    out
}
