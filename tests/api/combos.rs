//! Gift combos: an outlet puts three producers' products in one box with its own price; a
//! shopper buys it through the pages and each producer's order holds its part at its share of
//! the price, in the ledger and in sell-through; a part sold out elsewhere stops the combo
//! cleanly; racing checkouts of a combo take every part's stock together (on PostgreSQL for
//! real, with `TEST_DATABASE_URL`); combos are found by words, the parts' stars and province;
//! issuers combine only what they may.
use std::sync::Arc;

use ocop_village::db::entities::{combo, listing, order, order_item, outlet};
use ocop_village::domain::money::Vnd;
use ocop_village::features::cart::{self, CheckoutError, ShopError};
use ocop_village::features::offers::Issuer;
use ocop_village::features::offers::combos::{self, ComboError, Draft};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::Barrier;
use uuid::Uuid;

use crate::checkout::{address, listing_of, place_cod};
use crate::helpers::{TestApp, csrf, post_form, sample_registry};
use crate::outlets::outlet_with_staff;

/// Three Tuyên Quang producers' products at 50,000 ₫ each (oranges, honey with
/// `honey_stock` units, tea; 10 units of the others) and the province's outlet with its staff.
struct Three {
    shop: outlet::Model,
    staff: reqwest::Client,
    orange: Uuid,
    honey: Uuid,
    tea: Uuid,
}

async fn three_producers(app: &TestApp, honey_stock: i32) -> Three {
    app.import(sample_registry(), false).await.expect("import");
    let (_, orange) =
        listing_of(app, "cam@example.vn", "2510996049", "OCOP-TQ-2024-0001", 10).await;
    let (_, honey) = listing_of(
        app,
        "matong@example.vn",
        "2920156468",
        "OCOP-TQ-2024-0002",
        honey_stock,
    )
    .await;
    let (_, tea) = listing_of(app, "tra@example.vn", "1653404836", "OCOP-QG-2024-0003", 10).await;
    let (shop, staff) =
        outlet_with_staff(app, "ocop-tq", "tuyen-quang", "diemban@example.vn").await;
    Three {
        shop,
        staff,
        orange,
        honey,
        tea,
    }
}

fn draft(parts: &[Uuid], price: &str) -> Draft {
    Draft {
        title: "Hộp quà Tết Tuyên Quang".into(),
        description: "Cam sành, mật ong bạc hà và trà Shan tuyết.".into(),
        price: price.into(),
        parts: parts.to_vec(),
    }
}

/// The outlet's combo of the three at 120,000 ₫ (40,000 ₫ a part).
async fn gift_box(app: &TestApp, three: &Three) -> combo::Model {
    combos::create(
        &app.db,
        Issuer::Outlet(three.shop.id),
        &draft(&[three.orange, three.honey, three.tea], "120.000"),
        None,
        None,
        app.now,
    )
    .await
    .expect("a valid combo")
}

async fn stock_of(app: &TestApp, pid: Uuid) -> i32 {
    listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
        .stock
}

async fn new_cart(app: &TestApp) -> i64 {
    cart::find_cart(&app.db, None, None, true, app.now)
        .await
        .expect("cart")
        .expect("made")
        .id
}

