//! `GET /healthz` for load balancers: the process answers and the database does.
//! `GET /readyz`: this instance should be sent requests: the database and the photo store
//! answer, and it is not shutting down (a balancer then drains it before it stops).

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::state::AppState;
use crate::services::operations;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let database_ok = state.db(|conn| Ok(operations::database_answers(conn)?)).await.is_ok();
    if database_ok {
        HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "error", "database": "unavailable"}))
    }
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let stopping = state.stopping.load(std::sync::atomic::Ordering::Acquire);
    let database_ok = !stopping && state.db(|conn| Ok(operations::database_answers(conn)?)).await.is_ok();
    // A bucket is asked over the network: off the request threads.
    let images = state.images.clone();
    let store_ok = !stopping && actix_web::web::block(move || images.is_reachable()).await.unwrap_or(false);
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let body = json!({
        "status": if stopping { "stopping" } else if database_ok && store_ok { "ok" } else { "error" },
        "database": word(database_ok),
        "photo_store": word(store_ok),
    });
    if database_ok && store_ok { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}
