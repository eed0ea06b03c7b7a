//! Server-rendered storefront pages (Vietnamese first).
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::AppState;
use crate::features::catalog::{ListingFilter, queries};
use crate::i18n::{pick, tr, tr_with};
use crate::render::{render, script_json};
use crate::web::error::{ApiError, PageError};

const PER_PAGE: u64 = 24;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(provinces_index)
        .service(province_page)
        .service(region_page)
        .service(product_page);
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

impl PageQuery {
    fn page(&self) -> Result<u64, PageError> {
        match self.page.unwrap_or(1) {
            n @ 1..=10_000 => Ok(n),
            _ => Err(PageError::BadRequest(
                "số trang không hợp lệ (invalid page number)".into(),
            )),
        }
    }
}

#[derive(Serialize)]
struct Pager {
    page: u64,
    pages: u64,
    prev: Option<u64>,
    next: Option<u64>,
}

fn pager(page: u64, total: u64) -> Pager {
    let pages = total.div_ceil(PER_PAGE).max(1);
    Pager {
        page,
        pages,
        prev: (page > 1).then(|| page - 1),
        next: (page < pages).then(|| page + 1),
    }
}

/// The page's own URL: no query string except a page number above 1.
fn canonical(state: &AppState, req: &HttpRequest, page: u64) -> String {
    let base = state.site.clone();
    match page {
        0 | 1 => format!("{base}{}", req.path()),
        n => format!("{base}{}?page={n}", req.path()),
    }
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[derive(Serialize)]
struct RegionBlock {
    code: String,
    name: String,
    provinces: Vec<ProvinceLink>,
}

#[derive(Serialize)]
struct ProvinceLink {
    code: String,
    name: String,
    count: i64,
}

async fn region_blocks(state: &AppState) -> Result<Vec<RegionBlock>, PageError> {
    let counts: std::collections::HashMap<String, i64> =
        queries::count_visible_by_province(&state.db, state.clock.today())
            .await?
            .into_iter()
            .collect();
    Ok(state
        .reference
        .regions
        .iter()
        .map(|r| RegionBlock {
            code: r.code.clone(),
            name: pick(&r.name_vi, &r.name_en).to_owned(),
            provinces: state
                .reference
                .provinces
                .iter()
                .filter(|p| p.region_code == r.code)
                .map(|p| ProvinceLink {
                    code: p.code.clone(),
                    name: pick(&p.name_vi, &p.name_en).to_owned(),
                    count: counts.get(&p.code).copied().unwrap_or(0),
                })
                .collect(),
        })
        .collect())
}

#[get("/")]
async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let page = query.page()?;
    let listings = queries::list_visible(
        &state.db,
        state.clock.today(),
        &ListingFilter::default(),
        page,
        PER_PAGE,
    )
    .await?;
    let five_stars = ListingFilter {
        stars: Some(5),
        ..ListingFilter::default()
    };
    // The spotlight shows on the first page only.
    let spotlight = if page == 1 {
        queries::list_visible(&state.db, state.clock.today(), &five_stars, 1, 8)
            .await?
            .items
    } else {
        Vec::new()
    };
    let live: Vec<_> = crate::features::live::live_now(&state.db, 6)
        .await?
        .into_iter()
        .map(|(show, seller)| json!({ "id": show.id, "title": show.title, "seller": seller }))
        .collect();
    let body = render(
        "pages/home",
        &json!({
            "title": tr("home.title"),
            "canonical": canonical(&state, &req, page),
            "live": live,
            "spotlight": { "listings": spotlight },
            "total": listings.total,
            "listings": listings.items,
            "pager": pager(page, listings.total),
            "regions": region_blocks(&state).await?,
        }),
    )?;
    Ok(html(body))
}

#[get("/provinces")]
async fn provinces_index(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let body = render(
        "pages/provinces",
        &json!({
            "title": tr("provinces.title"),
            "canonical": canonical(&state, &req, 1),
            "regions": region_blocks(&state).await?,
        }),
    )?;
    Ok(html(body))
}

/// `/regions/{code}`: the products of one of the six regions, and its provinces.
#[get("/regions/{code}")]
async fn region_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let region = state
        .reference
        .region(&path)
        .ok_or(PageError::NotFound)?
        .clone();
    let region_name = pick(&region.name_vi, &region.name_en).to_owned();
    let page = query.page()?;
    let filter = ListingFilter {
        region_code: Some(region.code.clone()),
        ..ListingFilter::default()
    };
    let listings =
        queries::list_visible(&state.db, state.clock.today(), &filter, page, PER_PAGE).await?;
    let blocks: Vec<RegionBlock> = region_blocks(&state)
        .await?
        .into_iter()
        .filter(|b| b.code == region.code)
        .collect();
    let body = render(
        "pages/region",
        &json!({
            "title": tr_with("region.title", &[("name", &region_name)]),
            "canonical": canonical(&state, &req, page),
            "description": tr_with(
                "region.description",
                &[("total", &listings.total), ("name", &region_name)],
            ),
            "region": { "code": region.code, "name": region_name },
            "provinces": blocks.first().map(|b| &b.provinces),
            "total": listings.total,
            "listings": listings.items,
            "pager": pager(page, listings.total),
        }),
    )?;
    Ok(html(body))
}

