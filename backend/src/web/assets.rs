//! `/static/…`: the files of [`crate::render::assets`].
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web;

use crate::render::assets::content_type;
use crate::render::assets::lookup;

#[get("/static/{path:.*}")]
pub async fn serve_static(path: web::Path<String>) -> HttpResponse {
    match lookup(&path) {
        Some((name, data, cache)) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, content_type(&name)))
            .insert_header((CACHE_CONTROL, cache))
            .body(data.into_owned()),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}
