//! `/metrics` in the Prometheus text format: request latency histograms by method, route and
//! status, the outbox backlog by topic, and the search sync lag (the age of the oldest search
//! update not yet applied). Served to loopback clients, or to any client with
//! `Authorization: Bearer $METRICS_TOKEN` when that is set.
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::get;
use actix_web::middleware::Next;
use actix_web::web;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sea_orm::FromQueryResult;
use sea_orm::Statement;

use crate::app::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route pattern (`/products/{slug}`), never the raw path: bounded cardinality.
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TopicLabels {
    topic: String,
}

/// The metrics of one app instance.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Histogram>,
    backlog: Family<TopicLabels, Gauge>,
    search_lag: Gauge<f64, AtomicU64>,
    token: Option<String>,
}

/// Request duration buckets, in seconds: 1 ms to 10 s.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0,
];

impl Metrics {
    pub fn new(token: Option<String>) -> Arc<Self> {
        let mut registry = Registry::with_prefix("ocop");
        let requests = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(BUCKETS.iter().copied())
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            requests.clone(),
        );
        let backlog = Family::<TopicLabels, Gauge>::default();
        registry.register(
            "outbox_backlog",
            "Outbox entries not yet done, by topic",
            backlog.clone(),
        );
        let search_lag = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "search_sync_lag_seconds",
            "Age of the oldest search update not yet applied (0 when none waits)",
            search_lag.clone(),
        );
        Arc::new(Self {
            registry,
            requests,
            backlog,
            search_lag,
            token: token.filter(|t| !t.is_empty()),
        })
    }

    fn allowed(&self, req: &HttpRequest) -> bool {
        match &self.token {
            Some(token) => req
                .headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .is_some_and(|given| {
                    crate::domain::digest::constant_time_eq(given.as_bytes(), token.as_bytes())
                }),
            // The client, not a reverse proxy on the same machine, must be local.
            None => {
                let trusted = req
                    .app_data::<actix_web::web::Data<crate::app::AppState>>()
                    .map_or(&[][..], |s| s.trusted_proxies.as_slice());
                crate::web::security::client_ip(req, trusted).is_some_and(|ip| ip.is_loopback())
            }
        }
    }
}

/// Times every request.
pub async fn timing(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Arc<Metrics>>>().cloned();
    let res = next.call(req).await?;
    if let Some(metrics) = metrics {
        let labels = RequestLabels {
            method: res.request().method().to_string(),
            route: res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned()),
            status: res.status().as_u16().to_string(),
        };
        metrics
            .requests
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(res)
}

#[derive(FromQueryResult)]
struct TopicRow {
    topic: String,
    n: i64,
    oldest: chrono::DateTime<chrono::Utc>,
}

#[get("/metrics")]
pub async fn serve(
    state: web::Data<AppState>,
    metrics: web::Data<Arc<Metrics>>,
    req: HttpRequest,
) -> HttpResponse {
    if !metrics.allowed(&req) {
        return HttpResponse::NotFound().finish();
    }
    let backend = state.db.get_database_backend();
    let rows = TopicRow::find_by_statement(Statement::from_string(
        backend,
        "SELECT topic, CAST(COUNT(*) AS BIGINT) AS n, MIN(created_at) AS oldest \
         FROM outbox WHERE done_at IS NULL GROUP BY topic",
    ))
    .all(&state.db)
    .await;
    match rows {
        Ok(rows) => {
            // Topics that emptied since the last scrape read 0, not their old value.
            metrics.backlog.clear();
            let now = state.clock.now();
            let mut lag = 0.0_f64;
            for row in rows {
                metrics
                    .backlog
                    .get_or_create(&TopicLabels {
                        topic: row.topic.clone(),
                    })
                    .set(row.n);
                if row.topic.starts_with("search.") {
                    lag = lag.max((now - row.oldest).num_milliseconds().max(0) as f64 / 1000.0);
                }
            }
            metrics.search_lag.set(lag);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: reading the outbox"),
    }
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &metrics.registry).is_err() {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}
