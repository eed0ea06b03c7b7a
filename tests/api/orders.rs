//! The order lifecycle in the seller area: every step through the real routes, the history,
//! the shopper's e-mails in the shopper's language, stock given back on cancellation, expiry
//! of unpaid transfers, and one seller never reaching another's orders.
use ocop_village::db::entities::{checkout, order, seller};
use ocop_village::domain::orders::PaymentMethod;
use ocop_village::i18n::Lang;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::checkout::{address, cart_with, listing_of, place_as, place_cod};
use crate::helpers::{
    TestApp, csrf, post_form, post_with_csrf, sample_registry, seller_of_listing, spawn_app,
};

async fn order_of(app: &TestApp, placed: &checkout::Model) -> order::Model {
    order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("an order")
}

async fn fresh(app: &TestApp, o: &order::Model) -> order::Model {
    order::Entity::find_by_id(o.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the order")
}

async fn stock_of(app: &TestApp, pid: uuid::Uuid) -> i32 {
    use ocop_village::db::entities::listing;
    listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the listing")
        .stock
}

/// Posts a step form on the seller's order page.
async fn step(
    app: &TestApp,
    seller: &reqwest::Client,
    o: &order::Model,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    post_with_csrf(
        app,
        seller,
        &format!("/seller/orders/{}/step", o.pid),
        fields,
    )
    .await
}

#[tokio::test]
async fn a_seller_takes_an_order_from_placed_to_delivered_and_the_shopper_is_told_each_time() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) = listing_of(
        &app,
        "tra@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        10,
    )
    .await;
    let cart = cart_with(&app, pid, 2).await;
    let placed = place_as(
        &app.db,
        cart,
        &address(&app),
        PaymentMethod::CashOnDelivery,
        "k1",
        Lang::En,
        app.now,
    )
    .await
    .expect("placed");
    let o = order_of(&app, &placed).await;

    // The seller hears of it, and sees it in the list.
    let notices: Vec<_> = app
        .mail_to("tra@example.vn")
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Đơn hàng mới"))
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].subject.contains(&o.code),
        "{}",
        notices[0].subject
    );
    assert!(
        notices[0]
            .text
            .contains(&format!("/seller/orders/{}", o.pid))
    );
    let list = seller
        .get(format!("{}/seller/orders", app.address))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("body");
    assert!(list.contains(&o.code), "the order is listed");
    let row = list
        .split(&o.code)
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_default();
    assert!(row.contains("Nguyễn Thị Lan"), "with its buyer: {row}");
    assert!(row.contains("(2)"), "and its two units: {row}");
    let in_state = |state: &'static str| {
        let seller = seller.clone();
        let url = format!("{}/seller/orders?state={state}", app.address);
        async move {
            let page = seller.get(url).send().await.expect("list");
            page.text().await.expect("body")
        }
    };
    assert!(in_state("placed").await.contains(&o.code));
    assert!(!in_state("delivered").await.contains(&o.code));

    // Shipping needs a carrier and a tracking number; steps out of order are refused.
    let early = step(&app, &seller, &o, &[("step", "deliver")]).await;
    assert_eq!(early.status().as_u16(), 409);
    assert!(early.text().await.expect("body").contains("Đã đặt"));
    assert_eq!(
        step(&app, &seller, &o, &[("step", "confirm")])
            .await
            .status()
            .as_u16(),
        303
    );
    let blank = step(
        &app,
        &seller,
        &o,
        &[("step", "ship"), ("carrier", "GHN"), ("tracking_no", " ")],
    )
    .await;
    assert_eq!(blank.status().as_u16(), 409);
    assert!(blank.text().await.expect("body").contains("mã vận đơn"));
    let shipped = step(
        &app,
        &seller,
        &o,
        &[
            ("step", "ship"),
            ("carrier", "GHN"),
            ("tracking_no", "GHN123456"),
        ],
    )
    .await;
    assert_eq!(shipped.status().as_u16(), 303);
    // A delivered order cannot be cancelled any more.
    assert_eq!(
        step(&app, &seller, &o, &[("step", "deliver")])
            .await
            .status()
            .as_u16(),
        303
    );
    let late = step(
        &app,
        &seller,
        &o,
        &[("step", "cancel"), ("reason", "đổi ý")],
    )
    .await;
    assert_eq!(late.status().as_u16(), 409);

    let done = fresh(&app, &o).await;
    assert_eq!(done.state, "delivered");
    assert_eq!(
        (done.carrier.as_deref(), done.tracking_no.as_deref()),
        (Some("GHN"), Some("GHN123456"))
    );
    // Cash on delivery is paid when the goods are handed over.
    assert_eq!(done.payment_state, "paid");
    assert_eq!(
        app.count("order_events", &format!("order_id = {}", o.id))
            .await,
        4
    );
    assert_eq!(stock_of(&app, pid).await, 8);

    // The shopper chose English: the confirmation and three status mails are in English.
    let mails = app.mail_to("lan@example.vn").await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        vec![
            format!("Order {} received — OCOP Village", placed.reference).as_str(),
            format!("Order {}: Confirmed", o.code).as_str(),
            format!("Order {}: Shipped", o.code).as_str(),
            format!("Order {}: Delivered", o.code).as_str(),
        ]
    );
    assert!(mails[2].text.contains("GHN123456"), "{}", mails[2].text);
    assert!(mails[2].html.contains("<html lang=\"en\">"));
    assert!(
        mails[0]
            .text
            .contains(&format!("/orders/{}?t=", placed.reference))
    );

    // The tracking page shows the state and the history.
    let page = app
        .get_html(&format!(
            "/orders/{}?t={}",
            placed.reference, placed.tracking_token
        ))
        .await;
    assert!(page.contains("Đã giao"), "delivered is shown");
    assert!(page.contains("GHN123456"));
}

