//! Provincial outlets: staff curate their province's products and keep consignment stock,
//! counter sales take the outlet's stock and count as the seller's sales in the outlet channel,
//! the reports add them up, the storefront shows them, and staff of one outlet cannot touch
//! another.
use ocop_village::db::entities::{checkout, order, outlet, registry_certificate};
use ocop_village::domain::ids::OutletId;
use ocop_village::domain::states::OrderState;
use ocop_village::features::accounts::auth::{Role, grant};
use ocop_village::features::orders;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::checkout::listing_of;
use crate::helpers::{TestApp, post_with_csrf, sample_registry, spawn_app};

pub(crate) async fn province_of(app: &TestApp, certificate: &str) -> String {
    registry_certificate::Entity::find()
        .filter(registry_certificate::Column::CertificateNo.eq(certificate))
        .one(&app.db)
        .await
        .expect("query")
        .expect("certificate")
        .province_code
}

/// An outlet in `province` with one signed-in staff member.
pub(crate) async fn outlet_with_staff(
    app: &TestApp,
    slug: &str,
    province: &str,
    email: &str,
) -> (outlet::Model, reqwest::Client) {
    let shop = outlet::ActiveModel {
        slug: Set(slug.into()),
        name: Set(format!("Điểm bán OCOP {province}")),
        province_code: Set(province.into()),
        created_at: Set(app.now),
        tagline: Set(String::new()),
        address: Set("1 Quảng trường".into()),
        opening_hours: Set("7:30–21:00".into()),
        map_url: Set(None),
        color: Set("#1d6b3a".into()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("outlet");
    let (client, user) = app.signed_in(email).await;
    grant(
        &app.db,
        user.id,
        Role::OutletStaff,
        None,
        Some(shop.id),
        None,
        app.now,
    )
    .await
    .expect("staff");
    (shop, client)
}

async fn outlet_stock(app: &TestApp) -> i32 {
    ocop_village::db::entities::outlet_listing::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("carried")
        .stock
}

#[tokio::test]
async fn counter_sales_take_the_outlets_stock_and_count_in_the_outlet_channel() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(
        &app,
        "tra@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        20,
    )
    .await;
    let (_, foreign) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2023-0001",
        5,
    )
    .await;
    let province = province_of(&app, "OCOP-TQ-2024-0001").await;
    let (shop, staff) = outlet_with_staff(&app, "ocop-tq", &province, "staff@example.vn").await;
    let id = shop.id.to_string();

    // The products of its province are offered for its shelves, once each.
    let offered = |page: &str| {
        let list = page
            .split("id=\"carry-listing\"")
            .nth(1)
            .and_then(|rest| rest.split("</select>").next())
            .unwrap_or("");
        list.matches(&format!("<option value=\"{pid}\">")).count()
    };
    let counter = |staff: &reqwest::Client| {
        let url = format!("{}/outlet", app.address);
        let staff = staff.clone();
        async move {
            let response = staff.get(url).send().await.expect("page");
            response.text().await.expect("body")
        }
    };
    let page = counter(&staff).await;
    assert_eq!(offered(&page), 1, "offered to shelve");
    assert!(page.contains("0 lượt bán, 0 sản phẩm"), "nothing sold yet");
    assert_eq!(page.matches(&format!("value=\"{foreign}\"")).count(), 0);

    // Only products of the outlet's own province.
    let refused = post_with_csrf(
        &app,
        &staff,
        "/outlet/carry",
        &[("outlet", &id), ("listing", &foreign.to_string())],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 400);
    let carried = post_with_csrf(
        &app,
        &staff,
        "/outlet/carry",
        &[("outlet", &id), ("listing", &pid.to_string())],
    )
    .await;
    assert_eq!(carried.status().as_u16(), 303);
    let page = counter(&staff).await;
    assert_eq!(offered(&page), 0, "on the shelf, no longer offered");
    assert!(
        page.contains(&format!("id=\"stock-{pid}\"")),
        "in the shelf table"
    );
    let stocked = post_with_csrf(
        &app,
        &staff,
        "/outlet/stock",
        &[
            ("outlet", &id),
            ("listing", &pid.to_string()),
            ("stock", "5"),
        ],
    )
    .await;
    assert_eq!(stocked.status().as_u16(), 303);
    assert_eq!(outlet_stock(&app).await, 5);

    // Two units sold at the counter, at the outlet's price; the same form twice is one sale.
    let key = uuid::Uuid::new_v4().to_string();
    for _ in 0..2 {
        let sold = post_with_csrf(
            &app,
            &staff,
            "/outlet/sale",
            &[
                ("outlet", &id),
                ("listing", &pid.to_string()),
                ("quantity", "2"),
                ("unit_price_vnd", "45.000"),
                ("payment", "cash"),
                ("idempotency_key", &key),
            ],
        )
        .await;
        assert_eq!(sold.status().as_u16(), 303);
        assert!(
            sold.headers()["location"]
                .to_str()
                .expect("ascii")
                .contains("sold=OV-")
        );
    }
    assert_eq!(outlet_stock(&app).await, 3, "the outlet's stock");
    assert_eq!(
        app.count("listings", "stock = 20").await,
        1,
        "the web stock is untouched"
    );
    let sale = checkout::Entity::find()
        .filter(checkout::Column::Channel.eq("outlet"))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(sale.len(), 1);
    assert_eq!(
        (sale[0].outlet_id, sale[0].total_vnd.dong()),
        (Some(shop.id), 90_000)
    );
    let sold = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(sale[0].id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("order");
    assert_eq!(
        (sold.state.as_str(), sold.payment_state.as_str()),
        ("delivered", "paid")
    );
    assert_eq!(
        sold.seller_id,
        crate::helpers::seller_of_listing(&app, pid).await
    );

    // More than the outlet holds is refused with the count.
    let too_many = post_with_csrf(
        &app,
        &staff,
        "/outlet/sale",
        &[
            ("outlet", &id),
            ("listing", &pid.to_string()),
            ("quantity", "4"),
            ("unit_price_vnd", "45000"),
            ("payment", "card"),
            ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
        ],
    )
    .await;
    assert_eq!(too_many.status().as_u16(), 400);
    assert!(
        too_many
            .text()
            .await
            .expect("body")
            .contains("Điểm bán chỉ còn 3.")
    );
    assert_eq!(outlet_stock(&app).await, 3);

    // The report and the low-stock list; the storefront shows the product and its stock.
    let report = ocop_village::features::outlets::report(&app.db, shop.id)
        .await
        .expect("report");
    assert_eq!(
        (report.sales, report.units, report.revenue_vnd.dong()),
        (1, 2, 90_000)
    );
    assert_eq!(report.by_seller.len(), 1);
    assert_eq!(report.by_product[0].revenue_vnd.dong(), 90_000);
    let page = staff
        .get(format!("{}/outlet", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Sắp hết hàng"), "3 left is running low");
    assert!(
        page.contains("1 lượt bán, 2 sản phẩm"),
        "the report follows the sale"
    );
    app.wait_for_outbox().await;
    let store = app.get_html("/outlets/ocop-tq").await;
    assert!(store.contains("Còn 3 tại điểm bán"), "{store}");
    assert!(store.contains("7:30–21:00"));
    assert_eq!(
        app.get("/outlets/no-such-outlet").await.status().as_u16(),
        404
    );

    // A refund recorded through another instance (the order's step taken on the database,
    // not through this instance, which sees no change of the catalog) leaves the sale out at
    // the next view, though the report was kept a moment before.
    assert!(counter(&staff).await.contains("1 lượt bán, 2 sản phẩm"));
    let refund = orders::Step::Refund {
        reason: "trả tiền mặt tại quầy".to_owned(),
    };
    let refunded = orders::apply_system(&app.db, &sold, &refund, chrono::Utc::now())
        .await
        .expect("refund");
    assert_eq!(refunded.state, OrderState::Refunded);
    assert!(
        counter(&staff).await.contains("0 lượt bán, 0 sản phẩm"),
        "the kept report follows the refund"
    );

    // The shelf form carries the count it showed: staff who saw 5 and typed 8 (three
    // delivered) after two were sold meanwhile leave 6, not 8; below zero is refused.
    let delivered = post_with_csrf(
        &app,
        &staff,
        "/outlet/stock",
        &[
            ("outlet", &id),
            ("listing", &pid.to_string()),
            ("stock", "8"),
            ("stock_seen", "5"),
        ],
    )
    .await;
    assert_eq!(delivered.status().as_u16(), 303);
    assert_eq!(outlet_stock(&app).await, 6);
    let too_few = post_with_csrf(
        &app,
        &staff,
        "/outlet/stock",
        &[
            ("outlet", &id),
            ("listing", &pid.to_string()),
            ("stock", "0"),
            ("stock_seen", "10"),
        ],
    )
    .await;
    assert_eq!(too_few.status().as_u16(), 400);
    assert_eq!(outlet_stock(&app).await, 6);
}

#[tokio::test]
async fn staff_of_one_outlet_cannot_touch_another() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(
        &app,
        "tra@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        20,
    )
    .await;
    let province = province_of(&app, "OCOP-TQ-2024-0001").await;
    let (shop_a, staff_a) = outlet_with_staff(&app, "ocop-a", &province, "a@example.vn").await;
    let (_, staff_b) = outlet_with_staff(&app, "ocop-b", &province, "b2@example.vn").await;
    let a = shop_a.id.to_string();
    post_with_csrf(
        &app,
        &staff_a,
        "/outlet/carry",
        &[("outlet", &a), ("listing", &pid.to_string())],
    )
    .await;
    post_with_csrf(
        &app,
        &staff_a,
        "/outlet/stock",
        &[
            ("outlet", &a),
            ("listing", &pid.to_string()),
            ("stock", "5"),
        ],
    )
    .await;

    let page = staff_b
        .get(format!("{}/outlet?outlet={a}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 404);
    for (path, fields) in [
        (
            "/outlet/stock",
            vec![("listing", pid.to_string()), ("stock", "99".to_owned())],
        ),
        ("/outlet/carry", vec![("listing", pid.to_string())]),
        (
            "/outlet/sale",
            vec![
                ("listing", pid.to_string()),
                ("quantity", "1".to_owned()),
                ("unit_price_vnd", "1000".to_owned()),
                ("payment", "cash".to_owned()),
                ("idempotency_key", uuid::Uuid::new_v4().to_string()),
            ],
        ),
        (
            "/outlet/profile",
            vec![
                ("tagline", "hacked".to_owned()),
                ("address", String::new()),
                ("opening_hours", String::new()),
                ("map_url", String::new()),
                ("color", "#000000".to_owned()),
            ],
        ),
    ] {
        let mut form: Vec<(&str, &str)> = vec![("outlet", a.as_str())];
        form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let response = post_with_csrf(&app, &staff_b, path, &form).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    assert_eq!(outlet_stock(&app).await, 5, "nothing changed");
    assert_eq!(app.count("checkouts", "channel = 'outlet'").await, 0);
    // A shopper (no outlet) is refused the staff page.
    let (shopper, _) = app.signed_in("khach@example.vn").await;
    let refused = shopper
        .get(format!("{}/outlet", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(refused.status().as_u16(), 403);
    // Staff A may set the profile; a colour that is not #rrggbb is refused.
    let bad = post_with_csrf(
        &app,
        &staff_a,
        "/outlet/profile",
        &[
            ("outlet", &a),
            ("tagline", "Tinh hoa"),
            ("address", ""),
            ("opening_hours", ""),
            ("map_url", ""),
            ("color", "red;x"),
        ],
    )
    .await;
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test]
async fn administrators_create_outlets_from_the_command_line_with_checked_fields() {
    let app = spawn_app().await;
    let created = ocop_village::features::outlets::create(
        &app.db,
        None,
        &app.reference,
        "ocop-ha-giang",
        "Hà Giang",
        "Điểm bán OCOP Tuyên Quang",
        app.now,
    )
    .await
    .expect("created");
    // A former province's name resolves to today's province.
    assert_eq!(created.province_code, "tuyen-quang");
    assert_eq!(app.count("audit_log", "action = 'outlet.created'").await, 1);
    for (slug, province, name) in [
        ("ocop-ha-giang", "tuyen-quang", "Another one"),
        ("Bad Slug!", "tuyen-quang", "Điểm bán"),
        ("ocop-x", "Atlantis", "Điểm bán"),
        ("ocop-y", "tuyen-quang", "x"),
    ] {
        let refused = ocop_village::features::outlets::create(
            &app.db,
            None,
            &app.reference,
            slug,
            province,
            name,
            app.now,
        )
        .await;
        assert!(refused.is_err(), "{slug} {province} {name}");
    }
    assert_eq!(app.count("outlets", "").await, 1);
}

#[tokio::test]
async fn a_shopper_collects_at_the_outlet_from_its_shelf_and_a_cancellation_puts_it_back() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) = listing_of(
        &app,
        "tra@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        20,
    )
    .await;
    let province = province_of(&app, "OCOP-TQ-2024-0001").await;
    let (shop, staff) = outlet_with_staff(&app, "ocop-tq", &province, "staff@example.vn").await;
    let id = shop.id.to_string();
    post_with_csrf(
        &app,
        &staff,
        "/outlet/carry",
        &[("outlet", &id), ("listing", &pid.to_string())],
    )
    .await;
    post_with_csrf(
        &app,
        &staff,
        "/outlet/stock",
        &[
            ("outlet", &id),
            ("listing", &pid.to_string()),
            ("stock", "3"),
        ],
    )
    .await;

    let shopper = crate::helpers::browser();
    let token = crate::helpers::csrf(&app, &shopper, "/account/login").await;
    // Four units: more than the outlet holds, so collecting there is not offered.
    crate::helpers::post_form(
        &app,
        &shopper,
        "/cart/add",
        &[
            ("csrf", &token),
            ("listing", &pid.to_string()),
            ("quantity", "4"),
        ],
    )
    .await;
    let (form, key) = crate::helpers::checkout_form(&app, &shopper).await;
    assert!(!form.contains("pickup-"), "not enough on the shelf");
    crate::helpers::post_form(
        &app,
        &shopper,
        "/cart/update",
        &[
            ("csrf", &token),
            ("listing", &pid.to_string()),
            ("quantity", "2"),
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
    let pickup = format!("pickup-{}", shop.id);
    assert!(
        form.contains(&pickup),
        "collecting at the outlet is offered"
    );
    // No street or commune needed to collect.
    let placed = crate::helpers::post_form(
        &app,
        &shopper,
        "/checkout",
        &[
            ("csrf", &token),
            ("idempotency_key", &key),
            ("name", "Nguyễn Thị Lan"),
            ("email", "lan@example.vn"),
            ("phone", "0912345678"),
            ("delivery", &pickup),
            ("payment", "cod"),
        ],
    )
    .await;
    assert_eq!(placed.status().as_u16(), 303);
    assert_eq!(outlet_stock(&app).await, 1, "taken from the outlet's shelf");
    assert_eq!(
        app.count("listings", "stock = 20").await,
        1,
        "not from the web stock"
    );
    let made = checkout::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("checkout");
    assert_eq!(
        (made.outlet_id, made.channel.as_str()),
        (Some(shop.id), "web")
    );
    let page = shopper
        .get(format!(
            "{}{}",
            app.address,
            placed.headers()["location"].to_str().expect("ascii")
        ))
        .send()
        .await
        .expect("order page")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("/outlets/ocop-tq"),
        "the order page says where to collect"
    );

    // The seller cancels: the units go back on the outlet's shelf.
    let o = order::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("order");
    let cancelled = post_with_csrf(
        &app,
        &seller,
        &format!("/seller/orders/{}/step", o.pid),
        &[("step", "cancel"), ("reason", "Không đến nhận")],
    )
    .await;
    assert_eq!(cancelled.status().as_u16(), 303);
    assert_eq!(outlet_stock(&app).await, 3);
    assert_eq!(app.count("listings", "stock = 20").await, 1);
}

#[tokio::test]
async fn an_outlets_storefront_searches_only_the_products_it_carries() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, carried) = listing_of(
        &app,
        "tra@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        20,
    )
    .await;
    let (_, other) = listing_of(
        &app,
        "tra2@example.vn",
        "2510996049",
        "OCOP-TQ-2025-0001",
        20,
    )
    .await;
    let province = province_of(&app, "OCOP-TQ-2024-0001").await;
    let (shop, staff) = outlet_with_staff(&app, "ocop-tq", &province, "staff@example.vn").await;
    let id = shop.id.to_string();
    let added = post_with_csrf(
        &app,
        &staff,
        "/outlet/carry",
        &[("outlet", &id), ("listing", &carried.to_string())],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);
    app.wait_for_outbox().await;

    // The API and the storefront find the carried product and not the other one.
    let (status, all) = app.get_json("/api/v1/search?outlet=ocop-tq").await;
    assert_eq!(status, 200);
    assert_eq!(all["total"], 1, "{all}");
    assert_eq!(all["hits"][0]["listing_id"], carried.to_string());
    let (_, whole) = app.get_json("/api/v1/search").await;
    assert!(
        whole["total"].as_u64().expect("total") > 1,
        "the site finds both"
    );
    let (status, bad) = app.get_json("/api/v1/search?outlet=Not%20A%20Slug").await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (400, Some("invalid_outlet"))
    );

    let page = app.get_html("/outlets/ocop-tq").await;
    assert!(
        page.contains(r#"action="/outlets/ocop-tq""#),
        "the search form stays here"
    );
    assert!(
        page.contains("Đặt trực tuyến"),
        "no units on the shelf yet: {page}"
    );
    assert!(
        page.contains(r#"href="/outlets/ocop-tq?stars&#x3D;"#),
        "facet links stay in the outlet"
    );
    assert!(!page.contains(&other.to_string()));
    // A query that matches nothing the outlet carries.
    let none = app.get_html("/outlets/ocop-tq?q=zzzzzz").await;
    assert!(
        none.contains("0 sản phẩm") || none.contains("Không tìm thấy"),
        "{none}"
    );
    assert_eq!(
        app.get("/outlets/ocop-tq?stars=9").await.status().as_u16(),
        400
    );

    // Stopping carrying a product is refused while units are on the shelf, then done.
    post_with_csrf(
        &app,
        &staff,
        "/outlet/stock",
        &[
            ("outlet", &id),
            ("listing", &carried.to_string()),
            ("stock", "2"),
        ],
    )
    .await;
    let refused = post_with_csrf(
        &app,
        &staff,
        "/outlet/uncarry",
        &[("outlet", &id), ("listing", &carried.to_string())],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 400);
    post_with_csrf(
        &app,
        &staff,
        "/outlet/stock",
        &[
            ("outlet", &id),
            ("listing", &carried.to_string()),
            ("stock", "0"),
        ],
    )
    .await;
    let removed = post_with_csrf(
        &app,
        &staff,
        "/outlet/uncarry",
        &[("outlet", &id), ("listing", &carried.to_string())],
    )
    .await;
    assert_eq!(removed.status().as_u16(), 303);
    app.wait_for_outbox().await;
    let (_, after) = app.get_json("/api/v1/search?outlet=ocop-tq").await;
    assert_eq!(after["total"], 0, "{after}");
}

fn upload_form(
    token: &str,
    outlet: OutletId,
    kind: &str,
    bytes: Vec<u8>,
) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("outlet", outlet.to_string())
        .text("kind", kind.to_owned())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(bytes).file_name("logo.jpg"),
        )
}

#[tokio::test]
async fn staff_upload_a_logo_and_a_banner_that_the_storefront_shows() {
    let app = spawn_app().await;
    let (shop, staff) = outlet_with_staff(&app, "ocop-hue", "hue", "hue@example.vn").await;
    let token = crate::helpers::csrf(&app, &staff, "/outlet").await;
    for (kind, w, h) in [("logo", 400, 400), ("banner", 1800, 600)] {
        let sent = staff
            .post(format!("{}/outlet/images", app.address))
            .multipart(upload_form(
                &token,
                shop.id,
                kind,
                crate::photos::jpeg(w, h),
            ))
            .send()
            .await
            .expect("upload");
        assert_eq!(sent.status().as_u16(), 303, "{kind}");
    }
    let saved = outlet::Entity::find_by_id(shop.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("outlet");
    let logo = saved.logo_key.clone().expect("a logo");
    let banner = saved.banner_key.clone().expect("a banner");
    assert_eq!(saved.logo_variants, "320");
    assert_eq!(saved.banner_variants, "320,800,1600");
    let page = app.get_html("/outlets/ocop-hue").await;
    assert!(
        page.contains(&format!("/media/photos/{}/{logo}/320.jpg", &logo[..2])),
        "{page}"
    );
    assert!(page.contains(&format!("/media/photos/{}/{banner}/800.jpg", &banner[..2])));
    assert!(page.contains(&format!(
        "/media/photos/{}/{banner}/1600.jpg 1600w",
        &banner[..2]
    )));
    let served = app
        .get(&format!("/media/photos/{}/{logo}/320.jpg", &logo[..2]))
        .await;
    assert_eq!(served.status().as_u16(), 200);

    // Not a picture, a bad kind, a forged token, another outlet's staff.
    let text = staff
        .post(format!("{}/outlet/images", app.address))
        .multipart(upload_form(&token, shop.id, "logo", b"plain text".to_vec()))
        .send()
        .await
        .expect("upload");
    assert_eq!(text.status().as_u16(), 400);
    let kind = staff
        .post(format!("{}/outlet/images", app.address))
        .multipart(upload_form(
            &token,
            shop.id,
            "avatar",
            crate::photos::jpeg(10, 10),
        ))
        .send()
        .await
        .expect("upload");
    assert_eq!(kind.status().as_u16(), 400);
    let forged = staff
        .post(format!("{}/outlet/images", app.address))
        .multipart(upload_form(
            "forged",
            shop.id,
            "logo",
            crate::photos::jpeg(10, 10),
        ))
        .send()
        .await
        .expect("upload");
    assert_eq!(forged.status().as_u16(), 403);
    let (_, stranger) = outlet_with_staff(&app, "ocop-khac", "hue", "khac@example.vn").await;
    let token = crate::helpers::csrf(&app, &stranger, "/outlet").await;
    let foreign = stranger
        .post(format!("{}/outlet/images", app.address))
        .multipart(upload_form(
            &token,
            shop.id,
            "logo",
            crate::photos::jpeg(10, 10),
        ))
        .send()
        .await
        .expect("upload");
    assert_eq!(foreign.status().as_u16(), 404);
    let unchanged = outlet::Entity::find_by_id(shop.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("outlet");
    assert_eq!(unchanged.logo_key, Some(logo));
}

#[tokio::test]
async fn administrators_create_outlets_and_invite_staff_who_accept_with_the_invited_account() {
    let app = spawn_app().await;
    let (admin, user) = app.signed_in("quantri@example.vn").await;
    let mut appointed: ocop_village::db::entities::user::ActiveModel = user.into();
    appointed.is_admin = Set(true);
    appointed.update(&app.db).await.expect("admin");
    let (shopper, _) = app.signed_in("khach@example.vn").await;

    // Only administrators open the page and create outlets.
    assert_eq!(
        shopper
            .get(format!("{}/officer/outlets", app.address))
            .send()
            .await
            .expect("page")
            .status()
            .as_u16(),
        403
    );
    let fields = [
        ("slug", "ocop-hue"),
        ("province", "hue"),
        ("name", "Điểm bán OCOP Huế"),
    ];
    let refused = post_with_csrf(&app, &shopper, "/officer/outlets", &fields).await;
    assert_eq!(refused.status().as_u16(), 403);
    let bad = post_with_csrf(
        &app,
        &admin,
        "/officer/outlets",
        &[
            ("slug", "Có Dấu"),
            ("province", "hue"),
            ("name", "Điểm bán OCOP Huế"),
        ],
    )
    .await;
    assert_eq!(bad.status().as_u16(), 400);
    assert!(
        bad.text()
            .await
            .expect("body")
            .contains("Địa chỉ trang phải gồm")
    );
    let made = post_with_csrf(&app, &admin, "/officer/outlets", &fields).await;
    assert_eq!(made.status().as_u16(), 303);
    let shop = outlet::Entity::find()
        .filter(outlet::Column::Slug.eq("ocop-hue"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("created");
    assert_eq!(app.count("audit_log", "action = 'outlet.created'").await, 1);

    // An invitation by e-mail; a bad address is refused.
    let invite = format!("/officer/outlets/{}/invite", shop.id);
    let bad = post_with_csrf(&app, &admin, &invite, &[("email", "not-an-address")]).await;
    assert_eq!(bad.status().as_u16(), 400);
    let refused = post_with_csrf(&app, &shopper, &invite, &[("email", "nv@example.vn")]).await;
    assert_eq!(refused.status().as_u16(), 403);
    let sent = post_with_csrf(&app, &admin, &invite, &[("email", "NV@example.vn")]).await;
    assert_eq!(sent.status().as_u16(), 303);
    app.wait_for_outbox().await;
    let mail = app.mail_to("nv@example.vn").await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].subject.contains("Điểm bán OCOP Huế"),
        "{}",
        mail[0].subject
    );
    let at = mail[0].text.find("/outlet/invitations/").expect("a link");
    let path: String = mail[0].text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let listed = admin
        .get(format!("{}/officer/outlets", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        listed.contains("nv@example.vn"),
        "the pending invitation is listed"
    );

    // Someone else signed in cannot use it; the invited account accepts it, once.
    let wrong = shopper
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(wrong.contains("nv@example.vn") && wrong.contains("khach@example.vn"));
    let stolen = post_with_csrf(&app, &shopper, &path, &[]).await;
    assert_eq!(stolen.status().as_u16(), 400);
    let (invited, user) = app.signed_in("nv@example.vn").await;
    let accepted = post_with_csrf(&app, &invited, &path, &[]).await;
    assert_eq!(accepted.status().as_u16(), 303);
    assert_eq!(
        accepted.headers()["location"],
        format!("/outlet?outlet={}", shop.id).as_str()
    );
    let principal = app.principal(&user).await;
    assert!(principal.can(
        ocop_village::features::accounts::auth::Action::OperateOutlet,
        &ocop_village::features::accounts::auth::Scope::Outlet(shop.id)
    ));
    let again = post_with_csrf(&app, &invited, &path, &[]).await;
    assert_eq!(again.status().as_u16(), 400, "the link works once");
    let counter = invited
        .get(format!("{}/outlet", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(counter.status().as_u16(), 200);
    assert_eq!(
        app.count("audit_log", "action = 'outlet.staff_joined'")
            .await,
        1
    );
}
