//! Returns: the shopper asks from the order page (tracking link or signed-in owner) and may
//! dispute a refusal; the seller accepts or refuses on the order's page; the province's
//! officer settles disputes at `/officer/returns`. The rules are `features::orders::returns`.
use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::orders::{detail_view, order_view, tracked_checkout};
use crate::app::AppState;
use crate::db::entities::checkout;
use crate::domain::states::Disposition;
use crate::features::orders::OrderError;
use crate::features::orders::refunds::{RefundError, ShopperAccount};
use crate::features::orders::returns::{self, Decision, ReturnAsk, ReturnError};
use crate::i18n::tr;
use crate::web::auth::current_user_id;
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;

/// Parts a return form may carry: the token, link, order, reason, bank account, photos and
/// one quantity per order line.
const MAX_PARTS: usize = 48;

fn order_link(found: &checkout::Model, code: &str) -> String {
    format!(
        "/orders/{}?t={}#order-{code}",
        found.reference, found.tracking_token
    )
}

/// Why a return step was refused, with its status; a database failure is the error page and
/// a return or order the asker may not see a 404.
fn refusal(e: ReturnError) -> Result<(StatusCode, String), PageError> {
    use ReturnError as E;
    let e = match e {
        E::Order(OrderError::Database(e))
        | E::Database(e)
        | E::Refund(RefundError::Database(e) | RefundError::Order(OrderError::Database(e))) => {
            return Err(e.into());
        }
        E::Order(OrderError::NotFound) => return Err(PageError::NotFound),
        other => other,
    };
    let status = match &e {
        E::Refund(RefundError::Refused(_)) => StatusCode::BAD_GATEWAY,
        E::MissingReason
        | E::NoItems
        | E::NeedsPhoto
        | E::TooManyPhotos
        | E::NeedsAccount
        | E::Refund(RefundError::NeedsAccount | RefundError::MissingReason) => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::CONFLICT,
    };
    Ok((status, e.to_string()))
}

/// The order page again, with why the return form of order `code` was refused.
async fn refused_on_order(
    state: &AppState,
    req: &HttpRequest,
    found: &checkout::Model,
    code: String,
    status: StatusCode,
    why: String,
) -> Result<HttpResponse, PageError> {
    order_view(state, req, found, (false, false), status, Some((code, why))).await
}

/// `POST /orders/{reference}/returns` (multipart: `csrf`, `t`, `order` (its code), `reason`,
/// `qty_{line}` per order line, `bank_bin`/`account_no`/`account_name` when the order was not
/// paid by card, and up to three `photo` files).
#[post("/orders/{reference}/returns")]
async fn ask(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let read = crate::web::forms::read_photos(payload, MAX_PARTS, returns::MAX_PHOTOS).await;
    let (fields, photos) = match read {
        Ok(read) => read,
        Err(why) => return Err(PageError::BadRequest(why)),
    };
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    guard(&state, &req, field("csrf"), &[]).await?;
    let token = field("t").trim().parse().ok();
    let found = tracked_checkout(&state, &req, &path, token).await?;
    let code = field("order").trim().to_owned();
    let items = match quantities(&fields) {
        Ok(items) => items,
        Err(why) => {
            return refused_on_order(&state, &req, &found, code, StatusCode::BAD_REQUEST, why)
                .await;
        }
    };
    let given = !(field("bank_bin").is_empty() && field("account_no").is_empty());
    let account = ShopperAccount::parse(
        field("bank_bin"),
        field("account_no"),
        field("account_name"),
    );
    if given && account.is_none() {
        let why = tr("refunds.error.account");
        return refused_on_order(&state, &req, &found, code, StatusCode::BAD_REQUEST, why).await;
    }
    let stored = match crate::web::forms::ingest_photos(&state, photos).await? {
        Ok(stored) => stored,
        Err(why) => {
            return refused_on_order(&state, &req, &found, code, StatusCode::BAD_REQUEST, why)
                .await;
        }
    };
    let by = current_user_id(&state, &req).await?;
    let asked = returns::request(
        &state.db,
        &found,
        &code,
        ReturnAsk {
            items,
            reason: field("reason"),
            account,
            photos: stored,
        },
        by,
        state.payments.return_days,
        state.clock.now(),
    )
    .await;
    match asked {
        Ok(_) => Ok(see_other(&order_link(&found, &code))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            refused_on_order(&state, &req, &found, code, status, why).await
        }
    }
}

