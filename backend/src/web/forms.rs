//! What every page with a form shares: rendering it with the CSRF cookie, checking the token
//! and the rate limits of a submission, answering with a redirect or a short message, and
//! reading a photo upload. Route files use these; none borrows them from another route file.
use std::time::Duration;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use actix_web::web;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::db::entities::checkout;
use crate::domain::ids::SellerId;
use crate::domain::orders::PaymentMethod;
use crate::features::accounts::rate_limit;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::payments::NextStep;
use crate::payments::PaymentError;
use crate::render::{render, render_value};
use crate::web::error::PageError;

/// How long the rate limits of forms count attempts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// A page with a form: sets the CSRF cookie when the browser has none yet.
pub fn form_page(
    state: &AppState,
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    template: &str,
    mut data: serde_json::Value,
) -> Result<HttpResponse, PageError> {
    let (token, cookie) = state.cookies.csrf_token(req);
    if let Some(map) = data.as_object_mut() {
        map.insert("csrf".into(), token.into());
        map.entry("noindex").or_insert(true.into());
    }
    let body = render_value(template, data)?;
    let mut response = HttpResponse::build(status);
    response.insert_header(("Cache-Control", "no-store"));
    if let Some(cookie) = cookie {
        response.cookie(cookie);
    }
    Ok(response.content_type("text/html; charset=utf-8").body(body))
}

/// The client's address for rate limits: the peer, or the forwarded address behind a
/// trusted proxy.
pub fn client_address(req: &HttpRequest) -> String {
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map_or(&[][..], |s| s.trusted_proxies.as_slice());
    crate::web::security::client_ip(req, trusted)
        .map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

/// What every account form checks before acting: the browser's CSRF token, then each rate
/// limit (`key`, hits allowed per [`WINDOW`]); every limit counts the attempt.
pub async fn guard(
    state: &AppState,
    req: &HttpRequest,
    csrf: &str,
    limits: &[(String, u32)],
) -> Result<(), PageError> {
    if !state.cookies.csrf_ok(req, csrf) {
        return Err(PageError::Forbidden);
    }
    let now = state.clock.now();
    let mut within = true;
    for (key, limit) in limits {
        within &= rate_limit::hit(&state.db, key, *limit, WINDOW, now).await?;
    }
    if within {
        Ok(())
    } else {
        tracing::warn!(form = req.path(), "rate limit reached");
        Err(PageError::TooManyRequests)
    }
}

/// A short page that confirms something happened, with one link onwards.
pub fn message_page(
    title: &str,
    message: &str,
    link_href: &str,
    link_text: &str,
) -> Result<String, PageError> {
    Ok(render(
        "pages/message",
        &json!({
            "title": title,
            "message": message,
            "link_href": link_href,
            "link_text": link_text,
            "noindex": true,
        }),
    )?)
}

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to.to_owned()))
        .finish()
}

/// A form that carries only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

/// Reads an upload form: its short text fields (the CSRF token among them) and one photo,
/// refusing a file over the limit as soon as it passes it.
pub async fn read_upload(
    payload: Multipart,
) -> Result<(std::collections::HashMap<String, String>, Vec<u8>), String> {
    let (fields, mut photos) = read_photos(payload, 8, 1).await?;
    match photos.pop() {
        Some(bytes) => Ok((fields, bytes)),
        None => Err(tr("errors.form.choose_photo")),
    }
}

/// Puts photos read by [`read_photos`] through the pipeline, a few uploads at a time
/// (`photo_permits`). `Ok(Err(why))` when one is not a usable photo.
pub async fn ingest_photos(
    state: &AppState,
    photos: Vec<Vec<u8>>,
) -> Result<Result<Vec<crate::media::Stored>, String>, PageError> {
    let mut stored = Vec::with_capacity(photos.len());
    if photos.is_empty() {
        return Ok(Ok(stored));
    }
    let _permit = state
        .photo_permits
        .acquire()
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?;
    for bytes in photos {
        match crate::media::ingest(&state.media, bytes).await {
            Ok(photo) => stored.push(photo),
            Err(crate::media::IngestError::Photo(e)) => return Ok(Err(e.to_string())),
            Err(e) => return Err(PageError::Unexpected(e.into())),
        }
    }
    Ok(Ok(stored))
}

