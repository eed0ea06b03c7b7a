//! The officers' area: the review queue of seller applications in their provinces, delisting
//! a listing with a reason, and the audit log of their provinces. Administrators see every
//! province.
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::features::accounts::auth::Principal;
use crate::features::onboarding::{self, Decision, OnboardingError};
use crate::features::selling::{self, SellingError};
use crate::i18n::{pick, tr};
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::{form_page, guard};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(officer_page).service(decide).service(delist);
}

async fn officer_principal(state: &AppState, req: &HttpRequest) -> Result<Principal, PageError> {
    let principal = require(state, req).await?;
    if principal.is_officer() {
        Ok(principal)
    } else {
        Err(PageError::AccessDenied)
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
            .map(|c| {
                state
                    .reference
                    .province(c)
                    .map_or_else(|| c.clone(), |p| pick(&p.name_vi, &p.name_en).to_owned())
            })
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
    let principal = officer_principal(&state, &req).await?;
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
    let principal = officer_principal(&state, &req).await?;
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
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use crate::db::entities::listing;
    let principal = officer_principal(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let slug = form
        .product
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let Some(found) = listing::Entity::find()
        .filter(listing::Column::Slug.eq(slug))
        .one(&state.db)
        .await?
    else {
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
    match selling::officer_delist(
        &state.db,
        &principal,
        found.pid,
        &form.reason,
        state.clock.now(),
    )
    .await
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
