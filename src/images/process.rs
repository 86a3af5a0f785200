//! From uploaded bytes to what is stored: a clean, upright JPEG and its thumbnail.
//!
//! An upright JPEG of a kept size is stripped losslessly: rebuilt from its allow-listed segments
//! (`strip`), so no EXIF, GPS, XMP, ICC profile, comment or data appended after the image (some
//! phones append a video to a "motion photo", others a ZIP) survives. Anything else (a PNG, a
//! turned or oversized photo, a JPEG of an odd structure) is re-encoded from its pixels. JPEGs
//! are decoded by zune-jpeg in strict mode (a damaged scan is an error, not grey), after the
//! checks of `jpeg_scan` and `entropy` on the segments `markers` lists.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::markers::{self, Segment};
use super::sniff::{Sniffed, sniff};

/// The longest side kept. Handbook print stays legible far below this; phones reach 8000 px.
pub const MAX_SIDE: u32 = 4096;
pub const THUMB_SIDE: u32 = 480;
const MAX_DECODED_SIDE: u32 = 16_000;
/// About 50 megapixels: far above any phone photo of a handbook page, far below what a small
/// hostile file can claim. Checked from the header, before any pixel is allocated.
pub const MAX_PIXELS: u64 = 50_000_000;
/// What decoding `MAX_PIXELS` needs (four bytes a pixel) and a little more.
const MAX_DECODE_ALLOC: u64 = 224 * 1024 * 1024;
const FULL_QUALITY: u8 = 90;
const THUMB_QUALITY: u8 = 80;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("the file is empty")]
    Empty,
    #[error("not a JPEG or PNG image")]
    Unsupported,
    #[error("the image is damaged or incomplete")]
    Corrupt,
    #[error("the image has too many pixels")]
    TooManyPixels,
}

pub struct Processed {
    pub full_jpeg: Vec<u8>,
    pub thumb_jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub source: Sniffed,
    pub original_sha256: String,
    pub original_bytes: usize,
}

pub fn process(bytes: &[u8]) -> Result<Processed, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    let source = sniff(bytes).ok_or(ImageError::Unsupported)?;
    // Even in strict mode the JPEG decoder fills a scan cut short before an end marker with
    // zeros, and decodes a tiny file declaring a huge frame into grey: the segments must be
    // whole and end with EOI, the scans' data in proportion to the frame, and a baseline scan
    // must hold every block it declares (walked on a second core while the first decodes).
    let segments: Option<Vec<Segment<'_>>> = match source {
        Sniffed::Jpeg => Some(markers::segments(bytes).ok_or(ImageError::Corrupt)?),
        Sniffed::Png => None,
    };
    if segments.as_deref().is_some_and(|s| !super::jpeg_scan::in_proportion(s)) {
        return Err(ImageError::Corrupt);
    }
    let (decoded, whole) = std::thread::scope(|scope| {
        let walk = scope.spawn(|| segments.as_deref().is_none_or(|s| super::entropy::scans_complete(s) != Some(false)));
        let decoded = decode(bytes, source);
        (decoded, walk.join().unwrap_or(false))
    });
    if !whole {
        return Err(ImageError::Corrupt);
    }
    let (image, orientation) = decoded?;
    // Shrink first, then turn and flatten: a 50-megapixel photo is never copied at full size,
    // and the area-average shrink needs no float buffer of the full width (a filtered resize
    // would hold one of the new width by the old height).
    let oversized = image.width().max(image.height()) > MAX_SIDE;
    let mut image = if oversized {
        let (w, h) = fit(image.width(), image.height(), MAX_SIDE);
        image.thumbnail_exact(w, h)
    } else {
        image
    };
    let rotated = orientation != Orientation::NoTransforms;
    image.apply_orientation(orientation);
    let rgb = flatten_on_white(image);
    let (width, height) = rgb.dimensions();
    // An upright JPEG of a kept size loses its metadata without losing quality; anything
    // else is encoded from the decoded pixels. Thumbnail and full image use one core each.
    let lossless =
        segments.as_deref().filter(|_| !rotated && !oversized).and_then(|s| super::strip::strip(s, bytes.len()));
    let (full, thumb) = std::thread::scope(|scope| {
        let thumb = scope.spawn(|| {
            let (tw, th) = fit(width, height, THUMB_SIDE);
            encode_jpeg(&image::imageops::thumbnail(&rgb, tw, th), THUMB_QUALITY)
        });
        let full = match lossless {
            Some(stripped) => Ok(stripped),
            None => encode_jpeg(&rgb, FULL_QUALITY),
        };
        (full, thumb.join().unwrap_or(Err(ImageError::Corrupt)))
    });
    Ok(Processed {
        full_jpeg: full?,
        thumb_jpeg: thumb?,
        width,
        height,
        source,
        original_sha256: hex::encode(Sha256::digest(bytes)),
        original_bytes: bytes.len(),
    })
}

