//! HTTP routes: health checks, the JSON API under `/api/v1`, and storefront pages.
pub mod account;
pub mod api;
pub mod health;
pub mod indicators;
pub mod live;
pub mod media;
pub mod officer;
pub mod outlets;
pub mod pages;
pub mod search_page;
pub mod seller;
pub mod seller_api;
pub mod seller_orders;
pub mod seo;
pub mod shop;
pub mod verify;
pub mod webhooks;

use actix_web::{HttpRequest, error, web};

use crate::web::assets;
use crate::web::error::{ApiError, PageError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(crate::web::metrics::serve)
        .service(assets::serve_static)
        .service(seller_api::openapi_json)
        .service(
            web::scope("/api/v1")
                .configure(seller_api::configure)
                .configure(indicators::configure_api)
                .configure(api::configure),
        )
        .service(search_page::search_page)
        .service(verify::verify_certificate)
        .service(seo::robots)
        .service(seo::sitemap)
        .configure(indicators::configure)
        .configure(account::configure)
        .configure(live::configure)
        .configure(outlets::configure)
        .configure(seller_orders::configure)
        .configure(seller::configure)
        .configure(shop::configure)
        .configure(officer::configure)
        .configure(webhooks::configure)
        .service(media::serve)
        .configure(pages::configure)
        .default_service(web::to(pages::not_found));
}

fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

/// Malformed query strings get a 400 with a message, as JSON or as a page.
pub fn query_error(err: error::QueryPayloadError, req: &HttpRequest) -> error::Error {
    let message = format!("invalid query parameters: {err}");
    if is_api(req) {
        ApiError::bad_request("invalid_query", message).into()
    } else {
        PageError::BadRequest(message).into()
    }
}

pub fn form_error(err: error::UrlencodedError, req: &HttpRequest) -> error::Error {
    let message = format!("invalid form: {err}");
    if is_api(req) {
        ApiError::bad_request("invalid_form", message).into()
    } else {
        PageError::BadRequest(message).into()
    }
}

pub fn path_error(err: error::PathError, req: &HttpRequest) -> error::Error {
    let message = format!("invalid path: {err}");
    if is_api(req) {
        ApiError::bad_request("invalid_path", message).into()
    } else {
        PageError::BadRequest(message).into()
    }
}
