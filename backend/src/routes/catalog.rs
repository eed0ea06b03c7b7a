//! Server-rendered storefront pages (Vietnamese first).
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::header::LOCATION;
use actix_web::web;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;

use crate::app::AppState;
use crate::domain::refusal::{ErrorCode, Refusal};
use crate::features::catalog::ListingFilter;
use crate::features::catalog::queries;
use crate::features::catalog::results::ALL_FACETS;
use crate::features::catalog::results::ResultsView;
use crate::features::catalog::results::results_view;
use crate::i18n::pick;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::render::render;
use crate::render::script_json;
use crate::search::request::SearchParams;
use crate::web::error::ApiError;
use crate::web::error::PageError;
use crate::web::page_cache;

const PER_PAGE: u64 = 24;

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

/// A page the same for every visitor without a session (kept by [`page_cache`]).
fn html(body: String) -> HttpResponse {
    page_cache::shared_page(body)
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
    count: u64,
}

async fn region_blocks(state: &AppState) -> Result<Vec<RegionBlock>, PageError> {
    // The engine's facet counts: no count over the catalog in the database.
    let counts = crate::features::catalog::results::counts_by_province(&state.searching()).await?;
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
                    name: p.name().to_owned(),
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
    let outlets: Vec<_> = crate::features::outlets::in_province(&state.db, &province.code)
        .await?
        .into_iter()
        .map(|o| json!({ "slug": o.slug, "name": o.name }))
        .collect();
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

/// A producer's page: its story, photos, place, certificates, products, outlets and shows.
#[get("/producers/{slug}")]
async fn producer_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let today = state.clock.today();
    let producer = crate::features::catalog::producers::producer(&state.db, &path, today)
        .await?
        .ok_or(PageError::NotFound)?;
    let page = query.page()?;
    let filter = ListingFilter {
        seller_id: Some(producer.seller_id),
        ..ListingFilter::default()
    };
    let listings = queries::list_visible(&state.db, today, &filter, page, PER_PAGE).await?;
    let province = state
        .reference
        .province(&producer.province_code)
        .map_or(producer.province_code.as_str(), |p| p.name())
        .to_owned();
    let place = format!("{}, {province}, Việt Nam", producer.commune);
    let map_url = format!(
        "https://www.openstreetmap.org/search?{}",
        serde_urlencoded::to_string([("query", place.as_str())]).unwrap_or_default()
    );
    // In the reader's language; English readers get the Vietnamese story when there is no
    // English one.
    let vi = producer.story_vi.as_deref().unwrap_or_default();
    let story = pick(vi, producer.story_en.as_deref().unwrap_or(vi)).to_owned();
    let description: String = if story.is_empty() {
        tr_with(
            "producer.description",
            &[("name", &producer.name), ("province", &province)],
        )
    } else {
        story.chars().take(160).collect()
    };
    let url = canonical(&state, &req, page);
    let json_ld = json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": producer.participant_name,
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "addressLocality": producer.commune,
            "addressRegion": province,
            "addressCountry": "VN",
        },
    });
    let shows: Vec<_> = producer
        .shows
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "title": s.title,
                "state": s.state,
                "at": crate::domain::time::format_vietnam(s.scheduled_at),
            })
        })
        .collect();
    let type_label = tr(&format!("producer.type.{}", producer.participant_type));
    let registered_as =
        (producer.name != producer.participant_name).then(|| producer.participant_name.clone());
    let story_paragraphs: Vec<&str> = story
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let body = render(
        "pages/producer",
        &json!({
            "title": tr_with("producer.title", &[("name", &producer.name)]),
            "canonical": url,
            "description": description,
            "json_ld": script_json(&json_ld),
            "producer": producer,
            "type_label": type_label,
            "registered_as": registered_as,
            "story_paragraphs": story_paragraphs,
            "province_name": province,
            "map_url": map_url,
            "shows": shows,
            "total": listings.total,
            "listings": listings.items,
            "pager": pager(page, listings.total),
        }),
    )?;
    Ok(html(body))
}

