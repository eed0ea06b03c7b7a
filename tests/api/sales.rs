//! Sell-through and the modern-trade indicator on a known history: a small registry of seven
//! participants in two provinces (one certificate expiring mid-period, one expired before it,
//! one revoked) and orders made through the real checkout, order, payment and counter-sale
//! code at chosen times: completed in the period, before it and after it, cancelled, refunded,
//! paid but not delivered, a livestream order and a counter sale. Every figure is checked.
use chrono::{DateTime, TimeZone, Utc};
use ocop_village::db::entities::{checkout, order, registry_participant, seller};
use ocop_village::domain::ids::{SellerId, ShowId};
use ocop_village::domain::money::Vnd;
use ocop_village::domain::orders::PaymentMethod;
use ocop_village::features::accounts::auth::{Principal, Role, grant};
use ocop_village::features::cart;
use ocop_village::features::orders::{self, Actor, Step};
use ocop_village::features::sales::{self, Level, Period, Within};
use ocop_village::i18n::Lang;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::checkout::address;
use crate::helpers::{TestApp, spawn_app};

const HEADER: &str = "certificate_no,product_name_vi,product_name_en,group_code,subgroup_code,stars,province_code,legacy_province,commune,participant_name,participant_type,business_registration_no,contact_email,recognition_decision_no,recognized_on,expires_on,status";

/// P1–P5 in Tuyên Quang, P6–P7 in Hà Nội.
pub(crate) fn registry() -> Vec<u8> {
    let rows = [
        // P1: valid all along; sells on the web and through a live show.
        (
            "OCOP-TQ-2025-0101",
            "tuyen-quang",
            "1000000001",
            "2025-01-01",
            "2028-01-01",
            "active",
        ),
        // P2: expires on 2026-03-01, in the middle of the period; sold before that.
        (
            "OCOP-TQ-2023-0102",
            "tuyen-quang",
            "1000000002",
            "2023-03-01",
            "2026-03-01",
            "active",
        ),
        // P3: valid, but its only sale was before the period.
        (
            "OCOP-TQ-2025-0103",
            "tuyen-quang",
            "1000000003",
            "2025-02-01",
            "2028-02-01",
            "active",
        ),
        // P4: expired before the period.
        (
            "OCOP-TQ-2022-0104",
            "tuyen-quang",
            "1000000004",
            "2022-06-01",
            "2025-06-01",
            "expired",
        ),
        // P5: revoked.
        (
            "OCOP-TQ-2025-0105",
            "tuyen-quang",
            "1000000005",
            "2025-01-01",
            "2028-01-01",
            "revoked",
        ),
        // P6: sells at the Hà Nội outlet's counter.
        (
            "OCOP-HN-2025-0106",
            "ha-noi",
            "1000000006",
            "2025-01-01",
            "2028-01-01",
            "active",
        ),
        // P7: valid, never sells.
        (
            "OCOP-HN-2025-0107",
            "ha-noi",
            "1000000007",
            "2025-01-01",
            "2028-01-01",
            "active",
        ),
    ];
    let mut csv = format!("{HEADER}\n");
    for (i, (cert, province, reg, from, to, status)) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "{cert},Trà số {i},Tea number {i},food,fresh-produce,4,{province},,xã Một,HTX Số {i},cooperative,{reg},p{i}@example.com,{i}/QĐ-UBND,{from},{to},{status}\n"
        ));
    }
    csv.into_bytes()
}

pub(crate) fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 3, 0, 0)
        .single()
        .expect("a date")
}

pub(crate) fn period(from: &str, to: &str) -> Period {
    Period::parse(Some(from), Some(to), at(2026, 12, 1).date_naive()).expect("period")
}

/// A seller for the participant, a member's principal and a published listing with `stock`
/// units at 50,000 ₫.
async fn seller_with_listing(
    app: &TestApp,
    email: &str,
    registration_no: &str,
    certificate: &str,
    stock: i32,
) -> (Principal, SellerId, uuid::Uuid) {
    let (_, user) = app.signed_in(email).await;
    let shop = app.make_member(&user, registration_no).await;
    // A bank account, so transfers can be paid.
    let mut banked = shop.clone().into_active_model();
    banked.bank_bin = Set(Some("970436".into()));
    banked.bank_account_no = Set(Some("0011001234567".into()));
    banked.bank_account_name = Set(Some("HTX TRA".into()));
    banked.update(&app.db).await.expect("bank account");
    let principal = app.principal(&user).await;
    let listed = ocop_village::features::selling::create_listing(
        &app.db,
        &principal,
        shop.id,
        certificate,
        &ocop_village::features::selling::ListingInput {
            price_vnd: Some(Vnd::new(50_000)),
            stock: Some(stock),
            unit: Some("hộp".into()),
            ..Default::default()
        },
        true,
        app.now,
    )
    .await
    .expect("listed");
    (principal, shop.id, listed.pid)
}

