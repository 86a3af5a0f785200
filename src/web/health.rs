//! `GET /healthz` for load balancers: the process answers and the database does.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

use super::state::AppState;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let database_ok = state.db(|conn| Ok(conn.batch_execute("SELECT 1")?)).await.is_ok();
    if database_ok {
        HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "error", "database": "unavailable"}))
    }
}
