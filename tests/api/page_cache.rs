//! Anonymous pages served from memory: conditional requests, each browser's own CSRF token in
//! a shared page, and pages dropped when the catalog changes (through the outbox worker, a
//! write this instance served, or another instance's bump of the shared counter).
use std::sync::Arc;

use ocop_village::domain::money::Vnd;
use ocop_village::features::catalog::commands::{ListingChanges, update_listing};
use ocop_village::jobs::versions::CatalogVersion;

use crate::helpers::{browser, post_form, spawn_app};

fn token_in(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[start..start + 32].to_owned()
}

#[tokio::test]
async fn anonymous_pages_are_kept_and_answer_conditional_requests() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.wait_for_outbox().await;
    let first = app.get("/").await;
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(first.headers()["x-page-cache"], "miss");
    assert_eq!(first.headers()["cache-control"], "public, max-age=10");
    let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
    let modified = first.headers()["last-modified"]
        .to_str()
        .expect("date")
        .to_owned();
    let body = first.text().await.expect("body");

    let again = app.get("/").await;
    assert_eq!(again.headers()["x-page-cache"], "hit");
    assert_eq!(again.headers()["etag"].to_str().expect("etag"), etag);
    assert_eq!(again.text().await.expect("body"), body, "the same page");

    for (header, value) in [("if-none-match", &etag), ("if-modified-since", &modified)] {
        let response = app
            .client
            .get(format!("{}/", app.address))
            .header(header, value.as_str())
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status().as_u16(),
            304,
            "{header} {value}: {:?}",
            response.headers()
        );
        assert!(response.text().await.expect("body").is_empty());
    }
    let other = app
        .client
        .get(format!("{}/", app.address))
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .expect("request");
    assert_eq!(
        other.status().as_u16(),
        200,
        "another version gets the page"
    );

    // The public catalog API is kept the same way.
    let api = "/api/v1/listings?per_page=5";
    assert_eq!(app.get(api).await.headers()["x-page-cache"], "miss");
    let kept = app.get(api).await;
    assert_eq!(kept.headers()["x-page-cache"], "hit");
    assert!(
        kept.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/json")
    );

    // English is kept apart from Vietnamese.
    let english = app.get_html("/?lang=en").await;
    assert!(english.contains("lang=\"en\""), "an English page");
    assert!(app.get_html("/?lang=vi").await.contains("lang=\"vi\""));
}

#[tokio::test]
async fn a_kept_product_page_carries_each_browsers_own_token() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.wait_for_outbox().await;
    let item = app.first_listing().await;
    let slug = item["slug"].as_str().expect("slug");
    let listing = item["listing_id"].as_str().expect("id").to_owned();
    let path = format!("/products/{slug}");
    let (a, b) = (browser(), browser());
    let page_a = a
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("a");
    assert_eq!(page_a.headers()["cache-control"], "private, no-cache");
    let html_a = page_a.text().await.expect("a");
    let page_b = b
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("b");
    assert_eq!(page_b.headers()["x-page-cache"], "hit");
    let html_b = page_b.text().await.expect("b");
    let (token_a, token_b) = (token_in(&html_a), token_in(&html_b));
    assert_ne!(token_a, token_b, "each browser its own token");
    assert!(!html_b.contains(ocop_village::web::page_cache::CSRF_MARKER));
    assert!(token_b.bytes().all(|c| c.is_ascii_hexdigit()));

    // Each token works in its own browser only: the cookie came with the kept page.
    let added = post_form(
        &app,
        &b,
        "/cart/add",
        &[("csrf", &token_b), ("listing", &listing), ("quantity", "1")],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303, "b's token is b's");
    let refused = post_form(
        &app,
        &b,
        "/cart/add",
        &[("csrf", &token_a), ("listing", &listing), ("quantity", "1")],
    )
    .await;
    assert!(refused.status().is_client_error(), "a's token is not b's");
    // A browser coming back with its cookie keeps its token.
    let again = b
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("b again")
        .text()
        .await
        .expect("b again");
    assert_eq!(token_in(&again), token_b);
}