/// A checkout of `quantity` units placed at `when`; its (only) order.
async fn order_at(
    app: &TestApp,
    pid: uuid::Uuid,
    quantity: i32,
    method: PaymentMethod,
    from_show: Option<ShowId>,
    when: DateTime<Utc>,
) -> order::Model {
    let cart = cart::find_cart(&app.db, None, None, true, when)
        .await
        .expect("cart")
        .expect("created");
    cart::add_to_cart(&app.db, cart.id, pid, 0, quantity, when)
        .await
        .expect("added");
    let address = address(app);
    let key = uuid::Uuid::new_v4().to_string();
    let placed = cart::place(
        &app.db,
        &cart::Placement {
            cart_id: cart.id,
            user_id: None,
            address: &address,
            method,
            idempotency_key: &key,
            lang: Lang::Vi,
            site: "http://shop.test",
            from_show,
            pickup_outlet: None,
            reference: &app.reference,
            carriers: &ocop_village::carriers::Endpoints::new(None, None),
            invoice: None,
        },
        when,
    )
    .await
    .expect("placed");
    order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("order")
}

async fn step(app: &TestApp, who: &Principal, o: &order::Model, step: Step, when: DateTime<Utc>) {
    orders::advance(&app.db, Actor::Seller(who), o.pid, step, when)
        .await
        .expect("step");
}

/// Confirmed, shipped, then delivered at `when` (cash collected).
pub(crate) async fn deliver(app: &TestApp, who: &Principal, o: &order::Model, when: DateTime<Utc>) {
    step(app, who, o, Step::Confirm, when).await;
    let ship = Step::Ship {
        carrier: "GHN".into(),
        tracking_no: "GHN1".into(),
    };
    step(app, who, o, ship, when).await;
    step(app, who, o, Step::Deliver, when).await;
}

async fn participant(app: &TestApp, registration_no: &str) -> registry_participant::Model {
    registry_participant::Entity::find()
        .filter(registry_participant::Column::BusinessRegistrationNo.eq(registration_no))
        .one(&app.db)
        .await
        .expect("query")
        .expect("participant")
}

