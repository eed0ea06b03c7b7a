//! Online payments: a Stripe Checkout Session created against a local stand-in for the Stripe
//! API, Stripe webhooks signed in the test with Stripe's documented scheme (correct, bad,
//! stale, replayed, wrong amount, expired session), and signed bank notifications.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use ocop_village::config::{PaymentSettings, Secret, StripeSettings};
use ocop_village::db::entities::{checkout, order};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sha2::Sha256;

use crate::checkout::listing_of;
use crate::helpers::{
    TestApp, browser, csrf, post_form, sample_registry, seller_of_listing, snapshot_day, spawn_app,
    spawn_app_with,
};

const WEBHOOK_SECRET: &str = "whsec_test_secret";
pub(crate) const BANK_SECRET: &str = "bank-test-secret";

/// A local stand-in for `api.stripe.com`: answers Checkout Session creation and expiry and
/// refunds (the same `Idempotency-Key` answers the same refund, as Stripe does; the status
/// of new refunds is `refund_status`; `refuse_refunds` makes it refuse them, `refunds_down`
/// answer them with a server error), and keeps every
/// request it received (path and form body) and each refund request's idempotency key.
pub(crate) struct StripeStandIn {
    pub(crate) base: String,
    pub(crate) requests: Arc<Mutex<Vec<(String, String)>>>,
    pub(crate) refund_keys: Arc<Mutex<Vec<String>>>,
    pub(crate) refund_status: Arc<Mutex<String>>,
    pub(crate) refuse_refunds: Arc<AtomicBool>,
    pub(crate) refunds_down: Arc<AtomicBool>,
}

/// A Stripe refund object as the API returns it.
pub(crate) fn refund_json(id: &str, amount: i64, status: &str, ours: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "object": "refund",
        "amount": amount,
        "created": 1_761_966_200,
        "currency": "vnd",
        "metadata": { "refund": ours },
        "payment_intent": "pi_for_cs_test_1",
        "reason": "requested_by_customer",
        "status": status,
    })
}

pub(crate) fn session_json(
    id: &str,
    reference: &str,
    amount: i64,
    status: &str,
    paid: bool,
) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": { "enabled": false, "liability": null, "status": null },
        "client_reference_id": reference,
        "created": 1_761_966_000,
        "currency": "vnd",
        "custom_fields": [],
        "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
        "customer_email": "lan@example.vn",
        "expires_at": 1_761_967_860,
        "livemode": false,
        "metadata": { "checkout_reference": reference },
        "mode": "payment",
        "payment_method_types": ["card"],
        "payment_status": if paid { "paid" } else { "unpaid" },
        "payment_intent": paid.then(|| format!("pi_for_{id}")),
        "shipping_options": [],
        "status": status,
        "url": format!("https://checkout.stripe.test/c/pay/{id}"),
    })
}

