//! Who may open a registration's photos, and the audit event every view writes.
//!
//! Disability data is special-care personal information: a reviewer sees the photos of the
//! registration they hold a claim on; anyone else with a photo role first states why, and
//! that reason travels with every view into the audit trail.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::handbooks::HandbookRow;
pub use crate::db::handbooks::ImageRow;
use crate::db::photo_access::NewGrant;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::staff::Role;
use crate::error::Fault;
use crate::images::ImageStore;
use crate::services::review::claim_state;

/// Why photos were not shown.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("no such registration or photo")]
    NotFound,
    /// The photos of this registration open only after a reason is stated.
    #[error("a reason must be stated before these photos open")]
    ReasonRequired(i64),
    /// The ID was withdrawn: its photos serve only an audit or a fraud investigation now.
    #[error("退会したIDの写真は、「監査」または「不正登録の調査」の理由でのみ開けます。")]
    EndedId,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for PhotoError {
    fn from(e: diesel::result::Error) -> Self {
        PhotoError::Fault(e.into())
    }
}

/// How long a stated reason keeps the photos open.
pub const GRANT_FOR: Duration = Duration::minutes(30);

/// The reasons a person may give, as a code list (reports count them).
pub const REASONS: [(&str, &str); 6] = [
    ("double_check", "二重審査（ダブルチェック）"),
    ("duplicate_check", "重複の確認（審査中の登録と照合）"),
    ("inquiry", "本人・事業者からの問い合わせ対応"),
    ("audit", "監査"),
    ("fraud_investigation", "不正登録の調査"),
    ("other", "その他（内容を記入）"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The viewer holds the review claim.
    Claim,
    /// The viewer stated this reason.
    Reason(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Full,
    Thumb,
}

impl Variant {
    fn as_str(self) -> &'static str {
        match self {
            Variant::Full => "full",
            Variant::Thumb => "thumb",
        }
    }
}

/// The viewer works on this registration now: the domain's claim rule, for a review role.
fn holds_claim(staff_id: i64, role: Role, handbook: &HandbookRow, now: OffsetDateTime) -> bool {
    role.may_review() && claim_state(handbook).held_by(staff_id, now)
}

/// On what grounds `staff_id` may see this registration's photos now, if any.
pub fn basis(
    conn: &mut DbConnection,
    staff_id: i64,
    role: Role,
    handbook: &HandbookRow,
    now: OffsetDateTime,
) -> Result<Option<Basis>, Fault> {
    if !role.may_view_photos() {
        return Ok(None);
    }
    if holds_claim(staff_id, role, handbook, now) {
        return Ok(Some(Basis::Claim));
    }
    Ok(db::photo_access::current_reason(conn, staff_id, handbook.id, to_db(now))?.map(Basis::Reason))
}

/// The photos of a registration as one person may list them now.
pub struct Listing {
    /// On what grounds; `None`: none, and no photos are listed.
    pub basis: Option<Basis>,
    pub images: Vec<ImageRow>,
}

/// The photos of a registration as this person may list them now, or `None` when there is no
/// such registration.
pub fn listing(
    conn: &mut DbConnection,
    staff_id: i64,
    role: Role,
    handbook_id: i64,
    now: OffsetDateTime,
) -> Result<Option<Listing>, Fault> {
    let Some(handbook) = db::handbooks::find(conn, handbook_id)? else { return Ok(None) };
    let basis = basis(conn, staff_id, role, &handbook, now)?;
    let images = if basis.is_some() { db::handbooks::images_of(conn, handbook_id)? } else { Vec::new() };
    Ok(Some(Listing { basis, images }))
}

/// A stated reason, checked: a code from `REASONS`, with text when the code is "other".
pub fn reason_text(code: &str, detail: &str) -> Result<String, &'static str> {
    let detail = detail.trim();
    let Some((_, label)) = REASONS.iter().find(|(c, _)| *c == code) else {
        return Err("閲覧理由を選んでください。");
    };
    if detail.chars().count() > 200 {
        return Err("補足は200文字以内で入力してください。");
    }
    if code == "other" && detail.chars().count() < 4 {
        return Err("「その他」を選んだ場合は、理由を4文字以上で記入してください。");
    }
    Ok(if detail.is_empty() { (*label).to_owned() } else { format!("{label}: {detail}") })
}

pub fn grant(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    staff_id: i64,
    handbook_id: i64,
    reason: &str,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<(), PhotoError> {
    let at = to_db(now);
    write_tx(conn, |c| {
        let handbook = db::handbooks::find(c, handbook_id)?.ok_or(PhotoError::NotFound)?;
        // The holder left: their photos are no longer anyone's work, only evidence.
        let holder = db::holders::find(c, handbook.holder_id)?.ok_or(PhotoError::NotFound)?;
        if holder.status == crate::domain::holder::HolderStatus::Withdrawn && !serves_evidence(reason) {
            return Err(PhotoError::EndedId);
        }
        db::photo_access::insert(
            c,
            &NewGrant { staff_id, handbook_id, reason, granted_at: at, expires_at: to_db(now + GRANT_FOR) },
        )?;
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::Staff(staff_id), "photos.access_stated", "handbook", handbook_id)
                .reason(reason)
                .details(json!({"minutes": GRANT_FOR.whole_minutes()}))
                .request_id(request_id),
        )?;
        Ok(())
    })
}

/// A stated reason that still holds once the ID has ended: an audit, or a fraud investigation.
fn serves_evidence(reason: &str) -> bool {
    REASONS
        .iter()
        .filter(|(code, _)| matches!(*code, "audit" | "fraud_investigation"))
        .any(|(_, label)| reason.starts_with(label))
}