/// Builds the whole history; returns seller A's id.
pub(crate) async fn history(app: &TestApp) -> SellerId {
    app.import(&registry(), false).await.expect("import");
    let (a, seller_a, pid_a) =
        seller_with_listing(app, "a@example.vn", "1000000001", "OCOP-TQ-2025-0101", 20).await;
    let (b, _, pid_b) =
        seller_with_listing(app, "b@example.vn", "1000000002", "OCOP-TQ-2023-0102", 10).await;
    let (c, _, pid_c) =
        seller_with_listing(app, "c@example.vn", "1000000003", "OCOP-TQ-2025-0103", 10).await;
    let (_, _, pid_f) =
        seller_with_listing(app, "f@example.vn", "1000000006", "OCOP-HN-2025-0106", 10).await;

    // A: 2 units delivered in January (web).
    let o1 = order_at(
        app,
        pid_a,
        2,
        PaymentMethod::CashOnDelivery,
        None,
        at(2026, 1, 10),
    )
    .await;
    deliver(app, &a, &o1, at(2026, 1, 15)).await;
    // A: cancelled (the unit goes back).
    let o2 = order_at(
        app,
        pid_a,
        1,
        PaymentMethod::CashOnDelivery,
        None,
        at(2026, 2, 1),
    )
    .await;
    let cancel = Step::Cancel {
        reason: "khách đổi ý".into(),
    };
    step(app, &a, &o2, cancel, at(2026, 2, 2)).await;
    // A: paid by transfer, then refunded before shipping (the units go back).
    let o3 = order_at(app, pid_a, 3, PaymentMethod::VietQr, None, at(2026, 3, 1)).await;
    orders::confirm_transfer(&app.db, &a, o3.pid, at(2026, 3, 1))
        .await
        .expect("paid");
    let refund = Step::Refund {
        reason: "hết hàng".into(),
    };
    step(app, &a, &o3, refund, at(2026, 3, 5)).await;
    // A: through a live show, paid by transfer in April, not yet delivered: completed.
    let show = ocop_village::features::live::create_show(
        &app.db,
        &a,
        seller_a,
        &ocop_village::features::live::ShowInput {
            title: "Trà đêm".into(),
            platform: "tiktok".into(),
            stream_url: "https://www.tiktok.com/@htx/live".into(),
            scheduled_at: at(2026, 4, 1),
        },
        at(2026, 3, 30),
    )
    .await
    .expect("show");
    ocop_village::features::live::link_listing(&app.db, &a, show.pid, pid_a)
        .await
        .expect("linked");
    let o5 = order_at(
        app,
        pid_a,
        1,
        PaymentMethod::VietQr,
        Some(show.id),
        at(2026, 4, 1),
    )
    .await;
    orders::confirm_transfer(&app.db, &a, o5.pid, at(2026, 4, 1))
        .await
        .expect("paid");
    // A: placed on the last day, delivered after the period.
    let o4 = order_at(
        app,
        pid_a,
        1,
        PaymentMethod::CashOnDelivery,
        None,
        at(2026, 6, 30),
    )
    .await;
    deliver(app, &a, &o4, at(2026, 7, 2)).await;
    // A: placed after the period, still open.
    order_at(
        app,
        pid_a,
        1,
        PaymentMethod::CashOnDelivery,
        None,
        at(2026, 8, 1),
    )
    .await;

    // B: sold in February, before its certificate expired on 1 March.
    let o6 = order_at(
        app,
        pid_b,
        1,
        PaymentMethod::CashOnDelivery,
        None,
        at(2026, 2, 10),
    )
    .await;
    deliver(app, &b, &o6, at(2026, 2, 12)).await;
    // C: sold only before the period.
    let o7 = order_at(
        app,
        pid_c,
        1,
        PaymentMethod::CashOnDelivery,
        None,
        at(2025, 12, 18),
    )
    .await;
    deliver(app, &c, &o7, at(2025, 12, 20)).await;

    // F: two units at the Hà Nội outlet's counter in May, at the outlet's price.
    let outlet = ocop_village::features::outlets::create(
        &app.db,
        None,
        &app.reference,
        "ocop-ha-noi",
        "ha-noi",
        "Điểm bán OCOP Hà Nội",
        app.now,
    )
    .await
    .expect("outlet");
    let (_, staff) = app.signed_in("quay@example.vn").await;
    grant(
        &app.db,
        staff.id,
        Role::OutletStaff,
        None,
        Some(outlet.id),
        None,
        app.now,
    )
    .await
    .expect("staff");
    let staff = app.principal(&staff).await;
    ocop_village::features::outlets::carry(&app.db, &staff, outlet.id, pid_f, app.now)
        .await
        .expect("carried");
    ocop_village::features::outlets::set_stock(
        &app.db,
        &staff,
        outlet.id,
        pid_f,
        ocop_village::features::outlets::StockChange::To(4),
    )
    .await
    .expect("stocked");
    ocop_village::features::outlets::record_sale(
        &app.db,
        &staff,
        outlet.id,
        &ocop_village::features::outlets::CounterSale {
            listing_pid: pid_f,
            quantity: 2,
            unit_price_vnd: Vnd::new(45_000),
            payment: "cash".into(),
            idempotency_key: "counter-1".into(),
        },
        at(2026, 5, 5),
    )
    .await
    .expect("sold");
    seller_a
}

