//! Anonymous storefront pages served from memory, with conditional requests.
//!
//! A page handler marks its response [`share`]able; for a visitor without a session, the
//! middleware keeps the rendered page (per language, path and query) while the catalog's
//! version ([`CatalogVersion`]: bumped by the outbox worker once search has the change, and by
//! any write this instance served) is the one it was made at, and at most `ttl`. Every such
//! page carries an `ETag` and `Last-Modified`, and a request repeating them gets `304 Not
//! Modified`.
//!
//! A page with a form (the product page's add-to-cart) is rendered with [`CSRF_MARKER`] in
//! place of the token; the middleware puts each browser's own token there (and its cookie, when
//! new), so such pages are `private` while the others may be kept by shared caches for `ttl`.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    self, CACHE_CONTROL, ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, SET_COOKIE,
};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use sha2::Digest;

use crate::app::AppState;
use crate::jobs::versions::{CatalogVersion, Turns};
use crate::web::session::SESSION_COOKIE;

/// Stands for the browser's CSRF token in a shared page (32 characters, like a token).
pub const CSRF_MARKER: &str = "ocopCsrfTokenOfThisBrowserHere00";

/// Pages kept at most, in bytes, before older ones are dropped.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// What a handler says about its page: it is the same for every visitor without a session
/// (but for the CSRF token, when `personal`).
#[derive(Clone, Copy)]
struct Shareable {
    personal: bool,
}

/// Marks a page the same for every visitor without a session; `with_csrf`: it carries
/// [`CSRF_MARKER`] where the browser's token goes.
pub fn share(response: &mut HttpResponse, with_csrf: bool) {
    response.extensions_mut().insert(Shareable {
        personal: with_csrf,
    });
}

/// An HTML page the same for every visitor without a session.
pub fn shared_page(body: String) -> HttpResponse {
    let mut response = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body);
    share(&mut response, false);
    response
}

/// A JSON answer the same for every caller without a session (the public catalog API).
pub fn shared_json(value: &impl serde::Serialize) -> HttpResponse {
    let mut response = HttpResponse::Ok().json(value);
    share(&mut response, false);
    response
}

/// Whether this request comes without a session (a signed-in visitor's pages are their own).
pub fn anonymous(req: &actix_web::HttpRequest) -> bool {
    req.cookie(SESSION_COOKIE).is_none()
}

/// The CSRF token a page renders: the marker for an anonymous visitor (the middleware fills
/// it in), else the browser's own with its cookie when new.
pub fn csrf_for_page(
    state: &AppState,
    req: &actix_web::HttpRequest,
) -> (String, Option<actix_web::cookie::Cookie<'static>>) {
    if anonymous(req) {
        (CSRF_MARKER.to_owned(), None)
    } else {
        state.cookies.csrf_token(req)
    }
}

struct Entry {
    version: u64,
    made: Instant,
    modified: std::time::SystemTime,
    etag: String,
    headers: HeaderMap,
    body: Bytes,
    personal: bool,
}

pub struct PageCache {
    version: CatalogVersion,
    ttl: Duration,
    entries: Mutex<(HashMap<String, Arc<Entry>>, usize)>,
    /// Pages being rendered for the cache: one request renders, the others wait for it.
    renders: Turns,
}

impl PageCache {
    /// `ttl` zero: nothing is kept (pages are still marked and conditional).
    pub fn new(version: CatalogVersion, ttl: Duration) -> Self {
        Self {
            version,
            ttl,
            entries: Mutex::new((HashMap::new(), 0)),
            renders: Turns::default(),
        }
    }

    /// Whether this page was kept before (its later renders are worth waiting for).
    fn known(&self, key: &str) -> bool {
        self.entries
            .lock()
            .is_ok_and(|entries| entries.0.contains_key(key))
    }

    pub fn version(&self) -> &CatalogVersion {
        &self.version
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let now = self.version.current();
        let entries = self.entries.lock().ok()?;
        entries
            .0
            .get(key)
            .filter(|e| e.version == now && e.made.elapsed() < self.ttl)
            .cloned()
    }

    fn put(&self, key: String, entry: Arc<Entry>) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let (map, bytes) = &mut *entries;
        if *bytes + entry.body.len() > MAX_BYTES {
            let (version, ttl) = (self.version.current(), self.ttl);
            map.retain(|_, e| e.version == version && e.made.elapsed() < ttl);
            *bytes = map.values().map(|e| e.body.len()).sum();
            if *bytes + entry.body.len() > MAX_BYTES {
                map.clear();
                *bytes = 0;
            }
        }
        *bytes += entry.body.len();
        if let Some(old) = map.insert(key, entry) {
            *bytes = bytes.saturating_sub(old.body.len());
        }
    }
}

/// `Last-Modified` and `If-Modified-Since` count whole seconds.
fn whole_seconds(at: std::time::SystemTime) -> std::time::SystemTime {
    let since = at
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    std::time::UNIX_EPOCH + Duration::from_secs(since)
}

fn etag_of(body: &[u8]) -> String {
    let digest = sha2::Sha256::digest(body);
    hex::encode(&digest[..12])
}

