//! The OCR worker: reads a new registration's photos once, off the request path, and stores
//! what it read as suggestions. One job at a time per process (the engine's one core).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use time::{Duration, PrimitiveDateTime};

use super::TextReader;
use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::{SharedClock, to_db};
use crate::db::ocr::{self, SuggestionRow};
use crate::db::{DbConnection, Pool, write_tx};
use crate::domain::handbook::ReviewStatus;
use crate::domain::ocr_fields;
use crate::images::ImageStore;

/// Long enough for a slow read of several photos; a crashed worker's job comes back after it.
const LEASE: Duration = Duration::minutes(5);
/// Attempts before a job is given up (a photo the engine cannot read stays unreadable).
pub const ATTEMPTS: i32 = 3;

/// What one pass did.
#[derive(Debug, PartialEq, Eq)]
pub enum Pass {
    Idle,
    Read { handbook_id: i64, fields: usize },
    Skipped(i64),
    Retry(i64),
    Failed(i64),
}

/// Claims one due job and reads its photos. `clock` is read again after the read: a read takes
/// seconds, and what it records must not be dated before events appended meanwhile.
pub fn run_once(
    conn: &mut DbConnection,
    store: &ImageStore,
    reader: &dyn TextReader,
    keys: &AuditKeys,
    clock: &dyn Fn() -> time::OffsetDateTime,
) -> anyhow::Result<Pass> {
    let token = crate::secrets::random::token(16);
    let Some((id, attempt)) = ocr::claim(conn, to_db(clock()), LEASE, &token)? else { return Ok(Pass::Idle) };
    if attempt > ATTEMPTS {
        // Earlier attempts never ended: the reader stopped the process (a crash, the memory
        // limit). Reading the same photos again would stop it again.
        fail(conn, keys, id, &token, attempt, "the reader stopped during earlier attempts", to_db(clock()))?;
        return Ok(Pass::Failed(id));
    }
    if !is_open(conn, id)? {
        ocr::finish(conn, id, &token, ocr::SKIPPED, to_db(clock()))?;
        return Ok(Pass::Skipped(id));
    }
    let read = read_photos(conn, store, reader, id);
    let at = to_db(clock());
    match read {
        Ok((rows, photos)) => {
            let fields: Vec<String> = rows.iter().map(|r| r.field.clone()).collect();
            let count = rows.len();
            let stored = write_tx(conn, |c| -> Result<bool, crate::review::ReviewFailure> {
                // Decided or replaced while its photos were read: nothing left to suggest to.
                let open = crate::db::handbooks::lock(c, id)?
                    .is_some_and(|h| matches!(h.status, ReviewStatus::Submitted | ReviewStatus::InReview));
                if !open {
                    ocr::finish(c, id, &token, ocr::SKIPPED, at)?;
                    return Ok(false);
                }
                if !ocr::finish(c, id, &token, ocr::DONE, at)? {
                    return Ok(false);
                }
                // A transcription saved before the read ended settles the new suggestions at once.
                let saved = crate::review::transcribe::latest_input(c, id)?.map(|(input, _)| input);
                let rows: Vec<SuggestionRow> = rows
                    .iter()
                    .cloned()
                    .map(|r| {
                        let outcome = saved.as_ref().and_then(|input| settled(&r, input));
                        SuggestionRow {
                            created_at: at,
                            outcome_at: outcome.map(|_| at),
                            outcome: outcome.map(|o| o.as_str().to_owned()),
                            ..r
                        }
                    })
                    .collect();
                ocr::insert_suggestions(c, &rows)?;
                audit::append(
                    c,
                    keys,
                    at,
                    AuditEntry::new(Actor::System, "registration.ocr_read", "handbook", id)
                        .details(json!({"photos": photos, "fields": fields, "attempt": attempt})),
                )?;
                Ok(true)
            })?;
            Ok(if stored { Pass::Read { handbook_id: id, fields: count } } else { Pass::Skipped(id) })
        }
        Err(e) => {
            // The error names a kind of failure, never the photo's content.
            tracing::warn!(handbook = id, attempt, error = %e, "OCR of a registration's photos failed");
            if attempt < ATTEMPTS {
                ocr::retry_at(conn, id, &token, at + Duration::minutes(i64::from(attempt)))?;
                return Ok(Pass::Retry(id));
            }
            fail(conn, keys, id, &token, attempt, &e.to_string(), at)?;
            Ok(Pass::Failed(id))
        }
    }
}

