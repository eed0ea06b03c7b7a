//! The acting principal of a request: from the session cookie for pages, from a bearer token
//! for the JSON API. Role and scope checks are then [`crate::features::accounts::auth::Principal::can`].
use actix_web::HttpRequest;

use crate::app::AppState;
use crate::domain::ids::UserId;
use crate::domain::refusal::ErrorCode;
use crate::features::accounts::auth::Principal;
use crate::features::accounts::tokens;
use crate::web::error::ApiError;
use crate::web::error::PageError;

/// The signed-in user with its grants, or a redirect to sign-in that comes back here.
pub async fn require(state: &AppState, req: &HttpRequest) -> Result<Principal, PageError> {
    let now = state.clock.now();
    match state.cookies.current_user(req, &state.db, now).await? {
        Some(user) => Ok(Principal::load(&state.db, user).await?),
        None => {
            let back = match req.query_string() {
                "" => req.path().to_owned(),
                q => format!("{}?{q}", req.path()),
            };
            // Only pages that can be shown again: a form post returns to its page.
            let back = if req.method() == actix_web::http::Method::GET {
                back
            } else {
                "/seller".to_owned()
            };
            Err(PageError::SignInRequired(back))
        }
    }
}

/// The principal of `Authorization: Bearer ocop_…`, or 401.
pub async fn bearer(state: &AppState, req: &HttpRequest) -> Result<Principal, ApiError> {
    let token = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ErrorCode::Unauthorized)?;
    tokens::authenticate(&state.db, token, state.clock.now())
        .await?
        .ok_or(ErrorCode::Unauthorized.into())
}

/// The signed-in officer (or administrator); anyone else is refused.
pub async fn require_officer(state: &AppState, req: &HttpRequest) -> Result<Principal, PageError> {
    let principal = require(state, req).await?;
    if principal.is_officer() {
        Ok(principal)
    } else {
        Err(PageError::AccessDenied)
    }
}

/// The token's user, if it belongs to at least one seller (the seller API is for sellers).
pub async fn seller_member(
    state: &AppState,
    req: &HttpRequest,
) -> Result<crate::features::accounts::auth::Principal, ApiError> {
    let principal = bearer(state, req).await?;
    if principal.seller_ids().is_empty() {
        return Err(ErrorCode::NotASeller.into());
    }
    Ok(principal)
}

/// The request's signed-in user id, if any.
pub async fn current_user_id(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<UserId>, PageError> {
    Ok(state
        .cookies
        .current_user(req, &state.db, state.clock.now())
        .await?
        .map(|u| u.id))
}