#[derive(Deserialize)]
struct ProductQuery {
    /// The page of reviews.
    reviews: Option<u64>,
    /// Back from reporting a review.
    reported: Option<u8>,
    /// Back from filing a quality report.
    quality_reported: Option<u8>,
}

#[get("/products/{slug}")]
async fn product_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ProductQuery>,
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
    let review_page = match query.reviews.unwrap_or(1) {
        n @ 1..=10_000 => n,
        _ => return Err(PageError::BadRequest(tr("reviews.error.page"))),
    };
    let (summary, shown_reviews, review_pages) = crate::features::orders::reviews::for_listing_pid(
        &state.db,
        listing.listing_id,
        review_page,
        state.clock.now(),
    )
    .await?;
    let mut json_ld = json_ld;
    if let Some(average) = summary.average {
        json_ld["aggregateRating"] = json!({
            "@type": "AggregateRating",
            "ratingValue": average,
            "reviewCount": summary.count,
            "bestRating": 5,
            "worstRating": 1,
        });
        json_ld["review"] = shown_reviews
            .iter()
            .map(|r| {
                json!({
                    "@type": "Review",
                    "author": { "@type": "Person", "name": r.author_name },
                    "datePublished": r.date,
                    "reviewBody": r.body,
                    "reviewRating": { "@type": "Rating", "ratingValue": r.rating, "bestRating": 5 },
                })
            })
            .collect();
    }
    let description: String = pick(&listing.description_vi, &listing.description_en)
        .chars()
        .take(160)
        .collect();
    let photos =
        crate::features::catalog::photos::photos_of_pid(&state.db, listing.listing_id).await?;
    let site = state.site.clone();
    if !photos.is_empty() {
        json_ld["image"] = photos
            .iter()
            .map(|p| format!("{site}{}", p.display_url()))
            .collect();
    }
    // The add-to-cart form needs this browser's CSRF token (filled in by the page cache for
    // visitors without a session).
    let (csrf, csrf_cookie) = page_cache::csrf_for_page(&state, &req);
    // Signed-in visitors get the quality report form, others a sign-in link.
    let signed_in = crate::web::auth::current_user_id(&state, &req)
        .await?
        .is_some();
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
    // Pack sizes: chosen in the buy form, the first in stock checked.
    let sizes = crate::features::selling::variants::of_pid(&state.db, listing.listing_id).await?;
    let first_in_stock = sizes.iter().position(|v| v.stock > 0);
    let variants: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(n, v)| {
            // The size's own photo, small beside its choice.
            let thumb = v
                .photo_id
                .and_then(|id| photos.iter().find(|p| p.id == id))
                .map(|p| {
                    p.variants
                        .first()
                        .map_or(p.url.as_str(), |w| w.url.as_str())
                });
            json!({
                "id": v.id,
                "label": v.label,
                "price_vnd": v.price_vnd,
                "stock": v.stock,
                "checked": Some(n) == first_in_stock,
                "thumb": thumb,
            })
        })
        .collect();
    let price_max = sizes.iter().map(|v| v.price_vnd).max();
    let body = render(
        "pages/product",
        &json!({
            "variants": variants,
            "price_from": price_max
                .filter(|max| *max > listing.price_vnd)
                .map(|_| tr_with("variant.from", &[("price", &listing.price_vnd)])),
            "title": tr_with("product.title", &[("name", &name), ("stars", &listing.stars)]),
            "name": name,
            "description_text": pick(&listing.description_vi, &listing.description_en),
            "province_name": state
                .reference
                .province(&listing.province_code)
                .map_or(listing.province_name_vi.as_str(), |p| p.name()),
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
            "reviews": {
                "summary": summary,
                "average_text": summary.average.map(|a| format!("{a:.1}").replace('.', ",")),
                "items": shown_reviews,
                "page": review_page,
                "prev": (review_page > 1).then(|| review_page - 1),
                "next": (review_page < review_pages).then(|| review_page + 1),
                "pages": review_pages,
            },
            "reported": query.reported == Some(1),
            "quality_reported": query.quality_reported == Some(1),
            "quality_kinds": super::quality::kind_options(),
            "signed_in": signed_in,
        }),
    )?;
    let mut response = HttpResponse::Ok();
    if let Some(cookie) = csrf_cookie {
        response.cookie(cookie);
    }
    let mut response = response.content_type("text/html; charset=utf-8").body(body);
    if !signed_in {
        page_cache::share(&mut response, true);
    }
    Ok(response)
}

