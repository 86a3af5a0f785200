//! Registrations arriving with photos: from the app (`POST /api/v1/registrations`) or from a
//! reviewer's proxy upload. Photos are processed and written to the store first; the rows
//! follow in one transaction; if that fails, the files are removed again.

pub mod decode;
pub mod limits;

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::handbooks::{NewHandbook, NewImage};
use crate::db::holders::NewHolder;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::email::EmailAddress;
pub use crate::domain::handbook::Channel;
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::holder::{HolderStatus, PublicId};
use crate::domain::terms::{Document, Version};
use crate::error::Fault;
use crate::images::{ImageStore, Processed};

pub use limits::{MAX_IMAGE_BYTES, MAX_IMAGES, MAX_REQUEST_BYTES, Refusal};

/// The registration's facts, parsed.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub holder_public_id: PublicId,
    pub email: Option<EmailAddress>,
    pub kind: HandbookKind,
    pub proxy: bool,
    /// The versions of the terms of use and privacy policy the holder agreed to in the app,
    /// when it sends them.
    pub terms_version: Option<Version>,
    pub privacy_version: Option<Version>,
}

/// The app's `metadata` part as sent.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataJson {
    holder_public_id: String,
    #[serde(default)]
    email: Option<String>,
    kind: String,
    #[serde(default)]
    proxy: bool,
    #[serde(default)]
    terms_version: Option<String>,
    #[serde(default)]
    privacy_version: Option<String>,
}

/// Why metadata was refused; the message names the field, never its value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MetadataError {
    #[error("metadata is not a JSON object with holder_public_id, email, kind, proxy")]
    Malformed,
    #[error("holder_public_id must be 6-40 letters, digits or hyphens")]
    PublicId,
    #[error("email is not a valid e-mail address")]
    Email,
    #[error("kind must be physical, mental or intellectual")]
    Kind,
    #[error("terms_version and privacy_version must be 1-20 letters, digits, dots or hyphens")]
    Version,
}

impl Metadata {
    pub fn from_json(bytes: &[u8]) -> Result<Self, MetadataError> {
        let raw: MetadataJson = serde_json::from_slice(bytes).map_err(|_| MetadataError::Malformed)?;
        Ok(Self {
            holder_public_id: PublicId::parse(&raw.holder_public_id).map_err(|_| MetadataError::PublicId)?,
            email: match raw.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
                Some(e) => Some(EmailAddress::parse(e).map_err(|_| MetadataError::Email)?),
                None => None,
            },
            kind: HandbookKind::parse(&raw.kind).ok_or(MetadataError::Kind)?,
            proxy: raw.proxy,
            terms_version: raw
                .terms_version
                .as_deref()
                .map(|v| Version::parse(v).ok_or(MetadataError::Version))
                .transpose()?,
            privacy_version: raw
                .privacy_version
                .as_deref()
                .map(|v| Version::parse(v).ok_or(MetadataError::Version))
                .transpose()?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("the holder's status does not allow a new registration")]
    HolderNotEligible,
    #[error("a registration of this kind is being reviewed")]
    InReview,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for IntakeError {
    fn from(e: diesel::result::Error) -> Self {
        IntakeError::Fault(e.into())
    }
}

impl From<crate::images::store::StoreError> for IntakeError {
    fn from(e: crate::images::store::StoreError) -> Self {
        IntakeError::Fault(e.into())
    }
}

impl IntakeError {
    /// Two first uploads of one holder raced to create it.
    fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            IntakeError::Fault(Fault::Db(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )))
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub handbook_id: i64,
    pub holder_public_id: String,
    /// The same photos were already waiting: a retried upload, nothing new was stored.
    pub duplicate: bool,
}

pub struct Submission<'a> {
    pub metadata: &'a Metadata,
    pub images: &'a [Processed],
    pub channel: Channel,
    pub actor: Actor,
    /// Why a reviewer registered for the holder (proxy uploads); goes to the audit trail.
    pub note: Option<&'a str>,
    /// A staff upload: the day the holder signed the paper consent form whose versions the
    /// metadata carries (the app's own consent is given at the time of the call).
    pub consent_signed_on: Option<time::Date>,
    pub now: OffsetDateTime,
    pub request_id: Option<&'a str>,
    /// The keys that seal the registration's audit events.
    pub audit: &'a crate::audit::AuditKeys,
}

