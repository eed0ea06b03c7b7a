//! The seller's orders: a list by state, one order with its history and the next steps
//! (confirm, ship with carrier and tracking number, deliver, cancel or refund with a reason,
//! confirm a bank transfer), and the bank account VietQR codes pay into. Every handler checks
//! the principal's scope through `orders`; another seller's order is a 404.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::db::entities::seller;
use crate::features::accounts::auth::Principal;
use crate::features::orders::{self, OrderError, OrderState, Step};
use crate::i18n::{pick, tr};
use crate::payments::vietqr;
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::chosen_seller;
use crate::web::forms::{CsrfOnly, see_other};
use crate::web::forms::{form_page, guard};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(detail)
        .service(step)
        .service(confirm_paid)
        .service(bank_form)
        .service(save_bank);
}

#[derive(Deserialize)]
struct ListQuery {
    seller: Option<i64>,
    state: Option<String>,
}

#[get("/seller/orders")]
async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let shop = chosen_seller(&state, &principal, query.seller).await?;
    let filter = query.state.as_deref().and_then(OrderState::parse);
    let rows = orders::for_seller(&state.db, shop.id, filter, 200).await?;
    let counts = orders::counts_for_seller(&state.db, shop.id).await?;
    let tabs: Vec<_> = OrderState::ALL
        .iter()
        .map(|s| {
            json!({
                "state": s.as_str(),
                "count": counts.get(s.as_str()).copied().unwrap_or(0),
                "current": Some(*s) == filter,
            })
        })
        .collect();
    form_page(
        &state,
        &req,
        StatusCode::OK,
        "pages/seller_orders",
        json!({
            "title": tr("orders.seller_title"),
            "seller": { "id": shop.id, "name": shop.display_name },
            "tabs": tabs,
            "all_current": filter.is_none(),
            "orders": rows,
        }),
    )
}

async fn detail_view(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let view = orders::seller_order(&state.db, principal, pid)
        .await
        .map_err(order_page_error)?;
    let s = view.order.state.as_str();
    let unpaid = view.order.payment_state == "unpaid";
    let province = state
        .reference
        .province(&view.checkout.province_code)
        .map_or(view.checkout.province_code.clone(), |p| {
            pick(&p.name_vi, &p.name_en).to_owned()
        });
    form_page(
        state,
        req,
        status,
        "pages/seller_order",
        json!({
            "title": tr_code("orders.order_title", &view.order.code),
            "order": view.order,
            "checkout": {
                "name": view.checkout.name,
                "phone": view.checkout.phone,
                "street": view.checkout.street,
                "commune": view.checkout.commune,
                "payment_method": view.checkout.payment_method,
                "channel": view.checkout.channel,
            },
            "province": province,
            "items": view.items,
            "events": view.events,
            "can_confirm": s == "placed",
            "can_ship": s == "confirmed",
            "can_deliver": s == "shipped",
            "can_cancel": matches!(s, "placed" | "confirmed") && unpaid,
            "can_refund": s != "refunded" && view.order.payment_state == "paid",
            "can_confirm_paid": unpaid && view.checkout.payment_method == "vietqr",
            "refund_due": s == "cancelled" && view.order.payment_state == "paid",
            "error": error,
        }),
    )
}

fn tr_code(key: &str, code: &str) -> String {
    crate::i18n::tr_with(key, &[("code", &code)])
}

fn order_page_error(e: OrderError) -> PageError {
    match e {
        OrderError::Database(e) => e.into(),
        _ => PageError::NotFound,
    }
}

#[get("/seller/orders/{pid}")]
async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    detail_view(&state, &req, &principal, *path, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct StepForm {
    csrf: String,
    step: String,
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    tracking_no: String,
    #[serde(default)]
    reason: String,
}

#[post("/seller/orders/{pid}/step")]
async fn step(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    // Another seller's order is a 404 whatever the form says.
    orders::find_for_seller(&state.db, &principal, *path)
        .await
        .map_err(order_page_error)?;
    let form = form.into_inner();
    let step = match form.step.as_str() {
        "confirm" => Step::Confirm,
        "ship" => Step::Ship {
            carrier: form.carrier,
            tracking_no: form.tracking_no,
        },
        "deliver" => Step::Deliver,
        "cancel" => Step::Cancel {
            reason: form.reason,
        },
        "refund" => Step::Refund {
            reason: form.reason,
        },
        _ => return Err(PageError::BadRequest(tr("orders.error.unknown_step"))),
    };
    match orders::advance(
        &state.db,
        orders::Actor::Seller(&principal),
        *path,
        step,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/seller/orders/{}", path))),
        Err(e @ (OrderError::NotFound | OrderError::Database(_))) => Err(order_page_error(e)),
        Err(e) => {
            let message = e.message();
            detail_view(
                &state,
                &req,
                &principal,
                *path,
                StatusCode::CONFLICT,
                Some(message),
            )
            .await
        }
    }
}

/// A seller member confirms the bank transfer for this order arrived.
#[post("/seller/orders/{pid}/paid")]
async fn confirm_paid(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    orders::confirm_transfer(&state.db, &principal, *path, state.clock.now())
        .await
        .map_err(order_page_error)?;
    Ok(see_other(&format!("/seller/orders/{}", path)))
}

#[derive(Deserialize)]
struct BankQuery {
    seller: Option<i64>,
}

fn bank_page(
    state: &AppState,
    req: &HttpRequest,
    shop: &seller::Model,
    status: StatusCode,
    fields: (&str, &str, &str),
    error: Option<String>,
    saved: bool,
) -> Result<HttpResponse, PageError> {
    let banks: Vec<_> = vietqr::BANKS
        .iter()
        .map(|b| json!({ "bin": b.bin, "name": b.name, "selected": b.bin == fields.0 }))
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/seller_bank",
        json!({
            "title": tr("orders.bank_title"),
            "seller": { "id": shop.id, "name": shop.display_name },
            "banks": banks,
            "account_no": fields.1,
            "account_name": fields.2,
            "error": error,
            "saved": saved,
        }),
    )
}

#[get("/seller/bank")]
async fn bank_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<BankQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let shop = chosen_seller(&state, &principal, query.seller).await?;
    let fields = (
        shop.bank_bin.clone().unwrap_or_default(),
        shop.bank_account_no.clone().unwrap_or_default(),
        shop.bank_account_name.clone().unwrap_or_default(),
    );
    bank_page(
        &state,
        &req,
        &shop,
        StatusCode::OK,
        (&fields.0, &fields.1, &fields.2),
        None,
        false,
    )
}

#[derive(Deserialize)]
struct BankForm {
    csrf: String,
    seller: i64,
    bank_bin: String,
    account_no: String,
    account_name: String,
}

#[post("/seller/bank")]
async fn save_bank(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<BankForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen_seller(&state, &principal, Some(form.seller)).await?;
    let fields = (
        form.bank_bin.as_str(),
        form.account_no.as_str(),
        form.account_name.as_str(),
    );
    match crate::features::selling::set_bank_account(
        &state.db,
        &principal,
        shop.id,
        fields.0,
        fields.1,
        fields.2,
        state.clock.now(),
    )
    .await
    {
        Ok(saved) => bank_page(&state, &req, &saved, StatusCode::OK, fields, None, true),
        Err(crate::features::selling::SellingError::Database(e)) => Err(e.into()),
        Err(crate::features::selling::SellingError::NotMember) => Err(PageError::AccessDenied),
        Err(e) => bank_page(
            &state,
            &req,
            &shop,
            StatusCode::BAD_REQUEST,
            fields,
            Some(e.to_string()),
            false,
        ),
    }
}
