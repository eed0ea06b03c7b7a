//! Becoming a seller: the application against the registry, the code mailed to the registry
//! contact, and the officers' review queue (`/officer`).
use crate::app::AppState;
use crate::features::accounts::auth::Principal;
use crate::features::onboarding;
use crate::features::onboarding::Decision;
use crate::features::onboarding::OnboardingError;
use crate::features::selling;
use crate::features::selling::SellingError;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::web::auth::require;
use crate::web::auth::require_officer;
use crate::web::error::PageError;
use crate::web::forms::CsrfOnly;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::message_page;
use crate::web::forms::see_other;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

const APPLY_PER_USER: u32 = 10;

const CODE_PER_USER: u32 = 20;

const RESEND_PER_USER: u32 = 3;

fn apply_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<String>,
    registration_no: &str,
) -> Result<HttpResponse, PageError> {
    form_page(
        state,
        req,
        status,
        "pages/seller_apply",
        json!({
            "title": tr("seller.apply_title"),
            "error": error,
            "registration_no": registration_no,
        }),
    )
}

#[get("/seller/apply")]
async fn apply_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    require(&state, &req).await?;
    apply_page(&state, &req, StatusCode::OK, None, "")
}

#[derive(Deserialize)]
struct ApplyForm {
    csrf: String,
    registration_no: String,
}

#[post("/seller/apply")]
async fn apply(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let limits = [(format!("apply:user:{}", principal.user.id), APPLY_PER_USER)];
    guard(&state, &req, &form.csrf, &limits).await?;
    let site = state.site.clone();
    match onboarding::apply(
        &state.db,
        &principal,
        &form.registration_no,
        &site,
        state.clock.now(),
    )
    .await
    {
        Ok(applied) => Ok(see_other(&format!(
            "/seller/applications/{}",
            applied.application.pid
        ))),
        Err(OnboardingError::Database(e)) => Err(e.into()),
        Err(e) => apply_page(
            &state,
            &req,
            StatusCode::BAD_REQUEST,
            Some(e.to_string()),
            &form.registration_no,
        ),
    }
}

async fn application_view(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let view = onboarding::for_user(&state.db, principal.user.id)
        .await?
        .into_iter()
        .find(|a| a.pid == pid)
        .ok_or(PageError::NotFound)?;
    form_page(
        state,
        req,
        status,
        "pages/seller_application",
        json!({
            "title": tr("seller.application_title"),
            "application": view,
            "awaiting_code": view.state == onboarding::State::AwaitingCode.as_str(),
            "in_review": view.state == onboarding::State::InReview.as_str(),
            "approved": view.state == onboarding::State::Approved.as_str(),
            "rejected": view.state == onboarding::State::Rejected.as_str(),
            "minutes": onboarding::CODE_MINUTES,
            "error": error,
            "notice": notice,
        }),
    )
}

#[get("/seller/applications/{pid}")]
async fn application_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    application_view(&state, &req, &principal, *path, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    code: String,
}

#[post("/seller/applications/{pid}/code")]
async fn submit_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let limits = [(format!("code:user:{}", principal.user.id), CODE_PER_USER)];
    guard(&state, &req, &form.csrf, &limits).await?;
    let site = state.site.clone();
    match onboarding::submit_code(
        &state.db,
        &principal,
        *path,
        &form.code,
        &site,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(message_page(
                &tr("seller.verified_title"),
                &tr("seller.verified"),
                "/seller",
                &tr("seller.to_seller_area"),
            )?)),
        Err(e) => application_error(&state, &req, &principal, *path, e).await,
    }
}

/// An onboarding error: a 404 or 500 page, or the application page again with the message.
async fn application_error(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    error: OnboardingError,
) -> Result<HttpResponse, PageError> {
    match error {
        OnboardingError::NotFound => Err(PageError::NotFound),
        OnboardingError::Database(e) => Err(e.into()),
        e => {
            let message = Some(e.to_string());
            application_view(
                state,
                req,
                principal,
                pid,
                StatusCode::BAD_REQUEST,
                message,
                None,
            )
            .await
        }
    }
}

