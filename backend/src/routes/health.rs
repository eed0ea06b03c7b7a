//! `/healthz`: the process is up. `/readyz`: it can serve, which is to say its database
//! answers. The search engine and the photo store are reported but do not make an instance
//! unready: every instance shares one Meilisearch and one bucket, so failing readiness on them
//! would take every instance out of the load balancer at once, while pages, carts and
//! checkouts still work without them (searches answer 503 with Retry-After, uploads a clear
//! error, meanwhile).
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::web;
use serde_json::json;

use crate::app::AppState;

#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db.ping().await;
    let search = state.search.health().await;
    let media = state.media.ready().await;
    if let Err(e) = &media {
        tracing::warn!(error = %e, "readiness: media store unreachable");
    }
    if let Err(e) = &database {
        tracing::warn!(error = %e, "readiness: database unreachable");
    }
    if let Err(e) = &search {
        tracing::warn!(error = %e, "readiness: search engine unreachable");
    }
    let word = |ok: bool| if ok { "ok" } else { "unreachable" };
    let ready = database.is_ok();
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": word(database.is_ok()),
        "search": word(search.is_ok()),
        "search_engine": state.search.kind(),
        "media": word(media.is_ok()),
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
