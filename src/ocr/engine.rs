//! PP-OCRv5 (mobile) on ONNX Runtime: detection, then recognition of each line.
//!
//! ONNX Runtime is loaded from a library path at run time (`ort`'s `load-dynamic`), so the
//! console builds and runs without it; a missing or wrong library is an error, not a crash.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use image::RgbImage;
use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use super::detect::{self, Region};
use super::{OcrError, TextReader};
use crate::domain::ocr_fields::{Line, LineBox};

pub const DETECTION: &str = "ppocrv5_det.onnx";
pub const RECOGNITION: &str = "ppocrv5_rec.onnx";
pub const DICTIONARY: &str = "ppocr_keys_v5.txt";

/// The detection input's long side: larger photos are scaled down to it.
pub const DETECTION_SIDE: u32 = 960;
/// Recognition reads lines scaled to this height.
pub const LINE_HEIGHT: u32 = 48;
/// Narrower lines are padded to this width, as the model was trained.
const MIN_LINE_WIDTH: u32 = 320;
/// Lines longer than this (in recognition pixels) are cut: nothing on a handbook is that long.
const MAX_LINE_WIDTH: u32 = 2400;

pub struct PpOcr {
    /// ONNX Runtime sessions run one input at a time (`run` takes `&mut`); one reader serves
    /// one OCR job at a time, which is also the budget: one core per job.
    sessions: Mutex<(Session, Session)>,
    dictionary: Vec<String>,
}

/// One ONNX Runtime environment per process (the library allows no second one). A failed
/// attempt is not remembered: a corrected path may load later in the same process.
fn environment(runtime: &Path) -> Result<Environment, OcrError> {
    static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);
    let mut slot = ENVIRONMENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let env = ort::init_from(runtime)
        .map_err(|e| OcrError::Runtime(e.to_string()))?
        .with_name("handbook-admin-ocr")
        .build()
        .map_err(|e| OcrError::Runtime(e.to_string()))?;
    *slot = Some(env.clone());
    Ok(env)
}

impl PpOcr {
    /// Loads the models once per process for each (runtime, models) pair; a second console in
    /// the same process (the tests) shares the first one's sessions.
    pub fn load(runtime: &Path, models: &Path) -> Result<Arc<PpOcr>, OcrError> {
        type Loaded = Mutex<HashMap<(PathBuf, PathBuf), Arc<PpOcr>>>;
        static LOADED: OnceLock<Loaded> = OnceLock::new();
        let key = (runtime.to_path_buf(), models.to_path_buf());
        let loaded = LOADED.get_or_init(Loaded::default);
        let mut loaded = loaded.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(engine) = loaded.get(&key) {
            return Ok(engine.clone());
        }
        let engine = Arc::new(Self::open(runtime, models)?);
        loaded.insert(key, engine.clone());
        Ok(engine)
    }

    fn open(runtime: &Path, models: &Path) -> Result<PpOcr, OcrError> {
        if !runtime.is_file() {
            return Err(OcrError::Runtime(format!("{} is not a file", runtime.display())));
        }
        let paths = super::verify_models(models)?;
        let env = environment(runtime)?;
        let session = |path: &Path| -> Result<Session, OcrError> {
            let model = |e: ort::Error| OcrError::Model(e.to_string());
            Session::builder(&env)
                .map_err(model)?
                .with_optimization_level(GraphOptimizationLevel::Level3)
                .map_err(|e| OcrError::Model(e.to_string()))?
                .with_intra_threads(1)
                .map_err(|e| OcrError::Model(e.to_string()))?
                .with_inter_threads(1)
                .map_err(|e| OcrError::Model(e.to_string()))?
                // Line crops differ in width: no memory plan made for one shape.
                .with_memory_pattern(false)
                .map_err(|e| OcrError::Model(e.to_string()))?
                .commit_from_file(path)
                .map_err(model)
        };
        let detection = session(&paths[0])?;
        let recognition = session(&paths[1])?;
        let dictionary = std::fs::read_to_string(&paths[2])
            .map_err(|_| OcrError::MissingModel { file: DICTIONARY })?
            .lines()
            .map(str::to_owned)
            .collect();
        Ok(PpOcr { sessions: Mutex::new((detection, recognition)), dictionary })
    }
}

