//! Refunds that move money: a card order refunded in part then in full through the Stripe
//! stand-in (idempotency keys, Stripe's answers and signed `refund.*` events, replays), a
//! refusal that gives the amount back, refund clicks racing, and transfer refunds with a
//! VietQR code settled by a signed bank notification or by the seller.
use std::collections::HashSet;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use ocop_village::db::entities::{order, refund};
use ocop_village::domain::states::{RefundMethod, RefundState};

use crate::checkout::listing_of;
use crate::helpers::{TestApp, csrf, post_form, seller_of_listing, spawn_app_with};
use crate::payments::{
    StripeStandIn, bank_event, checkout_through_pages, event, refund_json, session_json, settings,
    stripe_event, stripe_stand_in, the_checkout,
};

/// A card checkout of 3 boxes of tea (150,000 ₫ and 32,000 ₫ delivery), paid through Stripe:
/// the app, the seller's browser, the listing and the order.
async fn paid_card_order(
    stripe: &StripeStandIn,
) -> (TestApp, reqwest::Client, uuid::Uuid, order::Model) {
    let (app, seller, pid) = tea_shop(stripe).await;
    pay_by_card(&app, pid).await;
    let o = the_order(&app).await;
    (app, seller, pid, o)
}

/// The app (Stripe at the stand-in, bank notifications on) with the tea seller's 5 boxes
/// listed at 50,000 ₫: the app, the seller's browser, the listing.
async fn tea_shop(stripe: &StripeStandIn) -> (TestApp, reqwest::Client, uuid::Uuid) {
    let app = spawn_app_with(crate::helpers::snapshot_day(), settings(&stripe.base)).await;
    app.import(crate::helpers::sample_registry(), false)
        .await
        .expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    (app, seller, pid)
}

/// A shopper buys 3 of `pid` by card through the pages, and Stripe's signed
/// `checkout.session.completed` for the checkout's total pays it: the event, to replay.
pub(crate) async fn pay_by_card(app: &TestApp, pid: uuid::Uuid) -> String {
    let placed_by = checkout_through_pages(app, pid, "stripe").await;
    assert_eq!(placed_by.status().as_u16(), 303);
    let placed = the_checkout(app).await;
    let paid = event(
        "evt_paid_1",
        "checkout.session.completed",
        session_json(
            "cs_test_1",
            &placed.reference,
            placed.total_vnd.dong(),
            "complete",
            true,
        ),
    );
    assert_eq!(stripe_event(app, &paid).await.1["outcome"], "paid");
    paid
}

