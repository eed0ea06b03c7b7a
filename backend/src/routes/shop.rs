//! The cart, checkout and the order page, for guests and signed-in shoppers, without
//! JavaScript. A guest's cart is found by a token in a signed cookie.
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::db::entities::{cart as cart_row, checkout};
use crate::domain::orders::PaymentMethod;
use crate::features::cart::{self, Address, CheckoutError, ShopError};
use crate::i18n::{pick, tr};
use crate::payments::{NextStep, PaymentError, vietqr};
use crate::web::error::PageError;
use crate::web::forms::{form_page, guard};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(add)
        .service(cart_page)
        .service(update)
        .service(checkout_form)
        .service(place)
        .service(order_page)
        .service(pay_again)
        .service(account_orders);
}

/// The request's signed-in user id, if any.
async fn user_id(state: &AppState, req: &HttpRequest) -> Result<Option<i64>, PageError> {
    Ok(state
        .cookies
        .current_user(req, &state.db, state.clock.now())
        .await?
        .map(|u| u.id))
}

/// This browser's cart, made when `create` is set.
async fn this_cart(
    state: &AppState,
    req: &HttpRequest,
    create: bool,
) -> Result<Option<cart_row::Model>, PageError> {
    let user = user_id(state, req).await?;
    Ok(cart::find_cart(
        &state.db,
        state.cookies.cart_token(req),
        user,
        create,
        state.clock.now(),
    )
    .await?)
}

fn shop_message(e: ShopError) -> Result<String, PageError> {
    match e {
        ShopError::Database(e) => Err(e.into()),
        other => Ok(other.message()),
    }
}

#[derive(Deserialize)]
struct AddForm {
    csrf: String,
    listing: Uuid,
    quantity: i32,
}

#[post("/cart/add")]
async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let cart = this_cart(&state, &req, true)
        .await?
        .ok_or(PageError::NotFound)?;
    let result = cart::add_to_cart(
        &state.db,
        cart.id,
        form.listing,
        form.quantity,
        state.clock.now(),
    )
    .await;
    // The cookie goes with either answer, so a new guest keeps the cart just made.
    let cookie = state.cookies.cart_cookie(cart.token);
    match result {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .cookie(cookie)
            .finish()),
        Err(e) => {
            let message = shop_message(e)?;
            let mut response = cart_view(
                &state,
                &req,
                Some(&cart),
                StatusCode::BAD_REQUEST,
                Some(message),
            )
            .await?;
            response
                .add_cookie(&cookie)
                .map_err(|e| PageError::Unexpected(e.into()))?;
            Ok(response)
        }
    }
}

async fn cart_view(
    state: &AppState,
    req: &HttpRequest,
    cart: Option<&cart_row::Model>,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let view = match cart {
        Some(cart) => cart::view(&state.db, cart.id, state.clock.today()).await?,
        None => cart::CartView::default(),
    };
    form_page(
        state,
        req,
        status,
        "pages/cart",
        json!({
            "title": tr("cart.title"),
            "cart": view,
            "empty": view.groups.is_empty(),
            "has_short": view.groups.iter().flat_map(|g| &g.lines).any(|l| l.short),
            "error": error,
        }),
    )
}

#[get("/cart")]
async fn cart_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let cart = this_cart(&state, &req, false).await?;
    cart_view(&state, &req, cart.as_ref(), StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct UpdateForm {
    csrf: String,
    listing: Uuid,
    quantity: i32,
}

#[post("/cart/update")]
async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<UpdateForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let Some(cart) = this_cart(&state, &req, false).await? else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish());
    };
    match cart::set_quantity(&state.db, cart.id, form.listing, form.quantity).await {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish()),
        Err(e) => {
            let message = shop_message(e)?;
            cart_view(
                &state,
                &req,
                Some(&cart),
                StatusCode::BAD_REQUEST,
                Some(message),
            )
            .await
        }
    }
}

