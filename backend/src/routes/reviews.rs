//! Reviews: the buyer writes and rewrites them from the order page (tracking link or signed-in
//! owner); the seller replies at `/seller/reviews`; a signed-in user reports one from the
//! product page; officers hide or keep reported ones at `/officer/reviews`. The rules are
//! `features::orders::reviews`; the product page shows them (`routes::catalog`).
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::orders::{order_view, tracked_checkout};
use crate::app::AppState;
use crate::db::entities::checkout;
use crate::domain::ids::SellerId;
use crate::features::orders::OrderError;
use crate::features::orders::reviews::{self, ReviewAsk, ReviewError};
use crate::i18n::tr;
use crate::web::auth::current_user_id;
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::chosen_seller;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;

/// Why a review step was refused, with its status; a database failure is the error page and
/// a review the asker may not reach a 404.
fn refusal(e: ReviewError) -> Result<(StatusCode, String), PageError> {
    use ReviewError as E;
    let e = match e {
        E::Order(OrderError::Database(e)) | E::Database(e) => return Err(e.into()),
        E::Order(OrderError::NotFound) => return Err(PageError::NotFound),
        other => other,
    };
    let status = match &e {
        E::BadRating | E::BadBody | E::TooManyPhotos => StatusCode::BAD_REQUEST,
        _ => StatusCode::CONFLICT,
    };
    Ok((status, e.to_string()))
}

/// The order's code of a line of `placed`, for showing an error where the form was.
async fn code_of_item(state: &AppState, item: i64) -> Result<String, PageError> {
    Ok(crate::features::orders::code_of_item(&state.db, item)
        .await?
        .unwrap_or_default())
}

/// Reads a review form (multipart: `csrf`, `t`, `item`, `rating`, `body`, up to three
/// `photo`), checks the token, finds the checkout and puts the photos through the pipeline.
async fn read_form(
    state: &AppState,
    req: &HttpRequest,
    reference: &str,
    payload: actix_multipart::Multipart,
) -> Result<
    (
        checkout::Model,
        std::collections::HashMap<String, String>,
        Result<Vec<crate::media::Stored>, String>,
    ),
    PageError,
> {
    let (fields, photos) = crate::web::forms::read_photos(payload, 16, reviews::MAX_PHOTOS)
        .await
        .map_err(PageError::BadRequest)?;
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    guard(state, req, field("csrf"), &[]).await?;
    let token = field("t").trim().parse().ok();
    // Only the buyer (the tracking link, or the signed-in owner) reviews: anyone else is
    // refused outright.
    let found = match tracked_checkout(state, req, reference, token).await {
        Err(PageError::NotFound) => return Err(PageError::AccessDenied),
        other => other?,
    };
    let stored = crate::web::forms::ingest_photos(state, photos).await?;
    Ok((found, fields, stored))
}

fn rating_of(fields: &std::collections::HashMap<String, String>) -> i16 {
    fields
        .get("rating")
        .and_then(|r| r.trim().parse().ok())
        .unwrap_or(0)
}

async fn back_to_order(
    state: &AppState,
    req: &HttpRequest,
    found: &checkout::Model,
    item: i64,
    status: StatusCode,
    why: String,
) -> Result<HttpResponse, PageError> {
    let code = code_of_item(state, item).await?;
    order_view(state, req, found, (false, false), status, Some((code, why))).await
}

fn order_link(found: &checkout::Model) -> String {
    format!("/orders/{}?t={}", found.reference, found.tracking_token)
}

/// `POST /orders/{reference}/reviews`: the buyer reviews one line of a delivered order.
#[post("/orders/{reference}/reviews")]
async fn write(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let (found, fields, photos) = read_form(&state, &req, &path, payload).await?;
    let item: i64 = fields
        .get("item")
        .and_then(|i| i.trim().parse().ok())
        .ok_or(PageError::NotFound)?;
    let photos = match photos {
        Ok(photos) => photos,
        Err(why) => {
            return back_to_order(&state, &req, &found, item, StatusCode::BAD_REQUEST, why).await;
        }
    };
    let by = current_user_id(&state, &req).await?;
    let ask = ReviewAsk {
        rating: rating_of(&fields),
        body: fields.get("body").map_or("", String::as_str),
        photos,
    };
    match reviews::write(&state.db, &found, item, ask, by, state.clock.now()).await {
        Ok(_) => Ok(see_other(&order_link(&found))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            back_to_order(&state, &req, &found, item, status, why).await
        }
    }
}

