//! Forms: an extractor for posted forms with repeated fields, and form errors (each problem
//! named next to its field and listed in a summary at the top that links to the field, the
//! Digital Agency design system pattern).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use super::error::AppError;

/// Largest form body accepted (the longest form has a few kilobytes of text).
const FORM_LIMIT: usize = 64 * 1024;

/// A URL-encoded form whose repeated names (`defects=D01&defects=D02`) read into a `Vec`,
/// which actix's `web::Form` cannot do. A body that does not deserialise is a 400.
pub struct HtmlForm<T>(pub T);

impl<T> HtmlForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for HtmlForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let is_form = req.content_type().eq_ignore_ascii_case("application/x-www-form-urlencoded");
        Box::pin(async move {
            if !is_form {
                return Err(AppError::BadRequest("not a form"));
            }
            let body = body.await.map_err(|_| AppError::BadRequest("form body"))?;
            if body.len() > FORM_LIMIT {
                return Err(AppError::BadRequest("form too large"));
            }
            serde_html_form::from_bytes(&body).map(HtmlForm).map_err(|_| AppError::BadRequest("form fields"))
        })
    }
}

/// One option of a radio or checkbox group (`forms::choice_group`).
pub struct Choice {
    pub code: &'static str,
    pub label: String,
    pub checked: bool,
}

/// What a form says beside its fields: errors (which stop it), warnings (which a reviewer
/// acknowledges) and readings (what the server understood of a value).
#[derive(Default, Debug)]
pub struct FormErrors {
    entries: Vec<(&'static str, String)>,
    warnings: Vec<(&'static str, String)>,
    readings: Vec<(&'static str, String)>,
}

impl FormErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.entries.push((field, message.into()));
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.entries.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[(&'static str, String)] {
        &self.entries
    }

    pub fn warn(&mut self, field: &'static str, message: impl Into<String>) {
        self.warnings.push((field, message.into()));
    }

    pub fn warning(&self, field: &str) -> Option<&str> {
        self.warnings.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    pub fn read_as(&mut self, field: &'static str, reading: impl Into<String>) {
        self.readings.push((field, reading.into()));
    }

    pub fn reading(&self, field: &str) -> Option<&str> {
        self.readings.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    /// The ids a control is described by: its hint, error, warning, reading and `extra`.
    pub fn described_by(
        &self,
        name: &str,
        has_hint: impl std::borrow::Borrow<bool>,
        extra: impl std::fmt::Display,
    ) -> String {
        let (has_hint, extra) = (*has_hint.borrow(), extra.to_string());
        let ids = [
            has_hint.then(|| format!("hint-{name}")),
            self.has(name).then(|| format!("error-{name}")),
            self.warning(name).map(|_| format!("warning-{name}")),
            self.reading(name).map(|_| format!("reading-{name}")),
            (!extra.is_empty()).then_some(extra),
        ];
        ids.into_iter().flatten().collect::<Vec<_>>().join(" ")
    }
}

/// The confirming field of a final act (a checkbox `confirmed` with value `1`, its label naming
/// the ID and the effect). The server requires it: one POST without it, a stray Enter or a
/// client without script, changes nothing.
#[derive(serde::Deserialize, Default)]
pub struct Confirmation {
    #[serde(default)]
    confirmed: String,
}

impl Confirmation {
    /// `None` when confirmed. Otherwise nothing was done: the person is told so (`notice`) and
    /// sent back to `back`, the page the form was on.
    pub fn required(
        &self,
        session: &actix_session::Session,
        notice: &str,
        back: &str,
    ) -> Result<Option<actix_web::HttpResponse>, AppError> {
        if self.confirmed == "1" {
            return Ok(None);
        }
        super::session::set_notice(session, notice)?;
        Ok(Some(actix_web::HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, back)).finish()))
    }
}
