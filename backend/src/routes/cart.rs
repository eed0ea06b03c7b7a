//! The cart, checkout and the order page, for guests and signed-in shoppers, without
//! JavaScript. A guest's cart is found by a token in a signed cookie.
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

use crate::app::AppState;
use crate::db::entities::cart as cart_row;
use crate::db::entities::user;
use crate::domain::ids::{ComboId, OutletId, SellerId, UserId};
use crate::domain::invoice::InvoiceRequest;
use crate::domain::orders::PaymentMethod;
use crate::features::cart;
use crate::features::cart::Address;
use crate::features::cart::CheckoutError;
use crate::features::cart::ShopError;
use crate::features::cart::addresses::{self, AddressBookError, AddressInput};
use crate::features::offers;
use crate::i18n::tr;
use crate::web::auth::current_user_id;
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::CsrfOnly;
use crate::web::forms::begin_payment;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;
use crate::web::forms::to_order;

/// This browser's cart, made when `create` is set.
async fn this_cart(
    state: &AppState,
    req: &HttpRequest,
    create: bool,
) -> Result<Option<cart_row::Model>, PageError> {
    let user = current_user_id(state, req).await?;
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
        other => Ok(other.to_string()),
    }
}

#[derive(Deserialize)]
struct AddForm {
    csrf: String,
    listing: Uuid,
    /// The pack size chosen, when the product has several.
    #[serde(default)]
    variant: i64,
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
        form.variant,
        form.quantity,
        state.clock.now(),
    )
    .await;
    added(&state, &req, &cart, result).await
}