#[get("/search")]
pub async fn search_page(
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, PageError> {
    let mut params = params.into_inner();
    // The storefront's search covers the whole marketplace; outlets have their own pages.
    params.outlet = None;
    let asked = super::combos::ComboParams {
        q: params.q.clone(),
        stars: params.stars.clone(),
        province: params.province.clone(),
        region: params.region.clone(),
        group: params.group.clone(),
    };
    let ResultsView {
        query,
        rescue,
        any_filter,
        sorted,
        data,
        ..
    } = results_view(&state.searching(), params, "/search", &ALL_FACETS).await?;
    let title = if query.text.is_empty() {
        tr("search.title")
    } else {
        tr_with("search.title_query", &[("q", &query.text)])
    };
    // A plain query's first page may be indexed (it answers searches like "trà shan tuyết");
    // filtered, sorted and later pages are variations of it and ask not to be, and so is a
    // page showing another spelling's results.
    let indexable = !query.text.is_empty()
        && !any_filter
        && !sorted
        && query.page == 1
        && rescue == crate::features::catalog::results::Rescue::None;
    let canonical = indexable.then(|| {
        let q: String =
            serde_urlencoded::to_string([("q", query.text.as_str())]).unwrap_or_default();
        format!("{}/search?{q}", state.site)
    });
    // The gift combos the same words and filters find, on the first page (a few; the rest
    // on the combos page).
    let gifts = if query.page == 1 {
        crate::features::offers::combos::for_sale(&state.db, state.clock.today(), &asked.filter())
            .await?
    } else {
        Vec::new()
    };
    const SHOWN_COMBOS: usize = 3;
    let mut data = data;
    if let Some(map) = data.as_object_mut() {
        map.insert(
            "combos".into(),
            gifts
                .iter()
                .take(SHOWN_COMBOS)
                .map(|v| super::combos::card(&state, v))
                .collect::<Vec<_>>()
                .into(),
        );
        map.insert("combos_more".into(), (gifts.len() > SHOWN_COMBOS).into());
        map.insert(
            "combos_link".into(),
            format!(
                "/combos?{}",
                serde_urlencoded::to_string(&asked).unwrap_or_default()
            )
            .into(),
        );
        map.insert("title".into(), title.into());
        map.insert("noindex".into(), (!indexable).into());
        map.insert("canonical".into(), canonical.into());
    }
    let body = render("pages/search", &data)?;
    Ok(html(body))
}

#[derive(Serialize)]
struct ProvinceJson<'a> {
    code: &'a str,
    name_vi: &'a str,
    name_en: &'a str,
    kind: &'a str,
    region_code: &'a str,
}

/// The 34 current provinces with their region.
#[get("/provinces")]
async fn api_provinces(state: web::Data<AppState>) -> HttpResponse {
    let provinces: Vec<ProvinceJson> = state
        .reference
        .provinces
        .iter()
        .map(|p| ProvinceJson {
            code: &p.code,
            name_vi: &p.name_vi,
            name_en: &p.name_en,
            kind: &p.kind,
            region_code: &p.region_code,
        })
        .collect();
    HttpResponse::Ok().json(provinces)
}

#[derive(Deserialize)]
struct ResolveQuery {
    name: String,
}

