//! Errors as users see them: JSON with a stable `code` under `/api`, an HTML page elsewhere.
//! The cause chain is logged once, here, and never shown.
use actix_web::HttpResponse;
use actix_web::ResponseError;
use actix_web::http::StatusCode;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::render;

/// An error from a JSON API handler.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    /// No valid bearer token.
    #[error("a valid API token is required: Authorization: Bearer ocop_…")]
    Unauthorized,
    /// Refused for a reason the client can read: 403, 409, 413, 415, 422.
    #[error("{message}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// A dependency (the search engine) is down; retrying later will work.
    #[error("temporarily unavailable, please retry")]
    Unavailable(String),
    #[error("internal error")]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Refused {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Refused { status, .. } => *status,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let code = match self {
            Self::BadRequest { code, .. } | Self::Refused { code, .. } => code,
            Self::NotFound(_) => "not_found",
            Self::Unauthorized => "unauthorized",
            Self::Unavailable(why) => {
                tracing::warn!(cause = %why, "dependency unavailable");
                "unavailable"
            }
            Self::Unexpected(e) => {
                tracing::error!(error = format!("{e:#}"), "request failed");
                "internal_error"
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unavailable(_)) {
            response.insert_header(("Retry-After", "5"));
        }
        if matches!(self, Self::Unauthorized) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(json!({ "error": { "code": code, "message": self.to_string() } }))
    }
}

/// An error from a storefront page handler.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A dependency (the search engine) is down.
    #[error("temporarily unavailable")]
    Unavailable(String),
    /// A form without this browser's CSRF token.
    #[error("forbidden")]
    Forbidden,
    #[error("too many attempts")]
    TooManyRequests,
    /// The page needs a signed-in user: redirect to sign-in, then back to this path.
    #[error("sign-in required")]
    SignInRequired(String),
    /// Signed in, but the user's roles do not cover this page.
    #[error("access denied")]
    AccessDenied,
    #[error("internal error")]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for PageError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl From<crate::features::catalog::results::ResultsError> for PageError {
    fn from(e: crate::features::catalog::results::ResultsError) -> Self {
        use crate::features::catalog::results::ResultsError;
        use crate::search::SearchError;
        match e {
            ResultsError::BadRequest(message) => Self::BadRequest(message),
            ResultsError::Search(SearchError::Unavailable(why)) => Self::Unavailable(why),
            ResultsError::Search(other) => Self::Unexpected(other.into()),
        }
    }
}

impl From<render::RenderError> for PageError {
    fn from(e: render::RenderError) -> Self {
        Self::Unexpected(e.into())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::SignInRequired(_) => StatusCode::SEE_OTHER,
            Self::AccessDenied => StatusCode::FORBIDDEN,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignInRequired(next) = self {
            let next: String =
                serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
            return HttpResponse::SeeOther()
                .insert_header(("Location", format!("/account/login?{next}")))
                .finish();
        }
        use crate::i18n::tr;
        let (title, message) = match self {
            Self::SignInRequired(_) | Self::AccessDenied => {
                (tr("error.denied_title"), tr("error.denied"))
            }
            Self::Forbidden => (tr("error.forbidden_title"), tr("error.forbidden")),
            Self::TooManyRequests => (tr("error.too_many_title"), tr("error.too_many")),
            Self::NotFound => (tr("error.not_found_title"), tr("error.not_found")),
            Self::BadRequest(why) => (tr("error.bad_request_title"), why.clone()),
            Self::Unavailable(why) => {
                tracing::warn!(cause = %why, "page dependency unavailable");
                (tr("error.unavailable_title"), tr("error.unavailable"))
            }
            Self::Unexpected(e) => {
                tracing::error!(error = format!("{e:#}"), "page failed");
                (tr("error.unexpected_title"), tr("error.unexpected"))
            }
        };
        let status = self.status_code();
        let body = render::render(
            "pages/error",
            &json!({ "title": title, "message": message, "status": status.as_u16() }),
        )
        .unwrap_or_else(|_| {
            format!(
                "<!doctype html><title>{}</title><h1>{}</h1>",
                status, status
            )
        });
        let mut response = HttpResponse::build(status);
        if matches!(self, Self::TooManyRequests) {
            response.insert_header(("Retry-After", "900"));
        }
        response.content_type("text/html; charset=utf-8").body(body)
    }
}

/// Every API error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    code: String,
    message: String,
}