#[tokio::test]
async fn a_shopper_buys_an_outlet_combo_by_card_and_each_producer_is_credited_its_share() {
    use ocop_village::config::PaymentSettings;
    use ocop_village::db::entities::ledger_entry;

    let stripe = crate::payments::stripe_stand_in().await;
    let app = crate::helpers::spawn_app_with(
        crate::helpers::snapshot_day(),
        PaymentSettings {
            rates: ocop_village::domain::ledger::Rates {
                commission_bps: 500,
                stripe_fee_bps: 340,
            },
            ..crate::payments::settings(&stripe.base)
        },
    )
    .await;
    let three = three_producers(&app, 10).await;
    for pid in [three.orange, three.honey, three.tea] {
        let seller = crate::helpers::seller_of_listing(&app, pid).await;
        crate::orders::with_bank_account(&app, seller).await;
    }

    // The outlet's staff make the combo on their desk, with a photo.
    let token = csrf(&app, &three.staff, "/outlet/combos").await;
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("outlet", three.shop.id.to_string())
        .text("title", "Hộp quà Tết Tuyên Quang")
        .text("description", "Ba đặc sản của ba nhà sản xuất.")
        .text("price", "120.000");
    for pid in [three.orange, three.honey, three.tea] {
        form = form.text(format!("part_{pid}"), "1");
    }
    let form = form.part(
        "photo",
        reqwest::multipart::Part::bytes(crate::photos::jpeg(900, 600)).file_name("hop.jpg"),
    );
    let made = three
        .staff
        .post(format!("{}/outlet/combos", app.address))
        .multipart(form)
        .send()
        .await
        .expect("create");
    assert_eq!(made.status().as_u16(), 200);
    let desk = made.text().await.expect("body");
    assert!(desk.contains("Đã tạo hộp quà"), "{desk}");
    let gift = combo::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("the combo");
    assert_eq!(gift.price_vnd, Vnd::new(120_000));
    assert!(
        gift.photo_key.is_some(),
        "the photo went through the pipeline"
    );

    // Its page shows every part's certificate and what it saves.
    let page = app.get_html(&format!("/combos/{}", gift.slug)).await;
    for certificate in [
        "OCOP-TQ-2024-0001",
        "OCOP-TQ-2024-0002",
        "OCOP-QG-2024-0003",
    ] {
        assert!(page.contains(certificate), "{certificate}");
    }
    assert!(page.contains("tiết kiệm 30.000 ₫"), "{page}");
    assert!(page.contains("Còn 10 hộp."));

    // A shopper puts two boxes in the cart and pays by card.
    let shopper = crate::helpers::browser();
    let token = csrf(&app, &shopper, "/account/login").await;
    let added = post_form(
        &app,
        &shopper,
        "/cart/combos",
        &[("csrf", &token), ("combo", &gift.slug), ("quantity", "2")],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);
    let cart_page = app_page(&app, &shopper, "/cart").await;
    assert!(cart_page.contains("Hộp quà Tết Tuyên Quang"));
    assert!(cart_page.contains("240.000 ₫"), "{cart_page}");
    let (_, key) = crate::helpers::checkout_form(&app, &shopper).await;
    let placed = post_form(
        &app,
        &shopper,
        "/checkout",
        &[
            ("csrf", &token),
            ("idempotency_key", &key),
            ("name", "Nguyễn Thị Lan"),
            ("email", "lan@example.vn"),
            ("phone", "0912345678"),
            ("province", "ha-noi"),
            ("commune", "phường Hoàn Kiếm"),
            ("street", "12 phố Hàng Bạc"),
            ("payment", "stripe"),
        ],
    )
    .await;
    assert_eq!(placed.status().as_u16(), 303);
    let checkout = crate::payments::the_checkout(&app).await;
    let paid = crate::payments::event(
        "evt_combo_paid",
        "checkout.session.completed",
        crate::payments::session_json(
            "cs_combo",
            &checkout.reference,
            checkout.total_vnd.dong(),
            "complete",
            true,
        ),
    );
    assert_eq!(
        crate::payments::stripe_event(&app, &paid).await.1["outcome"],
        "paid"
    );

    // One order per producer, each with its part at 40,000 ₫ a box, naming the combo.
    let orders = order::Entity::find()
        .order_by_asc(order::Column::Id)
        .all(&app.db)
        .await
        .expect("orders");
    assert_eq!(orders.len(), 3);
    for o in &orders {
        assert_eq!(o.subtotal_vnd, Vnd::new(80_000), "2 boxes × 40,000 ₫");
        let items = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(o.id))
            .all(&app.db)
            .await
            .expect("items");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].combo_id, Some(gift.id));
        assert_eq!(
            (items[0].unit_price_vnd, items[0].quantity),
            (Vnd::new(40_000), 2)
        );
        assert!(items[0].title.starts_with("Hộp quà Tết Tuyên Quang: "));
    }
    for pid in [three.orange, three.honey, three.tea] {
        assert_eq!(stock_of(&app, pid).await, 8, "two of every part taken");
    }

    // The ledger credits each producer its share: the sale's goods and the commission on
    // them, seller by seller.
    let mut sales: Vec<(i64, i64)> = Vec::new();
    for entry in ledger_entry::Entity::find()
        .all(&app.db)
        .await
        .expect("ledger")
    {
        if entry.kind == "sale" {
            sales.push((entry.seller_id.get(), entry.base_vnd.dong()));
        }
        if entry.kind == "commission" {
            assert_eq!(entry.amount_vnd, Vnd::new(-4_000), "5 % of 80,000 ₫");
        }
    }
    sales.sort_unstable();
    let mut sellers: Vec<i64> = orders.iter().map(|o| o.seller_id.get()).collect();
    sellers.sort_unstable();
    assert_eq!(
        sales,
        sellers.iter().map(|s| (*s, 80_000)).collect::<Vec<_>>()
    );
    let broken = ocop_village::ops::check(&app.db).await.expect("check");
    assert!(broken.is_empty(), "{broken:?}");

    // Delivered, each producer's sell-through counts its share.
    use ocop_village::features::sales::{self, Level, Period, Within};
    let day = ocop_village::domain::time::vietnam_date(app.now);
    let period = Period {
        from: day - chrono::Duration::days(1),
        to: day + chrono::Duration::days(1),
    };
    for (o, email) in orders.iter().zip(seller_emails(&app, &orders).await) {
        let who = app.principal_by_email(&email).await;
        crate::sales::deliver(&app, &who, o, app.now).await;
        let mine = Within {
            seller_id: Some(o.seller_id),
            ..Within::default()
        };
        let rows = sales::sell_through(&app.db, Level::Listing, &mine, period)
            .await
            .expect("sell-through");
        assert_eq!(
            (rows[0].units, rows[0].revenue_vnd),
            (2, Vnd::new(80_000)),
            "{email}"
        );
    }
}