#[tokio::test]
async fn the_indicator_counts_participants_with_a_valid_certificate_and_a_completed_sale() {
    let app = spawn_app().await;
    history(&app).await;
    let found = sales::indicator(&app.db, &app.reference, period("2026-01-01", "2026-06-30"))
        .await
        .expect("indicator");
    let province = |code: &str| {
        found
            .provinces
            .iter()
            .find(|p| p.province_code == code)
            .expect("every province is listed")
            .share
    };
    // Tuyên Quang: P1, P2 (expired mid-period) and P3 count; P4 expired before, P5 revoked.
    // P1 and P2 sold in the period, P3 only before it.
    let tq = province("tuyen-quang");
    assert_eq!((tq.participants, tq.selling), (3, 2));
    assert!((tq.share - 2.0 / 3.0).abs() < 1e-9);
    // Hà Nội: P6 sold at the counter, P7 never.
    let hn = province("ha-noi");
    assert_eq!((hn.participants, hn.selling, hn.share), (2, 1, 0.5));
    assert_eq!(found.provinces.len(), 34);
    assert!(
        found
            .provinces
            .iter()
            .filter(|p| !["tuyen-quang", "ha-noi"].contains(&p.province_code.as_str()))
            .all(|p| p.share.participants == 0 && p.share.share == 0.0)
    );
    assert_eq!(
        (
            found.national.participants,
            found.national.selling,
            found.national.share
        ),
        (5, 3, 0.6)
    );
    assert_eq!(found.target, 0.5);
    // Regions add up their provinces.
    for region in &found.regions {
        let (n, s) = found
            .provinces
            .iter()
            .filter(|p| p.region_code == region.region_code)
            .fold((0, 0), |(n, s), p| {
                (n + p.share.participants, s + p.share.selling)
            });
        assert_eq!((region.share.participants, region.share.selling), (n, s));
    }

    // From 1 March, P2's certificate (expiring that day) no longer counts.
    let later = sales::indicator(&app.db, &app.reference, period("2026-03-01", "2026-06-30"))
        .await
        .expect("indicator");
    let tq = later
        .provinces
        .iter()
        .find(|p| p.province_code == "tuyen-quang")
        .expect("listed")
        .share;
    assert_eq!((tq.participants, tq.selling), (2, 1), "P1 and P3; P1 sells");
    // On 28 February it still counts, but sold nothing that day.
    let day = sales::indicator(&app.db, &app.reference, period("2026-02-28", "2026-02-28"))
        .await
        .expect("indicator");
    let tq = day
        .provinces
        .iter()
        .find(|p| p.province_code == "tuyen-quang")
        .expect("listed")
        .share;
    assert_eq!((tq.participants, tq.selling), (3, 0));
    // December 2025: C's sale.
    let december = sales::indicator(&app.db, &app.reference, period("2025-12-01", "2025-12-31"))
        .await
        .expect("indicator");
    assert_eq!(
        (december.national.participants, december.national.selling),
        (5, 1)
    );
}

#[tokio::test]
async fn the_first_completed_sale_marks_a_participant_as_selling_in_modern_trade() {
    let app = spawn_app().await;
    history(&app).await;
    let since = |p: registry_participant::Model| p.modern_trade_since;
    assert_eq!(
        since(participant(&app, "1000000001").await),
        Some(at(2026, 1, 15))
    );
    assert_eq!(
        since(participant(&app, "1000000002").await),
        Some(at(2026, 2, 12))
    );
    assert_eq!(
        since(participant(&app, "1000000003").await),
        Some(at(2025, 12, 20))
    );
    assert_eq!(
        since(participant(&app, "1000000006").await),
        Some(at(2026, 5, 5))
    );
    assert_eq!(since(participant(&app, "1000000007").await), None);
    // Cancelled and refunded orders never completed.
    let never: Vec<order::Model> = order::Entity::find()
        .filter(order::Column::State.is_in(["cancelled", "refunded"]))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(never.len(), 2);
    let refunded = never
        .iter()
        .find(|o| o.state == "refunded")
        .expect("refunded");
    // It was completed when paid; the refund takes it out of every figure (see above).
    assert_eq!(refunded.completed_at, Some(at(2026, 3, 1)));
    assert!(
        never
            .iter()
            .any(|o| o.state == "cancelled" && o.completed_at.is_none())
    );
}