/// What the checkout form shows again after a problem.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
struct CheckoutFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    street: String,
    /// `home`, or `pickup-{outlet id}`.
    #[serde(default)]
    delivery: String,
}

/// The payment choices for a cart: the offered methods, VietQR only when every seller in the
/// cart has a bank account.
async fn payment_choices(
    state: &AppState,
    view: &cart::CartView,
    chosen: &str,
) -> Result<Vec<serde_json::Value>, PageError> {
    let ids: Vec<i64> = view.groups.iter().map(|g| g.seller_id).collect();
    let missing = cart::sellers_without_bank(&state.db, &ids).await?;
    let chosen = PaymentMethod::parse(chosen).unwrap_or(PaymentMethod::CashOnDelivery);
    Ok(PaymentMethod::ALL
        .into_iter()
        .filter(|m| state.payments.offers(*m))
        .map(|m| {
            let unavailable = m == PaymentMethod::VietQr && !missing.is_empty();
            json!({
                "value": m.as_str(),
                "label": tr(&format!("checkout.method.{}", m.as_str())),
                "hint": tr(&format!("checkout.hint.{}", m.as_str())),
                "checked": m == chosen && !unavailable,
                "disabled": unavailable,
                "why": unavailable.then(|| crate::i18n::tr_with(
                    "checkout.vietqr_unavailable",
                    &[("sellers", &missing.join(", "))],
                )),
            })
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn checkout_view(
    state: &AppState,
    req: &HttpRequest,
    cart: &cart_row::Model,
    status: StatusCode,
    fields: &CheckoutFields,
    payment: &str,
    key: &str,
    errors: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let view = cart::view(&state.db, cart.id, state.clock.today()).await?;
    if view.groups.is_empty() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish());
    }
    let provinces: Vec<_> = state
        .reference
        .provinces
        .iter()
        .map(|p| {
            json!({
                "code": p.code,
                "name": pick(&p.name_vi, &p.name_en),
                "selected": p.code == fields.province,
            })
        })
        .collect();
    let methods = payment_choices(state, &view, payment).await?;
    let pickups: Vec<_> = cart::pickup_outlets(&state.db, &view)
        .await?
        .into_iter()
        .map(|o| {
            let value = format!("pickup-{}", o.id);
            json!({ "value": value, "checked": fields.delivery == value, "name": o.name, "address": o.address, "hours": o.opening_hours })
        })
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/checkout",
        json!({
            "title": tr("checkout.title"),
            "order_count": view.groups.len(),
            "cart": view,
            "fields": fields,
            "provinces": provinces,
            "methods": methods,
            "pickups": pickups,
            "home_checked": !fields.delivery.starts_with("pickup-"),
            "idempotency_key": key,
            "errors": errors,
        }),
    )
}

#[get("/checkout")]
async fn checkout_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let Some(cart) = this_cart(&state, &req, false).await? else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish());
    };
    let mut fields = CheckoutFields::default();
    if let Some(user) = state
        .cookies
        .current_user(&req, &state.db, state.clock.now())
        .await?
    {
        fields.email = user.email;
        fields.name = user.display_name;
    }
    // A key per form: submitting the same form twice places one checkout.
    let key = Uuid::new_v4().to_string();
    checkout_view(
        &state,
        &req,
        &cart,
        StatusCode::OK,
        &fields,
        "cod",
        &key,
        Vec::new(),
    )
    .await
}

#[derive(Deserialize)]
struct PlaceForm {
    csrf: String,
    idempotency_key: Uuid,
    #[serde(default)]
    payment: String,
    #[serde(flatten)]
    fields: CheckoutFields,
}