/// To the cart after something was added to it, or the cart with why not (a 400).
async fn added(
    state: &AppState,
    req: &HttpRequest,
    cart: &cart_row::Model,
    result: Result<(), ShopError>,
) -> Result<HttpResponse, PageError> {
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
                state,
                req,
                Some(cart),
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

#[derive(Deserialize)]
struct AddComboForm {
    csrf: String,
    /// The gift combo's slug.
    combo: String,
    quantity: i32,
}

/// Puts boxes of a gift combo in the cart.
#[post("/cart/combos")]
async fn add_combo(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<AddComboForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let cart = this_cart(&state, &req, true)
        .await?
        .ok_or(PageError::NotFound)?;
    let result = cart::add_combo_to_cart(
        &state.db,
        cart.id,
        &form.combo,
        form.quantity,
        state.clock.now(),
    )
    .await;
    added(&state, &req, &cart, result).await
}

#[derive(Deserialize)]
struct UpdateComboForm {
    csrf: String,
    combo: ComboId,
    quantity: i32,
}

/// Changes how many boxes of a gift combo the cart holds (0 removes them).
#[post("/cart/combos/update")]
async fn update_combo(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<UpdateComboForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let Some(cart) = this_cart(&state, &req, false).await? else {
        return Ok(see_other("/cart"));
    };
    match cart::set_combo_quantity(&state.db, cart.id, form.combo, form.quantity).await {
        Ok(()) => Ok(see_other("/cart")),
        Err(e) => refused(&state, &req, &cart, e).await,
    }
}

/// The cart with its voucher applied for this shopper (`email`, else the signed-in user's),
/// the live show whose link they followed, and `delivery`.
async fn priced(
    state: &AppState,
    req: &HttpRequest,
    cart: &cart_row::Model,
    delivery: offers::Delivery,
    email: Option<&str>,
) -> Result<cart::CartView, PageError> {
    let mut view = cart::view(&state.db, cart.id, state.clock.today()).await?;
    let user = match email {
        Some(_) => None,
        None => {
            state
                .cookies
                .current_user(req, &state.db, state.clock.now())
                .await?
        }
    };
    let context = offers::Context {
        now: state.clock.now(),
        shopper: email.or(user.as_ref().map(|u| u.email.as_str())),
        show: state.cookies.live_show(req),
        delivery,
    };
    cart::apply_voucher(&state.db, &mut view, cart.voucher_code.as_deref(), context).await?;
    Ok(view)
}

#[derive(Deserialize)]
struct VoucherForm {
    csrf: String,
    #[serde(default)]
    code: String,
}

/// Enters a voucher code in the cart, or removes it (an empty code). A code that does not
/// apply is refused with why, and the cart keeps the code it had.
#[post("/cart/voucher")]
async fn voucher(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<VoucherForm>,
) -> Result<HttpResponse, PageError> {
    // Guessing codes is slow: 60 tries per address in the forms' window.
    let limit = format!("voucher:{}", crate::web::forms::client_address(&req));
    guard(&state, &req, &form.csrf, &[(limit, 60)]).await?;
    let Some(cart) = this_cart(&state, &req, false).await? else {
        return Ok(see_other("/cart"));
    };
    let code = Some(form.code.trim()).filter(|c| !c.is_empty());
    let email = state
        .cookies
        .current_user(&req, &state.db, state.clock.now())
        .await?
        .map(|u| u.email);
    let context = offers::Context {
        now: state.clock.now(),
        shopper: email.as_deref(),
        show: state.cookies.live_show(&req),
        delivery: offers::Delivery::Unknown,
    };
    match cart::set_voucher(&state.db, &cart, code, context, state.clock.today()).await {
        Ok(()) => Ok(see_other("/cart")),
        Err(e) => refused(&state, &req, &cart, e).await,
    }
}

/// The cart again with why a change to it was refused (a 400).
async fn refused(
    state: &AppState,
    req: &HttpRequest,
    cart: &cart_row::Model,
    e: ShopError,
) -> Result<HttpResponse, PageError> {
    let message = shop_message(e)?;
    cart_view(
        state,
        req,
        Some(cart),
        StatusCode::BAD_REQUEST,
        Some(message),
    )
    .await
}

async fn cart_view(
    state: &AppState,
    req: &HttpRequest,
    cart: Option<&cart_row::Model>,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let view = match cart {
        Some(cart) => priced(state, req, cart, offers::Delivery::Unknown, None).await?,
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
            "has_short": view.groups.iter().flat_map(|g| &g.lines).any(|l| l.short)
                || view.combos.iter().any(|c| c.short),
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
    #[serde(default)]
    variant: i64,
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
    match cart::set_quantity(
        &state.db,
        cart.id,
        form.listing,
        form.variant,
        form.quantity,
    )
    .await
    {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish()),
        Err(e) => refused(&state, &req, &cart, e).await,
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
    /// Keep this delivery address in the address book.
    #[serde(default)]
    save_address: Option<String>,
    /// A VAT invoice asked for, with the buyer's company, tax code and address.
    #[serde(default)]
    want_invoice: Option<String>,
    #[serde(default)]
    invoice_company: String,
    #[serde(default)]
    invoice_tax_code: String,
    #[serde(default)]
    invoice_address: String,
}

/// The payment choices for a cart: the offered methods, VietQR only when every seller in the
/// cart has a bank account.
async fn payment_choices(
    state: &AppState,
    view: &cart::CartView,
    chosen: &str,
) -> Result<Vec<serde_json::Value>, PageError> {
    let ids: Vec<SellerId> = view.groups.iter().map(|g| g.seller_id).collect();
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

/// The shipping fees the checkout form shows: one line per seller's order and the total to
/// pay, once the address is known (or the shopper collects at an outlet); else why not yet.
async fn shipping_view(
    state: &AppState,
    view: &cart::CartView,
    fields: &CheckoutFields,
) -> Result<serde_json::Value, PageError> {
    let quotes = cart::preview_quotes(
        &state.db,
        &state.reference,
        &state.carriers,
        view,
        &fields.province,
        &fields.commune,
        &fields.street,
        fields.delivery.starts_with("pickup-"),
    )
    .await;
    let quotes = match quotes {
        Ok(Some(quotes)) => quotes,
        Ok(None) => return Ok(json!({ "known": false })),
        Err(ShopError::Database(e)) => return Err(e.into()),
        Err(e) => return Ok(json!({ "known": false, "error": e.to_string() })),
    };
    let fees: crate::domain::money::Vnd = quotes.iter().map(|q| q.fee).sum();
    let lines: Vec<_> = view
        .groups
        .iter()
        .zip(&quotes)
        .map(|(group, quote)| {
            json!({
                "seller": group.seller_name,
                "fee": quote.fee,
                "carrier": tr(&format!("shipping.service.{}", quote.service)),
                "pickup": quote.service == "pickup",
                "free": quote.free,
                "fallback": quote.fallback,
                "zone": quote.zone.map(|z| tr(&format!("shipping.zone.{}", z.as_str()))),
                "grams": quote.grams,
            })
        })
        .collect();
    Ok(json!({
        "known": true,
        "lines": lines,
        "fees": fees,
        "grand_total": view.goods_vnd + fees,
    }))
}

/// The 34 provinces for an address form's select, `selected` chosen.
fn province_choices(state: &AppState, selected: &str) -> Vec<serde_json::Value> {
    state
        .reference
        .provinces
        .iter()
        .map(|p| json!({ "code": p.code, "name": p.name(), "selected": p.code == selected }))
        .collect()
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
    let delivery = match fields.delivery.strip_prefix("pickup-") {
        Some(id) => id
            .parse()
            .map_or(offers::Delivery::Home, offers::Delivery::Pickup),
        None => offers::Delivery::Home,
    };
    let email = Some(fields.email.trim()).filter(|e| !e.is_empty());
    let view = priced(state, req, cart, delivery, email).await?;
    if view.groups.is_empty() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish());
    }
    let methods = payment_choices(state, &view, payment).await?;
    let shipping = shipping_view(state, &view, fields).await?;
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
            "provinces": province_choices(state, &fields.province),
            "communes": state.reference.communes.of(&fields.province),
            "signed_in": current_user_id(state, req).await?.is_some(),
            "methods": methods,
            "pickups": pickups,
            "shipping": shipping,
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
        // The default address of the address book, if any.
        match cart::addresses::default_of(&state.db, user.id).await? {
            Some(saved) => {
                fields.name = saved.name;
                fields.phone = saved.phone;
                fields.province = saved.province_code;
                fields.commune = saved.commune;
                fields.street = saved.street;
            }
            None => fields.name = user.display_name,
        }
        fields.email = user.email;
        fields.save_address = Some("on".into());
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
    if let Some(done) = cart::checkout_by_key(&state.db, &key).await? {
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
                .parse::<OutletId>()
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
    let invoice = f
        .want_invoice
        .as_ref()
        .map(|_| InvoiceRequest::parse(&f.invoice_company, &f.invoice_tax_code, &f.invoice_address))
        .transpose();
    let (address, method, invoice) = match (address, method, invoice) {
        (Ok(address), Some(method), Ok(invoice)) => (address, method, invoice),
        (address, method, invoice) => {
            let mut errors: Vec<String> = address
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|(_, why)| why)
                .collect();
            if method.is_none() {
                errors.push(tr("checkout.choose_payment"));
            }
            errors.extend(
                invoice
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, key)| tr(key)),
            );
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
    let user = state
        .cookies
        .current_user(&req, &state.db, state.clock.now())
        .await?;
    let site = state.site.clone();
    let placement = cart::Placement {
        cart_id: cart.id,
        user_id: user.as_ref().map(|u| u.id),
        address: &address,
        method,
        idempotency_key: &key,
        lang: crate::i18n::current(),
        site: &site,
        from_show: state.cookies.live_show(&req),
        pickup_outlet: pickup.as_ref().map(|o| o.id),
        reference: &state.reference,
        carriers: &state.carriers,
        invoice: invoice.as_ref(),
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
                vec![e.to_string()],
            )
            .await;
        }
    };
    tracing::info!(reference = %placed.reference, total = placed.total_vnd.dong(), method = method.as_str(), "checkout placed");
    if let Some(user) = user.filter(|_| f.save_address.is_some() && pickup.is_none()) {
        keep_address(&state, &user, f).await;
    }
    begin_payment(&state, &placed, method).await
}

