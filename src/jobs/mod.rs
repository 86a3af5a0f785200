//! Background work run inside `serve`: rows claimed with a lease, so a restart or a second
//! instance never loses or doubles a job.

pub mod notify;

/// Keeps the SQLite write-ahead log short, off the request path (see `db::checkpoint`).
pub async fn checkpoint(pool: crate::db::Pool) {
    loop {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
        let pool = pool.clone();
        let done = actix_web::web::block(move || -> anyhow::Result<()> {
            Ok(crate::db::checkpoint(&mut *pool.get()?, crate::db::WAL_RESTART_FRAMES)?)
        })
        .await;
        if let Ok(Err(e)) = done {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}
pub mod transport;

/// Keeps planner statistics fresh while the server runs (`db::refresh_statistics`).
pub async fn statistics(pool: crate::db::Pool, every: std::time::Duration) {
    loop {
        actix_web::rt::time::sleep(every).await;
        let pool = pool.clone();
        let done = actix_web::web::block(move || -> anyhow::Result<()> {
            Ok(crate::db::refresh_statistics(&mut *pool.get()?)?)
        })
        .await;
        if let Ok(Err(e)) = done {
            tracing::warn!(error = %e, "refreshing planner statistics failed");
        }
    }
}

/// Writes a signed checkpoint of the audit chain's head every `every` when the chain moved
/// (and `Application::run_until_stopped` writes one more when the server stops).
pub async fn audit_checkpoints(
    pool: crate::db::Pool,
    clock: crate::clock::SharedClock,
    keys: std::sync::Arc<crate::audit::AuditKeys>,
    dir: std::path::PathBuf,
    every: std::time::Duration,
) {
    let mut last = None;
    loop {
        actix_web::rt::time::sleep(every).await;
        let (pool, clock, keys, dir) = (pool.clone(), clock.clone(), keys.clone(), dir.clone());
        let written = actix_web::web::block(move || -> anyhow::Result<Option<i64>> {
            let mut conn = pool.get()?;
            let head = crate::db::audit::head(&mut conn)?.0;
            if Some(head) == last {
                return Ok(last);
            }
            Ok(crate::audit::checkpoint_now(&mut conn, &keys, &dir, clock.now())?.map(|c| c.seq))
        })
        .await;
        match written {
            Ok(Ok(seq)) => last = seq,
            Ok(Err(e)) => tracing::error!(error = %e, "audit checkpoint failed"),
            Err(e) => tracing::error!(error = %e, "audit checkpoint task failed"),
        }
    }
}

/// Purges the Myna Portal values whose consent has ended, every `every`.
pub async fn myna_purge(
    pool: crate::db::Pool,
    clock: crate::clock::SharedClock,
    keys: std::sync::Arc<crate::audit::AuditKeys>,
    every: std::time::Duration,
) {
    loop {
        let (pool, clock, keys) = (pool.clone(), clock.clone(), keys.clone());
        let done = actix_web::web::block(move || -> anyhow::Result<usize> {
            let mut conn = pool.get()?;
            Ok(crate::services::myna::purge::expired(&mut conn, &keys, crate::audit::Actor::System, clock.now())?)
        })
        .await;
        match done {
            Ok(Ok(n)) if n > 0 => tracing::info!(consents = n, "Myna Portal values purged"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "Myna Portal purge failed"),
            Err(e) => tracing::error!(error = %e, "Myna Portal purge task failed"),
        }
        actix_web::rt::time::sleep(every).await;
    }
}

/// Sends the Myna Portal requests that are due, every `idle` (a request made while the
/// municipal server is closed simply comes due at its next opening).
pub async fn myna_requests(
    pool: crate::db::Pool,
    clock: crate::clock::SharedClock,
    keys: std::sync::Arc<crate::audit::AuditKeys>,
    portal: std::sync::Arc<dyn crate::myna::portal::MynaPortal>,
    idle: std::time::Duration,
) {
    loop {
        match crate::services::myna::requests::run_due(&pool, portal.as_ref(), &keys, clock.now()).await {
            Ok(pass) if pass != crate::services::myna::requests::Pass::default() => {
                tracing::info!(
                    sent = pass.sent,
                    waiting = pass.waiting,
                    ended = pass.ended,
                    "Myna Portal requests run"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "Myna Portal request run failed"),
        }
        actix_web::rt::time::sleep(idle).await;
    }
}
