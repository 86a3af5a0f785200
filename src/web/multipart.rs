//! Reading a registration's multipart body as it streams in, with the limits of
//! `intake::limits` enforced on the way: a photo over its limit is refused as soon as its
//! 10 MiB-and-one-byte arrives; nothing is buffered beyond one photo. File names are ignored:
//! a photo is what its bytes say it is.

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::images::{self, Processed};
use crate::services::intake::limits::{Budget, Refusal};

pub struct Received {
    pub texts: Vec<(String, String)>,
    pub images: Vec<Processed>,
}

impl Received {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the body; `check` sees the `metadata` part as soon as it has arrived and may refuse
/// the request before any photo is decoded (the metadata must come before the photos).
pub async fn receive<E: From<Refusal>>(
    multipart: Multipart,
    check: impl AsyncFnMut(&str) -> Result<(), E>,
) -> Result<Received, E> {
    let mut received = Received { texts: Vec::new(), images: Vec::new() };
    read_into(multipart, &mut received, check, true).await?;
    Ok(received)
}

async fn no_check(_: &str) -> Result<(), Refusal> {
    Ok(())
}

/// For forms: what was read before a refusal is kept, so the form can come back filled in.
pub async fn receive_keeping_texts(multipart: Multipart) -> (Received, Option<Refusal>) {
    let mut received = Received { texts: Vec::new(), images: Vec::new() };
    let refusal = read_into(multipart, &mut received, no_check, false).await.err();
    (received, refusal)
}

/// Megapixels decoded at once in this process: one photo at the 50-megapixel cap and a phone
/// photo beside it (a decoded megapixel costs 3–4 MB, and shrinking it to the kept size more).
const DECODE_MEGAPIXELS: u64 = 64;
static DECODE_PIXELS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODE_MEGAPIXELS as usize);

/// Image decodes under way in this process, at most one per core.
static DECODES: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, usize::from))
});

async fn read_into<E: From<Refusal>>(
    mut multipart: Multipart,
    received: &mut Received,
    mut check: impl AsyncFnMut(&str) -> Result<(), E>,
    gated: bool,
) -> Result<(), E> {
    let mut budget = Budget::default();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| Refusal::Malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let mut part = budget.start(&name)?;
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| Refusal::Malformed)?;
            budget.take(&mut part, chunk.len())?;
            bytes.extend_from_slice(&chunk);
        }
        if part.is_image() {
            // A browser sends an empty part with an empty file name when no file was chosen.
            if bytes.is_empty() && filename.as_deref() == Some("") {
                continue;
            }
            // Nothing is decoded for a request whose metadata has not been checked: a photo
            // before the metadata is a request without (valid) metadata so far, and the check
            // answers for it as it answers for a missing one.
            if gated && received.text("metadata").is_none() {
                check("").await?;
                return Err(Refusal::Malformed.into());
            }
            // One decode per core at a time, and no more megapixels decoded at once than the
            // budget: parallel uploads of huge photos wait their turn instead of holding
            // several decoded frames at once.
            let _turn = DECODES.acquire().await.map_err(|_| Refusal::CorruptImage)?;
            let weight =
                images::declared_pixels(&bytes).map_or(1, |p| p.div_ceil(1_000_000)).clamp(1, DECODE_MEGAPIXELS);
            let _pixels = DECODE_PIXELS.acquire_many(weight as u32).await.map_err(|_| Refusal::CorruptImage)?;
            let processed = actix_web::web::block(move || images::process(&bytes))
                .await
                .map_err(|_| Refusal::CorruptImage)?
                .map_err(Refusal::from)?;
            received.images.push(processed);
            budget.count_image();
        } else {
            let text = String::from_utf8(bytes).map_err(|_| Refusal::Malformed)?;
            if name == "metadata" {
                check(&text).await?;
            }
            received.texts.push((name, text));
        }
    }
    Ok(())
}