/// Reads a multipart form of at most `max_fields` parts: its text fields (256 bytes each) and
/// up to `max_photos` non-empty `photo` files of at most [`crate::media::MAX_BYTES`] each
/// (an empty file input sends an empty part, which is skipped).
pub async fn read_photos(
    mut payload: Multipart,
    max_fields: usize,
    max_photos: usize,
) -> Result<(std::collections::HashMap<String, String>, Vec<Vec<u8>>), String> {
    let mut fields_read = std::collections::HashMap::new();
    let mut photos = Vec::new();
    let mut fields = 0;
    while let Some(field) = payload.next().await {
        fields += 1;
        if fields > max_fields {
            return Err(tr("errors.form.too_many_fields"));
        }
        let mut field = field.map_err(|e| tr_with("errors.form.bad_upload", &[("why", &e)]))?;
        let name = field.name().unwrap_or_default().to_owned();
        let limit = if name == "photo" {
            crate::media::MAX_BYTES
        } else {
            // Texts are up to 2,000 letters, Vietnamese ones up to 3 bytes each.
            8192
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| tr_with("errors.form.upload_interrupted", &[("why", &e)]))?;
            if bytes.len() + chunk.len() > limit {
                return Err(if name == "photo" {
                    crate::media::PhotoError::TooLarge.to_string()
                } else {
                    tr("errors.form.field_too_long")
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "photo" {
            if bytes.is_empty() {
                continue;
            }
            if photos.len() == max_photos {
                return Err(tr_with(
                    "errors.form.too_many_photos",
                    &[("max", &max_photos.to_string())],
                ));
            }
            photos.push(bytes);
        } else {
            fields_read.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok((fields_read, photos))
}

/// The seller a seller page works on ([`crate::features::selling::chosen_seller`]), as a page
/// error when there is none the principal may manage.
pub async fn chosen_seller(
    state: &AppState,
    principal: &crate::features::accounts::auth::Principal,
    asked: Option<SellerId>,
) -> Result<crate::db::entities::seller::Model, PageError> {
    use crate::features::selling::{SellingError, chosen_seller};
    chosen_seller(&state.db, principal, asked)
        .await
        .map_err(|e| match e {
            SellingError::NotFound => PageError::NotFound,
            SellingError::Database(e) => e.into(),
            _ => PageError::AccessDenied,
        })
}

/// Hands a placed checkout to its payment provider: to the provider's page, or to the order
/// page (with a notice when the provider could not be reached; the stock stays reserved and
/// the shopper can try again from there).
pub async fn begin_payment(
    state: &AppState,
    placed: &checkout::Model,
    method: PaymentMethod,
) -> Result<HttpResponse, PageError> {
    let Some(provider) = state.payments.provider(method) else {
        return Ok(to_order(placed, None));
    };
    match provider.begin(&state.db, placed, state.clock.now()).await {
        Ok(NextStep::Redirect(url)) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, url))
            .finish()),
        Ok(NextStep::OrderPage) => Ok(to_order(placed, None)),
        Err(PaymentError::Database(e)) => Err(e.into()),
        Err(PaymentError::Unavailable(why)) => {
            tracing::warn!(reference = %placed.reference, error = %why, "payment provider unavailable");
            Ok(to_order(placed, Some("pay_error=1")))
        }
    }
}

/// The private tracking link of a checkout.
pub fn to_order(placed: &checkout::Model, extra: Option<&str>) -> HttpResponse {
    let extra = extra.map(|e| format!("&{e}")).unwrap_or_default();
    HttpResponse::SeeOther()
        .insert_header((
            LOCATION,
            format!(
                "/orders/{}?t={}{extra}",
                placed.reference, placed.tracking_token
            ),
        ))
        .finish()
}

/// A whole number as people write it in Vietnam ("150.000", "150 000", "150.000 ₫"):
/// `Ok(None)` when empty, the parse error when not a number.
pub fn written_number<T: std::str::FromStr>(raw: &str) -> Result<Option<T>, T::Err> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '_' | '₫'))
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    digits.parse().map(Some)
}
