//! Gift combos (`features::offers::combos`): the shoppers' pages (`/combos`, searchable by
//! words, the parts' stars, province, region and product group; `/combos/{slug}` with every
//! part's certificate and a form that puts the box in the cart) and the issuers' desks
//! (`/seller/combos` for members of a seller, `/outlet/combos` for an outlet's staff): their
//! combos, a form for a new one (multipart: a photo may come with it) and a button that takes
//! one off sale. Putting a combo in the cart is in `routes/cart.rs`.
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
use crate::domain::ids::ComboId;
use crate::features::offers::combos::{self, ComboError, ComboView, Draft, Filter};
use crate::i18n::{pick, tr, tr_with};
use crate::web::desk::{Desk, DeskQuery, EndForm, outlet_desk, seller_desk};
use crate::web::error::PageError;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;

/// The shopper's filters, as the search page writes them (comma lists).
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct ComboParams {
    pub q: Option<String>,
    pub stars: Option<String>,
    pub province: Option<String>,
    pub region: Option<String>,
    pub group: Option<String>,
}

fn list(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ComboParams {
    /// The filter these ask for; several star values mean the fewest of them.
    pub fn filter(&self) -> Filter {
        Filter {
            q: self
                .q
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(|q| q.chars().take(200).collect()),
            stars: list(self.stars.as_deref())
                .iter()
                .filter_map(|s| s.parse::<i16>().ok())
                .min(),
            provinces: list(self.province.as_deref()),
            regions: list(self.region.as_deref()),
            groups: list(self.group.as_deref()),
            outlet: None,
        }
    }
}

/// A combo as its card shows it.
pub fn card(state: &AppState, view: &ComboView) -> serde_json::Value {
    let provinces: Vec<String> = view
        .province_codes
        .iter()
        .map(|code| state.reference.province_label(code))
        .collect();
    json!({
        "combo": view,
        "provinces": provinces.join(", "),
        "parts_text": view
            .parts
            .iter()
            .map(|p| pick(&p.card.title_vi, &p.card.title_en).to_owned())
            .collect::<Vec<_>>()
            .join(" · "),
    })
}

/// The gift combos on sale, filtered like the search page.
#[get("/combos")]
async fn list_page(
    state: web::Data<AppState>,
    params: web::Query<ComboParams>,
) -> Result<HttpResponse, PageError> {
    let filter = params.filter();
    let found = combos::for_sale(&state.db, state.clock.today(), &filter).await?;
    let chosen = |selected: &[String], code: &str| selected.iter().any(|s| s == code);
    let provinces: Vec<_> = state
        .reference
        .provinces
        .iter()
        .map(|p| {
            json!({
                "code": p.code,
                "name": pick(&p.name_vi, &p.name_en),
                "selected": chosen(&filter.provinces, &p.code),
            })
        })
        .collect();
    let regions: Vec<_> = state
        .reference
        .regions
        .iter()
        .map(|r| {
            json!({
                "code": r.code,
                "name": pick(&r.name_vi, &r.name_en),
                "selected": chosen(&filter.regions, &r.code),
            })
        })
        .collect();
    let stars: Vec<_> = [3, 4, 5]
        .iter()
        .map(|s| json!({ "value": s, "selected": filter.stars == Some(*s) }))
        .collect();
    // The same for every visitor without a session: no form, kept by the page cache.
    let body = crate::render::render(
        "pages/combos",
        &json!({
            "title": tr("combo.list_title"),
            "cards": found.iter().map(|v| card(&state, v)).collect::<Vec<_>>(),
            "count": found.len(),
            "q": filter.q,
            "provinces": provinces,
            "regions": regions,
            "stars": stars,
            "filtered": filter.any(),
            "noindex": filter.any(),
        }),
    )?;
    Ok(crate::web::page_cache::shared_page(body))
}

/// One gift combo: its parts with their certificates, the price against the parts bought one
/// by one, and the form that puts it in the cart (while it is on sale).
#[get("/combos/{slug}")]
async fn combo_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let view = combos::by_slug(&state.db, state.clock.today(), &path)
        .await?
        .ok_or(PageError::NotFound)?;
    let parts: Vec<_> = view
        .parts
        .iter()
        .map(|p| {
            json!({
                "card": p.card,
                "title": pick(&p.card.title_vi, &p.card.title_en),
                "province": state.reference.province_label(&p.card.province_code),
                "share_vnd": p.share_vnd,
            })
        })
        .collect();
    form_page(
        &state,
        &req,
        StatusCode::OK,
        "pages/combo",
        json!({
            "title": tr_with("combo.page_title", &[("title", &view.title)]),
            "description": view.description,
            "view": view,
            "parts": parts,
            "max_quantity": view.available.clamp(1, crate::features::cart::MAX_QUANTITY),
            "noindex": !view.on_sale,
        }),
    )
}

