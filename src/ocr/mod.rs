//! Reading the text of handbook photos, so reviewers confirm suggestions instead of typing.
//!
//! The engine is an adapter behind [`TextReader`]: PP-OCRv5 (detection + recognition) on ONNX
//! Runtime, loaded at run time from the library and model folder named in the settings. What
//! the lines *mean* is decided in `domain::ocr_fields`, free of any model.

pub mod ctc;
pub mod detect;
pub mod engine;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::domain::ocr_fields::{Line, LineBox, PageLines};

/// Reads the lines of text on one photo.
pub trait TextReader: Send + Sync {
    fn read(&self, image: &image::RgbImage) -> Result<Vec<Line>, OcrError>;

    /// Reads one area of a photo at the photo's own resolution (a whole photo is scaled down
    /// for detection, and small print in it can vanish). Boxes are in the photo's pixels.
    fn read_area(&self, image: &image::RgbImage, area: LineBox) -> Result<Vec<Line>, OcrError> {
        let x = area.x.min(image.width());
        let y = area.y.min(image.height());
        let w = area.w.min(image.width() - x);
        let h = area.h.min(image.height() - y);
        if w < 8 || h < 8 {
            return Ok(Vec::new());
        }
        let crop = image::imageops::crop_imm(image, x, y, w, h).to_image();
        let mut lines = self.read(&crop)?;
        for line in &mut lines {
            line.bbox.x += x;
            line.bbox.y += y;
        }
        Ok(lines)
    }
}

/// Reads a registration's photos: each whole, then the areas the field rules ask to see closer
/// (the fare stamp, whose 「介護」 is small print), whose lines join their photo's.
pub fn read_photos(reader: &dyn TextReader, photos: &[image::RgbImage]) -> Result<Vec<PageLines>, OcrError> {
    let mut pages =
        photos.iter().map(|p| reader.read(p).map(|lines| PageLines { lines })).collect::<Result<Vec<_>, _>>()?;
    for (page, area) in crate::domain::ocr_fields::closer_look(&pages) {
        if let Some(photo) = photos.get(page) {
            let more = reader.read_area(photo, area)?;
            pages[page].lines.extend(more);
            // Back in reading order, so 「上から N 行目」 stays true for the lines added.
            pages[page].lines.sort_by_key(|l| l.bbox.y);
        }
    }
    Ok(pages)
}

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("ONNX Runtime could not be loaded from the configured library: {0}")]
    Runtime(String),
    #[error("OCR model file {file} is missing or unreadable")]
    MissingModel { file: &'static str },
    #[error("OCR model file {file} does not have the expected SHA-256 (found {found})")]
    ModelMismatch { file: &'static str, found: String },
    #[error("OCR model could not be loaded: {0}")]
    Model(String),
    #[error("OCR inference failed: {0}")]
    Inference(String),
    #[error("the photo could not be decoded for OCR")]
    Decode,
}

/// The model files read from `HANDBOOK_ADMIN_OCR_MODELS`, with the SHA-256 each must have:
/// a different file (another model version, a truncated copy) is refused at start rather than
/// producing confident nonsense.
pub const MODEL_FILES: [(&str, &str); 3] = [
    (engine::DETECTION, "62f0e79763dfd9bdadae166dd61078e703d9149df891e11a58c48d18595fad6f"),
    (engine::RECOGNITION, "22edcdb81193286bd1f2c34069d4dc4296d3ac268fc736b4a83bba3eaae26dbb"),
    (engine::DICTIONARY, "4941d35625bf15f7ef89fcbff443893e2fef40e25a7ecde885203994d4a9be25"),
];

/// Where OCR stands in this process, for the dashboard and the log.
#[derive(Clone)]
pub enum Status {
    /// Neither variable is set: OCR was not asked for.
    Off,
    /// Asked for but could not load; the console runs without it.
    Failed(String),
    On(Arc<dyn TextReader>),
}

impl Status {
    pub fn reader(&self) -> Option<Arc<dyn TextReader>> {
        match self {
            Status::On(reader) => Some(reader.clone()),
            _ => None,
        }
    }
}

/// Loads the engine when both paths are configured. A missing library or a wrong model is an
/// error the console reports and then works without, never a crash.
pub fn load(runtime: Option<&Path>, models: Option<&Path>) -> Status {
    match (runtime, models) {
        (None, None) => Status::Off,
        (Some(runtime), Some(models)) => match engine::PpOcr::load(runtime, models) {
            Ok(reader) => Status::On(reader),
            Err(e) => Status::Failed(e.to_string()),
        },
        _ => Status::Failed("HANDBOOK_ADMIN_OCR_RUNTIME and HANDBOOK_ADMIN_OCR_MODELS must be set together".to_owned()),
    }
}

/// Checks each model file against its pinned SHA-256.
pub fn verify_models(dir: &Path) -> Result<Vec<PathBuf>, OcrError> {
    use sha2::{Digest, Sha256};
    MODEL_FILES
        .iter()
        .map(|(file, expected)| {
            let path = dir.join(file);
            let bytes = std::fs::read(&path).map_err(|_| OcrError::MissingModel { file })?;
            let found = hex::encode(Sha256::digest(&bytes));
            if found != *expected {
                return Err(OcrError::ModelMismatch { file, found });
            }
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads every picture as one line naming its size, at (1, 2).
    struct SizeReader;

    impl TextReader for SizeReader {
        fn read(&self, image: &image::RgbImage) -> Result<Vec<Line>, OcrError> {
            let text = if image.width() < 500 { "介護".to_owned() } else { "旅客運賃減額".to_owned() };
            Ok(vec![Line { text, confidence: 0.9, bbox: LineBox { x: 1, y: 2, w: 100, h: 40 } }])
        }
    }

    #[test]
    fn an_area_is_read_at_full_size_and_placed_back_on_its_photo() {
        let photo = image::RgbImage::new(1000, 1400);
        let lines = SizeReader.read_area(&photo, LineBox { x: 300, y: 500, w: 200, h: 100 }).unwrap();
        assert_eq!(lines[0].bbox, LineBox { x: 301, y: 502, w: 100, h: 40 });
        // An area off the photo is clipped, and a sliver is not read.
        assert!(SizeReader.read_area(&photo, LineBox { x: 995, y: 0, w: 50, h: 50 }).unwrap().is_empty());
        // The stamp found on the whole photo is read again closer, and its lines join the photo's.
        let pages = read_photos(&SizeReader, &[photo]).unwrap();
        let texts: Vec<&str> = pages[0].lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["旅客運賃減額", "介護"]);
        assert!(pages[0].lines.windows(2).all(|w| w[0].bbox.y <= w[1].bbox.y), "in reading order");
    }

    #[test]
    fn a_model_with_other_bytes_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (file, _) in MODEL_FILES {
            std::fs::write(dir.path().join(file), b"not a model").unwrap();
        }
        assert!(matches!(verify_models(dir.path()), Err(OcrError::ModelMismatch { .. })));
        std::fs::remove_file(dir.path().join(engine::DETECTION)).unwrap();
        assert!(matches!(verify_models(dir.path()), Err(OcrError::MissingModel { .. })));
    }

    #[test]
    fn half_configured_ocr_fails_loudly_and_unconfigured_is_off() {
        assert!(matches!(load(None, None), Status::Off));
        assert!(matches!(load(Some(Path::new("/nonexistent.so")), None), Status::Failed(_)));
        match load(Some(Path::new("/nonexistent/libonnxruntime.so")), Some(Path::new("/nonexistent"))) {
            Status::Failed(_) => {}
            _ => panic!("a missing runtime must not load"),
        }
    }
}