#[tokio::test]
async fn cancelling_gives_the_stock_back_and_needs_a_reason() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let cart = cart_with(&app, pid, 3).await;
    let placed = place_cod(&app.db, cart, &address(&app), "k1", app.now)
        .await
        .expect("placed");
    let o = order_of(&app, &placed).await;
    assert_eq!(stock_of(&app, pid).await, 2);

    let no_reason = step(&app, &seller, &o, &[("step", "cancel"), ("reason", "  ")]).await;
    assert_eq!(no_reason.status().as_u16(), 409);
    assert_eq!(fresh(&app, &o).await.state, "placed");

    let cancelled = step(
        &app,
        &seller,
        &o,
        &[("step", "cancel"), ("reason", "Hết hàng mùa này")],
    )
    .await;
    assert_eq!(cancelled.status().as_u16(), 303);
    let o = fresh(&app, &o).await;
    assert_eq!(o.state, "cancelled");
    assert_eq!(o.reason.as_deref(), Some("Hết hàng mùa này"));
    assert_eq!(stock_of(&app, pid).await, 5, "the 3 units are back");
    // Cancelling twice does not give the stock back twice.
    let again = step(&app, &seller, &o, &[("step", "cancel"), ("reason", "lại")]).await;
    assert_eq!(again.status().as_u16(), 409);
    assert_eq!(stock_of(&app, pid).await, 5);
    let mails = app.mail_to("lan@example.vn").await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("Đã huỷ") && m.text.contains("Hết hàng mùa này")),
        "{mails:?}"
    );
}

#[tokio::test]
async fn one_seller_never_reaches_another_sellers_orders() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller_a, _) =
        listing_of(&app, "a@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let (seller_b, pid_b) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2023-0001",
        5,
    )
    .await;
    let cart = cart_with(&app, pid_b, 1).await;
    let placed = place_cod(&app.db, cart, &address(&app), "k1", app.now)
        .await
        .expect("placed");
    let o = order_of(&app, &placed).await;

    // B sees and manages it.
    let own = seller_b
        .get(format!("{}/seller/orders/{}", app.address, o.pid))
        .send()
        .await
        .expect("page");
    assert_eq!(own.status().as_u16(), 200);

    // A: not found on the page and on every action; the list of B's seller is refused.
    let page = seller_a
        .get(format!("{}/seller/orders/{}", app.address, o.pid))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 404);
    let token = csrf(&app, &seller_a, "/account/login").await;
    for (path, form) in [
        (
            format!("/seller/orders/{}/step", o.pid),
            vec![("csrf", token.as_str()), ("step", "confirm")],
        ),
        (
            format!("/seller/orders/{}/paid", o.pid),
            vec![("csrf", token.as_str())],
        ),
    ] {
        let response = post_form(&app, &seller_a, &path, &form).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    let list = seller_a
        .get(format!(
            "{}/seller/orders?seller={}",
            app.address, o.seller_id
        ))
        .send()
        .await
        .expect("list");
    assert_eq!(list.status().as_u16(), 403);
    // A's own list does not show B's order.
    let mine = seller_a
        .get(format!("{}/seller/orders", app.address))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("body");
    assert!(!mine.contains(&o.code));
    assert_eq!(fresh(&app, &o).await.state, "placed", "nothing changed");
    // A shopper without the link cannot see the checkout either.
    let anonymous = app.get(&format!("/orders/{}", placed.reference)).await;
    assert_eq!(anonymous.status().as_u16(), 404);
}

