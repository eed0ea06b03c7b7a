//! Provincial outlets: the public storefront (`/outlets/{slug}`, in the outlet's colour) and the
//! staff's phone-friendly page (`/outlet`): profile, products carried and their stock, the
//! counter sale form and the reports. Staff of another outlet get 404.
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::account::{form_page, guard};
use crate::auth::Principal;
use crate::catalog::queries::{ListingFilter, list_visible};
use crate::db::entities::outlet;
use crate::outlets::{self, CounterSale, OutletError, Profile};
use crate::startup::AppState;
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::i18n::{pick, tr_with};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(storefront)
        .service(dashboard)
        .service(save_profile)
        .service(carry)
        .service(set_stock)
        .service(sale);
}

#[get("/outlets/{slug}")]
async fn storefront(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (shop, products) = outlets::storefront(&state.db, &path, state.clock.now())
        .await?
        .ok_or(PageError::NotFound)?;
    let province = state
        .reference
        .province(&shop.province_code)
        .map_or(shop.province_code.clone(), |p| {
            pick(&p.name_vi, &p.name_en).to_owned()
        });
    let items: Vec<_> = products
        .into_iter()
        .map(|(card, stock)| json!({ "card": card, "outlet_stock": stock }))
        .collect();
    let body = crate::web::templates::render(
        "pages/outlet",
        &json!({
            "title": tr_with("outlet.page_title", &[("name", &shop.name)]),
            "description": tr_with("outlet.page_description", &[("name", &shop.name), ("province", &province)]),
            "outlet": shop,
            "province": province,
            "items": items,
        }),
    )?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

#[derive(Deserialize)]
struct OutletQuery {
    outlet: Option<i64>,
    sold: Option<String>,
}

/// The outlet the staff page is about: the one asked for, or the principal's only one.
async fn chosen(
    state: &AppState,
    principal: &Principal,
    asked: Option<i64>,
) -> Result<outlet::Model, PageError> {
    let id = match asked {
        Some(id) => id,
        None => {
            let mine = outlets::operated_by(&state.db, principal).await?;
            match mine.as_slice() {
                [only] => only.id,
                _ => return Err(PageError::AccessDenied),
            }
        }
    };
    outlets::find_operated(&state.db, principal, id)
        .await
        .map_err(|e| match e {
            OutletError::Database(e) => e.into(),
            _ => PageError::NotFound,
        })
}

async fn dashboard_view(
    state: &AppState,
    req: &HttpRequest,
    shop: &outlet::Model,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let carried = outlets::carried(&state.db, shop.id).await?;
    let province_listings = list_visible(
        &state.db,
        state.clock.today(),
        &ListingFilter {
            province_code: Some(shop.province_code.clone()),
            ..ListingFilter::default()
        },
        1,
        500,
    )
    .await?;
    let candidates: Vec<_> = province_listings
        .items
        .iter()
        .filter(|c| !carried.iter().any(|k| k.listing_pid == c.listing_id))
        .map(|c| json!({ "pid": c.listing_id, "title": pick(&c.title_vi, &c.title_en), "seller": c.seller_name }))
        .collect();
    let report = outlets::report(&state.db, shop.id).await?;
    let low: Vec<_> = carried.iter().filter(|c| c.low).collect();
    form_page(
        state,
        req,
        status,
        "pages/outlet_staff",
        json!({
            "title": tr_with("outlet.staff_title", &[("name", &shop.name)]),
            "outlet": shop,
            "carried": carried,
            "low": low,
            "candidates": candidates,
            "report": report,
            "payments": outlets::COUNTER_PAYMENTS,
            "sale_key": Uuid::new_v4(),
            "error": error,
            "notice": notice,
        }),
    )
}

#[get("/outlet")]
async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<OutletQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let shop = chosen(&state, &principal, query.outlet).await?;
    let notice = query
        .sold
        .as_deref()
        .map(|reference| tr_with("outlet.sold", &[("reference", &reference)]));
    dashboard_view(&state, &req, &shop, StatusCode::OK, None, notice).await
}

/// After a change: back to the staff page, or the page again with the message.
async fn after(
    state: &AppState,
    req: &HttpRequest,
    shop: &outlet::Model,
    result: Result<Option<String>, OutletError>,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(extra) => Ok(HttpResponse::SeeOther()
            .insert_header((
                LOCATION,
                format!("/outlet?outlet={}{}", shop.id, extra.unwrap_or_default()),
            ))
            .finish()),
        Err(OutletError::Database(e)) => Err(e.into()),
        Err(OutletError::NotFound) => Err(PageError::NotFound),
        Err(e) => {
            let message = e.message();
            dashboard_view(
                state,
                req,
                shop,
                StatusCode::BAD_REQUEST,
                Some(message),
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct ProfileForm {
    csrf: String,
    outlet: i64,
    #[serde(flatten)]
    profile: Profile,
}

#[post("/outlet/profile")]
async fn save_profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen(&state, &principal, Some(form.outlet)).await?;
    let result = outlets::save_profile(&state.db, &principal, shop.id, &form.profile)
        .await
        .map(|_| None);
    after(&state, &req, &shop, result).await
}

#[derive(Deserialize)]
struct ListingForm {
    csrf: String,
    outlet: i64,
    listing: Uuid,
    #[serde(default)]
    stock: Option<String>,
}

#[post("/outlet/carry")]
async fn carry(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ListingForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen(&state, &principal, Some(form.outlet)).await?;
    let result = outlets::carry(
        &state.db,
        &principal,
        shop.id,
        form.listing,
        state.clock.now(),
    )
    .await
    .map(|()| None);
    after(&state, &req, &shop, result).await
}

#[post("/outlet/stock")]
async fn set_stock(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ListingForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen(&state, &principal, Some(form.outlet)).await?;
    let stock = form
        .stock
        .as_deref()
        .and_then(|s| s.trim().parse::<i32>().ok());
    let result = match stock {
        Some(stock) => outlets::set_stock(&state.db, &principal, shop.id, form.listing, stock)
            .await
            .map(|()| None),
        None => Err(OutletError::BadQuantity),
    };
    after(&state, &req, &shop, result).await
}

#[derive(Deserialize)]
struct SaleForm {
    csrf: String,
    outlet: i64,
    listing: Uuid,
    quantity: String,
    unit_price_vnd: String,
    payment: String,
    idempotency_key: Uuid,
}

#[post("/outlet/sale")]
async fn sale(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SaleForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen(&state, &principal, Some(form.outlet)).await?;
    let number = |raw: &str| -> Option<i64> {
        raw.chars()
            .filter(|c| !matches!(c, '.' | ' ' | '_'))
            .collect::<String>()
            .parse()
            .ok()
    };
    let result = match (
        number(&form.quantity).and_then(|q| i32::try_from(q).ok()),
        number(&form.unit_price_vnd),
    ) {
        (Some(quantity), Some(unit_price_vnd)) => {
            let counter = CounterSale {
                listing_pid: form.listing,
                quantity,
                unit_price_vnd,
                payment: form.payment.clone(),
                idempotency_key: form.idempotency_key.to_string(),
            };
            outlets::record_sale(&state.db, &principal, shop.id, &counter, state.clock.now())
                .await
                .map(|placed| Some(format!("&sold={}", placed.reference)))
        }
        (None, _) => Err(OutletError::BadQuantity),
        (_, None) => Err(OutletError::BadPrice),
    };
    after(&state, &req, &shop, result).await
}