/// Records that someone read a registration's transcribed data (on the review screen).
pub fn record_data_view(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    staff_id: i64,
    handbook_id: i64,
    basis: &Basis,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<(), Fault> {
    let mut entry = AuditEntry::new(Actor::Staff(staff_id), "registration.viewed", "handbook", handbook_id)
        .details(json!({"basis": if *basis == Basis::Claim { "claim" } else { "reason" }}))
        .request_id(request_id);
    if let Basis::Reason(reason) = basis {
        entry = entry.reason(reason);
    }
    audit::append_read(conn, keys, to_db(now), entry)?;
    Ok(())
}

/// Who is looking, and when.
pub struct Viewer<'a> {
    pub staff_id: i64,
    pub role: Role,
    pub now: OffsetDateTime,
    pub request_id: Option<&'a str>,
    pub audit: &'a crate::audit::AuditKeys,
}

/// Decrypts one photo for the viewer and records the view. Refusals write nothing.
pub fn view(
    conn: &mut DbConnection,
    store: &ImageStore,
    viewer: &Viewer<'_>,
    image_id: i64,
    variant: Variant,
) -> Result<Vec<u8>, PhotoError> {
    let Viewer { staff_id, role, now, request_id, audit: keys } = *viewer;
    let image = db::handbooks::find_image(conn, image_id)?.ok_or(PhotoError::NotFound)?;
    let handbook = db::handbooks::find(conn, image.handbook_id)?.ok_or(PhotoError::NotFound)?;
    let basis = basis(conn, staff_id, role, &handbook, now)?.ok_or(PhotoError::ReasonRequired(handbook.id))?;
    let key = match variant {
        Variant::Full => &image.storage_key,
        Variant::Thumb => &image.thumb_key,
    };
    let bytes = store.get(key).map_err(Fault::from)?;
    let mut entry = AuditEntry::new(Actor::Staff(staff_id), "image.viewed", "handbook_image", image_id)
        .details(json!({
            "handbook_id": handbook.id,
            "variant": variant.as_str(),
            "basis": if basis == Basis::Claim { "claim" } else { "reason" },
        }))
        .request_id(request_id);
    if let Basis::Reason(reason) = &basis {
        entry = entry.reason(reason);
    }
    audit::append_read(conn, keys, to_db(now), entry).map_err(Fault::from)?;
    Ok(bytes)
}

/// Sweeps the photo store ([`crate::images::sweep`]) and records what it removed, counted,
/// when it removed anything.
pub fn sweep_store(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    store: &crate::images::ImageStore,
    actor: Actor,
    now: OffsetDateTime,
) -> Result<crate::images::sweep::Swept, Fault> {
    let swept = crate::images::sweep::sweep(conn, store, now.into(), crate::images::sweep::MIN_AGE)?;
    if swept.temp_files + swept.orphan_photos > 0 {
        let at = to_db(now);
        write_tx(conn, |c| {
            audit::append(
                c,
                keys,
                at,
                AuditEntry::new(actor, "photos.swept", "store", "-")
                    .details(json!({"temp_files": swept.temp_files, "orphan_photos": swept.orphan_photos})),
            )?;
            Ok::<_, Fault>(())
        })?;
    }
    Ok(swept)
}

/// Photos written to the store before the transaction that records them (encrypting and
/// writing is slow; a transaction must not wait on it). Dropped without `keep`, the files go
/// again, so a failed registration or correction leaves no file without its row.
pub struct Staged<'s> {
    store: &'s ImageStore,
    keys: Vec<String>,
    keep: bool,
}

impl<'s> Staged<'s> {
    pub fn new(store: &'s ImageStore) -> Self {
        Self { store, keys: Vec::new(), keep: false }
    }

    /// Writes a processed photo and its thumbnail; returns the row that records them.
    pub fn put(
        &mut self,
        image: &crate::images::Processed,
        handbook_id: i64,
        page: i32,
        at: time::PrimitiveDateTime,
    ) -> Result<crate::db::handbooks::NewImage, crate::images::store::StoreError> {
        let storage_key = self.store.put(&image.full_jpeg)?;
        self.keys.push(storage_key.clone());
        let thumb_key = self.store.put(&image.thumb_jpeg)?;
        self.keys.push(thumb_key.clone());
        Ok(crate::db::handbooks::NewImage {
            handbook_id,
            page,
            storage_key,
            thumb_key,
            key_id: self.store.key_id(),
            original_sha256: image.original_sha256.clone(),
            original_bytes: image.original_bytes as i64,
            original_mime: image.source.mime().to_owned(),
            stored_bytes: image.full_jpeg.len() as i64,
            width: image.width as i32,
            height: image.height as i32,
            created_at: at,
        })
    }

    /// The rows committed: the files stay (or, `false`, they go when this is dropped).
    pub fn keep(&mut self, keep: bool) {
        self.keep = keep;
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if !self.keep {
            for key in &self.keys {
                if let Err(e) = self.store.remove(key) {
                    tracing::error!(error = %e, "could not remove a photo whose record failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_come_from_the_code_list() {
        assert_eq!(reason_text("audit", ""), Ok("監査".to_owned()));
        assert_eq!(
            reason_text("inquiry", " 事業者から照会 "),
            Ok("本人・事業者からの問い合わせ対応: 事業者から照会".to_owned())
        );
        assert!(reason_text("curious", "").is_err());
        assert!(reason_text("other", "なし").is_err(), "other needs a real explanation");
        assert!(reason_text("other", "別件の確認のため").is_ok());
        assert!(reason_text("audit", &"あ".repeat(201)).is_err());
    }
}
