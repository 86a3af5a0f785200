//! Erasing a holder's personal data (抹消 and e-mail deletion), inside the sanction's
//! transaction. What auditors need stays: the holder row with its public ID and status, the
//! sanctions and decisions with the staff's own reasons (notes), reports, photo-access grants
//! (staff reasons, no holder data) and the audit chain, which still verifies. Everything that
//! came from the holder or was written to them goes.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{
    decisions, defects, handbook_fields, handbook_images, handbooks, holders, notifications, transcriptions,
};

/// The erased notice text: the outbox row stays (it was sent, or failed), its words do not.
const ERASED: &str = "（抹消により削除）";

/// Erases the e-mail address, from the holder and from notices not yet sent.
pub fn email(conn: &mut DbConnection, holder_id: i64, at: PrimitiveDateTime) -> QueryResult<()> {
    diesel::update(holders::table.find(holder_id))
        .set((holders::email.eq(None::<String>), holders::updated_at.eq(at), holders::version.eq(holders::version + 1)))
        .execute(conn)?;
    diesel::update(notifications::table.filter(notifications::holder_id.eq(holder_id)))
        .set(notifications::recipient.eq(None::<String>))
        .execute(conn)?;
    super::contacts::erase_email_changes(conn, holder_id)?;
    Ok(())
}

/// Erases everything personal of the holder and returns the photo store keys (full photos,
/// thumbnails and face crops) to remove once the transaction has committed.
pub fn holder(conn: &mut DbConnection, holder_id: i64, at: PrimitiveDateTime) -> QueryResult<Vec<String>> {
    let ids: Vec<i64> = handbooks::table.filter(handbooks::holder_id.eq(holder_id)).select(handbooks::id).load(conn)?;
    let keys = handbook_content(conn, &ids)?;
    diesel::update(notifications::table.filter(notifications::holder_id.eq(holder_id)))
        .set((
            notifications::recipient.eq(None::<String>),
            notifications::subject.eq(ERASED),
            notifications::body.eq(ERASED),
            notifications::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    super::requests::erase_details(conn, holder_id)?;
    super::contacts::erase_notes(conn, holder_id)?;
    super::contacts::erase_email_changes(conn, holder_id)?;
    diesel::update(holders::table.find(holder_id))
        .set((
            holders::email.eq(None::<String>),
            holders::deleted_at.eq(at),
            holders::updated_at.eq(at),
            holders::version.eq(holders::version + 1),
        ))
        .execute(conn)?;
    Ok(keys)
}

/// Erases what registrations hold of the handbook (photos, face crops, transcriptions, OCR
/// readings, the values in defects, decisions and correction proposals) and returns the photo
/// store keys to remove after commit. The registrations' rows (kind, status, dates) stay: the
/// minimal record. Shared by 抹消 and the retention schedule.
pub fn handbook_content(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<String>> {
    let keys: Vec<(String, String)> = handbook_images::table
        .filter(handbook_images::handbook_id.eq_any(ids))
        .select((handbook_images::storage_key, handbook_images::thumb_key))
        .load(conn)?;
    let faces: Vec<Option<String>> =
        handbooks::table.filter(handbooks::id.eq_any(ids)).select(handbooks::face_key).load(conn)?;
    diesel::update(handbooks::table.filter(handbooks::id.eq_any(ids)))
        .set((
            handbooks::face_image_id.eq(None::<i64>),
            handbooks::face_box.eq(None::<String>),
            handbooks::face_key.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::delete(handbook_images::table.filter(handbook_images::handbook_id.eq_any(ids))).execute(conn)?;
    diesel::delete(handbook_fields::table.filter(handbook_fields::handbook_id.eq_any(ids))).execute(conn)?;
    diesel::delete(transcriptions::table.filter(transcriptions::handbook_id.eq_any(ids))).execute(conn)?;
    super::ocr::erase(conn, ids)?;
    diesel::update(defects::table.filter(defects::handbook_id.eq_any(ids)))
        .set((defects::before_value.eq(None::<String>), defects::after_value.eq(None::<String>)))
        .execute(conn)?;
    // What the holder was told (and the corrected values, which are the handbook's words).
    diesel::update(decisions::table.filter(decisions::handbook_id.eq_any(ids)))
        .set((decisions::holder_message.eq(""), decisions::corrections.eq("[]")))
        .execute(conn)?;
    super::corrections::forget_images(conn, ids)?;
    Ok(keys.into_iter().flat_map(|(full, thumb)| [full, thumb]).chain(faces.into_iter().flatten()).collect())
}
