//! JSON API, version 1.
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::features::catalog::{ListingFilter, queries};
use crate::search::SearchError;
use crate::search::request::SearchParams;
use crate::web::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_provinces)
        .service(resolve_province)
        .service(list_listings)
        .service(search);
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
async fn list_provinces(state: web::Data<AppState>) -> HttpResponse {
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
async fn resolve_province(
    state: web::Data<AppState>,
    query: web::Query<ResolveQuery>,
) -> Result<HttpResponse, ApiError> {
    let province = state
        .reference
        .resolve_province(&query.name)
        .ok_or_else(|| ApiError::NotFound(format!("no province is called {:?}", query.name)))?;
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

#[derive(Deserialize)]
struct ListingsQuery {
    province: Option<String>,
    group: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

/// Listings a shopper may find, newest first. `province` accepts any name or former province.
#[get("/listings")]
async fn list_listings(
    state: web::Data<AppState>,
    query: web::Query<ListingsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(20);
    if page == 0 || page > 10_000 {
        return Err(ApiError::bad_request(
            "invalid_page",
            "page must be between 1 and 10000",
        ));
    }
    if !(1..=100).contains(&per_page) {
        return Err(ApiError::bad_request(
            "invalid_per_page",
            "per_page must be between 1 and 100",
        ));
    }
    let province_code = match query.province.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(name) => Some(
            state
                .reference
                .resolve_province(name)
                .ok_or_else(|| {
                    ApiError::bad_request("unknown_province", format!("unknown province {name:?}"))
                })?
                .code
                .clone(),
        ),
    };
    let group_code = match query.group.as_deref().filter(|g| !g.is_empty()) {
        None => None,
        Some(code) if state.reference.group(code).is_some() => Some(code.to_owned()),
        Some(code) => {
            return Err(ApiError::bad_request(
                "unknown_group",
                format!("unknown product group {code:?}"),
            ));
        }
    };
    let filter = ListingFilter {
        province_code,
        group_code,
        ..ListingFilter::default()
    };
    let page =
        queries::list_visible(&state.db, state.clock.today(), &filter, page, per_page).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Full-text search with disjunctive facets. See `search-config/` for the matching rules.
#[get("/search")]
async fn search(
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params
        .parse(&state.reference, state.clock.today())
        .map_err(|bad| ApiError::bad_request(bad.code, bad.message))?;
    match crate::features::catalog::indexing::search_or_rebuild(
        &state.db,
        state.search.as_ref(),
        &query,
    )
    .await
    {
        Ok(results) => Ok(HttpResponse::Ok().json(results)),
        Err(SearchError::Unavailable(why)) => Err(ApiError::Unavailable(why)),
        Err(e) => Err(ApiError::Unexpected(e.into())),
    }
}
