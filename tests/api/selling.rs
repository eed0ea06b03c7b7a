//! Listing rules, the role/scope matrix over real routes, the token API, and listings
//! following their certificates (delisting, reminders, republishing after renewal).
use ocop_village::db::entities::{listing, user};
use ocop_village::features::catalog::lifecycle;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, at, csrf, edit_line, field, join, post_form, sample_lines, sample_registry, spawn_app,
    spawn_app_at,
};

/// Tuyên Quang: active OCOP-TQ-2024-0001, OCOP-TQ-2025-0001, OCOP-TQ-2025-0007; expired
/// OCOP-TQ-2021-0001.
const SELLER_A: &str = "2510996049";
/// Vĩnh Long: active OCOP-VL-2025-0001 and OCOP-QG-2022-0004 (expires 2025-12-27).
const SELLER_B: &str = "4411348896";

struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .app
            .client
            .request(method, format!("{}{path}", self.app.address))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }
}

async fn api_for<'a>(app: &'a TestApp, user: &user::Model) -> Api<'a> {
    let token = ocop_village::features::accounts::tokens::create(&app.db, user.id, "test", app.now)
        .await
        .expect("token");
    Api { app, token }
}

async fn two_sellers(app: &TestApp) -> (Api<'_>, Api<'_>, ocop_village::domain::ids::SellerId) {
    app.import(sample_registry(), false).await.expect("import");
    let (_, a) = app.signed_in("a@example.vn").await;
    let seller_a = app.make_member(&a, SELLER_A).await;
    let (_, b) = app.signed_in("b@example.vn").await;
    app.make_member(&b, SELLER_B).await;
    (api_for(app, &a).await, api_for(app, &b).await, seller_a.id)
}

async fn listing_row(app: &TestApp, pid: &str) -> listing::Model {
    listing::Entity::find()
        .filter(listing::Column::Pid.eq(uuid::Uuid::parse_str(pid).expect("uuid")))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the listing")
}

#[tokio::test]
async fn a_seller_lists_only_its_own_active_certificates() {
    let app = spawn_app().await;
    let (a, _, _) = two_sellers(&app).await;

    // Publishing needs a price.
    let (status, body) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-TQ-2024-0001", "publish": true}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("price_required"))
    );
    assert_eq!(app.count("listings", "").await, 0);

    // Its own active certificate: a draft until published with a price.
    let (status, created) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-TQ-2024-0001", "stock": 12, "unit": "chai 500 ml"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["state"], "draft");
    assert_eq!(created["title"], "Cam sành Hà Giang loại 1 Chí Vượng");
    assert_eq!(created["stars"], 3, "stars come from the registry");
    let pid = created["pid"].as_str().expect("pid").to_owned();
    let (status, body) = a
        .patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"state": "published"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("price_required")),
        "no price yet: {body}"
    );
    let (status, body) = a
        .patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"price_vnd": 185000, "state": "published"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["listing"]["state"], "published");
    app.wait_for_outbox().await;
    let (_, page) = app
        .get_json("/api/v1/listings?province=tuyen-quang&per_page=50")
        .await;
    assert!(
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["slug"] == body["listing"]["slug"]),
        "the published listing is visible"
    );

    // Listed already.
    let (status, body) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-TQ-2024-0001", "price_vnd": 1000}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("already_listed"))
    );
    // Another participant's certificate.
    let (status, body) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-VL-2025-0001", "price_vnd": 1000}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("foreign_certificate"))
    );
    // Its own, but expired.
    let (status, body) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-TQ-2021-0001", "price_vnd": 1000}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("inactive_certificate"))
    );
    assert_eq!(app.count("listings", "").await, 1);
}