pub(crate) async fn with_bank_account(
    app: &TestApp,
    seller_id: ocop_village::domain::ids::SellerId,
) {
    let found = seller::Entity::find_by_id(seller_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("seller");
    let mut changed: seller::ActiveModel = found.into();
    changed.bank_bin = Set(Some("970436".into()));
    changed.bank_account_no = Set(Some("0011001234567".into()));
    changed.bank_account_name = Set(Some("HTX TRA".into()));
    changed.update(&app.db).await.expect("bank account");
}

#[tokio::test]
async fn a_vietqr_order_shows_a_code_for_the_sellers_account_and_the_seller_confirms_receipt() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    // Without a bank account, VietQR is refused.
    let cart = cart_with(&app, pid, 2).await;
    let refused = place_as(
        &app.db,
        cart,
        &address(&app),
        PaymentMethod::VietQr,
        "k0",
        Lang::Vi,
        app.now,
    )
    .await;
    assert!(refused.is_err(), "no bank account, no VietQR");
    assert_eq!(stock_of(&app, pid).await, 5);

    // The seller sets the account through the form; a bad number is refused with a message.
    let seller_id = seller_of_listing(&app, pid).await;
    let token = csrf(&app, &seller, "/seller/bank").await;
    let seller_field = seller_id.to_string();
    let bad = post_form(
        &app,
        &seller,
        "/seller/bank",
        &[
            ("csrf", &token),
            ("seller", &seller_field),
            ("bank_bin", "970436"),
            ("account_no", "12ab"),
            ("account_name", "HTX TRA"),
        ],
    )
    .await;
    assert_eq!(bad.status().as_u16(), 400);
    let good = post_form(
        &app,
        &seller,
        "/seller/bank",
        &[
            ("csrf", &token),
            ("seller", &seller_field),
            ("bank_bin", "970436"),
            ("account_no", "0011 0012 34567"),
            ("account_name", "HTX TRA"),
        ],
    )
    .await;
    assert_eq!(good.status().as_u16(), 200);
    let placed = place_as(
        &app.db,
        cart,
        &address(&app),
        PaymentMethod::VietQr,
        "k1",
        Lang::Vi,
        app.now,
    )
    .await
    .expect("placed");
    assert_eq!(
        placed.expires_at,
        Some(app.now + chrono::Duration::hours(24))
    );
    let o = order_of(&app, &placed).await;

    // The order page carries the NAPAS payload: the seller's bank and account, the amount
    // and the order code, with a valid checksum.
    let page = app
        .get_html(&format!(
            "/orders/{}?t={}",
            placed.reference, placed.tracking_token
        ))
        .await;
    assert!(page.contains("<svg"), "the QR code is inline");
    let payload = ocop_village::payments::vietqr::Transfer {
        bank_bin: "970436".into(),
        account_no: "0011001234567".into(),
        amount_vnd: ocop_village::domain::money::Vnd::new(100_000),
        message: o.code.clone(),
    }
    .payload()
    .expect("payload");
    let fields = ocop_village::payments::vietqr::decode(&payload).expect("valid");
    assert!(fields.contains(&("54".into(), "100000".into())));
    assert!(page.contains("0011001234567") && page.contains("Vietcombank"));
    assert!(page.contains(&o.code));

    // The seller confirms the transfer: paid, once, with one e-mail to the shopper.
    let order_page = format!("/seller/orders/{}", o.pid);
    let token = csrf(&app, &seller, &order_page).await;
    for _ in 0..2 {
        let response = post_form(
            &app,
            &seller,
            &format!("{order_page}/paid"),
            &[("csrf", &token)],
        )
        .await;
        assert_eq!(response.status().as_u16(), 303);
    }
    let o = fresh(&app, &o).await;
    assert_eq!(o.payment_state, "paid");
    let receipts: Vec<_> = app
        .mail_to("lan@example.vn")
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Đã nhận thanh toán"))
        .collect();
    assert_eq!(receipts.len(), 1);
    // A paid order is not cancelled but refunded (a transfer the seller owes the shopper,
    // `refunds.rs` follows it), and once the refund is paid its stock comes back.
    let cancel = step(&app, &seller, &o, &[("step", "cancel"), ("reason", "x")]).await;
    assert_eq!(cancel.status().as_u16(), 409);
    let refund = post_form(
        &app,
        &seller,
        &format!("{order_page}/refunds"),
        &[
            ("csrf", &token),
            ("key", "3f2b7c1e-0000-4000-8000-000000000001"),
            ("reason", "Không giao được"),
            ("bank_bin", "970436"),
            ("account_no", "0451000123456"),
            ("account_name", "Nguyễn Thị Lan"),
        ],
    )
    .await;
    assert_eq!(refund.status().as_u16(), 303);
    assert_eq!(stock_of(&app, pid).await, 3, "not before the money is back");
    let owed = ocop_village::db::entities::refund::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("the refund");
    let paid_back = post_form(
        &app,
        &seller,
        &format!("{order_page}/refunds/{}/paid", owed.pid),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(paid_back.status().as_u16(), 303);
    let o = fresh(&app, &o).await;
    assert_eq!(
        (o.state.as_str(), o.payment_state.as_str()),
        ("refunded", "refunded")
    );
    assert_eq!(stock_of(&app, pid).await, 5);
}

#[tokio::test]
async fn an_unpaid_transfer_expires_after_its_deadline_and_gives_the_stock_back() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    with_bank_account(&app, seller_of_listing(&app, pid).await).await;
    let cart = cart_with(&app, pid, 4).await;
    let transfer = place_as(
        &app.db,
        cart,
        &address(&app),
        PaymentMethod::VietQr,
        "k1",
        Lang::Vi,
        app.now,
    )
    .await
    .expect("placed");
    let cash_cart = cart_with(&app, pid, 1).await;
    let cash = place_cod(&app.db, cash_cart, &address(&app), "k2", app.now)
        .await
        .expect("placed");
    assert_eq!(stock_of(&app, pid).await, 0);

    // Before the deadline nothing happens.
    let before = app.now + chrono::Duration::hours(23);
    assert_eq!(
        ocop_village::features::orders::expire_unpaid(&app.db, before)
            .await
            .expect("sweep"),
        0
    );
    // After it, the transfer order is cancelled and its 4 units return; cash on delivery has
    // no deadline.
    let after = app.now + chrono::Duration::hours(25);
    assert_eq!(
        ocop_village::features::orders::expire_unpaid(&app.db, after)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(order_of(&app, &transfer).await.state, "cancelled");
    assert_eq!(order_of(&app, &cash).await.state, "placed");
    assert_eq!(stock_of(&app, pid).await, 4);
    // Running again changes nothing.
    assert_eq!(
        ocop_village::features::orders::expire_unpaid(&app.db, after)
            .await
            .expect("sweep"),
        0
    );
    assert_eq!(stock_of(&app, pid).await, 4);
}

#[tokio::test]
async fn delivering_an_unpaid_transfer_order_does_not_mark_it_paid_and_confirmed_ones_expire_too() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    with_bank_account(&app, seller_of_listing(&app, pid).await).await;
    let mut orders = Vec::new();
    for key in ["k1", "k2"] {
        let cart = cart_with(&app, pid, 1).await;
        let placed = place_as(
            &app.db,
            cart,
            &address(&app),
            PaymentMethod::VietQr,
            key,
            Lang::Vi,
            app.now,
        )
        .await
        .expect("placed");
        orders.push(order_of(&app, &placed).await);
    }
    // The first is shipped and delivered before any money arrived: it stays unpaid.
    let shipped = &orders[0];
    for fields in [
        vec![("step", "confirm")],
        vec![
            ("step", "ship"),
            ("carrier", "GHN"),
            ("tracking_no", "GHN1"),
        ],
        vec![("step", "deliver")],
    ] {
        assert_eq!(
            step(&app, &seller, shipped, &fields)
                .await
                .status()
                .as_u16(),
            303
        );
    }
    let delivered = fresh(&app, shipped).await;
    assert_eq!(
        (delivered.state.as_str(), delivered.payment_state.as_str()),
        ("delivered", "unpaid")
    );
    // The second is confirmed, never paid: after the deadline it is cancelled all the same.
    assert_eq!(
        step(&app, &seller, &orders[1], &[("step", "confirm")])
            .await
            .status()
            .as_u16(),
        303
    );
    let after = app.now + chrono::Duration::hours(25);
    assert_eq!(
        ocop_village::features::orders::expire_unpaid(&app.db, after)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(fresh(&app, &orders[1]).await.state, "cancelled");
    assert_eq!(
        stock_of(&app, pid).await,
        4,
        "the confirmed order's unit is back"
    );
}