/// An issuer's desk: its combos and the form for a new one.
async fn desk_page(
    state: &AppState,
    req: &HttpRequest,
    desk: &Desk,
    status: StatusCode,
    draft: &Draft,
    message: Option<(bool, String)>,
) -> Result<HttpResponse, PageError> {
    let today = state.clock.today();
    let mine = combos::issued(&state.db, desk.issuer, today).await?;
    let candidates: Vec<_> = combos::candidates(&state.db, desk.issuer, today)
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "checked": draft.parts.contains(&c.listing_id),
                "card": c,
            })
        })
        .collect();
    let (error, notice) = match message {
        Some((true, text)) => (Some(text), None),
        Some((false, text)) => (None, Some(text)),
        None => (None, None),
    };
    form_page(
        state,
        req,
        status,
        "pages/combo_desk",
        json!({
            "title": tr("combo.desk_title"),
            "lead": tr(&format!("combo.lead_{}", desk.issuer.as_str())),
            "base": desk.base,
            "scope": desk.scope.map(|(name, id)| json!({ "name": name, "id": id })),
            "combos": mine.iter().map(|v| card(state, v)).collect::<Vec<_>>(),
            "candidates": candidates,
            "draft": draft,
            "max_parts": combos::MAX_PARTS,
            "error": error,
            "notice": notice,
        }),
    )
}

/// Reads the new-combo form (multipart: `csrf`, `seller` or `outlet`, `title`,
/// `description`, `price`, a `part_{listing id}` per product ticked, an optional `photo`),
/// checks it on the asker's desk and creates the combo.
async fn create_on(
    state: &AppState,
    req: &HttpRequest,
    payload: actix_multipart::Multipart,
    desk_of: impl AsyncFnOnce(Option<i64>) -> Result<Desk, PageError>,
) -> Result<HttpResponse, PageError> {
    // Signed in before the upload is read.
    crate::web::auth::require(state, req).await?;
    let read = crate::web::forms::read_photos(payload, 64, 1).await;
    let (fields, photos) = match read {
        Ok(read) => read,
        Err(why) => {
            let desk = desk_of(None).await?;
            return desk_page(
                state,
                req,
                &desk,
                StatusCode::BAD_REQUEST,
                &Draft::default(),
                Some((true, why)),
            )
            .await;
        }
    };
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    guard(state, req, field("csrf"), &[]).await?;
    let asked = [field("seller"), field("outlet")]
        .iter()
        .find_map(|raw| raw.trim().parse().ok());
    let desk = desk_of(asked).await?;
    let mut parts: Vec<Uuid> = fields
        .keys()
        .filter_map(|k| k.strip_prefix("part_"))
        .filter_map(|pid| pid.parse().ok())
        .collect();
    parts.sort();
    let draft = Draft {
        title: field("title").to_owned(),
        description: field("description").to_owned(),
        price: field("price").to_owned(),
        parts,
    };
    let stored = match crate::web::forms::ingest_photos(state, photos).await? {
        Ok(mut stored) => stored.pop().map(|s| combos::Photo {
            digest: s.digest,
            widths: s.widths,
        }),
        Err(why) => {
            return desk_page(
                state,
                req,
                &desk,
                StatusCode::BAD_REQUEST,
                &draft,
                Some((true, why)),
            )
            .await;
        }
    };
    let now = state.clock.now();
    match combos::create(&state.db, desk.issuer, &draft, stored, Some(desk.by), now).await {
        Ok(made) => {
            let notice = tr_with("combo.created", &[("title", &made.title)]);
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
        Err(ComboError::Database(e)) => Err(e.into()),
        Err(e) => {
            desk_page(
                state,
                req,
                &desk,
                StatusCode::BAD_REQUEST,
                &draft,
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
    id: ComboId,
    csrf: &str,
) -> Result<HttpResponse, PageError> {
    guard(state, req, csrf, &[]).await?;
    if combos::end(&state.db, desk.issuer, id, state.clock.now()).await? {
        Ok(see_other(&desk.page))
    } else {
        Err(PageError::NotFound)
    }
}

#[get("/seller/combos")]
async fn seller_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, PageError> {
    let desk = seller_desk(&state, &req, query.seller, "combos").await?;
    desk_page(&state, &req, &desk, StatusCode::OK, &Draft::default(), None).await
}

#[post("/seller/combos")]
async fn seller_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    create_on(&state, &req, payload, async |asked| {
        seller_desk(
            &state,
            &req,
            asked.map(crate::domain::ids::SellerId::new),
            "combos",
        )
        .await
    })
    .await
}

#[post("/seller/combos/{id}/end")]
async fn seller_end(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ComboId>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, PageError> {
    let desk = seller_desk(&state, &req, form.seller, "combos").await?;
    end_on(&state, &req, desk, *path, &form.csrf).await
}

#[get("/outlet/combos")]
async fn outlet_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, PageError> {
    let desk = outlet_desk(&state, &req, query.outlet, "combos").await?;
    desk_page(&state, &req, &desk, StatusCode::OK, &Draft::default(), None).await
}

#[post("/outlet/combos")]
async fn outlet_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    create_on(&state, &req, payload, async |asked| {
        outlet_desk(
            &state,
            &req,
            asked.map(crate::domain::ids::OutletId::new),
            "combos",
        )
        .await
    })
    .await
}

#[post("/outlet/combos/{id}/end")]
async fn outlet_end(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ComboId>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, PageError> {
    let desk = outlet_desk(&state, &req, form.outlet, "combos").await?;
    end_on(&state, &req, desk, *path, &form.csrf).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(combo_page)
        .service(seller_page)
        .service(seller_create)
        .service(seller_end)
        .service(outlet_page)
        .service(outlet_create)
        .service(outlet_end);
}
