//! Vouchers: the last use of a code goes to one of the shoppers taking it at the same moment
//! (and a shopper racing their own per-shopper cap redeems once); a discount is shared over
//! the lines it applies to and carried into the orders, the payment total, the e-mails,
//! returns and sell-through; codes that do not apply are refused with why; issuers manage only
//! their own codes. On PostgreSQL (`TEST_DATABASE_URL`) the races interleave for real.
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ocop_village::db::entities::{cart as cart_row, order, order_item, voucher};
use ocop_village::domain::money::Vnd;
use ocop_village::domain::time::vietnam_local_value;
use ocop_village::features::cart::{self, Address, CheckoutError, ShopError};
use ocop_village::features::offers::{self, Context, Delivery, Draft, Issuer};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio::sync::Barrier;

use crate::checkout::{cart_with, listing_of, place_cod};
use crate::helpers::{TestApp, browser, post_with_csrf, sample_registry, spawn_app};

/// A voucher of `issuer` valid from a day before the app's clock for 30 days, `tweak`ed.
async fn voucher_of(
    app: &TestApp,
    issuer: Issuer,
    code: &str,
    tweak: impl FnOnce(&mut Draft),
) -> voucher::Model {
    let mut draft = Draft {
        code: code.into(),
        title: format!("Mã {code}"),
        kind: "amount".into(),
        value: "10000".into(),
        starts: vietnam_local_value(app.now - Duration::days(1)),
        ends: vietnam_local_value(app.now + Duration::days(30)),
        ..Draft::default()
    };
    tweak(&mut draft);
    offers::create(&app.db, issuer, &draft, None, app.now - Duration::days(2))
        .await
        .expect("a valid voucher")
}

/// A shopper's delivery address with their own e-mail address.
fn shopper(app: &TestApp, email: &str) -> Address {
    Address::parse(
        &app.reference,
        "Nguyễn Thị Lan",
        email,
        "0912 345 678",
        "ha-noi",
        "phường Hoàn Kiếm",
        "12 phố Hàng Bạc",
    )
    .expect("a valid address")
}

async fn cart_model(app: &TestApp, id: i64) -> cart_row::Model {
    cart_row::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the cart")
}

fn context(now: DateTime<Utc>) -> Context<'static> {
    Context {
        now,
        shopper: None,
        show: None,
        delivery: Delivery::Unknown,
    }
}

/// Puts `code` in the cart the way the cart page does; the refusal's text when it does not
/// apply.
async fn enter(app: &TestApp, cart_id: i64, code: &str) -> Result<(), String> {
    let found = cart_model(app, cart_id).await;
    cart::set_voucher(
        &app.db,
        &found,
        Some(code),
        context(app.now),
        app.now.date_naive(),
    )
    .await
    .map_err(|e| e.to_string())
}

async fn seller_of(app: &TestApp, email: &str) -> ocop_village::domain::ids::SellerId {
    app.principal_by_email(email).await.seller_ids()[0]
}

/// Places every cart (with its shopper's address) as cash on delivery, all released at once
/// on the multi-threaded runtime: how many were placed, and the others' voucher refusals.
async fn race(app: &TestApp, carts: Vec<(i64, Address)>) -> (usize, Vec<String>) {
    let barrier = Arc::new(Barrier::new(carts.len()));
    let mut tasks = Vec::new();
    for (id, address) in carts {
        let (db, now, barrier) = (app.db.clone(), app.now, barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            place_cod(&db, id, &address, &format!("race-{id}"), now).await
        }));
    }
    let mut placed = 0;
    let mut refused = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => placed += 1,
            other => refused.push(refusal(other)),
        }
    }
    (placed, refused)
}