/// `/provinces/{code}`. A former province or any spelling (`/provinces/ha-giang`,
/// `/provinces/Hà%20Giang`) redirects permanently to today's province.
#[get("/provinces/{code}")]
async fn province_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let requested = path.into_inner();
    let province = state
        .reference
        .resolve_province(&requested)
        .ok_or(PageError::NotFound)?;
    if province.code != requested {
        return Ok(HttpResponse::PermanentRedirect()
            .insert_header((LOCATION, format!("/provinces/{}", province.code)))
            .finish());
    }
    let page = query.page()?;
    let filter = ListingFilter {
        province_code: Some(province.code.clone()),
        ..ListingFilter::default()
    };
    let listings =
        queries::list_visible(&state.db, state.clock.today(), &filter, page, PER_PAGE).await?;
    let former: Vec<&str> = state
        .reference
        .province_names
        .iter()
        .filter(|n| n.legacy && n.province_code == province.code && !n.name.is_ascii())
        .map(|n| n.name.as_str())
        .collect();
    let region = state.reference.region(&province.region_code);
    let province_name = pick(&province.name_vi, &province.name_en).to_owned();
    let outlets: Vec<_> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        crate::db::entities::outlet::Entity::find()
            .filter(crate::db::entities::outlet::Column::ProvinceCode.eq(province.code.as_str()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|o| json!({ "slug": o.slug, "name": o.name }))
            .collect()
    };
    let body = render(
        "pages/province",
        &json!({
            "title": tr_with("province.title", &[("name", &province_name)]),
            "canonical": canonical(&state, &req, page),
            "description": tr_with(
                "province.description",
                &[("total", &listings.total), ("name", &province_name)],
            ),
            "province": { "code": province.code, "name": province_name },
            "region_name": region.map(|r| pick(&r.name_vi, &r.name_en)),
            "former": former,
            "outlets": outlets,
            "total": listings.total,
            "listings": listings.items,
            "pager": pager(page, listings.total),
        }),
    )?;
    Ok(html(body))
}

#[get("/products/{slug}")]
async fn product_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let listing = queries::find_visible_by_slug(&state.db, state.clock.today(), &path)
        .await?
        .ok_or(PageError::NotFound)?;
    let reference = &state.reference;
    let group = reference.group(&listing.group_code);
    let subgroup = reference.subgroup(&listing.subgroup_code);
    let region = reference.region(&listing.region_code);
    let issuer = tr(if listing.stars == 5 {
        "product.level_national"
    } else {
        "product.level_provincial"
    });
    let name = pick(&listing.title_vi, &listing.title_en).to_owned();
    let url = canonical(&state, &req, 1);
    let availability = if listing.stock > 0 {
        "InStock"
    } else {
        "OutOfStock"
    };
    let json_ld = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": listing.title_vi,
        "description": listing.description_vi,
        "sku": listing.certificate_no,
        "category": group.map(|g| g.name_vi.as_str()),
        "brand": { "@type": "Brand", "name": listing.seller_name },
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": listing.price_vnd,
            "priceCurrency": "VND",
            "availability": format!("https://schema.org/{availability}"),
            "seller": { "@type": "Organization", "name": listing.seller_name },
        },
    });
    let description: String = pick(&listing.description_vi, &listing.description_en)
        .chars()
        .take(160)
        .collect();
    let photos =
        crate::features::catalog::photos::photos_of_pid(&state.db, listing.listing_id).await?;
    let site = state.site.clone();
    let mut json_ld = json_ld;
    if !photos.is_empty() {
        json_ld["image"] = photos
            .iter()
            .map(|p| format!("{site}{}", p.display_url()))
            .collect();
    }
    // The add-to-cart form needs this browser's CSRF token.
    let (csrf, csrf_cookie) = state.cookies.csrf_token(&req);
    let gallery: Vec<_> = photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "src": p.display_url(),
                "srcset": p.srcset(),
                "full": p.url,
                "thumb": p.variants.first().map_or(p.url.as_str(), |v| v.url.as_str()),
                "width": p.width,
                "height": p.height,
                "number": i + 1,
            })
        })
        .collect();
    let body = render(
        "pages/product",
        &json!({
            "title": tr_with("product.title", &[("name", &name), ("stars", &listing.stars)]),
            "name": name,
            "description_text": pick(&listing.description_vi, &listing.description_en),
            "province_name": state
                .reference
                .province(&listing.province_code)
                .map_or(listing.province_name_vi.as_str(), |p| pick(&p.name_vi, &p.name_en)),
            "canonical": url,
            "description": description,
            "og_type": "product",
            "json_ld": script_json(&json_ld),
            "listing": listing,
            "group_name": group.map(|g| pick(&g.name_vi, &g.name_en)),
            "subgroup_name": subgroup.map(|s| pick(&s.name_vi, &s.name_en)),
            "region_name": region.map(|r| pick(&r.name_vi, &r.name_en)),
            "issuer": issuer,
            "in_stock": listing.stock > 0,
            "og_image": gallery.first().map(|g| format!("{site}{}", g["src"].as_str().unwrap_or_default())),
            "cover": gallery.first(),
            "more_photos": gallery.get(1..).unwrap_or_default(),
            "csrf": csrf,
            "max_quantity": listing.stock.clamp(1, crate::features::cart::MAX_QUANTITY),
        }),
    )?;
    let mut response = HttpResponse::Ok();
    if let Some(cookie) = csrf_cookie {
        response.cookie(cookie);
    }
    Ok(response.content_type("text/html; charset=utf-8").body(body))
}

/// Anything unrouted: a JSON 404 under `/api`, the friendly page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        // A documented endpoint asked with another method: 405 with the methods it has.
        if let Some(allowed) = super::seller_api::methods_of(req.path()) {
            return HttpResponse::MethodNotAllowed()
                .insert_header(("Allow", allowed.join(", ")))
                .json(serde_json::json!({
                    "error": {
                        "code": "method_not_allowed",
                        "message": format!("{} {} is not allowed; use {}", req.method(), req.path(), allowed.join(" or ")),
                    }
                }));
        }
        ApiError::NotFound(format!("no such endpoint: {}", req.path())).error_response()
    } else {
        PageError::NotFound.error_response()
    }
}
