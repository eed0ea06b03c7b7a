//! Sessions and CSRF tokens in signed cookies (HMAC-SHA256 with the app's key), so any app
//! instance can serve any request.
//!
//! The session cookie holds the user's public id, the user's session epoch and an expiry;
//! bumping `users.session_epoch` (password change, "sign out everywhere") voids every session.
use actix_web::HttpRequest;
use actix_web::cookie::Cookie;
use actix_web::cookie::CookieJar;
use actix_web::cookie::Key;
use actix_web::cookie::SameSite;
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::DateTime;
use chrono::Utc;
use sea_orm::ColumnTrait;
use sea_orm::DatabaseConnection;
use sea_orm::EntityTrait;
use sea_orm::QueryFilter;
use serde::Deserialize;
use serde::Serialize;
use uuid::Uuid;

use crate::db::entities::user;
use crate::domain::ids::ShowId;

pub const SESSION_COOKIE: &str = "ocop_session";
pub const CSRF_COOKIE: &str = "ocop_csrf";
pub const CART_COOKIE: &str = "ocop_cart";
/// Signed: the live show a share link came from, for order attribution.
const LIVE_COOKIE: &str = "ocop_live";
const SESSION_DAYS: i64 = 30;

#[derive(Serialize, Deserialize)]
struct SessionClaims {
    /// The user's public id.
    u: Uuid,
    /// The user's session epoch when the session began.
    e: i32,
    /// Expiry, Unix seconds.
    x: i64,
}

pub use crate::app::CookieConfig;

impl CookieConfig {
    fn signed(
        &self,
        name: &'static str,
        value: String,
        max_age: CookieDuration,
    ) -> Cookie<'static> {
        let mut jar = CookieJar::new();
        let cookie = Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(max_age)
            .finish();
        jar.signed_mut(&self.key).add(cookie);
        jar.get(name)
            .cloned()
            .unwrap_or_else(|| Cookie::new(name, ""))
    }

    /// The verified value of a signed cookie, if present and untampered.
    fn read(&self, req: &HttpRequest, name: &str) -> Option<String> {
        let mut jar = CookieJar::new();
        jar.add_original(req.cookie(name)?.into_owned());
        jar.signed(&self.key)
            .get(name)
            .map(|c| c.value().to_owned())
    }

    /// A cookie that starts a session for `user`.
    pub fn session_cookie(&self, user: &user::Model, now: DateTime<Utc>) -> Cookie<'static> {
        let claims = SessionClaims {
            u: user.pid,
            e: user.session_epoch,
            x: (now + chrono::Duration::days(SESSION_DAYS)).timestamp(),
        };
        let value = serde_json::to_string(&claims).unwrap_or_default();
        self.signed(SESSION_COOKIE, value, CookieDuration::days(SESSION_DAYS))
    }

    /// A cookie that ends the session.
    pub fn expired_session_cookie(&self) -> Cookie<'static> {
        let mut cookie = Cookie::build(SESSION_COOKIE, "").path("/").finish();
        cookie.make_removal();
        cookie
    }

    /// The signed-in user, if the session cookie is genuine, unexpired and not voided.
    pub async fn current_user(
        &self,
        req: &HttpRequest,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
    ) -> Result<Option<user::Model>, sea_orm::DbErr> {
        let Some(claims) = self
            .read(req, SESSION_COOKIE)
            .and_then(|v| serde_json::from_str::<SessionClaims>(&v).ok())
        else {
            return Ok(None);
        };
        if claims.x <= now.timestamp() {
            return Ok(None);
        }
        let user = user::Entity::find()
            .filter(user::Column::Pid.eq(claims.u))
            .one(db)
            .await?;
        Ok(user.filter(|u| u.session_epoch == claims.e))
    }

    /// The guest cart's token from its signed cookie.
    pub fn cart_token(&self, req: &HttpRequest) -> Option<Uuid> {
        self.read(req, CART_COOKIE)
            .and_then(|v| Uuid::parse_str(&v).ok())
    }

    /// A cookie that keeps a guest's cart for 30 days.
    pub fn cart_cookie(&self, token: Uuid) -> Cookie<'static> {
        self.signed(CART_COOKIE, token.to_string(), CookieDuration::days(30))
    }

    /// The live show whose share link this browser followed last (attribution for 24 hours).
    pub fn live_show(&self, req: &HttpRequest) -> Option<ShowId> {
        self.read(req, LIVE_COOKIE).and_then(|v| v.parse().ok())
    }

    /// Remembers that this browser came from a live show's share link.
    pub fn live_cookie(&self, show_id: ShowId) -> Cookie<'static> {
        self.signed(LIVE_COOKIE, show_id.to_string(), CookieDuration::hours(24))
    }

    /// This browser's CSRF token, and the cookie to set when it is new.
    pub fn csrf_token(&self, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
        match self.read(req, CSRF_COOKIE) {
            Some(token) if token.len() == 32 => (token, None),
            _ => {
                let token = Uuid::new_v4().simple().to_string();
                let cookie = self.signed(CSRF_COOKIE, token.clone(), CookieDuration::days(1));
                (token, Some(cookie))
            }
        }
    }

    /// Whether a submitted form carries this browser's CSRF token.
    pub fn csrf_ok(&self, req: &HttpRequest, submitted: &str) -> bool {
        match self.read(req, CSRF_COOKIE) {
            Some(token) => {
                crate::domain::digest::constant_time_eq(token.as_bytes(), submitted.as_bytes())
            }
            None => false,
        }
    }
}

/// Only same-site paths may follow a sign-in: `/account`, never `//evil.example` or a URL.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control()) =>
        {
            path.to_owned()
        }
        _ => "/account".to_owned(),
    }
}

/// The key from `SESSION_KEY` (128 hex digits), or one kept in `DATA_DIR/session.key` and made
/// on first start (fine for one machine; several instances must share `SESSION_KEY`).
pub fn load_key(configured: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<Key> {
    use anyhow::Context;
    if let Some(hex) = configured {
        return key_from_hex(hex).context("SESSION_KEY must be 128 hexadecimal digits");
    }
    let path = data_dir.join("session.key");
    if let Ok(hex) = std::fs::read_to_string(&path) {
        return key_from_hex(hex.trim()).with_context(|| format!("{} is corrupt", path.display()));
    }
    let key = Key::generate();
    let hex: String = key.master().iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(&path, hex).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(key)
}

fn key_from_hex(hex: &str) -> anyhow::Result<Key> {
    if hex.len() != 128 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        anyhow::bail!("expected 128 hexadecimal digits");
    }
    let bytes: Vec<u8> = (0..64)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
        .collect::<Result<_, _>>()?;
    Ok(Key::from(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_followed_after_sign_in() {
        let cases = [
            (Some("/account"), "/account"),
            (Some("/search?q=tra"), "/search?q=tra"),
            (Some("//evil.example/"), "/account"),
            (Some("/\\evil.example"), "/account"),
            (Some("https://evil.example/"), "/account"),
            (Some("javascript:alert(1)"), "/account"),
            (None, "/account"),
        ];
        for (next, expected) in cases {
            assert_eq!(safe_next(next), expected, "{next:?}");
        }
    }

    #[test]
    fn keys_are_kept_and_reloaded() {
        let dir = tempfile::tempdir().expect("dir");
        let first = load_key(None, dir.path()).expect("generated");
        let again = load_key(None, dir.path()).expect("reloaded");
        assert_eq!(first.master(), again.master());
        assert!(load_key(Some("abc"), dir.path()).is_err());
        assert!(load_key(Some(&"ab".repeat(64)), dir.path()).is_ok());
    }
}
