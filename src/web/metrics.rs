//! Counting every answered request, and `/metrics` on the metrics listener.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use super::state::AppState;
use crate::metrics::UNMATCHED;

/// Times the request and counts it under its route template once it is answered (error pages
/// included).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let metrics = req.app_data::<web::Data<AppState>>().map(|state| state.metrics.clone());
    let method = req.method().clone();
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        let (status, route) = match &result {
            Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
            Err(e) => (e.as_response_error().status_code().as_u16(), None),
        };
        metrics.observe(&method, route.as_deref().unwrap_or(UNMATCHED), status, started.elapsed().as_secs_f64());
    }
    result
}

/// The registry, with the pool and the waiting work read now.
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.state();
    state.metrics.set_pool(pool.connections, pool.idle_connections, state.pool.max_size());
    match state.db(|conn| Ok(crate::services::operations::gauges(conn)?)).await {
        Ok(gauges) => state.metrics.set_gauges(&gauges, state.clock.db_now()),
        // The request counters still answer; the stale gauges say when the database did not.
        Err(e) => tracing::warn!(error = %e, "metrics: the database gauges could not be read"),
    }
    match state.metrics.encode() {
        Ok(text) => {
            HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(text)
        }
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
