//! `robots.txt` and `sitemap.xml`. The sitemap lists only products a shopper may find today.
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::web;

use crate::app::AppState;
use crate::features::catalog::queries;
use crate::web::error::PageError;

#[get("/robots.txt")]
pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    let base = &state.site;
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            // Search pages stay crawlable: their filtered variants carry `noindex`, which a
            // crawler only sees if it may fetch them.
            "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /account\nDisallow: /seller\nDisallow: /officer\n\nSitemap: {base}/sitemap.xml\n"
        ))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[get("/sitemap.xml")]
pub async fn sitemap(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let base = &state.site;
    let products = queries::visible_slugs(&state.db, state.clock.today()).await?;
    let producers = queries::visible_producer_slugs(&state.db, state.clock.today()).await?;
    let mut xml = String::with_capacity(200 + products.len() * 120);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut url = |path: &str, lastmod: Option<String>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&xml_escape(&format!("{base}{path}")));
        xml.push_str("</loc>");
        if let Some(day) = lastmod {
            xml.push_str("<lastmod>");
            xml.push_str(&day);
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    url("/", None);
    url("/provinces", None);
    for region in &state.reference.regions {
        url(&format!("/regions/{}", region.code), None);
    }
    for province in &state.reference.provinces {
        url(&format!("/provinces/{}", province.code), None);
    }
    for (slug, updated_at) in &products {
        url(
            &format!("/products/{slug}"),
            Some(updated_at.format("%Y-%m-%d").to_string()),
        );
    }
    for slug in &producers {
        url(&format!("/producers/{slug}"), None);
    }
    xml.push_str("</urlset>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(xml))
}