pub(crate) async fn the_order(app: &TestApp) -> order::Model {
    order::Entity::find()
        .order_by_desc(order::Column::Id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("an order")
}

async fn refunds_of(app: &TestApp, o: &order::Model) -> Vec<refund::Model> {
    refund::Entity::find()
        .filter(refund::Column::OrderId.eq(o.id))
        .order_by_asc(refund::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
}

/// The refund form's one-time key on the seller's order page.
async fn refund_key(app: &TestApp, seller: &reqwest::Client, o: &order::Model) -> String {
    let page = app_page(app, seller, &format!("/seller/orders/{}", o.pid)).await;
    let marker = "name=\"key\" value=\"";
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("a refund form: {page}"));
    page[at + marker.len()..at + marker.len() + 36].to_owned()
}

async fn refund(
    app: &TestApp,
    seller: &reqwest::Client,
    o: &order::Model,
    key: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let path = format!("/seller/orders/{}", o.pid);
    let token = csrf(app, seller, &path).await;
    let mut form = vec![("csrf", token.as_str()), ("key", key)];
    form.extend_from_slice(fields);
    let response = post_form(app, seller, &format!("{path}/refunds"), &form).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn refund_requests(stripe: &StripeStandIn) -> Vec<Vec<(String, String)>> {
    stripe
        .requests
        .lock()
        .expect("lock")
        .iter()
        .filter(|(path, _)| path == "/v1/refunds")
        .map(|(_, form)| serde_urlencoded::from_str(form).expect("form"))
        .collect()
}

async fn stock(app: &TestApp, pid: uuid::Uuid) -> i32 {
    use ocop_village::db::entities::listing;
    listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
        .stock
}

#[tokio::test]
async fn a_card_order_refunded_in_part_then_in_full_moves_the_money_through_stripe_once() {
    let stripe = stripe_stand_in().await;
    let (app, seller, pid, o) = paid_card_order(&stripe).await;
    assert_eq!(stock(&app, pid).await, 2);
    let placed = the_checkout(&app).await;
    assert_eq!(
        placed.stripe_payment_intent.as_deref(),
        Some("pi_for_cs_test_1")
    );

    // A part: one jar broke. Stripe gets the payment intent, whole đồng and our refund's id as
    // the idempotency key; it answers "succeeded".
    let key = refund_key(&app, &seller, &o).await;
    let (status, page) = refund(
        &app,
        &seller,
        &o,
        &key,
        &[("amount", "30.000"), ("reason", "Một hũ bị vỡ")],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    let sent = refund_requests(&stripe);
    assert_eq!(sent.len(), 1);
    let has = |k: &str, v: &str| sent[0].iter().any(|(key, value)| key == k && value == v);
    assert!(has("payment_intent", "pi_for_cs_test_1"), "{:?}", sent[0]);
    assert!(has("amount", "30000"), "{:?}", sent[0]);
    let first = refunds_of(&app, &o).await.remove(0);
    assert!(has("metadata[refund]", &first.pid.to_string()));
    assert_eq!(
        stripe.refund_keys.lock().expect("lock")[0],
        first.pid.to_string()
    );
    assert_eq!(
        (first.method, first.state, first.stripe_refund_id.as_deref()),
        (
            RefundMethod::Stripe,
            RefundState::Succeeded,
            Some("re_test_1")
        )
    );
    let after = fresh(&app, &o).await;
    assert_eq!(
        (
            after.refunded_vnd.dong(),
            after.state.as_str(),
            after.payment_state.as_str()
        ),
        (30_000, "placed", "paid")
    );
    // The same form again is the same refund: nothing more reaches Stripe.
    assert_eq!(
        refund(
            &app,
            &seller,
            &o,
            &key,
            &[("amount", "30.000"), ("reason", "Một hũ bị vỡ")]
        )
        .await
        .0,
        303
    );
    assert_eq!(refund_requests(&stripe).len(), 1);
    assert_eq!(refunds_of(&app, &o).await.len(), 1);
    let mails: Vec<_> = app
        .mail_to("lan@example.vn")
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Đã hoàn"))
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("30.000"), "{}", mails[0].subject);

    // More than what is left is refused with the amount left.
    let key = refund_key(&app, &seller, &o).await;
    let (status, page) = refund(
        &app,
        &seller,
        &o,
        &key,
        &[("amount", "200000"), ("reason", "x")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("152.000"), "{page}");

    // The rest, which Stripe reports pending: the order waits for Stripe's event.
    *stripe.refund_status.lock().expect("lock") = "pending".into();
    let (status, _) = refund(
        &app,
        &seller,
        &o,
        &key,
        &[("reason", "Người mua trả lại cả đơn")],
    )
    .await;
    assert_eq!(status, 303);
    let second = refunds_of(&app, &o).await.remove(1);
    assert_eq!(
        (second.amount_vnd.dong(), second.state),
        (152_000, RefundState::Pending)
    );
    let waiting = fresh(&app, &o).await;
    assert_eq!(
        (waiting.refunded_vnd.dong(), waiting.state.as_str()),
        (182_000, "placed")
    );

    // Stripe's signed event settles it, once: the order is refunded and its stock returns.
    let succeeded = event(
        "evt_refund_2",
        "refund.updated",
        refund_json("re_test_2", 152_000, "succeeded", &second.pid.to_string()),
    );
    for expected in ["refunded", "replayed"] {
        let (status, body) = stripe_event(&app, &succeeded).await;
        assert_eq!((status, body["outcome"].as_str()), (200, Some(expected)));
    }
    // Another event about it (a different id) finds nothing left to do.
    let again = succeeded.replace("evt_refund_2", "evt_refund_2b");
    assert_eq!(stripe_event(&app, &again).await.1["outcome"], "pending");
    let done = fresh(&app, &o).await;
    assert_eq!(
        (
            done.state.as_str(),
            done.payment_state.as_str(),
            done.refunded_vnd.dong()
        ),
        ("refunded", "refunded", 182_000)
    );
    assert_eq!(stock(&app, pid).await, 5);
    let mails = app
        .mail_to("lan@example.vn")
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Đã hoàn"))
        .count();
    assert_eq!(mails, 2);
    // The shopper's order page lists both.
    let page = app
        .get_html(&format!(
            "/orders/{}?t={}",
            placed.reference, placed.tracking_token
        ))
        .await;
    assert!(
        page.contains("30.000") && page.contains("152.000") && page.contains("đã hoàn"),
        "{page}"
    );
}

#[tokio::test]
async fn a_refund_stripe_refuses_gives_its_amount_back() {
    let stripe = stripe_stand_in().await;
    let (app, seller, _, o) = paid_card_order(&stripe).await;
    stripe
        .refuse_refunds
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let key = refund_key(&app, &seller, &o).await;
    let (status, page) = refund(&app, &seller, &o, &key, &[("reason", "Hết hàng")]).await;
    assert_eq!(status, 502);
    assert!(page.contains("Charge has already been refunded."), "{page}");
    let failed = refunds_of(&app, &o).await.remove(0);
    assert_eq!(failed.state, RefundState::Failed);
    let after = fresh(&app, &o).await;
    assert_eq!(
        (after.refunded_vnd.dong(), after.payment_state.as_str()),
        (0, "paid")
    );
    assert!(page.contains("name=\"key\""), "it can be refunded again");
}

/// Stripe does not answer: the refund stays pending (it may have been made), and sending it
/// again uses the same idempotency key, so Stripe makes one refund whatever happened.
#[tokio::test]
async fn a_refund_stripe_did_not_answer_is_sent_again_as_the_same_refund() {
    let stripe = stripe_stand_in().await;
    let (app, seller, _, o) = paid_card_order(&stripe).await;
    stripe
        .refunds_down
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let key = refund_key(&app, &seller, &o).await;
    let (status, _) = refund(&app, &seller, &o, &key, &[("reason", "Hết hàng")]).await;
    assert_eq!(status, 303);
    let waiting = refunds_of(&app, &o).await.remove(0);
    assert_eq!(
        (waiting.state, waiting.stripe_refund_id.as_deref()),
        (RefundState::Pending, None)
    );
    assert!(waiting.failure.is_some());
    let path = format!("/seller/orders/{}", o.pid);
    let page = app_page(&app, &seller, &path).await;
    let again = format!("{path}/refunds/{}/send", waiting.pid);
    assert!(page.contains(&again), "{page}");
    // Nothing more can be refunded meanwhile: it is all reserved.
    assert!(!page.contains("name=\"key\""), "{page}");

    stripe
        .refunds_down
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let token = csrf(&app, &seller, &path).await;
    let sent = post_form(&app, &seller, &again, &[("csrf", &token)]).await;
    assert_eq!(sent.status().as_u16(), 303);
    let keys = stripe.refund_keys.lock().expect("lock").clone();
    assert_eq!(
        keys,
        vec![waiting.pid.to_string(); 2],
        "the same refund twice"
    );
    let done = fresh(&app, &o).await;
    assert_eq!(
        (done.state.as_str(), done.payment_state.as_str()),
        ("refunded", "refunded")
    );
    // Settled, it is not sent a third time.
    let sent = post_form(&app, &seller, &again, &[("csrf", &token)]).await;
    assert_eq!(sent.status().as_u16(), 303);
    assert_eq!(stripe.refund_keys.lock().expect("lock").len(), 2);
}

pub(crate) async fn app_page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body")
}

/// Eight clicks of one refund form at once make one refund; eight forms for the whole
/// amount at once make one refund, the others are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refund_clicks_at_the_same_moment_refund_once() {
    let stripe = stripe_stand_in().await;
    let (app, seller, _, o) = paid_card_order(&stripe).await;
    let path = format!("/seller/orders/{}", o.pid);
    let token = csrf(&app, &seller, &path).await;
    let key = refund_key(&app, &seller, &o).await;
    let target = format!("{path}/refunds");
    let fields = [
        ("csrf", token.as_str()),
        ("key", key.as_str()),
        ("amount", "20000"),
        ("reason", "Giao thiếu"),
    ];
    let clicks = (0..8).map(|_| post_form(&app, &seller, &target, &fields));
    let answers = futures::future::join_all(clicks).await;
    for answer in &answers {
        assert_eq!(answer.status().as_u16(), 303);
    }
    let made = refunds_of(&app, &o).await;
    assert_eq!(made.len(), 1);
    assert_eq!(fresh(&app, &o).await.refunded_vnd.dong(), 20_000);
    let keys: HashSet<_> = stripe
        .refund_keys
        .lock()
        .expect("lock")
        .iter()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        HashSet::from([made[0].pid.to_string()]),
        "one refund at Stripe"
    );

    let mut forms = Vec::new();
    for _ in 0..8 {
        forms.push(refund_key(&app, &seller, &o).await);
    }
    let filled: Vec<_> = forms
        .iter()
        .map(|key| {
            [
                ("csrf", token.as_str()),
                ("key", key.as_str()),
                ("reason", "Huỷ cả đơn"),
            ]
        })
        .collect();
    let all = filled
        .iter()
        .map(|fields| post_form(&app, &seller, &target, fields));
    let answers = futures::future::join_all(all).await;
    let statuses: Vec<_> = answers.iter().map(|a| a.status().as_u16()).collect();
    // The others: more than is left (400), or the order already refunded meanwhile (409).
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [303, 400, 409].contains(s)),
        "{statuses:?}"
    );
    let after = fresh(&app, &o).await;
    assert_eq!(
        (after.refunded_vnd.dong(), after.state.as_str()),
        (182_000, "refunded")
    );
    let succeeded: i64 = refunds_of(&app, &o)
        .await
        .iter()
        .filter(|r| r.state == RefundState::Succeeded)
        .map(|r| r.amount_vnd.dong())
        .sum();
    assert_eq!(succeeded, 182_000);
}

