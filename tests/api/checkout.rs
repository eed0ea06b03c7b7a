//! Carts and checkout: nothing is oversold, a retried submit is one checkout, a shortfall
//! undoes the whole checkout, and a guest's cart joins the user's at sign-in.
use ocop_village::domain::money::Vnd;
use ocop_village::domain::orders::PaymentMethod;
use ocop_village::features::cart::{self, Address, CheckoutError, ShopError};
use ocop_village::i18n::Lang;

use crate::helpers::{TestApp, csrf, post_form, sample_registry, spawn_app};

/// A published listing of `certificate` with `stock` units at 50,000 ₫; returns its pid.
pub async fn listing_with_stock(
    app: &TestApp,
    seller_email: &str,
    certificate: &str,
    stock: i32,
) -> uuid::Uuid {
    listing_of(app, seller_email, "2510996049", certificate, stock)
        .await
        .1
}

/// A published listing of `certificate` by a new member (signed in) of the participant
/// `registration_no`'s seller, with `stock` units at 50,000 ₫: the member's browser and the
/// listing's pid.
pub async fn listing_of(
    app: &TestApp,
    seller_email: &str,
    registration_no: &str,
    certificate: &str,
    stock: i32,
) -> (reqwest::Client, uuid::Uuid) {
    let (client, user) = app.signed_in(seller_email).await;
    app.make_member(&user, registration_no).await;
    let principal = app.principal(&user).await;
    let seller_id = principal.seller_ids()[0];
    let input = ocop_village::features::selling::ListingInput {
        price_vnd: Some(Vnd::new(50_000)),
        stock: Some(stock),
        unit: Some("hộp".into()),
        ..Default::default()
    };
    let listed = ocop_village::features::selling::create_listing(
        &app.db,
        &principal,
        seller_id,
        certificate,
        &input,
        true,
        app.now,
    )
    .await
    .expect("listed");
    (client, listed.pid)
}

