//! The one way a page leaves: a template rendered into an HTML response with its status.
//! (Security headers, `no-store` included, are added to every response by `headers`.)

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::error::AppResult;

pub fn page(status: StatusCode, template: &impl Template) -> AppResult<HttpResponse> {
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(template.render()?))
}
