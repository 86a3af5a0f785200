//! The outbound side of the Myna Portal: what we ask, and the one trait both the real adapter
//! (`http::HttpPortal`, mutual TLS) and the simulator answer. The portal accepts a request and
//! delivers the data later through the signed callback, so a send only says "accepted" or why
//! not.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::domain::myna_request::Mode;

/// One request as the worker sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalRequest {
    pub request_id: String,
    pub holder_public_id: String,
    pub mode: Mode,
    pub purpose: String,
    pub granted_at: OffsetDateTime,
    pub valid_until: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// The municipal server cannot answer now (outside its hours, a stop, an outage).
    #[error("the portal answered unavailable")]
    Unavailable,
    /// The portal refused the request itself (a code of its own); asking again will not help.
    #[error("the portal refused the request: {0}")]
    Refused(String),
    /// The portal could not be reached or answered nonsense; asking later may help.
    #[error("the portal could not be reached: {0}")]
    Transport(String),
}

pub trait MynaPortal: Send + Sync {
    /// Sends one request; `Ok` means the portal accepted it and will call back.
    fn send<'a>(&'a self, request: &'a PortalRequest) -> BoxFuture<'a, Result<(), PortalError>>;
}

/// The request's body on the wire (the simulator reads the same struct).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WireRequest {
    pub request_id: String,
    pub service_id: String,
    pub holder_public_id: String,
    /// `point` (時点指定) or `range` (範囲指定).
    pub mode: String,
    pub from: String,
    pub to: String,
    pub consent: WireConsent,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WireConsent {
    pub purpose: String,
    pub granted_at: String,
    pub valid_until: String,
}

/// The path requests are posted to, under the portal's base URL.
pub const REQUEST_PATH: &str = "/v1/self-info/requests";

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

impl WireRequest {
    pub fn new(request: &PortalRequest, service_id: &str) -> Self {
        WireRequest {
            request_id: request.request_id.clone(),
            service_id: service_id.to_owned(),
            holder_public_id: request.holder_public_id.clone(),
            mode: request.mode.code().to_owned(),
            from: request.mode.from_on().to_string(),
            to: request.mode.to_on().to_string(),
            consent: WireConsent {
                purpose: request.purpose.clone(),
                granted_at: rfc3339(request.granted_at),
                valid_until: rfc3339(request.valid_until),
            },
        }
    }

    /// Reads the body back into a request (the simulator's side); `None` for nonsense.
    pub fn parse(&self) -> Option<PortalRequest> {
        let day = |s: &str| Date::parse(s, &time::format_description::well_known::Iso8601::DATE).ok();
        let mode = Mode::from_parts(&self.mode, day(&self.from)?, day(&self.to)?)?;
        Some(PortalRequest {
            request_id: self.request_id.clone(),
            holder_public_id: self.holder_public_id.clone(),
            mode,
            purpose: self.consent.purpose.clone(),
            granted_at: OffsetDateTime::parse(&self.consent.granted_at, &Rfc3339).ok()?,
            valid_until: OffsetDateTime::parse(&self.consent.valid_until, &Rfc3339).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_request_survives_the_wire() {
        let request = PortalRequest {
            request_id: "r-1".into(),
            holder_public_id: "MR-2600001".into(),
            mode: Mode::Range(date!(2026 - 01 - 01), date!(2026 - 11 - 25)),
            purpose: "handbook_verification".into(),
            granted_at: datetime!(2026-11-25 10:00 UTC),
            valid_until: datetime!(2026-12-25 10:00 UTC),
        };
        let wire = WireRequest::new(&request, "svc");
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        let back: WireRequest = serde_json::from_slice(&json).unwrap_or_else(|_| wire.clone());
        assert_eq!(back.parse(), Some(request));
        let mut backwards = wire;
        backwards.from = "2026-12-01".into();
        assert_eq!(backwards.parse(), None);
    }
}