pub fn register(
    conn: &mut DbConnection,
    store: &ImageStore,
    submission: &Submission<'_>,
) -> Result<Registered, IntakeError> {
    let at = to_db(submission.now);
    let mut files = crate::services::photos::Staged::new(store);
    let mut rows = Vec::with_capacity(submission.images.len());
    for (index, image) in submission.images.iter().enumerate() {
        rows.push(files.put(image, 0, index as i32 + 1, at)?);
    }
    // Two first uploads of one holder may race to create it; the loser retries once and finds
    // the winner's row.
    let result = match write_tx(conn, |c| insert_rows(c, submission, &rows, at)) {
        Err(e) if e.is_unique_violation() => write_tx(conn, |c| insert_rows(c, submission, &rows, at)),
        other => other,
    }?;
    files.keep(!result.duplicate);
    Ok(result)
}

fn insert_rows(
    conn: &mut DbConnection,
    submission: &Submission<'_>,
    images: &[NewImage],
    at: time::PrimitiveDateTime,
) -> Result<Registered, IntakeError> {
    let meta = submission.metadata;
    let public_id = meta.holder_public_id.as_str();
    let (holder_id, email_changed) = holder_for(conn, submission, at)?;
    // The app speaks for the holder: the versions agreed to in it are the holder's consent. A
    // staff upload carries the versions of the paper form the holder signed, on its day.
    let consented_at = match submission.consent_signed_on {
        Some(day) => Some(to_db(day.midnight().assume_offset(time::macros::offset!(+9)))),
        None => (submission.channel == Channel::App).then_some(at),
    };
    if let Some(consented_at) = consented_at {
        for (document, version) in [(Document::Terms, &meta.terms_version), (Document::Privacy, &meta.privacy_version)]
        {
            if let Some(version) = version {
                db::consents::record(conn, holder_id, document, version, consented_at)?;
            }
        }
    }

    // Lock the open registrations too: a reviewer claiming one right now must either finish
    // first (and be seen as in review) or wait. Lock order, as every writer: holder,
    // registrations, and the audit head last.
    let open = db::handbooks::lock_open_of_kind(conn, holder_id, meta.kind)?;
    // Audit entries wait for the end of the transaction: the chain's head is the last lock
    // taken, as in every writer, so intake cannot deadlock against take-next on PostgreSQL.
    let mut entries: Vec<AuditEntry<'_>> = email_changed.into_iter().collect();
    if open.iter().any(|h| h.status == ReviewStatus::InReview) {
        return Err(IntakeError::InReview);
    }
    let hashes: Vec<&str> = images.iter().map(|i| i.original_sha256.as_str()).collect();
    for waiting in open.iter().filter(|h| h.status == ReviewStatus::Submitted) {
        if db::handbooks::image_hashes(conn, waiting.id)? == hashes {
            return Ok(Registered { handbook_id: waiting.id, holder_public_id: public_id.to_owned(), duplicate: true });
        }
    }
    let replaced: Vec<i64> = open.iter().filter(|h| h.status.is_replaced_by_resubmission()).map(|h| h.id).collect();
    let handbook_id = db::handbooks::insert(
        conn,
        &NewHandbook {
            holder_id,
            kind: meta.kind,
            status: ReviewStatus::Submitted,
            channel: submission.channel,
            proxy: meta.proxy,
            uploaded_by: match submission.actor {
                Actor::Staff(id) => Some(id),
                _ => None,
            },
            submitted_at: at,
            supersedes_id: replaced.last().copied(),
            created_at: at,
            updated_at: at,
        },
    )?;
    let rows: Vec<NewImage> = images.iter().cloned().map(|i| NewImage { handbook_id, ..i }).collect();
    db::handbooks::insert_images(conn, &rows)?;
    db::ocr::enqueue(conn, handbook_id, at)?;
    for old in &replaced {
        db::handbooks::set_status(conn, *old, ReviewStatus::Superseded, at)?;
        entries.push(
            AuditEntry::new(submission.actor.clone(), "registration.superseded", "handbook", old)
                .details(json!({"by": handbook_id}))
                .request_id(submission.request_id),
        );
    }
    let mut entry = AuditEntry::new(submission.actor.clone(), "registration.received", "handbook", handbook_id)
        .details(json!({
            "holder_id": holder_id,
            "kind": meta.kind.as_str(),
            "channel": submission.channel.as_str(),
            "proxy": meta.proxy,
            "images": rows.len(),
            "supersedes": replaced,
        }))
        .request_id(submission.request_id);
    if let Some(note) = submission.note {
        entry = entry.reason(note);
    }
    entries.push(entry);
    for entry in entries {
        audit::append(conn, submission.audit, at, entry)?;
    }
    Ok(Registered { handbook_id, holder_public_id: public_id.to_owned(), duplicate: false })
}

