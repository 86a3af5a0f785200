//! What every handler can reach: the pool, the clock and the settings.

use std::sync::Arc;

use super::error::{AppError, AppResult};
use crate::clock::SharedClock;
use crate::db::{DbConnection, Pool};
use crate::images::ImageStore;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub clock: SharedClock,
    pub settings: Arc<Settings>,
    pub images: Arc<ImageStore>,
    /// One permit per pooled connection: requests wait for a connection as parked tasks, not
    /// as blocked threads (which cost context switches on a small machine).
    pub db_permits: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Runs blocking database work on the blocking pool, inside the request's tracing span.
    pub async fn db<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        let _permit = self.db_permits.acquire().await.map_err(|_| AppError::Internal("database permits closed"))?;
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(AppError::from)?
    }
}
