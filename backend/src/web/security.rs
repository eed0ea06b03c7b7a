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
//! - The JSON API (`/api/…`) is limited per client address (`API_RATE_PER_MINUTE`, in each
//!   app instance's memory): past it, `429` with `Retry-After` and a JSON error.
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::startup::AppState;

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
    let tls = req.app_data::<web::Data<AppState>>().is_some_and(|s| {
        s.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }) || req.connection_info().scheme() == "https";
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

/// The API's per-client limit, shared by the workers of one app instance.
#[derive(Clone)]
pub struct ApiLimiter {
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
}

impl ApiLimiter {
    /// `per_minute` requests a minute per client address (bursts up to that many); 0 turns
    /// the limit off (load tests).
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))),
        }
    }

    /// `None` if the client may go on, else the seconds to wait.
    fn check(&self, client: IpAddr) -> Option<u64> {
        let limiter = self.limiter.as_ref()?;
        match limiter.check_key(&client) {
            Ok(()) => None,
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Some(wait.as_secs().max(1))
            }
        }
    }

    /// Forgets clients whose quota is full again, so the table does not grow forever.
    pub fn purge(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
        }
    }
}

/// Applies [`ApiLimiter`] to `/api/` requests.
pub async fn api_rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let wait = match (
        req.path().starts_with("/api/"),
        req.app_data::<web::Data<ApiLimiter>>(),
        req.peer_addr(),
    ) {
        (true, Some(limiter), Some(peer)) => limiter.check(peer.ip()),
        _ => None,
    };
    if let Some(seconds) = wait {
        tracing::warn!(path = req.path(), "API rate limit reached");
        let response = HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", seconds.to_string()))
            .json(serde_json::json!({
                "error": {
                    "code": "rate_limited",
                    "message": format!("too many requests; retry in {seconds} s"),
                }
            }));
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
