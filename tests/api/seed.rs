use crate::helpers::{at, spawn_app, spawn_app_at};
use sea_orm::EntityTrait;

#[tokio::test]
async fn the_demo_seed_creates_a_seller_per_participant_and_a_listing_per_active_certificate() {
    let app = spawn_app().await;

    let report = app.seed_demo().await;

    assert_eq!(report.sellers_created, 150);
    assert_eq!(report.listings_created, 340);
    // The demo registry is laid out for its demo day whatever the day: 101 lapsed.
    assert_eq!(report.listings_created_delisted, 101);
    assert_eq!(app.count("sellers", "state = 'active'").await, 150);
    assert_eq!(app.count("listings", "state = 'published'").await, 239);
    let listed_inactive = app
        .count(
            "listings l JOIN registry_certificates c ON c.id = l.certificate_id",
            "c.status <> 'active'",
        )
        .await;
    assert_eq!(
        listed_inactive, 0,
        "expired and revoked certificates get no listing"
    );
    assert_eq!(
        app.count("listings", "price_vnd <= 0 OR stock < 0").await,
        0
    );
    let (_, body) = app.get_json("/api/v1/listings").await;
    assert_eq!(body["total"], 239);
}

/// What a day's demo shows: products on sale, certificates expiring within 60 days, active
/// certificates past their date.
async fn demo_shape_on(year: i32, month: u32, day: u32) -> (serde_json::Value, i64, i64) {
    let app = spawn_app_at(at(year, month, day)).await;
    app.seed_demo().await;
    let today = format!("{year:04}-{month:02}-{day:02}");
    let in_60 = (chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d").expect("a day")
        + chrono::Duration::days(60))
    .to_string();
    let expiring = app
        .count(
            "registry_certificates",
            &format!("status = 'active' AND expires_on > '{today}' AND expires_on <= '{in_60}'"),
        )
        .await;
    let lapsed = app
        .count(
            "registry_certificates",
            &format!("status = 'active' AND expires_on <= '{today}'"),
        )
        .await;
    let (_, body) = app.get_json("/api/v1/listings").await;
    (body["total"].clone(), expiring, lapsed)
}

#[tokio::test]
async fn the_demo_seeded_on_two_different_dates_shows_the_same_number_of_products() {
    let early = demo_shape_on(2025, 11, 1).await;
    let late = demo_shape_on(2028, 6, 15).await;

    assert_eq!(early, (serde_json::json!(239), 15, 101));
    assert_eq!(late, early);
}

#[tokio::test]
async fn seeding_twice_creates_nothing_new() {
    let app = spawn_app().await;
    app.seed_demo().await;

    let again = app.seed_demo().await;

    assert_eq!(again.sellers_created, 0);
    assert_eq!(again.listings_created, 0);
    assert_eq!(again.accounts_created, 0);
    assert_eq!(again.registry.certificates_unchanged, 400);
    assert_eq!(app.count("sellers", "").await, 150);
    assert_eq!(app.count("listings", "").await, 340);
}

#[tokio::test]
async fn certificates_past_their_expiry_date_are_not_shown_even_if_the_registry_says_active() {
    // A year after the snapshot, 101 of the 340 "active" certificates have run out.
    let app = spawn_app_at(at(2026, 11, 22)).await;

    let report = app.seed_demo().await;

    assert_eq!(report.listings_created, 340);
    assert_eq!(report.listings_created_delisted, 101);
    let past_expiry = app
        .count(
            "registry_certificates",
            "status = 'active' AND expires_on <= '2026-11-22'",
        )
        .await;
    assert_eq!(past_expiry, 101);
    let (_, body) = app.get_json("/api/v1/listings").await;
    assert_eq!(body["total"], 239);
}

#[tokio::test]
async fn the_demo_accounts_can_sign_in() {
    let app = spawn_app().await;
    let report = app.seed_demo().await;
    assert_eq!(
        report.accounts_created,
        ocop_village_tools::seed::DEMO_ACCOUNTS.len()
    );

    for (role, email, password) in ocop_village_tools::seed::DEMO_ACCOUNTS {
        let user = ocop_village::features::accounts::authenticate(&app.db, email, password)
            .await
            .unwrap_or_else(|e| panic!("{role}: {e}"));
        assert!(user.email_verified_at.is_some(), "{role}");
    }
}