/// The pixels a file declares in its header (without decoding anything), when it can be read.
/// Intake weighs each decode by it, so several huge photos are not decoded at once.
pub fn declared_pixels(bytes: &[u8]) -> Option<u64> {
    let format = match sniff(bytes)? {
        Sniffed::Jpeg => image::ImageFormat::Jpeg,
        Sniffed::Png => image::ImageFormat::Png,
    };
    let (w, h) = ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().ok()?;
    Some(u64::from(w) * u64::from(h))
}

/// The longest side of a face crop: what a phone screen shows at a counter.
pub const FACE_SIDE: u32 = 480;
const FACE_QUALITY: u8 = 85;

/// Cuts the face box out of a stored page (an upright JPEG this module wrote) and encodes it
/// as a JPEG of at most `FACE_SIDE` pixels a side.
pub fn crop_face(stored_jpeg: &[u8], face: crate::domain::face::FaceBox) -> Result<Vec<u8>, ImageError> {
    let (mut image, orientation) = decode(stored_jpeg, Sniffed::Jpeg)?;
    image.apply_orientation(orientation);
    let rgb = image.into_rgb8();
    let (x, y, w, h) = face.pixels(rgb.width(), rgb.height());
    let cropped = image::imageops::crop_imm(&rgb, x, y, w, h).to_image();
    let (fw, fh) = fit(w, h, FACE_SIDE);
    let face = if (fw, fh) == (w, h) { cropped } else { image::imageops::thumbnail(&cropped, fw, fh) };
    encode_jpeg(&face, FACE_QUALITY)
}

/// The size that fits `side` keeping the aspect ratio (never enlarging).
fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    if width.max(height) <= side {
        return (width, height);
    }
    if width >= height {
        (side, ((u64::from(height) * u64::from(side)) / u64::from(width)).max(1) as u32)
    } else {
        (((u64::from(width) * u64::from(side)) / u64::from(height)).max(1) as u32, side)
    }
}

/// The decoded image as stored in the file and the turn that makes it upright.
fn decode(bytes: &[u8], source: Sniffed) -> Result<(DynamicImage, Orientation), ImageError> {
    match source {
        Sniffed::Jpeg => decode_jpeg(bytes),
        Sniffed::Png => decode_png(bytes),
    }
}