#[post("/checkout")]
async fn place(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<PlaceForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let key = form.idempotency_key.to_string();
    // A repeated submit after success: the cart is empty now, the checkout exists.
    if let Some(done) = checkout_by_key(&state, &key).await? {
        return Ok(to_order(&done, None));
    }
    let Some(cart) = this_cart(&state, &req, false).await? else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish());
    };
    let f = &form.fields;
    // Collecting at an outlet: only where every line is on its shelf now.
    let pickup = match f.delivery.strip_prefix("pickup-") {
        None => None,
        Some(id) => {
            let view = cart::view(&state.db, cart.id, state.clock.today()).await?;
            let ready = cart::pickup_outlets(&state.db, &view).await?;
            let found = id
                .parse::<i64>()
                .ok()
                .and_then(|id| ready.into_iter().find(|o| o.id == id));
            if found.is_none() {
                return checkout_view(
                    &state,
                    &req,
                    &cart,
                    StatusCode::CONFLICT,
                    f,
                    &form.payment,
                    &key,
                    vec![tr("checkout.pickup_unavailable")],
                )
                .await;
            }
            found
        }
    };
    let address = match &pickup {
        Some(outlet) => Address::for_pickup(&f.name, &f.email, &f.phone, outlet),
        None => Address::parse(
            &state.reference,
            &f.name,
            &f.email,
            &f.phone,
            &f.province,
            &f.commune,
            &f.street,
        ),
    };
    let method = PaymentMethod::parse(&form.payment).filter(|m| state.payments.offers(*m));
    let (address, method) = match (address, method) {
        (Ok(address), Some(method)) => (address, method),
        (address, method) => {
            let mut errors: Vec<String> = address
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|(_, why)| why)
                .collect();
            if method.is_none() {
                errors.push(tr("checkout.choose_payment"));
            }
            return checkout_view(
                &state,
                &req,
                &cart,
                StatusCode::BAD_REQUEST,
                f,
                &form.payment,
                &key,
                errors,
            )
            .await;
        }
    };
    let user = user_id(&state, &req).await?;
    let site = state.site.clone();
    let placement = cart::Placement {
        cart_id: cart.id,
        user_id: user,
        address: &address,
        method,
        idempotency_key: &key,
        lang: crate::i18n::current(),
        site: &site,
        from_show: state.cookies.live_show(&req),
        pickup_outlet: pickup.as_ref().map(|o| o.id),
    };
    let now = state.clock.now();
    let placed = match cart::place(&state.db, &placement, now).await {
        Ok(placed) => placed,
        Err(CheckoutError::Shop(ShopError::Database(e)) | CheckoutError::Database(e)) => {
            return Err(e.into());
        }
        Err(CheckoutError::Shop(e)) => {
            return checkout_view(
                &state,
                &req,
                &cart,
                StatusCode::CONFLICT,
                f,
                &form.payment,
                &key,
                vec![e.message()],
            )
            .await;
        }
    };
    tracing::info!(reference = %placed.reference, total = placed.total_vnd, method = method.as_str(), "checkout placed");
    begin_payment(&state, &placed, method).await
}

/// Hands a placed checkout to its payment provider: to the provider's page, or to the order
/// page (with a notice when the provider could not be reached; the stock stays reserved and
/// the shopper can try again from there).
async fn begin_payment(
    state: &AppState,
    placed: &checkout::Model,
    method: PaymentMethod,
) -> Result<HttpResponse, PageError> {
    let Some(provider) = state.payments.provider(method) else {
        return Ok(to_order(placed, None));
    };
    match provider.begin(&state.db, placed, state.clock.now()).await {
        Ok(NextStep::Redirect(url)) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, url))
            .finish()),
        Ok(NextStep::OrderPage) => Ok(to_order(placed, None)),
        Err(PaymentError::Database(e)) => Err(e.into()),
        Err(PaymentError::Unavailable(why)) => {
            tracing::warn!(reference = %placed.reference, error = %why, "payment provider unavailable");
            Ok(to_order(placed, Some("pay_error=1")))
        }
    }
}

