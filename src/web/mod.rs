//! HTTP: the route table, middleware, and one module per screen family.

pub mod access;
pub mod assets;
pub mod auth;
pub mod csrf;
pub mod error;
pub mod error_pages;
pub mod format;
pub mod forms;
pub mod headers;
pub mod layout;
pub mod metrics;
pub mod networks;
pub mod render;
pub mod request_span;
pub mod session;
pub mod state;
pub mod throttles;

mod account;
mod api_error;
mod audit;
mod card_api;
mod charts;
mod contacts;
mod corrections;
mod dashboard;
mod documents;
mod enrol;
mod exports;
mod health;
mod holders;
mod intake_api;
mod login;
mod multipart;
mod myna_api;
mod myna_consent_api;
mod myna_requests;
pub(crate) mod photos;
mod proxy_upload;
mod queue;
mod requests;
mod requests_api;
pub(crate) mod review;
mod sanctions;
mod staff_admin;
mod support;
mod withdrawal_api;
mod withdrawals;
mod worklists;

use actix_web::web;

use self::error::AppError;
use access::{
    AccessRule, Admins, AnyStaff, Auditors, HolderViewers, ImageViewers, Machine, Public, Reviewers, RouteAccess,
    Supervisors, SupportDesk,
};

/// One row of the route table, kept as data so a test can walk every route.
#[derive(Clone, Copy, Debug)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: AccessRule,
}

/// The probes a load balancer asks every listener.
pub const PROBES: [&str; 2] = ["/healthz", "/readyz"];

/// What one listener serves. With `HANDBOOK_ADMIN_API_BIND` set the machine endpoints get a
/// listener of their own (the app's and the portal's hosts reach it; staff PCs reach the other),
/// and each route exists on one side only: a staff page is a 404 on the API address and the
/// other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    /// One listener for everything (the default, and the demo).
    All,
    /// Staff pages, sign-in, static files and the probes.
    Staff,
    /// Machine endpoints and the probes.
    Api,
}

impl Listener {
    pub fn serves(self, route: &RouteInfo) -> bool {
        let machine = matches!(route.access, AccessRule::Machine);
        match self {
            Listener::All => true,
            Listener::Staff => !machine,
            Listener::Api => machine || PROBES.contains(&route.path),
        }
    }
}

macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path, $access:ty;)*) => {
        /// Every route of the application, with who may use it.
        pub const ROUTES: &[RouteInfo] = &[
            $(RouteInfo { method: stringify!($method), path: $path, access: <$access as RouteAccess>::RULE },)*
        ];

        /// The routes `listener` serves.
        pub fn configure(cfg: &mut web::ServiceConfig, listener: Listener) {
            $(
                if listener.serves(&RouteInfo { method: stringify!($method), path: $path, access: <$access as RouteAccess>::RULE }) {
                    cfg.route($path, web::$method().to($handler));
                }
            )*
        }
    };
}

