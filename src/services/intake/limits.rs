//! The limits of one registration's body, enforced while it streams in: at most four photos,
//! 10 MiB each, 40 MiB in all, a bounded number of parts and short text fields. The budget is
//! plain bookkeeping, so the rules are tested without a web server; `web::multipart` feeds it.

use crate::images::ImageError;

pub const MAX_IMAGES: usize = 4;
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_REQUEST_BYTES: usize = 40 * 1024 * 1024;
const MAX_TEXT_BYTES: usize = 16 * 1024;
const MAX_PARTS: usize = 24;

/// Why a body was refused. Each has a stable code for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("more than four images")]
    TooManyImages,
    #[error("an image is over 10 MiB")]
    ImageTooLarge,
    #[error("the request is over 40 MiB")]
    RequestTooLarge,
    #[error("an image is not JPEG or PNG")]
    UnsupportedMediaType,
    #[error("an image is empty, damaged or incomplete")]
    CorruptImage,
    #[error("a form field is too long")]
    FieldTooLarge,
    #[error("the multipart body is malformed")]
    Malformed,
}

impl From<ImageError> for Refusal {
    fn from(e: ImageError) -> Self {
        match e {
            ImageError::Unsupported => Refusal::UnsupportedMediaType,
            ImageError::Empty | ImageError::Corrupt => Refusal::CorruptImage,
            ImageError::TooManyPixels => Refusal::ImageTooLarge,
        }
    }
}

/// What the body has used so far.
#[derive(Debug, Default)]
pub struct Budget {
    total: usize,
    parts: usize,
    images: usize,
}

/// One part being read.
#[derive(Debug)]
pub struct Part {
    image: bool,
    bytes: usize,
}

impl Part {
    pub fn is_image(&self) -> bool {
        self.image
    }
}

/// Form names that carry a photo.
pub fn is_image_field(name: &str) -> bool {
    name == "image" || name == "images"
}

impl Budget {
    /// A new part named `name` starts.
    pub fn start(&mut self, name: &str) -> Result<Part, Refusal> {
        self.parts += 1;
        if self.parts > MAX_PARTS {
            return Err(Refusal::Malformed);
        }
        let image = is_image_field(name);
        if image && self.images == MAX_IMAGES {
            return Err(Refusal::TooManyImages);
        }
        Ok(Part { image, bytes: 0 })
    }

    /// `len` more bytes of `part` arrived.
    pub fn take(&mut self, part: &mut Part, len: usize) -> Result<(), Refusal> {
        self.total += len;
        if self.total > MAX_REQUEST_BYTES {
            return Err(Refusal::RequestTooLarge);
        }
        part.bytes += len;
        let limit = if part.image { MAX_IMAGE_BYTES } else { MAX_TEXT_BYTES };
        if part.bytes > limit {
            return Err(if part.image { Refusal::ImageTooLarge } else { Refusal::FieldTooLarge });
        }
        Ok(())
    }

    /// An image part was kept.
    pub fn count_image(&mut self) {
        self.images += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_over_its_limit_is_refused_at_the_byte_that_crosses_it() {
        let mut budget = Budget::default();
        let mut part = budget.start("image").unwrap();
        assert!(part.is_image());
        assert_eq!(budget.take(&mut part, MAX_IMAGE_BYTES), Ok(()));
        assert_eq!(budget.take(&mut part, 1), Err(Refusal::ImageTooLarge));
    }

    #[test]
    fn text_fields_are_short() {
        let mut budget = Budget::default();
        let mut part = budget.start("metadata").unwrap();
        assert_eq!(budget.take(&mut part, 16 * 1024 + 1), Err(Refusal::FieldTooLarge));
    }

    #[test]
    fn at_most_four_images() {
        let mut budget = Budget::default();
        for _ in 0..MAX_IMAGES {
            budget.start("image").unwrap();
            budget.count_image();
        }
        assert_eq!(budget.start("images").unwrap_err(), Refusal::TooManyImages);
        assert!(budget.start("note").is_ok(), "text parts may follow");
    }

    #[test]
    fn the_whole_request_has_a_limit() {
        let mut budget = Budget::default();
        for _ in 0..4 {
            let mut part = budget.start("image").unwrap();
            budget.take(&mut part, MAX_IMAGE_BYTES).unwrap();
            budget.count_image();
        }
        let mut text = budget.start("note").unwrap();
        assert_eq!(budget.take(&mut text, 1), Err(Refusal::RequestTooLarge));
    }

    #[test]
    fn too_many_parts_is_malformed() {
        let mut budget = Budget::default();
        for _ in 0..MAX_PARTS {
            budget.start("x").unwrap();
        }
        assert_eq!(budget.start("x").unwrap_err(), Refusal::Malformed);
    }
}