/// Keeps a placed checkout's address in the signed-in shopper's address book. The order is
/// placed either way: a full book, or a failure to write it, is only logged.
async fn keep_address(state: &AppState, user: &user::Model, f: &CheckoutFields) {
    let input = AddressInput {
        name: f.name.clone(),
        phone: f.phone.clone(),
        province: f.province.clone(),
        commune: f.commune.clone(),
        street: f.street.clone(),
    };
    match addresses::save(
        &state.db,
        &state.reference,
        user,
        &input,
        false,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => {}
        Err(AddressBookError::Database(e)) => {
            tracing::warn!(user = %user.id, error = %e, "address not kept");
        }
        Err(refused) => tracing::info!(user = %user.id, %refused, "address not kept"),
    }
}

/// The address book form.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct AddressForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    make_default: Option<String>,
    /// "Show the province's communes" without JavaScript: the form again, nothing saved.
    #[serde(default, skip_serializing)]
    refresh: Option<String>,
}

#[get("/account/addresses")]
async fn addresses_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let fields = AddressForm {
        name: principal.user.display_name.clone(),
        ..AddressForm::default()
    };
    render_addresses(
        &state,
        &req,
        principal.user.id,
        StatusCode::OK,
        &fields,
        Vec::new(),
    )
    .await
}

