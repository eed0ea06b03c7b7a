//! Building and running the HTTP application. The app owns its listener, so tests bind port 0.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Settings;
use crate::domain::reference::Reference;
use crate::domain::time::vietnam_date;
use crate::jobs::outbox;
use crate::jobs::worker::{Worker, WorkerConfig};
use crate::mail::{Mailer, build_mailer};
use crate::media::store::MediaStore;
use crate::search::SearchEngine;
use crate::search::sync::ensure_fresh;
use crate::web::session::{CookieConfig, load_key};
use crate::{db, routes, web as site};

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
    /// `PUBLIC_URL`, when configured.
    pub public_url: Option<String>,
    /// Signing key and flags for session and CSRF cookies.
    pub cookies: CookieConfig,
    /// Where product photos are kept.
    pub media: Arc<dyn MediaStore>,
    /// Photos processed at once: decoding a 12 MP photo takes about 50 MB and a core.
    pub photo_permits: Arc<tokio::sync::Semaphore>,
    /// The payment methods offered (cash on delivery, VietQR, and Stripe when configured).
    pub payments: crate::payments::Payments,
    /// Pin changes of live shows, for the live pages' event streams.
    pub live: crate::live::LiveHub,
}

impl AppState {
    /// The site's base URL: `PUBLIC_URL`, or the scheme and host the request came in on.
    pub fn base_url(&self, req: &actix_web::HttpRequest) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None => {
                let info = req.connection_info();
                format!("{}://{}", info.scheme(), info.host())
            }
        }
    }
}

/// Replacements for tests: a given search engine (e.g. one that can fail) and worker timing.
#[derive(Default)]
pub struct Overrides {
    pub search: Option<Arc<dyn SearchEngine>>,
    pub mailer: Option<Arc<dyn Mailer>>,
    pub media: Option<Arc<dyn MediaStore>>,
    pub worker: Option<WorkerConfig>,
}

pub struct Application {
    port: u16,
    server: Server,
    worker: tokio::task::JoinHandle<()>,
    stop_worker: watch::Sender<bool>,
}

impl Application {
    /// Connects to the database, applies migrations, opens the search engine (rebuilding the
    /// index if it is stale), starts the background worker and binds the listener.
    pub async fn build(settings: &Settings, clock: Clock) -> anyhow::Result<Self> {
        Self::build_with(settings, clock, Overrides::default()).await
    }

    pub async fn build_with(
        settings: &Settings,
        clock: Clock,
        overrides: Overrides,
    ) -> anyhow::Result<Self> {
        if settings.is_sqlite() {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "creating the data directory {}",
                    settings.data_dir.display()
                )
            })?;
        }
        let reference = Arc::new(
            Reference::load(&settings.region_overrides).context("loading reference data")?,
        );
        let db = db::connect(&settings.database_url).await?;
        db::migrate(&db, &reference).await?;
        site::templates::init().context("compiling templates")?;

        let search = match overrides.search {
            Some(engine) => engine,
            None => crate::search::build_engine(&settings.search, &reference)
                .context("opening the search engine")?,
        };
        // An unreachable engine must not stop the shop: queue a rebuild for the worker.
        if let Err(e) = ensure_fresh(&db, search.as_ref(), &reference, clock.today()).await {
            tracing::warn!(error = %e, "search engine not ready; the worker will rebuild the index");
            outbox::enqueue(
                &db,
                outbox::SEARCH_REINDEX,
                [serde_json::json!({})],
                Utc::now(),
            )
            .await
            .context("queueing a search rebuild")?;
        }
        let mailer = match overrides.mailer {
            Some(mailer) => mailer,
            None => build_mailer(
                settings.smtp_url.as_ref().map(|u| u.expose()),
                &settings.mail_from,
                settings.data_dir.join("mail"),
            )?,
        };
        let (stop_worker, stop) = watch::channel(false);
        let worker = tokio::spawn(
            Worker {
                db: db.clone(),
                search: search.clone(),
                mailer,
                reference: reference.clone(),
                clock,
                site: settings
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{}", settings.bind)),
                config: overrides.worker.unwrap_or_default(),
            }
            .run(stop),
        );

        let media = match overrides.media {
            Some(media) => media,
            None => {
                crate::media::store::build(&settings.media).context("opening the media store")?
            }
        };
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let cookies = CookieConfig {
            key: load_key(
                settings.session_key.as_ref().map(|k| k.expose()),
                &settings.data_dir,
            )?,
            secure: settings
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
        };
        // Pins made through other app instances reach this one's live pages within a second.
        let live = crate::live::LiveHub::new();
        tokio::spawn(
            live.clone()
                .poll(db.clone(), std::time::Duration::from_millis(500)),
        );
        let state = web::Data::new(AppState {
            db,
            reference,
            search,
            clock,
            public_url: settings.public_url.clone(),
            cookies,
            media,
            photo_permits: Arc::new(tokio::sync::Semaphore::new(2)),
            payments: crate::payments::Payments::new(&settings.payments)
                .context("configuring payments")?,
            live: live.clone(),
        });
        let limiter = web::Data::new(site::security::ApiLimiter::new(
            settings.api_rate_per_minute,
        ));
        {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    every.tick().await;
                    limiter.purge();
                }
            });
        }
        let metrics = web::Data::new(site::metrics::Metrics::new(
            settings
                .metrics_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
        ));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(limiter.clone())
                .app_data(metrics.clone())
                .app_data(web::QueryConfig::default().error_handler(routes::query_error))
                .app_data(web::PathConfig::default().error_handler(routes::path_error))
                .app_data(web::PayloadConfig::new(crate::media::MAX_BYTES + 64 * 1024))
                .app_data(
                    web::FormConfig::default()
                        .limit(64 * 1024)
                        .error_handler(routes::form_error),
                )
                .wrap(middleware::from_fn(site::i18n::middleware))
                .wrap(middleware::from_fn(site::security::api_rate_limit))
                .wrap(middleware::Compress::default())
                .wrap(middleware::from_fn(site::security::headers))
                .wrap(middleware::from_fn(site::metrics::timing))
                .wrap(middleware::NormalizePath::trim())
                .wrap_fn(|req, srv| {
                    use actix_web::HttpMessage;
                    use actix_web::dev::Service;
                    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::default())
                .configure(routes::configure)
        })
        .listen(listener)?
        .shutdown_timeout(20)
        .run();
        Ok(Self {
            port,
            server,
            worker,
            stop_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes in-flight requests (graceful shutdown).
    /// The worker stops after the server; an unfinished outbox entry is retried at the next
    /// start, so stopping loses nothing.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let _ = self.stop_worker.send(true);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), self.worker).await;
        result
    }
}