fn refusal(result: Result<ocop_village::db::entities::checkout::Model, CheckoutError>) -> String {
    match result {
        Err(CheckoutError::Shop(ShopError::Voucher(why))) => why,
        other => panic!("expected a voucher refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_use_of_a_code_goes_to_one_of_twenty_shoppers_at_the_same_moment() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(
        &app,
        "tra@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        50,
    )
    .await;
    let seller = seller_of(&app, "tra@example.vn").await;
    let code = voucher_of(&app, Issuer::Seller(seller), "CUOICUNG", |d| {
        d.total_cap = "3".into();
    })
    .await;
    // Two uses taken already: one left.
    let mut carts = Vec::new();
    for n in 0..22 {
        let id = cart_with(&app, pid, 1).await;
        enter(&app, id, "cuoicung").await.expect("the code applies");
        carts.push((id, shopper(&app, &format!("khach{n}@example.vn"))));
    }
    for (id, address) in carts.drain(..2) {
        place_cod(&app.db, id, &address, &format!("early-{id}"), app.now)
            .await
            .expect("placed with the code");
    }
    let (placed, refused) = race(&app, carts).await;
    assert_eq!(placed, 1, "one shopper got the last use");
    assert_eq!(refused.len(), 19);
    assert!(
        refused.iter().all(|why| why.contains("hết lượt")),
        "{refused:?}"
    );
    let row = voucher::Entity::find_by_id(code.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("voucher");
    assert_eq!(row.used, 3);
    assert_eq!(app.count("voucher_redemptions", "").await, 3);
    assert_eq!(app.count("checkouts", "voucher_code = 'CUOICUNG'").await, 3);
    // The refused checkouts wrote nothing and took no stock: 3 orders, 3 units gone.
    assert_eq!(app.count("orders", "discount_vnd = 10000").await, 3);
    assert_eq!(app.count("listings", "stock = 47").await, 1);

    // One of them cancels before paying: the use comes back, once.
    use ocop_village::features::orders::{self, Actor, Step};
    let first = order::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("an order");
    let cancel = Step::Cancel {
        reason: "Đặt nhầm".into(),
    };
    orders::advance(&app.db, Actor::System, first.pid, cancel, app.now)
        .await
        .expect("cancelled");
    assert_eq!(app.count("vouchers", "used = 2").await, 1);
    assert_eq!(app.count("voucher_redemptions", "").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_shopper_racing_their_own_per_shopper_cap_redeems_it_once() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(
        &app,
        "tra@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        50,
    )
    .await;
    voucher_of(&app, Issuer::Programme, "MOILAN", |d| {
        d.per_shopper_cap = "1".into();
    })
    .await;
    let mut carts = Vec::new();
    for _ in 0..10 {
        let id = cart_with(&app, pid, 1).await;
        enter(&app, id, "MOILAN").await.expect("applies");
        carts.push(id);
    }
    // The same shopper (the address is case-insensitive) in ten tabs at once.
    let tabs: Vec<_> = carts
        .into_iter()
        .enumerate()
        .map(|(n, id)| {
            let email = if n % 2 == 0 {
                "lan@example.vn"
            } else {
                "LAN@Example.vn"
            };
            (id, shopper(&app, email))
        })
        .collect();
    let (placed, refused) = race(&app, tabs).await;
    assert!(
        refused.iter().all(|why| why.contains("hết số lượt")),
        "{refused:?}"
    );
    assert_eq!(placed, 1);
    assert_eq!(
        app.count(
            "voucher_shoppers",
            "uses = 1 AND shopper = 'lan@example.vn'"
        )
        .await,
        1
    );
    assert_eq!(app.count("vouchers", "used = 1").await, 1);
}

#[tokio::test]
async fn a_discount_is_shared_over_its_lines_and_carried_into_orders_mail_returns_and_sales() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, tea) = listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 9).await;
    let (_, other) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        9,
    )
    .await;
    // The programme's Tết campaign: 20,001 đồng off everything from 160,000.
    voucher_of(&app, Issuer::Programme, "TET2027", |d| {
        d.value = "20001".into();
        d.min_spend = "160.000".into();
    })
    .await;
    let id = cart_with(&app, tea, 3).await;
    let why = enter(&app, id, "tet2027")
        .await
        .expect_err("160,000 needed");
    assert!(why.contains("160.000"), "{why}");
    cart::add_to_cart(&app.db, id, other, 0, 1, app.now)
        .await
        .expect("added");
    enter(&app, id, " tet2027 ").await.expect("200,000 now");

    // The cart shows each seller's saving: 3/4 and 1/4 of it, the extra đồng on the larger.
    let mut view = cart::view(&app.db, id, app.now.date_naive())
        .await
        .expect("view");
    let code = cart_model(&app, id).await.voucher_code;
    assert_eq!(code.as_deref(), Some("TET2027"));
    cart::apply_voucher(&app.db, &mut view, code.as_deref(), context(app.now))
        .await
        .expect("applied");
    let mut savings: Vec<i64> = view.groups.iter().map(|g| g.discount_vnd.dong()).collect();
    savings.sort_unstable();
    assert_eq!(savings, vec![5_000, 15_001]);
    assert_eq!(view.goods_vnd, Vnd::new(200_000 - 20_001));

    let placed = place_cod(
        &app.db,
        id,
        &shopper(&app, "lan@example.vn"),
        "tet",
        app.now,
    )
    .await
    .expect("placed");
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .all(&app.db)
        .await
        .expect("orders");
    let shipping: Vnd = orders.iter().map(|o| o.shipping_vnd).sum();
    assert_eq!(placed.total_vnd, Vnd::new(179_999) + shipping);
    let tea_order = orders
        .iter()
        .find(|o| o.discount_vnd == Vnd::new(15_001))
        .expect("the tea seller's order");
    assert_eq!(tea_order.subtotal_vnd, Vnd::new(134_999));
    let line = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(tea_order.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("line");
    assert_eq!(line.discount_vnd, Vnd::new(15_001));
    // One of the three boxes cost 150,000 / 3 less its third of the discount.
    assert_eq!(line.paid_for(1), Vnd::new(45_000));
    assert_eq!(line.paid_for(3), Vnd::new(134_999));
    // Every stored total agrees with its parts.
    let broken = ocop_village::ops::check(&app.db).await.expect("check");
    assert!(broken.is_empty(), "{broken:?}");
    // The shopper's confirmation names the code and the saving.
    let mail = app.mail_to("lan@example.vn").await;
    let text = &mail.last().expect("a confirmation").text;
    assert!(text.contains("Giảm giá (mã TET2027): −15.001 ₫"), "{text}");

    // Delivered, the tea seller's sell-through counts what was paid, not the list price.
    let principal = app.principal_by_email("tra@example.vn").await;
    crate::sales::deliver(&app, &principal, tea_order, app.now).await;
    use ocop_village::features::sales::{self, Level, Period, Within};
    let day = ocop_village::domain::time::vietnam_date(app.now);
    let period = Period {
        from: day - Duration::days(1),
        to: day + Duration::days(1),
    };
    let mine = Within {
        seller_id: Some(tea_order.seller_id),
        ..Within::default()
    };
    let rows = sales::sell_through(&app.db, Level::Listing, &mine, period)
        .await
        .expect("sell-through");
    assert_eq!((rows[0].units, rows[0].revenue_vnd), (3, Vnd::new(134_999)));
}

