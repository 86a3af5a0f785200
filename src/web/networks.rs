//! The staff pages answer only clients inside `HANDBOOK_ADMIN_STAFF_NETWORKS` (社内専用).
//! The machine endpoints and the probes are outside this check: the app's backend, the portal
//! and the load balancer are not on staff PCs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use super::error::AppError;
use super::state::AppState;

pub async fn staff_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let allowed = match req.app_data::<web::Data<AppState>>() {
        None => false,
        Some(state) => {
            let settings = &state.settings;
            settings.staff_networks.is_empty()
                || super::csrf::is_exempt(req.path())
                || super::PROBES.contains(&req.path())
                || super::throttles::client_address(req.request(), &settings.proxy_trust)
                    .is_some_and(|client| settings.staff_networks.contains(client))
        }
    };
    if !allowed {
        // The address is a staff PC's or an outsider's, never a holder's: worth an operator's look.
        let client = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
        tracing::warn!(peer = %client, "staff page refused outside the staff networks");
        return Err(AppError::OutsideStaffNetworks.into());
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}
