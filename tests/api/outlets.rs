//! Provincial outlets: staff curate their province's products and keep consignment stock,
//! counter sales take the outlet's stock and count as the seller's sales in the outlet channel,
//! the reports add them up, the storefront shows them, and staff of one outlet cannot touch
//! another.
use ocop_village::auth::{Role, grant};
use ocop_village::db::entities::{checkout, order, outlet, registry_certificate};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::checkout::listing_of;
use crate::helpers::{TestApp, post_with_csrf, sample_registry, spawn_app};

async fn province_of(app: &TestApp, certificate: &str) -> String {
    registry_certificate::Entity::find()
        .filter(registry_certificate::Column::CertificateNo.eq(certificate))
        .one(&app.db)
        .await
        .expect("query")
        .expect("certificate")
        .province_code
}

/// An outlet in `province` with one signed-in staff member.
async fn outlet_with_staff(
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
        (sale[0].outlet_id, sale[0].total_vnd),
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
    let report = ocop_village::outlets::report(&app.db, shop.id)
        .await
        .expect("report");
    assert_eq!(
        (report.sales, report.units, report.revenue_vnd),
        (1, 2, 90_000)
    );
    assert_eq!(report.by_seller.len(), 1);
    assert_eq!(report.by_product[0].revenue_vnd, 90_000);
    let page = staff
        .get(format!("{}/outlet", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Sắp hết hàng"), "3 left is running low");
    let store = app.get_html("/outlets/ocop-tq").await;
    assert!(store.contains("Còn 3 tại điểm bán"), "{store}");
    assert!(store.contains("7:30–21:00"));
    assert_eq!(
        app.get("/outlets/no-such-outlet").await.status().as_u16(),
        404
    );
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
    let created = ocop_village::outlets::create(
        &app.db,
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
        let refused =
            ocop_village::outlets::create(&app.db, &app.reference, slug, province, name, app.now)
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
