//! Payment notifications from outside: Stripe's signed events and the bank's signed transfer
//! notices. Both answer 400 with a reason to a bad signature, a stale timestamp or a bad body
//! (the sender retries only what it should), 200 once the notification is recorded, and 404
//! when the provider is not configured.
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde_json::json;

use crate::app::AppState;
use crate::features::orders::payments;
use crate::payments::bank;
use crate::payments::stripe::WebhookRefusal;
use crate::web::error::ApiError;

/// Larger bodies are not notifications.
const MAX_BODY: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/webhooks")
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .service(stripe_webhook)
            .service(bank_webhook),
    );
}

fn refused(code: &'static str, message: String) -> ApiError {
    ApiError::bad_request(code, message)
}

fn not_configured() -> ApiError {
    ApiError::NotFound("this payment provider is not configured".into())
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[post("/stripe")]
async fn stripe_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let gateway = state.payments.stripe.as_ref().ok_or_else(not_configured)?;
    let payload = std::str::from_utf8(&body)
        .map_err(|_| refused("bad_payload", "the body is not UTF-8".into()))?;
    let event = gateway
        .verify_event(payload, header(&req, "Stripe-Signature"), state.clock.now())
        .map_err(|e| match e {
            WebhookRefusal::BadSignature => refused("bad_signature", e.to_string()),
            WebhookRefusal::Stale => refused("stale_timestamp", e.to_string()),
            WebhookRefusal::BadPayload(_) => refused("bad_payload", e.to_string()),
        })?;
    let outcome = match event {
        Some(event) => payments::apply_stripe_event(&state.db, &event, state.clock.now()).await?,
        None => payments::Outcome::Ignored,
    };
    tracing::info!(outcome = outcome.as_str(), "Stripe webhook");
    Ok(HttpResponse::Ok().json(json!({ "received": true, "outcome": outcome.as_str() })))
}

#[post("/bank")]
async fn bank_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let secret = state
        .payments
        .bank_webhook_secret
        .as_deref()
        .ok_or_else(not_configured)?;
    let payload = std::str::from_utf8(&body)
        .map_err(|_| refused("bad_payload", "the body is not UTF-8".into()))?;
    bank::verify(
        secret,
        header(&req, "X-Bank-Signature"),
        payload,
        state.clock.now(),
    )
    .map_err(|e| match e {
        bank::Refusal::Stale => refused("stale_timestamp", e.to_string()),
        _ => refused("bad_signature", e.to_string()),
    })?;
    let notification: bank::Notification = serde_json::from_str(payload).map_err(|e| {
        refused(
            "bad_payload",
            bank::Refusal::BadPayload(e.to_string()).to_string(),
        )
    })?;
    let outcome =
        payments::apply_bank_transfer(&state.db, &notification, state.clock.now()).await?;
    tracing::info!(outcome, transaction = %notification.id, "bank notification");
    Ok(HttpResponse::Ok().json(json!({ "received": true, "outcome": outcome })))
}