#[tokio::test]
async fn a_change_applied_by_the_outbox_worker_replaces_kept_pages() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.wait_for_outbox().await;
    let item = app.first_listing().await;
    let slug = item["slug"].as_str().expect("slug").to_owned();
    let pid: uuid::Uuid = item["listing_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let path = format!("/products/{slug}");
    let before = app.get_html(&path).await;
    assert_eq!(
        app.get(&path).await.headers()["x-page-cache"],
        "hit",
        "kept"
    );
    let api = "/api/v1/listings?per_page=100";
    let price_in_api = |body: &serde_json::Value| {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["slug"] == slug.as_str())
            .map(|i| i["price_vnd"].clone())
    };
    let (_, listed) = app.get_json(api).await;
    assert_eq!(app.get(api).await.headers()["x-page-cache"], "hit");
    assert_ne!(price_in_api(&listed), Some(serde_json::json!(987_000)));
    // Changed in the database (as another instance would), synced by the worker.
    update_listing(
        &app.db,
        pid,
        ListingChanges {
            price_vnd: Some(Vnd::new(987_000)),
            ..Default::default()
        },
        app.now,
    )
    .await
    .expect("price changed");
    app.wait_for_outbox().await;
    let after = app.get(&path).await;
    assert_eq!(
        after.headers()["x-page-cache"],
        "miss",
        "the kept page went"
    );
    let after = after.text().await.expect("body");
    assert_ne!(before, after);
    assert!(after.contains("987.000"), "the new price shows");
    let (_, listed) = app.get_json(api).await;
    assert_eq!(
        price_in_api(&listed),
        Some(serde_json::json!(987_000)),
        "the API follows"
    );
}

#[tokio::test]
async fn a_write_served_here_drops_kept_pages_at_once_but_a_cart_does_not() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.wait_for_outbox().await;
    app.get("/provinces").await;
    assert_eq!(app.get("/provinces").await.headers()["x-page-cache"], "hit");
    let item = app.first_listing().await;
    let listing = item["listing_id"].as_str().expect("id").to_owned();
    let shopper = browser();
    let page = shopper
        .get(format!(
            "{}/products/{}",
            app.address,
            item["slug"].as_str().expect("slug")
        ))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("page");
    let added = post_form(
        &app,
        &shopper,
        "/cart/add",
        &[
            ("csrf", &token_in(&page)),
            ("listing", &listing),
            ("quantity", "1"),
        ],
    )
    .await;
    assert_eq!(added.status().as_u16(), 303);
    assert_eq!(
        app.get("/provinces").await.headers()["x-page-cache"],
        "hit",
        "a cart changes no public page"
    );
    // A seller's write served here drops them at once.
    let (_, email, password) = ocop_village_tools::seed::DEMO_ACCOUNTS
        .iter()
        .find(|(_, email, _)| email.starts_with("nguoiban"))
        .expect("the demo seller");
    let seller = browser();
    let token = crate::helpers::csrf(&app, &seller, "/account/login").await;
    let signed = post_form(
        &app,
        &seller,
        "/account/login",
        &[("csrf", &token), ("email", email), ("password", password)],
    )
    .await;
    assert_eq!(signed.status().as_u16(), 303);
    let area = seller
        .get(format!("{}/seller", app.address))
        .send()
        .await
        .expect("seller area")
        .text()
        .await
        .expect("seller area");
    let at = area.find("/seller/listings/").expect("a listing") + "/seller/listings/".len();
    let pid = &area[at..at + 36];
    let paused = post_form(
        &app,
        &seller,
        &format!("/seller/listings/{pid}/state"),
        &[("csrf", &token), ("state", "paused")],
    )
    .await;
    assert!(paused.status().as_u16() < 400, "{}", paused.status());
    assert_eq!(
        app.get("/provinces").await.headers()["x-page-cache"],
        "miss",
        "a write drops the pages"
    );
}

#[tokio::test]
async fn signed_in_visitors_get_their_own_pages() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.wait_for_outbox().await;
    app.get("/").await;
    let (client, _) = app.signed_in("khach-rieng@ocop.test").await;
    let response = client
        .get(format!("{}/", app.address))
        .send()
        .await
        .expect("home");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().get("x-page-cache").is_none());
}

/// Every instance bumps and reads one shared counter: bumps made at once by several
/// instances are all counted, and each instance's view moves when another bumps.
#[tokio::test]
async fn instances_share_the_catalog_version_and_no_bump_is_lost() {
    let app = spawn_app().await;
    let instances: Vec<CatalogVersion> = (0..4).map(|_| CatalogVersion::default()).collect();
    for v in &instances {
        v.refresh(&app.db).await.expect("read");
    }
    let seen = instances[3].current();
    let db = Arc::new(app.db.clone());
    let mut tasks = Vec::new();
    for v in instances.iter().take(3) {
        for _ in 0..10 {
            let (v, db) = (v.clone(), db.clone());
            tasks.push(tokio::spawn(async move { v.bump(db.as_ref()).await }));
        }
    }
    for t in tasks {
        t.await.expect("task").expect("bump");
    }
    let count = app
        .count("change_counters", "name = 'catalog' AND value = 30")
        .await;
    assert_eq!(count, 1, "thirty concurrent bumps, thirty counted");
    assert_eq!(instances[3].current(), seen, "not read yet");
    assert!(instances[3].refresh(&app.db).await.expect("read"));
    assert_ne!(instances[3].current(), seen, "moved once read");
    assert!(
        !instances[3].refresh(&app.db).await.expect("read"),
        "no news"
    );
}