/// Resolves any province name, code or former (pre-2025) province to the current province.
#[get("/provinces/resolve")]
async fn api_resolve_province(
    state: web::Data<AppState>,
    query: web::Query<ResolveQuery>,
) -> Result<HttpResponse, ApiError> {
    let province = state
        .reference
        .resolve_province(&query.name)
        .ok_or_else(|| Refusal::new(ErrorCode::NoSuchProvince).arg("name", &query.name))?;
    let legacy = state
        .reference
        .province_name(&query.name)
        .is_some_and(|n| n.legacy);
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "query": query.name,
        "province_code": province.code,
        "name_vi": province.name_vi,
        "name_en": province.name_en,
        "region_code": province.region_code,
        "legacy": legacy,
    })))
}

/// The communes of a province (any spelling or former name of it), on the 2025 map: what the
/// checkout's commune box offers as the shopper types.
#[get("/provinces/{code}/communes")]
async fn api_communes(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let province = state
        .reference
        .resolve_province(&path)
        .ok_or_else(|| Refusal::new(ErrorCode::NoSuchProvince).arg("name", &*path))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .json(serde_json::json!({
            "province_code": province.code,
            "communes": state.reference.communes.of(&province.code),
        })))
}

#[derive(Deserialize)]
struct ListingsQuery {
    province: Option<String>,
    group: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

/// Listings a shopper may find, newest first. `province` accepts any name or former province.
#[get("/listings")]
async fn api_listings(
    state: web::Data<AppState>,
    query: web::Query<ListingsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(20);
    if page == 0 || page > 10_000 {
        return Err(Refusal::new(ErrorCode::PageOutOfRange)
            .arg("max", 10_000)
            .into());
    }
    if !(1..=100).contains(&per_page) {
        return Err(Refusal::new(ErrorCode::InvalidPerPage)
            .arg("max", 100)
            .into());
    }
    let province_code = match query.province.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(name) => Some(
            state
                .reference
                .resolve_province(name)
                .ok_or_else(|| Refusal::new(ErrorCode::UnknownProvince).arg("name", name))?
                .code
                .clone(),
        ),
    };
    let group_code = match query.group.as_deref().filter(|g| !g.is_empty()) {
        None => None,
        Some(code) if state.reference.group(code).is_some() => Some(code.to_owned()),
        Some(code) => {
            return Err(Refusal::new(ErrorCode::UnknownGroup)
                .arg("name", code)
                .into());
        }
    };
    let filter = ListingFilter {
        province_code,
        group_code,
        ..ListingFilter::default()
    };
    let page =
        queries::list_visible(&state.db, state.clock.today(), &filter, page, per_page).await?;
    Ok(page_cache::shared_json(&page))
}

/// Full-text search with disjunctive facets. See `search-config/` for the matching rules.
#[get("/search")]
async fn api_search(
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.parse(&state.reference, state.clock.today())?;
    let results = crate::features::catalog::indexing::search_or_rebuild(
        &state.db,
        state.search.as_ref(),
        &query,
    )
    .await?;
    Ok(page_cache::shared_json(&results))
}

#[derive(Deserialize)]
struct SuggestParams {
    q: Option<String>,
}

/// Suggestions while typing: product kinds, products, producers and provinces whose names
/// have a word starting with `q` (without diacritics or with them).
#[get("/suggest")]
async fn api_suggest(
    state: web::Data<AppState>,
    params: web::Query<SuggestParams>,
) -> Result<HttpResponse, ApiError> {
    let typed = params.q.as_deref().unwrap_or("").trim();
    if typed.chars().count() > crate::search::request::MAX_TEXT {
        return Err(Refusal::new(ErrorCode::QueryTooLong)
            .arg("max", crate::search::request::MAX_TEXT)
            .into());
    }
    let suggestions = state
        .suggestions
        .suggest(&state.db, state.clock.today(), typed)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "q": typed, "suggestions": suggestions })))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(provinces_index)
        .service(province_page)
        .service(region_page)
        .service(product_page)
        .service(producer_page)
        .service(search_page);
}

/// Under `/api/v1`.
pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.service(api_provinces)
        .service(api_resolve_province)
        .service(api_communes)
        .service(api_listings)
        .service(api_search)
        .service(api_suggest);
}