#[tokio::test]
async fn sell_through_adds_up_completed_sales_by_channel_and_stock_at_the_period_end() {
    let app = spawn_app().await;
    let seller_a = history(&app).await;
    let p = period("2026-01-01", "2026-06-30");
    let mine = Within {
        seller_id: Some(seller_a),
        ..Within::default()
    };
    let rows = sales::sell_through(&app.db, Level::Listing, &mine, p)
        .await
        .expect("sell-through");
    assert_eq!(rows.len(), 1);
    let a = &rows[0];
    // Sold in the period: 2 delivered on the web + 1 paid through the show; not the
    // cancelled, refunded or later-delivered ones.
    assert_eq!((a.orders, a.units, a.revenue_vnd.dong()), (2, 3, 150_000));
    assert_eq!((a.web.units, a.web.revenue_vnd.dong()), (2, 100_000));
    assert_eq!((a.livestream.orders, a.livestream.units), (1, 1));
    assert_eq!(a.outlet.units, 0);
    // Stock now: 20 − 2 − 1 (show) − 1 (delivered in July) − 1 (open August order) = 15;
    // at the end of June the August unit was still on hand: 16.
    assert_eq!(a.on_hand, 16);
    assert_eq!(a.rate, Some(3.0 / 19.0));

    // By province: Tuyên Quang sold A's 3 and B's 1; Hà Nội the counter's 2 (on hand: the
    // 10 on the web, untouched by counter sales, and 2 left on the outlet's shelf).
    let provinces = sales::sell_through(&app.db, Level::Province, &Within::default(), p)
        .await
        .expect("by province");
    let tq = provinces
        .iter()
        .find(|r| r.key == "tuyen-quang")
        .expect("tq");
    assert_eq!(
        (tq.orders, tq.units, tq.revenue_vnd.dong()),
        (3, 4, 200_000)
    );
    assert_eq!(tq.on_hand, 16 + 9 + 9);
    let hn = provinces.iter().find(|r| r.key == "ha-noi").expect("hn");
    assert_eq!(
        (hn.units, hn.revenue_vnd.dong(), hn.on_hand),
        (2, 90_000, 12)
    );
    assert_eq!(
        (
            hn.outlet.orders,
            hn.outlet.units,
            hn.outlet.revenue_vnd.dong()
        ),
        (1, 2, 90_000)
    );

    // By seller in Tuyên Quang: C sold nothing in the period but holds stock.
    let sellers = sales::sell_through(
        &app.db,
        Level::Seller,
        &Within {
            province_code: Some("tuyen-quang".into()),
            ..Within::default()
        },
        p,
    )
    .await
    .expect("by seller");
    assert_eq!(
        sellers.iter().map(|r| r.units).collect::<Vec<_>>(),
        vec![3, 1, 0]
    );
    assert_eq!(sellers[2].on_hand, 9);
    assert_eq!(sellers[2].rate, Some(0.0));

    // Over time, by month: January 2, April 1 (the show); every month present.
    let months = sales::over_time(&app.db, &mine, p).await.expect("buckets");
    assert_eq!(
        months
            .iter()
            .map(|b| (b.label.as_str(), b.units))
            .collect::<Vec<_>>(),
        vec![
            ("2026-01", 2),
            ("2026-02", 0),
            ("2026-03", 0),
            ("2026-04", 1),
            ("2026-05", 0),
            ("2026-06", 0)
        ]
    );
    // By day for a short period, dated in Vietnam's calendar.
    let days = sales::over_time(&app.db, &mine, period("2026-01-14", "2026-01-16"))
        .await
        .expect("buckets");
    assert_eq!(
        days.iter()
            .map(|b| (b.label.as_str(), b.revenue_vnd.dong()))
            .collect::<Vec<_>>(),
        vec![
            ("2026-01-14", 0),
            ("2026-01-15", 100_000),
            ("2026-01-16", 0)
        ]
    );
}

#[tokio::test]
async fn the_indicator_is_served_as_json_csv_and_a_page_with_a_chart() {
    let app = spawn_app().await;
    history(&app).await;
    let (status, json) = app
        .get_json("/api/v1/indicators/modern-trade?from=2026-01-01&to=2026-06-30")
        .await;
    assert_eq!(status, 200);
    assert_eq!(json["period"]["from"], "2026-01-01");
    assert_eq!(json["target"], 0.5);
    assert_eq!(json["national"]["participants"], 5);
    assert_eq!(json["national"]["selling"], 3);
    assert_eq!(json["national"]["share"], 0.6);
    let hn = json["provinces"]
        .as_array()
        .expect("provinces")
        .iter()
        .find(|p| p["province_code"] == "ha-noi")
        .expect("ha-noi");
    assert_eq!(
        (hn["participants"].as_i64(), hn["selling"].as_i64()),
        (Some(2), Some(1))
    );
    assert!(json["regions"].as_array().is_some_and(|r| r.len() == 6));

    let (status, bad) = app
        .get_json("/api/v1/indicators/modern-trade?from=2026-07-01&to=2026-01-01")
        .await;
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["code"], "invalid_period");

    let csv = app
        .get("/indicators/modern-trade.csv?from=2026-01-01&to=2026-06-30")
        .await;
    assert_eq!(csv.status().as_u16(), 200);
    let text = csv.text().await.expect("body");
    assert!(text.starts_with(
        "from,to,level,code,participants,selling,share,target,here_only,elsewhere_only,both\n"
    ));
    assert!(
        text.contains("2026-01-01,2026-06-30,national,vn,5,3,0.6000,0.50,3,0,0\n"),
        "{text}"
    );
    assert!(text.contains(",province,ha-noi,2,1,0.5000,"), "{text}");

    let page = app
        .get_html("/indicators/modern-trade?from=2026-01-01&to=2026-06-30")
        .await;
    assert!(page.contains("<svg class=\"chart share-chart\""), "a chart");
    assert!(page.contains("60,0 %"), "the national share");
    assert!(page.contains("Mục tiêu 50,0 %"), "the target line");
}

