//! Building and running the HTTP application. The app owns its listener, so tests bind port 0.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Settings;
use crate::domain::reference::Reference;
use crate::domain::time::vietnam_date;
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
    pub clock: Clock,
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener.
    pub async fn build(settings: &Settings, clock: Clock) -> anyhow::Result<Self> {
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

        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            db,
            reference,
            clock,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(routes::query_error))
                .app_data(web::PathConfig::default().error_handler(routes::path_error))
                .wrap(middleware::Compress::default())
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
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes in-flight requests (graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