fn is_open(conn: &mut DbConnection, id: i64) -> diesel::QueryResult<bool> {
    Ok(crate::db::handbooks::find(conn, id)?
        .is_some_and(|h| matches!(h.status, ReviewStatus::Submitted | ReviewStatus::InReview)))
}

/// What a saved transcription says of a suggestion that arrives after it.
fn settled(
    row: &SuggestionRow,
    input: &crate::domain::transcription::TranscriptionInput,
) -> Option<ocr_fields::Outcome> {
    let field = crate::domain::transcription::Field::from_name(&row.field)?;
    let kind = crate::domain::handbook::HandbookKind::parse(&input.kind)?;
    ocr_fields::outcome(field, kind, &row.value, &ocr_fields::saved_value(field, input))
}

fn fail(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    id: i64,
    token: &str,
    attempt: i32,
    error: &str,
    at: PrimitiveDateTime,
) -> diesel::QueryResult<()> {
    write_tx(conn, |c| {
        if ocr::finish(c, id, token, ocr::FAILED, at)? {
            audit::append(
                c,
                keys,
                at,
                AuditEntry::new(Actor::System, "registration.ocr_failed", "handbook", id)
                    .details(json!({"attempts": attempt, "error": error})),
            )?;
        }
        Ok(())
    })
}

fn read_photos(
    conn: &mut DbConnection,
    store: &ImageStore,
    reader: &dyn TextReader,
    id: i64,
) -> anyhow::Result<(Vec<SuggestionRow>, usize)> {
    let images = crate::db::handbooks::images_of(conn, id)?;
    let mut photos = Vec::with_capacity(images.len());
    for image in &images {
        let bytes = store.get(&image.storage_key)?;
        photos.push(image::load_from_memory(&bytes).map_err(|_| super::OcrError::Decode)?.to_rgb8());
    }
    let pages = super::read_photos(reader, &photos)?;
    drop(photos);
    let rows = ocr_fields::extract(&pages)
        .into_iter()
        .map(|s| {
            let (page, line, bbox) = match s.source {
                Some((p, l)) => {
                    let bbox = pages[p].lines[l].bbox;
                    (images.get(p).map(|i| i.page), Some(l as i32), Some(bbox))
                }
                None => (None, None, None),
            };
            SuggestionRow {
                handbook_id: id,
                field: s.field.name().to_owned(),
                value: s.value,
                confidence: (s.confidence.clamp(0.0, 1.0) * 100.0).round() as i32,
                page,
                line,
                box_x: bbox.map(|b| b.x as i32),
                box_y: bbox.map(|b| b.y as i32),
                box_w: bbox.map(|b| b.w as i32),
                box_h: bbox.map(|b| b.h as i32),
                outcome: None,
                outcome_at: None,
                created_at: PrimitiveDateTime::MIN,
            }
        })
        .collect();
    Ok((rows, images.len()))
}

/// The worker loop inside `serve` and `demo`.
pub async fn run(
    pool: Pool,
    store: Arc<ImageStore>,
    reader: Arc<dyn TextReader>,
    keys: Arc<AuditKeys>,
    clock: SharedClock,
    idle: std::time::Duration,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Acquire) {
        let (pool, store, reader, keys, clock) =
            (pool.clone(), store.clone(), reader.clone(), keys.clone(), clock.clone());
        let pass = actix_web::web::block(move || -> anyhow::Result<Pass> {
            let mut conn = pool.get()?;
            run_once(&mut conn, &store, reader.as_ref(), &keys, &|| clock.now())
        })
        .await;
        let worked = match pass {
            Ok(Ok(Pass::Idle)) => false,
            Ok(Ok(_)) => true,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "OCR worker failed");
                false
            }
            Err(e) => {
                tracing::error!(error = %e, "OCR worker task failed");
                false
            }
        };
        if !worked {
            actix_web::rt::time::sleep(idle).await;
        }
    }
}