/// `POST /orders/{reference}/reviews/{review}`: the buyer rewrites a review (within 30 days).
#[post("/orders/{reference}/reviews/{review}")]
async fn rewrite(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, Uuid)>,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let (reference, review) = path.into_inner();
    let (found, fields, photos) = read_form(&state, &req, &reference, payload).await?;
    let item: i64 = fields
        .get("item")
        .and_then(|i| i.trim().parse().ok())
        .unwrap_or_default();
    let photos = match photos {
        Ok(photos) => photos,
        Err(why) => {
            return back_to_order(&state, &req, &found, item, StatusCode::BAD_REQUEST, why).await;
        }
    };
    let ask = ReviewAsk {
        rating: rating_of(&fields),
        body: fields.get("body").map_or("", String::as_str),
        photos,
    };
    match reviews::rewrite(&state.db, &found, review, ask, state.clock.now()).await {
        Ok(_) => Ok(see_other(&order_link(&found))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            back_to_order(&state, &req, &found, item, status, why).await
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
    principal: &crate::features::accounts::auth::Principal,
    seller: Option<SellerId>,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let shop = chosen_seller(state, principal, seller).await?;
    let rows = reviews::for_seller(&state.db, shop.id, state.clock.now()).await?;
    form_page(
        state,
        req,
        status,
        "pages/seller_reviews",
        json!({
            "title": tr("reviews.seller_title"),
            "seller": { "id": shop.id, "name": shop.display_name },
            "reviews": rows,
            "error": error,
        }),
    )
}

/// The reviews of the seller's products, with a reply form on each not answered yet.
#[get("/seller/reviews")]
async fn seller_reviews(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SellerQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    seller_page(&state, &req, &principal, query.seller, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct ReplyForm {
    csrf: String,
    seller: SellerId,
    #[serde(default)]
    reply: String,
}

#[post("/seller/reviews/{review}/reply")]
async fn reply(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<ReplyForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen_seller(&state, &principal, Some(form.seller)).await?;
    match reviews::reply(&state.db, &principal, *path, &form.reply, state.clock.now()).await {
        Ok(_) => Ok(see_other(&format!("/seller/reviews?seller={}", shop.id))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            seller_page(&state, &req, &principal, Some(shop.id), status, Some(why)).await
        }
    }
}

#[derive(Deserialize)]
struct ReportForm {
    csrf: String,
    #[serde(default)]
    reason: String,
    /// The product page to go back to.
    #[serde(default)]
    product: String,
}

/// A signed-in user reports a review as abusive; an officer of the product's province decides.
#[post("/reviews/{review}/report")]
async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<ReportForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    match reviews::report(
        &state.db,
        principal.user.id,
        *path,
        &form.reason,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => {
            // Back to the product (only a product path of this site), with a notice.
            let slug: String = form
                .product
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let to = if slug.is_empty() {
                "/".to_owned()
            } else {
                format!("/products/{slug}?reported=1#reviews")
            };
            Ok(see_other(&to))
        }
        Err(e) => {
            let (_, why) = refusal(e)?;
            Err(PageError::BadRequest(why))
        }
    }
}

async fn officer_page(
    state: &AppState,
    req: &HttpRequest,
    principal: &crate::features::accounts::auth::Principal,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    if !principal.is_officer() {
        return Err(PageError::AccessDenied);
    }
    let rows = reviews::reported(&state.db, principal, state.clock.now()).await?;
    form_page(
        state,
        req,
        status,
        "pages/officer_reviews",
        json!({
            "title": tr("reviews.officer_title"),
            "reviews": rows,
            "error": error,
        }),
    )
}

/// Reported reviews of the officer's provinces.
#[get("/officer/reviews")]
async fn reported(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    officer_page(&state, &req, &principal, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct ModerationForm {
    csrf: String,
    /// `hide` or `keep`.
    decision: String,
    #[serde(default)]
    reason: String,
}

#[post("/officer/reviews/{review}")]
async fn moderate(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<ModerationForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    if !principal.is_officer() {
        return Err(PageError::AccessDenied);
    }
    let hide = match form.decision.as_str() {
        "hide" => true,
        "keep" => false,
        _ => return Err(PageError::BadRequest(tr("errors.form.bad_decision"))),
    };
    match reviews::moderate(
        &state.db,
        &principal,
        *path,
        hide,
        &form.reason,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(see_other("/officer/reviews")),
        Err(e) => {
            let (status, why) = refusal(e)?;
            officer_page(&state, &req, &principal, status, Some(why)).await
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(write)
        .service(rewrite)
        .service(seller_reviews)
        .service(reply)
        .service(report)
        .service(reported)
        .service(moderate);
}