/// Places a cash-on-delivery checkout of `cart`.
pub async fn place_cod(
    db: &sea_orm::DatabaseConnection,
    cart: i64,
    address: &Address,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ocop_village::db::entities::checkout::Model, CheckoutError> {
    place_as(
        db,
        cart,
        address,
        PaymentMethod::CashOnDelivery,
        key,
        Lang::Vi,
        now,
    )
    .await
}

/// The reference data, for the shipping quotes of checkouts placed without an app.
pub static TEST_REFERENCE: std::sync::LazyLock<ocop_village::domain::reference::Reference> =
    std::sync::LazyLock::new(|| {
        ocop_village::domain::reference::Reference::load(&Default::default())
            .expect("reference data")
    });

/// Places a checkout of `cart` paid by `method`, for a shopper reading `lang`.
pub async fn place_as(
    db: &sea_orm::DatabaseConnection,
    cart: i64,
    address: &Address,
    method: PaymentMethod,
    key: &str,
    lang: Lang,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ocop_village::db::entities::checkout::Model, CheckoutError> {
    let placement = cart::Placement {
        cart_id: cart,
        user_id: None,
        address,
        method,
        idempotency_key: key,
        lang,
        site: "http://shop.test",
        from_show: None,
        pickup_outlet: None,
        reference: &TEST_REFERENCE,
        carriers: &ocop_village::carriers::Endpoints::new(None, None),
        invoice: None,
    };
    cart::place(db, &placement, now).await
}

pub fn address(app: &TestApp) -> Address {
    Address::parse(
        &app.reference,
        "Nguyễn Thị Lan",
        "lan@example.vn",
        "0912 345 678",
        "ha-noi",
        "phường Hoàn Kiếm",
        "12 phố Hàng Bạc",
    )
    .expect("a valid address")
}

pub async fn cart_with(app: &TestApp, pid: uuid::Uuid, quantity: i32) -> i64 {
    let cart = cart::find_cart(&app.db, None, None, true, app.now)
        .await
        .expect("cart")
        .expect("created");
    cart::add_to_cart(&app.db, cart.id, pid, 0, quantity, app.now)
        .await
        .expect("added");
    cart.id
}

#[tokio::test]
async fn two_hundred_simultaneous_checkouts_sell_exactly_the_ten_in_stock() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let pid = listing_with_stock(&app, "seller@example.vn", "OCOP-TQ-2024-0001", 10).await;
    let mut carts = Vec::new();
    for _ in 0..200 {
        carts.push(cart_with(&app, pid, 1).await);
    }
    let address = address(&app);
    let tasks: Vec<_> = carts
        .into_iter()
        .enumerate()
        .map(|(n, cart)| {
            let db = app.db.clone();
            let address = address.clone();
            let now = app.now;
            tokio::spawn(
                async move { place_cod(&db, cart, &address, &format!("key-{n}"), now).await },
            )
        })
        .collect();
    let mut sold = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => sold += 1,
            Err(CheckoutError::Shop(ShopError::NotEnoughStock { left, .. })) => {
                assert_eq!(left, 0);
                refused += 1;
            }
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!((sold, refused), (10, 190));
    assert_eq!(app.count("listings", "stock = 0").await, 1);
    assert_eq!(app.count("listings", "stock < 0").await, 0);
    assert_eq!(app.count("orders", "").await, 10);
    assert_eq!(app.count("order_items", "quantity = 1").await, 10);
    assert_eq!(app.count("checkouts", "").await, 10);
}

#[tokio::test]
async fn a_retried_submit_is_one_checkout_and_a_shortfall_undoes_everything() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let plenty = listing_with_stock(&app, "a@example.vn", "OCOP-TQ-2024-0001", 50).await;
    let scarce = listing_with_stock(&app, "b@example.vn", "OCOP-TQ-2025-0001", 2).await;

    // The same key twice: one checkout, stock taken once.
    let cart = cart_with(&app, plenty, 3).await;
    let first = place_cod(&app.db, cart, &address(&app), "same", app.now)
        .await
        .expect("placed");
    let again = place_cod(&app.db, cart, &address(&app), "same", app.now)
        .await
        .expect("the same checkout");
    assert_eq!(first.reference, again.reference);
    // 3 × 50,000 ₫ of goods, and the seller's delivery from Tuyên Quang to Hà Nội: the
    // standard table's "elsewhere" fee for a parcel up to 500 g, 32,000 ₫.
    assert_eq!(first.total_vnd.dong(), 182_000);
    assert_eq!(
        app.count("orders", "subtotal_vnd = 150000 AND shipping_vnd = 32000")
            .await,
        1
    );
    assert_eq!(app.count("checkouts", "").await, 1);
    assert_eq!(app.count("listings", "stock = 47").await, 1);
    // The cart was emptied.
    let empty = place_cod(&app.db, cart, &address(&app), "other", app.now).await;
    assert!(matches!(
        empty,
        Err(CheckoutError::Shop(ShopError::EmptyCart))
    ));

    // Two lines; the second is short by the time of checkout: nothing is taken at all.
    let cart = cart_with(&app, plenty, 5).await;
    cart::add_to_cart(&app.db, cart, scarce, 0, 2, app.now)
        .await
        .expect("added");
    let rival = cart_with(&app, scarce, 1).await;
    place_cod(&app.db, rival, &address(&app), "rival", app.now)
        .await
        .expect("the rival buys one");
    let short = place_cod(&app.db, cart, &address(&app), "short", app.now).await;
    assert!(
        matches!(
            short,
            Err(CheckoutError::Shop(ShopError::NotEnoughStock {
                left: 1,
                ..
            }))
        ),
        "{short:?}"
    );
    assert_eq!(
        app.count("listings", "stock = 47").await,
        1,
        "the first line was given back"
    );
    assert_eq!(app.count("checkouts", "").await, 2);

    // Adding more than is on hand is refused up front.
    let over = cart::add_to_cart(&app.db, rival, scarce, 0, 5, app.now).await;
    assert!(matches!(
        over,
        Err(ShopError::NotEnoughStock { left: 1, .. })
    ));
}

#[tokio::test]
async fn a_guest_cart_joins_the_users_cart_at_sign_in() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let pid = listing_with_stock(&app, "s@example.vn", "OCOP-TQ-2024-0001", 50).await;
    let (_, shopper) = app.signed_in("shopper@example.vn").await;
    // The user already has a cart with 2; as a guest they add 3 more.
    let mine = cart::find_cart(&app.db, None, Some(shopper.id), true, app.now)
        .await
        .expect("cart")
        .expect("made");
    cart::add_to_cart(&app.db, mine.id, pid, 0, 2, app.now)
        .await
        .expect("added");
    let guest = cart::find_cart(&app.db, None, None, true, app.now)
        .await
        .expect("cart")
        .expect("made");
    cart::add_to_cart(&app.db, guest.id, pid, 0, 3, app.now)
        .await
        .expect("added");

    cart::merge_at_sign_in(&app.db, guest.token, shopper.id, app.now)
        .await
        .expect("merged");
    let view = cart::view(
        &app.db,
        mine.id,
        ocop_village::domain::time::vietnam_date(app.now),
    )
    .await
    .expect("view");
    assert_eq!(view.count, 5);
    assert_eq!(view.total_vnd.dong(), 250_000);
    assert_eq!(app.count("carts", "").await, 1, "the guest cart is gone");
}