#[tokio::test]
async fn codes_that_do_not_apply_are_refused_with_why() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, tea) = listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 9).await;
    listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        9,
    )
    .await;
    let other = seller_of(&app, "b@example.vn").await;
    voucher_of(&app, Issuer::Seller(other), "CUAHANGB", |_| {}).await;
    voucher_of(&app, Issuer::Programme, "DAHET", |d| {
        d.starts = vietnam_local_value(app.now - Duration::days(10));
        d.ends = vietnam_local_value(app.now - Duration::hours(1));
    })
    .await;
    voucher_of(&app, Issuer::Programme, "SAPTOI", |d| {
        d.starts = vietnam_local_value(app.now + Duration::days(3));
    })
    .await;
    let ended = voucher_of(&app, Issuer::Programme, "DADUNG", |_| {}).await;
    assert!(
        offers::end(&app.db, Issuer::Programme, ended.id)
            .await
            .expect("ended")
    );

    let id = cart_with(&app, tea, 1).await;
    let cases = [
        ("KHONGCO", "Không có mã giảm giá “KHONGCO”"),
        ("CUAHANGB", "không áp dụng cho sản phẩm nào trong giỏ"),
        ("DAHET", "đã hết hạn"),
        ("SAPTOI", "bắt đầu áp dụng từ"),
        ("DADUNG", "Không có mã giảm giá “DADUNG”"),
        ("x", "Không có mã giảm giá “X”"),
    ];
    for (code, expected) in cases {
        let why = enter(&app, id, code).await.expect_err(code);
        assert!(why.contains(expected), "{code}: {why}");
        assert_eq!(
            cart_model(&app, id).await.voucher_code,
            None,
            "{code} not kept"
        );
    }

    // Through the cart page: refused with its message, nothing kept; a good code is shown.
    let shop = browser();
    let added = post_with_csrf(
        &app,
        &shop,
        "/cart/add",
        &[("listing", &tea.to_string()), ("quantity", "1")],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);
    let refused = post_with_csrf(&app, &shop, "/cart/voucher", &[("code", "dahet")]).await;
    assert_eq!(refused.status().as_u16(), 400);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("Mã này đã hết hạn.")
    );
    let seller = seller_of(&app, "tra@example.vn").await;
    voucher_of(&app, Issuer::Seller(seller), "GIAM10", |d| {
        d.kind = "percent".into();
        d.value = "10".into();
    })
    .await;
    let applied = post_with_csrf(&app, &shop, "/cart/voucher", &[("code", "giam10")]).await;
    assert_eq!(applied.status().as_u16(), 303);
    let page = shop
        .get(format!("{}/cart", app.address))
        .send()
        .await
        .expect("cart")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Đã áp dụng mã GIAM10"), "{page}");
    assert!(page.contains("−5.000 ₫"), "10 % of 50,000: {page}");
    assert!(page.contains("45.000 ₫"), "{page}");

    // Ended once in the cart, the checkout is refused with why and places nothing.
    let code = voucher::Entity::find()
        .filter(voucher::Column::Code.eq("GIAM10"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("voucher");
    offers::end(&app.db, Issuer::Seller(seller), code.id)
        .await
        .expect("ended");
    let (_, key) = crate::helpers::checkout_form(&app, &shop).await;
    let placed = post_with_csrf(
        &app,
        &shop,
        "/checkout",
        &[
            ("idempotency_key", key.as_str()),
            ("name", "Trần Văn Minh"),
            ("email", "minh@example.vn"),
            ("phone", "0905 123 456"),
            ("province", "hue"),
            ("commune", "phường Thuận Hóa"),
            ("street", "5 Lê Lợi"),
            ("payment", "cod"),
        ],
    )
    .await;
    assert_eq!(placed.status().as_u16(), 409);
    assert!(
        placed
            .text()
            .await
            .expect("body")
            .contains("Không có mã giảm giá “GIAM10”")
    );
    assert_eq!(app.count("checkouts", "").await, 0);
}

#[tokio::test]
async fn a_live_only_code_needs_the_show_and_an_outlet_code_needs_its_counter() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, tea) = listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 9).await;
    let seller = seller_of(&app, "tra@example.vn").await;
    let principal = app.principal_by_email("tra@example.vn").await;
    let show = ocop_village::features::live::create_show(
        &app.db,
        &principal,
        seller,
        &ocop_village::features::live::ShowInput {
            title: "Phiên trà chiều".into(),
            platform: "facebook".into(),
            stream_url: "https://www.facebook.com/tra/live".into(),
            scheduled_at: app.now,
        },
        app.now,
    )
    .await
    .expect("show");
    voucher_of(&app, Issuer::Seller(seller), "LIVE30K", |d| {
        d.live_show = show.id.to_string();
    })
    .await;
    let lines = [offers::Line {
        listing_id: ocop_village::db::entities::listing::Entity::find()
            .filter(ocop_village::db::entities::listing::Column::Pid.eq(tea))
            .one(&app.db)
            .await
            .expect("query")
            .expect("listing")
            .id,
        seller_id: seller,
        goods: Vnd::new(50_000),
    }];
    let why = offers::evaluate(&app.db, "LIVE30K", &lines, context(app.now))
        .await
        .expect_err("no show cookie");
    assert!(why.to_string().contains("“Phiên trà chiều”"), "{why}");
    let from_show = Context {
        show: Some(show.id),
        ..context(app.now)
    };
    let applied = offers::evaluate(&app.db, "LIVE30K", &lines, from_show)
        .await
        .expect("with the show's link");
    assert_eq!(applied.shares, vec![Vnd::new(10_000)]);
    // Another seller cannot tie a code to this show.
    listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        9,
    )
    .await;
    let other = seller_of(&app, "b@example.vn").await;
    let draft = Draft {
        code: "MUONPHIEN".into(),
        title: "x".into(),
        kind: "amount".into(),
        value: "1000".into(),
        starts: vietnam_local_value(app.now),
        ends: vietnam_local_value(app.now + Duration::days(1)),
        live_show: show.id.to_string(),
        ..Draft::default()
    };
    let refused = offers::create(&app.db, Issuer::Seller(other), &draft, None, app.now)
        .await
        .expect_err("not its show");
    assert!(
        refused
            .to_string()
            .contains("phiên livestream của chính bạn")
    );

    // An outlet's code: its shelf's products, collected there; not delivered home.
    let province = crate::outlets::province_of(&app, "OCOP-TQ-2024-0001").await;
    let (shop, _) =
        crate::outlets::outlet_with_staff(&app, "ocop-tq", &province, "staff@example.vn").await;
    let outlet = shop.id;
    {
        use ocop_village::db::entities::outlet_listing;
        use sea_orm::{ActiveModelTrait, Set};
        outlet_listing::ActiveModel {
            outlet_id: Set(outlet),
            listing_id: Set(lines[0].listing_id),
            stock: Set(5),
            added_at: Set(app.now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("on the shelf");
    }
    voucher_of(&app, Issuer::Outlet(outlet), "DIEMBAN15", |d| {
        d.kind = "percent".into();
        d.value = "15".into();
    })
    .await;
    let home = Context {
        delivery: Delivery::Home,
        ..context(app.now)
    };
    let why = offers::evaluate(&app.db, "DIEMBAN15", &lines, home)
        .await
        .expect_err("delivered home");
    assert!(why.to_string().contains("nhận hàng tại điểm bán"), "{why}");
    let there = Context {
        delivery: Delivery::Pickup(outlet),
        ..context(app.now)
    };
    let applied = offers::evaluate(&app.db, "DIEMBAN15", &lines, there)
        .await
        .expect("collected there");
    assert_eq!(applied.discount, Vnd::new(7_500));
}

#[tokio::test]
async fn issuers_create_and_end_only_their_own_codes() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, _) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 9).await;
    let (other, _) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        9,
    )
    .await;
    let mine = seller_of(&app, "tra@example.vn").await;
    let theirs = seller_of(&app, "b@example.vn").await;
    let starts = vietnam_local_value(app.now);
    let ends = vietnam_local_value(app.now + Duration::days(7));
    let form = |code: &'static str, value: &'static str| {
        vec![
            ("seller", mine.to_string()),
            ("code", code.to_owned()),
            ("title", "Giảm giá cuối tuần".to_owned()),
            ("kind", "percent".to_owned()),
            ("value", value.to_owned()),
            ("min_spend", "100.000".to_owned()),
            ("starts", starts.clone()),
            ("ends", ends.clone()),
            ("total_cap", "100".to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let seller = seller.clone();
        let app = &app;
        async move {
            let borrowed: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_with_csrf(app, &seller, "/seller/vouchers", &borrowed).await
        }
    };
    let bad = send(form("CUOITUAN", "95")).await;
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.text().await.expect("body").contains("từ 1 đến 90"));
    let made = send(form("cuoituan", "12")).await;
    assert_eq!(made.status().as_u16(), 200);
    let page = made.text().await.expect("body");
    assert!(page.contains("Đã tạo mã CUOITUAN."), "{page}");
    assert!(page.contains("Giảm 12%, đơn từ 100.000 ₫"), "{page}");
    let again = send(form("CUOITUAN", "12")).await;
    assert_eq!(again.status().as_u16(), 409);
    let code = voucher::Entity::find()
        .filter(voucher::Column::Code.eq("CUOITUAN"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("made");
    assert_eq!((code.seller_id, code.percent), (Some(mine), Some(12)));
    // The other seller cannot end it, nor see it; its owner can.
    let end = format!("/seller/vouchers/{}/end", code.id);
    let theirs_text = theirs.to_string();
    let refused = post_with_csrf(&app, &other, &end, &[("seller", theirs_text.as_str())]).await;
    assert_eq!(refused.status().as_u16(), 404);
    let listing = other
        .get(format!("{}/seller/vouchers?seller={theirs}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(!listing.contains("CUOITUAN"));
    let mine_text = mine.to_string();
    let ended = post_with_csrf(&app, &seller, &end, &[("seller", mine_text.as_str())]).await;
    assert_eq!(ended.status().as_u16(), 303);
    assert_eq!(
        app.count("vouchers", "code = 'CUOITUAN' AND active = false")
            .await,
        1
    );
}