/// The e-mail of the member of each order's seller (in the orders' order).
async fn seller_emails(app: &TestApp, orders: &[order::Model]) -> Vec<String> {
    let mut emails = Vec::new();
    for o in orders {
        let mut found = None;
        for email in ["cam@example.vn", "matong@example.vn", "tra@example.vn"] {
            let who = app.principal_by_email(email).await;
            if who.seller_ids().contains(&o.seller_id) {
                found = Some(email.to_owned());
            }
        }
        emails.push(found.expect("a member of the order's seller"));
    }
    emails
}

async fn app_page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body")
}

#[tokio::test]
async fn a_combo_whose_part_sold_out_in_another_order_is_refused_cleanly() {
    let app = crate::helpers::spawn_app().await;
    let three = three_producers(&app, 1).await;
    let gift = gift_box(&app, &three).await;
    let boxed = new_cart(&app).await;
    cart::add_combo_to_cart(&app.db, boxed, &gift.slug, 1, app.now)
        .await
        .expect("one box is on sale");
    // Someone else buys the last jar of honey on its own.
    let alone = crate::checkout::cart_with(&app, three.honey, 1).await;
    place_cod(&app.db, alone, &address(&app), "honey-alone", app.now)
        .await
        .expect("the honey on its own");
    let refused = place_cod(&app.db, boxed, &address(&app), "the-box", app.now).await;
    match refused {
        Err(CheckoutError::Shop(e @ ShopError::ComboSoldOut { .. })) => {
            let text = e.to_string();
            assert!(
                text.contains("Hộp quà Tết Tuyên Quang") && text.contains("Mật ong bạc hà"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.count("orders", "1 = 1").await, 1, "only the honey's");
    assert_eq!(stock_of(&app, three.orange).await, 10, "nothing else taken");
    assert_eq!(stock_of(&app, three.tea).await, 10);
    // The combo is off sale until the honey is back, and says so.
    let today = ocop_village::domain::time::vietnam_date(app.now);
    let view = combos::by_slug(&app.db, today, &gift.slug)
        .await
        .expect("query")
        .expect("the combo");
    assert!(!view.on_sale);
    let page = app.get_html(&format!("/combos/{}", gift.slug)).await;
    assert!(page.contains("Hộp quà này hiện không bán"), "{page}");
    assert!(!page.contains(r#"action="/cart/combos""#));
    let again =
        cart::add_combo_to_cart(&app.db, new_cart(&app).await, &gift.slug, 1, app.now).await;
    assert!(
        matches!(again, Err(ShopError::ComboSoldOut { .. })),
        "{again:?}"
    );
    assert!(
        !app.get_html("/combos").await.contains(&gift.slug),
        "not listed while off sale"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_checkouts_of_a_combo_take_every_part_together() {
    let app = crate::helpers::spawn_app().await;
    let three = three_producers(&app, 3).await;
    let gift = gift_box(&app, &three).await;
    let mut carts = Vec::new();
    for _ in 0..20 {
        let id = new_cart(&app).await;
        cart::add_combo_to_cart(&app.db, id, &gift.slug, 1, app.now)
            .await
            .expect("added");
        carts.push(id);
    }
    let barrier = Arc::new(Barrier::new(carts.len()));
    let mut tasks = Vec::new();
    for id in carts {
        let (db, address, now, barrier) = (app.db.clone(), address(&app), app.now, barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            place_cod(&db, id, &address, &format!("box-{id}"), now).await
        }));
    }
    let mut placed = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => placed += 1,
            Err(CheckoutError::Shop(ShopError::ComboSoldOut { part, .. })) => {
                assert!(part.starts_with("Mật ong"), "{part}");
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(placed, 3, "three jars of honey, three boxes");
    assert_eq!(stock_of(&app, three.honey).await, 0);
    assert_eq!(
        stock_of(&app, three.orange).await,
        7,
        "taken with the honey, no more"
    );
    assert_eq!(stock_of(&app, three.tea).await, 7);
    assert_eq!(
        app.count("order_items", &format!("combo_id = {}", gift.id))
            .await,
        9
    );
    assert_eq!(app.count("orders", "1 = 1").await, 9, "three orders a box");
}

#[tokio::test]
async fn combos_are_found_by_words_and_the_parts_stars_and_province() {
    let app = crate::helpers::spawn_app().await;
    let three = three_producers(&app, 10).await;
    let gift = gift_box(&app, &three).await;
    let finds = |page: &str| page.contains(&format!("/combos/{}", gift.slug));
    // The parts are 3, 3 and 5 stars: a combo's stars are its weakest part's.
    assert!(finds(&app.get_html("/combos").await));
    assert!(finds(&app.get_html("/combos?stars=3").await));
    assert!(!finds(&app.get_html("/combos?stars=5").await));
    assert!(finds(&app.get_html("/combos?province=tuyen-quang").await));
    assert!(!finds(&app.get_html("/combos?province=ha-noi").await));
    // Words of a part's title, without diacritics.
    assert!(finds(&app.get_html("/combos?q=mat+ong+bac+ha").await));
    assert!(!finds(&app.get_html("/combos?q=nuoc+mam").await));
    // The search page shows it beside the products the same words find.
    let search = app.get_html("/search?q=mật+ong").await;
    assert!(finds(&search), "{search}");
    assert!(!finds(&app.get_html("/search?q=mật+ong&stars=5").await));
    // So does the outlet's storefront.
    assert!(finds(&app.get_html("/outlets/ocop-tq").await));
    // Ended, it is found nowhere; another outlet cannot end it.
    let other = outlet_with_staff(&app, "ocop-hn", "ha-noi", "hn@example.vn")
        .await
        .0;
    let foreign = combos::end(&app.db, Issuer::Outlet(other.id), gift.id, app.now)
        .await
        .expect("query");
    assert!(!foreign);
    assert!(
        combos::end(&app.db, Issuer::Outlet(three.shop.id), gift.id, app.now)
            .await
            .expect("ended")
    );
    // Ended elsewhere than through this instance: gone once it has read the catalog's
    // version (every second).
    let mut gone = false;
    for _ in 0..40 {
        if !finds(&app.get_html("/combos").await) {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the ended combo is still listed");
}

#[tokio::test]
async fn issuers_combine_only_what_they_may() {
    let app = crate::helpers::spawn_app().await;
    let three = three_producers(&app, 10).await;
    let (_, elsewhere) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        9,
    )
    .await;
    let outlet = Issuer::Outlet(three.shop.id);
    let create = |issuer, d: Draft| {
        let db = app.db.clone();
        let now = app.now;
        async move { combos::create(&db, issuer, &d, None, None, now).await }
    };
    // One product is not a combo; another province's product is not the outlet's.
    let one = create(outlet, draft(&[three.orange], "50000")).await;
    assert!(matches!(
        one,
        Err(ComboError::Invalid("combo.error.too_few"))
    ));
    let foreign = create(outlet, draft(&[three.orange, elsewhere], "90000")).await;
    assert!(
        matches!(&foreign, Err(ComboError::NotYours(title)) if title == "Chả bò Đà Nẵng Cô Hằng"),
        "{foreign:?}"
    );
    // A seller combines only its own products.
    let tea_seller = crate::helpers::seller_of_listing(&app, three.tea).await;
    let theirs = create(
        Issuer::Seller(tea_seller),
        draft(&[three.tea, three.orange], "90000"),
    )
    .await;
    assert!(matches!(theirs, Err(ComboError::NotYours(_))), "{theirs:?}");
    // A community tourism service is not goods to box.
    let (_, tour) = listing_of(
        &app,
        "dulich@example.vn",
        "2437885018",
        "OCOP-TQ-2025-0003",
        5,
    )
    .await;
    let service = create(outlet, draft(&[three.orange, tour], "90000")).await;
    assert!(
        matches!(&service, Err(ComboError::Service(title)) if title.starts_with("Du lịch cộng đồng")),
        "{service:?}"
    );
    // A bad price, an unknown product.
    let free = create(outlet, draft(&[three.orange, three.tea], "0")).await;
    assert!(matches!(
        free,
        Err(ComboError::Invalid("combo.error.price"))
    ));
    let unknown = create(outlet, draft(&[three.orange, Uuid::new_v4()], "90000")).await;
    assert!(matches!(unknown, Err(ComboError::NotForSale(_))));
    // A product with pack sizes cannot go in.
    let honey_seller = app.principal_by_email("matong@example.vn").await;
    let sized = ocop_village::features::selling::ListingInput {
        variants: Some(vec![
            ocop_village::features::selling::variants::VariantInput {
                label: "Hũ 200 g".into(),
                price_vnd: Vnd::new(40_000),
                stock: Some(5),
                stock_delta: None,
                weight_grams: Some(250),
                photo_id: None,
            },
            ocop_village::features::selling::variants::VariantInput {
                label: "Hũ 500 g".into(),
                price_vnd: Vnd::new(90_000),
                stock: Some(5),
                stock_delta: None,
                weight_grams: Some(600),
                photo_id: None,
            },
        ]),
        ..Default::default()
    };
    ocop_village::features::selling::update_listing(
        &app.db,
        &honey_seller,
        three.honey,
        &sized,
        None,
        app.now,
    )
    .await
    .expect("pack sizes");
    let with_sizes = create(outlet, draft(&[three.orange, three.honey], "90000")).await;
    assert!(
        matches!(with_sizes, Err(ComboError::HasSizes(_))),
        "{with_sizes:?}"
    );
    assert_eq!(app.count("combos", "1 = 1").await, 0, "nothing half-made");
    // Staff of another outlet cannot open this outlet's desk.
    let (_, stranger) = outlet_with_staff(&app, "ocop-hn", "ha-noi", "hn@example.vn").await;
    let denied = stranger
        .get(format!(
            "{}/outlet/combos?outlet={}",
            app.address, three.shop.id
        ))
        .send()
        .await
        .expect("desk");
    assert_eq!(denied.status().as_u16(), 403);
}
