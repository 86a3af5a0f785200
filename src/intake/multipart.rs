//! Reading a registration's multipart body as it streams in, with the limits enforced on the
//! way: at most four photos, 10 MiB each, 40 MiB in all. A photo over its limit is refused
//! as soon as its 10 MiB-and-one-byte arrives; nothing is buffered beyond one photo.
//! File names are ignored: a photo is what its bytes say it is.

use actix_multipart::Multipart;
use futures_util::StreamExt;

use super::{MAX_IMAGE_BYTES, MAX_IMAGES, MAX_REQUEST_BYTES};
use crate::images::{self, ImageError, Processed};

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

pub struct Received {
    pub texts: Vec<(String, String)>,
    pub images: Vec<Processed>,
}

impl Received {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

pub async fn receive(multipart: Multipart) -> Result<Received, Refusal> {
    let mut received = Received { texts: Vec::new(), images: Vec::new() };
    read_into(multipart, &mut received).await?;
    Ok(received)
}

/// For forms: what was read before a refusal is kept, so the form can come back filled in.
pub async fn receive_keeping_texts(multipart: Multipart) -> (Received, Option<Refusal>) {
    let mut received = Received { texts: Vec::new(), images: Vec::new() };
    let refusal = read_into(multipart, &mut received).await.err();
    (received, refusal)
}

async fn read_into(mut multipart: Multipart, received: &mut Received) -> Result<(), Refusal> {
    let mut total = 0usize;
    let mut parts = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| Refusal::Malformed)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(Refusal::Malformed);
        }
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let is_image = name == "image" || name == "images";
        if is_image && received.images.len() == MAX_IMAGES {
            return Err(Refusal::TooManyImages);
        }
        let limit = if is_image { MAX_IMAGE_BYTES } else { MAX_TEXT_BYTES };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| Refusal::Malformed)?;
            total += chunk.len();
            if total > MAX_REQUEST_BYTES {
                return Err(Refusal::RequestTooLarge);
            }
            if bytes.len() + chunk.len() > limit {
                return Err(if is_image { Refusal::ImageTooLarge } else { Refusal::FieldTooLarge });
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_image {
            // A browser sends an empty part with an empty file name when no file was chosen.
            if bytes.is_empty() && filename.as_deref() == Some("") {
                continue;
            }
            let processed =
                actix_web::web::block(move || images::process(&bytes)).await.map_err(|_| Refusal::CorruptImage)??;
            received.images.push(processed);
        } else {
            let text = String::from_utf8(bytes).map_err(|_| Refusal::Malformed)?;
            received.texts.push((name, text));
        }
    }
    Ok(())
}
