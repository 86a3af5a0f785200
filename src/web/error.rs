//! Errors as responses: screens return `AppError`, turned into a page here and nowhere else
//! (the policy is in `crate::error`). A missing record is a 404; a `Fault` is logged with its
//! cause chain and the person sees an opaque 500 page with the request id (see
//! `web::error_pages`). The JSON API uses `web::api_error::ApiError` with stable codes.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};

use crate::error::Fault;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("forbidden for this role")]
    Forbidden,
    /// A staff page asked for from outside `HANDBOOK_ADMIN_STAFF_NETWORKS`.
    #[error("outside the staff networks")]
    OutsideStaffNetworks,
    #[error("missing or invalid CSRF token")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// The photos of this registration open only after a reason is stated.
    #[error("a reason must be stated before these photos open")]
    PhotoReasonRequired(i64),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Fault(Fault),
    #[error("blocking task failed")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error("template rendering failed")]
    Template(#[from] askama::Error),
    /// A web-layer fault with no cause worth chaining (a closed semaphore, missing state).
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl From<Fault> for AppError {
    /// A row that vanished between two reads is a missing record to the person, not a crash.
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Db(diesel::result::Error::NotFound) => AppError::NotFound,
            other => AppError::Fault(other),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        Fault::Db(e).into()
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Fault(Fault::Pool(e))
    }
}

impl From<crate::services::review::ReviewFailure> for AppError {
    fn from(e: crate::services::review::ReviewFailure) -> Self {
        use crate::services::review::ReviewFailure;
        match e {
            ReviewFailure::Rule(_) => AppError::Conflict("review rule"),
            ReviewFailure::NotFound => AppError::NotFound,
            ReviewFailure::Fault(fault) => fault.into(),
        }
    }
}

impl From<crate::services::holders::HolderFailure> for AppError {
    fn from(e: crate::services::holders::HolderFailure) -> Self {
        use crate::services::holders::HolderFailure;
        match e {
            HolderFailure::NotAllowed => AppError::Forbidden,
            HolderFailure::NotFound => AppError::NotFound,
            HolderFailure::Fault(fault) => fault.into(),
        }
    }
}

impl From<crate::services::photos::PhotoError> for AppError {
    fn from(e: crate::services::photos::PhotoError) -> Self {
        use crate::services::photos::PhotoError;
        match e {
            PhotoError::NotFound => AppError::NotFound,
            PhotoError::ReasonRequired(id) => AppError::PhotoReasonRequired(id),
            PhotoError::EndedId => AppError::Forbidden,
            PhotoError::Fault(fault) => fault.into(),
        }
    }
}

impl From<crate::services::accounts::sign_in::EnrolError> for AppError {
    fn from(e: crate::services::accounts::sign_in::EnrolError) -> Self {
        use crate::services::accounts::sign_in::EnrolError;
        match e {
            EnrolError::Stale => AppError::Unauthenticated,
            EnrolError::Fault(fault) => fault.into(),
        }
    }
}

/// Splits an account action's result: refusals the screen explains (e-mail taken, own
/// account …) stay values; a missing account and faults become errors.
pub fn account_refusal<T>(
    result: Result<T, crate::services::accounts::manage::ManageError>,
) -> AppResult<Result<T, crate::services::accounts::manage::ManageError>> {
    use crate::services::accounts::manage::ManageError;
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(ManageError::NotFound) => Err(AppError::NotFound),
        Err(ManageError::Fault(fault)) => Err(fault.into()),
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// What a person is told, in Japanese, for each kind of failure.
pub struct ErrorText {
    pub title: &'static str,
    pub message: &'static str,
}

impl AppError {
    pub fn text(&self) -> ErrorText {
        match self.status_code() {
            StatusCode::FORBIDDEN if matches!(self, AppError::Csrf) => ErrorText {
                title: "フォームを送信できませんでした",
                message: "フォームの有効期限が切れたか、正しくない送信です。ページを再読み込みしてから、もう一度操作してください。",
            },
            StatusCode::FORBIDDEN if matches!(self, AppError::OutsideStaffNetworks) => ErrorText {
                title: "社内ネットワークからのみ利用できます",
                message: "この管理画面は社内の端末からだけ開けます。社内ネットワークに接続した端末から開いてください。",
            },
            StatusCode::FORBIDDEN if matches!(self, AppError::PhotoReasonRequired(_)) => ErrorText {
                title: "閲覧理由の入力が必要です",
                message: "この登録の写真を開くには、先に登録画面で閲覧理由を入力してください。",
            },
            StatusCode::FORBIDDEN => ErrorText {
                title: "この画面を利用する権限がありません",
                message: "担当業務に必要な権限が付与されていません。必要な場合は管理者に依頼してください。",
            },
            StatusCode::NOT_FOUND => ErrorText {
                title: "ページが見つかりません",
                message: "URLが正しいか確認してください。データが削除された可能性もあります。",
            },
            StatusCode::BAD_REQUEST => ErrorText {
                title: "リクエストが正しくありません",
                message: "入力内容を確認して、もう一度操作してください。",
            },
            StatusCode::CONFLICT => ErrorText {
                title: "ほかの操作と競合しました",
                message: "ほかの担当者が同じデータを更新しました。画面を再読み込みして最新の内容を確認してください。",
            },
            _ => ErrorText {
                title: "システムエラーが発生しました",
                message: "しばらくしてから、もう一度操作してください。解決しない場合は、下のリクエストIDを添えてシステム管理者に連絡してください。",
            },
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::PasswordChangeRequired => StatusCode::SEE_OTHER,
            AppError::Forbidden
            | AppError::OutsideStaffNetworks
            | AppError::Csrf
            | AppError::PhotoReasonRequired(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The bare response; `web::error_pages` replaces the body with the full page, which needs
    /// the request (request id, sign-in state).
    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Unauthenticated => HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish(),
            AppError::PasswordChangeRequired => {
                HttpResponse::SeeOther().insert_header((header::LOCATION, "/account/password")).finish()
            }
            other => {
                let status = other.status_code();
                if status.is_server_error() {
                    let chain = crate::error::chain(other);
                    tracing::error!(error = %chain, "request failed");
                }
                HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(other.text().title)
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Splits a sanction's result: a refusal the screen explains comes back as its message; a
/// missing holder or proposal and faults become errors.
pub fn sanction_refusal<T>(
    result: Result<T, crate::services::sanctions::SanctionFailure>,
) -> AppResult<Result<T, String>> {
    use crate::services::sanctions::SanctionFailure;
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(SanctionFailure::NotFound) => Err(AppError::NotFound),
        Err(SanctionFailure::Fault(fault)) => Err(fault.into()),
        Err(refused) => Ok(Err(refused.to_string())),
    }
}

/// The same for the support center's lost-phone flow.
pub fn support_refusal<T>(result: Result<T, crate::services::support::SupportFailure>) -> AppResult<Result<T, String>> {
    use crate::services::support::SupportFailure;
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(SupportFailure::NotFound) => Err(AppError::NotFound),
        Err(SupportFailure::Fault(fault)) => Err(fault.into()),
        Err(SupportFailure::Refused(refused)) => Ok(Err(refused.to_string())),
        Err(SupportFailure::Code(refused)) => Ok(Err(refused.to_string())),
    }
}
