//! Turning an uploaded photo's bytes into what is stored (`images::process`: checked, decoded,
//! stripped or re-encoded, a thumbnail), off the request threads and within this process's
//! decoding budget, as each photo arrives: nothing is buffered beyond one photo.

use crate::images::{self, Processed};
use crate::services::intake::limits::Refusal;

/// Megapixels decoded at once in this process: one photo at the 50-megapixel cap and a phone
/// photo beside it (a decoded megapixel costs 3–4 MB, and shrinking it to the kept size more).
const DECODE_MEGAPIXELS: u64 = 64;
static DECODE_PIXELS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODE_MEGAPIXELS as usize);

/// Image decodes under way in this process, at most one per core.
static DECODES: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, usize::from))
});

/// One decode per core at a time, and no more megapixels decoded at once than the budget:
/// parallel uploads of huge photos wait their turn instead of holding several decoded frames
/// at once. A photo is weighed by the size its header declares, before any pixel is decoded.
pub async fn photo(bytes: Vec<u8>) -> Result<Processed, Refusal> {
    let _turn = DECODES.acquire().await.map_err(|_| Refusal::CorruptImage)?;
    let weight = images::declared_pixels(&bytes).map_or(1, |p| p.div_ceil(1_000_000)).clamp(1, DECODE_MEGAPIXELS);
    let _pixels = DECODE_PIXELS.acquire_many(weight as u32).await.map_err(|_| Refusal::CorruptImage)?;
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        images::process(&bytes)
    })
    .await
    .map_err(|_| Refusal::CorruptImage)?
    .map_err(Refusal::from)
}