#[tokio::test]
async fn registry_fields_cannot_be_edited() {
    let app = spawn_app().await;
    let (a, _, _) = two_sellers(&app).await;
    let (_, created) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-TQ-2025-0001", "price_vnd": 90000}),
        )
        .await;
    let pid = created["pid"].as_str().expect("pid").to_owned();
    for (field, value) in [
        ("stars", json!(5)),
        ("title", json!("Rượu hảo hạng")),
        ("province_code", json!("ha-noi")),
        ("expires_on", json!("2099-01-01")),
        ("certificate_no", json!("OCOP-VL-2025-0001")),
    ] {
        let (status, body) = a
            .patch(
                &format!("/api/v1/seller/listings/{pid}"),
                json!({ field: value, "price_vnd": 1 }),
            )
            .await;
        assert_eq!(status, 400, "{field}");
        assert_eq!(body["error"]["code"], "registry_field", "{field}");
    }
    // Unknown fields are refused too, and nothing changed.
    let (status, body) = a
        .patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"colour": "red"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_body"))
    );
    let (status, body) = a
        .patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"price_vnd": -5}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_listing"))
    );
    assert_eq!(listing_row(&app, &pid).await.price_vnd.dong(), 90000);

    // The registry-backed values are what the listing shows.
    let (_, detail) = a.get(&format!("/api/v1/seller/listings/{pid}")).await;
    assert_eq!(detail["listing"]["stars"], created["stars"]);
    assert_eq!(detail["listing"]["certificate_no"], "OCOP-TQ-2025-0001");
}

