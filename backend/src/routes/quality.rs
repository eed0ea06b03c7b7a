//! Quality reports: a signed-in user files one from a product page; officers of the product's
//! province work through them at `/officer/quality`; the seller answers what it is asked at
//! `/seller/quality`; the reporter follows them at `/account/reports`. The rules are
//! `features::quality`.
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::domain::ids::SellerId;
use crate::features::accounts::auth::Principal;
use crate::features::quality::{self, Decision, QualityError, ReportAsk};
use crate::i18n::tr;
use crate::web::auth::require;
use crate::web::auth::require_officer;
use crate::web::error::PageError;
use crate::web::forms::chosen_seller;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;

/// Why a step was refused, with its status; a database failure is the error page and a
/// report the asker may not reach a 404.
fn refusal(e: QualityError) -> Result<(StatusCode, String), PageError> {
    use QualityError as E;
    let e = match e {
        E::Database(e) => return Err(e.into()),
        E::NotFound => return Err(PageError::NotFound),
        other => other,
    };
    let status = match &e {
        E::Database(_) | E::NotFound => StatusCode::INTERNAL_SERVER_ERROR,
        E::BadKind | E::BadBody | E::BadText | E::TooManyPhotos => StatusCode::BAD_REQUEST,
        E::AlreadyOpen | E::Closed => StatusCode::CONFLICT,
    };
    Ok((status, e.to_string()))
}

/// The kinds a shopper chooses from, labelled.
pub fn kind_options() -> Vec<serde_json::Value> {
    quality::KINDS
        .iter()
        .map(|k| json!({ "value": k.as_str(), "label": tr(&format!("quality.kinds.{}", k.as_str())) }))
        .collect()
}

/// `POST /products/{slug}/quality-reports` (multipart: `csrf`, `kind`, `body`, up to three
/// `photo`): a signed-in user reports a problem; back to the product with a notice.
#[post("/products/{slug}/quality-reports")]
async fn file(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner();
    let principal = match require(&state, &req).await {
        Err(PageError::SignInRequired(_)) => {
            return Err(PageError::SignInRequired(format!(
                "/products/{slug}#quality"
            )));
        }
        other => other?,
    };
    let (fields, photos) = crate::web::forms::read_photos(payload, 8, quality::MAX_PHOTOS)
        .await
        .map_err(PageError::BadRequest)?;
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    guard(&state, &req, field("csrf"), &[]).await?;
    let photos = crate::web::forms::ingest_photos(&state, photos)
        .await?
        .map_err(PageError::BadRequest)?;
    let ask = ReportAsk {
        kind: field("kind"),
        body: field("body"),
        photos,
    };
    match quality::file(&state.db, &principal.user, &slug, ask, state.clock.now()).await {
        Ok(_) => Ok(see_other(&format!(
            "/products/{slug}?quality_reported=1#quality"
        ))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            Err(if status == StatusCode::CONFLICT {
                PageError::Conflict(why)
            } else {
                PageError::BadRequest(why)
            })
        }
    }
}

/// The signed-in user's reports and what became of them.
#[get("/account/reports")]
async fn mine(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let reports = quality::for_reporter(&state.db, principal.user.id).await?;
    form_page(
        &state,
        &req,
        StatusCode::OK,
        "pages/account_reports",
        json!({ "title": tr("quality.account_title"), "reports": reports }),
    )
}

async fn officer_page(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let reports = quality::queue(&state.db, principal).await?;
    form_page(
        state,
        req,
        status,
        "pages/officer_quality",
        json!({
            "title": tr("quality.officer_title"),
            "reports": reports,
            "error": error,
        }),
    )
}

/// Reports of the officer's provinces: open ones first.
#[get("/officer/quality")]
async fn queue(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let principal = require_officer(&state, &req).await?;
    officer_page(&state, &req, &principal, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    /// `answer`, `ask` or `delist`.
    decision: String,
    #[serde(default)]
    text: String,
}

#[post("/officer/quality/{report}")]
async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require_officer(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let decision = Decision::parse(&form.decision)
        .ok_or_else(|| PageError::BadRequest(tr("errors.form.bad_decision")))?;
    let decided = quality::decide(
        &state.db,
        &principal,
        *path,
        decision,
        &form.text,
        &state.site,
        state.clock.now(),
    )
    .await;
    match decided {
        Ok(()) => Ok(see_other(&format!("/officer/quality#report-{}", *path))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            officer_page(&state, &req, &principal, status, Some(why)).await
        }
    }
}

#[derive(Deserialize)]
struct SellerQuery {
    seller: Option<SellerId>,
}

async fn seller_page(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    seller: Option<SellerId>,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let shop = chosen_seller(state, principal, seller).await?;
    let reports = quality::for_seller(&state.db, shop.id).await?;
    form_page(
        state,
        req,
        status,
        "pages/seller_quality",
        json!({
            "title": tr("quality.seller_title"),
            "seller": { "id": shop.id, "name": shop.display_name },
            "reports": reports,
            "error": error,
        }),
    )
}

/// What the officers asked the seller about its products, with an answer form.
#[get("/seller/quality")]
async fn seller_reports(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SellerQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    seller_page(&state, &req, &principal, query.seller, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct AnswerForm {
    csrf: String,
    seller: SellerId,
    #[serde(default)]
    text: String,
}

#[post("/seller/quality/{report}")]
async fn seller_answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen_seller(&state, &principal, Some(form.seller)).await?;
    match quality::seller_answer(&state.db, &principal, *path, &form.text, state.clock.now()).await
    {
        Ok(()) => Ok(see_other(&format!("/seller/quality?seller={}", shop.id))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            seller_page(&state, &req, &principal, Some(shop.id), status, Some(why)).await
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(file)
        .service(mine)
        .service(queue)
        .service(decide)
        .service(seller_reports)
        .service(seller_answer);
}
