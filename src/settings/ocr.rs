//! OCR of intake photos (`HANDBOOK_ADMIN_OCR_RUNTIME`, `HANDBOOK_ADMIN_OCR_MODELS`).

use std::path::PathBuf;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OcrSettings {
    pub runtime: Option<PathBuf>,
    pub models: Option<PathBuf>,
}

pub(super) fn ocr(get: &impl Fn(&'static str) -> Option<String>) -> OcrSettings {
    OcrSettings {
        runtime: get("HANDBOOK_ADMIN_OCR_RUNTIME").filter(|v| !v.trim().is_empty()).map(PathBuf::from),
        models: get("HANDBOOK_ADMIN_OCR_MODELS").filter(|v| !v.trim().is_empty()).map(PathBuf::from),
    }
}
