//! Catalog feeds for other channels (`features::catalog::feeds`): a seller's or a province's
//! visible products as a Google Merchant RSS feed, a Meta catalogue CSV and the postal
//! platform's bulk-upload CSV. Public, like the product pages they describe; read from the
//! database on every request, cached by other platforms' fetchers for five minutes at most.
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::web;

use crate::app::AppState;
use crate::features::catalog::feeds::{self, FeedSite, Scope};
use crate::web::error::PageError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(seller_feed).service(province_feed);
}

/// The feed formats, by the file name a URL ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Google,
    Meta,
    Postal,
}

impl Format {
    fn parse(file: &str) -> Option<Self> {
        match file {
            "google.xml" => Some(Self::Google),
            "meta.csv" => Some(Self::Meta),
            "postal.csv" => Some(Self::Postal),
            _ => None,
        }
    }
}

async fn feed(
    state: &AppState,
    scope: Scope,
    format: Format,
    title: &str,
    link: &str,
    file_stem: &str,
) -> Result<HttpResponse, PageError> {
    let items = feeds::items(&state.db, state.clock.today(), &scope).await?;
    let site = FeedSite {
        base: state.site.trim_end_matches('/'),
        title,
        link,
    };
    let csv = |bytes: Result<Vec<u8>, csv::Error>, suffix: &str| {
        bytes
            .map(|body| {
                HttpResponse::Ok()
                    .content_type("text/csv; charset=utf-8")
                    .insert_header(("Cache-Control", "public, max-age=300"))
                    .insert_header((
                        "Content-Disposition",
                        format!("inline; filename=\"{file_stem}-{suffix}.csv\""),
                    ))
                    .body(body)
            })
            .map_err(|e| PageError::Unexpected(e.into()))
    };
    match format {
        Format::Google => Ok(HttpResponse::Ok()
            .content_type("application/rss+xml; charset=utf-8")
            .insert_header(("Cache-Control", "public, max-age=300"))
            .body(feeds::google_rss(&items, &state.reference, &site))),
        Format::Meta => csv(feeds::meta_csv(&items, &state.reference, &site), "meta"),
        Format::Postal => csv(feeds::postal_csv(&items, &state.reference, &site), "postal"),
    }
}

/// `/feeds/sellers/{producer slug}/{google.xml|meta.csv|postal.csv}`.
#[get("/feeds/sellers/{slug}/{file}")]
async fn seller_feed(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (slug, file) = path.into_inner();
    let format = Format::parse(&file).ok_or(PageError::NotFound)?;
    let (id, name) = feeds::active_seller(&state.db, &slug)
        .await?
        .ok_or(PageError::NotFound)?;
    feed(
        &state,
        Scope::Seller(id),
        format,
        &name,
        &format!("/producers/{slug}"),
        &slug,
    )
    .await
}

/// `/feeds/provinces/{code}/{google.xml|meta.csv|postal.csv}`.
#[get("/feeds/provinces/{code}/{file}")]
async fn province_feed(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (code, file) = path.into_inner();
    let format = Format::parse(&file).ok_or(PageError::NotFound)?;
    let province = state.reference.province(&code).ok_or(PageError::NotFound)?;
    let name = province.name_vi.clone();
    feed(
        &state,
        Scope::Province(code.clone()),
        format,
        &name,
        &format!("/provinces/{code}"),
        &format!("ocop-{code}"),
    )
    .await
}
