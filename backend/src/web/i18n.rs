//! The request's language: `?lang=vi|en` (remembered in a cookie for a year), else that
//! cookie, else Vietnamese, set for everything the request renders ([`crate::i18n`]).
use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderValue;
use actix_web::http::header::SET_COOKIE;
use actix_web::http::header::VARY;

use crate::i18n::Lang;
use crate::i18n::RequestLang;

pub const LANG_COOKIE: &str = "ocop_lang";

/// The request path and query without the `lang` parameter.
fn path_without_lang(req: &ServiceRequest) -> String {
    let kept: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k != "lang")
            .collect();
    let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
    if query.is_empty() {
        req.path().to_owned()
    } else {
        format!("{}?{query}", req.path())
    }
}

/// Sets the request's language for everything it renders, and remembers `?lang=` in a cookie.
pub async fn middleware(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let asked = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    let remembered = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value()));
    let lang = asked.or(remembered).unwrap_or(Lang::Vi);
    let current = RequestLang {
        lang,
        path: path_without_lang(&req),
    };
    let mut response = crate::i18n::scope(current, next.call(req)).await?;
    if let Some(lang) = asked.filter(|l| Some(*l) != remembered) {
        let cookie = Cookie::build(LANG_COOKIE, lang.code())
            .path("/")
            .max_age(CookieDuration::days(365))
            .same_site(actix_web::cookie::SameSite::Lax)
            .finish();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    // Pages differ by the language cookie; assets and JSON do not.
    let is_page = response
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_page {
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("Cookie"));
    }
    Ok(response)
}