#[tokio::test]
async fn officers_see_their_province_and_the_participants_not_selling_yet() {
    let app = spawn_app().await;
    history(&app).await;
    let (officer, user) = app.signed_in("canbo@example.vn").await;
    app.make_officer(&user, "tuyen-quang").await;
    let page = officer
        .get(format!(
            "{}/officer/indicators?from=2026-01-01&to=2026-06-30",
            app.address
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().await.expect("body");
    assert!(page.contains("66,7 %"), "Tuyên Quang's share");
    assert!(
        page.contains("Chủ thể chưa tham gia thương mại hiện đại trong kỳ (1)"),
        "P3 is not selling"
    );
    assert!(page.contains("1000000003"));
    // Another province is not theirs.
    let other = officer
        .get(format!(
            "{}/officer/indicators?province=ha-noi",
            app.address
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(other.status().as_u16(), 403);

    // The participants export carries the modern-trade mark.
    let csv = officer
        .get(format!(
            "{}/officer/indicators/participants.csv?from=2026-01-01&to=2026-06-30",
            app.address
        ))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "a header and P1–P3: {csv}");
    assert!(
        lines[1].starts_with("tuyen-quang,1000000003,")
            && lines[1].ends_with(",no,0,0,0,0,2025-12-20"),
        "not selling first, with its mark from December: {csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",1000000001,") && l.ends_with(",yes,0,2,3,150000,2026-01-15"))
    );

    let sellers = officer
        .get(format!(
            "{}/officer/indicators/sell-through.csv?from=2026-01-01&to=2026-06-30&level=seller",
            app.address
        ))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("body");
    assert!(
        sellers.contains(",HTX Số 0,2,3,16,0.1579,150000,2,1,0,100000,50000,0\n"),
        "{sellers}"
    );

    // A shopper is no officer.
    let (shopper, _) = app.signed_in("khach@example.vn").await;
    let refused = shopper
        .get(format!("{}/officer/indicators", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(refused.status().as_u16(), 403);
}

#[tokio::test]
async fn sellers_see_their_own_sales_with_a_chart_and_no_one_elses() {
    let app = spawn_app().await;
    let seller_a = history(&app).await;
    let a = seller::Entity::find_by_id(seller_a)
        .one(&app.db)
        .await
        .expect("query")
        .expect("seller");
    // The member of A signs in again in a fresh browser.
    let client = app.sign_in_again("a@example.vn").await;
    let page = client
        .get(format!(
            "{}/seller/sales?from=2026-01-01&to=2026-06-30",
            app.address
        ))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains(&a.display_name));
    assert!(page.contains("150.000 ₫"), "the period's revenue");
    assert!(page.contains("15,8 %"), "sell-through 3/19");
    assert!(page.contains("<svg class=\"chart\""));
    let csv = client
        .get(format!(
            "{}/seller/sales.csv?from=2026-01-01&to=2026-06-30",
            app.address
        ))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("body");
    assert!(csv.contains(",Trà số 0,2,3,16,0.1579,150000,"), "{csv}");
    // Another seller's figures are refused.
    let other = app.sign_in_again("b@example.vn").await;
    let refused = other
        .get(format!("{}/seller/sales?seller={seller_a}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(refused.status().as_u16(), 403);
    let checkouts = checkout::Entity::find().all(&app.db).await.expect("query");
    assert!(checkouts.iter().any(|c| c.channel == "livestream"));
}
