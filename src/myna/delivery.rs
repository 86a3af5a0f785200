//! A callback's body (CONTRACT.md), parsed once into typed values: the holder's public ID, the
//! status, the consent it rides on, and the records as the government wrote them (kept as
//! written for the reconciliation screen; dates must at least be real dates).

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::handbook::HandbookKind;
use crate::domain::holder::PublicId;
use crate::domain::reconcile::PortalRecord;
use crate::domain::wareki::{self, Accept};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// The municipal server could not answer now (outside its hours, a stop).
    Unavailable,
    /// The portal holds no such handbook (it may have been returned, art. 3(1)(v)).
    NotFound,
    /// The holder withdrew the consent: purge.
    ConsentWithdrawn,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Unavailable => "unavailable",
            Status::NotFound => "not_found",
            Status::ConsentWithdrawn => "consent_withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        [Status::Ok, Status::Unavailable, Status::NotFound, Status::ConsentWithdrawn]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub purpose: String,
    pub granted_at: OffsetDateTime,
    pub valid_until: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: HandbookKind,
    pub values: PortalRecord,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub request_id: String,
    pub holder: PublicId,
    pub status: Status,
    pub consent: Option<Consent>,
    pub records: Vec<Record>,
}

/// Why a body was refused, with the JSON error code the portal gets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the body is not the callback's JSON")]
    Malformed,
    #[error("unknown status")]
    Status,
    #[error("unknown handbook kind")]
    Kind,
    #[error("a date that does not exist")]
    Date,
    #[error("a record or consent is missing where the status needs one")]
    Incomplete,
}

impl DeliveryError {
    pub fn code(&self) -> &'static str {
        match self {
            DeliveryError::Malformed => "malformed_body",
            DeliveryError::Status => "unknown_status",
            DeliveryError::Kind => "unknown_kind",
            DeliveryError::Date => "invalid_date",
            DeliveryError::Incomplete => "incomplete_delivery",
        }
    }
}

#[derive(Deserialize)]
struct RawConsent {
    purpose: String,
    granted_at: String,
    valid_until: String,
}

#[derive(Deserialize)]
struct RawRecord {
    kind: String,
    #[serde(default)]
    disability_category: Option<String>,
    #[serde(default)]
    grade: Option<String>,
    #[serde(default)]
    municipality: Option<String>,
    #[serde(default)]
    number: Option<String>,
    #[serde(default)]
    issued_on: Option<String>,
    #[serde(default)]
    renewed_on: Option<String>,
    #[serde(default)]
    expires_on: Option<String>,
}

#[derive(Deserialize)]
struct RawDelivery {
    request_id: String,
    holder_public_id: String,
    status: String,
    #[serde(default)]
    consent: Option<RawConsent>,
    #[serde(default)]
    records: Vec<RawRecord>,
}

fn date_ok(raw: &Option<String>) -> Result<(), DeliveryError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(()),
        Some(text) => wareki::parse(text, Accept::Day).map(drop).map_err(|_| DeliveryError::Date),
    }
}

fn instant(raw: &str) -> Result<OffsetDateTime, DeliveryError> {
    OffsetDateTime::parse(raw.trim(), &Rfc3339).map_err(|_| DeliveryError::Date)
}

impl Delivery {
    pub fn parse(body: &[u8]) -> Result<Delivery, DeliveryError> {
        let raw: RawDelivery = serde_json::from_slice(body).map_err(|_| DeliveryError::Malformed)?;
        let status = Status::parse(&raw.status).ok_or(DeliveryError::Status)?;
        let holder = PublicId::parse(&raw.holder_public_id).map_err(|_| DeliveryError::Malformed)?;
        if raw.request_id.trim().is_empty() || raw.request_id.len() > 200 {
            return Err(DeliveryError::Malformed);
        }
        let consent = match raw.consent {
            Some(c) => {
                let consent = Consent {
                    purpose: c.purpose,
                    granted_at: instant(&c.granted_at)?,
                    valid_until: instant(&c.valid_until)?,
                };
                if consent.valid_until <= consent.granted_at {
                    return Err(DeliveryError::Date);
                }
                Some(consent)
            }
            None => None,
        };
        let records = raw
            .records
            .into_iter()
            .map(|r| {
                let kind = HandbookKind::parse(&r.kind).ok_or(DeliveryError::Kind)?;
                for date in [&r.issued_on, &r.renewed_on, &r.expires_on] {
                    date_ok(date)?;
                }
                Ok(Record {
                    kind,
                    values: PortalRecord {
                        disability_category: r.disability_category,
                        grade: r.grade,
                        municipality: r.municipality,
                        number: r.number,
                        issued_on: r.issued_on,
                        renewed_on: r.renewed_on,
                        expires_on: r.expires_on,
                    },
                })
            })
            .collect::<Result<Vec<_>, DeliveryError>>()?;
        // Data rides on a consent: an `ok` delivery names it.
        if status == Status::Ok && consent.is_none() {
            return Err(DeliveryError::Incomplete);
        }
        Ok(Delivery { request_id: raw.request_id, holder, status, consent, records })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(status: &str, kind: &str, issued: &str) -> String {
        format!(
            r#"{{"request_id":"req-1","holder_public_id":"MR-100001","status":"{status}",
            "consent":{{"purpose":"handbook_verification","granted_at":"2026-11-24T01:00:00Z","valid_until":"2026-12-24T01:00:00Z"}},
            "records":[{{"kind":"{kind}","disability_category":"肢体不自由","grade":"２級","municipality":"未来県知事",
            "number":"第１０００００１号","issued_on":"{issued}","renewed_on":null,"expires_on":null}}]}}"#
        )
    }

    #[test]
    fn a_delivery_as_the_government_writes_it_parses() {
        let d = Delivery::parse(body("ok", "physical", "令和4年1月31日").as_bytes()).unwrap();
        assert_eq!((d.status, d.records.len()), (Status::Ok, 1));
        assert_eq!(d.records[0].values.grade.as_deref(), Some("２級"), "kept as written");
        assert!(d.consent.is_some());
    }

    #[test]
    fn each_bad_body_has_its_code() {
        let refused = |b: &str| Delivery::parse(b.as_bytes()).err().map(|e| e.code());
        assert_eq!(refused("{not json"), Some("malformed_body"));
        assert_eq!(refused(&body("maybe", "physical", "2022-01-31")), Some("unknown_status"));
        assert_eq!(refused(&body("ok", "passport", "2022-01-31")), Some("unknown_kind"));
        assert_eq!(refused(&body("ok", "physical", "令和4年2月30日")), Some("invalid_date"));
        assert_eq!(refused(&body("ok", "physical", "2022-02-30")), Some("invalid_date"));
        let no_consent = r#"{"request_id":"r","holder_public_id":"MR-100001","status":"ok","records":[]}"#;
        assert_eq!(refused(no_consent), Some("incomplete_delivery"));
        let withdrawn = r#"{"request_id":"r","holder_public_id":"MR-100001","status":"consent_withdrawn"}"#;
        assert!(Delivery::parse(withdrawn.as_bytes()).is_ok(), "a withdrawal carries no data");
    }
}
