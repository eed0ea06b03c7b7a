//! The cart, checkout and the order page, for guests and signed-in shoppers, without
//! JavaScript. A guest's cart is found by a token in a signed cookie.
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::account::{form_page, guard};
use crate::db::entities::{cart, checkout};
use crate::shop::{self, Address, CheckoutError, PaymentMethod, ShopError};
use crate::startup::AppState;
use crate::web::error::PageError;
use crate::web::i18n::{pick, tr};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(add)
        .service(cart_page)
        .service(update)
        .service(checkout_form)
        .service(place)
        .service(order_page);
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
) -> Result<Option<cart::Model>, PageError> {
    let user = user_id(state, req).await?;
    Ok(shop::find_cart(
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
    let result = shop::add_to_cart(
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
    cart: Option<&cart::Model>,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let view = match cart {
        Some(cart) => shop::view(&state.db, cart.id, state.clock.today()).await?,
        None => shop::CartView::default(),
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
    match shop::set_quantity(&state.db, cart.id, form.listing, form.quantity).await {
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
}

async fn checkout_view(
    state: &AppState,
    req: &HttpRequest,
    cart: &cart::Model,
    status: StatusCode,
    fields: &CheckoutFields,
    key: &str,
    errors: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let view = shop::view(&state.db, cart.id, state.clock.today()).await?;
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
        &key,
        Vec::new(),
    )
    .await
}

#[derive(Deserialize)]
struct PlaceForm {
    csrf: String,
    idempotency_key: Uuid,
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
        return Ok(to_order(&done));
    }
    let Some(cart) = this_cart(&state, &req, false).await? else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/cart"))
            .finish());
    };
    let f = &form.fields;
    let address = Address::parse(
        &state.reference,
        &f.name,
        &f.email,
        &f.phone,
        &f.province,
        &f.commune,
        &f.street,
    );
    let method = match form.payment.as_str() {
        "cod" => Some(PaymentMethod::CashOnDelivery),
        _ => None,
    };
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
                &key,
                errors,
            )
            .await;
        }
    };
    let user = user_id(&state, &req).await?;
    match shop::place(
        &state.db,
        cart.id,
        user,
        &address,
        method,
        &key,
        state.clock.now(),
    )
    .await
    {
        Ok(placed) => {
            tracing::info!(reference = %placed.reference, total = placed.total_vnd, "checkout placed");
            Ok(to_order(&placed))
        }
        Err(CheckoutError::Shop(ShopError::Database(e)) | CheckoutError::Database(e)) => {
            Err(e.into())
        }
        Err(CheckoutError::Shop(e)) => {
            checkout_view(
                &state,
                &req,
                &cart,
                StatusCode::CONFLICT,
                f,
                &key,
                vec![e.to_string()],
            )
            .await
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
fn to_order(placed: &checkout::Model) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            LOCATION,
            format!("/orders/{}?t={}", placed.reference, placed.tracking_token),
        ))
        .finish()
}

#[derive(Deserialize)]
struct TrackQuery {
    t: Option<Uuid>,
}

/// A checkout's orders: for whoever holds the tracking link, or its signed-in owner.
#[get("/orders/{reference}")]
async fn order_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TrackQuery>,
) -> Result<HttpResponse, PageError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let found = checkout::Entity::find()
        .filter(checkout::Column::Reference.eq(path.as_str()))
        .one(&state.db)
        .await?
        .ok_or(PageError::NotFound)?;
    let by_link = query.t.is_some_and(|t| t == found.tracking_token);
    let by_owner = found.user_id.is_some() && user_id(&state, &req).await? == found.user_id;
    if !(by_link || by_owner) {
        return Err(PageError::NotFound);
    }
    let orders = shop::orders_of(&state.db, found.id).await?;
    let province = state
        .reference
        .province(&found.province_code)
        .map_or(found.province_code.clone(), |p| {
            pick(&p.name_vi, &p.name_en).to_owned()
        });
    let body = crate::web::templates::render(
        "pages/order",
        &json!({
            "title": tr("order.title"),
            "noindex": true,
            "checkout": {
                "reference": found.reference,
                "name": found.name,
                "phone": found.phone,
                "street": found.street,
                "commune": found.commune,
                "payment_method": found.payment_method,
                "total_vnd": found.total_vnd,
            },
            "province": province,
            "orders": orders,
            "placed_at": crate::domain::time::format_vietnam(found.created_at),
        }),
    )?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .content_type("text/html; charset=utf-8")
        .body(body))
}