route_table! {
    get  "/healthz" => health::healthz, Public;
    get  "/readyz" => health::readyz, Public;
    get  "/static/{name}" => assets::serve, Public;
    get  "/login" => login::show, Public;
    post "/login" => login::submit, Public;
    get  "/login/totp" => login::enrol_show, Public;
    post "/login/totp" => login::enrol_submit, Public;
    get  "/enrol/{token}" => enrol::show, Public;
    post "/enrol/{token}" => enrol::submit, Public;
    post "/logout" => login::logout, AnyStaff;
    get  "/" => dashboard::show, AnyStaff;
    get  "/account/password" => account::show, AnyStaff;
    post "/account/password" => account::submit, AnyStaff;
    get  "/staff" => staff_admin::list, Admins;
    post "/staff" => staff_admin::create, Admins;
    post "/staff/{id}/deactivate" => staff_admin::deactivate, Admins;
    post "/staff/{id}/activate" => staff_admin::activate, Admins;
    post "/staff/{id}/end-sessions" => staff_admin::end_sessions, Admins;
    post "/staff/{id}/reset-password" => staff_admin::reset_password, Admins;
    post "/staff/{id}/reset-totp" => staff_admin::reset_totp, Admins;
    post "/staff/{id}/role" => staff_admin::change_role, Admins;
    post "/staff/proposals/{id}/approve" => staff_admin::approve_role, Admins;
    get  "/documents" => documents::show, Admins;
    post "/documents" => documents::record, Admins;
    post "/staff/proposals/{id}/reject" => staff_admin::reject_role, Admins;
    get  "/registrations/new" => proxy_upload::show, Reviewers;
    post "/registrations" => proxy_upload::submit, Reviewers;
    get  "/queue" => queue::show, Reviewers;
    post "/queue/take" => queue::take_next, Reviewers;
    get  "/registrations/{id}" => review::show, ImageViewers;
    post "/registrations/{id}/claim" => review::take, Reviewers;
    post "/registrations/{id}/release" => review::release, Reviewers;
    post "/registrations/{id}/reassign" => review::reassign, Supervisors;
    post "/registrations/{id}/hold" => review::hold, Reviewers;
    post "/registrations/{id}/unhold" => review::unhold, Supervisors;
    post "/registrations/{id}/transcription" => review::save_transcription, Reviewers;
    post "/registrations/{id}/understood" => review::understood, Reviewers;
    post "/registrations/{id}/decision" => review::decide, Reviewers;
    post "/registrations/{id}/face" => review::mark_face, Reviewers;
    post "/registrations/{id}/myna" => review::check_myna, Reviewers;
    get  "/registrations/{id}/correction" => corrections::form, Reviewers;
    post "/registrations/{id}/correction" => corrections::propose, Reviewers;
    get  "/corrections" => corrections::list, Supervisors;
    post "/corrections/{id}/approve" => corrections::approve, Supervisors;
    post "/corrections/{id}/reject" => corrections::reject, Supervisors;
    get  "/registrations/{id}/photos" => photos::show, ImageViewers;
    post "/registrations/{id}/photo-access" => photos::state_reason, ImageViewers;
    get  "/images/{id}" => photos::full, ImageViewers;
    get  "/images/{id}/thumb" => photos::thumb, ImageViewers;
    get  "/holders" => holders::search, HolderViewers;
    get  "/holders/{id}" => holders::profile, HolderViewers;
    post "/holders/{id}/sanctions" => holders::sanction, Supervisors;
    post "/holders/{id}/reinstate" => holders::reinstate, Supervisors;
    get  "/holders/{id}/withdrawal" => withdrawals::form, Supervisors;
    post "/holders/{id}/withdrawal" => withdrawals::propose, Supervisors;
    post "/holders/{id}/disclosures" => holders::disclose, Supervisors;
    post "/holders/{id}/returned" => holders::report_returned, Supervisors;
    post "/holders/{id}/legal-hold" => holders::place_hold, Supervisors;
    post "/holders/{id}/legal-hold/lift" => holders::lift_hold, Supervisors;
    get  "/worklists" => worklists::show, Supervisors;
    get  "/myna/requests" => myna_requests::list, Reviewers;
    post "/myna/requests/{id}/reschedule" => myna_requests::reschedule, Reviewers;
    post "/myna/requests/{id}/cancel" => myna_requests::cancel, Reviewers;
    get  "/audit" => audit::browse, Auditors;
    post "/audit/verify" => audit::verify, Auditors;
    get  "/exports/{name}" => exports::export, Auditors;
    get  "/sanctions" => sanctions::list, Supervisors;
    post "/sanctions/{id}/approve" => sanctions::approve, Supervisors;
    post "/sanctions/{id}/reject" => sanctions::reject, Supervisors;
    post "/withdrawals/{id}/approve" => withdrawals::approve, Supervisors;
    post "/withdrawals/{id}/reject" => withdrawals::reject, Supervisors;
    get  "/requests" => requests::list, SupportDesk;
    post "/requests" => requests::create, SupportDesk;
    get  "/requests/{id}" => requests::show, SupportDesk;
    post "/requests/{id}/verify" => requests::verify, SupportDesk;
    post "/requests/{id}/disclosure" => requests::disclosure, Supervisors;
    post "/requests/{id}/answer" => requests::answer, Supervisors;
    post "/requests/{id}/refuse" => requests::refuse, Supervisors;
    get  "/support/contacts" => contacts::list, SupportDesk;
    post "/support/contacts" => contacts::log, SupportDesk;
    get  "/support/contacts/{id}" => contacts::show, SupportDesk;
    post "/holders/{id}/notices/{notice}/resend" => holders::resend_notice, SupportDesk;
    post "/holders/{id}/email-change" => holders::propose_email_change, SupportDesk;
    post "/holders/{id}/email-change/{proposal}/approve" => holders::approve_email_change, Supervisors;
    post "/holders/{id}/email-change/{proposal}/reject" => holders::reject_email_change, Supervisors;
    get  "/support/lost-device" => support::show, SupportDesk;
    post "/support/lost-device" => support::open, SupportDesk;
    get  "/support/lost-device/{id}" => support::report, SupportDesk;
    post "/support/lost-device/{id}/verify" => support::verify, SupportDesk;
    post "/support/lost-device/{id}/reinstate" => support::reinstate, SupportDesk;
    post "/support/lost-device/{id}/code" => support::send_code, SupportDesk;
    post "/worklists/lost-device/{id}/unlock" => worklists::unlock_report, Supervisors;
    post "/worklists/lost-device/{id}/reviewed" => worklists::review_reinstatement, Supervisors;
    post "/api/v1/registrations" => intake_api::register, Machine;
    get  "/api/v1/holders/{public_id}/card" => card_api::card, Machine;
    get  "/api/v1/holders/{public_id}/handbooks/{kind}/face" => card_api::face, Machine;
    post "/api/v1/holders/{public_id}/withdrawal" => withdrawal_api::withdraw, Machine;
    post "/api/v1/myna/callback" => myna_api::callback, Machine;
    post "/api/v1/holders/{public_id}/requests" => requests_api::file, Machine;
    get  "/api/v1/holders/{public_id}/requests/{reference}" => requests_api::status, Machine;
    post "/api/v1/holders/{public_id}/myna/consents" => myna_consent_api::consent, Machine;
}

/// Unknown paths get the same 404 page as a missing record.
pub async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Unknown paths on the API listener: a JSON error like every other machine answer.
pub async fn api_not_found() -> Result<actix_web::HttpResponse, api_error::ApiError> {
    Err(api_error::ApiError::new(actix_web::http::StatusCode::NOT_FOUND, "not_found", "no such endpoint"))
}
