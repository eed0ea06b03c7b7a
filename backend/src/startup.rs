//! Building and running the HTTP application. The app owns its listener, so tests bind port 0.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::app::{AppState, Clock, instance_name};
use crate::config::Settings;
use crate::domain::reference::Reference;
use crate::features::catalog::indexing::ensure_fresh;
use crate::mail::{Mailer, build_mailer};
use crate::media::store::MediaStore;
use crate::search::SearchEngine;
use crate::web::session::{CookieConfig, load_key};
use crate::worker::{Worker, WorkerConfig};
use crate::{db, routes, web as site};

/// Takes the embedded index's lease for this machine and data directory, and keeps renewing
/// it. Another live instance holding it (another machine, or another data directory on the
/// same database) is refused with an explanation; the same instance restarted after a crash
/// takes it back at once.
async fn claim_embedded_index(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<()> {
    use crate::jobs::lease::{self, Lease};
    const TTL: std::time::Duration = std::time::Duration::from_secs(30);
    let host = hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into());
    let dir =
        std::fs::canonicalize(&settings.data_dir).unwrap_or_else(|_| settings.data_dir.clone());
    let me = format!("{host}:{}", dir.display());
    let Some(held) = Lease::acquire_as(db, lease::EMBEDDED_INDEX, &me, TTL).await? else {
        let other = lease::holder(db, lease::EMBEDDED_INDEX)
            .await?
            .unwrap_or_else(|| "another instance".into());
        anyhow::bail!(
            "the embedded search index of this database is served by {other}: a second instance \
             would serve an index that drifts from the database. Run several instances with \
             Meilisearch (MEILI_URL), or stop the other one (its claim lapses {} s after it stops)",
            TTL.as_secs()
        );
    };
    let db = db.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(TTL / 3);
        loop {
            every.tick().await;
            match held.renew(&db).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::error!("another instance took the embedded search index's lease");
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "renewing the embedded index's lease failed"),
            }
        }
    });
    Ok(())
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
        crate::render::init().context("compiling templates")?;
        let holder = instance_name();

        let search = match overrides.search {
            Some(engine) => engine,
            None => crate::search::build_engine(&settings.search, &reference)
                .await
                .context("opening the search engine")?,
        };
        // The embedded index lives on this machine and only this instance's worker updates
        // it: a second instance on the same database would serve an index that drifts.
        if search.kind() == "embedded" {
            claim_embedded_index(&db, settings).await?;
        }
        // An unreachable engine must not stop the shop: queue a rebuild for the worker.
        if let Err(e) = ensure_fresh(&db, search.as_ref(), &reference, clock.today(), &holder).await
        {
            tracing::warn!(error = %e, "search engine not ready; the worker will rebuild the index");
            crate::features::catalog::indexing::request_rebuild(&db)
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
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let site_url = settings.site_url(port)?;
        if settings.public_url.is_none() {
            tracing::info!(
                "PUBLIC_URL is not set: links use {site_url} (set it when a reverse proxy serves the site)"
            );
        }
        let suggestions = crate::features::catalog::suggest::Suggester::default();
        tokio::spawn(
            suggestions
                .clone()
                .run(db.clone(), reference.clone(), move || clock.today()),
        );
        // The catalog's version, bumped by whichever worker applies search changes; this
        // instance reads it every second to drop the pages it kept.
        let catalog = crate::jobs::versions::CatalogVersion::default();
        catalog
            .refresh(&db)
            .await
            .context("reading the catalog version")?;
        catalog.watch(db.clone(), std::time::Duration::from_secs(1));
        let (stop_worker, stop) = watch::channel(false);
        let worker = tokio::spawn(
            Worker {
                catalog: catalog.clone(),
                db: db.clone(),
                search: search.clone(),
                mailer,
                reference: reference.clone(),
                clock,
                site: site_url.clone(),
                holder,
                suggestions: suggestions.clone(),
                config: overrides.worker.unwrap_or(WorkerConfig {
                    lease: settings.outbox_lease,
                    ..WorkerConfig::default()
                }),
            }
            .run(stop),
        );

        let media = match overrides.media {
            Some(media) => media,
            None => {
                crate::media::store::build(&settings.media).context("opening the media store")?
            }
        };
        let cookies = CookieConfig {
            key: load_key(
                settings.session_key.as_ref().map(|k| k.expose()),
                &settings.data_dir,
            )?,
            secure: site_url.starts_with("https://"),
        };
        // Pins made through other app instances reach this one's live pages within a second.
        let live = crate::features::live::LiveHub::new();
        tokio::spawn(
            live.clone()
                .poll(db.clone(), std::time::Duration::from_millis(500)),
        );
        // Figures kept while the catalog's version holds, a minute at most.
        let minute = std::time::Duration::from_secs(60);
        let state = web::Data::new(AppState {
            indicators: crate::jobs::versions::Memo::new(catalog.clone(), minute),
            participants: crate::jobs::versions::Memo::new(catalog.clone(), minute),
            sell_through: crate::jobs::versions::Memo::new(catalog.clone(), minute),
            province_listings: crate::jobs::versions::Memo::new(catalog.clone(), minute),
            fragments: crate::jobs::versions::Memo::new(catalog.clone(), minute),
            db,
            reference,
            search,
            clock,
            site: site_url,
            trusted_proxies: settings.trusted_proxies.clone(),
            cookies,
            media,
            photo_permits: Arc::new(tokio::sync::Semaphore::new(2)),
            payments: crate::payments::Payments::new(&settings.payments)
                .context("configuring payments")?,
            live: live.clone(),
            carriers: crate::carriers::Endpoints::new(
                settings.shipping.ghn_api.clone(),
                settings.shipping.ghtk_api.clone(),
            ),
            carrier_webhook_secret: settings.shipping.webhook_secret.clone(),
            suggestions,
        });
        // Counted in the database when instances share it (PostgreSQL).
        let shared = (!settings.is_sqlite()).then(|| state.db.clone());
        let limiter = web::Data::new(site::security::ApiLimiter::new(
            settings.api_rate_per_minute,
            shared,
        ));
        {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    every.tick().await;
                    limiter.purge().await;
                }
            });
        }
        let pages = web::Data::new(site::page_cache::PageCache::new(
            catalog,
            settings.page_cache,
        ));
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
                .app_data(pages.clone())
                .app_data(web::QueryConfig::default().error_handler(routes::query_error))
                .app_data(web::PathConfig::default().error_handler(routes::path_error))
                .app_data(web::PayloadConfig::new(crate::media::MAX_BYTES + 64 * 1024))
                .app_data(
                    web::FormConfig::default()
                        .limit(64 * 1024)
                        .error_handler(routes::form_error),
                )
                .wrap(middleware::from_fn(site::page_cache::middleware))
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
