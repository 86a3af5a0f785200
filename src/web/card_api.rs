//! `GET /api/v1/holders/{public_id}/card`: what the app may show at a counter. Only
//! approved (or corrected) handbooks that have not expired, and only while the holder's ID is
//! in use; a suspended or revoked ID shows its status and no handbook.

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde_json::json;

use super::api_error::ApiError;
use super::format::JST;
use super::intake_api::bearer_ok;
use super::state::AppState;
use crate::db::schema::{handbook_fields, handbooks};
use crate::domain::handbook::HandbookKind;
use crate::domain::holder::{HolderStatus, PublicId};
use crate::domain::transcription::FareClass;
use crate::error::AppError;

fn myna_label(code: &str) -> &'static str {
    match code {
        "linked" => "連携済",
        "pending" => "申請中",
        _ => "未連携",
    }
}

type CardLine = (String, Option<String>, bool, Option<time::Date>, Option<time::Date>, bool);

pub async fn card(
    req: HttpRequest,
    state: web::Data<AppState>,
    public_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !bearer_ok(&req, &state) {
        return Err(ApiError::unauthorized());
    }
    let public_id = PublicId::parse(&public_id).map_err(|_| ApiError::from(AppError::NotFound))?;
    let today = state.clock.now().to_offset(JST).date();
    let (holder, lines) = state
        .db(move |conn| {
            let holder = crate::db::holders::find_by_public_id(conn, public_id.as_str())?.ok_or(AppError::NotFound)?;
            let lines: Vec<CardLine> = handbooks::table
                .inner_join(handbook_fields::table)
                .filter(handbooks::holder_id.eq(holder.id))
                .filter(handbooks::status.eq_any(["approved", "corrected"]))
                .order(handbooks::kind.asc())
                .select((
                    handbooks::kind,
                    handbook_fields::fare_class,
                    handbook_fields::care,
                    handbook_fields::expires_on,
                    handbook_fields::recert_on,
                    handbook_fields::recert_month_only,
                ))
                .load(conn)?;
            Ok((holder, lines))
        })
        .await?;
    let status = HolderStatus::parse(&holder.status).unwrap_or(HolderStatus::Suspended);
    let handbooks: Vec<serde_json::Value> = if status == HolderStatus::Active {
        lines
            .into_iter()
            .filter(|(_, _, _, expires, _, _)| expires.is_none_or(|e| e >= today))
            .map(|(kind, fare, care, expires, recert, month_only)| {
                let kind = HandbookKind::parse(&kind);
                let fare = fare.as_deref().and_then(FareClass::from_code);
                json!({
                    "kind": kind.map(HandbookKind::as_str),
                    "kind_label": kind.map(HandbookKind::label),
                    "fare_class": fare.map(FareClass::code),
                    "fare_class_label": fare.map(FareClass::label).unwrap_or("なし"),
                    "care": care,
                    "expires_on": expires.map(|d| d.to_string()),
                    "recertification": recert.map(|d| if month_only {
                        format!("{:04}-{:02}", d.year(), u8::from(d.month()))
                    } else {
                        d.to_string()
                    }),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(HttpResponse::Ok().json(json!({
        "holder_public_id": holder.public_id,
        "status": status.as_str(),
        "status_label": status.label(),
        "myna_link": holder.myna_link,
        "myna_link_label": myna_label(&holder.myna_link),
        "handbooks": handbooks,
    })))
}
