//! VAT invoices: asked for at checkout with the buyer's company, tax code and address; the
//! request reaches the seller with the order; the seller records the e-invoice it issued and
//! the buyer's order page links to it.
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use ocop_village::db::entities::{checkout, order};

use crate::checkout::listing_of;
use crate::helpers::{browser, checkout_form, post_with_csrf, sample_registry, spawn_app};

const BUYER: [(&str, &str); 7] = [
    ("name", "Nguyễn Thị Lan"),
    ("email", "lan@example.vn"),
    ("phone", "0912345678"),
    ("province", "ha-noi"),
    ("commune", "phường Hoàn Kiếm"),
    ("street", "12 phố Hàng Bạc"),
    ("payment", "cod"),
];

#[tokio::test]
async fn a_buyer_asks_for_a_vat_invoice_and_reads_it_once_the_seller_records_it() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 9).await;
    let (other_seller, _) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        9,
    )
    .await;
    let shopper = browser();
    let added = post_with_csrf(
        &app,
        &shopper,
        "/cart/add",
        &[("listing", &pid.to_string()), ("quantity", "1")],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);

    // A bad tax code: the form again with the reason, nothing placed.
    let (page, key) = checkout_form(&app, &shopper).await;
    assert!(page.contains("name=\"want_invoice\""));
    let mut form = vec![
        ("idempotency_key", key.as_str()),
        ("want_invoice", "on"),
        ("invoice_company", "Công ty TNHH Quà Quê"),
        ("invoice_tax_code", "03123"),
        ("invoice_address", "12 Lê Lợi, Phường Sài Gòn, Hồ Chí Minh"),
    ];
    form.extend_from_slice(&BUYER);
    let refused = post_with_csrf(&app, &shopper, "/checkout", &form).await;
    assert_eq!(refused.status().as_u16(), 400);
    let page = refused.text().await.expect("body");
    assert!(page.contains("Mã số thuế gồm 10 chữ số"), "{page}");
    // What was typed stays in the form.
    assert!(page.contains("value=\"Công ty TNHH Quà Quê\""), "{page}");
    assert_eq!(app.count("checkouts", "").await, 0);

    form[3] = ("invoice_tax_code", "0312 345 678");
    let placed = post_with_csrf(&app, &shopper, "/checkout", &form).await;
    assert_eq!(placed.status().as_u16(), 303);
    let found = checkout::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a checkout");
    assert_eq!(
        (
            found.invoice_company.as_deref(),
            found.invoice_tax_code.as_deref()
        ),
        (Some("Công ty TNHH Quà Quê"), Some("0312345678"))
    );
    // The seller's new-order notice carries the request.
    let notice = app.mail_to("tra@example.vn").await;
    assert!(
        notice.iter().any(|m| m.text.contains("0312345678")),
        "{notice:?}"
    );
    let o = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(found.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("an order");
    let seller_page = seller
        .get(format!("{}/seller/orders/{}", app.address, o.pid))
        .send()
        .await
        .expect("order page")
        .text()
        .await
        .expect("body");
    assert!(
        seller_page.contains("mã số thuế 0312345678"),
        "{seller_page}"
    );

    let path = format!("/seller/orders/{}/invoice", o.pid);
    // Another seller cannot see it; a link that is not https is refused.
    let foreign = post_with_csrf(
        &app,
        &other_seller,
        &path,
        &[("number", "1"), ("link", "https://hoadon.example.vn/a")],
    )
    .await;
    assert_eq!(foreign.status().as_u16(), 404);
    let bad = post_with_csrf(
        &app,
        &seller,
        &path,
        &[("number", "C25TAA-12"), ("link", "javascript:alert(1)")],
    )
    .await;
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.text().await.expect("body").contains("https://"));
    let link = "https://hoadon.example.vn/tra-cuu?ma=C25TAA12";
    let saved = post_with_csrf(
        &app,
        &seller,
        &path,
        &[("number", "C25TAA-12"), ("link", link)],
    )
    .await;
    assert_eq!(saved.status().as_u16(), 303);
    assert_eq!(
        app.count("order_events", "note = 'Đã xuất hoá đơn VAT số C25TAA-12'")
            .await,
        1
    );

    // The buyer's order page links to the invoice.
    let page = shopper
        .get(format!(
            "{}/orders/{}?t={}",
            app.address, found.reference, found.tracking_token
        ))
        .send()
        .await
        .expect("order page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Hoá đơn số C25TAA-12"), "{page}");
    assert!(
        // As handlebars escapes an attribute: `=` as `&#x3D;`.
        page.contains(&format!("href=\"{}\"", link.replace('=', "&#x3D;"))),
        "{page}"
    );
}

#[tokio::test]
async fn an_order_without_a_request_takes_no_invoice() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 9).await;
    let cart = crate::checkout::cart_with(&app, pid, 1).await;
    crate::checkout::place_cod(&app.db, cart, &crate::checkout::address(&app), "k", app.now)
        .await
        .expect("placed");
    let o = order::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("an order");
    let refused = post_with_csrf(
        &app,
        &seller,
        &format!("/seller/orders/{}/invoice", o.pid),
        &[("number", "1"), ("link", "https://hoadon.example.vn/a")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 409);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("không yêu cầu hoá đơn")
    );
    assert_eq!(app.count("orders", "invoice_no IS NOT NULL").await, 0);
}
