//! Livestream selling: a seller's show through the seller pages, share links that count clicks
//! and attribute the orders they bring, scope (another seller cannot touch a show), and the
//! public live page receiving pins over server-sent events, read by a real HTTP client.
use std::time::Duration;

use ocop_village::db::entities::{checkout, live_show, live_show_item, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::checkout::listing_of;
use crate::helpers::{
    TestApp, browser, csrf, post_form, post_with_csrf, sample_registry, spawn_app,
};

/// A show of the seller signed in as `seller`, created through the form; returns its pid.
async fn create_show(app: &TestApp, seller: &reqwest::Client) -> live_show::Model {
    let token = csrf(app, seller, "/seller/live").await;
    let page = seller
        .get(format!("{}/seller/live", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let needle = "name=\"seller\" value=\"";
    let at = page.find(needle).expect("the seller field") + needle.len();
    let seller_id: String = page[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let bad = post_form(
        app,
        seller,
        "/seller/live",
        &[
            ("csrf", &token),
            ("seller", &seller_id),
            ("title", "Mật ong"),
            ("platform", "tiktok"),
            ("stream_url", "javascript:alert(1)"),
            ("scheduled_at", "2025-11-01T20:00"),
        ],
    )
    .await;
    assert_eq!(
        bad.status().as_u16(),
        400,
        "a stream address must be http(s)"
    );
    let created = post_form(
        app,
        seller,
        "/seller/live",
        &[
            ("csrf", &token),
            ("seller", &seller_id),
            ("title", "Cam sành Hà Giang trực tiếp"),
            ("platform", "tiktok"),
            ("stream_url", "https://www.tiktok.com/@chivuong/live"),
            ("scheduled_at", "2025-11-01T20:00"),
        ],
    )
    .await;
    assert_eq!(created.status().as_u16(), 303);
    let show = live_show::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a show");
    // 20:00 in Vietnam is 13:00 UTC.
    assert_eq!(show.scheduled_at.to_rfc3339(), "2025-11-01T13:00:00+00:00");
    show
}

async fn link(
    app: &TestApp,
    seller: &reqwest::Client,
    show: &live_show::Model,
    listing: uuid::Uuid,
) -> live_show_item::Model {
    let response = post_with_csrf(
        app,
        seller,
        &format!("/seller/live/{}/items", show.pid),
        &[("listing", &listing.to_string())],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    live_show_item::Entity::find()
        .filter(live_show_item::Column::ShowId.eq(show.id))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .last()
        .expect("linked")
}

/// A guest buys one unit of `slug` through the pages with `shopper`'s cookies.
async fn buy(app: &TestApp, shopper: &reqwest::Client, slug: &str) -> checkout::Model {
    let product = shopper
        .get(format!("{}/products/{slug}", app.address))
        .send()
        .await
        .expect("product")
        .text()
        .await
        .expect("body");
    let pick = |name: &str| {
        let needle = format!("name=\"{name}\" value=\"");
        let at = product.find(&needle).expect("field") + needle.len();
        product[at..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let (token, listing) = (pick("csrf"), pick("listing"));
    let added = post_form(
        app,
        shopper,
        "/cart/add",
        &[("csrf", &token), ("listing", &listing), ("quantity", "2")],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);
    let (_, key) = crate::helpers::checkout_form(app, shopper).await;
    let placed = post_form(
        app,
        shopper,
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
            ("payment", "cod"),
        ],
    )
    .await;
    assert_eq!(placed.status().as_u16(), 303);
    checkout::Entity::find()
        .filter(checkout::Column::IdempotencyKey.eq(key))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the checkout")
}

async fn slug_of(app: &TestApp, pid: uuid::Uuid) -> String {
    use ocop_village::db::entities::listing;
    listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
        .slug
}

#[tokio::test]
async fn a_share_link_counts_its_clicks_and_the_order_it_brings_is_the_shows() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) = listing_of(
        &app,
        "tra@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        20,
    )
    .await;
    let show = create_show(&app, &seller).await;
    let item = link(&app, &seller, &show, pid).await;
    let page = seller
        .get(format!("{}/seller/live/{}", app.address, show.pid))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains(&format!("/l/{}", item.code)),
        "the share link is shown"
    );
    let started = post_with_csrf(
        &app,
        &seller,
        &format!("/seller/live/{}/state", show.pid),
        &[("state", "live")],
    )
    .await;
    assert_eq!(started.status().as_u16(), 303);

    // A viewer follows the link: a click, a cookie, the product page.
    let viewer = browser();
    let followed = viewer
        .get(format!("{}/l/{}", app.address, item.code))
        .send()
        .await
        .expect("link");
    assert_eq!(followed.status().as_u16(), 303);
    let slug = slug_of(&app, pid).await;
    assert_eq!(followed.headers()["location"], format!("/products/{slug}"));
    let from_show = buy(&app, &viewer, &slug).await;
    assert_eq!(from_show.channel, "livestream");
    assert_eq!(from_show.live_show_id, Some(show.id));

    // Someone who did not follow the link buys on the web channel.
    let direct = buy(&app, &browser(), &slug).await;
    assert_eq!(
        (direct.channel.as_str(), direct.live_show_id),
        ("web", None)
    );

    // The show's figures: one click, one order of two units at 50.000 ₫.
    let view = ocop_village::features::live::seller_show(
        &app.db,
        live_show::Entity::find_by_id(show.id)
            .one(&app.db)
            .await
            .expect("q")
            .expect("show"),
    )
    .await
    .expect("figures");
    assert_eq!(
        (
            view.clicks,
            view.orders,
            view.units,
            view.revenue_vnd.dong()
        ),
        (1, 1, 2, 100_000)
    );
    assert_eq!(view.items[0].orders, 1);
    // An unknown code is a 404.
    assert_eq!(app.get("/l/nosuchx").await.status().as_u16(), 404);
    // The home page lists the show on air.
    let home = app.get_html("/").await;
    assert!(
        home.contains(&format!("/live/{}", show.id)),
        "live now on the home page"
    );
}

#[tokio::test]
async fn another_seller_cannot_touch_a_show() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller_a, pid) =
        listing_of(&app, "a@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let (seller_b, pid_b) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2023-0001",
        5,
    )
    .await;
    let show = create_show(&app, &seller_a).await;
    link(&app, &seller_a, &show, pid).await;

    let page = seller_b
        .get(format!("{}/seller/live/{}", app.address, show.pid))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 404);
    for (path, fields) in [
        (
            format!("/seller/live/{}/pin", show.pid),
            vec![("listing", pid.to_string())],
        ),
        (
            format!("/seller/live/{}/items", show.pid),
            vec![("listing", pid_b.to_string())],
        ),
        (
            format!("/seller/live/{}/state", show.pid),
            vec![("state", "live".to_owned())],
        ),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = post_with_csrf(&app, &seller_b, &path, &fields).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    // A's own show cannot take B's product either.
    let foreign = post_with_csrf(
        &app,
        &seller_a,
        &format!("/seller/live/{}/items", show.pid),
        &[("listing", &pid_b.to_string())],
    )
    .await;
    assert_eq!(foreign.status().as_u16(), 409);
    // Nor through the API with B's token.
    let b = user::Entity::find()
        .filter(user::Column::Email.eq("b@example.vn"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("b");
    let token = ocop_village::features::accounts::tokens::create(&app.db, b.id, "t", app.now)
        .await
        .expect("token");
    let api = app
        .client
        .post(format!(
            "{}/api/v1/seller/live/{}/pin",
            app.address, show.pid
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "listing": pid }))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status().as_u16(), 404);
    let unchanged = live_show::Entity::find_by_id(show.id)
        .one(&app.db)
        .await
        .expect("q")
        .expect("show");
    assert_eq!(
        (unchanged.state.as_str(), unchanged.pinned_listing_id),
        ("scheduled", None)
    );
}

/// Reads the event stream until an event whose data contains `needle` (panics after 3 s).
async fn next_event_with(
    stream: &mut reqwest::Response,
    buffer: &mut String,
    needle: &str,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if event.starts_with("event: pin") && event.contains(needle) {
                return event;
            }
            continue;
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no event with {needle:?} within 3 s"))
            .expect("the stream")
            .expect("still open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn open_live_pages_receive_each_pin_over_server_sent_events() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, first) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let principal = {
        let u = user::Entity::find()
            .filter(user::Column::Email.eq("tra@example.vn"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("user");
        app.principal(&u).await
    };
    let second = ocop_village::features::selling::create_listing(
        &app.db,
        &principal,
        principal.seller_ids()[0],
        "OCOP-TQ-2025-0001",
        &ocop_village::features::selling::ListingInput {
            price_vnd: Some(ocop_village::domain::money::Vnd::new(80_000)),
            stock: Some(5),
            unit: Some("hộp".into()),
            ..Default::default()
        },
        true,
        app.now,
    )
    .await
    .expect("second listing")
    .pid;
    let show = create_show(&app, &seller).await;
    link(&app, &seller, &show, first).await;
    link(&app, &seller, &show, second).await;
    post_with_csrf(
        &app,
        &seller,
        &format!("/seller/live/{}/state", show.pid),
        &[("state", "live")],
    )
    .await;

    // The public page works without JavaScript and names its event stream.
    let page = app.get_html(&format!("/live/{}", show.id)).await;
    assert!(page.contains(&format!("data-events=\"/live/{}/events\"", show.id)));
    assert!(page.contains("Người bán chưa ghim sản phẩm nào."));

    let mut stream = reqwest::Client::new()
        .get(format!("{}/live/{}/events", app.address, show.id))
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    next_event_with(&mut stream, &mut buffer, "chưa ghim").await;

    // Pinned from the seller area: the open stream gets it.
    let pinned = post_with_csrf(
        &app,
        &seller,
        &format!("/seller/live/{}/pin", show.pid),
        &[("listing", &first.to_string())],
    )
    .await;
    assert_eq!(pinned.status().as_u16(), 303);
    let event = next_event_with(&mut stream, &mut buffer, "\"version\":1").await;
    assert!(event.contains(&slug_of(&app, first).await), "{event}");

    // Pinned through the API.
    let u = user::Entity::find()
        .filter(user::Column::Email.eq("tra@example.vn"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("user");
    let token = ocop_village::features::accounts::tokens::create(&app.db, u.id, "t", app.now)
        .await
        .expect("token");
    let api = app
        .client
        .post(format!(
            "{}/api/v1/seller/live/{}/pin",
            app.address, show.pid
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "listing": second }))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status().as_u16(), 200);
    let event = next_event_with(&mut stream, &mut buffer, "\"version\":2").await;
    assert!(event.contains(&slug_of(&app, second).await), "{event}");

    // A pin written by another app instance (straight to the database, no message in this
    // process) reaches the page through the poller.
    ocop_village::features::live::pin(&app.db, &principal, show.pid, Some(first), app.now)
        .await
        .expect("pinned elsewhere");
    let event = next_event_with(&mut stream, &mut buffer, "\"version\":3").await;
    assert!(event.contains(&slug_of(&app, first).await), "{event}");
    // Reloading shows the same pin without JavaScript.
    let page = app.get_html(&format!("/live/{}", show.id)).await;
    assert!(page.contains(&format!("/products/{}", slug_of(&app, first).await)));
}
