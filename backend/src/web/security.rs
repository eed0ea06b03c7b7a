//! Security headers on every response, and the public API's rate limit.
//!
//! - A Content-Security-Policy that allows only the site's own scripts, styles, images and
//!   forms (plus Stripe's checkout page as a form target, since the checkout form redirects
//!   there), no framing and no plugins. Inline `style` attributes are allowed (an outlet's
//!   brand colour, validated as `#rrggbb`); inline scripts are not.
//! - `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`, a strict referrer policy, a
//!   permissions policy turning off the camera, microphone and location, and
//!   `Cross-Origin-Opener-Policy: same-origin`.
//! - `Strict-Transport-Security` when the site is served over TLS: `PUBLIC_URL` starts with
//!   `https://`, or the request came over TLS.
//! - The JSON API (`/api/…`) is limited per client address (`API_RATE_PER_MINUTE`, shared by
//!   every instance on PostgreSQL): past it, `429` with `Retry-After` and a JSON error. The
//!   client address is the peer's, or the forwarded one behind `TRUSTED_PROXIES`.
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::body::EitherBody;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderName;
use actix_web::http::header::HeaderValue;
use actix_web::middleware::Next;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::web;
use governor::DefaultKeyedRateLimiter;
use governor::Quota;
use governor::RateLimiter;
use governor::clock::Clock;
use governor::clock::DefaultClock;
use sea_orm::DatabaseConnection;

use crate::app::AppState;
use crate::domain::refusal::{ErrorCode, Refusal};
use crate::web::error::ApiError;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; frame-src 'none'; \
     object-src 'none'; base-uri 'self'";

/// One year, with subdomains.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

fn set_default(res: &mut ServiceResponse<impl MessageBody>, name: &'static str, value: &str) {
    let headers = res.headers_mut();
    let name = HeaderName::from_static(name);
    if !headers.contains_key(&name)
        && let Ok(value) = HeaderValue::from_str(value)
    {
        headers.insert(name, value);
    }
}

/// Adds the security headers a response does not set itself.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Over TLS: the site's address says so, or the request came over TLS (directly or, per
    // X-Forwarded-Proto, through a proxy; browsers ignore HSTS on plain http anyway).
    let tls = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.site.starts_with("https://"))
        || req.connection_info().scheme() == "https";
    let mut res = next.call(req).await?;
    set_default(&mut res, "content-security-policy", CSP);
    set_default(&mut res, "x-frame-options", "DENY");
    set_default(&mut res, "x-content-type-options", "nosniff");
    set_default(
        &mut res,
        "referrer-policy",
        "strict-origin-when-cross-origin",
    );
    set_default(
        &mut res,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    set_default(&mut res, "cross-origin-opener-policy", "same-origin");
    if tls {
        set_default(&mut res, "strict-transport-security", HSTS);
    }
    Ok(res)
}

