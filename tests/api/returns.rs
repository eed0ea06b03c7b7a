//! Returns asked by shoppers: a card order paid, partly refunded, returned, settled and paid
//! out reconciles to the đồng; a refusal disputed goes to the seller's province's officer
//! (no other), whose acceptance refunds by transfer and takes the sale out of sell-through;
//! requests and decisions racing count each unit once; the window closes.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use ocop_village::db::entities::{
    checkout, ledger_entry, listing, order, order_event, order_item, payout, refund, return_request,
};
use ocop_village::domain::states::{RefundMethod, RefundState, ReturnState};
use ocop_village::features::orders::ledger;
use ocop_village::features::sales::{self, Level, Within};

use crate::checkout::{address, cart_with, listing_of, place_cod};
use crate::helpers::{
    TestApp, browser, csrf, post_form, post_with_csrf, sample_registry, spawn_app,
};
use crate::payments::{bank_event, stripe_event, stripe_stand_in, the_checkout};
use crate::photos::jpeg;
use crate::refunds::app_page;

/// The seller moves the order from placed to delivered.
pub(crate) async fn deliver(app: &TestApp, seller: &reqwest::Client, o: &order::Model) {
    let path = format!("/seller/orders/{}/step", o.pid);
    for step in [
        vec![("step", "confirm")],
        vec![
            ("step", "ship"),
            ("carrier", "GHN"),
            ("tracking_no", "GHN12345"),
        ],
        vec![("step", "deliver")],
    ] {
        let moved = post_with_csrf(app, seller, &path, &step).await;
        assert_eq!(moved.status().as_u16(), 303, "{step:?}");
    }
}

pub(crate) fn order_path(placed: &checkout::Model) -> String {
    format!("/orders/{}?t={}", placed.reference, placed.tracking_token)
}

