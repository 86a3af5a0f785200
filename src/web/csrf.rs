//! The CSRF check, in one place for every state-changing request.
//!
//! Browser forms carry the session's token in the field `csrf_token`. URL-encoded bodies are
//! read (bounded) and handed on unchanged; multipart bodies must send `csrf_token` as their
//! first part, which is read and checked before the rest streams on to the handler. The
//! machine API (`/api/`) authenticates with bearer tokens or signatures and sends no cookies,
//! so it is outside this check.

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use futures_util::stream::{self, LocalBoxStream};

use super::error::AppError;
use super::session;
use crate::secrets::constant_time_eq;

pub const FIELD: &str = "csrf_token";
const FORM_LIMIT: usize = 256 * 1024;
const MULTIPART_HEAD_LIMIT: usize = 16 * 1024;

pub fn is_exempt(path: &str) -> bool {
    path.starts_with("/api/")
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || is_exempt(req.path()) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let expected = session::existing_csrf_token(&req.get_session());
    // The media type is case-insensitive, the boundary is not (browsers send mixed case).
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let media_type = content_type.to_ascii_lowercase();
    let payload = req.take_payload();
    let checked = if media_type.starts_with("application/x-www-form-urlencoded") {
        check_form(payload, expected.as_deref()).await
    } else if media_type.starts_with("multipart/form-data") {
        match boundary(&content_type) {
            Some(boundary) => check_multipart(payload, &boundary, expected.as_deref()).await,
            None => Err(()),
        }
    } else {
        Err(())
    };
    match checked {
        Ok(replay) => {
            req.set_payload(replay);
            next.call(req).await.map(ServiceResponse::map_into_boxed_body)
        }
        Err(()) => {
            tracing::warn!(path = %req.match_pattern().unwrap_or_default(), "CSRF check refused a request");
            Ok(req.error_response(AppError::Csrf))
        }
    }
}

fn token_ok(expected: Option<&str>, presented: Option<&str>) -> bool {
    match (expected, presented) {
        (Some(e), Some(p)) if !e.is_empty() => constant_time_eq(e.as_bytes(), p.as_bytes()),
        _ => false,
    }
}

fn replay_payload(head: Bytes, rest: Option<Payload>) -> Payload {
    let first = stream::once(async move { Ok::<Bytes, actix_web::error::PayloadError>(head) });
    let stream: LocalBoxStream<'static, Result<Bytes, actix_web::error::PayloadError>> = match rest {
        Some(rest) => first.chain(rest).boxed_local(),
        None => first.boxed_local(),
    };
    Payload::Stream { payload: stream }
}

async fn check_form(mut payload: Payload, expected: Option<&str>) -> Result<Payload, ()> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ())?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(());
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| ())?;
    let presented = pairs.iter().find(|(k, _)| k == FIELD).map(|(_, v)| v.as_str());
    if token_ok(expected, presented) { Ok(replay_payload(body, None)) } else { Err(()) }
}

fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').map(str::trim).find_map(|part| {
        let (name, value) = part.split_once('=')?;
        name.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Reads just enough of a multipart body to see its first part, which must be `csrf_token`.
async fn check_multipart(mut payload: Payload, boundary: &str, expected: Option<&str>) -> Result<Payload, ()> {
    let mut head = BytesMut::new();
    loop {
        if let Some(value) = first_part_value(&head, boundary)? {
            if !token_ok(expected, Some(&value)) {
                return Err(());
            }
            return Ok(replay_payload(head.freeze(), Some(payload)));
        }
        if head.len() > MULTIPART_HEAD_LIMIT {
            return Err(());
        }
        match payload.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            _ => return Err(()),
        }
    }
}

/// `Ok(Some(value))` once the first part is complete and is `csrf_token`; `Ok(None)` when more
/// bytes are needed; `Err` when the first part is something else.
fn first_part_value(buf: &[u8], boundary: &str) -> Result<Option<String>, ()> {
    let opening = format!("--{boundary}\r\n");
    if buf.len() < opening.len() {
        return Ok(None);
    }
    if !buf.starts_with(opening.as_bytes()) {
        return Err(());
    }
    let rest = &buf[opening.len()..];
    let Some(header_end) = find(rest, b"\r\n\r\n") else {
        return Ok(None);
    };
    let headers = std::str::from_utf8(&rest[..header_end]).map_err(|_| ())?;
    let named_token = headers.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("content-disposition:") && line.contains(&format!("name=\"{FIELD}\""))
    });
    if !named_token {
        return Err(());
    }
    let body = &rest[header_end + 4..];
    let closing = format!("\r\n--{boundary}");
    let Some(end) = find(body, closing.as_bytes()) else {
        return Ok(None);
    };
    let value = std::str::from_utf8(&body[..end]).map_err(|_| ())?;
    Ok(Some(value.to_owned()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_part_is_read_when_complete() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"image\"";
        assert_eq!(first_part_value(body, "XyZ"), Ok(Some("abc123".into())));
        assert_eq!(first_part_value(&body[..20], "XyZ"), Ok(None));
        assert_eq!(first_part_value(&body[..70], "XyZ"), Ok(None));
    }

    #[test]
    fn another_first_part_is_refused() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nabc\r\n--XyZ\r\n";
        assert_eq!(first_part_value(body, "XyZ"), Err(()));
        assert_eq!(first_part_value(b"garbage-garbage-garbage", "XyZ"), Err(()));
    }

    #[test]
    fn boundary_is_found_in_the_content_type() {
        assert_eq!(boundary("multipart/form-data; boundary=----abc").as_deref(), Some("----abc"));
        assert_eq!(boundary("multipart/form-data; boundary=\"q\"").as_deref(), Some("q"));
        assert_eq!(boundary("multipart/form-data"), None);
        // Chromium and Safari: mixed case, kept exactly.
        assert_eq!(
            boundary("Multipart/Form-Data; Boundary=----WebKitFormBoundaryAbCdEf").as_deref(),
            Some("----WebKitFormBoundaryAbCdEf")
        );
    }

    #[test]
    fn tokens_must_match_and_exist() {
        assert!(token_ok(Some("t"), Some("t")));
        assert!(!token_ok(Some("t"), Some("u")));
        assert!(!token_ok(Some("t"), None));
        assert!(!token_ok(None, Some("t")));
        assert!(!token_ok(Some(""), Some("")));
    }
}
