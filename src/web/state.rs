//! What every handler can reach: the pool, the clock, the settings, the keys, the photo store,
//! the OCR engine, the throttles and metrics; and the two ways a handler reaches the services.

use std::sync::Arc;

use super::error::{AppError, AppResult};
use crate::clock::SharedClock;
use crate::images::ImageStore;
use crate::services::{DbConnection, Pool};
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// OCR of intake photos: on, off, or asked for and failed to load (the dashboard says which).
    pub ocr: crate::ocr::Status,
    pub clock: SharedClock,
    pub settings: Arc<Settings>,
    pub images: Arc<ImageStore>,
    /// The audit chain's keys, from the settings.
    pub audit: Arc<crate::audit::AuditKeys>,
    /// One permit per pooled connection: requests wait for a connection as parked tasks, not
    /// as blocked threads (which cost context switches on a small machine).
    pub db_permits: Arc<tokio::sync::Semaphore>,
    /// Password hashing, bounded apart from the database permits.
    pub hasher: Arc<crate::auth::hasher::Hasher>,
    /// This instance's attempt budgets (sign-in, card callers).
    pub throttles: Arc<super::throttles::Throttles>,
    /// This instance's Prometheus registry.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Set once shutdown began: workers give back what they hold and stop.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    /// Runs blocking database work on the blocking pool, inside the request's tracing span.
    pub async fn db<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        let _permit = {
            let _waiting = crate::metrics::Waiting::new(&self.metrics.db_waiting);
            self.db_permits.acquire().await.map_err(|_| AppError::Internal("database permits closed"))?
        };
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

    /// Runs blocking database work as this member of staff, now: the service's `Acting` is
    /// built here once, for every handler that acts.
    pub async fn as_staff<T, F>(&self, staff: &super::auth::CurrentStaff, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &crate::services::acting::Acting<'_>) -> AppResult<T> + Send + 'static,
    {
        let (staff_id, role, now, request_id) = (staff.id, staff.role, self.clock.now(), staff.request_id.clone());
        let keys = self.audit.clone();
        self.db(move |conn| {
            let acting =
                crate::services::acting::Acting { staff_id, role, now, request_id: Some(&request_id), audit: &keys };
            work(conn, &acting)
        })
        .await
    }
}
