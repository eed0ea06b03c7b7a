//! Delivery: sellers' rates and pick-up addresses, fees at checkout carried into every payment
//! amount, and the GHN and GHTK adapters against a local stand-in that checks what they send
//! (headers, addresses, weights, cash to collect), with signed status callbacks moving orders.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use tokio::sync::oneshot;

use ocop_village::config::Secret;
use ocop_village::db::entities::{checkout, listing, order};
use ocop_village::domain::money::Vnd;
use ocop_village::domain::states::{OrderState, PaymentState};

use crate::checkout::listing_of;
use crate::helpers::{
    TestApp, browser, checkout_form, csrf, post_form, post_with_csrf, sample_registry,
    snapshot_day, spawn_app_full,
};
use crate::payments::{post_webhook, settings as payment_settings, stripe_stand_in};

const CARRIER_SECRET: &str = "carrier-test-secret";
const GHN_TOKEN: &str = "ghn-token-of-the-seller";
const GHTK_TOKEN: &str = "ghtk-token-of-the-seller";

/// One request a carrier stand-in received: method, path with query, the carrier headers, body.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    token: String,
    shop: String,
    body: serde_json::Value,
}

/// A local stand-in for GHN's and GHTK's APIs: it refuses a request without the seller's
/// token, answers quotes (41,000 ₫ from GHN, 36,000 ₫ from GHTK, or a refusal when told to),
/// books with numbered codes, cancels, and serves labels. A GHN quote can be held: the
/// stand-in says it arrived and answers only once released.
struct Carriers {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    refuse_quotes: Arc<AtomicBool>,
    hold_next_quote: Arc<Mutex<Option<Hold>>>,
}

/// Told when the held request arrived; answers when released.
type Hold = (oneshot::Sender<()>, oneshot::Receiver<()>);

impl Carriers {
    fn requests(&self, path: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|s| s.path.starts_with(path))
            .cloned()
            .collect()
    }
}