/// A transfer order (paid to the seller's account) is refunded by the seller's transfer to
/// the shopper: a VietQR code with the refund's code, settled by the bank's signed notice.
#[tokio::test]
async fn a_transfer_refund_is_owed_with_a_vietqr_code_until_the_bank_reports_it() {
    let stripe = stripe_stand_in().await;
    let (app, seller, pid) = tea_shop(&stripe).await;
    crate::orders::with_bank_account(&app, seller_of_listing(&app, pid).await).await;
    assert_eq!(
        checkout_through_pages(&app, pid, "vietqr")
            .await
            .status()
            .as_u16(),
        303
    );
    let o = the_order(&app).await;
    let token = csrf(&app, &seller, &format!("/seller/orders/{}", o.pid)).await;
    let paid = post_form(
        &app,
        &seller,
        &format!("/seller/orders/{}/paid", o.pid),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(paid.status().as_u16(), 303);

    // Without the shopper's account there is nothing to pay into.
    let key = refund_key(&app, &seller, &o).await;
    let (status, page) = refund(&app, &seller, &o, &key, &[("reason", "Hết hàng")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("tên chủ tài khoản"), "{page}");
    let account = [
        ("reason", "Hết hàng"),
        ("bank_bin", "970415"),
        ("account_no", "1010 2020 3030"),
        ("account_name", "Nguyễn Thị Lan"),
    ];
    assert_eq!(refund(&app, &seller, &o, &key, &account).await.0, 303);
    let owed = refunds_of(&app, &o).await.remove(0);
    assert_eq!(
        (
            owed.method,
            owed.state,
            owed.amount_vnd.dong(),
            owed.account_no.as_deref()
        ),
        (
            RefundMethod::Transfer,
            RefundState::Pending,
            182_000,
            Some("101020203030")
        )
    );
    assert!(
        refund_requests(&stripe).is_empty(),
        "nothing goes to Stripe"
    );

    // The seller's page shows a VietQR code paying exactly that, with the refund's code.
    let page = app_page(&app, &seller, &format!("/seller/orders/{}", o.pid)).await;
    assert!(page.contains(&owed.code) && page.contains("<svg"), "{page}");
    let payload = ocop_village::payments::vietqr::Transfer {
        bank_bin: "970415".into(),
        account_no: "101020203030".into(),
        amount_vnd: owed.amount_vnd,
        message: owed.code.clone(),
    }
    .payload()
    .expect("payload");
    let fields = ocop_village::payments::vietqr::decode(&payload).expect("decodes");
    assert!(fields.iter().any(|(id, v)| id == "54" && v == "182000"));

    // A transfer of another amount is not it; the right one settles it, once.
    let wrong = serde_json::json!({
        "id": "FT-R-1", "amount_vnd": 100_000, "account_no": "101020203030",
        "description": format!("{} hoan tien", owed.code.to_lowercase()),
    })
    .to_string();
    assert_eq!(bank_event(&app, &wrong).await.1["outcome"], "unmatched");
    let right = serde_json::json!({
        "id": "FT-R-2", "amount_vnd": 182_000, "account_no": "101020203030",
        "description": format!("CK {} hoan tien don", owed.code),
    })
    .to_string();
    for expected in ["refunded", "replayed"] {
        assert_eq!(bank_event(&app, &right).await.1["outcome"], expected);
    }
    let done = fresh(&app, &o).await;
    assert_eq!(
        (done.state.as_str(), done.payment_state.as_str()),
        ("refunded", "refunded")
    );
    assert_eq!(stock(&app, pid).await, 5);
    let settled = refunds_of(&app, &o).await.remove(0);
    assert_eq!(
        (settled.state, settled.settled_by.as_deref()),
        (RefundState::Succeeded, Some("bank"))
    );
}

/// Cash on delivery, delivered, then a part refunded by transfer and confirmed by the seller:
/// the order stays delivered with the refund recorded.
#[tokio::test]
async fn a_cash_order_refunded_in_part_is_confirmed_by_the_seller() {
    let stripe = stripe_stand_in().await;
    let (app, seller, pid) = tea_shop(&stripe).await;
    assert_eq!(
        checkout_through_pages(&app, pid, "cod")
            .await
            .status()
            .as_u16(),
        303
    );
    let o = the_order(&app).await;
    deliver(&app, &seller, &o).await;
    let key = refund_key(&app, &seller, &o).await;
    let fields = [
        ("amount", "50 000"),
        ("reason", "Một hộp bị móp"),
        ("bank_bin", "970436"),
        ("account_no", "0451000123456"),
        ("account_name", "Nguyễn Thị Lan"),
    ];
    assert_eq!(refund(&app, &seller, &o, &key, &fields).await.0, 303);
    let owed = refunds_of(&app, &o).await.remove(0);
    // A forged form: an overlong key is refused with a message, not a server error.
    let (status, _) = refund(&app, &seller, &o, &"k".repeat(300), &fields).await;
    assert_eq!(status, 409);
    let path = format!("/seller/orders/{}", o.pid);
    let token = csrf(&app, &seller, &path).await;
    let paid_path = format!("{path}/refunds/{}/paid", owed.pid);
    for expected in [303, 409] {
        let response = post_form(&app, &seller, &paid_path, &[("csrf", &token)]).await;
        assert_eq!(response.status().as_u16(), expected);
    }
    let after = fresh(&app, &o).await;
    assert_eq!(
        (
            after.state.as_str(),
            after.payment_state.as_str(),
            after.refunded_vnd.dong()
        ),
        ("delivered", "paid", 50_000)
    );
    let settled = refunds_of(&app, &o).await.remove(0);
    assert_eq!(
        (settled.state, settled.settled_by.as_deref()),
        (RefundState::Succeeded, Some("confirmed"))
    );
    // Another seller cannot see it, let alone confirm it.
    let (other, _) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        1,
    )
    .await;
    let token = csrf(&app, &other, "/seller/bank").await;
    let response = post_form(&app, &other, &paid_path, &[("csrf", &token)]).await;
    assert_eq!(response.status().as_u16(), 404);
}

async fn fresh(app: &TestApp, o: &order::Model) -> order::Model {
    order::Entity::find_by_id(o.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the order")
}

/// The seller confirms, ships and delivers `o` through its order page.
pub(crate) async fn deliver(app: &TestApp, seller: &reqwest::Client, o: &order::Model) {
    let path = format!("/seller/orders/{}", o.pid);
    for fields in [
        vec![("step", "confirm")],
        vec![
            ("step", "ship"),
            ("carrier", "VNPost"),
            ("tracking_no", "EB123"),
        ],
        vec![("step", "deliver")],
    ] {
        let token = csrf(app, seller, &path).await;
        let mut form = vec![("csrf", token.as_str())];
        form.extend(fields);
        let done = post_form(app, seller, &format!("{path}/step"), &form).await;
        assert_eq!(done.status().as_u16(), 303);
    }
}
