//! Provincial outlets: the public storefront (`/outlets/{slug}`, in the outlet's colour) and the
//! staff's phone-friendly page (`/outlet`): profile, products carried and their stock, the
//! counter sale form and the reports. Staff of another outlet get 404.
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
use crate::db::entities::outlet;
use crate::domain::ids::OutletId;
use crate::domain::money::Vnd;
use crate::features::accounts::auth::Action;
use crate::features::accounts::auth::Principal;
use crate::features::accounts::auth::Scope;
use crate::features::catalog::results::results_view;
use crate::features::outlets;
use crate::features::outlets::CounterSale;
use crate::features::outlets::OutletError;
use crate::features::outlets::Profile;
use crate::i18n::pick;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::search::request::SearchParams;
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::form_page;
use crate::web::forms::guard;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(storefront)
        .service(dashboard)
        .service(save_profile)
        .service(carry)
        .service(set_stock)
        .service(uncarry)
        .service(upload_image)
        .service(sale)
        .service(invitation_page)
        .service(accept_invitation)
        .service(admin_page)
        .service(admin_create)
        .service(admin_invite);
}

/// The outlet's storefront: its profile, then the products it carries with the same search
/// and facets as `/search`, scoped to the outlet, and the units held on its shelf.
#[get("/outlets/{slug}")]
async fn storefront(
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, PageError> {
    let shop = outlets::by_slug(&state.db, &path)
        .await?
        .ok_or(PageError::NotFound)?;
    let province = state.reference.province_label(&shop.province_code);
    let mut params = params.into_inner();
    params.outlet = Some(shop.slug.clone());
    // Every product of the outlet is from its province: no region or province facet.
    let view = results_view(
        &state.searching(),
        params,
        &format!("/outlets/{}", shop.slug),
        &["stars", "group"],
    )
    .await?;
    let pids: Vec<Uuid> = view
        .results
        .hits
        .iter()
        .filter_map(|h| h.listing_id.parse().ok())
        .collect();
    let shelf = outlets::shelf_stock(&state.db, shop.id, &pids).await?;
    // The outlet's gift combos, on its plain storefront.
    let gifts = if view.query.text.is_empty() && view.query.page == 1 {
        let mine = crate::features::offers::combos::Filter {
            outlet: Some(shop.id),
            ..Default::default()
        };
        crate::features::offers::combos::for_sale(&state.db, state.clock.today(), &mine).await?
    } else {
        Vec::new()
    };
    let mut data = view.data;
    if let Some(hits) = data.get_mut("hits").and_then(|h| h.as_array_mut()) {
        for hit in hits {
            let stock = hit
                .get("listing_id")
                .and_then(|id| id.as_str())
                .and_then(|id| id.parse::<Uuid>().ok())
                .and_then(|pid| shelf.get(&pid).copied())
                .unwrap_or(0);
            if let Some(map) = hit.as_object_mut() {
                map.insert("outlet_stock".into(), stock.into());
            }
        }
    }
    let filtered =
        view.any_filter || view.sorted || !view.query.text.is_empty() || view.query.page > 1;
    if let Some(map) = data.as_object_mut() {
        map.insert(
            "title".into(),
            tr_with("outlet.page_title", &[("name", &shop.name)]).into(),
        );
        map.insert(
            "description".into(),
            tr_with(
                "outlet.page_description",
                &[("name", &shop.name), ("province", &province)],
            )
            .into(),
        );
        map.insert("images".into(), json!(outlets::Images::of(&shop)));
        map.insert(
            "combos".into(),
            gifts
                .iter()
                .map(|v| super::combos::card(&state, v))
                .collect::<Vec<_>>()
                .into(),
        );
        map.insert("outlet".into(), json!(shop));
        map.insert("province".into(), province.into());
        // The plain storefront may be indexed; its searches are variations of it.
        map.insert("noindex".into(), filtered.into());
    }
    let body = crate::render::render("pages/outlet", &data)?;
    Ok(crate::web::page_cache::shared_page(body))
}

#[derive(Deserialize)]
struct OutletQuery {
    outlet: Option<OutletId>,
    sold: Option<String>,
}

/// The outlet the staff page is about: the one asked for, or the principal's only one.
async fn chosen(
    state: &AppState,
    principal: &Principal,
    asked: Option<OutletId>,
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
    // Up to 500 products to choose from, the same for every member of the outlet's staff:
    // rendered once per catalog version and shelf (the key names what is on it, so a product
    // shelved through any instance leaves the list at once).
    let shelf = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for line in &carried {
            line.listing_pid.hash(&mut hasher);
        }
        hasher.finish()
    };
    let key = format!(
        "outlet-candidates|{}|{}|{shelf:x}",
        crate::i18n::current().code(),
        shop.id
    );
    let candidate_options = state
        .fragment(&key, "partials/outlet_candidates", async {
            let province_listings = state.province_listings(&shop.province_code).await?;
            let carried: std::collections::HashSet<Uuid> =
                carried.iter().map(|k| k.listing_pid).collect();
            let candidates: Vec<_> = province_listings
                .iter()
                .filter(|c| !carried.contains(&c.listing_id))
                .map(|c| json!({ "pid": c.listing_id, "title": pick(&c.title_vi, &c.title_en), "seller": c.seller_name }))
                .collect();
            Ok::<_, PageError>(json!({ "candidates": candidates }))
        })
        .await?;
    // Every counter sale of the outlet, the same for all its staff: summed once per catalog
    // version, latest sale and latest refund (a sale or a refund through any instance shows
    // at once).
    let key = format!(
        "outlet-report|{}|{}|{}",
        crate::i18n::current().code(),
        shop.id,
        outlets::report_mark(&state.db, shop.id).await?
    );
    let report_html = state
        .fragment(&key, "partials/outlet_report", async {
            Ok::<_, PageError>(json!({ "report": outlets::report(&state.db, shop.id).await? }))
        })
        .await?;
    let low: Vec<_> = carried.iter().filter(|c| c.low).collect();
    let images = outlets::Images::of(shop);
    let image_kinds = [
        json!({ "kind": "logo", "label": tr("outlet.logo_field"), "url": images.logo_url }),
        json!({ "kind": "banner", "label": tr("outlet.banner_field"), "url": images.banner_url }),
    ];
    form_page(
        state,
        req,
        status,
        "pages/outlet_staff",
        json!({
            "title": tr_with("outlet.staff_title", &[("name", &shop.name)]),
            "outlet": shop,
            "communes": state.reference.communes.of(&shop.province_code),
            "carried": carried,
            "low": low,
            "candidates": !candidate_options.is_empty(),
            "candidate_options": &*candidate_options,
            "report_html": &*report_html,
            "payments": outlets::COUNTER_PAYMENTS,
            "sale_key": Uuid::new_v4(),
            "image_kinds": image_kinds,
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
            let message = e.to_string();
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
    outlet: OutletId,
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
    let result = outlets::save_profile(
        &state.db,
        &state.reference,
        &principal,
        shop.id,
        &form.profile,
    )
    .await
    .map(|_| None);
    after(&state, &req, &shop, result).await
}

#[derive(Deserialize)]
struct ListingForm {
    csrf: String,
    outlet: OutletId,
    listing: Uuid,
    #[serde(default)]
    stock: Option<String>,
    /// The shelf count the page showed: a changed number is applied as the difference, so
    /// units collected or sold meanwhile stay taken.
    #[serde(default)]
    stock_seen: Option<String>,
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
    let number = |s: &Option<String>| s.as_deref().and_then(|s| s.trim().parse::<i32>().ok());
    let change = match (number(&form.stock), number(&form.stock_seen)) {
        (Some(stock), Some(seen)) => Some(outlets::StockChange::By(stock.saturating_sub(seen))),
        (Some(stock), None) => Some(outlets::StockChange::To(stock)),
        (None, _) => None,
    };
    let result = match change {
        Some(change) => outlets::set_stock(&state.db, &principal, shop.id, form.listing, change)
            .await
            .map(|()| None),
        None => Err(OutletError::BadQuantity),
    };
    after(&state, &req, &shop, result).await
}

#[derive(Deserialize)]
struct SaleForm {
    csrf: String,
    outlet: OutletId,
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
                unit_price_vnd: Vnd::new(unit_price_vnd),
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

#[post("/outlet/uncarry")]
async fn uncarry(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ListingForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen(&state, &principal, Some(form.outlet)).await?;
    let result = outlets::uncarry(
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

/// `POST /outlet/images` (multipart: `csrf`, `outlet`, `kind` = logo or banner, `photo`).
#[post("/outlet/images")]
async fn upload_image(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let read = crate::web::forms::read_upload(payload).await;
    let (fields, bytes) = match read {
        Ok(read) => read,
        Err(why) => {
            // The form could not be read: back to the only outlet, with the reason.
            let shop = chosen(&state, &principal, None).await?;
            return dashboard_view(
                &state,
                &req,
                &shop,
                StatusCode::BAD_REQUEST,
                Some(why),
                None,
            )
            .await;
        }
    };
    guard(
        &state,
        &req,
        fields.get("csrf").map_or("", String::as_str),
        &[],
    )
    .await?;
    let asked = fields.get("outlet").and_then(|id| id.trim().parse().ok());
    let shop = chosen(&state, &principal, asked).await?;
    let Some(kind) = fields
        .get("kind")
        .and_then(|k| outlets::ImageKind::parse(k))
    else {
        return Err(PageError::BadRequest("kind must be logo or banner".into()));
    };
    let _permit = state
        .photo_permits
        .acquire()
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?;
    let result = outlets::set_image(&state.db, &state.media, &principal, shop.id, kind, bytes)
        .await
        .map(|_| None);
    after(&state, &req, &shop, result).await
}

#[derive(Deserialize)]
struct InvitationPath {
    token: String,
}

/// The page an invitation e-mail links to: who invites to which outlet, and a button to
/// accept as the signed-in account.
#[get("/outlet/invitations/{token}")]
async fn invitation_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<InvitationPath>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let (invitation, shop) = outlets::open_invitation(&state.db, &path.token, state.clock.now())
        .await?
        .ok_or_else(|| PageError::BadRequest(tr("outlet.invitation.invalid")))?;
    form_page(
        &state,
        &req,
        StatusCode::OK,
        "pages/outlet_invitation",
        json!({
            "title": tr_with("outlet.invitation.title", &[("name", &shop.name)]),
            "outlet": shop,
            "token": path.token,
            "for_me": invitation.email == principal.user.email.to_lowercase(),
            "invited_email": invitation.email,
            "me": principal.user.email,
        }),
    )
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

#[post("/outlet/invitations/{token}")]
async fn accept_invitation(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<InvitationPath>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    match outlets::accept_invitation(&state.db, &principal, &path.token, state.clock.now()).await? {
        Ok(shop) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/outlet?outlet={}", shop.id)))
            .finish()),
        Err(refused) => Err(PageError::BadRequest(refused.to_string())),
    }
}

/// Administrators only.
pub(crate) async fn administrator(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Principal, PageError> {
    let principal = require(state, req).await?;
    if principal.can(Action::Administer, &Scope::Platform) {
        Ok(principal)
    } else {
        Err(PageError::AccessDenied)
    }
}

async fn admin_view(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let rows = outlets::admin_overview(&state.db, state.clock.now()).await?;
    let provinces: Vec<_> = state
        .reference
        .provinces
        .iter()
        .map(|p| json!({ "code": p.code, "name": p.name() }))
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/officer_outlets",
        json!({
            "title": tr("outlet.admin.title"),
            "rows": rows,
            "provinces": provinces,
            "error": error,
            "notice": notice,
        }),
    )
}

#[derive(Deserialize)]
struct NoticeQuery {
    done: Option<String>,
}

/// `/officer/outlets`: every outlet with its staff and open invitations, a form to create one
/// and one to invite staff to each.
#[get("/officer/outlets")]
async fn admin_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    administrator(&state, &req).await?;
    let notice = match query.done.as_deref() {
        Some("created") => Some(tr("outlet.admin.created")),
        Some("invited") => Some(tr("outlet.admin.invited")),
        _ => None,
    };
    admin_view(&state, &req, StatusCode::OK, None, notice).await
}

#[derive(Deserialize)]
struct CreateForm {
    csrf: String,
    slug: String,
    province: String,
    name: String,
}

#[post("/officer/outlets")]
async fn admin_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, PageError> {
    let principal = administrator(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    match outlets::create(
        &state.db,
        Some(principal.user.id),
        &state.reference,
        &form.slug,
        &form.province,
        &form.name,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/officer/outlets?done=created"))
            .finish()),
        Err(OutletError::Database(e)) => Err(e.into()),
        Err(e) => {
            admin_view(
                &state,
                &req,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct InviteForm {
    csrf: String,
    email: String,
}

#[post("/officer/outlets/{id}/invite")]
async fn admin_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<OutletId>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    let principal = administrator(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    match outlets::invite(
        &state.db,
        &principal,
        *path,
        &form.email,
        &state.site,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/officer/outlets?done=invited"))
            .finish()),
        Err(OutletError::Database(e)) => Err(e.into()),
        Err(OutletError::NotFound) => Err(PageError::NotFound),
        Err(e) => {
            admin_view(
                &state,
                &req,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
                None,
            )
            .await
        }
    }
}