/// A JPEG decoded strictly: damaged entropy-coded data, a scan that runs out at the end of the
/// file, or bytes between segments are errors, where the lenient mode fills grey. The size is
/// read from the headers and checked before any pixel is allocated.
fn decode_jpeg(bytes: &[u8]) -> Result<(DynamicImage, Orientation), ImageError> {
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX));
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|_| ImageError::Corrupt)?;
    let (width, height) = decoder.dimensions().ok_or(ImageError::Corrupt)?;
    let (width, height) = (
        u32::try_from(width).map_err(|_| ImageError::TooManyPixels)?,
        u32::try_from(height).map_err(|_| ImageError::TooManyPixels)?,
    );
    if width.max(height) > MAX_DECODED_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooManyPixels);
    }
    // Greyscale stays one channel; every other colour space (YCbCr, CMYK, YCCK) becomes RGB.
    let grey = decoder.input_colorspace() == Some(ColorSpace::Luma);
    let out = if grey { ColorSpace::Luma } else { ColorSpace::RGB };
    decoder.set_options(options.jpeg_set_out_colorspace(out));
    let orientation =
        decoder.exif().and_then(|exif| Orientation::from_exif_chunk(exif)).unwrap_or(Orientation::NoTransforms);
    let pixels = decoder.decode().map_err(|_| ImageError::Corrupt)?;
    let image = match decoder.output_colorspace() {
        Some(ColorSpace::Luma) => image::GrayImage::from_raw(width, height, pixels).map(DynamicImage::ImageLuma8),
        Some(ColorSpace::RGB) => RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8),
        _ => None,
    };
    Ok((image.ok_or(ImageError::Corrupt)?, orientation))
}

fn decode_png(bytes: &[u8]) -> Result<(DynamicImage, Orientation), ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(map_decode_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooManyPixels);
    }
    let orientation = decoder.orientation().map_err(map_decode_error)?;
    let image = DynamicImage::from_decoder(decoder).map_err(map_decode_error)?;
    Ok((image, orientation))
}

fn map_decode_error(error: image::ImageError) -> ImageError {
    match error {
        image::ImageError::Limits(_) => ImageError::TooManyPixels,
        _ => ImageError::Corrupt,
    }
}

/// Transparent PNG areas become white, as on paper.
fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    RgbImage::from_fn(w, h, |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        image::Rgb([blend(p[0]), blend(p[1]), blend(p[2])])
    })
}

