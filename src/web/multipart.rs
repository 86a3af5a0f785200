//! Reading a registration's multipart body as it streams in, with the limits of
//! `intake::limits` enforced on the way: a photo over its limit is refused as soon as its
//! 10 MiB-and-one-byte arrives; each photo is handed to intake's decoder as it arrives, so
//! nothing is buffered beyond one photo. File names are ignored:
//! a photo is what its bytes say it is.

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::images::Processed;
use crate::services::intake::{
    self,
    limits::{Budget, Refusal},
};

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
            let processed = intake::decode::photo(bytes).await?;
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