async fn render_addresses(
    state: &AppState,
    req: &HttpRequest,
    user: UserId,
    status: StatusCode,
    fields: &AddressForm,
    errors: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let province_name = |code: &str| {
        state
            .reference
            .province(code)
            .map_or_else(|| code.to_owned(), |p| p.name().to_owned())
    };
    let saved: Vec<_> = addresses::list(&state.db, user)
        .await?
        .into_iter()
        .map(|a| {
            json!({
                "id": a.id,
                "name": a.name,
                "phone": a.phone,
                "street": a.street,
                "commune": a.commune,
                "province": province_name(&a.province_code),
                "is_default": a.is_default,
            })
        })
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/addresses",
        json!({
            "title": tr("addresses.title"),
            "saved": saved,
            "full": saved.len() as u64 >= addresses::MAX_ADDRESSES,
            "max": addresses::MAX_ADDRESSES,
            "fields": fields,
            "provinces": province_choices(state, &fields.province),
            "communes": state.reference.communes.of(&fields.province),
            "errors": errors,
        }),
    )
}

#[post("/account/addresses")]
async fn add_address(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<AddressForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let user = principal.user.id;
    if form.refresh.is_some() {
        return render_addresses(&state, &req, user, StatusCode::OK, &form, Vec::new()).await;
    }
    let input = AddressInput {
        name: form.name.clone(),
        phone: form.phone.clone(),
        province: form.province.clone(),
        commune: form.commune.clone(),
        street: form.street.clone(),
    };
    let now = state.clock.now();
    match addresses::save(
        &state.db,
        &state.reference,
        &principal.user,
        &input,
        form.make_default.is_some(),
        now,
    )
    .await
    {
        Ok(_) => Ok(see_other("/account/addresses")),
        Err(AddressBookError::Database(e)) => Err(e.into()),
        Err(refused) => {
            let status = match refused {
                AddressBookError::Full => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            render_addresses(&state, &req, user, status, &form, vec![refused.to_string()]).await
        }
    }
}

#[post("/account/addresses/{id}/default")]
async fn default_address(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    address_done(addresses::set_default(&state.db, principal.user.id, *path).await)
}

#[post("/account/addresses/{id}/delete")]
async fn delete_address(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    address_done(addresses::delete(&state.db, principal.user.id, *path).await)
}

/// Back to the address book; another shopper's address is not found.
fn address_done(result: Result<(), AddressBookError>) -> Result<HttpResponse, PageError> {
    match result {
        Ok(()) => Ok(see_other("/account/addresses")),
        Err(AddressBookError::Database(e)) => Err(e.into()),
        Err(_) => Err(PageError::NotFound),
    }
}

/// Without JavaScript, choosing the province and pressing "show its communes" comes here: the
/// same form again, filled in, with the province's communes to pick from. Nothing is placed.
#[post("/checkout/address")]
async fn refresh_address(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<PlaceForm>,
) -> Result<HttpResponse, PageError> {
    guard(&state, &req, &form.csrf, &[]).await?;
    let Some(cart) = this_cart(&state, &req, false).await? else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish());
    };
    checkout_view(
        &state,
        &req,
        &cart,
        StatusCode::OK,
        &form.fields,
        &form.payment,
        &form.idempotency_key.to_string(),
        Vec::new(),
    )
    .await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(add)
        .service(add_combo)
        .service(update_combo)
        .service(cart_page)
        .service(update)
        .service(voucher)
        .service(checkout_form)
        .service(refresh_address)
        .service(place)
        .service(addresses_page)
        .service(add_address)
        .service(default_address)
        .service(delete_address);
}
