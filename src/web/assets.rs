//! Static files, compiled into the binary and served under content-hashed names with a long
//! cache: a new build gets new names, so browsers never hold a stale script.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

use super::error::AppError;

struct Asset {
    /// The name templates ask for, e.g. `app.css`.
    logical: &'static str,
    /// The name served, e.g. `app.3f2a9c1b.css`.
    served: String,
    content_type: &'static str,
    body: &'static [u8],
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        ("app.css", "text/css; charset=utf-8", include_bytes!("../../static/app.css").as_slice()),
        ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../static/app.js").as_slice()),
    ]
    .into_iter()
    .map(|(logical, content_type, body)| {
        let digest = hex::encode(&Sha256::digest(body)[..4]);
        let (stem, ext) = logical.rsplit_once('.').unwrap_or((logical, ""));
        Asset { logical, served: format!("{stem}.{digest}.{ext}"), content_type, body }
    })
    .collect()
});

/// The URL of a static file by its logical name.
pub fn url(logical: &str) -> String {
    ASSETS.iter().find(|a| a.logical == logical).map(|a| format!("/static/{}", a.served)).unwrap_or_default()
}

pub async fn serve(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let asset = ASSETS.iter().find(|a| a.served == *name).ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(asset.body))
}
