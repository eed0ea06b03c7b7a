//! HTTP routes, one file per feature (`features/{name}` has its rules, `routes/{name}.rs`
//! its handlers: parse the request, call the feature, render or answer JSON), plus the
//! site-wide ones: health checks, photos, robots.txt and the sitemap, the OpenAPI document.
pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod health;
pub mod live;
pub mod media;
pub mod onboarding;
pub mod openapi;
pub mod orders;
pub mod outlets;
pub mod registry;
pub mod sales;
pub mod selling;
pub mod seo;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::ResponseError;
use actix_web::error;
use actix_web::web;

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
        .configure(orders::configure)
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
