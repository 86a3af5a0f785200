//! Background work run inside `serve`: rows claimed with a lease, so a restart or a second
//! instance never loses or doubles a job.

pub mod notify;

/// Keeps the SQLite write-ahead log short, off the request path (see `db::checkpoint`).
pub async fn checkpoint(pool: crate::db::Pool) {
    loop {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
        let pool = pool.clone();
        let done =
            actix_web::web::block(move || -> anyhow::Result<()> { Ok(crate::db::checkpoint(&mut *pool.get()?)?) })
                .await;
        if let Ok(Err(e)) = done {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}
pub mod transport;
