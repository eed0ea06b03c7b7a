//! The seller's orders: a list by state, one order with its history and the next steps
//! (confirm, ship with carrier and tracking number, deliver, cancel or refund with a reason,
//! confirm a bank transfer), and the bank account VietQR codes pay into. Every handler checks
//! the principal's scope through `orders`; another seller's order is a 404.
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
use crate::carriers::{CarrierKind, Label};
use crate::db::entities::checkout;
use crate::db::entities::seller;
use crate::domain::ids::SellerId;
use crate::domain::money::Vnd;
use crate::domain::orders::PaymentMethod;
use crate::domain::refusal::{ErrorCode, Refusal};
use crate::features::accounts::auth::Principal;
use crate::features::cart;
use crate::features::orders;
use crate::features::orders::OrderError;
use crate::features::orders::OrderState;
use crate::features::orders::Step;
use crate::features::orders::payments;
use crate::features::orders::refunds;
use crate::features::orders::returns;
use crate::features::orders::reviews;
use crate::features::shipping;
use crate::features::shipping::tracking::{Applied, ShipmentError};
use crate::i18n::tr;
use crate::payments::bank;
use crate::payments::stripe::WebhookRefusal;
use crate::payments::vietqr;
use crate::web::auth::current_user_id;
use crate::web::auth::require;
use crate::web::error::ApiError;
use crate::web::error::PageError;
use crate::web::forms::CsrfOnly;
use crate::web::forms::begin_payment;
use crate::web::forms::chosen_seller;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;
use crate::web::forms::to_order;

