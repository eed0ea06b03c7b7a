//! Sign-up, sign-in, sign-out and the account page. Every form carries a CSRF token; sign-in is
//! rate-limited per address and per e-mail.
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::header::LOCATION;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;

use actix_web::http::StatusCode;

use crate::app::AppState;
use crate::domain::time::format_vietnam;
use crate::features::accounts;
use crate::features::accounts::AccountError;
use crate::features::accounts::NewAccount;
use crate::features::accounts::tokens;
use crate::features::accounts::tokens::TokenError;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::web::error::PageError;
use crate::web::forms::client_address;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::message_page;
use crate::web::session::safe_next;

/// Sign-in attempts allowed per window, per e-mail and per client address.
const LOGIN_PER_EMAIL: u32 = 5;
const LOGIN_PER_ADDRESS: u32 = 30;
const SIGNUP_PER_ADDRESS: u32 = 10;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(signup_form)
        .service(signup)
        .service(login_form)
        .service(login)
        .service(logout)
        .service(account_page)
        .service(create_token)
        .service(revoke_token)
        .service(verify_email)
        .service(forgot_form)
        .service(forgot)
        .service(reset_form)
        .service(reset);
}

/// Reset requests per window, per e-mail and per client address.
const RESET_PER_EMAIL: u32 = 3;
const RESET_PER_ADDRESS: u32 = 10;

#[get("/account/password/forgot")]
async fn forgot_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    form_page(
        &state,
        &req,
        actix_web::http::StatusCode::OK,
        "pages/forgot_password",
        json!({ "title": tr("account.forgot_title"), "sent": false }),
    )
}

#[derive(Deserialize)]
struct ForgotForm {
    csrf: String,
    email: String,
}

#[post("/account/password/forgot")]
async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, PageError> {
    let email = form.email.trim().to_lowercase();
    let limits = [
        (format!("reset:email:{email}"), RESET_PER_EMAIL),
        (
            format!("reset:addr:{}", client_address(&req)),
            RESET_PER_ADDRESS,
        ),
    ];
    guard(&state, &req, &form.csrf, &limits).await?;
    let now = state.clock.now();
    let site = state.site.clone();
    accounts::request_password_reset(&state.db, &email, &site, now)
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?;
    // The same answer whether or not the address has an account.
    form_page(
        &state,
        &req,
        actix_web::http::StatusCode::OK,
        "pages/forgot_password",
        json!({ "title": tr("account.forgot_title"), "sent": true }),
    )
}

#[get("/account/password/reset")]
async fn reset_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    if !accounts::reset_token_is_valid(&state.db, &query.token, state.clock.now()).await? {
        return Err(PageError::BadRequest(tr("errors.account.bad_reset_link")));
    }
    form_page(
        &state,
        &req,
        actix_web::http::StatusCode::OK,
        "pages/reset_password",
        json!({ "title": tr("account.reset_title"), "token": query.token, "error": null }),
    )
}

#[derive(Deserialize)]
struct ResetForm {
    csrf: String,
    token: String,
    password: String,
}

#[post("/account/password/reset")]
async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let password = match accounts::Password::parse(&form.password) {
        Ok(p) => p,
        Err(why) => {
            return form_page(
                &state,
                &req,
                actix_web::http::StatusCode::BAD_REQUEST,
                "pages/reset_password",
                json!({ "title": tr("account.reset_title"), "token": form.token, "error": why }),
            );
        }
    };
    match accounts::reset_password(&state.db, &form.token, &password, state.clock.now()).await {
        Ok(user) => {
            tracing::info!(user = %user.pid, "password reset; every session signed out");
            let body = message_page(
                &tr("errors.account.password_changed_title"),
                &tr("errors.account.password_changed"),
                "/account/login",
                &tr("errors.account.sign_in"),
            )?;
            Ok(HttpResponse::Ok()
                .cookie(state.cookies.expired_session_cookie())
                .content_type("text/html; charset=utf-8")
                .body(body))
        }
        Err(AccountError::InvalidToken) => {
            Err(PageError::BadRequest(tr("errors.account.bad_reset_link")))
        }
        Err(e) => Err(PageError::Unexpected(e.into())),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    token: String,
}

/// The link from the verification e-mail.
#[get("/account/verify")]
async fn verify_email(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    match accounts::verify_email(&state.db, &query.token, state.clock.now()).await {
        Ok(user) => {
            tracing::info!(user = %user.pid, "e-mail verified");
            let body = message_page(
                &tr("errors.account.verified_title"),
                &tr_with("errors.account.verified", &[("email", &user.email)]),
                "/account",
                &tr("errors.account.to_account"),
            )?;
            Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(body))
        }
        Err(AccountError::InvalidToken) => {
            Err(PageError::BadRequest(tr("errors.account.bad_verify_link")))
        }
        Err(e) => Err(PageError::Unexpected(e.into())),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[get("/account/signup")]
async fn signup_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    form_page(
        &state,
        &req,
        actix_web::http::StatusCode::OK,
        "pages/signup",
        json!({ "title": tr("account.signup_title"), "errors": [], "email": "", "display_name": "" }),
    )
}

#[derive(Deserialize)]
struct SignupForm {
    csrf: String,
    email: String,
    password: String,
    display_name: String,
}