async fn lines_of(app: &TestApp, o: &order::Model) -> Vec<order_item::Model> {
    order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .order_by_asc(order_item::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
}

/// The shopper (holding the tracking link) asks to return `units` of the order's first line,
/// with `photos` photos and, when given, the bank account for a transfer refund.
async fn ask_return(
    app: &TestApp,
    shopper: &reqwest::Client,
    placed: &checkout::Model,
    o: &order::Model,
    units: i32,
    photos: usize,
    account: Option<[&str; 3]>,
) -> (u16, String) {
    // The browser's token, from any page with a form.
    let token = csrf(app, shopper, "/account/login").await;
    ask_return_with(app, shopper, &token, placed, o, units, photos, account).await
}

/// [`ask_return`] with the browser's CSRF token already at hand (requests sent at once must
/// not each fetch a new one).
#[allow(clippy::too_many_arguments)]
async fn ask_return_with(
    app: &TestApp,
    shopper: &reqwest::Client,
    token: &str,
    placed: &checkout::Model,
    o: &order::Model,
    units: i32,
    photos: usize,
    account: Option<[&str; 3]>,
) -> (u16, String) {
    let line = lines_of(app, o).await.remove(0);
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("t", placed.tracking_token.to_string())
        .text("order", o.code.clone())
        .text(format!("qty_{}", line.id), units.to_string())
        .text("reason", "Hũ bị vỡ khi nhận hàng");
    if let Some([bin, number, holder]) = account {
        form = form
            .text("bank_bin", bin.to_owned())
            .text("account_no", number.to_owned())
            .text("account_name", holder.to_owned());
    }
    for n in 0..photos {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(jpeg(400 + n as u32, 300))
                .file_name("vo.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
    }
    let response = shopper
        .post(format!(
            "{}/orders/{}/returns",
            app.address, placed.reference
        ))
        .multipart(form)
        .send()
        .await
        .expect("return request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn refund_of(app: &TestApp, r: &return_request::Model) -> refund::Model {
    refund::Entity::find_by_id(r.refund_id.expect("a refund"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("refund")
}

/// Units and revenue sold this year, by sell-through.
async fn sold_this_year(app: &TestApp) -> (i64, i64) {
    let today = ocop_village::domain::time::vietnam_date(app.now);
    let year = sales::Period::parse(None, None, today).expect("period");
    let rows = sales::sell_through(&app.db, Level::Listing, &Within::default(), year)
        .await
        .expect("sell-through");
    (
        rows.iter().map(|r| r.units).sum(),
        rows.iter().map(|r| r.revenue_vnd.dong()).sum(),
    )
}

async fn returns_of(app: &TestApp, o: &order::Model) -> Vec<return_request::Model> {
    return_request::Entity::find()
        .filter(return_request::Column::OrderId.eq(o.id))
        .order_by_asc(return_request::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
}

async fn fresh(app: &TestApp, o: &order::Model) -> order::Model {
    order::Entity::find_by_id(o.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("order")
}

async fn stock(app: &TestApp, o: &order::Model) -> i32 {
    let line = lines_of(app, o).await.remove(0);
    listing::Entity::find_by_id(line.listing_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
        .stock
}

/// The seller's decision on a return.
async fn decide(
    app: &TestApp,
    seller: &reqwest::Client,
    o: &order::Model,
    r: &return_request::Model,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let page = format!("/seller/orders/{}", o.pid);
    let token = csrf(app, seller, &page).await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    let response = post_form(app, seller, &format!("{page}/returns/{}", r.pid), &form).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_card_order_paid_partly_refunded_returned_settled_and_paid_out_reconciles_to_the_dong() {
    let stripe = stripe_stand_in().await;
    let (app, seller, o) = crate::ledger::household_card_sale(&stripe).await;
    let placed = the_checkout(&app).await;
    let shopper = browser();
    let total = o.total_vnd().dong();
    let fee = (total * 340 + 5_000) / 10_000;

    // Not delivered yet: nothing to return.
    let (status, page) = ask_return(&app, &shopper, &placed, &o, 1, 1, None).await;
    assert_eq!(status, 409, "{page}");
    assert!(
        page.contains("Chỉ có thể trả hàng của đơn đã giao"),
        "{page}"
    );
    deliver(&app, &seller, &o).await;
    assert_eq!(stock(&app, &o).await, 6);

    // 30,000 ₫ refunded by the seller first (a sausage was short-weighted).
    let path = format!("/seller/orders/{}", o.pid);
    let token = csrf(&app, &seller, &path).await;
    let refunded = post_form(
        &app,
        &seller,
        &format!("{path}/refunds"),
        &[
            ("csrf", &token),
            ("key", "before-the-return"),
            ("amount", "30000"),
            ("reason", "Thiếu cân"),
        ],
    )
    .await;
    assert_eq!(refunded.status().as_u16(), 303);

    // Without a photo, the request is refused and nothing is kept.
    let (status, page) = ask_return(&app, &shopper, &placed, &o, 1, 0, None).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("ít nhất một ảnh"), "{page}");
    assert!(returns_of(&app, &o).await.is_empty());
    // One sausage back, with two photos.
    let (status, page) = ask_return(&app, &shopper, &placed, &o, 1, 2, None).await;
    assert_eq!(status, 303, "{page}");
    let asked = returns_of(&app, &o).await.remove(0);
    assert_eq!(
        (asked.state, asked.amount_vnd.dong()),
        (ReturnState::Requested, 50_000)
    );
    assert_eq!(
        app.count("return_photos", &format!("return_id = {}", asked.id))
            .await,
        2
    );
    assert_eq!(lines_of(&app, &o).await[0].return_asked_qty, 1);

    // The seller sees it with its photos, which the photo pipeline serves.
    let page = app_page(&app, &seller, &path).await;
    assert!(page.contains(&asked.code), "{page}");
    let at = page.find("src=\"/media/photos/").expect("a photo") + 5;
    let src = &page[at..at + page[at..].find('"').expect("end")];
    let photo = app.get(src).await;
    assert_eq!(photo.status().as_u16(), 200, "{src}");

    // Accepted, back in stock: its value goes back to the card through Stripe, once.
    let (status, page) = decide(
        &app,
        &seller,
        &o,
        &asked,
        &[("decision", "accept"), ("disposition", "restock")],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    let (status, page) = decide(
        &app,
        &seller,
        &o,
        &asked,
        &[("decision", "accept"), ("disposition", "restock")],
    )
    .await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("đã được xử lý"), "{page}");
    let accepted = returns_of(&app, &o).await.remove(0);
    assert_eq!(accepted.state, ReturnState::Accepted);
    let money_back = refund_of(&app, &accepted).await;
    assert_eq!(
        (
            money_back.amount_vnd.dong(),
            money_back.method,
            money_back.state
        ),
        (50_000, RefundMethod::Stripe, RefundState::Succeeded)
    );
    assert_eq!(stripe.refund_keys.lock().expect("lock").len(), 2);
    assert_eq!(stock(&app, &o).await, 7);
    assert_eq!(lines_of(&app, &o).await[0].returned_qty, 1);
    let after = fresh(&app, &o).await;
    assert_eq!(
        (after.state.as_str(), after.refunded_vnd.dong()),
        ("delivered", 80_000)
    );
    let told = app.mail_to("lan@example.vn").await;
    assert!(
        told.iter()
            .any(|m| m.subject.contains(&accepted.code) && m.subject.contains("đã chấp nhận")),
        "{:?}",
        told.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    // Settled: VAT 1 % and PIT 0.5 % of the net goods (150,000 − 30,000 − 50,000), and the
    // payout is every entry of the month to the đồng.
    let period = ocop_village::domain::ledger::Period::of(app.now);
    let done = ledger::settle(&app.db, period, app.now + chrono::Duration::days(40))
        .await
        .expect("settled");
    let entries: Vec<(String, i64)> = ledger_entry::Entity::find()
        .order_by_asc(ledger_entry::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|e| (e.kind, e.amount_vnd.dong()))
        .collect();
    assert_eq!(
        entries,
        vec![
            ("sale".into(), total),
            ("stripe_fee".into(), -fee),
            ("commission".into(), -7_500),
            ("refund".into(), -30_000),
            ("commission_back".into(), 1_500),
            ("refund".into(), -50_000),
            ("commission_back".into(), 2_500),
            ("vat".into(), -700),
            ("pit".into(), -350),
        ]
    );
    let due = total - fee - 7_500 - 30_000 + 1_500 - 50_000 + 2_500 - 700 - 350;
    assert_eq!(done.total_vnd.dong(), due);
    let p = payout::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a payout");
    assert_eq!(p.amount_vnd.dong(), due);
    let notice = serde_json::json!({
        "id": "FT-RETURN-PAYOUT", "amount_vnd": due, "account_no": "0011001234567",
        "description": format!("OCOP Village {} {period}", p.code),
    })
    .to_string();
    assert_eq!(bank_event(&app, &notice).await.1["outcome"], "paid_out");
    // Replayed Stripe and bank events change nothing.
    assert_eq!(bank_event(&app, &notice).await.1["outcome"], "replayed");
    let replay = crate::payments::event(
        "evt_return_refund",
        "refund.updated",
        crate::payments::refund_json(
            "re_test_2",
            50_000,
            "succeeded",
            &money_back.pid.to_string(),
        ),
    );
    stripe_event(&app, &replay).await;
    stripe_event(&app, &replay).await;
    assert_eq!(fresh(&app, &o).await.refunded_vnd.dong(), 80_000);
    assert_eq!(app.count("ledger_entries", "1 = 1").await, 9);

    // Sell-through counts the two sausages kept.
    assert_eq!(sold_this_year(&app).await, (2, 100_000));
}

/// A cash-on-delivery order of 2 boxes of tea from Tuyên Quang, delivered: the app, the
/// seller's browser, the checkout and the order.
pub(crate) async fn delivered_cod_order(
    quantity: i32,
) -> (TestApp, reqwest::Client, checkout::Model, order::Model) {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let cart = cart_with(&app, pid, quantity).await;
    let placed = place_cod(&app.db, cart, &address(&app), "returns-cod", app.now)
        .await
        .expect("placed");
    let o = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("order");
    deliver(&app, &seller, &o).await;
    let o = fresh(&app, &o).await;
    assert_eq!(
        o.payment_state.as_str(),
        "paid",
        "cash collected at delivery"
    );
    (app, seller, placed, o)
}

const LAN: [&str; 3] = ["970436", "0123456789", "NGUYEN THI LAN"];

#[tokio::test]
async fn a_refused_return_disputed_is_decided_by_the_sellers_province_officer() {
    let (app, seller, placed, o) = delivered_cod_order(2).await;
    let shopper = browser();
    // Not paid by card: the shopper's account is needed for the refund.
    let (status, page) = ask_return(&app, &shopper, &placed, &o, 2, 1, None).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("số tài khoản"), "{page}");
    // More than bought.
    let (status, page) = ask_return(&app, &shopper, &placed, &o, 3, 1, Some(LAN)).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Chỉ còn có thể trả 2"), "{page}");
    let (status, page) = ask_return(&app, &shopper, &placed, &o, 2, 1, Some(LAN)).await;
    assert_eq!(status, 303, "{page}");
    // Each unit once.
    let (status, page) = ask_return(&app, &shopper, &placed, &o, 1, 1, Some(LAN)).await;
    assert_eq!(status, 409, "{page}");
    let asked = returns_of(&app, &o).await.remove(0);
    // The seller's members are told, with a link to answer.
    let notices: Vec<_> = app
        .mail_to("tra@example.vn")
        .await
        .into_iter()
        .filter(|m| m.subject.contains(&asked.code))
        .collect();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].text.contains("Hũ bị vỡ khi nhận hàng"),
        "{}",
        notices[0].text
    );
    assert!(
        notices[0]
            .text
            .contains(&format!("/seller/orders/{}", o.pid))
    );

    // The seller refuses; a refusal needs its reason.
    let (status, _) = decide(&app, &seller, &o, &asked, &[("decision", "refuse")]).await;
    assert_eq!(status, 400);
    let (status, _) = decide(
        &app,
        &seller,
        &o,
        &asked,
        &[
            ("decision", "refuse"),
            ("reason", "Hàng còn nguyên, không vỡ"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let page = app.get_html(&order_path(&placed)).await;
    assert!(page.contains("Hàng còn nguyên, không vỡ"), "{page}");
    assert!(page.contains("/dispute"), "{page}");

    // The shopper disputes.
    let token = csrf(&app, &shopper, &order_path(&placed)).await;
    let disputed = post_form(
        &app,
        &shopper,
        &format!("/orders/{}/returns/{}/dispute", placed.reference, asked.pid),
        &[
            ("csrf", &token),
            ("t", &placed.tracking_token.to_string()),
            ("reason", "Ảnh cho thấy hũ bị nứt"),
        ],
    )
    .await;
    assert_eq!(disputed.status().as_u16(), 303);
    assert_eq!(returns_of(&app, &o).await[0].state, ReturnState::Disputed);

    // Hà Nội's officer neither sees nor decides it.
    let (hanoi, user) = app.signed_in("canbo.hn@example.vn").await;
    app.make_officer(&user, "ha-noi").await;
    let list = app_page(&app, &hanoi, "/officer/returns").await;
    assert!(!list.contains(&asked.code), "{list}");
    let token = csrf(&app, &hanoi, "/account/login").await;
    let target = format!("/officer/returns/{}", asked.pid);
    let accept = [
        ("csrf", token.as_str()),
        ("decision", "accept"),
        ("disposition", "write_off"),
    ];
    let tried = post_form(&app, &hanoi, &target, &accept).await;
    assert_eq!(tried.status().as_u16(), 404);

    // Tuyên Quang's officer sides with the shopper: the jars are written off.
    let (officer, user) = app.signed_in("canbo.tq@example.vn").await;
    app.make_officer(&user, "tuyen-quang").await;
    let list = app_page(&app, &officer, "/officer/returns").await;
    assert!(
        list.contains(&asked.code) && list.contains("Ảnh cho thấy hũ bị nứt"),
        "{list}"
    );
    let token = csrf(&app, &officer, "/officer/returns").await;
    let accept = [
        ("csrf", token.as_str()),
        ("decision", "accept"),
        ("disposition", "write_off"),
    ];
    let decided = post_form(&app, &officer, &target, &accept).await;
    assert_eq!(decided.status().as_u16(), 303);
    assert_eq!(stock(&app, &o).await, 3, "written off, not restocked");
    let done = returns_of(&app, &o).await.remove(0);
    assert_eq!(done.state, ReturnState::Accepted);
    let owed = refund_of(&app, &done).await;
    assert_eq!(
        (
            owed.amount_vnd.dong(),
            owed.method,
            owed.state,
            owed.account_no.as_deref()
        ),
        (
            100_000,
            RefundMethod::Transfer,
            RefundState::Pending,
            Some("0123456789")
        )
    );
    // Every unit came back: no sale after all.
    let after = fresh(&app, &o).await;
    assert_eq!(after.state.as_str(), "returned");
    assert_eq!(sold_this_year(&app).await, (0, 0));
    // The seller's page shows the VietQR code to pay the shopper back.
    let page = app_page(&app, &seller, &format!("/seller/orders/{}", o.pid)).await;
    assert!(page.contains(&owed.code) && page.contains("<svg"), "{page}");
}

#[tokio::test]
async fn the_return_window_closes_days_after_delivery() {
    let (app, _, placed, o) = delivered_cod_order(1).await;
    let delivered = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(o.id))
        .filter(order_event::Column::State.eq("delivered"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("delivered");
    let mut earlier: order_event::ActiveModel = delivered.into();
    earlier.at = Set(app.now - chrono::Duration::days(8));
    earlier.update(&app.db).await.expect("moved");
    let shopper = browser();
    let page = app.get_html(&order_path(&placed)).await;
    assert!(
        !page.contains("/returns\""),
        "no return form after the window: {page}"
    );
    let (status, page) = ask_return(&app, &shopper, &placed, &o, 1, 1, Some(LAN)).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Đã quá 7 ngày"), "{page}");
    assert!(returns_of(&app, &o).await.is_empty());
}

/// Eight requests for the same units at once make one return; eight acceptances of it at
/// once take the units back and refund them once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn return_requests_and_decisions_racing_count_each_unit_once() {
    let (app, seller, placed, o) = delivered_cod_order(2).await;
    let shopper = browser();
    let token = csrf(&app, &shopper, "/account/login").await;
    let asks =
        (0..8).map(|_| ask_return_with(&app, &shopper, &token, &placed, &o, 2, 1, Some(LAN)));
    let answers = futures::future::join_all(asks).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(returns_of(&app, &o).await.len(), 1);
    assert_eq!(lines_of(&app, &o).await[0].return_asked_qty, 2);

    let asked = returns_of(&app, &o).await.remove(0);
    let page = format!("/seller/orders/{}", o.pid);
    let token = csrf(&app, &seller, &page).await;
    let target = format!("{page}/returns/{}", asked.pid);
    let fields = [
        ("csrf", token.as_str()),
        ("decision", "accept"),
        ("disposition", "restock"),
    ];
    let clicks = (0..8).map(|_| post_form(&app, &seller, &target, &fields));
    let answers = futures::future::join_all(clicks).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(stock(&app, &o).await, 5, "restocked once");
    assert_eq!(lines_of(&app, &o).await[0].returned_qty, 2);
    assert_eq!(
        app.count("refunds", &format!("order_id = {}", o.id)).await,
        1
    );
    assert_eq!(fresh(&app, &o).await.refunded_vnd.dong(), 100_000);
}