pub(crate) fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let (w, h) = image.dimensions();
    let (w, h) = (
        u16::try_from(w).map_err(|_| ImageError::TooManyPixels)?,
        u16::try_from(h).map_err(|_| ImageError::TooManyPixels)?,
    );
    let mut out = Vec::with_capacity(image.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    // 4:2:0 chroma: at this quality the encoder would pick 4:4:4, twice the work for colour
    // detail that handbook text does not need (the letters live in luma).
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder.encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb).map_err(|_| ImageError::Corrupt)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        encode_jpeg(&img, 85).unwrap_or_default()
    }

    fn png_rgba(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([0, 0, 0, if x < w / 2 { 0 } else { 255 }]));
        let mut out = Vec::new();
        let _ = DynamicImage::ImageRgba8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png);
        out
    }

    #[test]
    fn a_jpeg_is_re_encoded_with_a_thumbnail() {
        let result = process(&jpeg(1200, 800));
        let Ok(p) = result else { panic!("processing failed") };
        assert_eq!((p.width, p.height), (1200, 800));
        assert_eq!(p.source, Sniffed::Jpeg);
        let thumb = image::load_from_memory(&p.thumb_jpeg).map(|i| (i.width(), i.height()));
        assert_eq!(thumb.ok(), Some((480, 320)));
        assert_eq!(p.original_sha256.len(), 64);
    }

    #[test]
    fn transparent_png_becomes_white_jpeg() {
        let Ok(p) = process(&png_rgba(100, 10)) else { panic!("processing failed") };
        assert_eq!(p.source, Sniffed::Png);
        assert!(p.full_jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        let img = image::load_from_memory(&p.full_jpeg).map(|i| i.to_rgb8());
        let Ok(img) = img else { panic!("decode") };
        assert!(img.get_pixel(5, 5).0.iter().all(|c| *c > 240), "transparent → white");
        assert!(img.get_pixel(95, 5).0.iter().all(|c| *c < 15), "opaque black stays black");
    }

    #[test]
    fn bad_inputs_are_named() {
        assert_eq!(process(b"").err(), Some(ImageError::Empty));
        assert_eq!(process(b"GIF89a....").err(), Some(ImageError::Unsupported));
        let full = jpeg(300, 200);
        assert_eq!(process(&full[..full.len() / 2]).err(), Some(ImageError::Corrupt));
        assert_eq!(process(&[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xD9]).err(), Some(ImageError::Corrupt));
        let png = png_rgba(50, 50);
        assert_eq!(process(&png[..png.len() - 20]).err(), Some(ImageError::Corrupt));
    }

    /// A PNG that claims more pixels than a page could have is refused from its header.
    #[test]
    fn a_small_file_claiming_huge_dimensions_is_refused_before_decoding() {
        let mut png = png_rgba(16, 16);
        // IHDR width and height (bytes 16..24), CRC left wrong: the size check comes first.
        png[16..20].copy_from_slice(&16_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&16_000u32.to_be_bytes());
        let refused = process(&png).err();
        assert!(matches!(refused, Some(ImageError::TooManyPixels | ImageError::Corrupt)), "{refused:?}");
        let mut fixed = png_rgba(16, 16);
        fixed[16..20].copy_from_slice(&16_000u32.to_be_bytes());
        fixed[20..24].copy_from_slice(&16_000u32.to_be_bytes());
        let crc = crc32(&fixed[12..29]);
        fixed[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(process(&fixed).err(), Some(ImageError::TooManyPixels));
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn progressive(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 90]));
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 85);
        encoder.set_progressive(true);
        assert!(encoder.encode(img.as_raw(), w as u16, h as u16, jpeg_encoder::ColorType::Rgb).is_ok());
        out
    }

    /// The EXIF orientation is read from the strictly decoded file's headers, and greyscale
    /// JPEGs are decoded as such.
    #[test]
    fn exif_turns_and_grey_photos_are_decoded() {
        let mut tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        tiff.extend_from_slice(&6u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut turned = vec![0xFF, 0xD8, 0xFF, 0xE1];
        turned.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        turned.extend_from_slice(&app1);
        turned.extend_from_slice(&jpeg(300, 200)[2..]);
        let Ok(p) = process(&turned) else { panic!("processing failed") };
        assert_eq!((p.width, p.height), (200, 300), "turned upright");
        let grey = image::GrayImage::from_fn(120, 80, |x, _| image::Luma([(x * 2) as u8]));
        let mut bytes = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 80);
        assert!(DynamicImage::ImageLuma8(grey).write_with_encoder(encoder).is_ok());
        let Ok((decoded, _)) = decode_jpeg(&bytes) else { panic!("grey decode") };
        assert_eq!(decoded.color(), image::ColorType::L8);
        let Ok(p) = process(&bytes) else { panic!("processing failed") };
        assert_eq!((p.width, p.height), (120, 80));
    }

    /// What the strict decoder lets through (it decodes each of these into pixels, partly
    /// grey), the segment checks refuse.
    #[test]
    fn the_segment_checks_refuse_what_the_strict_decoder_fills_with_grey() {
        let full = jpeg(640, 400);
        let sos = full.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap_or(0);
        let sos_len = usize::from(u16::from_be_bytes([full[sos + 2], full[sos + 3]]));
        let with_end = |mut bytes: Vec<u8>| {
            bytes.extend_from_slice(&[0xFF, 0xD9]);
            bytes
        };
        let cases = [
            ("a scan cut to half, then an end marker", with_end(full[..full.len() / 2].to_vec())),
            ("a scan missing its last bytes, then an end marker", with_end(full[..full.len() - 40].to_vec())),
            ("a whole scan without its end marker", full[..full.len() - 2].to_vec()),
            ("the headers of a 3000×3000 frame and no scan data", {
                let mut empty = with_end(full[..sos + 2 + sos_len].to_vec());
                let sof = empty.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap_or(0);
                empty[sof + 5..sof + 7].copy_from_slice(&3_000u16.to_be_bytes());
                empty[sof + 7..sof + 9].copy_from_slice(&3_000u16.to_be_bytes());
                empty
            }),
        ];
        for (what, bytes) in cases {
            assert!(decode_jpeg(&bytes).is_ok(), "{what}: the strict decoder accepts it");
            assert_eq!(process(&bytes).err(), Some(ImageError::Corrupt), "{what}");
        }
        // Cut without an end marker, the strict decoder refuses by itself (and so do the checks).
        assert_eq!(decode_jpeg(&full[..full.len() / 2]).err(), Some(ImageError::Corrupt));
        // A frame too big is refused from the headers, before any pixel is allocated (the
        // checks refuse this one first: it carries no data).
        let mut huge = with_end(full[..sos + 2 + sos_len].to_vec());
        let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap_or(0);
        huge[sof + 5..sof + 9].copy_from_slice(&[0x3E, 0x80, 0x3E, 0x80]);
        assert_eq!(decode_jpeg(&huge).err(), Some(ImageError::TooManyPixels), "16000×16000");
        assert_eq!(process(&huge).err(), Some(ImageError::Corrupt));
    }

    /// What the segment checks let through, the strict decoder refuses: a progressive scan (not
    /// walked code by code) whose data is in proportion but not valid codes. The lenient decoder
    /// used before filled it with grey.
    #[test]
    fn the_strict_decoder_refuses_damaged_progressive_data() {
        let mut damaged = progressive(640, 400);
        let Some(segments) = markers::segments(&damaged) else { panic!("segments") };
        let scan = segments.iter().filter(|s| s.marker == markers::SOS).nth(1).map(|s| s.data);
        let Some(scan) = scan else { panic!("a second scan") };
        let start = scan.as_ptr() as usize - damaged.as_ptr() as usize;
        let (from, to) = (start + scan.len() / 4, start + scan.len() / 4 * 3);
        // Stuffed FF bytes: a run of one bits, which is no Huffman code.
        for pair in damaged[from..to].chunks_exact_mut(2) {
            pair.copy_from_slice(&[0xFF, 0x00]);
        }
        let Some(segments) = markers::segments(&damaged) else { panic!("still whole segments") };
        assert!(super::super::jpeg_scan::in_proportion(&segments));
        assert_eq!(super::super::entropy::scans_complete(&segments), None, "progressive: not walked");
        assert!(image::load_from_memory(&damaged).is_ok(), "the lenient decoder fills it with grey");
        assert_eq!(process(&damaged).err(), Some(ImageError::Corrupt));
        assert!(process(&progressive(640, 400)).is_ok(), "an undamaged progressive photo");
    }

    #[test]
    fn huge_images_are_shrunk_to_the_kept_size() {
        let Ok(p) = process(&jpeg(5000, 1000)) else { panic!("processing failed") };
        assert_eq!((p.width, p.height), (MAX_SIDE, 819));
    }

    #[test]
    fn the_face_crop_is_the_box_and_no_more() {
        // A white page with a black square where the face photo is.
        let page = RgbImage::from_fn(1000, 600, |x, y| {
            if (600..900).contains(&x) && (120..420).contains(&y) {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255; 3])
            }
        });
        let stored = encode_jpeg(&page, 90).unwrap_or_default();
        let face = crate::domain::face::FaceBox { left: 600, top: 200, width: 300, height: 500 };
        let Ok(crop) = crop_face(&stored, face) else { panic!("crop failed") };
        let Ok(img) = image::load_from_memory(&crop).map(|i| i.to_rgb8()) else { panic!("decode") };
        assert_eq!(img.dimensions(), (300, 300));
        let dark = img.pixels().filter(|p| p.0[0] < 60).count();
        assert!(dark > 300 * 290, "the crop is the black square: {dark}");
        // A large page's crop is scaled to what a phone shows.
        let big = encode_jpeg(&RgbImage::new(4000, 3000), 80).unwrap_or_default();
        let whole = crate::domain::face::FaceBox { left: 0, top: 0, width: 1000, height: 1000 };
        let Ok(crop) = crop_face(&big, whole) else { panic!("crop failed") };
        let dims = image::load_from_memory(&crop).map(|i| (i.width(), i.height())).ok();
        assert_eq!(dims, Some((FACE_SIDE, 360)));
    }
}
