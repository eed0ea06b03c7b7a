//! Voucher management (`features::offers`): a seller's codes (members of the seller), an
//! outlet's (its staff) and the programme's campaigns (administrators), each a page with the
//! issuer's codes, how often they were used, a form for a new one and a button that ends one.
//! The shopper's side (entering a code in the cart) is in `routes/cart.rs`.
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::db::entities::voucher;
use crate::domain::ids::VoucherId;
use crate::domain::money::Vnd;
use crate::domain::time::{format_vietnam, vietnam_local_value};
use crate::features::offers::{self, Draft, Issuer, VoucherError};
use crate::i18n::{tr, tr_with};
use crate::routes::outlets::administrator;
use crate::web::desk::{Desk, DeskQuery, EndForm, outlet_desk, seller_desk};
use crate::web::error::PageError;
use crate::web::forms::CsrfOnly;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;

async fn programme_desk(state: &AppState, req: &HttpRequest) -> Result<Desk, PageError> {
    let principal = administrator(state, req).await?;
    Ok(Desk {
        issuer: Issuer::Programme,
        page: "/admin/vouchers".into(),
        base: "/admin/vouchers".into(),
        scope: None,
        by: principal.user.id,
    })
}

/// What a voucher gives, as a sentence.
fn offer_text(v: &voucher::Model) -> String {
    let what = match (v.percent, v.amount_vnd, v.max_discount_vnd) {
        (Some(percent), _, Some(max)) => tr_with(
            "voucher.percent_off_capped",
            &[("percent", &percent), ("max", &max)],
        ),
        (Some(percent), _, None) => tr_with("voucher.percent_off", &[("percent", &percent)]),
        (None, amount, _) => tr_with(
            "voucher.amount_off",
            &[("amount", &amount.unwrap_or(Vnd::ZERO))],
        ),
    };
    if v.min_spend_vnd > Vnd::ZERO {
        format!(
            "{what}, {}",
            tr_with("voucher.min_spend_of", &[("min", &v.min_spend_vnd)])
        )
    } else {
        what
    }
}

fn row(v: &voucher::Model, now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    json!({
        "id": v.id,
        "code": v.code,
        "title": v.title,
        "offer": offer_text(v),
        "window": format!("{} – {}", format_vietnam(v.starts_at), format_vietnam(v.ends_at)),
        "used": v.used,
        "total_cap": v.total_cap,
        "per_shopper_cap": v.per_shopper_cap,
        "live": v.live_show_id.is_some(),
        "running": v.active && v.ends_at > now,
    })
}

async fn desk_page(
    state: &AppState,
    req: &HttpRequest,
    desk: &Desk,
    status: StatusCode,
    draft: &Draft,
    message: Option<(bool, String)>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let mine = offers::issued(&state.db, desk.issuer).await?;
    let campaigns = match desk.issuer {
        Issuer::Seller(_) => offers::campaigns(&state.db, now).await?,
        _ => Vec::new(),
    };
    let shows: Vec<_> = offers::shows_for(&state.db, desk.issuer)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id,
                "title": format!("{} ({})", s.title, format_vietnam(s.scheduled_at)),
                "selected": draft.live_show == s.id.to_string(),
            })
        })
        .collect();
    let mut draft = draft.clone();
    if draft.starts.is_empty() {
        draft.starts = vietnam_local_value(now);
        draft.ends = vietnam_local_value(now + chrono::Duration::days(30));
        draft.kind = "percent".into();
    }
    let (error, notice) = match message {
        Some((true, text)) => (Some(text), None),
        Some((false, text)) => (None, Some(text)),
        None => (None, None),
    };
    form_page(
        state,
        req,
        status,
        "pages/vouchers",
        json!({
            "title": tr("voucher.title"),
            "lead": tr(&format!("voucher.lead_{}", desk.issuer.as_str())),
            "base": desk.base,
            "scope": desk.scope.map(|(name, id)| json!({ "name": name, "id": id })),
            "vouchers": mine.iter().map(|v| row(v, now)).collect::<Vec<_>>(),
            "campaigns": campaigns.iter().map(|v| row(v, now)).collect::<Vec<_>>(),
            "shows": shows,
            "draft": draft,
            "percent": draft.kind != "amount",
            "error": error,
            "notice": notice,
        }),
    )
}

