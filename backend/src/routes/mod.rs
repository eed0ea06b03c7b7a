//! HTTP routes, one file per feature (`features/{name}` has its rules, `routes/{name}.rs`
//! its handlers: parse the request, call the feature, render or answer JSON), plus the
//! site-wide ones: health checks, photos, robots.txt and the sitemap, the OpenAPI document.
pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod channels;
pub mod combos;
pub mod feeds;
pub mod health;
pub mod ledger;
pub mod live;
pub mod media;
pub mod offers;
pub mod onboarding;
pub mod openapi;
pub mod orders;
pub mod outlets;
pub mod quality;
pub mod registry;
pub mod returns;
pub mod reviews;
pub mod sales;
pub mod selling;
pub mod seo;
pub mod shipping;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::ResponseError;
use actix_web::error;
use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::web;

use crate::domain::refusal::{ErrorCode, Refusal};
use crate::web::assets;
use crate::web::error::ApiError;
use crate::web::error::PageError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(crate::web::metrics::serve)
        .service(assets::serve_static)
        .service(openapi::openapi_json)
        .service(
            web::scope("/api/v1")
                .configure(selling::configure_api)
                .configure(live::configure_api)
                .configure(sales::configure_api)
                .configure(catalog::configure_api),
        )
        .service(registry::verify_certificate)
        .service(seo::robots)
        .service(seo::sitemap)
        .configure(sales::configure)
        .configure(accounts::configure)
        .configure(live::configure)
        .configure(outlets::configure)
        .configure(offers::configure)
        .configure(combos::configure)
        .configure(orders::configure)
        .configure(returns::configure)
        .configure(reviews::configure)
        .configure(quality::configure)
        .configure(channels::configure)
        .configure(feeds::configure)
        .configure(shipping::configure)
        .configure(ledger::configure)
        .configure(onboarding::configure)
        .configure(selling::configure)
        .configure(cart::configure)
        .configure(orders::configure_webhooks)
        .service(media::serve)
        .configure(catalog::configure)
        .default_service(web::to(not_found));
}

/// Anything unrouted: a JSON 404 under `/api`, the friendly page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        // A documented endpoint asked with another method: 405 with the methods it has.
        if let Some(allowed) = openapi::methods_of(req.path()) {
            let refusal = Refusal::new(ErrorCode::MethodNotAllowed)
                .arg("method", req.method())
                .arg("path", req.path())
                .arg("allowed", allowed.join(" | "));
            let mut response = ApiError::from(refusal).error_response();
            if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(ALLOW, value);
            }
            return response;
        }
        ApiError::from(Refusal::new(ErrorCode::NoSuchEndpoint).arg("path", req.path()))
            .error_response()
    } else {
        PageError::NotFound.error_response()
    }
}

fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

/// Malformed query strings, forms and paths get a 400 with a message, as JSON or as a page.
fn bad_input(code: ErrorCode, err: impl std::fmt::Display, req: &HttpRequest) -> error::Error {
    let refusal = Refusal::new(code).detail(err.to_string());
    if is_api(req) {
        ApiError::from(refusal).into()
    } else {
        PageError::BadRequest(refusal.to_string()).into()
    }
}

pub fn query_error(err: error::QueryPayloadError, req: &HttpRequest) -> error::Error {
    bad_input(ErrorCode::InvalidQuery, err, req)
}

pub fn form_error(err: error::UrlencodedError, req: &HttpRequest) -> error::Error {
    bad_input(ErrorCode::InvalidForm, err, req)
}

pub fn path_error(err: error::PathError, req: &HttpRequest) -> error::Error {
    bad_input(ErrorCode::InvalidPath, err, req)
}
