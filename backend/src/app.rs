//! What every request handler and background task shares: [`AppState`] and the [`Clock`].
//! This module imports nothing from the layers above it (routes, web, the worker, start-up).
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use crate::domain::reference::Reference;
use crate::domain::time::vietnam_date;
use crate::jobs::versions::Made;
use crate::media::store::MediaStore;
use crate::search::SearchEngine;

/// Cookie settings shared by the session and CSRF cookies (their methods are in
/// `web::session`).
#[derive(Clone)]
pub struct CookieConfig {
    pub key: actix_web::cookie::Key,
    /// `Secure` flag: on when the site is served over HTTPS.
    pub secure: bool,
}

/// Where "now" comes from. Tests fix it so date-dependent rules (certificate expiry) are
/// deterministic.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::System => Utc::now(),
            Self::Fixed(at) => *at,
        }
    }

    /// Today's date in Vietnam.
    pub fn today(&self) -> NaiveDate {
        vietnam_date(self.now())
    }
}

/// Shared by every request handler.
pub struct AppState {
    pub db: DatabaseConnection,
    pub reference: Arc<Reference>,
    pub search: Arc<dyn SearchEngine>,
    pub clock: Clock,
    /// The site's address for every link (see [`Settings::site_url`]): never taken from a
    /// request's headers.
    pub site: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Signing key and flags for session and CSRF cookies.
    pub cookies: CookieConfig,
    /// Where product photos are kept.
    pub media: Arc<dyn MediaStore>,
    /// Photos processed at once: decoding a 12 MP photo takes about 50 MB and a core.
    pub photo_permits: Arc<tokio::sync::Semaphore>,
    /// The payment methods offered (cash on delivery, VietQR, and Stripe when configured).
    pub payments: crate::payments::Payments,
    /// Pin changes of live shows, for the live pages' event streams.
    pub live: crate::features::live::LiveHub,
    /// The carriers' APIs, for sellers with their own account.
    pub carriers: crate::carriers::Endpoints,
    /// `CARRIER_WEBHOOK_SECRET`, checking the carriers' status callbacks.
    pub carrier_webhook_secret: Option<crate::config::Secret>,
    /// The vocabulary behind suggestions and spelling corrections.
    pub suggestions: crate::features::catalog::suggest::Suggester,
    /// The national indicator per period, kept while the catalog's version holds (every sale
    /// moves stock, so it moves too) and for at most a minute.
    pub indicators: crate::jobs::versions::Memo<crate::features::sales::Indicator>,
    /// A province's participants and sell-through rows for the officers' and sellers'
    /// pages, kept like the indicator (exports read the database each time).
    pub participants: crate::jobs::versions::Memo<Arc<[crate::features::sales::ParticipantStatus]>>,
    pub sell_through:
        crate::jobs::versions::Memo<Arc<[(String, crate::features::sales::SellThrough)]>>,
    /// Rendered parts of signed-in pages that are the same for everyone allowed to see them
    /// (an officer's province tables, an outlet's list of products to shelve), kept like the
    /// figures they show: a page of hundreds of rows renders them once per catalog version.
    pub fragments: crate::jobs::versions::Memo<Arc<str>>,
    /// What [`AppState::province_listings`] keeps.
    pub province_listings:
        crate::jobs::versions::Memo<Vec<crate::features::catalog::queries::ListingCard>>,
}

impl AppState {
    /// The national indicator for `period`, computed once per catalog version and minute (a
    /// computation of seconds is answered from before while it runs again: see
    /// [`crate::jobs::versions::Memo::get_or_refresh`]).
    pub async fn indicator(
        &self,
        period: crate::features::sales::Period,
    ) -> Result<crate::features::sales::Indicator, sea_orm::DbErr> {
        let (db, reference) = (self.db.clone(), self.reference.clone());
        self.indicators
            .get_or_refresh(&format!("{}..{}", period.from, period.to), async move {
                crate::features::sales::indicator(&db, &reference, period).await
            })
            .await
            .map(|made| made.value)
    }

    /// One province's participants in `period` (see [`crate::features::sales::participants`]),
    /// kept like the indicator, with the serial of their computation.
    pub async fn participants(
        &self,
        province: &str,
        period: crate::features::sales::Period,
    ) -> Result<Made<Arc<[crate::features::sales::ParticipantStatus]>>, sea_orm::DbErr> {
        let key = format!("{province}|{}..{}", period.from, period.to);
        let (db, province) = (self.db.clone(), province.to_owned());
        self.participants
            .get_or_refresh(&key, async move {
                crate::features::sales::participants(&db, Some(&province), period)
                    .await
                    .map(Arc::from)
            })
            .await
    }

    /// Sell-through rows (see [`crate::features::sales::sell_through`]) with their names in
    /// the visitor's language, kept like the indicator, with the serial of their computation.
    pub async fn sell_through(
        &self,
        level: crate::features::sales::Level,
        within: &crate::features::sales::Within,
        period: crate::features::sales::Period,
    ) -> Result<Made<Arc<[(String, crate::features::sales::SellThrough)]>>, sea_orm::DbErr> {
        let key = format!(
            "{}|{level:?}|{within:?}|{}..{}",
            crate::i18n::current().code(),
            period.from,
            period.to
        );
        let (db, reference, within) = (self.db.clone(), self.reference.clone(), within.clone());
        let lang = crate::i18n::RequestLang {
            lang: crate::i18n::current(),
            path: String::new(),
        };
        // Labelled in the visitor's language, also when made again in the background.
        let make = crate::i18n::scope(lang, async move {
            let rows = crate::features::sales::sell_through(&db, level, &within, period).await?;
            crate::features::sales::labelled(&db, &reference, level, &rows)
                .await
                .map(Arc::from)
        });
        self.sell_through.get_or_refresh(&key, make).await
    }

    /// A rendered part of a page kept under `key` (which names everything it shows, the
    /// visitor's language included): `data` is computed and `template` rendered only when
    /// nothing is kept for the key.
    pub async fn fragment<E, F>(&self, key: &str, template: &str, data: F) -> Result<Arc<str>, E>
    where
        F: std::future::Future<Output = Result<serde_json::Value, E>>,
        E: From<crate::render::RenderError>,
    {
        self.fragments
            .get_or_try(key, async {
                let html = crate::render::render_raw(template, &data.await?)?;
                Ok(Arc::from(html))
            })
            .await
    }

    /// The listings on sale in a province (at most 500, newest first), kept while the
    /// catalog's version holds: what an outlet's staff may put on its shelves.
    pub async fn province_listings(
        &self,
        province: &str,
    ) -> Result<Vec<crate::features::catalog::queries::ListingCard>, sea_orm::DbErr> {
        let today = self.clock.today();
        self.province_listings
            .get_or_try(&format!("{province}|{today}"), async {
                let filter = crate::features::catalog::queries::ListingFilter {
                    province_code: Some(province.to_owned()),
                    ..Default::default()
                };
                crate::features::catalog::queries::list_visible(&self.db, today, &filter, 1, 500)
                    .await
                    .map(|page| page.items)
            })
            .await
    }
}

impl AppState {
    /// What a search page needs (see [`crate::features::catalog::results`]).
    pub fn searching(&self) -> crate::features::catalog::results::Searching<'_> {
        crate::features::catalog::results::Searching {
            db: &self.db,
            engine: self.search.as_ref(),
            reference: &self.reference,
            today: self.clock.today(),
            vocabulary: self.suggestions.vocabulary(),
        }
    }
}

/// Who this process is, in the leases it takes: host and process id.
pub fn instance_name() -> String {
    let host = hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}
