//! Intake of one phone photo: check, decode, orient, strip, thumbnail, encrypt, store.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::images::{ImageStore, Keyring};
use crate::secrets::Secret;

/// A 12-megapixel photo with fine detail, encoded near 4 MB like a phone's.
pub fn phone_photo() -> anyhow::Result<Vec<u8>> {
    let (w, h) = (4032u32, 3024u32);
    let mut rng = StdRng::seed_from_u64(7);
    let image = image::RgbImage::from_fn(w, h, |x, y| {
        let n: u8 = rng.random_range(0..24);
        image::Rgb([((x / 9) % 200) as u8 + n, ((y / 7) % 180) as u8 + n, (((x + y) / 13) % 160) as u8 + n])
    });
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 88).encode(
        image.as_raw(),
        w as u16,
        h as u16,
        jpeg_encoder::ColorType::Rgb,
    )?;
    Ok(out)
}

pub fn run(iterations: usize) -> anyhow::Result<String> {
    let photo = phone_photo()?;
    let dir = tempfile::tempdir()?;
    let store = ImageStore::new(dir.path(), Keyring::new(&Secret::new(crate::secrets::random::bytes::<32>()), &[]));
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let processed = crate::images::process(&photo).map_err(|e| anyhow::anyhow!("{e}"))?;
        store.put(&processed.full_jpeg)?;
        store.put(&processed.thumb_jpeg)?;
        samples.push(started.elapsed());
    }
    Ok(format!(
        "intake of a {:.1} MB 4032×3024 JPEG (check, decode, orient, strip, thumbnail, encrypt, fsync): {}",
        photo.len() as f64 / 1_000_000.0,
        super::summary(samples)
    ))
}

/// The photo with an EXIF segment saying "rotate" (as phones write for portrait shots).
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    tiff.extend_from_slice(&u32::from(orientation).to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Times one step once, after a warm-up run.
fn time<T>(label: &str, mut step: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<String> {
    step()?;
    let started = Instant::now();
    let _ = step()?;
    Ok(format!("  {label:<28} {:>7.1} ms", started.elapsed().as_secs_f64() * 1000.0))
}

/// Where the time goes, step by step.
pub fn breakdown() -> anyhow::Result<String> {
    let photo = phone_photo()?;
    let rotated = with_orientation(&photo, 6);
    let decoded = image::load_from_memory(&photo)?;
    let rgb = decoded.to_rgb8();
    let dir = tempfile::tempdir()?;
    let store = ImageStore::new(dir.path(), Keyring::new(&Secret::new(crate::secrets::random::bytes::<32>()), &[]));
    let encode = || crate::images::process::encode_jpeg(&rgb, 90).map_err(|e| anyhow::anyhow!("{e}"));
    let encoded = encode()?;
    let process = |bytes: &[u8]| crate::images::process(bytes).map_err(|e| anyhow::anyhow!("{e}"));
    let lines = [
        time("decode", || Ok(image::load_from_memory(&photo)?))?,
        time("to_rgb8", || Ok(decoded.to_rgb8()))?,
        time("thumbnail 480", || Ok(decoded.thumbnail(480, 480)))?,
        time("encode q90 4:2:0 (rotated)", encode)?,
        time("encrypt + write + fsync", || Ok(store.put(&encoded)?))?,
        time("whole pipeline, upright", || process(&photo))?,
        time("whole pipeline, EXIF-rotated", || process(&rotated))?,
    ];
    Ok(lines.join("\n"))
}