#[post("/account/signup")]
async fn signup(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, PageError> {
    let limits = [(
        format!("signup:addr:{}", client_address(&req)),
        SIGNUP_PER_ADDRESS,
    )];
    guard(&state, &req, &form.csrf, &limits).await?;
    let now = state.clock.now();
    let again = |errors: Vec<String>| {
        form_page(
            &state,
            &req,
            actix_web::http::StatusCode::BAD_REQUEST,
            "pages/signup",
            json!({
                "title": tr("account.signup_title"),
                "errors": errors,
                "email": form.email,
                "display_name": form.display_name,
            }),
        )
    };
    let account = match NewAccount::parse(&form.email, &form.password, &form.display_name) {
        Ok(account) => account,
        Err(problems) => return again(problems.into_iter().map(|(_, why)| why).collect()),
    };
    let site = state.site.clone();
    let user = match accounts::sign_up(&state.db, account, &site, now).await {
        Ok(user) => user,
        Err(AccountError::EmailTaken) => {
            return again(vec![tr("errors.account.email_taken")]);
        }
        Err(e) => return Err(PageError::Unexpected(e.into())),
    };
    tracing::info!(user = %user.pid, "account created");
    if let Some(token) = state.cookies.cart_token(&req) {
        crate::features::cart::merge_at_sign_in(&state.db, token, user.id, now).await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(state.cookies.session_cookie(&user, now))
        .insert_header((LOCATION, "/account"))
        .finish())
}

#[get("/account/login")]
async fn login_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    form_page(
        &state,
        &req,
        actix_web::http::StatusCode::OK,
        "pages/login",
        json!({
            "title": tr("account.login_title"),
            "error": null,
            "email": "",
            "next": safe_next(query.next.as_deref()),
        }),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    next: Option<String>,
}

#[post("/account/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let email = form.email.trim().to_lowercase();
    let limits = [
        (format!("login:email:{email}"), LOGIN_PER_EMAIL),
        (
            format!("login:addr:{}", client_address(&req)),
            LOGIN_PER_ADDRESS,
        ),
    ];
    guard(&state, &req, &form.csrf, &limits).await?;
    let now = state.clock.now();
    let next = safe_next(form.next.as_deref());
    match accounts::authenticate(&state.db, &email, &form.password).await {
        Ok(user) => {
            // A cart filled as a guest joins the account's cart.
            if let Some(token) = state.cookies.cart_token(&req) {
                crate::features::cart::merge_at_sign_in(&state.db, token, user.id, now).await?;
            }
            Ok(HttpResponse::SeeOther()
                .cookie(state.cookies.session_cookie(&user, now))
                .insert_header((LOCATION, next))
                .finish())
        }
        Err(AccountError::WrongCredentials) => form_page(
            &state,
            &req,
            actix_web::http::StatusCode::BAD_REQUEST,
            "pages/login",
            json!({
                "title": tr("account.login_title"),
                "error": tr("account.wrong_credentials"),
                "email": form.email,
                "next": next,
            }),
        ),
        Err(e) => Err(PageError::Unexpected(e.into())),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

#[post("/account/logout")]
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    Ok(HttpResponse::SeeOther()
        .cookie(state.cookies.expired_session_cookie())
        .insert_header((LOCATION, "/"))
        .finish())
}

#[get("/account")]
async fn account_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let principal = crate::web::auth::require(&state, &req).await?;
    render_account(&state, &req, &principal, StatusCode::OK, None, None).await
}

async fn render_account(
    state: &AppState,
    req: &HttpRequest,
    principal: &crate::features::accounts::auth::Principal,
    status: StatusCode,
    new_token: Option<String>,
    token_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let user = &principal.user;
    let tokens: Vec<_> = tokens::list(&state.db, user.id)
        .await?
        .into_iter()
        .map(|t| json!({ "id": t.id, "name": t.name, "prefix": t.prefix, "created": format_vietnam(t.created_at) }))
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/account",
        json!({
            "title": tr("account.page_title"),
            "display_name": user.display_name,
            "email": user.email,
            "verified": user.email_verified_at.is_some(),
            "member_since": format_vietnam(user.created_at),
            "is_officer": principal.is_officer(),
            "is_outlet_staff": principal.grants.iter().any(|g| matches!(g, crate::features::accounts::auth::Grant::OutletStaff { .. })),
            "tokens": tokens,
            "new_token": new_token,
            "token_error": token_error,
        }),
    )
}

#[derive(Deserialize)]
struct TokenForm {
    csrf: String,
    name: String,
}

#[post("/account/tokens")]
async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let principal = crate::web::auth::require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    match tokens::create(&state.db, principal.user.id, &form.name, state.clock.now()).await {
        Ok(token) => {
            tracing::info!(user = %principal.user.pid, "API token created");
            render_account(&state, &req, &principal, StatusCode::OK, Some(token), None).await
        }
        Err(TokenError::Database(e)) => Err(e.into()),
        Err(e) => {
            render_account(
                &state,
                &req,
                &principal,
                StatusCode::BAD_REQUEST,
                None,
                Some(e.to_string()),
            )
            .await
        }
    }
}

#[post("/account/tokens/{id}/revoke")]
async fn revoke_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let principal = crate::web::auth::require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    if !tokens::revoke(&state.db, principal.user.id, *path, state.clock.now()).await? {
        return Err(PageError::NotFound);
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/account"))
        .finish())
}
