//! What each background worker does in one pass: the wiring of the use cases and adapters the
//! workers run (`jobs` holds only the loop).

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;

use crate::audit::Actor;
use crate::error::Fault;
use crate::jobs::Next;
use crate::jobs::transport::Transport;
use crate::myna::portal::MynaPortal;
use crate::ocr::TextReader;
use crate::web::state::AppState;

/// Sends the notices decisions left in the outbox; a stop ends the batch between two notices.
pub(super) fn notices(
    state: &AppState,
    transport: Arc<dyn Transport>,
) -> impl Fn() -> Result<Next, Fault> + Send + Sync + 'static {
    let (pool, clock, keys, stop) =
        (state.pool.clone(), state.clock.clone(), state.audit.clone(), state.stopping.clone());
    move || {
        let mut conn = pool.get()?;
        let tried = crate::jobs::notify::run_pass(&mut conn, &keys, transport.as_ref(), &|| clock.now(), &stop)?;
        Ok(if tried > 0 { Next::Again } else { Next::Wait })
    }
}

/// Reads one new registration's photos with OCR.
pub(super) fn ocr(
    state: &AppState,
    reader: Arc<dyn TextReader>,
) -> impl Fn() -> Result<Next, crate::services::ocr::JobError> + Send + Sync + 'static {
    let (pool, store, keys, clock) =
        (state.pool.clone(), state.images.clone(), state.audit.clone(), state.clock.clone());
    move || {
        let mut conn = pool.get().map_err(Fault::from)?;
        let pass = crate::services::ocr::run_once(&mut conn, &store, reader.as_ref(), &keys, &|| clock.now())?;
        Ok(if pass == crate::services::ocr::Pass::Idle { Next::Wait } else { Next::Again })
    }
}

/// Purges the Myna Portal values whose consent has ended.
pub(super) fn myna_purge(state: &AppState) -> impl Fn() -> Result<Next, Fault> + Send + Sync + 'static {
    let (pool, clock, keys) = (state.pool.clone(), state.clock.clone(), state.audit.clone());
    move || {
        let n = crate::services::myna::purge::expired(&mut *pool.get()?, &keys, Actor::System, clock.now())?;
        if n > 0 {
            tracing::info!(consents = n, "Myna Portal values purged");
        }
        Ok(Next::Wait)
    }
}

/// Applies the retention schedule (`services::retention`).
pub(super) fn retention(state: &AppState) -> impl Fn() -> Result<Next, Fault> + Send + Sync + 'static {
    let (pool, clock, keys, store) =
        (state.pool.clone(), state.clock.clone(), state.audit.clone(), state.images.clone());
    let schedule = state.settings.retention;
    move || {
        let receipt =
            crate::services::retention::run(&mut *pool.get()?, &store, &schedule, &keys, Actor::System, clock.now())?;
        if receipt.registrations > 0 {
            tracing::info!(registrations = receipt.registrations, holders = receipt.holders, "retention applied");
        }
        Ok(Next::Wait)
    }
}

/// Sends the Myna Portal requests that are due (a request made while the municipal server is
/// closed simply comes due at its next opening).
pub(super) fn myna_requests(
    state: &AppState,
    portal: Arc<dyn MynaPortal>,
) -> impl FnMut() -> BoxFuture<'static, anyhow::Result<Next>> + Send + 'static {
    let (pool, clock, keys) = (state.pool.clone(), state.clock.clone(), state.audit.clone());
    move || {
        let (pool, clock, keys, portal) = (pool.clone(), clock.clone(), keys.clone(), portal.clone());
        Box::pin(async move {
            let pass = crate::services::myna::requests::run_due(&pool, portal.as_ref(), &keys, clock.now()).await?;
            if pass != crate::services::myna::requests::Pass::default() {
                tracing::info!(
                    sent = pass.sent,
                    waiting = pass.waiting,
                    ended = pass.ended,
                    "Myna Portal requests run"
                );
            }
            Ok(Next::Wait)
        })
    }
}

/// Writes a signed checkpoint of the audit chain's head when the chain has moved since the last
/// (and `Application::run_until_stopped` writes one more when the server stops).
pub(super) fn audit_checkpoints(state: &AppState) -> impl Fn() -> Result<Next, Fault> + Send + Sync + 'static {
    let (pool, clock, keys) = (state.pool.clone(), state.clock.clone(), state.audit.clone());
    let dir = state.settings.audit_checkpoint_dir.clone();
    let last = Mutex::new(None);
    move || {
        let mut conn = pool.get()?;
        let head = crate::db::audit::head(&mut conn)?.0;
        let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
        if *last != Some(head) {
            *last = crate::audit::checkpoint_now(&mut conn, &keys, &dir, clock.now())?.map(|c| c.seq);
        }
        Ok(Next::Wait)
    }
}

/// Removes what a crash left in the photo store (temporary files, files no row names).
pub(super) fn photo_sweep(state: &AppState) -> impl Fn() -> Result<Next, Fault> + Send + Sync + 'static {
    let (pool, clock, keys, store) =
        (state.pool.clone(), state.clock.clone(), state.audit.clone(), state.images.clone());
    move || {
        let swept = crate::services::photos::sweep_store(&mut *pool.get()?, &keys, &store, Actor::System, clock.now())?;
        tracing::info!(temp_files = swept.temp_files, orphan_photos = swept.orphan_photos, "photo store swept");
        Ok(Next::Wait)
    }
}

/// Keeps planner statistics fresh while the server runs (`db::refresh_statistics`).
pub(super) fn statistics(state: &AppState) -> impl Fn() -> Result<Next, Fault> + Send + Sync + 'static {
    let pool = state.pool.clone();
    move || {
        crate::db::refresh_statistics(&mut *pool.get()?)?;
        Ok(Next::Wait)
    }
}

/// Keeps the SQLite write-ahead log short (`db::checkpoint`).
pub(super) fn wal_checkpoint(state: &AppState) -> impl Fn() -> Result<Next, Fault> + Send + Sync + 'static {
    let pool = state.pool.clone();
    move || {
        crate::db::checkpoint(&mut *pool.get()?, crate::db::WAL_RESTART_FRAMES)?;
        Ok(Next::Wait)
    }
}

/// Forgets the budget windows of yesterday and before (card credentials, sign-in).
pub(super) fn card_budget_prune(state: &AppState) -> impl Fn() -> Result<Next, Fault> + Send + Sync + 'static {
    let (pool, clock) = (state.pool.clone(), state.clock.clone());
    move || {
        let mut conn = pool.get()?;
        crate::services::card::prune_budgets(&mut conn, clock.now())?;
        crate::services::accounts::budgets::prune(&mut conn, clock.now())?;
        Ok(Next::Wait)
    }
}
