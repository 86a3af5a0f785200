//! `GET /exports/{name}.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`: a CSV export streamed as it is
//! read (the rules are in `crate::services::exports`). A bad or reversed range comes back as a 400 on the
//! audit page naming the problem, never as an empty file.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use serde::Deserialize;

use super::access::Auditors;
use super::auth::RequireRole;
use super::error::{AppError, AppResult};
use super::state::AppState;
use crate::domain::period::Period;
use crate::services::exports::{self, ExportKind};

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn export(
    state: web::Data<AppState>,
    staff: RequireRole<Auditors>,
    name: web::Path<String>,
    query: web::Query<RangeQuery>,
) -> AppResult<HttpResponse> {
    let kind = name.strip_suffix(".csv").and_then(ExportKind::parse).ok_or(AppError::NotFound)?;
    let RangeQuery { from, to } = query.into_inner();
    let period = match Period::parse(&from, &to) {
        Ok(period) => period,
        Err(e) => {
            let banner = format!("CSVを出力できませんでした: {e}");
            return super::audit::page_with(&state, &staff, from, to, (false, banner), StatusCode::BAD_REQUEST).await;
        }
    };
    // One pooled connection for the whole export, taken like any other request's.
    let permit =
        state.db_permits.clone().acquire_owned().await.map_err(|_| AppError::Internal("database permits closed"))?;
    let (pool, keys, now) = (state.pool.clone(), state.audit.clone(), state.clock.now());
    let (staff_id, role, request_id) = (staff.id, staff.role, staff.request_id.clone());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let span = tracing::Span::current();
    actix_web::rt::task::spawn_blocking(move || {
        let _permit = permit;
        let _entered = span.enter();
        let acting =
            crate::services::acting::Acting { staff_id, role, now, request_id: Some(&request_id), audit: &keys };
        let sent = pool.get().map_err(crate::error::Fault::from).and_then(|mut conn| {
            exports::write(&mut conn, kind, period, &(&acting).into(), |chunk| {
                tx.blocking_send(Ok(Bytes::from(chunk))).is_ok()
            })
        });
        match sent {
            Ok(summary) if !summary.complete => {
                tracing::warn!(export = kind.name(), "export ended early: the connection closed")
            }
            Ok(summary) => {
                tracing::info!(export = kind.name(), rows = summary.rows, bytes = summary.bytes, "export sent")
            }
            Err(e) => {
                tracing::error!(export = kind.name(), error = %e, "export failed");
                // The client sees a cut-off download rather than a file that looks complete.
                let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
            }
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let file = format!("{}-{}-{}.csv", kind.name(), period.from, period.to);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
        .streaming(body))
}
