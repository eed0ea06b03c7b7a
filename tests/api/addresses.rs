//! The address book: addresses on the 2025 map, a default the checkout starts from, one
//! shopper's addresses out of another's reach.
use crate::checkout::listing_with_stock;
use crate::helpers::{checkout_form, csrf, post_form, post_with_csrf, sample_registry, spawn_app};

#[tokio::test]
async fn a_shopper_keeps_addresses_and_the_checkout_starts_from_the_default() {
    let app = spawn_app().await;
    let (browser, user) = app.signed_in("lan@example.vn").await;

    // A commune typed without accents is kept under its official name; the first address is
    // the default.
    let saved = post_with_csrf(
        &app,
        &browser,
        "/account/addresses",
        &[
            ("name", "Nguyễn Thị Lan"),
            ("phone", "0912 345 678"),
            ("province", "ha-noi"),
            ("commune", "hoan kiem"),
            ("street", "12 phố Hàng Bạc"),
        ],
    )
    .await;
    assert_eq!(saved.status().as_u16(), 303);
    // An old three-level address is refused with the district named; nothing is kept.
    let old = post_with_csrf(
        &app,
        &browser,
        "/account/addresses",
        &[
            ("name", "Nguyễn Thị Lan"),
            ("phone", "0912 345 678"),
            ("province", "hue"),
            ("commune", "xã Nowhere, huyện Phú Vang"),
            ("street", "5 Lê Lợi"),
        ],
    )
    .await;
    assert_eq!(old.status().as_u16(), 400);
    assert!(old.text().await.expect("body").contains("huyện Phú Vang"));
    let second = post_with_csrf(
        &app,
        &browser,
        "/account/addresses",
        &[
            ("name", "Nguyễn Thị Lan"),
            ("phone", "0912 345 678"),
            ("province", "hue"),
            ("commune", "Phường Thuận Hóa"),
            ("street", "5 Lê Lợi"),
        ],
    )
    .await;
    assert_eq!(second.status().as_u16(), 303);
    let kept = format!("user_id = {}", user.id);
    assert_eq!(app.count("addresses", &kept).await, 2);
    assert_eq!(
        app.count(
            "addresses",
            &format!("{kept} AND is_default AND commune = 'Phường Hoàn Kiếm'")
        )
        .await,
        1
    );

    // The checkout starts from the default address.
    app.import(sample_registry(), false).await.expect("import");
    let pid = listing_with_stock(&app, "seller2@example.vn", "OCOP-TQ-2024-0001", 5).await;
    let token = csrf(&app, &browser, "/account/login").await;
    let added = post_form(
        &app,
        &browser,
        "/cart/add",
        &[
            ("csrf", &token),
            ("listing", &pid.to_string()),
            ("quantity", "1"),
        ],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);
    let (page, _) = checkout_form(&app, &browser).await;
    assert!(
        page.contains(r#"value="Phường Hoàn Kiếm""#),
        "the default commune is filled in"
    );
    assert!(page.contains(r#"value="12 phố Hàng Bạc""#));

    // Making the Huế address the default moves the checkout there.
    let page = browser
        .get(format!("{}/account/addresses", app.address))
        .send()
        .await
        .expect("address book")
        .text()
        .await
        .expect("body");
    let hue_id = address_id(&page, "Phường Thuận Hóa");
    let made = post_with_csrf(
        &app,
        &browser,
        &format!("/account/addresses/{hue_id}/default"),
        &[],
    )
    .await;
    assert_eq!(made.status().as_u16(), 303);
    let (page, _) = checkout_form(&app, &browser).await;
    assert!(
        page.contains(r#"value="Phường Thuận Hóa""#),
        "the new default"
    );
    assert_eq!(
        app.count("addresses", &format!("{kept} AND is_default"))
            .await,
        1
    );

    // Another shopper can neither change nor delete it.
    let (other, _) = app.signed_in("minh@example.vn").await;
    for action in ["default", "delete"] {
        let refused = post_with_csrf(
            &app,
            &other,
            &format!("/account/addresses/{hue_id}/{action}"),
            &[],
        )
        .await;
        assert_eq!(refused.status().as_u16(), 404, "{action}");
    }
    assert_eq!(app.count("addresses", &kept).await, 2);

    // Deleting the default makes the one left the default.
    let deleted = post_with_csrf(
        &app,
        &browser,
        &format!("/account/addresses/{hue_id}/delete"),
        &[],
    )
    .await;
    assert_eq!(deleted.status().as_u16(), 303);
    assert_eq!(
        app.count(
            "addresses",
            &format!("{kept} AND is_default AND commune = 'Phường Hoàn Kiếm'")
        )
        .await,
        1
    );
    assert_eq!(app.count("addresses", &kept).await, 1);
}

#[tokio::test]
async fn the_address_book_needs_a_sign_in_and_keeps_at_most_ten() {
    let app = spawn_app().await;
    let guest = crate::helpers::browser();
    let page = guest
        .get(format!("{}/account/addresses", app.address))
        .send()
        .await
        .expect("page");
    assert_ne!(page.status().as_u16(), 200, "guests are sent to sign in");
    let (browser, user) = app.signed_in("lan@example.vn").await;
    for n in 0..11 {
        let street = format!("{n} phố Hàng Bạc");
        let response = post_with_csrf(
            &app,
            &browser,
            "/account/addresses",
            &[
                ("name", "Nguyễn Thị Lan"),
                ("phone", "0912 345 678"),
                ("province", "ha-noi"),
                ("commune", "Phường Hoàn Kiếm"),
                ("street", &street),
            ],
        )
        .await;
        let want = if n < 10 { 303 } else { 409 };
        assert_eq!(response.status().as_u16(), want, "address {n}");
    }
    assert_eq!(
        app.count("addresses", &format!("user_id = {}", user.id))
            .await,
        10
    );
}

/// The id in the delete form of the address showing `commune`.
fn address_id(page: &str, commune: &str) -> String {
    let at = page.find(commune).expect("the address is listed");
    let rest = &page[at..];
    let needle = "/account/addresses/";
    let start = rest.find(needle).expect("its forms") + needle.len();
    rest[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// Twelve saves of different addresses released together, as from several tabs and app
/// instances: ten are kept, exactly one of them the default (on PostgreSQL the shopper's row
/// lock serialises them; on SQLite the write transaction does).
#[tokio::test]
async fn concurrent_saves_keep_one_default_and_never_pass_the_cap() {
    use std::sync::Arc;
    use tokio::sync::Barrier;

    use ocop_village::features::cart::addresses::{self, AddressBookError, AddressInput};

    let app = spawn_app().await;
    let (_, user) = app.signed_in("lan@example.vn").await;
    let reference = Arc::new(app.reference.clone());
    let barrier = Arc::new(Barrier::new(12));
    let mut saves = Vec::new();
    for n in 0..12 {
        let (db, reference, user, barrier, now) = (
            app.db.clone(),
            reference.clone(),
            user.clone(),
            barrier.clone(),
            app.now,
        );
        saves.push(tokio::spawn(async move {
            let input = AddressInput {
                name: "Nguyễn Thị Lan".into(),
                phone: "0912 345 678".into(),
                province: "ha-noi".into(),
                commune: "Phường Hoàn Kiếm".into(),
                street: format!("{n} phố Hàng Bạc"),
            };
            barrier.wait().await;
            addresses::save(&db, &reference, &user, &input, n % 2 == 0, now).await
        }));
    }
    let mut kept = 0;
    let mut full = 0;
    for save in saves {
        match save.await.expect("task") {
            Ok(_) => kept += 1,
            Err(AddressBookError::Full) => full += 1,
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!((kept, full), (10, 2));
    let mine = format!("user_id = {}", user.id);
    assert_eq!(app.count("addresses", &mine).await, 10);
    assert_eq!(
        app.count("addresses", &format!("{mine} AND is_default"))
            .await,
        1
    );
}
