//! Turns `AppError` responses into full pages that name the request id and leak nothing.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};
use askama::Template;
use tracing_actix_web::RequestId;

use super::error::AppError;
use super::layout::Layout;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: &'static str,
    request_id: String,
}

pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let Some(text) = res.response().error().and_then(|e| e.as_error::<AppError>()).map(AppError::text) else {
        return Ok(res);
    };
    let request_id = res.request().extensions().get::<RequestId>().map(|id| id.to_string()).unwrap_or_default();
    let page = ErrorPage {
        layout: Layout::anonymous(text.title, String::new(), None),
        status: status.as_u16(),
        message: text.message,
        request_id,
    };
    let body = page.render().unwrap_or_else(|_| text.title.to_owned());
    let (req, _) = res.into_parts();
    let response = HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body);
    Ok(ServiceResponse::new(req, response))
}