/// Whether the holder with this public ID may register now (an unknown ID may: its first
/// registration creates it). Asked as soon as the metadata arrives, so an ID that may not
/// register costs no photo decoding; `register` asks again under the holder's lock.
pub fn may_register(conn: &mut DbConnection, public_id: &PublicId) -> Result<bool, Fault> {
    Ok(db::holders::find_by_public_id(conn, public_id.as_str())?.is_none_or(|h| h.status.may_register()))
}

/// The holder's row (locked, and eligible to register) or a new pending one. The app may
/// update the holder's e-mail address; staff may only fill in a missing one. Returns the
/// holder and, when the address changed, its audit event for the caller to append once the
/// registrations are locked too.
fn holder_for<'a>(
    conn: &mut DbConnection,
    submission: &Submission<'a>,
    at: time::PrimitiveDateTime,
) -> Result<(i64, Option<AuditEntry<'a>>), IntakeError> {
    let meta = submission.metadata;
    let public_id = meta.holder_public_id.as_str();
    let holder = db::holders::find_by_public_id(conn, public_id)?;
    let mut email_changed = None;
    let holder_id = match holder {
        Some(found) => {
            // Read again under the lock: status and email as they are now.
            let holder =
                db::holders::lock(conn, found.id)?.ok_or(Fault::Corrupt("holder row vanished during intake"))?;
            if !holder.status.may_register() {
                return Err(IntakeError::HolderNotEligible);
            }
            // The app speaks for the holder and may update the address; staff registering by
            // proxy may only fill in a missing one, so notices cannot be redirected quietly.
            let may_replace = submission.channel == Channel::App || holder.email.is_none();
            if let Some(email) = &meta.email
                && holder.email.as_deref() != Some(email.as_str())
                && may_replace
            {
                db::holders::set_email(conn, holder.id, email.as_str(), at)?;
                email_changed = Some(
                    AuditEntry::new(submission.actor.clone(), "holder.email_changed", "holder", holder.id)
                        .details(json!({"had_address": holder.email.is_some(), "channel": submission.channel.as_str()}))
                        .request_id(submission.request_id),
                );
            }
            holder.id
        }
        None => db::holders::insert(
            conn,
            &NewHolder {
                public_id,
                email: meta.email.as_ref().map(EmailAddress::as_str),
                status: HolderStatus::Pending,
                created_at: at,
                updated_at: at,
            },
        )?,
    };
    Ok((holder_id, email_changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_parsed_once() {
        let meta = Metadata::from_json(
            br#"{"holder_public_id":"mr-0001234","email":"A@Example.jp","kind":"mental","proxy":true}"#,
        );
        let Ok(meta) = meta else { panic!("parse") };
        assert_eq!(meta.holder_public_id.as_str(), "MR-0001234");
        assert_eq!(meta.email.as_ref().map(EmailAddress::as_str), Some("a@example.jp"));
        assert_eq!(meta.kind, HandbookKind::Mental);
        assert!(meta.proxy);
        let minimal = Metadata::from_json(br#"{"holder_public_id":"MR-0001234","kind":"physical"}"#);
        assert!(minimal.is_ok_and(|m| m.email.is_none() && !m.proxy));
    }

    #[test]
    fn each_metadata_problem_is_named() {
        let cases: [(&[u8], MetadataError); 6] = [
            (b"not json", MetadataError::Malformed),
            (br#"{"kind":"physical"}"#, MetadataError::Malformed),
            (br#"{"holder_public_id":"MR-0001234","kind":"physical","extra":1}"#, MetadataError::Malformed),
            (br#"{"holder_public_id":"x","kind":"physical"}"#, MetadataError::PublicId),
            (br#"{"holder_public_id":"MR-0001234","email":"nope","kind":"physical"}"#, MetadataError::Email),
            (br#"{"holder_public_id":"MR-0001234","kind":"passport"}"#, MetadataError::Kind),
        ];
        for (json, expected) in cases {
            assert_eq!(Metadata::from_json(json).err(), Some(expected));
        }
    }
}
