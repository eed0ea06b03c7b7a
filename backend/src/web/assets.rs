//! Static files from `storefront/static`, compiled into the binary.
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, get, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../storefront/static"]
struct StaticFiles;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[get("/static/{path:.*}")]
pub async fn serve_static(path: web::Path<String>) -> HttpResponse {
    match StaticFiles::get(&path) {
        Some(file) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, content_type(&path)))
            .insert_header((CACHE_CONTROL, "public, max-age=3600"))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}
