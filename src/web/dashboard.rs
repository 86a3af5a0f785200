//! `GET /`: where every role starts.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::access::AnyStaff;
use super::auth::RequireRole;
use super::layout::Layout;
use super::state::AppState;
use crate::error::AppResult;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
}

pub async fn show(_state: web::Data<AppState>, staff: RequireRole<AnyStaff>) -> AppResult<HttpResponse> {
    let page = DashboardPage { layout: Layout::for_staff(&staff, "ダッシュボード", "/") };
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page.render()?))
}
