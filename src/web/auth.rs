//! The signed-in member of staff, as extractors. Every request re-reads the staff row, so a
//! deactivated account or a bumped session epoch stops working on its next request.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use tracing_actix_web::RequestId;

use super::access::Access;
use super::error::AppError;
use super::session;
use super::state::AppState;
use crate::domain::staff::Role;
use crate::services::accounts::directory;

/// Sent by the review screen's script when it renews a claim on its own.
pub const HEARTBEAT_HEADER: &str = "x-claim-heartbeat";

/// Paths a person with a temporary password may still use.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/account/password", "/logout"];

#[derive(Clone)]
pub struct CurrentStaff {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub csrf_token: String,
    pub request_id: String,
    pub session: Session,
}

impl FromRequest for CurrentStaff {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let path = req.path().to_owned();
        // The review screen's lease heartbeat is not a person at work: it must not keep an
        // unattended screen signed in past the idle timeout.
        let heartbeat = req.headers().contains_key(HEARTBEAT_HEADER);
        let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string()).unwrap_or_default();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("application state missing"))?;
            let Some(auth) = session::auth(&session) else {
                return Err(AppError::Unauthenticated);
            };
            let now = state.clock.now();
            if let Some(expiry) = session::expiry(&auth, now) {
                // Cleared rather than purged, so the notice survives to the sign-in page.
                session.clear();
                session::set_notice(
                    &session,
                    match expiry {
                        session::Expiry::Idle => {
                            "30分間操作がなかったため、サインアウトしました。もう一度サインインしてください。"
                        }
                        session::Expiry::TooOld => {
                            "サインインから12時間が経過したため、サインアウトしました。もう一度サインインしてください。"
                        }
                    },
                )?;
                return Err(AppError::Unauthenticated);
            }
            let staff_id = auth.staff_id;
            let row = state.db(move |conn| Ok(directory::find(conn, staff_id)?)).await?;
            let Some(row) = row.filter(|r| r.active && r.session_epoch == auth.epoch) else {
                session::sign_out(&session);
                return Err(AppError::Unauthenticated);
            };
            let role = row.role;
            if row.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&path.as_str()) {
                return Err(AppError::PasswordChangeRequired);
            }
            if !heartbeat {
                session::touch(&session, auth, now)?;
            }
            let csrf_token = session::csrf_token(&session)?;
            Ok(CurrentStaff {
                id: row.id,
                email: row.email,
                display_name: row.display_name,
                role,
                csrf_token,
                request_id,
                session,
            })
        })
    }
}

/// A signed-in member of staff whose role is in `A`; anyone else gets 403.
pub struct RequireRole<A: Access> {
    pub staff: CurrentStaff,
    _access: PhantomData<A>,
}

impl<A: Access> std::ops::Deref for RequireRole<A> {
    type Target = CurrentStaff;
    fn deref(&self) -> &CurrentStaff {
        &self.staff
    }
}

impl<A: Access> FromRequest for RequireRole<A> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = CurrentStaff::from_request(req, payload);
        Box::pin(async move {
            let staff = staff.await?;
            if A::ROLES.contains(&staff.role) {
                Ok(RequireRole { staff, _access: PhantomData })
            } else {
                tracing::warn!(staff_id = staff.id, role = %staff.role, "role denied");
                Err(AppError::Forbidden)
            }
        })
    }
}