/// The client's address: the peer, or, when the peer is one of `TRUSTED_PROXIES`, the
/// address the proxies forwarded (`X-Forwarded-For`, read from the right, skipping the
/// trusted proxies themselves). Other peers cannot choose their address with a header.
pub fn client_ip(req: &HttpRequest, trusted: &[ipnet::IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .or_else(|| forwarded.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// The API's per-client limit.
///
/// - One instance (SQLite): counted in memory (GCRA).
/// - Several instances (PostgreSQL): a fixed window a minute per client, counted in the
///   database so every instance shares it. Each instance takes a small share of the window's
///   requests at a time (a twentieth of the limit) and spends it locally, so a request costs a
///   database round trip only once a share runs out; no client gets more than the limit a
///   window, whichever instances it reaches.
#[derive(Clone)]
pub enum ApiLimiter {
    Off,
    Local(Arc<DefaultKeyedRateLimiter<IpAddr>>),
    Shared(Arc<SharedLimiter>),
}

pub struct SharedLimiter {
    db: DatabaseConnection,
    per_minute: u32,
    share: u32,
    /// Per client: the window (its start, from the database) and requests left of this
    /// instance's share.
    shares: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl ApiLimiter {
    /// `per_minute` requests a minute per client address (bursts up to that many); 0 turns
    /// the limit off (load tests). With `shared`, counted across instances in `db`.
    pub fn new(per_minute: u32, shared: Option<DatabaseConnection>) -> Self {
        let Some(n) = NonZeroU32::new(per_minute) else {
            return Self::Off;
        };
        match shared {
            None => Self::Local(Arc::new(RateLimiter::keyed(Quota::per_minute(n)))),
            Some(db) => Self::Shared(Arc::new(SharedLimiter {
                db,
                per_minute,
                share: (per_minute / 20).max(1),
                shares: Mutex::new(HashMap::new()),
            })),
        }
    }

    /// `None` if the client may go on, else the seconds to wait.
    pub async fn check(&self, client: IpAddr) -> Option<u64> {
        match self {
            Self::Off => None,
            Self::Local(limiter) => match limiter.check_key(&client) {
                Ok(()) => None,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(DefaultClock::default().now());
                    Some(wait.as_secs().max(1))
                }
            },
            Self::Shared(shared) => shared.check(client).await,
        }
    }

    /// Forgets clients whose quota is full again (and, shared, past windows), so the tables
    /// do not grow forever.
    pub async fn purge(&self) {
        match self {
            Self::Off => {}
            Self::Local(limiter) => limiter.retain_recent(),
            Self::Shared(shared) => shared.purge().await,
        }
    }
}

impl SharedLimiter {
    async fn check(&self, client: IpAddr) -> Option<u64> {
        let now = chrono::Utc::now();
        let now_ms = now.timestamp_millis();
        let window_ms = i64::try_from(WINDOW.as_millis()).unwrap_or(60_000);
        if let Ok(mut shares) = self.shares.lock()
            && let Some((start, left)) = shares.get_mut(&client)
            && now_ms < *start + window_ms
            && *left > 0
        {
            *left -= 1;
            return None;
        }
        let key = format!("api:{client}");
        match crate::features::accounts::rate_limit::take(
            &self.db,
            &key,
            self.share,
            self.per_minute,
            WINDOW,
            now,
        )
        .await
        {
            Ok(grant) if grant.granted > 0 => {
                if let Ok(mut shares) = self.shares.lock() {
                    shares.insert(client, (grant.window_start_ms, grant.granted - 1));
                }
                None
            }
            Ok(grant) => {
                let wait_ms = grant.window_start_ms + window_ms - now_ms;
                Some(u64::try_from(wait_ms / 1000).unwrap_or(1).max(1))
            }
            // The database is down: the rest of the app fails anyway; do not add to it.
            Err(e) => {
                tracing::warn!(error = %e, "API rate limit not checked (database)");
                None
            }
        }
    }

    async fn purge(&self) {
        let now = chrono::Utc::now();
        let cutoff =
            now.timestamp_millis() - 2 * i64::try_from(WINDOW.as_millis()).unwrap_or(60_000);
        if let Ok(mut shares) = self.shares.lock() {
            shares.retain(|_, (start, _)| *start >= cutoff);
        }
        if let Err(e) = crate::features::accounts::rate_limit::purge(&self.db, "api:", cutoff).await
        {
            tracing::warn!(error = %e, "purging old rate-limit windows failed");
        }
    }
}

/// Applies [`ApiLimiter`] to `/api/` requests, per client address ([`client_ip`]).
pub async fn api_rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let client = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| client_ip(req.request(), &state.trusted_proxies));
    let wait = match (
        req.path().starts_with("/api/"),
        req.app_data::<web::Data<ApiLimiter>>(),
        client,
    ) {
        (true, Some(limiter), Some(client)) => limiter.check(client).await,
        _ => None,
    };
    if let Some(seconds) = wait {
        tracing::warn!(path = req.path(), "API rate limit reached");
        let response = HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", seconds.to_string()))
            .json(ApiError::body(
                &Refusal::new(ErrorCode::RateLimited).arg("seconds", seconds),
            ));
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