#[tokio::test]
async fn the_demo_has_orders_in_every_state_and_every_seller_can_be_paid_by_vietqr() {
    let app = spawn_app().await;
    let report = app.seed_demo().await;

    assert_eq!(report.orders_created, 10);
    // A return in progress: the delivered order's box, with the shopper's photo.
    assert_eq!(app.count("returns", "state = 'requested'").await, 1);
    assert_eq!(app.count("return_photos", "1 = 1").await, 1);
    // A five-star review of the delivered order's product, answered by the seller.
    assert_eq!(
        app.count("reviews", "rating = 5 AND reply IS NOT NULL")
            .await,
        1
    );
    // And a two-star review of the returned order's product, which the officers see as a
    // quality report, besides the shopper's label report the officer asked the seller about.
    assert_eq!(app.count("reviews", "rating = 2").await, 1);
    // Both in the listings' figures (one product or two).
    assert_eq!(
        app.count("listings", "rating_count > 0 AND rating_total > 0")
            .await,
        app.count("(SELECT DISTINCT listing_id FROM reviews) AS rated", "")
            .await
    );
    assert_eq!(
        app.count("quality_reports", "kind = 'low_rating' AND state = 'open'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "quality_reports",
            "kind = 'label' AND state = 'asked_seller'"
        )
        .await,
        1
    );
    // Every listing has the drawn picture of its product set: 23 pictures for the 26 sets
    // (water and other soft drinks share one, as do medicinal and herbal products, and
    // flowers and ornamental plants), each stored once.
    assert_eq!(app.count("listing_photos", "1 = 1").await, 340);
    assert_eq!(
        app.count(
            "(SELECT DISTINCT storage_key FROM listing_photos) AS pictures",
            ""
        )
        .await,
        23
    );
    // The demo seller's producer page: its story and a photo.
    assert_eq!(app.count("producer_photos", "1 = 1").await, 1);
    assert_eq!(app.count("sellers", "story_vi IS NOT NULL").await, 1);
    // Two card payments: last month's settled and paid out, this month's open in the ledger.
    assert_eq!(report.card_orders, 2);
    assert_eq!(app.count("settlements", "1 = 1").await, 1);
    assert_eq!(app.count("payouts", "state = 'paid'").await, 1);
    assert!(
        app.count("ledger_entries", "payout_id IS NULL AND kind = 'sale'")
            .await
            == 1
    );
    assert_eq!(
        app.count("refunds", "state = 'pending'").await,
        1,
        "a refund still owed"
    );
    for state in [
        "placed",
        "confirmed",
        "shipped",
        "delivered",
        "cancelled",
        "refunded",
        "returned",
    ] {
        assert!(
            app.count("orders", &format!("state = '{state}'")).await >= 1,
            "a demo order is {state}"
        );
    }
    assert_eq!(
        app.count("orders", "payment_state = 'unpaid' AND state = 'placed'")
            .await,
        2,
        "a cash order and a transfer waiting"
    );
    assert_eq!(app.count("sellers", "bank_account_no IS NULL").await, 0);
    // Every seller has rates and a pick-up address on the 2025 map; every demo order carries
    // its delivery fee, and every checkout's total is its orders' goods and delivery.
    // Two demo orders asked for a VAT invoice; the delivered one has it.
    assert_eq!(
        app.count("checkouts", "invoice_tax_code IS NOT NULL").await,
        2
    );
    assert_eq!(
        app.count("orders", "state = 'delivered' AND invoice_no IS NOT NULL")
            .await,
        1
    );
    assert_eq!(app.count("sellers", "pickup_commune IS NULL").await, 0);
    assert_eq!(
        app.count(
            "sellers s",
            "NOT EXISTS (SELECT 1 FROM shipping_rates r WHERE r.seller_id = s.id)"
        )
        .await,
        0
    );
    let sellers = ocop_village::db::entities::seller::Entity::find()
        .all(&app.db)
        .await
        .expect("sellers");
    for s in &sellers {
        let province = s.pickup_province_code.as_deref().expect("a province");
        let commune = s.pickup_commune.as_deref().expect("a commune");
        assert_eq!(
            ocop_village::features::shipping::resolve_commune(&app.reference, province, commune)
                .as_deref(),
            Ok(commune),
            "{}",
            s.display_name
        );
    }
    for o in ocop_village::db::entities::outlet::Entity::find()
        .all(&app.db)
        .await
        .expect("outlets")
    {
        let commune = o.commune.as_deref().expect("the demo outlet's commune");
        assert!(
            ocop_village::features::shipping::resolve_commune(
                &app.reference,
                &o.province_code,
                commune
            )
            .is_ok()
        );
    }
    assert_eq!(
        app.count("orders", "shipping_vnd = 0 AND shipping_service <> 'pickup' AND EXISTS (SELECT 1 FROM checkouts c WHERE c.id = orders.checkout_id AND c.channel = 'web' AND c.idempotency_key LIKE 'demo-order-%')")
            .await,
        0,
        "the demo shopper's orders pay for delivery"
    );
    assert_eq!(
        app.count("checkouts c", "c.total_vnd <> (SELECT SUM(o.subtotal_vnd + o.shipping_vnd) FROM orders o WHERE o.checkout_id = c.id)")
            .await,
        0
    );
    // A live show on air with products and a pin, which brought in one order.
    let show = report.live_show_id.expect("a demo live show");
    assert_eq!(
        app.count(
            "live_shows",
            &format!("id = {show} AND state = 'live' AND pinned_listing_id IS NOT NULL")
        )
        .await,
        1
    );
    assert_eq!(
        app.count("live_show_items", &format!("show_id = {show}"))
            .await,
        3
    );
    assert_eq!(
        app.count(
            "checkouts",
            &format!("channel = 'livestream' AND live_show_id = {show}")
        )
        .await,
        1
    );
    // The demo shopper owns them all (besides the sales history's guest buyer); a second seed
    // adds none.
    assert_eq!(
        app.count(
            "checkouts",
            "user_id IS NULL AND channel <> 'outlet' AND idempotency_key NOT LIKE 'demo-history-%'"
        )
        .await,
        0
    );
    assert!(
        report.history_orders > 50 && report.history_participants > 30,
        "{report:?}"
    );
    assert_eq!(
        app.count(
            "orders o",
            "o.state = 'delivered' AND o.completed_at IS NOT NULL"
        )
        .await,
        report.history_orders as i64 + 3,
        "the history, the demo's two delivered orders and the counter sale"
    );
    // The demo outlet carries products with stock and has one counter sale.
    assert!(report.outlet_products > 0);
    assert_eq!(
        app.count("checkouts", "channel = 'outlet' AND outlet_id IS NOT NULL")
            .await,
        1
    );
    // The demo codes: the seller's, its live show's, the outlet's and the Tết campaign.
    assert_eq!(
        report.vouchers,
        ["GIAM10", "LIVE30K", "DIEMBAN15", "TET2027"],
        "{report:?}"
    );
    assert_eq!(
        app.count(
            "vouchers",
            &format!("code = 'LIVE30K' AND issuer = 'seller' AND live_show_id = {show}")
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "vouchers",
            "code = 'DIEMBAN15' AND issuer = 'outlet' AND outlet_id IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "vouchers",
            "code = 'TET2027' AND issuer = 'programme' AND per_shopper_cap = 2"
        )
        .await,
        1
    );
    // The outlet's gift combo: three products of three producers, on sale, with a photo.
    let slug = report.gift_combo.clone().expect("a demo gift combo");
    let today = ocop_village::domain::time::vietnam_date(app.now);
    let gift = ocop_village::features::offers::combos::by_slug(&app.db, today, &slug)
        .await
        .expect("query")
        .expect("the combo");
    assert_eq!(
        (gift.issuer.as_str(), gift.parts.len(), gift.producers),
        ("outlet", 3, 3)
    );
    assert!(gift.on_sale && gift.photo_url.is_some(), "{gift:?}");
    // Other modern-trade channels: verified in several provinces, one waiting for the demo
    // officer, one rejected, one expired; the indicator counts the verified ones.
    let c = &report.channels;
    assert_eq!(
        (c.verified, c.pending, c.rejected, c.expired),
        (4, 1, 1, 1),
        "{c:?}"
    );
    assert!(c.provinces >= 3, "{c:?}");
    assert_eq!(
        app.count("channel_declarations", "state = 'pending'").await,
        1
    );
    let year = ocop_village::features::sales::Period {
        from: today - chrono::Duration::days(30),
        to: today,
    };
    let found = ocop_village::features::sales::indicator(&app.db, &app.reference, year)
        .await
        .expect("indicator");
    assert_eq!(
        (found.national.elsewhere_only, found.national.both),
        (3, 1),
        "three sellers with no sale here count through their channels, the demo seller both \
         ways: {:?}",
        found.national
    );
    let again = app.seed_demo().await;
    assert_eq!(again.gift_combo, None, "made once");
    assert_eq!(again.channels.verified, 0, "made once");
    assert_eq!(app.count("channel_declarations", "").await, 7);
    assert_eq!(app.count("combos", "").await, 1);
    assert_eq!(again.vouchers, report.vouchers, "kept as they were");
    assert_eq!(app.count("vouchers", "").await, 4);
    assert_eq!(again.orders_created, 0);
    assert_eq!(
        app.count("orders", "").await,
        11 + report.history_orders as i64 + report.card_orders as i64,
        "10 web or live orders, the counter sale, the sales history and 2 card orders"
    );
}
