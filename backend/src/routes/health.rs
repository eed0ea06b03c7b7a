//! `/healthz`: the process is up. `/readyz`: it can serve (the database answers).
use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::startup::AppState;

#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db.ping().await;
    let search = state.search.health().await;
    if let Err(e) = &database {
        tracing::warn!(error = %e, "readiness: database unreachable");
    }
    if let Err(e) = &search {
        tracing::warn!(error = %e, "readiness: search engine unreachable");
    }
    let word = |ok: bool| if ok { "ok" } else { "unreachable" };
    let body = json!({
        "status": if database.is_ok() && search.is_ok() { "ready" } else { "unavailable" },
        "database": word(database.is_ok()),
        "search": word(search.is_ok()),
        "search_engine": state.search.kind(),
    });
    if database.is_ok() && search.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