#[derive(Deserialize)]
struct ListQuery {
    seller: Option<SellerId>,
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

pub(super) async fn detail_view(
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
    let province = state.reference.province_label(&view.checkout.province_code);
    let parcel = shipping::tracking::parcel_view(&state.db, &state.carriers, &view.order).await?;
    let refunds = refunds::of_order(&state.db, &view.order).await?;
    let returns = returns::of_orders(&state.db, std::slice::from_ref(&view.order))
        .await?
        .remove(&view.order.id)
        .unwrap_or_default();
    let by_card = view.checkout.payment_method == PaymentMethod::Stripe.as_str();
    let banks: Vec<_> = vietqr::BANKS
        .iter()
        .map(|b| json!({ "bin": b.bin, "name": b.name }))
        .collect();
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
                "invoice": view.checkout.invoice_tax_code.as_ref().map(|tax_code| json!({
                    "company": view.checkout.invoice_company,
                    "tax_code": tax_code,
                    "address": view.checkout.invoice_address,
                })),
            },
            "province": province,
            "items": view.items,
            "events": view.events,
            "actions": view.actions(),
            "books_with": parcel.books_with,
            "can_book": parcel.can_book,
            "booked": parcel.booked,
            "tracking": parcel.tracking,
            "refunds": refunds,
            "returns": returns,
            "refund": {
                // One per form: a second click is the same refund.
                "key": Uuid::new_v4(),
                "left": view.order.total_vnd() - view.order.refunded_vnd,
                "by_card": by_card,
                "banks": banks,
            },
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
        "return" => Step::Return {
            reason: form.reason,
        },
        "cancel" => {
            // A booked pick-up is cancelled with the carrier first.
            let done = shipping::tracking::cancel(
                &state.db,
                &state.carriers,
                &principal,
                *path,
                form.reason,
                state.clock.now(),
            )
            .await;
            return match done {
                Ok(_) => Ok(see_other(&format!("/seller/orders/{}", path))),
                Err(e) => shipment_refused(&state, &req, &principal, *path, e).await,
            };
        }
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
            let message = e.to_string();
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

/// Books the pick-up with the seller's carrier (GHN, GHTK).
#[post("/seller/orders/{pid}/book")]
async fn book(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let booked = shipping::tracking::book(
        &state.db,
        &state.reference,
        &state.carriers,
        &principal,
        *path,
        state.clock.now(),
    )
    .await;
    match booked {
        Ok(_) => Ok(see_other(&format!("/seller/orders/{}", path))),
        Err(e) => shipment_refused(&state, &req, &principal, *path, e).await,
    }
}

/// The carrier's shipping label of a booked order: its PDF, or its print page.
#[get("/seller/orders/{pid}/label")]
async fn label(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    match shipping::tracking::label(&state.db, &state.carriers, &principal, *path).await {
        Ok(Label::Pdf(bytes)) => Ok(HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header(("Content-Disposition", "inline; filename=\"label.pdf\""))
            .body(bytes)),
        Ok(Label::Url(url)) => Ok(see_other(&url)),
        Err(e) => shipment_refused(&state, &req, &principal, *path, e).await,
    }
}

/// A parcel action that failed: 404 for an order the seller may not see, else the order page
/// with the reason (409; 502 when the carrier failed or did not answer).
async fn shipment_refused(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    e: ShipmentError,
) -> Result<HttpResponse, PageError> {
    match e {
        ShipmentError::Order(e @ (OrderError::NotFound | OrderError::Database(_))) => {
            Err(order_page_error(e))
        }
        ShipmentError::Database(e) => Err(e.into()),
        e => {
            let status = match e {
                ShipmentError::Carrier(_) => StatusCode::BAD_GATEWAY,
                _ => StatusCode::CONFLICT,
            };
            detail_view(state, req, principal, pid, status, Some(e.to_string())).await
        }
    }
}

#[derive(Deserialize)]
struct InvoiceForm {
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    link: String,
}

/// A seller member records the e-invoice it issued for an order whose buyer asked for one.
#[post("/seller/orders/{pid}/invoice")]
async fn record_invoice(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<InvoiceForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let recorded = orders::record_invoice(
        &state.db,
        &principal,
        *path,
        &form.number,
        &form.link,
        state.clock.now(),
    )
    .await;
    match recorded {
        Ok(_) => Ok(see_other(&format!("/seller/orders/{}", path))),
        Err(e @ (OrderError::NotFound | OrderError::Database(_))) => Err(order_page_error(e)),
        Err(e) => {
            let status = match e {
                OrderError::NoInvoiceAsked => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            detail_view(&state, &req, &principal, *path, status, Some(e.to_string())).await
        }
    }
}

#[derive(Deserialize)]
struct RefundForm {
    csrf: String,
    key: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    bank_bin: String,
    #[serde(default)]
    account_no: String,
    #[serde(default)]
    account_name: String,
}

/// A seller member refunds all or part of a paid order: to the card through Stripe, or as a
/// transfer it owes to the shopper's account.
#[post("/seller/orders/{pid}/refunds")]
async fn refund_order(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<RefundForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    // Written as in Vietnam ("150.000"); empty is all that is left.
    let amount = crate::web::forms::written_number::<i64>(&form.amount)
        .map(|n| n.map(Vnd::new))
        .map_err(|_| "refunds.error.not_a_number");
    let account =
        refunds::ShopperAccount::parse(&form.bank_bin, &form.account_no, &form.account_name);
    let given = !(form.bank_bin.is_empty() && form.account_no.is_empty());
    let amount = match amount {
        Ok(_) if given && account.is_none() => Err("refunds.error.account"),
        amount => amount,
    };
    let amount = match amount {
        Ok(amount) => amount,
        Err(key) => {
            let status = StatusCode::BAD_REQUEST;
            return detail_view(&state, &req, &principal, *path, status, Some(tr(key))).await;
        }
    };
    let ask = refunds::RefundAsk {
        amount,
        reason: &form.reason,
        key: &form.key,
        account,
    };
    let done = refunds::request(
        &state.db,
        state.payments.stripe.as_deref(),
        &principal,
        *path,
        &ask,
        state.clock.now(),
    )
    .await;
    refund_done(&state, &req, &principal, *path, done).await
}

/// Sends a card refund Stripe did not acknowledge again (the same refund, never a second).
#[post("/seller/orders/{pid}/refunds/{refund}/send")]
async fn send_refund(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let (order, refund_pid) = *path;
    let done = refunds::send_again(
        &state.db,
        state.payments.stripe.as_deref(),
        &principal,
        order,
        refund_pid,
        state.clock.now(),
    )
    .await;
    refund_done(&state, &req, &principal, order, done).await
}

/// The seller transferred an open refund to the shopper's account.
#[post("/seller/orders/{pid}/refunds/{refund}/paid")]
async fn refund_paid(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let (order, refund_pid) = *path;
    let done =
        refunds::confirm_paid(&state.db, &principal, order, refund_pid, state.clock.now()).await;
    refund_done(&state, &req, &principal, order, done).await
}

/// Back to the order page, or the page with why the refund was refused (404 for an order the
/// seller may not see; 502 when Stripe refused; 409 otherwise).
async fn refund_done(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    done: Result<crate::db::entities::refund::Model, refunds::RefundError>,
) -> Result<HttpResponse, PageError> {
    use refunds::RefundError as E;
    let e = match done {
        Ok(_) => return Ok(see_other(&format!("/seller/orders/{pid}"))),
        Err(E::Order(OrderError::Database(e)) | E::Database(e)) => return Err(e.into()),
        Err(E::Order(OrderError::NotFound)) => return Err(PageError::NotFound),
        Err(e) => e,
    };
    let status = match e {
        E::Refused(_) => StatusCode::BAD_GATEWAY,
        E::BadAmount { .. } | E::MissingReason | E::NeedsAccount => StatusCode::BAD_REQUEST,
        _ => StatusCode::CONFLICT,
    };
    detail_view(state, req, principal, pid, status, Some(e.to_string())).await
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
    seller: Option<SellerId>,
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
    seller: SellerId,
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

#[derive(Deserialize)]
struct TrackQuery {
    t: Option<Uuid>,
    paid: Option<u8>,
    pay_error: Option<u8>,
}

/// The checkout behind a tracking link, or its signed-in owner's; anyone else gets a 404.
pub(super) async fn tracked_checkout(
    state: &AppState,
    req: &HttpRequest,
    reference: &str,
    token: Option<Uuid>,
) -> Result<checkout::Model, PageError> {
    let viewer = current_user_id(state, req).await?;
    cart::tracked(&state.db, reference, token, viewer)
        .await?
        .ok_or(PageError::NotFound)
}

/// The VietQR code of an unpaid bank-transfer order, as inline SVG with the account details.
fn transfer_view(order: &cart::OrderView) -> Option<serde_json::Value> {
    let (bin, account_no, holder) = order.bank.as_ref()?;
    let transfer = vietqr::Transfer {
        bank_bin: bin.clone(),
        account_no: account_no.clone(),
        amount_vnd: order.total_vnd,
        message: order.code.clone(),
    };
    let payload = transfer.payload().ok()?;
    Some(json!({
        "svg": vietqr::svg(&payload)?,
        "payload": payload,
        "bank": vietqr::bank(bin).map_or(bin.as_str(), |b| b.name),
        "account_no": account_no,
        "holder": holder,
        "amount_vnd": order.total_vnd,
        "message": order.code,
    }))
}

/// A checkout's orders: for whoever holds the tracking link, or its signed-in owner.
#[get("/orders/{reference}")]
async fn order_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TrackQuery>,
) -> Result<HttpResponse, PageError> {
    let found = tracked_checkout(&state, &req, &path, query.t).await?;
    let flags = (query.paid == Some(1), query.pay_error == Some(1));
    order_view(&state, &req, &found, flags, StatusCode::OK, None).await
}

/// The order page of `found`; `flags` are (back from the card page, the card page failed);
/// `return_error` is (order code, why) when a return form of that order was refused.
pub(super) async fn order_view(
    state: &AppState,
    req: &HttpRequest,
    found: &checkout::Model,
    (back_from_card, pay_error): (bool, bool),
    status: StatusCode,
    return_error: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let orders = cart::orders_of(&state.db, found.id).await?;
    let mut panels = returns::panels(
        &state.db,
        found.id,
        state.payments.return_days,
        state.clock.now(),
    )
    .await?;
    let mut review_lines =
        reviews::lines_of_checkout(&state.db, found.id, state.clock.now()).await?;
    let by_card = found.payment_method == PaymentMethod::Stripe.as_str();
    let banks: Vec<_> = vietqr::BANKS
        .iter()
        .map(|b| json!({ "bin": b.bin, "name": b.name }))
        .collect();
    let province = state.reference.province_label(&found.province_code);
    let open = cart::OrderView::awaits_payment;
    let shown: Vec<_> = orders
        .iter()
        .map(|o| {
            let transfer = (found.payment_method == PaymentMethod::VietQr.as_str() && open(o))
                .then(|| transfer_view(o))
                .flatten();
            let error = return_error
                .as_ref()
                .filter(|(code, _)| *code == o.code)
                .map(|(_, why)| why.clone());
            json!({
                "order": o,
                "transfer": transfer,
                "returns": panels.remove(&o.code).unwrap_or_default(),
                "reviews": review_lines.remove(&o.code).unwrap_or_default(),
                "order_error": error,
            })
        })
        .collect();
    let pickup = cart::pickup_of(&state.db, found).await?.map(
        |o| json!({ "name": o.name, "address": o.address, "hours": o.opening_hours, "slug": o.slug }),
    );
    let card_due = found.payment_method == PaymentMethod::Stripe.as_str()
        && state.payments.offers(PaymentMethod::Stripe)
        && orders.iter().any(open);
    let mut response = form_page(
        state,
        req,
        status,
        "pages/order",
        json!({
            "title": tr("order.title"),
            "checkout": {
                "reference": found.reference,
                "name": found.name,
                "phone": found.phone,
                "street": found.street,
                "commune": found.commune,
                "payment_method": found.payment_method,
                "total_vnd": found.total_vnd,
                "tracking_token": found.tracking_token,
                "invoice": found.invoice_tax_code.as_ref().map(|tax_code| json!({
                    "company": found.invoice_company,
                    "tax_code": tax_code,
                })),
            },
            "payment_label": tr(&format!("checkout.method.{}", found.payment_method)),
            "province": province,
            "pickup": pickup,
            "orders": shown,
            "card_due": card_due,
            "awaiting_card": card_due && back_from_card,
            "pay_error": pay_error,
            "by_card": by_card,
            "banks": banks,
            "stars_choices": [5, 4, 3, 2, 1],
            "expires_at": found.expires_at.filter(|_| orders.iter().any(open)).map(crate::domain::time::format_vietnam),
            "placed_at": crate::domain::time::format_vietnam(found.created_at),
        }),
    )?;
    // The tracking token is in the URL: never send it to another site.
    response.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct PayForm {
    csrf: String,
    t: Option<Uuid>,
}

/// Pays an unpaid card checkout again (the first attempt was abandoned or failed).
#[post("/orders/{reference}/pay")]
async fn pay_again(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<PayForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let found = tracked_checkout(&state, &req, &path, form.t).await?;
    let orders = cart::orders_of(&state.db, found.id).await?;
    let open = orders.iter().any(cart::OrderView::awaits_payment);
    if found.payment_method != PaymentMethod::Stripe.as_str() || !open {
        return Ok(to_order(&found, None));
    }
    begin_payment(&state, &found, PaymentMethod::Stripe).await
}

/// The signed-in shopper's checkouts and their orders.
#[get("/account/orders")]
async fn account_orders(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let principal = crate::web::auth::require(&state, &req).await?;
    let checkouts = crate::features::orders::for_account(&state.db, principal.user.id).await?;
    form_page(
        &state,
        &req,
        StatusCode::OK,
        "pages/account_orders",
        json!({
            "title": tr("orders.account_title"),
            "checkouts": checkouts,
        }),
    )
}

/// Larger bodies are not notifications.
const MAX_BODY: usize = 256 * 1024;

fn refused(code: ErrorCode, why: impl std::fmt::Display) -> ApiError {
    Refusal::new(code).detail(why.to_string()).into()
}

fn not_configured() -> ApiError {
    ErrorCode::ProviderNotConfigured.into()
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The body of a notification signed in the bank's scheme (`t=…,v1=…` in `header`), checked
/// against `secret` and the clock.
fn signed_body<'a>(
    secret: &str,
    req: &HttpRequest,
    header_name: &str,
    body: &'a [u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<&'a str, ApiError> {
    let payload = std::str::from_utf8(body).map_err(|e| refused(ErrorCode::BadPayload, e))?;
    bank::verify(secret, header(req, header_name), payload, now).map_err(|e| match e {
        bank::Refusal::Stale => refused(ErrorCode::StaleTimestamp, e),
        _ => refused(ErrorCode::BadSignature, e),
    })?;
    Ok(payload)
}

#[post("/stripe")]
async fn stripe_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let gateway = state.payments.stripe.as_ref().ok_or_else(not_configured)?;
    let payload = std::str::from_utf8(&body).map_err(|e| refused(ErrorCode::BadPayload, e))?;
    let event = gateway
        .verify_event(payload, header(&req, "Stripe-Signature"), state.clock.now())
        .map_err(|e| match e {
            WebhookRefusal::BadSignature => refused(ErrorCode::BadSignature, e),
            WebhookRefusal::Stale => refused(ErrorCode::StaleTimestamp, e),
            WebhookRefusal::BadPayload(_) => refused(ErrorCode::BadPayload, e),
        })?;
    let outcome = match event {
        Some(event) => {
            let rates = state.payments.rates;
            payments::apply_stripe_event(&state.db, &event, rates, state.clock.now()).await?
        }
        None => payments::Outcome::Ignored,
    };
    tracing::info!(outcome = outcome.as_str(), "Stripe webhook");
    Ok(HttpResponse::Ok().json(json!({ "received": true, "outcome": outcome.as_str() })))
}

#[post("/bank")]
async fn bank_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let secret = state
        .payments
        .bank_webhook_secret
        .as_deref()
        .ok_or_else(not_configured)?;
    let payload = signed_body(secret, &req, "X-Bank-Signature", &body, state.clock.now())?;
    let notification: bank::Notification = serde_json::from_str(payload).map_err(|e| {
        refused(
            ErrorCode::BadPayload,
            bank::Refusal::BadPayload(e.to_string()),
        )
    })?;
    let outcome =
        payments::apply_bank_transfer(&state.db, &notification, state.clock.now()).await?;
    tracing::info!(outcome, transaction = %notification.id, "bank notification");
    Ok(HttpResponse::Ok().json(json!({ "received": true, "outcome": outcome })))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(detail)
        .service(step)
        .service(book)
        .service(label)
        .service(record_invoice)
        .service(confirm_paid)
        .service(refund_order)
        .service(send_refund)
        .service(refund_paid)
        .service(bank_form)
        .service(save_bank)
        .service(order_page)
        .service(pay_again)
        .service(account_orders);
}

/// Payment notifications (`/webhooks/…`), with a body limit of their own.
pub fn configure_webhooks(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/webhooks")
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .service(stripe_webhook)
            .service(bank_webhook)
            .service(carrier_webhook),
    );
}

/// A carrier's status callback, relayed and signed (`X-Carrier-Signature`, like the bank's):
/// recorded once, then the order moves (shipped, delivered, returned).
#[post("/carriers/{carrier}")]
async fn carrier_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let secret = state
        .carrier_webhook_secret
        .as_ref()
        .map(|s| s.expose())
        .ok_or_else(not_configured)?;
    let kind = CarrierKind::parse(&path)
        .filter(|k| *k != CarrierKind::Table)
        .ok_or_else(|| ApiError::from(ErrorCode::NoSuchEndpoint))?;
    let payload = signed_body(
        secret,
        &req,
        "X-Carrier-Signature",
        &body,
        state.clock.now(),
    )?;
    let update = crate::carriers::read_status(kind, payload)
        .map_err(|e| refused(ErrorCode::BadPayload, e))?;
    let applied = shipping::tracking::apply_update(&state.db, kind, &update, state.clock.now())
        .await
        .map_err(|e| match e {
            ShipmentError::UnknownParcel(code) => refused(ErrorCode::UnknownParcel, code),
            ShipmentError::Database(e) | ShipmentError::Order(OrderError::Database(e)) => e.into(),
            // The order moved meanwhile: the carrier retries, and the retry finds it as it is.
            e => refused(ErrorCode::ParcelChanged, e),
        })?;
    let (outcome, order_state) = match applied {
        Applied::Recorded(s) => ("recorded", Some(s)),
        Applied::Duplicate => ("duplicate", None),
    };
    tracing::info!(carrier = kind.as_str(), code = %update.code, status = %update.status, outcome, "carrier status");
    Ok(HttpResponse::Ok()
        .json(json!({ "received": true, "outcome": outcome, "state": order_state })))
}