pub(crate) async fn stripe_stand_in() -> StripeStandIn {
    let requests: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let refund_keys: Arc<Mutex<Vec<String>>> = Arc::default();
    let refund_status = Arc::new(Mutex::new("succeeded".to_owned()));
    let refuse_refunds = Arc::new(AtomicBool::new(false));
    let refunds_down = Arc::new(AtomicBool::new(false));
    let refunds: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let (seen, keys, status, refuse, down) = (
        requests.clone(),
        refund_keys.clone(),
        refund_status.clone(),
        refuse_refunds.clone(),
        refunds_down.clone(),
    );
    let server = HttpServer::new(move || {
        let (seen, keys, status, refuse, down, refunds) = (
            seen.clone(),
            keys.clone(),
            status.clone(),
            refuse.clone(),
            down.clone(),
            refunds.clone(),
        );
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let (seen, keys, status, refuse, down, refunds) = (
                seen.clone(),
                keys.clone(),
                status.clone(),
                refuse.clone(),
                down.clone(),
                refunds.clone(),
            );
            async move {
                let form = String::from_utf8_lossy(&body).into_owned();
                let path = req.path().to_owned();
                let n = {
                    let mut all = seen.lock().expect("lock");
                    all.push((path.clone(), form.clone()));
                    all.len()
                };
                let fields: Vec<(String, String)> =
                    serde_urlencoded::from_str(&form).unwrap_or_default();
                let get = |k: &str| {
                    fields
                        .iter()
                        .find(|(key, _)| key == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                if path == "/v1/checkout/sessions" {
                    // The total, as Stripe computes it: unit amount × quantity per line.
                    let mut total = 0i64;
                    for i in 0.. {
                        let amount = get(&format!("line_items[{i}][price_data][unit_amount]"));
                        if amount.is_empty() {
                            break;
                        }
                        let quantity: i64 = get(&format!("line_items[{i}][quantity]"))
                            .parse()
                            .unwrap_or(0);
                        total += amount.parse::<i64>().unwrap_or(0) * quantity;
                    }
                    let id = format!("cs_test_{n}");
                    HttpResponse::Ok().json(session_json(
                        &id,
                        &get("client_reference_id"),
                        total,
                        "open",
                        false,
                    ))
                } else if path == "/v1/refunds" {
                    let key = req
                        .headers()
                        .get("Idempotency-Key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    keys.lock().expect("lock").push(key.clone());
                    if down.load(Ordering::SeqCst) {
                        return HttpResponse::InternalServerError().json(serde_json::json!({
                            "error": { "type": "api_error", "message": "Something went wrong on Stripe's end." }
                        }));
                    }
                    if refuse.load(Ordering::SeqCst) {
                        return HttpResponse::BadRequest().json(serde_json::json!({
                            "error": {
                                "type": "invalid_request_error",
                                "code": "charge_already_refunded",
                                "message": "Charge has already been refunded."
                            }
                        }));
                    }
                    // Stripe's idempotency: the same key is the same refund.
                    let id = {
                        let mut known = refunds.lock().expect("lock");
                        let next = format!("re_test_{}", known.len() + 1);
                        known.entry(key).or_insert(next).clone()
                    };
                    let amount = get("amount").parse().unwrap_or(0);
                    let status = status.lock().expect("lock").clone();
                    HttpResponse::Ok().json(refund_json(
                        &id,
                        amount,
                        &status,
                        &get("metadata[refund]"),
                    ))
                } else if let Some(id) = path
                    .strip_prefix("/v1/checkout/sessions/")
                    .and_then(|rest| rest.strip_suffix("/expire"))
                {
                    HttpResponse::Ok().json(session_json(id, "", 0, "expired", false))
                } else {
                    HttpResponse::NotFound().json(serde_json::json!({
                        "error": { "type": "invalid_request_error", "message": "unknown path" }
                    }))
                }
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    StripeStandIn {
        base: format!("http://127.0.0.1:{port}"),
        requests,
        refund_keys,
        refund_status,
        refuse_refunds,
        refunds_down,
    }
}

pub(crate) fn settings(stripe_base: &str) -> PaymentSettings {
    PaymentSettings {
        stripe: Some(StripeSettings {
            secret_key: Secret::new("sk_test_standin".into()),
            webhook_secret: Secret::new(WEBHOOK_SECRET.into()),
            api_base: Some(stripe_base.to_owned()),
        }),
        bank_webhook_secret: Some(Secret::new(BANK_SECRET.into())),
        ..Default::default()
    }
}

/// `Stripe-Signature: t=…,v1=…`: HMAC-SHA256 of "<t>.<payload>" with the endpoint secret,
/// hex-encoded, as Stripe documents it.
pub(crate) fn stripe_signature(secret: &str, t: i64, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

pub(crate) fn event(id: &str, kind: &str, session: serde_json::Value) -> String {
    serde_json::json!({
        "id": id,
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": 1_761_966_100,
        "data": { "object": session },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind,
    })
    .to_string()
}

pub(crate) async fn post_webhook(
    app: &TestApp,
    path: &str,
    header: (&str, String),
    body: &str,
) -> (u16, serde_json::Value) {
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .header(header.0, header.1)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Posts a Stripe event signed now with the endpoint's secret.
pub(crate) async fn stripe_event(app: &TestApp, payload: &str) -> (u16, serde_json::Value) {
    let signature = stripe_signature(WEBHOOK_SECRET, app.now.timestamp(), payload);
    post_webhook(
        app,
        "/webhooks/stripe",
        ("Stripe-Signature", signature),
        payload,
    )
    .await
}

/// Posts a bank notification signed now with the bank's secret.
pub(crate) async fn bank_event(app: &TestApp, body: &str) -> (u16, serde_json::Value) {
    let signature = ocop_village::payments::bank::sign(BANK_SECRET, app.now.timestamp(), body);
    post_webhook(app, "/webhooks/bank", ("X-Bank-Signature", signature), body).await
}

/// A shopper's checkout through the pages, paid by `method`: the response to the submit.
pub(crate) async fn checkout_through_pages(
    app: &TestApp,
    product: uuid::Uuid,
    method: &str,
) -> reqwest::Response {
    let shopper = browser();
    let token = csrf(app, &shopper, "/account/login").await;
    let added = post_form(
        app,
        &shopper,
        "/cart/add",
        &[
            ("csrf", &token),
            ("listing", &product.to_string()),
            ("quantity", "3"),
        ],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);
    let (form, key) = crate::helpers::checkout_form(app, &shopper).await;
    assert!(
        form.contains(&format!("value=\"{method}\"")),
        "{method} is offered"
    );
    post_form(
        app,
        &shopper,
        "/checkout",
        &[
            ("csrf", &token),
            ("idempotency_key", &key),
            ("name", "Nguyễn Thị Lan"),
            ("email", "lan@example.vn"),
            ("phone", "0912345678"),
            ("province", "ha-noi"),
            ("commune", "phường Hoàn Kiếm"),
            ("street", "12 phố Hàng Bạc"),
            ("payment", method),
        ],
    )
    .await
}

pub(crate) async fn the_checkout(app: &TestApp) -> checkout::Model {
    checkout::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a checkout")
}

async fn payment_states(app: &TestApp, placed: &checkout::Model) -> Vec<(String, String)> {
    order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|o| (o.state.to_string(), o.payment_state.to_string()))
        .collect()
}

#[tokio::test]
async fn card_payment_is_offered_only_when_stripe_is_configured() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let response = checkout_through_pages(&app, pid, "cod").await;
    assert_eq!(response.status().as_u16(), 303);
    // Without keys, the card option is absent and a forged choice is refused.
    let shopper = browser();
    let token = csrf(&app, &shopper, "/account/login").await;
    post_form(
        &app,
        &shopper,
        "/cart/add",
        &[
            ("csrf", &token),
            ("listing", &pid.to_string()),
            ("quantity", "1"),
        ],
    )
    .await;
    let form = shopper
        .get(format!("{}/checkout", app.address))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("body");
    assert!(!form.contains("value=\"stripe\""));
    let (status, _) = post_webhook(
        &app,
        "/webhooks/stripe",
        ("Stripe-Signature", "t=1,v1=00".into()),
        "{}",
    )
    .await;
    assert_eq!(status, 404, "no webhook without Stripe");
}

#[tokio::test]
async fn a_card_checkout_opens_a_vnd_session_and_the_signed_webhook_pays_it_once() {
    let stripe = stripe_stand_in().await;
    let app = spawn_app_with(snapshot_day(), settings(&stripe.base)).await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;

    let response = checkout_through_pages(&app, pid, "stripe").await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(location, "https://checkout.stripe.test/c/pay/cs_test_1");
    let placed = the_checkout(&app).await;
    assert_eq!(placed.payment_method, "stripe");
    assert_eq!(placed.stripe_session_id.as_deref(), Some("cs_test_1"));
    // Goods 150,000 ₫ and delivery 32,000 ₫ (Tuyên Quang to Hà Nội, up to 500 g).
    assert_eq!(placed.total_vnd.dong(), 182_000);

    // What Stripe received: VND, whole đồng (zero-decimal: 50000, not 5000000), our reference.
    let requests = stripe.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1);
    let (path, form) = &requests[0];
    assert_eq!(path, "/v1/checkout/sessions");
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(form).expect("form");
    let has = |k: &str, v: &str| fields.iter().any(|(key, value)| key == k && value == v);
    assert!(has("currency", "vnd"), "{form}");
    assert!(has("mode", "payment"), "{form}");
    assert!(
        has("line_items[0][price_data][unit_amount]", "50000"),
        "{form}"
    );
    assert!(has("line_items[0][quantity]", "3"), "{form}");
    // The delivery is a line of its own, so Stripe's total is the checkout's.
    assert!(
        has("line_items[1][price_data][unit_amount]", "32000"),
        "{form}"
    );
    assert!(has("line_items[1][quantity]", "1"), "{form}");
    assert!(has("client_reference_id", &placed.reference), "{form}");
    assert!(has("locale", "vi"), "{form}");

    let now = app.now.timestamp();
    let paid = event(
        "evt_paid_1",
        "checkout.session.completed",
        session_json("cs_test_1", &placed.reference, 182_000, "complete", true),
    );
    // A bad signature, and a good one too old, are refused and change nothing.
    let (status, body) = post_webhook(
        &app,
        "/webhooks/stripe",
        (
            "Stripe-Signature",
            stripe_signature("whsec_wrong", now, &paid),
        ),
        &paid,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_signature"))
    );
    let (status, body) = post_webhook(
        &app,
        "/webhooks/stripe",
        (
            "Stripe-Signature",
            stripe_signature(WEBHOOK_SECRET, now - 600, &paid),
        ),
        &paid,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("stale_timestamp"))
    );
    let tampered = paid.replace("182000", "1500");
    let (status, _) = post_webhook(
        &app,
        "/webhooks/stripe",
        (
            "Stripe-Signature",
            stripe_signature(WEBHOOK_SECRET, now, &paid),
        ),
        &tampered,
    )
    .await;
    assert_eq!(status, 400, "the signature covers the body");
    assert_eq!(
        payment_states(&app, &placed).await,
        vec![("placed".into(), "unpaid".into())]
    );

    // The right signature pays; the same event again, and a duplicate delivery, change nothing.
    for expected in ["paid", "replayed", "replayed"] {
        let (status, body) = stripe_event(&app, &paid).await;
        assert_eq!((status, body["outcome"].as_str()), (200, Some(expected)));
    }
    assert_eq!(
        payment_states(&app, &placed).await,
        vec![("placed".into(), "paid".into())]
    );
    assert_eq!(app.count("payment_events", "provider = 'stripe'").await, 1);
    let receipts: Vec<_> = app
        .mail_to("lan@example.vn")
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Đã nhận thanh toán"))
        .collect();
    assert_eq!(receipts.len(), 1, "one receipt");

    // The order page no longer asks for the card.
    let page = app
        .get_html(&format!(
            "/orders/{}?t={}",
            placed.reference, placed.tracking_token
        ))
        .await;
    assert!(!page.contains("/pay\""), "no pay button once paid");
}

#[tokio::test]
async fn a_session_with_the_wrong_amount_pays_nothing_and_an_expired_one_returns_the_stock() {
    let stripe = stripe_stand_in().await;
    let app = spawn_app_with(snapshot_day(), settings(&stripe.base)).await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    checkout_through_pages(&app, pid, "stripe").await;
    let placed = the_checkout(&app).await;

    let short = event(
        "evt_short",
        "checkout.session.completed",
        session_json("cs_test_1", &placed.reference, 1_500, "complete", true),
    );
    let (status, body) = stripe_event(&app, &short).await;
    assert_eq!((status, body["outcome"].as_str()), (200, Some("unmatched")));
    assert_eq!(
        payment_states(&app, &placed).await,
        vec![("placed".into(), "unpaid".into())]
    );

    // The shopper tries again: the first session is expired at Stripe, a second one opens.
    let shopper = browser();
    let token = csrf(&app, &shopper, "/account/login").await;
    let again = post_form(
        &app,
        &shopper,
        &format!("/orders/{}/pay", placed.reference),
        &[("csrf", &token), ("t", &placed.tracking_token.to_string())],
    )
    .await;
    assert_eq!(again.status().as_u16(), 303);
    assert_eq!(
        again.headers()["location"],
        "https://checkout.stripe.test/c/pay/cs_test_3"
    );
    let paths: Vec<String> = stripe
        .requests
        .lock()
        .expect("lock")
        .iter()
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(paths[1], "/v1/checkout/sessions/cs_test_1/expire");
    // The old session's expiry does not release the stock; the current one's does.
    let old = event(
        "evt_exp_1",
        "checkout.session.expired",
        session_json("cs_test_1", &placed.reference, 150_000, "expired", false),
    );
    let (_, body) = stripe_event(&app, &old).await;
    assert_eq!(body["outcome"].as_str(), Some("ignored"));
    let current = event(
        "evt_exp_3",
        "checkout.session.expired",
        session_json("cs_test_3", &placed.reference, 150_000, "expired", false),
    );
    let (_, body) = stripe_event(&app, &current).await;
    assert_eq!(body["outcome"].as_str(), Some("expired"));
    assert_eq!(
        payment_states(&app, &placed).await,
        vec![("cancelled".into(), "unpaid".into())]
    );
    assert_eq!(
        app.count("listings", "stock = 5").await,
        1,
        "the 3 units are back"
    );
}

#[tokio::test]
async fn signed_bank_notifications_pay_the_matching_transfer_order_once() {
    let app = spawn_app_with(snapshot_day(), settings("http://127.0.0.1:9")).await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let token = csrf(&app, &seller, "/seller/bank").await;
    let seller_id = seller_of_listing(&app, pid).await.to_string();
    let saved = post_form(
        &app,
        &seller,
        "/seller/bank",
        &[
            ("csrf", &token),
            ("seller", &seller_id),
            ("bank_bin", "970436"),
            ("account_no", "0011001234567"),
            ("account_name", "HTX TRA"),
        ],
    )
    .await;
    assert_eq!(saved.status().as_u16(), 200);
    let response = checkout_through_pages(&app, pid, "vietqr").await;
    assert_eq!(response.status().as_u16(), 303);
    let placed = the_checkout(&app).await;
    let code = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("order")
        .code;

    let sign = |body: &str, at: DateTime<Utc>| {
        ocop_village::payments::bank::sign(BANK_SECRET, at.timestamp(), body)
    };
    let notice = |id: &str, amount: i64| {
        serde_json::json!({
            "id": id,
            "amount_vnd": amount,
            "account_no": "0011001234567",
            "description": format!("MBVCB.8821 {} NGUYEN THI LAN", code.replace('-', "")),
        })
        .to_string()
    };
    // Bad and stale signatures are refused.
    // The order's total: goods 150,000 ₫ and delivery 32,000 ₫.
    let body = notice("FT1", 182_000);
    let (status, _) = post_webhook(
        &app,
        "/webhooks/bank",
        (
            "X-Bank-Signature",
            ocop_village::payments::bank::sign("wrong", app.now.timestamp(), &body),
        ),
        &body,
    )
    .await;
    assert_eq!(status, 400);
    let (status, reply) = post_webhook(
        &app,
        "/webhooks/bank",
        (
            "X-Bank-Signature",
            sign(&body, app.now - chrono::Duration::minutes(10)),
        ),
        &body,
    )
    .await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (400, Some("stale_timestamp"))
    );
    // A transfer of the wrong amount (the goods without the delivery) is recorded but pays
    // nothing.
    let short = notice("FT0", 150_000);
    let (status, reply) = bank_event(&app, &short).await;
    assert_eq!(
        (status, reply["outcome"].as_str()),
        (200, Some("unmatched"))
    );
    assert_eq!(
        payment_states(&app, &placed).await,
        vec![("placed".into(), "unpaid".into())]
    );
    // The right one pays; replayed, it changes nothing.
    for expected in ["paid", "replayed"] {
        let (status, reply) = bank_event(&app, &body).await;
        assert_eq!((status, reply["outcome"].as_str()), (200, Some(expected)));
    }
    assert_eq!(
        payment_states(&app, &placed).await,
        vec![("placed".into(), "paid".into())]
    );
}
