//! Marking where the face photo is on a page, so the app's card can show the face and nothing
//! else of the page. The crop is cut once, here, and stored encrypted like the pages.

use serde_json::json;

use super::{Acting, ReviewFailure, claim_state};
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::face::FaceBox;
use crate::domain::review;
use crate::error::Fault;
use crate::images::ImageStore;

/// Why a face box was not kept, beyond the review rules.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    #[error("the photo is not one of this registration's")]
    NotThisRegistration,
    #[error("the stored photo could not be cut")]
    Unreadable,
}

/// Cuts the face out of `image_id` and records it on the registration; the reviewer must hold
/// the claim. A crop it replaces is removed after commit; a crop whose record fails is removed
/// at once, so no stray file outlives its row.
pub fn mark(
    conn: &mut DbConnection,
    store: &ImageStore,
    handbook_id: i64,
    image_id: i64,
    face: FaceBox,
    acting: &Acting<'_>,
) -> Result<Result<(), FaceError>, ReviewFailure> {
    let row = db::handbooks::find(conn, handbook_id)?.ok_or(ReviewFailure::NotFound)?;
    review::may_mark_face(&claim_state(&row), acting.staff_id, acting.role, acting.now)?;
    let Some(image) = db::handbooks::find_image(conn, image_id)?.filter(|i| i.handbook_id == handbook_id) else {
        return Ok(Err(FaceError::NotThisRegistration));
    };
    let page = store.get(&image.storage_key).map_err(Fault::from)?;
    let Ok(crop) = crate::images::process::crop_face(&page, face) else { return Ok(Err(FaceError::Unreadable)) };
    let key = store.put(&crop).map_err(Fault::from)?;
    let now = to_db(acting.now);
    let recorded = write_tx(conn, |c| {
        // Checked again under the lock: the claim may have lapsed while the crop was cut.
        let row = super::lock_registration(c, handbook_id)?;
        review::may_mark_face(&claim_state(&row), acting.staff_id, acting.role, acting.now)?;
        let old = db::handbooks::set_face(c, handbook_id, image_id, &face.to_code(), &key, now)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.face_marked", "handbook", handbook_id)
                .details(json!({"image_id": image_id, "box": face.to_code()}))
                .request_id(acting.request_id),
        )?;
        Ok::<_, ReviewFailure>(old)
    });
    let stale = match recorded {
        Ok(old) => old,
        Err(e) => {
            remove(store, &key);
            return Err(e);
        }
    };
    if let Some(old) = stale {
        remove(store, &old);
    }
    Ok(Ok(()))
}

fn remove(store: &ImageStore, key: &str) {
    if let Err(e) = store.remove(key) {
        tracing::warn!(error = %e, "a face crop file could not be removed");
    }
}

/// The box on record: its photo and the box, when one was marked.
pub fn current(conn: &mut DbConnection, handbook_id: i64) -> Result<Option<(i64, FaceBox)>, Fault> {
    Ok(db::handbooks::face_of(conn, handbook_id)?.and_then(|f| {
        let image = f.image_id?;
        let face = FaceBox::from_code(f.face_box.as_deref()?)?;
        f.key.is_some().then_some((image, face))
    }))
}

/// Marks the box posted with the review form unless it is the one on record (saving the
/// transcription again does not cut the crop again).
pub fn keep(
    conn: &mut DbConnection,
    store: &ImageStore,
    handbook_id: i64,
    image_id: i64,
    face: FaceBox,
    acting: &Acting<'_>,
) -> Result<Result<(), FaceError>, ReviewFailure> {
    if current(conn, handbook_id)? == Some((image_id, face)) {
        return Ok(Ok(()));
    }
    mark(conn, store, handbook_id, image_id, face, acting)
}