#[derive(Deserialize)]
struct CreateForm {
    csrf: String,
    // Text: with a flattened part, a form's values reach serde as strings only.
    #[serde(default)]
    seller: String,
    #[serde(default)]
    outlet: String,
    #[serde(flatten)]
    draft: Draft,
}

/// A seller's or an outlet's id from a form field; a malformed one is a 400.
fn id_field<T: std::str::FromStr>(raw: &str) -> Result<Option<T>, PageError> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw
            .parse()
            .map(Some)
            .map_err(|_| PageError::BadRequest(tr("api_error.invalid_form"))),
    }
}

async fn create_on(
    state: &AppState,
    req: &HttpRequest,
    desk: Desk,
    form: &CreateForm,
) -> Result<HttpResponse, PageError> {
    guard(state, req, &form.csrf, &[]).await?;
    let now = state.clock.now();
    match offers::create(&state.db, desk.issuer, &form.draft, Some(desk.by), now).await {
        Ok(made) => {
            let notice = tr_with("voucher.created", &[("code", &made.code)]);
            desk_page(
                state,
                req,
                &desk,
                StatusCode::OK,
                &Draft::default(),
                Some((false, notice)),
            )
            .await
        }
        Err(VoucherError::Database(e)) => Err(e.into()),
        Err(e) => {
            let status = if matches!(e, VoucherError::CodeTaken) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            desk_page(
                state,
                req,
                &desk,
                status,
                &form.draft,
                Some((true, e.to_string())),
            )
            .await
        }
    }
}

async fn end_on(
    state: &AppState,
    req: &HttpRequest,
    desk: Desk,
    id: VoucherId,
    csrf: &str,
) -> Result<HttpResponse, PageError> {
    guard(state, req, csrf, &[]).await?;
    if offers::end(&state.db, desk.issuer, id).await? {
        Ok(see_other(&desk.page))
    } else {
        Err(PageError::NotFound)
    }
}

#[get("/seller/vouchers")]
async fn seller_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, PageError> {
    let desk = seller_desk(&state, &req, query.seller, "vouchers").await?;
    desk_page(&state, &req, &desk, StatusCode::OK, &Draft::default(), None).await
}

#[post("/seller/vouchers")]
async fn seller_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, PageError> {
    let desk = seller_desk(&state, &req, id_field(&form.seller)?, "vouchers").await?;
    create_on(&state, &req, desk, &form).await
}

#[post("/seller/vouchers/{id}/end")]
async fn seller_end(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<VoucherId>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, PageError> {
    let desk = seller_desk(&state, &req, form.seller, "vouchers").await?;
    end_on(&state, &req, desk, *path, &form.csrf).await
}

#[get("/outlet/vouchers")]
async fn outlet_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, PageError> {
    let desk = outlet_desk(&state, &req, query.outlet, "vouchers").await?;
    desk_page(&state, &req, &desk, StatusCode::OK, &Draft::default(), None).await
}

#[post("/outlet/vouchers")]
async fn outlet_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, PageError> {
    let desk = outlet_desk(&state, &req, id_field(&form.outlet)?, "vouchers").await?;
    create_on(&state, &req, desk, &form).await
}

#[post("/outlet/vouchers/{id}/end")]
async fn outlet_end(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<VoucherId>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, PageError> {
    let desk = outlet_desk(&state, &req, form.outlet, "vouchers").await?;
    end_on(&state, &req, desk, *path, &form.csrf).await
}

#[get("/admin/vouchers")]
async fn programme_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let desk = programme_desk(&state, &req).await?;
    desk_page(&state, &req, &desk, StatusCode::OK, &Draft::default(), None).await
}

#[post("/admin/vouchers")]
async fn programme_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, PageError> {
    let desk = programme_desk(&state, &req).await?;
    create_on(&state, &req, desk, &form).await
}

#[post("/admin/vouchers/{id}/end")]
async fn programme_end(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<VoucherId>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let desk = programme_desk(&state, &req).await?;
    end_on(&state, &req, desk, *path, &form.csrf).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(seller_page)
        .service(seller_create)
        .service(seller_end)
        .service(outlet_page)
        .service(outlet_create)
        .service(outlet_end)
        .service(programme_page)
        .service(programme_create)
        .service(programme_end);
}
