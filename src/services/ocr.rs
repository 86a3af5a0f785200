//! The OCR job: reads a new registration's photos once, off the request path, with the engine
//! behind `ocr::TextReader`, and stores what it read as suggestions with their audit events.
//! One job at a time per process (the engine's one core); the worker loop is `jobs::every`.

use serde_json::json;
use time::{Duration, PrimitiveDateTime};

use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::to_db;
use crate::db::ocr::{self, SuggestionRow};
use crate::db::{DbConnection, write_tx};
use crate::domain::ocr_fields::{self, PageLines};
use crate::domain::transcription::TranscriptionInput;
use crate::error::Fault;
use crate::images::ImageStore;
use crate::ocr::TextReader;
use crate::services::review::ReviewFailure;

/// Long enough for a slow read of several photos; a crashed worker's job comes back after it.
const LEASE: Duration = Duration::minutes(5);
/// Attempts before a job is given up (a photo the engine cannot read stays unreadable).
pub const ATTEMPTS: i32 = 3;

/// Why a pass broke off (a photo that cannot be read is not this: its job is retried or failed).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Fault(#[from] Fault),
    #[error(transparent)]
    Review(#[from] ReviewFailure),
}

impl From<diesel::result::Error> for JobError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Fault(e.into())
    }
}

/// Why one registration's photos could not be read.
#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Store(#[from] crate::images::store::StoreError),
    #[error(transparent)]
    Ocr(#[from] crate::ocr::OcrError),
}

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
) -> Result<Pass, JobError> {
    let token = crate::secrets::random::token(16);
    let Some((id, attempt)) = ocr::claim(conn, to_db(clock()), LEASE, &token)? else { return Ok(Pass::Idle) };
    if attempt > ATTEMPTS {
        // Earlier attempts never ended: the reader stopped the process (a crash, the memory
        // limit). Reading the same photos again would stop it again.
        fail(conn, keys, id, &token, attempt, "the reader stopped during earlier attempts", to_db(clock()))?;
        return Ok(Pass::Failed(id));
    }
    let open = |conn: &mut DbConnection| -> diesel::QueryResult<bool> {
        Ok(crate::db::handbooks::lock(conn, id)?.is_some_and(|h| h.status.is_undecided()))
    };
    if !open(conn)? {
        ocr::finish(conn, id, &token, ocr::SKIPPED, to_db(clock()))?;
        return Ok(Pass::Skipped(id));
    }
    let read = read_photos(conn, store, reader, id);
    let at = to_db(clock());
    match read {
        Ok(read) => {
            let stored = write_tx(conn, |c| -> Result<bool, ReviewFailure> {
                // Decided or replaced while its photos were read: nothing left to suggest to.
                if !open(c)? {
                    ocr::finish(c, id, &token, ocr::SKIPPED, at)?;
                    return Ok(false);
                }
                if !ocr::finish(c, id, &token, ocr::DONE, at)? {
                    return Ok(false);
                }
                let saved = crate::services::review::transcribe::latest_input(c, id)?.map(|(input, _)| input);
                ocr::insert_suggestions(c, &rows(id, &read, saved.as_ref(), at))?;
                let fields: Vec<&str> = read.suggestions.iter().map(|s| s.field.name()).collect();
                audit::append(
                    c,
                    keys,
                    at,
                    AuditEntry::new(Actor::System, "registration.ocr_read", "handbook", id)
                        .details(json!({"photos": read.pages.len(), "fields": fields, "attempt": attempt})),
                )?;
                Ok(true)
            })?;
            let fields = read.suggestions.len();
            Ok(if stored { Pass::Read { handbook_id: id, fields } } else { Pass::Skipped(id) })
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

/// What was read on one registration's photos, before it is stored.
struct Read {
    suggestions: Vec<ocr_fields::Suggestion>,
    pages: Vec<PageLines>,
    /// The photos' numbers (`handbook_images.page`), in the order they were read.
    photo_pages: Vec<i32>,
}

fn read_photos(
    conn: &mut DbConnection,
    store: &ImageStore,
    reader: &dyn TextReader,
    id: i64,
) -> Result<Read, ReadError> {
    let images = crate::db::handbooks::images_of(conn, id)?;
    let mut photos = Vec::with_capacity(images.len());
    for image in &images {
        let bytes = store.get(&image.storage_key)?;
        photos.push(image::load_from_memory(&bytes).map_err(|_| crate::ocr::OcrError::Decode)?.to_rgb8());
    }
    let pages = crate::ocr::read_photos(reader, &photos)?;
    Ok(Read { suggestions: ocr_fields::extract(&pages), pages, photo_pages: images.iter().map(|i| i.page).collect() })
}

/// The rows to store, settled at once against a transcription saved before the read ended.
fn rows(id: i64, read: &Read, saved: Option<&TranscriptionInput>, at: PrimitiveDateTime) -> Vec<SuggestionRow> {
    read.suggestions
        .iter()
        .map(|s| {
            let field = s.field.name();
            let source =
                s.source.map(|(p, l)| (read.photo_pages.get(p).copied(), l as i32, read.pages[p].lines[l].bbox));
            let outcome = saved.and_then(|input| ocr_fields::settle(field, &s.value, input));
            SuggestionRow {
                handbook_id: id,
                field: field.to_owned(),
                value: s.value.clone(),
                confidence: (s.confidence.clamp(0.0, 1.0) * 100.0).round() as i32,
                page: source.and_then(|(page, _, _)| page),
                line: source.map(|(_, line, _)| line),
                box_x: source.map(|(_, _, b)| b.x as i32),
                box_y: source.map(|(_, _, b)| b.y as i32),
                box_w: source.map(|(_, _, b)| b.w as i32),
                box_h: source.map(|(_, _, b)| b.h as i32),
                outcome: outcome.map(|o| o.as_str().to_owned()),
                outcome_at: outcome.map(|_| at),
                created_at: at,
            }
        })
        .collect()
}