#[tokio::test]
async fn seller_a_cannot_read_or_change_seller_b_listings_or_photos() {
    let app = spawn_app().await;
    let (a, b, _) = two_sellers(&app).await;
    let (_, created) = b
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-VL-2025-0001", "price_vnd": 50000, "publish": true}),
        )
        .await;
    let pid = created["pid"].as_str().expect("pid").to_owned();
    let photo = crate::photos::jpeg(64, 48);
    let uploaded = app
        .client
        .post(format!(
            "{}/api/v1/seller/listings/{pid}/photos",
            app.address
        ))
        .bearer_auth(&b.token)
        .body(photo.clone())
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status().as_u16(), 201);
    let photo_id = uploaded.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");

    // Through the API: not found, whatever A tries.
    assert_eq!(
        a.get(&format!("/api/v1/seller/listings/{pid}")).await.0,
        404
    );
    assert_eq!(
        a.patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"price_vnd": 1})
        )
        .await
        .0,
        404
    );
    assert_eq!(
        a.patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"state": "paused"})
        )
        .await
        .0,
        404
    );
    let upload = app
        .client
        .post(format!(
            "{}/api/v1/seller/listings/{pid}/photos",
            app.address
        ))
        .bearer_auth(&a.token)
        .body(photo)
        .send()
        .await
        .expect("upload");
    assert_eq!(upload.status().as_u16(), 404);
    assert_eq!(
        a.send(
            reqwest::Method::DELETE,
            &format!("/api/v1/seller/listings/{pid}/photos/{photo_id}"),
            None
        )
        .await
        .0,
        404
    );
    let (_, own) = a.get("/api/v1/seller/listings").await;
    assert_eq!(own["listings"].as_array().expect("list").len(), 0);

    // Through the seller area pages too.
    let (browser_a, _) = app.signed_in("a2@example.vn").await;
    let user_a2 = user::Entity::find()
        .filter(user::Column::Email.eq("a2@example.vn"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("user");
    app.make_member(&user_a2, SELLER_A).await;
    let page = browser_a
        .get(format!("{}/seller/listings/{pid}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 404);
    let token = csrf(&app, &browser_a, "/seller/apply").await;
    for (path, form) in [
        (
            format!("/seller/listings/{pid}/state"),
            vec![("state", "paused")],
        ),
        (
            format!("/seller/listings/{pid}"),
            vec![
                ("price_vnd", "1"),
                ("stock", "1"),
                ("unit", "x"),
                ("weight_grams", "1"),
                ("description_vi", ""),
                ("description_en", ""),
            ],
        ),
        (
            format!("/seller/listings/{pid}/photos/{photo_id}/delete"),
            vec![],
        ),
        (
            format!("/seller/listings/{pid}/photos/{photo_id}/move"),
            vec![("direction", "down")],
        ),
    ] {
        let mut fields = vec![("csrf", token.as_str())];
        fields.extend(form);
        let response = post_form(&app, &browser_a, &path, &fields).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    // Creating a listing for B's seller is refused as well.
    let seller_b = listing_row(&app, &pid).await.seller_id.to_string();
    let response = post_form(
        &app,
        &browser_a,
        "/seller/listings/new",
        &[
            ("csrf", &token),
            ("seller_id", &seller_b),
            ("certificate_no", "OCOP-QG-2022-0004"),
            ("price_vnd", "1000"),
            ("stock", "1"),
            ("unit", "x"),
            ("weight_grams", "1"),
            ("description_vi", ""),
            ("description_en", ""),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 403);

    let row = listing_row(&app, &pid).await;
    assert_eq!(
        (row.price_vnd.dong(), row.state.as_str()),
        (50000, "published")
    );
    assert_eq!(app.count("listing_photos", "").await, 1);
}

#[tokio::test]
async fn an_officer_acts_only_in_its_own_province() {
    let app = spawn_app().await;
    let (a, _, _) = two_sellers(&app).await;
    let (_, created) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-TQ-2025-0007", "price_vnd": 70000, "publish": true}),
        )
        .await;
    let pid = created["pid"].as_str().expect("pid").to_owned();
    let slug = created["slug"].as_str().expect("slug").to_owned();

    let (hue, hue_officer) = app.signed_in("hue@example.vn").await;
    app.make_officer(&hue_officer, "hue").await;
    let token = csrf(&app, &hue, "/officer").await;
    let response = post_form(
        &app,
        &hue,
        "/officer/listings/delist",
        &[
            ("csrf", &token),
            ("product", &format!("/products/{slug}")),
            ("reason", "Nhãn sai quy định"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(listing_row(&app, &pid).await.state, "published");

    let (tq, tq_officer) = app.signed_in("tq@example.vn").await;
    app.make_officer(&tq_officer, "tuyen-quang").await;
    let token = csrf(&app, &tq, "/officer").await;
    let response = post_form(
        &app,
        &tq,
        "/officer/listings/delist",
        &[
            ("csrf", &token),
            ("product", &format!("/products/{slug}")),
            ("reason", "Nhãn sai quy định"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let row = listing_row(&app, &pid).await;
    assert_eq!(row.state, "delisted");
    assert_eq!(row.delisted_by.as_deref(), Some("officer"));
    let log = ocop_village::audit::for_subject(&app.db, "listing", &pid)
        .await
        .expect("audit");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor_user_id, Some(tq_officer.id));

    // The seller cannot undo an officer's delisting.
    let (status, body) = a
        .patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"state": "published"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("delisted_by_officer"))
    );
    app.wait_for_outbox().await;
    assert_eq!(
        app.get(&format!("/products/{slug}"))
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn tokens_are_made_on_the_account_page_and_can_be_revoked() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (browser, user) = app.signed_in("tok@example.vn").await;
    app.make_member(&user, SELLER_A).await;
    let token = csrf(&app, &browser, "/account").await;
    let html = post_form(
        &app,
        &browser,
        "/account/tokens",
        &[("csrf", &token), ("name", "livestream")],
    )
    .await
    .text()
    .await
    .expect("body");
    let start = html
        .find("<code>ocop_")
        .expect("the new token is shown once")
        + 6;
    let end = start + html[start..].find('<').expect("end");
    let api = Api {
        app: &app,
        token: html[start..end].to_owned(),
    };
    let (status, body) = api.get("/api/v1/seller/certificates").await;
    assert_eq!(status, 200);
    let certs = body[0]["certificates"].as_array().expect("certificates");
    assert!(
        certs
            .iter()
            .any(|c| c["certificate_no"] == "OCOP-TQ-2024-0001" && c["valid"] == true)
    );
    assert!(
        certs
            .iter()
            .any(|c| c["certificate_no"] == "OCOP-TQ-2021-0001" && c["valid"] == false)
    );
    // Shown once only.
    let again = browser
        .get(format!("{}/account", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(!again.contains(&api.token));

    let stored = app.count("api_tokens", "").await;
    assert_eq!(stored, 1);
    let id = ocop_village::features::accounts::tokens::list(&app.db, user.id)
        .await
        .expect("list")[0]
        .id;
    let response = post_form(
        &app,
        &browser,
        &format!("/account/tokens/{id}/revoke"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let (status, body) = api.get("/api/v1/seller/listings").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let anonymous = app.get("/api/v1/seller/listings").await;
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn the_openapi_document_describes_the_seller_api() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    for path in [
        "/api/v1/seller/listings",
        "/api/v1/seller/listings/{pid}",
        "/api/v1/seller/listings/{pid}/photos",
        "/api/v1/seller/listings/{pid}/photos/{photo_id}",
        "/api/v1/seller/certificates",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["paths"]["/api/v1/seller/listings/{pid}"]["patch"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ListingPatch"]["properties"]["price_vnd"].is_object());
    assert!(doc["components"]["schemas"]["ListingPatch"]["properties"]["stars"].is_null());
    // Pack sizes: at most ten, each with a required label and price.
    let sizes = &doc["components"]["schemas"]["ListingPatch"]["properties"]["variants"];
    assert_eq!(sizes["maxItems"], 10, "{sizes}");
    assert_eq!(
        doc["components"]["schemas"]["SizeBody"]["required"],
        json!(["label", "price_vnd"])
    );
    assert!(doc["components"]["schemas"]["ListingDetail"]["properties"]["variants"].is_object());
}

/// The sample registry with one certificate's status and expiry changed.
fn registry_with(certificate_no: &str, status: &str, expires_on: &str) -> Vec<u8> {
    let mut lines = sample_lines();
    let line = lines
        .iter()
        .position(|l| l.starts_with(certificate_no))
        .expect("the certificate")
        + 1;
    edit_line(&mut lines, line, "status", status);
    edit_line(&mut lines, line, "expires_on", expires_on);
    assert_eq!(field(&lines, line, "status"), status);
    join(&lines)
}

#[tokio::test]
async fn revoked_or_expired_certificates_delist_and_a_renewal_allows_republishing() {
    let app = spawn_app().await;
    let (a, _, _) = two_sellers(&app).await;
    let (_, created) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-TQ-2025-0001", "price_vnd": 120000, "publish": true}),
        )
        .await;
    let pid = created["pid"].as_str().expect("pid").to_owned();
    let slug = created["slug"].as_str().expect("slug").to_owned();
    app.wait_for_outbox().await;
    assert_eq!(
        app.get(&format!("/products/{slug}"))
            .await
            .status()
            .as_u16(),
        200
    );

    // Revoked in the registry: delisted at once, and gone from search.
    app.import(
        &registry_with("OCOP-TQ-2025-0001", "revoked", "2028-03-12"),
        false,
    )
    .await
    .expect("import");
    let row = listing_row(&app, &pid).await;
    assert_eq!(
        (row.state.as_str(), row.delisted_by.as_deref()),
        ("delisted", Some("system"))
    );
    app.wait_for_outbox().await;
    assert_eq!(
        app.get(&format!("/products/{slug}"))
            .await
            .status()
            .as_u16(),
        404
    );
    let (status, body) = a
        .patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"state": "published"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("inactive_certificate"))
    );

    // Renewed (active again with a new expiry date): the seller republishes.
    app.import(
        &registry_with("OCOP-TQ-2025-0001", "active", "2029-03-12"),
        false,
    )
    .await
    .expect("import");
    let (status, body) = a
        .patch(
            &format!("/api/v1/seller/listings/{pid}"),
            json!({"state": "published"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.wait_for_outbox().await;
    assert_eq!(
        app.get(&format!("/products/{slug}"))
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn the_daily_sweep_delists_on_expiry_and_reminders_come_at_60_30_and_7_days() {
    let app = spawn_app().await;
    let (_, b, _) = two_sellers(&app).await;
    // OCOP-QG-2022-0004 expires on 2025-12-27.
    let (_, created) = b
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-QG-2022-0004", "price_vnd": 65000, "publish": true}),
        )
        .await;
    let pid = created["pid"].as_str().expect("pid").to_owned();
    app.wait_for_outbox().await;
    let before = app.mail_to("b@example.vn").await.len();

    let reminders = |day| lifecycle::remind(&app.db, "http://t", day);
    // 56 days before: the 60-day reminder, once however often the sweep runs.
    assert_eq!(reminders(at(2025, 11, 1)).await.expect("sweep"), 1);
    assert_eq!(reminders(at(2025, 11, 2)).await.expect("sweep"), 0);
    // 27 days before: the 30-day one; 6 days before: the 7-day one.
    assert_eq!(reminders(at(2025, 11, 30)).await.expect("sweep"), 1);
    assert_eq!(reminders(at(2025, 12, 21)).await.expect("sweep"), 1);
    assert_eq!(reminders(at(2025, 12, 22)).await.expect("sweep"), 0);
    let mail = app.mail_to("b@example.vn").await;
    let subjects: Vec<&str> = mail[before..].iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(subjects[0].contains("hết hạn sau 56 ngày"));
    assert!(subjects[2].contains("hết hạn sau 6 ngày"));

    // On the expiry date the sweep delists it.
    assert_eq!(
        lifecycle::sweep(&app.db, at(2025, 12, 27))
            .await
            .expect("sweep"),
        1
    );
    let row = listing_row(&app, &pid).await;
    assert_eq!(
        (row.state.as_str(), row.delisted_by.as_deref()),
        ("delisted", Some("system"))
    );
}

#[tokio::test]
async fn a_seller_dashboard_warns_of_expiring_certificates() {
    // 2025-12-01: OCOP-QG-2022-0004 has 26 days left.
    let app = spawn_app_at(at(2025, 12, 1)).await;
    app.import(sample_registry(), false).await.expect("import");
    let (browser, user) = app.signed_in("dash@example.vn").await;
    app.make_member(&user, SELLER_B).await;
    let html = browser
        .get(format!("{}/seller", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(html.contains("còn 26 ngày"), "{html}");
    assert!(html.contains("/seller/listings/new?seller="));
    let seller_id = app.make_member(&user, SELLER_B).await.id.to_string();
    let form = browser
        .get(format!(
            "{}/seller/listings/new?seller={seller_id}&certificate=OCOP-VL-2025-0001",
            app.address
        ))
        .send()
        .await
        .expect("form");
    assert_eq!(form.status().as_u16(), 200);
    let form = form.text().await.expect("body");
    assert!(form.contains("Thông tin từ Hệ thống OCOP"));
    assert!(form.contains("Du lịch sinh thái cù lao An Bình"));
    // Another participant's certificate has no form.
    let foreign = browser
        .get(format!(
            "{}/seller/listings/new?seller={seller_id}&certificate=OCOP-TQ-2024-0001",
            app.address
        ))
        .send()
        .await
        .expect("form");
    assert_eq!(foreign.status().as_u16(), 404);

    // The form flow: create, then edit, through the pages.
    let token = csrf(&app, &browser, "/seller/apply").await;
    let response = post_form(
        &app,
        &browser,
        "/seller/listings/new",
        &[
            ("csrf", &token),
            ("seller_id", &seller_id),
            ("certificate_no", "OCOP-VL-2025-0001"),
            ("price_vnd", "150.000"),
            ("stock", "20"),
            ("unit", "hộp"),
            ("weight_grams", "500"),
            ("description_vi", "Kẹo dừa"),
            ("description_en", "Coconut candy"),
            ("publish", "1"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let pid = location.rsplit('/').next().expect("pid");
    let row = listing_row(&app, pid).await;
    assert_eq!(
        (row.price_vnd.dong(), row.stock, row.state.as_str()),
        (150_000, 20, "published")
    );
    let response = post_form(
        &app,
        &browser,
        &location,
        &[
            ("csrf", &token),
            ("price_vnd", "abc"),
            ("stock", "20"),
            ("unit", "hộp"),
            ("weight_grams", "500"),
            ("description_vi", ""),
            ("description_en", ""),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Giá phải là số nguyên")
    );
    assert_eq!(listing_row(&app, pid).await.price_vnd.dong(), 150_000);
}

#[tokio::test]
async fn the_api_sets_pack_sizes_and_answers_conflicts_with_409() {
    let app = spawn_app().await;
    let (a, b, _) = two_sellers(&app).await;
    let (status, created) = a
        .post(
            "/api/v1/seller/listings",
            json!({"certificate_no": "OCOP-TQ-2024-0001", "price_vnd": 185000, "stock": 12, "publish": true}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let path = format!(
        "/api/v1/seller/listings/{}",
        created["pid"].as_str().expect("pid")
    );
    // Two sizes (a price written as 350000.0 is the same whole number).
    let (status, body) = a
        .patch(
            &path,
            json!({"variants": [
                {"label": "Chai 500 ml", "price_vnd": 185000, "stock": 5},
                {"label": "Hộp 2 chai", "price_vnd": 350000.0, "stock": 2, "weight_grams": 2400}
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let sizes: Vec<(&str, i64, i64)> = body["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| {
            (
                v["label"].as_str().unwrap_or_default(),
                v["price_vnd"].as_i64().unwrap_or_default(),
                v["stock"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [("Chai 500 ml", 185_000, 5), ("Hộp 2 chai", 350_000, 2)]
    );
    assert_eq!(
        (&body["listing"]["price_vnd"], &body["listing"]["stock"]),
        (&json!(185000), &json!(7)),
        "the lowest price, the total stock"
    );
    // Conflicts are 409s, and change nothing.
    let (status, refused) = a
        .patch(
            &path,
            json!({"variants": [
                {"label": "Chai", "price_vnd": 1000},
                {"label": "chai ", "price_vnd": 2000}
            ]}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("sizes_conflict"))
    );
    let (status, refused) = a.patch(&path, json!({"price_vnd": 1000})).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("sizes_conflict"))
    );
    let (status, refused) = a
        .patch(
            &path,
            json!({"variants": [{"label": "Chai 500 ml", "price_vnd": 185000, "stock_delta": -6}]}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("stock_out_of_range"))
    );
    let (_, now) = a.get(&path).await;
    assert_eq!(now["variants"].as_array().map(Vec::len), Some(2), "{now}");
    // A size shows one of the listing's photos, beside its choice on the product page; a photo
    // that is not the listing's is a conflict; deleting the photo leaves the size without.
    let pid = created["pid"].as_str().expect("pid");
    let (status, photo) =
        crate::photos::upload(&app, &a.token, pid, crate::photos::jpeg(800, 600)).await;
    assert_eq!(status, 201, "{photo}");
    let photo_id = photo["id"].as_i64().expect("photo id");
    let with_photo = |id: i64| {
        json!({"variants": [
            {"label": "Chai 500 ml", "price_vnd": 185000},
            {"label": "Hộp 2 chai", "price_vnd": 350000, "photo_id": id}
        ]})
    };
    let (status, body) = a.patch(&path, with_photo(photo_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["variants"][1]["photo_id"], photo_id);
    assert_eq!(
        body["variants"][0]["stock"], 5,
        "a size without stock keeps its own"
    );
    let page = app
        .get_html(&format!(
            "/products/{}",
            created["slug"].as_str().expect("slug")
        ))
        .await;
    assert!(page.contains(r#"class="size-thumb""#), "{page}");
    let (status, refused) = a.patch(&path, with_photo(photo_id + 1000)).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("sizes_conflict"))
    );
    let gone = app
        .client
        .delete(format!("{}{path}/photos/{photo_id}", app.address))
        .bearer_auth(&a.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(gone.status().as_u16(), 204);
    let (_, now) = a.get(&path).await;
    assert_eq!(now["variants"][1]["photo_id"], Value::Null, "{now}");
    // Another seller's listing is not there for them.
    let (status, _) = b
        .patch(
            &path,
            json!({"variants": [{"label": "X", "price_vnd": 1000}]}),
        )
        .await;
    assert_eq!(status, 404);
    // An empty list removes them all; the listing keeps its price and stock.
    let (status, body) = a.patch(&path, json!({"variants": []})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["variants"], json!([]));
    assert_eq!(body["listing"]["stock"], 7);
}
