//! Pack sizes: each has its own price and stock and the listing shows the lowest price and
//! their total; the last units of one pack size go to as many racing checkouts as there are
//! units (on PostgreSQL for real); a shopper chooses one on the product page without
//! JavaScript, and a cancelled order puts its units back on that pack size.
use ocop_village::db::entities::{listing, listing_variant, order, order_item};
use ocop_village::domain::money::Vnd;
use ocop_village::features::cart::{CheckoutError, ShopError};
use ocop_village::features::selling::variants::VariantInput;
use ocop_village::features::selling::{self, ListingInput, SellingError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::checkout::{address, listing_of, place_cod};
use crate::helpers::{TestApp, browser, post_with_csrf, sample_registry, spawn_app};

fn size(label: &str, price: i64, stock: i32) -> VariantInput {
    VariantInput {
        label: label.into(),
        price_vnd: Vnd::new(price),
        stock: Some(stock),
        stock_delta: None,
        weight_grams: Some(300),
        photo_id: None,
    }
}

async fn sizes(app: &TestApp) -> Vec<listing_variant::Model> {
    listing_variant::Entity::find()
        .order_by_asc(listing_variant::Column::Position)
        .all(&app.db)
        .await
        .expect("variants")
}

async fn the_listing(app: &TestApp) -> listing::Model {
    listing::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
}

/// A listing of the tea seller with two pack sizes: 200 g at 60,000 (`small` units) and
/// 500 g at 140,000 (10 units).
async fn tea_in_two_sizes(app: &TestApp, small: i32) -> uuid::Uuid {
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let input = ListingInput {
        variants: Some(vec![
            size("Gói 200 g", 60_000, small),
            size("Gói 500 g", 140_000, 10),
        ]),
        ..ListingInput::default()
    };
    selling::update_listing(
        &app.db,
        &app.principal_by_email("tra@example.vn").await,
        pid,
        &input,
        None,
        app.now,
    )
    .await
    .expect("pack sizes saved");
    pid
}

#[tokio::test]
async fn pack_sizes_have_their_own_price_and_stock_and_the_listing_sums_them() {
    let app = spawn_app().await;
    let pid = tea_in_two_sizes(&app, 4).await;
    let row = the_listing(&app).await;
    assert_eq!((row.price_vnd, row.stock), (Vnd::new(60_000), 14));
    let seller = app.principal_by_email("tra@example.vn").await;
    // The listing's own price and stock are the pack sizes' now.
    let direct = ListingInput {
        stock: Some(3),
        ..ListingInput::default()
    };
    let refused = selling::update_listing(&app.db, &seller, pid, &direct, None, app.now).await;
    assert!(
        matches!(refused, Err(SellingError::SizesConflict(why)) if why.contains("từng quy cách"))
    );
    // Duplicate labels and an eleventh size are refused with why; nothing changes.
    let twice = ListingInput {
        variants: Some(vec![
            size("Gói 200 g", 1_000, 1),
            size("gói 200 G", 2_000, 1),
        ]),
        ..ListingInput::default()
    };
    let refused = selling::update_listing(&app.db, &seller, pid, &twice, None, app.now).await;
    assert!(matches!(refused, Err(SellingError::SizesConflict(why)) if why.contains("tên riêng")));
    let eleven = ListingInput {
        variants: Some(
            (0..11)
                .map(|n| size(&format!("Cỡ {n}"), 1_000, 1))
                .collect(),
        ),
        ..ListingInput::default()
    };
    let refused = selling::update_listing(&app.db, &seller, pid, &eleven, None, app.now).await;
    assert!(matches!(refused, Err(SellingError::Invalid(why)) if why.contains("Tối đa 10")));
    // A difference moves the stock as it is; a size left out goes; a new one comes.
    let changed = ListingInput {
        variants: Some(vec![
            VariantInput {
                stock: None,
                stock_delta: Some(-1),
                ..size("Gói 200 g", 65_000, 0)
            },
            size("Hộp quà", 250_000, 2),
        ]),
        ..ListingInput::default()
    };
    selling::update_listing(&app.db, &seller, pid, &changed, None, app.now)
        .await
        .expect("changed");
    let now: Vec<_> = sizes(&app)
        .await
        .into_iter()
        .map(|v| (v.label, v.price_vnd.dong(), v.stock))
        .collect();
    assert_eq!(
        now,
        vec![
            ("Gói 200 g".into(), 65_000, 3),
            ("Hộp quà".into(), 250_000, 2)
        ]
    );
    let row = the_listing(&app).await;
    assert_eq!((row.price_vnd, row.stock), (Vnd::new(65_000), 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_units_of_a_pack_size_go_to_as_many_racing_checkouts() {
    let app = spawn_app().await;
    let pid = tea_in_two_sizes(&app, 3).await;
    let small = sizes(&app).await[0].id;
    let mut carts = Vec::new();
    for _ in 0..20 {
        let cart = ocop_village::features::cart::find_cart(&app.db, None, None, true, app.now)
            .await
            .expect("cart")
            .expect("made");
        ocop_village::features::cart::add_to_cart(&app.db, cart.id, pid, small, 1, app.now)
            .await
            .expect("added");
        carts.push(cart.id);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(carts.len()));
    let mut tasks = Vec::new();
    for id in carts {
        let (db, address, now, barrier) = (app.db.clone(), address(&app), app.now, barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            place_cod(&db, id, &address, &format!("size-{id}"), now).await
        }));
    }
    let mut placed = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => placed += 1,
            Err(CheckoutError::Shop(ShopError::NotEnoughStock { title, left, .. })) => {
                assert_eq!(left, 0);
                assert!(title.ends_with("Gói 200 g"), "{title}");
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(placed, 3, "three units, three orders");
    let after = sizes(&app).await;
    assert_eq!(
        (after[0].stock, after[1].stock),
        (0, 10),
        "the other size untouched"
    );
    assert_eq!(
        the_listing(&app).await.stock,
        10,
        "the listing is their sum"
    );
    assert_eq!(
        app.count(
            "order_items",
            &format!("variant_id = {small} AND variant_label = 'Gói 200 g'")
        )
        .await,
        3
    );
}

#[tokio::test]
async fn a_shopper_chooses_a_pack_size_without_javascript_and_a_cancellation_puts_it_back() {
    let app = spawn_app().await;
    let pid = tea_in_two_sizes(&app, 4).await;
    app.wait_for_outbox().await;
    let slug = the_listing(&app).await.slug;
    let shop = browser();
    let page = shop
        .get(format!("{}/products/{slug}", app.address))
        .send()
        .await
        .expect("product")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Từ 60.000 ₫"), "the lowest price first");
    // Search shows the range, in the API and on the cards.
    let (_, found) = app.get_json("/api/v1/search?q=cam+sanh").await;
    assert_eq!(
        (
            &found["hits"][0]["price_vnd"],
            &found["hits"][0]["price_max_vnd"]
        ),
        (&serde_json::json!(60000), &serde_json::json!(140000)),
        "{found}"
    );
    let cards = app.get_html("/search?q=cam+sanh").await;
    assert!(cards.contains("60.000 ₫ – 140.000 ₫"), "{cards}");
    assert!(
        page.contains(r#"type="radio" name="variant""#),
        "a choice of sizes"
    );
    let large = sizes(&app).await[1].id;
    // Without a size, the cart asks for one.
    let refused = post_with_csrf(
        &app,
        &shop,
        "/cart/add",
        &[("listing", &pid.to_string()), ("quantity", "1")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 400);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("Hãy chọn một quy cách")
    );
    let added = post_with_csrf(
        &app,
        &shop,
        "/cart/add",
        &[
            ("listing", &pid.to_string()),
            ("variant", &large.to_string()),
            ("quantity", "2"),
        ],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);
    let cart = shop
        .get(format!("{}/cart", app.address))
        .send()
        .await
        .expect("cart")
        .text()
        .await
        .expect("body");
    assert!(
        cart.contains("Gói 500 g") && cart.contains("280.000 ₫"),
        "{cart}"
    );
    // More than that size has is refused with what is left of it.
    let too_many = post_with_csrf(
        &app,
        &shop,
        "/cart/add",
        &[
            ("listing", &pid.to_string()),
            ("variant", &large.to_string()),
            ("quantity", "9"),
        ],
    )
    .await;
    assert_eq!(too_many.status().as_u16(), 400);

    let cart_id = ocop_village::db::entities::cart_item::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a line")
        .cart_id;
    let placed = place_cod(&app.db, cart_id, &address(&app), "sizes", app.now)
        .await
        .expect("placed");
    let line = order_item::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("line");
    assert_eq!(line.variant_id, Some(large));
    assert!(line.title.ends_with("— Gói 500 g"), "{}", line.title);
    assert_eq!(line.unit_price_vnd, Vnd::new(140_000));
    assert_eq!(
        (sizes(&app).await[1].stock, the_listing(&app).await.stock),
        (8, 12)
    );
    let o = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("order");
    use ocop_village::features::orders::{self, Actor, Step};
    let cancel = Step::Cancel {
        reason: "Hết cần".into(),
    };
    orders::advance(&app.db, Actor::System, o.pid, cancel, app.now)
        .await
        .expect("cancelled");
    assert_eq!(
        (sizes(&app).await[1].stock, the_listing(&app).await.stock),
        (10, 14)
    );
    let broken = ocop_village::ops::check(&app.db).await.expect("check");
    assert!(broken.is_empty(), "{broken:?}");

    // Sold and delivered, a size counts in the sales by size (and only the sizes sold).
    let cart = ocop_village::features::cart::find_cart(&app.db, None, None, true, app.now)
        .await
        .expect("cart")
        .expect("made");
    ocop_village::features::cart::add_to_cart(&app.db, cart.id, pid, large, 3, app.now)
        .await
        .expect("added");
    let placed = place_cod(&app.db, cart.id, &address(&app), "sizes-2", app.now)
        .await
        .expect("placed");
    let o = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("order");
    let seller = app.principal_by_email("tra@example.vn").await;
    crate::sales::deliver(&app, &seller, &o, app.now).await;
    use ocop_village::features::sales::{self, Period, Within};
    let day = ocop_village::domain::time::vietnam_date(app.now);
    let period = Period {
        from: day - chrono::Duration::days(1),
        to: day + chrono::Duration::days(1),
    };
    let rows = sales::by_pack_size(&app.db, &Within::default(), period)
        .await
        .expect("by size");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].title.ends_with("Gói 500 g"));
    assert_eq!((rows[0].units, rows[0].revenue_vnd), (3, 420_000));
}

#[tokio::test]
async fn the_seller_sets_pack_sizes_on_the_listing_page() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let path = format!("/seller/listings/{pid}");
    let page = seller
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("variant_label_0"), "rows to fill");
    let saved = post_with_csrf(
        &app,
        &seller,
        &path,
        &[
            ("price_vnd", "50000"),
            ("stock", "5"),
            ("stock_seen", "5"),
            ("unit", "gói"),
            ("weight_grams", "200"),
            ("description_vi", "Trà"),
            ("description_en", "Tea"),
            ("variants_form", "1"),
            ("variant_label_0", "Gói 100 g"),
            ("variant_price_0", "35.000"),
            ("variant_stock_0", "7"),
            ("variant_weight_0", ""),
            ("variant_label_1", "Gói 250 g"),
            ("variant_price_1", "80000"),
            ("variant_stock_1", "3"),
            ("variant_weight_1", "300"),
            ("variant_label_2", ""),
            ("variant_price_2", ""),
            ("variant_stock_2", ""),
            ("variant_weight_2", ""),
        ],
    )
    .await;
    assert!(
        saved.status().is_redirection() || saved.status().is_success(),
        "{}",
        saved.status()
    );
    let now: Vec<_> = sizes(&app)
        .await
        .into_iter()
        .map(|v| (v.label, v.price_vnd.dong(), v.stock, v.weight_grams))
        .collect();
    assert_eq!(
        now,
        vec![
            ("Gói 100 g".into(), 35_000, 7, 200),
            ("Gói 250 g".into(), 80_000, 3, 300)
        ]
    );
    let row = the_listing(&app).await;
    assert_eq!((row.price_vnd, row.stock), (Vnd::new(35_000), 10));
}