/// The `qty_{line}` fields: whole numbers from 0.
fn quantities(fields: &HashMap<String, String>) -> Result<Vec<(i64, i32)>, String> {
    let mut items = Vec::new();
    for (name, value) in fields {
        let Some(line) = name.strip_prefix("qty_") else {
            continue;
        };
        let line: i64 = line.parse().map_err(|_| tr("returns.error.no_items"))?;
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let quantity: i32 = value
            .parse()
            .ok()
            .filter(|q| *q >= 0)
            .ok_or_else(|| tr("returns.error.quantity"))?;
        items.push((line, quantity));
    }
    items.sort_unstable();
    Ok(items)
}

#[derive(Deserialize)]
struct DisputeForm {
    csrf: String,
    t: Option<Uuid>,
    #[serde(default)]
    reason: String,
}

/// The shopper disputes a seller's refusal: the province's officer will decide.
#[post("/orders/{reference}/returns/{ret}/dispute")]
async fn dispute(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, Uuid)>,
    form: web::Form<DisputeForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let (reference, ret) = path.into_inner();
    let found = tracked_checkout(&state, &req, &reference, form.t).await?;
    let done = returns::dispute(
        &state.db,
        &found,
        ret,
        &form.reason,
        state.payments.return_days,
        state.clock.now(),
    )
    .await;
    match done {
        Ok(_) => Ok(see_other(&order_link(&found, ""))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            let code = returns::order_code_of(&state.db, ret)
                .await?
                .unwrap_or_default();
            refused_on_order(&state, &req, &found, code, status, why).await
        }
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    /// `accept` or `refuse` (`reject` for an officer).
    decision: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    reason: String,
}

impl DecisionForm {
    fn decision(&self) -> Result<Decision, String> {
        match self.decision.as_str() {
            "accept" => Disposition::parse(&self.disposition)
                .map(Decision::Accept)
                .ok_or_else(|| tr("returns.error.disposition")),
            "refuse" | "reject" => Ok(Decision::Refuse(self.reason.clone())),
            _ => Err(tr("errors.form.bad_decision")),
        }
    }
}

/// The seller accepts (restocking or writing off the units) or refuses a return.
#[post("/seller/orders/{pid}/returns/{ret}")]
async fn seller_decides(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let (order, ret) = path.into_inner();
    let decision = match form.decision() {
        Ok(decision) => decision,
        Err(why) => {
            let status = StatusCode::BAD_REQUEST;
            return detail_view(&state, &req, &principal, order, status, Some(why)).await;
        }
    };
    let done = returns::seller_decides(
        &state.db,
        state.payments.stripe.as_deref(),
        &principal,
        order,
        ret,
        decision,
        state.clock.now(),
    )
    .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/seller/orders/{order}"))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            detail_view(&state, &req, &principal, order, status, Some(why)).await
        }
    }
}

async fn disputes_page(
    state: &AppState,
    req: &HttpRequest,
    principal: &crate::features::accounts::auth::Principal,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    if !principal.is_officer() {
        return Err(PageError::AccessDenied);
    }
    let waiting = returns::disputes(&state.db, principal).await?;
    let shown: Vec<_> = waiting
        .into_iter()
        .map(|d| {
            let province = state.reference.province_label(&d.province_code);
            json!({ "dispute": d, "province": province })
        })
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/officer_returns",
        json!({
            "title": tr("returns.officer_title"),
            "disputes": shown,
            "error": error,
        }),
    )
}

/// The disputed returns of the officer's provinces.
#[get("/officer/returns")]
async fn disputes(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    disputes_page(&state, &req, &principal, StatusCode::OK, None).await
}

/// The officer settles a dispute: accept (the units come back and are refunded) or reject.
#[post("/officer/returns/{ret}")]
async fn officer_decides(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    if !principal.is_officer() {
        return Err(PageError::AccessDenied);
    }
    let decision = match form.decision() {
        Ok(decision) => decision,
        Err(why) => {
            return disputes_page(&state, &req, &principal, StatusCode::BAD_REQUEST, Some(why))
                .await;
        }
    };
    let done = returns::officer_decides(
        &state.db,
        state.payments.stripe.as_deref(),
        &principal,
        *path,
        decision,
        state.clock.now(),
    )
    .await;
    match done {
        Ok(_) => Ok(see_other("/officer/returns")),
        Err(e) => {
            let (status, why) = refusal(e)?;
            disputes_page(&state, &req, &principal, status, Some(why)).await
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(ask)
        .service(dispute)
        .service(seller_decides)
        .service(disputes)
        .service(officer_decides);
}
