//! Races that several app instances make every day, run at the same moment (a barrier releases
//! every task together, on a multi-threaded runtime, through the real functions and pool): a
//! seller editing a listing while shoppers buy it, restocking while they buy, and editing or
//! pausing while an officer delists it. On PostgreSQL (`TEST_DATABASE_URL`) these interleave
//! for real; on SQLite the write lock serialises them and the same answers must hold.
use ocop_village::domain::money::Vnd;
use std::sync::Arc;

use ocop_village::features::selling::{self, ListingInput, SellerTarget, SellingError};
use tokio::sync::Barrier;

use crate::checkout::{address, cart_with, listing_of, place_cod};
use crate::helpers::{sample_registry, spawn_app};

/// The listing's stock, state and who delisted it, read from the database.
async fn listing_row(
    app: &crate::helpers::TestApp,
    pid: uuid::Uuid,
) -> ocop_village::db::entities::listing::Model {
    use ocop_village::db::entities::listing;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the listing")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edits_and_restocks_during_checkouts_never_put_sold_units_back_on_sale() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(
        &app,
        "seller@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        109,
    )
    .await;
    let (_, member) = app.signed_in("member@example.vn").await;
    app.make_member(&member, "2510996049").await;
    let principal = Arc::new(app.principal(&member).await);
    let mut carts = Vec::new();
    for _ in 0..30 {
        carts.push(cart_with(&app, pid, 1).await);
    }
    let address = address(&app);
    // 30 checkouts of one unit, 40 description edits and 20 restocks of one unit, released
    // together.
    let barrier = Arc::new(Barrier::new(carts.len() + 40 + 20));
    let mut checkouts = Vec::new();
    for (n, cart) in carts.into_iter().enumerate() {
        let (db, address, now, barrier) =
            (app.db.clone(), address.clone(), app.now, barrier.clone());
        checkouts.push(tokio::spawn(async move {
            barrier.wait().await;
            place_cod(&db, cart, &address, &format!("race-{n}"), now).await
        }));
    }
    let mut edits = Vec::new();
    for n in 0..60 {
        let (db, principal, now, barrier) =
            (app.db.clone(), principal.clone(), app.now, barrier.clone());
        edits.push(tokio::spawn(async move {
            let input = if n < 40 {
                ListingInput {
                    description_vi: Some(format!("Mô tả lần {n}")),
                    ..Default::default()
                }
            } else {
                ListingInput {
                    stock_delta: Some(1),
                    ..Default::default()
                }
            };
            barrier.wait().await;
            selling::update_listing(&db, &principal, pid, &input, None, now).await
        }));
    }
    for task in checkouts {
        task.await.expect("task").expect("every checkout is placed");
    }
    for task in edits {
        task.await.expect("task").expect("every edit is saved");
    }
    let row = listing_row(&app, pid).await;
    assert_eq!(
        row.stock,
        109 - 30 + 20,
        "30 sold and 20 restocked: nothing sold came back, no restock was lost"
    );
    assert_eq!(app.count("order_items", "quantity = 1").await, 30);
    assert!(row.description_vi.starts_with("Mô tả lần "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seller_editing_and_pausing_while_an_officer_delists_never_undoes_the_delisting() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(
        &app,
        "seller@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        10,
    )
    .await;
    let (_, member) = app.signed_in("member@example.vn").await;
    app.make_member(&member, "2510996049").await;
    let seller = Arc::new(app.principal(&member).await);
    let (_, officer_user) = app.signed_in("canbo@example.vn").await;
    app.make_officer(&officer_user, "tuyen-quang").await;
    let officer = app.principal(&officer_user).await;

    let barrier = Arc::new(Barrier::new(41));
    let mut tasks = Vec::new();
    for n in 0..40 {
        let (db, seller, now, barrier) = (app.db.clone(), seller.clone(), app.now, barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            // Half edit the price, half move the listing between paused and published.
            if n % 2 == 0 {
                let input = ListingInput {
                    price_vnd: Some(Vnd::new(60_000 + n)),
                    ..Default::default()
                };
                selling::update_listing(&db, &seller, pid, &input, None, now).await
            } else {
                let target = if n % 4 == 1 {
                    SellerTarget::Paused
                } else {
                    SellerTarget::Published
                };
                selling::set_state(&db, &seller, pid, target, now).await
            }
        }));
    }
    barrier.wait().await;
    selling::officer_delist(&app.db, &officer, pid, "nhãn sai quy định", app.now)
        .await
        .expect("delisted");
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) | Err(SellingError::DelistedByOfficer) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    let row = listing_row(&app, pid).await;
    assert_eq!(row.state, "delisted");
    assert_eq!(row.delisted_by.as_deref(), Some("officer"));
    assert_eq!(row.state_reason.as_deref(), Some("nhãn sai quy định"));
    // And it stays delisted for the seller.
    let again = selling::set_state(&app.db, &seller, pid, SellerTarget::Published, app.now).await;
    assert!(matches!(again, Err(SellingError::DelistedByOfficer)));
}

#[tokio::test]
async fn the_listing_form_applies_a_changed_stock_as_a_difference_and_leaves_an_unchanged_one() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) = listing_of(
        &app,
        "seller@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        10,
    )
    .await;
    // The seller opens the edit page (stock 10); meanwhile a shopper buys 3.
    let path = format!("/seller/listings/{pid}");
    let token = crate::helpers::csrf(&app, &seller, &path).await;
    let cart = cart_with(&app, pid, 3).await;
    place_cod(&app.db, cart, &address(&app), "meanwhile", app.now)
        .await
        .expect("placed");
    let form = |stock: &'static str, description: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("price_vnd", "50000".to_owned()),
            ("stock", stock.to_owned()),
            ("stock_seen", "10".to_owned()),
            ("unit", "hộp".to_owned()),
            ("weight_grams", "0".to_owned()),
            ("description_vi", description.to_owned()),
            ("description_en", String::new()),
        ]
    };
    let saved = seller
        .post(format!("{}{path}", app.address))
        .form(&form("10", "Mô tả mới"))
        .send()
        .await
        .expect("saved");
    assert_eq!(saved.status().as_u16(), 200);
    let row = listing_row(&app, pid).await;
    assert_eq!((row.stock, row.description_vi.as_str()), (7, "Mô tả mới"));
    // Typing 15 over the 10 shown adds five to what is left.
    let restocked = seller
        .post(format!("{}{path}", app.address))
        .form(&form("15", "Mô tả mới"))
        .send()
        .await
        .expect("saved");
    assert_eq!(restocked.status().as_u16(), 200);
    assert_eq!(listing_row(&app, pid).await.stock, 12);
    // Taking away more than is left is refused, with the count, and changes nothing.
    let refused = seller
        .post(format!("{}{path}", app.address))
        .form(&form("-5", "Khác"))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 400);
    let row = listing_row(&app, pid).await;
    assert_eq!((row.stock, row.description_vi.as_str()), (12, "Mô tả mới"));
}