async fn checkout_by_key(
    state: &AppState,
    key: &str,
) -> Result<Option<checkout::Model>, PageError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(checkout::Entity::find()
        .filter(checkout::Column::IdempotencyKey.eq(key))
        .one(&state.db)
        .await?)
}

/// The private tracking link of a checkout.
fn to_order(placed: &checkout::Model, extra: Option<&str>) -> HttpResponse {
    let extra = extra.map(|e| format!("&{e}")).unwrap_or_default();
    HttpResponse::SeeOther()
        .insert_header((
            LOCATION,
            format!(
                "/orders/{}?t={}{extra}",
                placed.reference, placed.tracking_token
            ),
        ))
        .finish()
}

#[derive(Deserialize)]
struct TrackQuery {
    t: Option<Uuid>,
    paid: Option<u8>,
    pay_error: Option<u8>,
}

/// The checkout behind a tracking link, or its signed-in owner's; anyone else gets a 404.
async fn tracked_checkout(
    state: &AppState,
    req: &HttpRequest,
    reference: &str,
    token: Option<Uuid>,
) -> Result<checkout::Model, PageError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let found = checkout::Entity::find()
        .filter(checkout::Column::Reference.eq(reference))
        .one(&state.db)
        .await?
        .ok_or(PageError::NotFound)?;
    let by_link = token.is_some_and(|t| t == found.tracking_token);
    let by_owner = found.user_id.is_some() && user_id(state, req).await? == found.user_id;
    if by_link || by_owner {
        Ok(found)
    } else {
        Err(PageError::NotFound)
    }
}

/// The VietQR code of an unpaid bank-transfer order, as inline SVG with the account details.
fn transfer_view(order: &cart::OrderView) -> Option<serde_json::Value> {
    let (bin, account_no, holder) = order.bank.as_ref()?;
    let transfer = vietqr::Transfer {
        bank_bin: bin.clone(),
        account_no: account_no.clone(),
        amount_vnd: order.subtotal_vnd,
        message: order.code.clone(),
    };
    let payload = transfer.payload().ok()?;
    Some(json!({
        "svg": vietqr::svg(&payload)?,
        "payload": payload,
        "bank": vietqr::bank(bin).map_or(bin.as_str(), |b| b.name),
        "account_no": account_no,
        "holder": holder,
        "amount_vnd": order.subtotal_vnd,
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
    let orders = cart::orders_of(&state.db, found.id).await?;
    let province = state
        .reference
        .province(&found.province_code)
        .map_or(found.province_code.clone(), |p| {
            pick(&p.name_vi, &p.name_en).to_owned()
        });
    let open = |o: &cart::OrderView| o.payment_state == "unpaid" && o.state == "placed";
    let shown: Vec<_> = orders
        .iter()
        .map(|o| {
            let transfer = (found.payment_method == PaymentMethod::VietQr.as_str() && open(o))
                .then(|| transfer_view(o))
                .flatten();
            json!({ "order": o, "transfer": transfer })
        })
        .collect();
    let pickup = match found.outlet_id {
        Some(id) if found.channel != "outlet" => {
            use sea_orm::EntityTrait;
            crate::db::entities::outlet::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .map(|o| json!({ "name": o.name, "address": o.address, "hours": o.opening_hours, "slug": o.slug }))
        }
        _ => None,
    };
    let card_due = found.payment_method == PaymentMethod::Stripe.as_str()
        && state.payments.offers(PaymentMethod::Stripe)
        && orders.iter().any(open);
    let mut response = form_page(
        &state,
        &req,
        StatusCode::OK,
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
            },
            "payment_label": tr(&format!("checkout.method.{}", found.payment_method)),
            "province": province,
            "pickup": pickup,
            "orders": shown,
            "card_due": card_due,
            "awaiting_card": card_due && query.paid == Some(1),
            "pay_error": query.pay_error == Some(1),
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
    let open = orders
        .iter()
        .any(|o| o.payment_state == "unpaid" && o.state == "placed");
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
