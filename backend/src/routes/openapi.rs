//! `/api/openapi.json`: the OpenAPI document of the seller API and the indicator API, and the
//! methods it documents for each path (a request with another method gets 405 with `Allow`).
use actix_web::HttpResponse;
use actix_web::get;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::HttpAuthScheme;
use utoipa::openapi::security::HttpBuilder;
use utoipa::openapi::security::SecurityScheme;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from the account page: ocop_…"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OCOP Village API",
        description = "Seller operations for mobile and livestream tools, and the public modern-trade indicator. Authenticate with `Authorization: Bearer <token>`; make tokens on the account page (/account)."
    ),
    paths(
        super::selling::api_list_listings,
        super::selling::api_create_listing,
        super::selling::api_get_listing,
        super::selling::api_patch_listing,
        super::selling::api_upload_photo,
        super::selling::api_delete_photo,
        super::selling::api_certificates,
        super::live::pin_live,
        super::sales::modern_trade_api
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "seller", description = "A verified seller's listings, photos and certificates"),
        (name = "indicators", description = "The modern-trade participation indicator, computed from completed sales")
    )
)]
pub struct ApiDoc;

/// The methods the OpenAPI document gives the path `path` (`/api/v1/seller/listings/…`), if
/// it documents it: the answer of a request with another method.
pub fn methods_of(path: &str) -> Option<Vec<&'static str>> {
    use std::sync::OnceLock;
    static PATHS: OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter(|(_, has)| *has)
                .map(|(name, _)| name)
                .collect();
                (segments, methods)
            })
            .collect()
    });
    let asked: Vec<&str> = path.split('/').collect();
    paths.iter().find_map(|(segments, methods)| {
        let same = segments.len() == asked.len()
            && segments
                .iter()
                .zip(&asked)
                .all(|(want, got)| (want.starts_with('{') && !got.is_empty()) || want == got);
        same.then(|| methods.clone())
    })
}

#[get("/api/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(ApiDoc::openapi())
}