/// The photo as the detection model wants it: scaled so the long side is at most
/// [`DETECTION_SIDE`], each side a multiple of 32, BGR planes normalised with ImageNet's
/// mean and deviation.
fn detection_input(img: &RgbImage) -> (Vec<f32>, usize, usize) {
    let (w, h) = (img.width(), img.height());
    let scale = (DETECTION_SIDE as f32 / w.max(h) as f32).min(1.0);
    let side = |v: u32| ((v as f32 * scale / 32.0).round() as u32).max(1) * 32;
    let (dw, dh) = (side(w), side(h));
    let resized = image::imageops::resize(img, dw, dh, image::imageops::FilterType::Triangle);
    const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
    const STD: [f32; 3] = [0.229, 0.224, 0.225];
    let plane = (dw * dh) as usize;
    let mut data = vec![0f32; 3 * plane];
    for (i, px) in resized.pixels().enumerate() {
        // BGR, as PaddleOCR's models were trained on OpenCV's order.
        for (c, value) in [px[2], px[1], px[0]].into_iter().enumerate() {
            data[c * plane + i] = (f32::from(value) / 255.0 - MEAN[c]) / STD[c];
        }
    }
    (data, dw as usize, dh as usize)
}

/// One line crop as the recognition model wants it: BGR planes in [-1, 1], padded on the right
/// to at least [`MIN_LINE_WIDTH`].
fn recognition_input(line: &RgbImage) -> (Vec<f32>, usize) {
    let w = line.width().min(MAX_LINE_WIDTH);
    let padded = w.max(MIN_LINE_WIDTH) as usize;
    let h = LINE_HEIGHT as usize;
    let mut data = vec![0f32; 3 * h * padded];
    for (x, y, px) in line.enumerate_pixels() {
        if x >= w {
            continue;
        }
        for (c, value) in [px[2], px[1], px[0]].into_iter().enumerate() {
            data[(c * h + y as usize) * padded + x as usize] = f32::from(value) / 127.5 - 1.0;
        }
    }
    (data, padded)
}

fn inference(e: ort::Error) -> OcrError {
    OcrError::Inference(e.to_string())
}

impl TextReader for PpOcr {
    fn read(&self, img: &RgbImage) -> Result<Vec<Line>, OcrError> {
        let mut sessions = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (detection, recognition) = &mut *sessions;
        let (input, dw, dh) = detection_input(img);
        let tensor = Tensor::from_array(([1usize, 3, dh, dw], input)).map_err(inference)?;
        let outputs = detection.run(ort::inputs![tensor]).map_err(inference)?;
        let (_, map) = outputs[0].try_extract_tensor::<f32>().map_err(inference)?;
        let regions: Vec<Region> = detect::regions(map, dw, dh)
            .into_iter()
            .map(|r| r.scaled(img.width() as f32 / dw as f32, img.height() as f32 / dh as f32))
            .collect();
        drop(outputs);
        let mut lines = Vec::with_capacity(regions.len());
        for region in regions {
            let crop = detect::crop_line(img, &region, LINE_HEIGHT);
            let (input, width) = recognition_input(&crop);
            let tensor = Tensor::from_array(([1usize, 3, LINE_HEIGHT as usize, width], input)).map_err(inference)?;
            let outputs = recognition.run(ort::inputs![tensor]).map_err(inference)?;
            let (shape, probs) = outputs[0].try_extract_tensor::<f32>().map_err(inference)?;
            let classes = shape.last().copied().unwrap_or(0) as usize;
            if classes == 0 {
                continue;
            }
            let (text, confidence) = super::ctc::decode(probs, classes, &self.dictionary);
            if text.trim().is_empty() {
                continue;
            }
            let (x, y, w, h) = region.bounds(img.width(), img.height());
            lines.push(Line { text, confidence, bbox: LineBox { x, y, w, h } });
        }
        Ok(lines)
    }
}