#[post("/seller/applications/{pid}/resend")]
async fn resend_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let limits = [(
        format!("resend:user:{}", principal.user.id),
        RESEND_PER_USER,
    )];
    guard(&state, &req, &form.csrf, &limits).await?;
    match onboarding::resend_code(&state.db, &principal, *path, state.clock.now()).await {
        Ok(to) => {
            application_view(
                &state,
                &req,
                &principal,
                *path,
                StatusCode::OK,
                None,
                Some(tr_with("seller.resent", &[("to", &to)])),
            )
            .await
        }
        Err(e) => application_error(&state, &req, &principal, *path, e).await,
    }
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let queue = onboarding::review_queue(&state.db, principal).await?;
    let provinces = principal.reviewed_provinces();
    let audit = crate::audit::recent(&state.db, provinces.as_deref(), 50).await?;
    let province_names: Vec<String> = match &provinces {
        None => vec![tr("officer.all_provinces")],
        Some(codes) => codes
            .iter()
            .map(|c| state.reference.province_label(c))
            .collect(),
    };
    let audit: Vec<_> = audit
        .into_iter()
        .map(|a| {
            json!({
                "at": crate::domain::time::format_vietnam(a.at),
                "action": a.action,
                "subject": format!("{} {}", a.subject_type, a.subject_id),
                "reason": a.reason,
                "actor": a.actor_user_id,
            })
        })
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/officer",
        json!({
            "title": tr("officer.title"),
            "provinces": province_names.join(", "),
            "queue_count": queue.len(),
            "is_admin": principal.is_admin(),
            "queue": queue,
            "audit": audit,
            "error": error,
            "notice": notice,
        }),
    )
}

#[get("/officer")]
async fn officer_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let principal = require_officer(&state, &req).await?;
    page(&state, &req, &principal, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct DecideForm {
    csrf: String,
    decision: String,
    reason: String,
}

#[post("/officer/applications/{pid}/decide")]
async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<DecideForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require_officer(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let decision = match form.decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        _ => {
            return Err(PageError::BadRequest(crate::i18n::tr(
                "errors.form.bad_decision",
            )));
        }
    };
    let site = state.site.clone();
    match onboarding::decide(
        &state.db,
        &principal,
        *path,
        decision,
        &form.reason,
        &site,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/officer"))
            .finish()),
        Err(OnboardingError::Forbidden) => Err(PageError::AccessDenied),
        Err(OnboardingError::NotFound) => Err(PageError::NotFound),
        Err(OnboardingError::Database(e)) => Err(e.into()),
        Err(e) => {
            page(
                &state,
                &req,
                &principal,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct DelistForm {
    csrf: String,
    /// The product's address or its slug.
    product: String,
    reason: String,
}

#[post("/officer/listings/delist")]
async fn delist(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<DelistForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require_officer(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let Some(pid) = selling::listing_at(&state.db, &form.product).await? else {
        return page(
            &state,
            &req,
            &principal,
            StatusCode::BAD_REQUEST,
            Some(tr("officer.not_found")),
            None,
        )
        .await;
    };
    match selling::officer_delist(&state.db, &principal, pid, &form.reason, state.clock.now()).await
    {
        Ok(()) => {
            page(
                &state,
                &req,
                &principal,
                StatusCode::OK,
                None,
                Some(&tr("officer.delisted")),
            )
            .await
        }
        Err(SellingError::NotMember) => Err(PageError::AccessDenied),
        Err(SellingError::Database(e)) => Err(e.into()),
        Err(e) => {
            page(
                &state,
                &req,
                &principal,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
                None,
            )
            .await
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(apply_form)
        .service(apply)
        .service(application_page)
        .service(submit_code)
        .service(resend_code)
        .service(officer_page)
        .service(decide)
        .service(delist);
}