#[tokio::test]
async fn a_shopper_buys_through_the_pages_without_javascript() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let pid = listing_with_stock(&app, "seller2@example.vn", "OCOP-TQ-2024-0001", 5).await;
    app.wait_for_outbox().await;
    let (_, listed) = app.get_json("/api/v1/listings?province=tuyen-quang").await;
    let slug = listed["items"][0]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let browser = crate::helpers::browser();

    // Add to cart from the product page, as a guest.
    let token = csrf(&app, &browser, &format!("/products/{slug}")).await;
    let response = post_form(
        &app,
        &browser,
        "/cart/add",
        &[
            ("csrf", &token),
            ("listing", &pid.to_string()),
            ("quantity", "2"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let cart = browser
        .get(format!("{}/cart", app.address))
        .send()
        .await
        .expect("cart")
        .text()
        .await
        .expect("body");
    assert!(cart.contains("100.000 ₫"), "2 × 50.000 ₫");

    // Checkout: a bad phone is refused with its message; a good address places the order.
    let (_, key) = crate::helpers::checkout_form(&app, &browser).await;
    let mut fields = vec![
        ("csrf", token.as_str()),
        ("idempotency_key", key.as_str()),
        ("name", "Trần Văn Minh"),
        ("email", "minh@example.vn"),
        ("phone", "12345"),
        ("province", "hue"),
        ("commune", "phường Thuận Hóa"),
        ("street", "5 Lê Lợi"),
        ("payment", "cod"),
    ];
    // Without JavaScript, "show the communes" brings the form back with the province's list,
    // placing nothing.
    let refreshed = post_form(&app, &browser, "/checkout/address", &fields).await;
    assert_eq!(refreshed.status().as_u16(), 200);
    let html = refreshed.text().await.expect("body");
    assert!(
        html.contains(r#"<option value="Phường Thuận Hóa">"#),
        "Huế's communes listed"
    );
    assert!(!html.contains("Phường Hoàn Kiếm"), "not Hà Nội's");
    assert_eq!(app.count("checkouts", "").await, 0);
    let bad = post_form(&app, &browser, "/checkout", &fields).await;
    assert_eq!(bad.status().as_u16(), 400);
    let bad = bad.text().await.expect("body");
    assert!(bad.contains("Số điện thoại"), "{bad}");
    fields[4] = ("phone", "0905 123 456");
    // An old three-level address: the district is named and the new commune offered.
    fields[5] = ("province", "ha-noi");
    fields[6] = ("commune", "phường Hàng Trống, quận Hoàn Kiếm");
    let old = post_form(&app, &browser, "/checkout", &fields).await;
    assert_eq!(old.status().as_u16(), 400);
    let old = old.text().await.expect("body");
    assert!(
        old.contains("không còn cấp huyện (quận Hoàn Kiếm)"),
        "{old}"
    );
    assert!(old.contains("Có phải: Phường Hoàn Kiếm?"), "{old}");
    // A commune of another province is refused.
    fields[5] = ("province", "hue");
    fields[6] = ("commune", "Phường Hoàn Kiếm");
    let elsewhere = post_form(&app, &browser, "/checkout", &fields).await;
    assert_eq!(elsewhere.status().as_u16(), 400);
    assert!(
        elsewhere
            .text()
            .await
            .expect("body")
            .contains("không có xã, phường, đặc khu này")
    );
    assert_eq!(app.count("checkouts", "").await, 0);
    // Typed without accents or kind, the commune is stored by its official name.
    fields[6] = ("commune", "thuan hoa");
    let placed = post_form(&app, &browser, "/checkout", &fields).await;
    assert_eq!(placed.status().as_u16(), 303);
    assert_eq!(
        app.count("checkouts", "commune = 'Phường Thuận Hóa'").await,
        1
    );
    let tracking = placed.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(
        tracking.starts_with("/orders/OV-") && tracking.contains("?t="),
        "{tracking}"
    );
    // A double submit of the same form is the same checkout.
    let again = post_form(&app, &browser, "/checkout", &fields).await;
    assert_eq!(
        again.headers()["location"].to_str().expect("location"),
        tracking
    );

    // The private tracking link shows the order; without its token it is not found.
    let page = crate::helpers::browser()
        .get(format!("{}{tracking}", app.address))
        .send()
        .await
        .expect("order page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("body");
    assert!(html.contains("Cam sành Hà Giang loại 1 Chí Vượng"));
    assert!(html.contains("Thanh toán khi nhận hàng"));
    let bare = tracking.split('?').next().expect("path");
    let page = crate::helpers::browser()
        .get(format!("{}{bare}", app.address))
        .send()
        .await
        .expect("order page");
    assert_eq!(page.status().as_u16(), 404);
    assert_eq!(app.count("listings", "stock = 3").await, 1);
}
