//! Errors as users see them: JSON with a stable `code` under `/api`, an HTML page elsewhere.
//! The cause chain is logged once, here, and never shown.
use actix_web::HttpResponse;
use actix_web::ResponseError;
use actix_web::http::StatusCode;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::domain::refusal::{ErrorCode, Refusal};
use crate::features::catalog::results::ResultsError;
use crate::features::live::LiveError;
use crate::features::selling::SellingError;
use crate::media::PhotoError;
use crate::render;
use crate::search::SearchError;

/// An error from a JSON API handler: a [`Refusal`] (its status, code and text come from its
/// [`ErrorCode`]), a dependency that is down, or a failure the client cannot act on.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Refused(Refusal),
    /// A dependency (the search engine, the media store) is down; retrying later will work.
    #[error("temporarily unavailable, please retry")]
    Unavailable(String),
    #[error("internal error")]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// The code it answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Refused(refusal) => refusal.code,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Unexpected(_) => ErrorCode::Internal,
        }
    }

    /// The JSON body of a refusal, for the middlewares that answer before a handler runs.
    pub fn body(refusal: &Refusal) -> serde_json::Value {
        let mut error = json!({ "code": refusal.code.as_str(), "message": refusal.message() });
        if let Some(detail) = &refusal.detail {
            error["detail"] = json!(detail);
        }
        json!({ "error": error })
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::Refused(Refusal::new(code))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let refusal = match self {
            Self::Refused(refusal) => refusal.clone(),
            Self::Unavailable(why) => {
                tracing::warn!(cause = %why, "dependency unavailable");
                Refusal::new(ErrorCode::Unavailable)
            }
            Self::Unexpected(e) => {
                tracing::error!(error = format!("{e:#}"), "request failed");
                Refusal::new(ErrorCode::Internal)
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        match refusal.code {
            ErrorCode::Unavailable => {
                response.insert_header(("Retry-After", "5"));
            }
            ErrorCode::Unauthorized => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            _ => {}
        }
        response.json(Self::body(&refusal))
    }
}

/// What a seller's live-show request was refused for.
impl From<LiveError> for ApiError {
    fn from(e: LiveError) -> Self {
        use ErrorCode as C;
        let code = match e {
            LiveError::NotFound => C::NoSuchShow,
            LiveError::NotLinked | LiveError::NotOwnListing => C::NotLinked,
            LiveError::Ended => C::ShowEnded,
            LiveError::BadTransition { .. } => {
                return Refusal::new(C::ShowEnded).detail(e.to_string()).into();
            }
            LiveError::BadTitle
            | LiveError::BadPlatform
            | LiveError::BadUrl
            | LiveError::BadTime => {
                return Refusal::new(C::InvalidShow).detail(e.to_string()).into();
            }
            LiveError::Database(e) => return e.into(),
        };
        code.into()
    }
}

/// What a seller's listing request was refused for.
impl From<SellingError> for ApiError {
    fn from(e: SellingError) -> Self {
        use ErrorCode as C;
        let code = match e {
            SellingError::NotFound => C::NoSuchListing,
            SellingError::NotMember => C::NotMember,
            SellingError::ForeignCertificate => C::ForeignCertificate,
            SellingError::InactiveCertificate => C::InactiveCertificate,
            SellingError::AlreadyListed => C::AlreadyListed,
            SellingError::SellerNotActive => C::SellerNotActive,
            SellingError::DelistedByOfficer => C::DelistedByOfficer,
            SellingError::BadTransition => C::BadTransition,
            SellingError::PriceRequired => C::PriceRequired,
            SellingError::StockOutOfRange { left } => {
                return Refusal::new(C::StockOutOfRange).arg("left", left).into();
            }
            SellingError::TooManyPhotos => {
                return Refusal::new(C::TooManyPhotos)
                    .arg("max", crate::features::selling::MAX_PHOTOS)
                    .into();
            }
            SellingError::SizesConflict(_) => {
                return Refusal::new(C::SizesConflict).detail(e.to_string()).into();
            }
            SellingError::ReasonRequired | SellingError::Invalid(_) => {
                return Refusal::new(C::InvalidListing).detail(e.to_string()).into();
            }
            SellingError::BadBankAccount(why) => {
                return Refusal::new(C::InvalidBankAccount).detail(why).into();
            }
            SellingError::Photo(PhotoError::TooLarge) => C::PhotoTooLarge,
            SellingError::Photo(PhotoError::Unsupported) => C::PhotoUnsupported,
            SellingError::Photo(PhotoError::TooManyPixels) => C::PhotoTooManyPixels,
            SellingError::Photo(PhotoError::Corrupt) => C::PhotoCorrupt,
            SellingError::Store(why) => return Self::Unavailable(why),
            SellingError::Database(e) => return e.into(),
        };
        code.into()
    }
}

/// A search or listing parameter the client got wrong, or the engine being down.
impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Unavailable(why) => Self::Unavailable(why),
            other => Self::Unexpected(other.into()),
        }
    }
}

/// An error from a storefront page handler.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request clashes with what exists (done already, decided already).
    #[error("conflict: {0}")]
    Conflict(String),
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

impl From<ResultsError> for PageError {
    fn from(e: ResultsError) -> Self {
        match e {
            ResultsError::BadRequest(refusal) => Self::BadRequest(refusal.message()),
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
            Self::Conflict(_) => StatusCode::CONFLICT,
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
            Self::Conflict(why) => (tr("error.conflict_title"), why.clone()),
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
    /// Stable, for programs: `invalid_json`, `not_found`, `stock_out_of_range`…
    code: String,
    /// For people, in the request's language (`?lang=vi|en`, Vietnamese by default).
    message: String,
    /// What exactly was wrong, when a parser or a provider said so (not translated).
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::{ApiError, ErrorCode};
    use crate::domain::states::ShowState;
    use crate::features::live::LiveError;
    use crate::i18n::{Lang, in_lang};

    #[test]
    fn a_live_refusal_keeps_its_code_and_says_why_in_the_page_language() {
        let code = |e: LiveError| ApiError::from(e).code();
        assert_eq!(code(LiveError::NotFound), ErrorCode::NoSuchShow);
        assert_eq!(code(LiveError::NotLinked), ErrorCode::NotLinked);
        assert_eq!(code(LiveError::NotOwnListing), ErrorCode::NotLinked);
        assert_eq!(code(LiveError::Ended), ErrorCode::ShowEnded);
        assert_eq!(code(LiveError::BadTitle), ErrorCode::InvalidShow);
        let moved = LiveError::BadTransition {
            from: ShowState::Ended,
            to: ShowState::Live,
        };
        let ApiError::Refused(refusal) = in_lang(Lang::En, || ApiError::from(moved)) else {
            panic!("a transition is refused, not a failure");
        };
        assert_eq!(refusal.code, ErrorCode::ShowEnded);
        assert_eq!(
            refusal.detail.as_deref(),
            Some(crate::i18n::lookup(Lang::En, "live.error.transition").as_str())
        );
    }

    #[test]
    fn a_feature_error_reads_as_the_dictionary_says_in_both_languages() {
        let vi = in_lang(Lang::Vi, || LiveError::Ended.to_string());
        let en = in_lang(Lang::En, || LiveError::Ended.to_string());
        assert_eq!(vi, crate::i18n::lookup(Lang::Vi, "live.error.ended"));
        assert_eq!(en, crate::i18n::lookup(Lang::En, "live.error.ended"));
        assert_ne!(vi, en);
    }
}
