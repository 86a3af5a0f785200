//! `/holders`: search and the holder's profile (`profile`), with the actions taken from it
//! (`actions`): the sanction form (the support center sees only the lost-phone article), a
//! legal disclosure, a returned handbook, the lifting of a suspension and withdrawal.

mod actions;
mod profile;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::HolderViewers;
use super::auth::RequireRole;
use super::error::AppResult;
use super::forms::FormErrors;
use super::layout::Layout;
use super::render;
use super::state::AppState;
use crate::domain::search::Search;
use crate::domain::staff::Role;
use crate::services::holders::{self, HolderHit};

pub use actions::{
    approve_email_change, disclose, lift_hold, place_hold, propose_email_change, reinstate, reject_email_change,
    report_returned, resend_notice, sanction,
};
pub use profile::profile;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "holders/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    /// The support center searched by something other than an ID or address.
    restricted: bool,
    hits: Vec<HolderHit>,
}

pub async fn search(
    state: web::Data<AppState>,
    staff: RequireRole<HolderViewers>,
    query: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner().q;
    let exact_id = matches!(Search::classify(&q), Search::PublicId(_));
    let q2 = q.clone();
    let hits = state.as_staff(&staff, move |conn, acting| Ok(holders::search(conn, &q2, acting)?)).await?;
    if exact_id && hits.len() == 1 {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/holders/{}", hits[0].id)))
            .finish());
    }
    let page = SearchPage {
        layout: Layout::for_staff(&staff, "利用者検索", "/holders"),
        searched: !q.trim().is_empty(),
        restricted: staff.role == Role::Support
            && matches!(Search::classify(&q), Search::Number { .. } | Search::KanaPrefix(_) | Search::NamePrefix(_)),
        q,
        hits,
    };
    render::page(StatusCode::OK, &page)
}