async fn carriers_stand_in() -> Carriers {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let refuse_quotes = Arc::new(AtomicBool::new(false));
    let booked = Arc::new(AtomicUsize::new(0));
    let hold_next_quote: Arc<Mutex<Option<Hold>>> = Arc::default();
    let (seen2, refuse2, hold2) = (seen.clone(), refuse_quotes.clone(), hold_next_quote.clone());
    let server = HttpServer::new(move || {
        let (seen, refuse, booked, hold) =
            (seen2.clone(), refuse2.clone(), booked.clone(), hold2.clone());
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let (seen, refuse, booked, hold) =
                (seen.clone(), refuse.clone(), booked.clone(), hold.clone());
            async move {
                let header = |name: &str| {
                    req.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let path = match req.query_string() {
                    "" => req.path().to_owned(),
                    q => format!("{}?{q}", req.path()),
                };
                let ghtk = path.starts_with("/services/");
                let record = Seen {
                    method: req.method().to_string(),
                    path: path.clone(),
                    token: header("Token"),
                    shop: if ghtk {
                        header("X-Client-Source")
                    } else {
                        header("ShopId")
                    },
                    body: serde_json::from_slice(&body).unwrap_or_default(),
                };
                seen.lock().expect("lock").push(record.clone());
                let refusing = refuse.load(Ordering::SeqCst);
                if ghtk {
                    if record.token != GHTK_TOKEN {
                        return HttpResponse::Unauthorized()
                            .json(serde_json::json!({"success": false, "message": "Token không hợp lệ"}));
                    }
                    if path.starts_with("/services/shipment/fee") {
                        if refusing {
                            return HttpResponse::Ok().json(serde_json::json!({
                                "success": false, "message": "Địa chỉ chưa được hỗ trợ"
                            }));
                        }
                        return HttpResponse::Ok().json(serde_json::json!({
                            "success": true,
                            "fee": {"name": "area2", "fee": 36_000, "insurance_fee": 0, "delivery": true}
                        }));
                    }
                    if path.starts_with("/services/shipment/order") {
                        let n = booked.fetch_add(1, Ordering::SeqCst) + 1;
                        return HttpResponse::Ok().json(serde_json::json!({
                            "success": true,
                            "order": {"partner_id": record.body["order"]["id"], "label": format!("S1.A1.{n}"), "fee": 36_000}
                        }));
                    }
                    if path.starts_with("/services/shipment/cancel/") {
                        return HttpResponse::Ok()
                            .json(serde_json::json!({"success": true, "message": ""}));
                    }
                    if path.starts_with("/services/label/") {
                        return HttpResponse::Ok()
                            .content_type("application/pdf")
                            .body("%PDF-1.4 label of the stand-in");
                    }
                    return HttpResponse::NotFound()
                        .json(serde_json::json!({"success": false, "message": "no such path"}));
                }
                if record.token != GHN_TOKEN || record.shop != "885" {
                    return HttpResponse::Unauthorized()
                        .json(serde_json::json!({"code": 401, "message": "Token is not valid"}));
                }
                let ok = |data: serde_json::Value| {
                    HttpResponse::Ok()
                        .json(serde_json::json!({"code": 200, "message": "Success", "data": data}))
                };
                match path.as_str() {
                    "/shiip/public-api/v2/shipping-order/fee" if refusing => HttpResponse::BadRequest()
                        .json(serde_json::json!({"code": 400, "message": "Tuyến chưa hỗ trợ", "data": null})),
                    "/shiip/public-api/v2/shipping-order/fee" => {
                        let held = hold.lock().expect("lock").take();
                        if let Some((arrived, release)) = held {
                            arrived.send(()).expect("the test waits");
                            release.await.expect("released");
                        }
                        ok(serde_json::json!({"total": 41_000, "service_fee": 41_000}))
                    }
                    "/shiip/public-api/v2/shipping-order/create" => {
                        let n = booked.fetch_add(1, Ordering::SeqCst) + 1;
                        ok(serde_json::json!({"order_code": format!("GHNSTAND{n}"), "total_fee": 41_000}))
                    }
                    "/shiip/public-api/v2/switch-status/cancel" => ok(serde_json::json!([
                        {"order_code": record.body["order_codes"][0], "result": true, "message": "OK"}
                    ])),
                    "/shiip/public-api/v2/a5/gen-token" => ok(serde_json::json!({"token": "print-token-7"})),
                    _ => HttpResponse::NotFound()
                        .json(serde_json::json!({"code": 404, "message": "no such path"})),
                }
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    Carriers {
        base: format!("http://127.0.0.1:{port}"),
        seen,
        refuse_quotes,
        hold_next_quote,
    }
}

/// The app with its carriers pointed at the stand-in and a callback secret (and Stripe at
/// `stripe`, when given).
async fn app_with_carriers(carriers: &Carriers, stripe: Option<&str>) -> TestApp {
    let base = carriers.base.clone();
    let payments = stripe.map(payment_settings).unwrap_or_default();
    let app = spawn_app_full(snapshot_day(), payments, None, move |s| {
        s.shipping.ghn_api = Some(format!("{base}/shiip/public-api"));
        s.shipping.ghtk_api = Some(base);
        s.shipping.webhook_secret = Some(Secret::new(CARRIER_SECRET.into()));
    })
    .await;
    app.import(sample_registry(), false).await.expect("import");
    app
}

/// Saves a seller's delivery settings through its page: the answer's status and body.
async fn save_settings(
    app: &TestApp,
    seller: &reqwest::Client,
    seller_id: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = csrf(app, seller, &format!("/seller/shipping?seller={seller_id}")).await;
    let mut form = vec![("csrf", token.as_str()), ("seller", seller_id)];
    form.extend_from_slice(fields);
    let response = post_form(app, seller, "/seller/shipping", &form).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// A seller's pick-up in Đà Nẵng and its carrier: `table`, or `ghn`/`ghtk` with its token.
fn pickup_and(carrier: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![
        ("pickup_province", "da-nang"),
        ("pickup_commune", "phường Hòa Cường"),
        ("pickup_street", "25 Núi Thành"),
        ("pickup_phone", "0905 123 456"),
        ("band_0_max_grams", "1000"),
        ("band_0_same_province", "15000"),
        ("band_0_same_region", "22000"),
        ("band_0_elsewhere", "27000"),
        ("band_1_max_grams", "5000"),
        ("band_1_same_province", "25000"),
        ("band_1_same_region", "35000"),
        ("band_1_elsewhere", "45000"),
        ("carrier", carrier),
    ];
    match carrier {
        "ghn" => fields.extend([("carrier_token", GHN_TOKEN), ("carrier_shop_id", "885")]),
        "ghtk" => fields.extend([("carrier_token", GHTK_TOKEN), ("carrier_shop_id", "S22")]),
        _ => {}
    }
    fields
}

async fn seller_of(app: &TestApp, pid: uuid::Uuid) -> String {
    crate::helpers::seller_of_listing(app, pid)
        .await
        .to_string()
}

/// The Đà Nẵng seller with 9 units of its sausage, on `carrier` (its settings saved through
/// the page): its browser, the listing, its id and the saved page.
async fn danang_seller_on(
    app: &TestApp,
    carrier: &'static str,
) -> (reqwest::Client, uuid::Uuid, String, String) {
    let (seller, sausage) =
        listing_of(app, "b@example.vn", "8122746461007", "OCOP-DN-2022-0002", 9).await;
    let id = seller_of(app, sausage).await;
    let (status, page) = save_settings(app, &seller, &id, &pickup_and(carrier)).await;
    assert_eq!(status, 200, "{page}");
    (seller, sausage, id, page)
}

/// A shopper with `quantity` of each product in the cart.
async fn shopper_with(app: &TestApp, products: &[uuid::Uuid], quantity: &str) -> reqwest::Client {
    let shopper = browser();
    for pid in products {
        let added = post_with_csrf(
            app,
            &shopper,
            "/cart/add",
            &[("listing", &pid.to_string()), ("quantity", quantity)],
        )
        .await;
        assert_eq!(added.status().as_u16(), 303);
    }
    shopper
}

const HANOI: [(&str, &str); 6] = [
    ("name", "Nguyễn Thị Lan"),
    ("email", "lan@example.vn"),
    ("phone", "0912345678"),
    ("province", "ha-noi"),
    ("commune", "phường Hoàn Kiếm"),
    ("street", "12 phố Hàng Bạc"),
];

/// The checkout form refreshed for the Hà Nội address (as the no-JavaScript button does).
async fn quoted_page(app: &TestApp, shopper: &reqwest::Client) -> String {
    let (_, key) = checkout_form(app, shopper).await;
    let mut form = vec![("idempotency_key", key.as_str())];
    form.extend_from_slice(&HANOI);
    let response = post_with_csrf(app, shopper, "/checkout/address", &form).await;
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.expect("body")
}

/// Places the checkout to the Hà Nội address, paid by `method`.
async fn place(app: &TestApp, shopper: &reqwest::Client, method: &str) -> reqwest::Response {
    let (_, key) = checkout_form(app, shopper).await;
    let mut form = vec![("idempotency_key", key.as_str()), ("payment", method)];
    form.extend_from_slice(&HANOI);
    post_with_csrf(app, shopper, "/checkout", &form).await
}

async fn orders_by_seller(app: &TestApp, placed: &checkout::Model) -> Vec<order::Model> {
    order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .all(&app.db)
        .await
        .expect("query")
}

async fn last_checkout(app: &TestApp) -> checkout::Model {
    use sea_orm::QueryOrder;
    checkout::Entity::find()
        .order_by_desc(checkout::Column::Id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("a checkout")
}

#[tokio::test]
async fn a_two_seller_cart_shows_two_fees_and_one_total_that_every_payment_matches() {
    let carriers = carriers_stand_in().await;
    let stripe = stripe_stand_in().await;
    let app = app_with_carriers(&carriers, Some(&stripe.base)).await;
    // Tuyên Quang, on the standard table; Đà Nẵng, with rates of its own.
    let (tea_browser, tea) =
        listing_of(&app, "a@example.vn", "2510996049", "OCOP-TQ-2024-0001", 9).await;
    let (danang, sausage) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        9,
    )
    .await;
    let danang_id = seller_of(&app, sausage).await;
    let (status, page) = save_settings(&app, &danang, &danang_id, &pickup_and("table")).await;
    assert_eq!(status, 200, "{page}");

    let shopper = shopper_with(&app, &[tea, sausage], "1").await;
    let page = quoted_page(&app, &shopper).await;
    // Two lines: the standard "elsewhere" fee up to 500 g, and the seller's own up to 1 kg.
    assert!(page.contains("32.000"), "{page}");
    assert!(page.contains("27.000"), "{page}");
    // Goods 100,000 ₫ and delivery 59,000 ₫.
    assert!(page.contains("159.000"), "{page}");

    let paid = place(&app, &shopper, "stripe").await;
    assert_eq!(paid.status().as_u16(), 303);
    let placed = last_checkout(&app).await;
    assert_eq!(placed.total_vnd.dong(), 159_000);
    let mut fees: Vec<i64> = orders_by_seller(&app, &placed)
        .await
        .iter()
        .map(|o| o.shipping_vnd.dong())
        .collect();
    fees.sort_unstable();
    assert_eq!(fees, vec![27_000, 32_000]);
    // Stripe's total (unit amount × quantity over every line) is the checkout's.
    let requests = stripe.requests.lock().expect("lock").clone();
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&requests[0].1).expect("form");
    let get = |k: String| {
        form.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    };
    let mut total = 0;
    for i in 0.. {
        let Some(amount) = get(format!("line_items[{i}][price_data][unit_amount]")) else {
            break;
        };
        let quantity = get(format!("line_items[{i}][quantity]")).expect("a quantity");
        total += amount.parse::<i64>().expect("đồng") * quantity.parse::<i64>().expect("n");
    }
    assert_eq!(total, 159_000, "{form:?}");

    // The same cart by bank transfer: each order's VietQR asks for its own total.
    for (client, id) in [(&danang, danang_id.as_str())] {
        let saved = post_with_csrf(
            &app,
            client,
            "/seller/bank",
            &[
                ("seller", id),
                ("bank_bin", "970436"),
                ("account_no", "0011001234567"),
                ("account_name", "HO KD"),
            ],
        )
        .await;
        assert_eq!(saved.status().as_u16(), 200);
    }
    let tea_seller = seller_of(&app, tea).await;
    let saved = post_with_csrf(
        &app,
        &tea_browser,
        "/seller/bank",
        &[
            ("seller", &tea_seller),
            ("bank_bin", "970436"),
            ("account_no", "0022001234567"),
            ("account_name", "CTY CHI VUONG"),
        ],
    )
    .await;
    assert_eq!(saved.status().as_u16(), 200);
    let shopper = shopper_with(&app, &[tea, sausage], "1").await;
    let response = place(&app, &shopper, "vietqr").await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let page = shopper
        .get(format!("{}{location}", app.address))
        .send()
        .await
        .expect("order page")
        .text()
        .await
        .expect("body");
    let placed = last_checkout(&app).await;
    assert_eq!(placed.total_vnd.dong(), 159_000);
    let orders = orders_by_seller(&app, &placed).await;
    let mut sum = 0;
    for o in &orders {
        // The transfer's amount (what the VietQR code asks for) is the order's goods and
        // delivery, not the goods alone.
        let amount = format!("<dd><strong>{}</strong></dd>", o.total_vnd());
        assert!(page.contains(&amount), "{amount} in {page}");
        assert!(!page.contains(&format!("<dd><strong>{}</strong></dd>", o.subtotal_vnd)));
        sum += o.total_vnd().dong();
    }
    assert_eq!(sum, placed.total_vnd.dong());
}

#[tokio::test]
async fn bad_rates_are_refused_row_by_row_and_a_parcel_above_every_band_gets_a_clear_error() {
    let carriers = carriers_stand_in().await;
    let app = app_with_carriers(&carriers, None).await;
    let (danang, sausage) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        20,
    )
    .await;
    let id = seller_of(&app, sausage).await;
    let mut bad = pickup_and("table");
    bad.retain(|(k, _)| !k.starts_with("band_1"));
    bad.extend([
        ("band_1_max_grams", "abc"),
        ("band_1_same_province", "1"),
        ("band_1_same_region", "1"),
        ("band_1_elsewhere", "1"),
        ("band_2_max_grams", "900"),
        ("band_2_same_province", "-5"),
        ("band_2_same_region", "1"),
        ("band_2_elsewhere", "1"),
    ]);
    bad.retain(|(k, _)| *k != "pickup_commune");
    bad.push(("pickup_commune", "quận Hải Châu"));
    let (status, page) = save_settings(&app, &danang, &id, &bad).await;
    assert_eq!(status, 400);
    assert!(page.contains("Dòng 2"), "{page}");
    assert!(page.contains("Dòng 3"), "{page}");
    // The old district is named as gone.
    assert!(page.contains("Hải Châu"), "{page}");
    assert_eq!(
        app.count("shipping_rates", "").await,
        0,
        "nothing half-saved"
    );

    let (status, page) = save_settings(&app, &danang, &id, &pickup_and("table")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(app.count("shipping_rates", "").await, 2);
    // The form shows what was saved, every cell of every row.
    let form = danang
        .get(format!("{}/seller/shipping?seller={id}", app.address))
        .send()
        .await
        .expect("settings page")
        .text()
        .await
        .expect("body");
    for (name, value) in [
        ("band_0_max_grams", "1000"),
        ("band_0_same_province", "15000"),
        ("band_0_same_region", "22000"),
        ("band_0_elsewhere", "27000"),
        ("band_1_elsewhere", "45000"),
        ("pickup_commune", "Phường Hòa Cường"),
        ("pickup_phone", "0905123456"),
    ] {
        let at = form.find(&format!("name=\"{name}\"")).expect(name);
        let rest = &form[at..form[at..].find('>').map_or(form.len(), |end| at + end)];
        assert!(
            rest.contains(&format!("value=\"{value}\"")),
            "{name}: {rest}"
        );
    }
    // 6 units of 1 kg: heavier than the 5 kg band.
    listing::Entity::update_many()
        .col_expr(
            listing::Column::WeightGrams,
            sea_orm::sea_query::Expr::value(1_000),
        )
        .exec(&app.db)
        .await
        .expect("weights");
    let shopper = shopper_with(&app, &[sausage], "6").await;
    let page = quoted_page(&app, &shopper).await;
    assert!(page.contains("6000 g"), "{page}");
    let response = place(&app, &shopper, "cod").await;
    assert_eq!(response.status().as_u16(), 409);
    let page = response.text().await.expect("body");
    assert!(page.contains("5000 g"), "{page}");
    assert_eq!(app.count("checkouts", "").await, 0);
    assert_eq!(app.count("listings", "stock = 20").await, 1);
}

/// Posts a carrier callback signed `at` with `secret` (None: no signature).
async fn callback(
    app: &TestApp,
    carrier: &str,
    body: &serde_json::Value,
    secret: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> (u16, serde_json::Value) {
    let body = body.to_string();
    let signature = secret
        .map(|s| ocop_village::payments::bank::sign(s, at.timestamp(), &body))
        .unwrap_or_default();
    post_webhook(
        app,
        &format!("/webhooks/carriers/{carrier}"),
        ("X-Carrier-Signature", signature),
        &body,
    )
    .await
}

async fn the_order(app: &TestApp) -> order::Model {
    use sea_orm::QueryOrder;
    order::Entity::find()
        .order_by_desc(order::Column::Id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("an order")
}

async fn seller_step(
    app: &TestApp,
    seller: &reqwest::Client,
    o: &order::Model,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    post_with_csrf(
        app,
        seller,
        &format!("/seller/orders/{}/{path}", o.pid),
        fields,
    )
    .await
}

#[tokio::test]
async fn a_ghn_seller_quotes_books_prints_and_follows_signed_status_updates() {
    let carriers = carriers_stand_in().await;
    let app = app_with_carriers(&carriers, None).await;
    let (seller, sausage, id, page) = danang_seller_on(&app, "ghn").await;
    // The token is kept, never shown again.
    assert!(!page.contains(GHN_TOKEN));

    let shopper = shopper_with(&app, &[sausage], "2").await;
    let page = quoted_page(&app, &shopper).await;
    assert!(page.contains("41.000") && page.contains("GHN"), "{page}");
    let quote = &carriers.requests("/shiip/public-api/v2/shipping-order/fee")[0];
    assert_eq!(quote.body["to_province_name"], "Hà Nội");
    assert_eq!(quote.body["to_ward_name"], "Phường Hoàn Kiếm");
    assert_eq!(quote.body["from_ward_name"], "Phường Hòa Cường");
    assert_eq!(quote.body["insurance_value"], 100_000);
    assert_eq!(place(&app, &shopper, "cod").await.status().as_u16(), 303);
    let o = the_order(&app).await;
    assert_eq!(
        (o.shipping_vnd.dong(), o.shipping_service.as_str()),
        (41_000, "ghn")
    );

    // Confirm, then book: GHN gets the addresses and collects goods and delivery in cash.
    assert_eq!(
        seller_step(&app, &seller, &o, "step", &[("step", "confirm")])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        seller_step(&app, &seller, &o, "book", &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let created = &carriers.requests("/shiip/public-api/v2/shipping-order/create")[0];
    assert_eq!(
        (created.token.as_str(), created.shop.as_str()),
        (GHN_TOKEN, "885")
    );
    assert_eq!(created.body["cod_amount"], 141_000);
    assert_eq!(created.body["client_order_code"], o.code.as_str());
    assert_eq!(created.body["to_phone"], "0912345678");
    assert_eq!(created.body["from_phone"], "0905123456");
    let o = the_order(&app).await;
    assert_eq!(
        o.state,
        OrderState::Confirmed,
        "shipped only once GHN picks it up"
    );
    assert_eq!(
        (o.carrier.as_deref(), o.tracking_no.as_deref()),
        (Some("GHN"), Some("GHNSTAND1"))
    );
    // Booked once: the button is gone and a second booking is refused.
    assert_eq!(
        seller_step(&app, &seller, &o, "book", &[])
            .await
            .status()
            .as_u16(),
        409
    );
    let label = seller
        .get(format!("{}/seller/orders/{}/label", app.address, o.pid))
        .send()
        .await
        .expect("label");
    assert_eq!(label.status().as_u16(), 303);
    let printed = label.headers()["location"].to_str().expect("ascii");
    assert!(
        printed.ends_with("/a5/public-api/printA5?token=print-token-7"),
        "{printed}"
    );

    let picked = serde_json::json!({
        "OrderCode": "GHNSTAND1", "Status": "picked", "Time": "2025-10-31T02:00:00Z",
        "Type": "switch_status", "ShopID": 885,
    });
    // Unsigned, wrongly signed and stale callbacks are refused and change nothing.
    let (status, reply) = callback(&app, "ghn", &picked, None, app.now).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (400, Some("bad_signature"))
    );
    let (status, _) = callback(&app, "ghn", &picked, Some("guess"), app.now).await;
    assert_eq!(status, 400);
    let old = app.now - chrono::Duration::minutes(10);
    let (status, reply) = callback(&app, "ghn", &picked, Some(CARRIER_SECRET), old).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (400, Some("stale_timestamp"))
    );
    assert_eq!(the_order(&app).await.state, OrderState::Confirmed);
    // Signed: shipped; replayed: nothing more.
    let (status, reply) = callback(&app, "ghn", &picked, Some(CARRIER_SECRET), app.now).await;
    assert_eq!(
        (status, reply["outcome"].as_str(), reply["state"].as_str()),
        (200, Some("recorded"), Some("shipped"))
    );
    let (status, reply) = callback(&app, "ghn", &picked, Some(CARRIER_SECRET), app.now).await;
    assert_eq!(
        (status, reply["outcome"].as_str()),
        (200, Some("duplicate"))
    );
    let unknown = serde_json::json!({"OrderCode": "NOPE", "Status": "picked", "Time": "2025-10-31T02:00:00Z"});
    let (status, reply) = callback(&app, "ghn", &unknown, Some(CARRIER_SECRET), app.now).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (404, Some("unknown_parcel"))
    );
    let garbled = serde_json::json!({"OrderCode": "GHNSTAND1"});
    let (status, reply) = callback(&app, "ghn", &garbled, Some(CARRIER_SECRET), app.now).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (400, Some("bad_payload"))
    );
    let delivered = serde_json::json!({
        "OrderCode": "GHNSTAND1", "Status": "delivered", "Time": "2025-10-31T07:30:00Z",
        "Type": "switch_status", "CODAmount": 141_000,
    });
    let (status, reply) = callback(&app, "ghn", &delivered, Some(CARRIER_SECRET), app.now).await;
    assert_eq!((status, reply["state"].as_str()), (200, Some("delivered")));
    let o = the_order(&app).await;
    assert_eq!(
        (o.state, o.payment_state),
        (OrderState::Delivered, PaymentState::Paid)
    );
    assert_eq!(app.count("order_events", "state = 'shipped'").await, 1);
    assert_eq!(app.count("shipment_events", "").await, 2);
    // The seller's sales: the goods as revenue, the delivery apart.
    let sales = seller
        .get(format!("{}/seller/sales?seller={id}", app.address))
        .send()
        .await
        .expect("sales page")
        .text()
        .await
        .expect("body");
    assert!(
        sales.contains("<dd>100.000 ₫</dd>") && sales.contains("<dd>41.000 ₫</dd>"),
        "{sales}"
    );

    // The shopper's order page shows the parcel's journey.
    let placed = last_checkout(&app).await;
    let page = shopper
        .get(format!(
            "{}/orders/{}?t={}",
            app.address, placed.reference, placed.tracking_token
        ))
        .send()
        .await
        .expect("order page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Hành trình đơn hàng"), "{page}");
    assert!(
        page.contains("đã lấy hàng") && page.contains("đã giao hàng"),
        "{page}"
    );
}

/// The seller changes its price while GHN quotes the placement: the cart no longer matches
/// the quote, so it is quoted again and placed at the new price, not refused.
#[tokio::test]
async fn a_price_changed_while_the_carrier_quotes_is_quoted_again_and_placed() {
    let carriers = carriers_stand_in().await;
    let app = app_with_carriers(&carriers, None).await;
    let (_, sausage, _, _) = danang_seller_on(&app, "ghn").await;
    let shopper = shopper_with(&app, &[sausage], "2").await;
    let (arrived_tx, arrived) = oneshot::channel();
    let (release, release_rx) = oneshot::channel();
    *carriers.hold_next_quote.lock().expect("lock") = Some((arrived_tx, release_rx));
    let (placed, ()) = tokio::join!(place(&app, &shopper, "cod"), async {
        arrived.await.expect("the placement asks GHN");
        let found = listing::Entity::find()
            .filter(listing::Column::Pid.eq(sausage))
            .one(&app.db)
            .await
            .expect("query")
            .expect("the listing");
        let mut repriced: listing::ActiveModel = found.into();
        repriced.price_vnd = Set(Vnd::new(60_000));
        repriced.update(&app.db).await.expect("update");
        release.send(()).expect("the stand-in waits");
    });
    let status = placed.status().as_u16();
    assert_eq!(status, 303, "{}", placed.text().await.unwrap_or_default());
    let o = the_order(&app).await;
    assert_eq!(
        (o.subtotal_vnd.dong(), o.shipping_vnd.dong()),
        (120_000, 41_000)
    );
    // The second quote insured the goods at their new price.
    let quotes = carriers.requests("/shiip/public-api/v2/shipping-order/fee");
    assert_eq!(
        quotes.last().expect("quotes").body["insurance_value"],
        120_000
    );
}

#[tokio::test]
async fn a_refused_quote_falls_back_to_the_table_and_a_ghtk_parcel_returned_restocks() {
    let carriers = carriers_stand_in().await;
    let app = app_with_carriers(&carriers, None).await;
    let (seller, sausage, id, _) = danang_seller_on(&app, "ghtk").await;

    // GHTK says no: the shopper sees the seller's own table rate, never an error.
    carriers.refuse_quotes.store(true, Ordering::SeqCst);
    let shopper = shopper_with(&app, &[sausage], "1").await;
    let page = quoted_page(&app, &shopper).await;
    assert!(page.contains("27.000"), "{page}");
    assert!(page.contains("áp dụng bảng phí"), "{page}");
    assert_eq!(place(&app, &shopper, "cod").await.status().as_u16(), 303);
    let fallback = the_order(&app).await;
    assert_eq!(
        (
            fallback.shipping_vnd.dong(),
            fallback.shipping_service.as_str()
        ),
        (27_000, "table")
    );

    // GHTK quotes again: its fee; booked, picked up, then returned to the seller.
    carriers.refuse_quotes.store(false, Ordering::SeqCst);
    let shopper = shopper_with(&app, &[sausage], "3").await;
    assert_eq!(place(&app, &shopper, "cod").await.status().as_u16(), 303);
    let o = the_order(&app).await;
    assert_eq!(
        (o.shipping_vnd.dong(), o.shipping_service.as_str()),
        (36_000, "ghtk")
    );
    let quote = carriers
        .requests("/services/shipment/fee")
        .pop()
        .expect("a quote");
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(quote.path.split_once('?').expect("a query").1).expect("query");
    let asked = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        (
            asked("province"),
            asked("ward"),
            asked("pick_province"),
            asked("weight")
        ),
        (
            Some("Hà Nội"),
            Some("Phường Hoàn Kiếm"),
            Some("Đà Nẵng"),
            Some("0")
        )
    );
    assert_eq!(quote.method, "GET");
    assert_eq!(app.count("listings", "stock = 5").await, 1);
    seller_step(&app, &seller, &o, "step", &[("step", "confirm")]).await;
    assert_eq!(
        seller_step(&app, &seller, &o, "book", &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let booked = carriers
        .requests("/services/shipment/order")
        .pop()
        .expect("a booking");
    assert_eq!(
        (booked.token.as_str(), booked.shop.as_str()),
        (GHTK_TOKEN, "S22")
    );
    assert_eq!(booked.body["order"]["pick_money"], 186_000);
    assert_eq!(booked.body["order"]["ward"], "Phường Hoàn Kiếm");
    assert_eq!(booked.body["products"][0]["quantity"], 3);
    let o = the_order(&app).await;
    let label_code = o.tracking_no.clone().expect("booked");
    let label = seller
        .get(format!("{}/seller/orders/{}/label", app.address, o.pid))
        .send()
        .await
        .expect("label");
    assert_eq!(label.headers()["content-type"], "application/pdf");
    assert!(label.bytes().await.expect("pdf").starts_with(b"%PDF"));
    for (status_id, at) in [
        (3, "2025-10-31T09:00:00+07:00"),
        (21, "2025-11-02T16:00:00+07:00"),
    ] {
        let update = serde_json::json!({
            "label_id": label_code, "partner_id": o.code, "status_id": status_id,
            "action_time": at, "reason_code": "", "reason": if status_id == 21 { "Người nhận từ chối nhận hàng" } else { "" },
            "weight": 0.3, "fee": 36_000, "pick_money": 186_000,
        });
        let (status, reply) = callback(&app, "ghtk", &update, Some(CARRIER_SECRET), app.now).await;
        assert_eq!(
            (status, reply["outcome"].as_str()),
            (200, Some("recorded")),
            "{reply}"
        );
    }
    let o = the_order(&app).await;
    assert_eq!(o.state, OrderState::Returned);
    assert_eq!(o.reason.as_deref(), Some("Người nhận từ chối nhận hàng"));
    // The 3 units are back: 9 − 1 (the first order) = 8.
    assert_eq!(app.count("listings", "stock = 8").await, 1);

    // A booked order cancelled by the seller is cancelled at GHTK first.
    let shopper = shopper_with(&app, &[sausage], "1").await;
    assert_eq!(place(&app, &shopper, "cod").await.status().as_u16(), 303);
    let o = the_order(&app).await;
    seller_step(&app, &seller, &o, "step", &[("step", "confirm")]).await;
    seller_step(&app, &seller, &o, "book", &[]).await;
    let code = the_order(&app).await.tracking_no.expect("booked");
    let cancelled = seller_step(
        &app,
        &seller,
        &o,
        "step",
        &[("step", "cancel"), ("reason", "Khách đổi ý")],
    )
    .await;
    assert_eq!(cancelled.status().as_u16(), 303);
    assert_eq!(
        carriers
            .requests(&format!("/services/shipment/cancel/{code}"))
            .len(),
        1
    );
    assert_eq!(the_order(&app).await.state, OrderState::Cancelled);

    // Booked with GHTK, then the seller moves to GHN: the GHTK booking is not sent to GHN to
    // cancel; the seller is told why and the order stays.
    let shopper = shopper_with(&app, &[sausage], "1").await;
    assert_eq!(place(&app, &shopper, "cod").await.status().as_u16(), 303);
    let o = the_order(&app).await;
    seller_step(&app, &seller, &o, "step", &[("step", "confirm")]).await;
    seller_step(&app, &seller, &o, "book", &[]).await;
    let code = the_order(&app).await.tracking_no.expect("booked");
    let (status, page) = save_settings(&app, &seller, &id, &pickup_and("ghn")).await;
    assert_eq!(status, 200, "{page}");
    let refused = seller_step(
        &app,
        &seller,
        &o,
        "step",
        &[("step", "cancel"), ("reason", "Khách đổi ý")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 409);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("không còn kết nối")
    );
    assert!(
        carriers
            .requests(&format!("/services/shipment/cancel/{code}"))
            .is_empty()
    );
    assert!(
        carriers
            .requests("/shiip/public-api/v2/switch-status/cancel")
            .is_empty()
    );
    assert_eq!(the_order(&app).await.state, OrderState::Confirmed);
}

/// Eight deliveries of one callback in flight together (a multi-threaded runtime; on
/// PostgreSQL the eight transactions overlap for real): one records it, the others find it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_status_update_delivered_many_times_at_once_moves_the_order_once() {
    let carriers = carriers_stand_in().await;
    let app = app_with_carriers(&carriers, None).await;
    let (seller, sausage, _, _) = danang_seller_on(&app, "ghn").await;
    let shopper = shopper_with(&app, &[sausage], "1").await;
    assert_eq!(place(&app, &shopper, "cod").await.status().as_u16(), 303);
    let o = the_order(&app).await;
    seller_step(&app, &seller, &o, "step", &[("step", "confirm")]).await;
    seller_step(&app, &seller, &o, "book", &[]).await;
    // Shipped already; then eight copies of "delivered" arrive together.
    let mut shipped: order::ActiveModel = the_order(&app).await.into();
    shipped.state = Set(OrderState::Shipped);
    shipped.update(&app.db).await.expect("shipped");
    let delivered = serde_json::json!({
        "OrderCode": "GHNSTAND1", "Status": "delivered", "Time": "2025-10-31T07:30:00Z",
    });
    let replies = futures::future::join_all(
        (0..8).map(|_| callback(&app, "ghn", &delivered, Some(CARRIER_SECRET), app.now)),
    )
    .await;
    let recorded = replies
        .iter()
        .filter(|(s, r)| *s == 200 && r["outcome"] == "recorded")
        .count();
    let settled = replies
        .iter()
        .filter(|(s, r)| (*s == 200 && r["outcome"] == "duplicate") || *s == 409)
        .count();
    assert_eq!((recorded, settled), (1, 7), "{replies:?}");
    assert_eq!(app.count("shipment_events", "").await, 1);
    assert_eq!(app.count("order_events", "state = 'delivered'").await, 1);
    let o = the_order(&app).await;
    assert_eq!(
        (o.state, o.payment_state),
        (OrderState::Delivered, PaymentState::Paid)
    );
}

/// A browser signed in with a demo account's password, through the sign-in form.
async fn demo_browser(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let client = browser();
    let token = csrf(app, &client, "/account/login").await;
    let signed = post_form(
        app,
        &client,
        "/account/login",
        &[("csrf", &token), ("email", email), ("password", password)],
    )
    .await;
    assert_eq!(signed.status().as_u16(), 303, "{email} signs in");
    client
}

#[tokio::test]
async fn the_demo_seller_can_switch_to_its_ghn_account_and_the_demo_shopper_gets_its_quote() {
    use ocop_village::domain::states::ListingState;
    let carriers = carriers_stand_in().await;
    let app = app_with_carriers(&carriers, None).await;
    app.seed_demo().await;
    let password = |email: &str| {
        ocop_village_tools::seed::DEMO_ACCOUNTS
            .iter()
            .find(|(_, e, _)| *e == email)
            .map(|(_, _, p)| *p)
            .expect("a demo account")
    };
    let seller = demo_browser(&app, "nguoiban@ocop.demo", password("nguoiban@ocop.demo")).await;
    let form = seller
        .get(format!("{}/seller/shipping", app.address))
        .send()
        .await
        .expect("settings")
        .text()
        .await
        .expect("body");
    // The demo seller starts on its own table rates, with a pick-up address.
    assert!(
        form.contains("name=\"band_0_elsewhere\" inputmode=\"numeric\" size=\"8\" value=\"35000\""),
        "{form}"
    );
    let at = form
        .find("name=\"seller\" value=\"")
        .expect("the seller field")
        + 21;
    let id: String = form[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (status, page) = save_settings(&app, &seller, &id, &pickup_and("ghn")).await;
    assert_eq!(status, 200, "{page}");

    let shopper = demo_browser(&app, "khach@ocop.demo", password("khach@ocop.demo")).await;
    let candidates = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(id.parse::<i64>().expect("an id")))
        .filter(listing::Column::State.eq(ListingState::Published))
        .filter(listing::Column::Stock.gt(0))
        .all(&app.db)
        .await
        .expect("listings");
    let mut added = false;
    for l in candidates {
        let response = post_with_csrf(
            &app,
            &shopper,
            "/cart/add",
            &[("listing", &l.pid.to_string()), ("quantity", "1")],
        )
        .await;
        if response.status().as_u16() == 303 {
            added = true;
            break;
        }
    }
    assert!(added, "a demo product is for sale");
    // The checkout starts from the shopper's default address, quoted by GHN.
    let (page, _) = checkout_form(&app, &shopper).await;
    assert!(page.contains("GHN") && page.contains("41.000"), "{page}");
    let asked = carriers.requests("/shiip/public-api/v2/shipping-order/fee");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].token, GHN_TOKEN);
}