/// Writes that leave public pages as they were: a cart, an account, a sign-in.
fn changes_nothing_public(path: &str) -> bool {
    ["/cart", "/account", "/api/v1/suggest"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Serves shared pages from memory; counts this instance's writes as catalog changes.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(cache) = req.app_data::<Data<PageCache>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let method = req.method().clone();
    if method != Method::GET {
        let writes = !matches!(method, Method::HEAD | Method::OPTIONS);
        let path = req.path().to_owned();
        let res = next.call(req).await?;
        if writes && res.status().as_u16() < 400 && !changes_nothing_public(&path) {
            cache.version().changed_here();
        }
        return Ok(res.map_into_boxed_body());
    }
    if !anonymous(req.request()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = format!(
        "{}|{}?{}",
        crate::i18n::current().code(),
        req.path(),
        req.query_string()
    );
    let entry = match cache.get(&key) {
        Some(entry) => entry,
        None => {
            // A page kept before and now stale: one request renders it again, the others
            // wait and take its result, instead of all rendering at once.
            let turn = if cache.known(&key) {
                Some(cache.renders.take(&key).await)
            } else {
                None
            };
            if turn.is_some()
                && let Some(entry) = cache.get(&key)
            {
                return Ok(serve(req, &entry, &cache, "hit"));
            }
            let version = cache.version().current();
            let res = next.call(req).await?;
            let shareable = res.response().extensions().get::<Shareable>().copied();
            let Some(shareable) = shareable.filter(|_| res.status() == StatusCode::OK) else {
                return Ok(res.map_into_boxed_body());
            };
            let (request, response) = res.into_parts();
            let mut headers = response.headers().clone();
            headers.remove(SET_COOKIE);
            let body = actix_web::body::to_bytes(response.map_into_boxed_body().into_body())
                .await
                .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?;
            let entry = Arc::new(Entry {
                version,
                made: Instant::now(),
                modified: whole_seconds(std::time::SystemTime::now()),
                etag: etag_of(&body),
                headers,
                body,
                personal: shareable.personal,
            });
            cache.put(key, entry.clone());
            drop(turn);
            let req = ServiceRequest::from_request(request);
            return Ok(serve(req, &entry, &cache, "miss"));
        }
    };
    Ok(serve(req, &entry, &cache, "hit"))
}

/// The entry for this browser: its token in place, or `304` when it has it already.
fn serve(
    req: ServiceRequest,
    entry: &Entry,
    cache: &PageCache,
    outcome: &'static str,
) -> ServiceResponse<BoxBody> {
    let (body, etag, cookie) = if entry.personal {
        let (token, cookie) = match req.app_data::<Data<AppState>>() {
            Some(state) => state.cookies.csrf_token(req.request()),
            None => (String::new(), None),
        };
        let text = String::from_utf8_lossy(&entry.body).replace(CSRF_MARKER, &token);
        let mine = etag_of(token.as_bytes());
        (
            Bytes::from(text),
            format!("\"{}-{}\"", entry.etag, &mine[..8]),
            cookie,
        )
    } else {
        (entry.body.clone(), format!("\"{}\"", entry.etag), None)
    };
    let modified = header::HttpDate::from(entry.modified);
    let fresh = match req.headers().get(IF_NONE_MATCH) {
        Some(tags) => tags
            .to_str()
            .is_ok_and(|t| t.split(',').any(|t| t.trim() == etag || t.trim() == "*")),
        None => req
            .headers()
            .get(IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<header::HttpDate>().ok())
            .is_some_and(|since| std::time::SystemTime::from(since) >= entry.modified),
    };
    let mut response = if fresh {
        HttpResponse::NotModified().finish()
    } else {
        let mut response = HttpResponse::Ok().body(body);
        for (name, value) in &entry.headers {
            response.headers_mut().append(name.clone(), value.clone());
        }
        response
    };
    let headers = response.headers_mut();
    // A page's own rule for browsers stands (a live show's page asks every time).
    let rule = match entry.headers.get(CACHE_CONTROL) {
        Some(own) => own.to_str().unwrap_or("no-cache").to_owned(),
        None if entry.personal => "private, no-cache".to_owned(),
        None => format!("public, max-age={}", cache.ttl.as_secs()),
    };
    for (name, value) in [
        (ETAG, etag),
        (LAST_MODIFIED, modified.to_string()),
        (CACHE_CONTROL, rule),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers.insert(
        actix_web::http::header::HeaderName::from_static("x-page-cache"),
        HeaderValue::from_static(outcome),
    );
    if let Some(cookie) = cookie
        && let Ok(value) = HeaderValue::from_str(&cookie.to_string())
    {
        headers.append(SET_COOKIE, value);
    }
    req.into_response(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_as_long_as_a_token() {
        assert_eq!(CSRF_MARKER.len(), 32);
        assert!(!CSRF_MARKER.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn carts_and_accounts_do_not_change_public_pages() {
        assert!(changes_nothing_public("/cart"));
        assert!(changes_nothing_public("/cart/add"));
        assert!(changes_nothing_public("/account/login"));
        assert!(!changes_nothing_public("/cartography"));
        assert!(!changes_nothing_public("/seller/listings/1"));
        assert!(!changes_nothing_public("/checkout"));
    }

    #[test]
    fn entries_last_while_the_version_holds_and_within_the_ttl() {
        let version = CatalogVersion::default();
        let cache = PageCache::new(version.clone(), Duration::from_secs(60));
        let entry = |v| {
            Arc::new(Entry {
                version: v,
                made: Instant::now(),
                modified: std::time::SystemTime::now(),
                etag: "x".into(),
                headers: HeaderMap::new(),
                body: Bytes::from_static(b"page"),
                personal: false,
            })
        };
        cache.put("vi|/?".into(), entry(version.current()));
        assert!(cache.get("vi|/?").is_some());
        assert!(cache.get("en|/?").is_none());
        version.changed_here();
        assert!(cache.get("vi|/?").is_none(), "a change drops the page");
        let off = PageCache::new(version.clone(), Duration::ZERO);
        off.put("vi|/?".into(), entry(version.current()));
        assert!(off.get("vi|/?").is_none(), "a zero ttl keeps nothing");
    }
}
