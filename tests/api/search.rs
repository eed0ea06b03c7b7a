use ocop_village::db::entities::{listing, registry_certificate};
use ocop_village::domain::text::fold;
use ocop_village::features::catalog::commands::{ListingChanges, set_seller_state, update_listing};
use ocop_village::features::catalog::indexing::{drift, ensure_fresh};
use ocop_village::features::catalog::{ListingState, SellerState};
use ocop_village::search::SearchEngine;
use ocop_village::search::embedded::EmbeddedEngine;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::{TestApp, at, spawn_app, spawn_app_at};

async fn seeded(app: &TestApp) {
    app.seed_demo().await;
    app.wait_for_outbox().await;
}

#[tokio::test]
async fn searching_without_diacritics_finds_vietnamese_names() {
    let app = spawn_app().await;
    seeded(&app).await;

    let (status, body) = app
        .get_json("/api/v1/search?q=tra%20shan%20tuyet&per_page=50")
        .await;

    assert_eq!(status, 200);
    let hits = body["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    assert_eq!(body["total"], hits.len());
    for hit in hits {
        let title = fold(hit["title_vi"].as_str().expect("title"));
        assert!(title.contains("shan tuyet"), "{title}");
        for field in [
            "listing_id",
            "slug",
            "certificate_no",
            "title_vi",
            "title_en",
            "stars",
            "province_code",
            "region_code",
            "group_code",
            "price_vnd",
            "seller_name",
            "in_stock",
            "thumbnail_url",
        ] {
            assert!(hit.get(field).is_some(), "hit lacks {field}");
        }
    }
    for facet in ["stars", "region", "province", "group"] {
        assert!(body["facets"][facet].is_object(), "facets.{facet}");
    }
}

#[tokio::test]
async fn the_search_total_is_every_visible_listing() {
    let app = spawn_app_at(at(2026, 11, 22)).await;
    seeded(&app).await;

    let (_, body) = app.get_json("/api/v1/search").await;

    assert_eq!(body["total"], 239);
    let stars: u64 = body["facets"]["stars"]
        .as_object()
        .expect("stars facet")
        .values()
        .map(|v| v.as_u64().expect("count"))
        .sum();
    assert_eq!(stars, 239);
}

#[tokio::test]
async fn expired_and_revoked_products_cannot_be_found_by_their_exact_name() {
    let app = spawn_app_at(at(2026, 11, 22)).await;
    seeded(&app).await;
    let certificates = registry_certificate::Entity::find()
        .all(&app.db)
        .await
        .expect("query");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
    let revoked = certificates
        .iter()
        .find(|c| c.status == "revoked")
        .expect("a revoked one");
    let expired = certificates
        .iter()
        .find(|c| c.status == "expired")
        .expect("an expired one");
    let lapsed = certificates
        .iter()
        .find(|c| c.status == "active" && c.expires_on <= today)
        .expect("an active one past its expiry date");

    for cert in [revoked, expired, lapsed] {
        let q = cert.product_name_vi.replace(' ', "%20");
        let (status, body) = app
            .get_json(&format!("/api/v1/search?q={q}&per_page=100"))
            .await;
        assert_eq!(status, 200);
        let found: Vec<&str> = body["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .filter_map(|h| h["certificate_no"].as_str())
            .collect();
        assert!(
            !found.contains(&cert.certificate_no.as_str()),
            "{} ({}) was found",
            cert.product_name_vi,
            cert.status
        );
    }
}

#[tokio::test]
async fn a_former_province_filters_like_the_current_one() {
    let app = spawn_app().await;
    seeded(&app).await;

    let (status, legacy) = app
        .get_json("/api/v1/search?province=H%C3%A0%20Giang&per_page=100")
        .await;
    let (_, current) = app
        .get_json("/api/v1/search?province=tuyen-quang&per_page=100")
        .await;

    assert_eq!(status, 200);
    assert!(legacy["total"].as_u64().expect("total") > 0);
    assert_eq!(legacy, current);
}

#[tokio::test]
async fn bad_search_parameters_get_a_400_with_a_code() {
    let app = spawn_app().await;
    let cases = [
        ("stars=2", "invalid_stars"),
        ("stars=4,six", "invalid_stars"),
        ("region=atlantis", "unknown_region"),
        ("province=Atlantis", "unknown_province"),
        ("group=gems", "unknown_group"),
        ("sort=cheapest", "invalid_sort"),
        ("page=0", "invalid_page"),
        ("page=1000&per_page=100", "invalid_page"),
        ("per_page=0", "invalid_per_page"),
        ("per_page=101", "invalid_per_page"),
        ("page=-1", "invalid_query"),
    ];
    for (params, code) in cases {
        let (status, body) = app.get_json(&format!("/api/v1/search?{params}")).await;
        assert_eq!(status, 400, "{params}");
        assert_eq!(body["error"]["code"], code, "{params}");
    }
}

#[tokio::test]
async fn while_the_engine_is_down_search_answers_503_and_readyz_reports_it_without_failing() {
    let app = spawn_app().await;
    app.search.set_down(true);

    let response = app.get("/api/v1/search?q=tra").await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    // The instance still serves pages and checkouts: it stays in the load balancer.
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["search"], "unreachable");
    assert_eq!(ready["database"], "ok");
    assert_eq!(app.get("/").await.status().as_u16(), 200);

    app.search.set_down(false);
    assert_eq!(app.get("/api/v1/search?q=tra").await.status().as_u16(), 200);
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);
}

async fn listing_by_pid(app: &TestApp, pid: &str) -> listing::Model {
    listing::Entity::find()
        .filter(listing::Column::Pid.eq(Uuid::parse_str(pid).expect("uuid")))
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
}

#[tokio::test]
async fn edits_made_while_the_engine_is_down_reach_the_index_when_it_returns() {
    let app = spawn_app().await;
    seeded(&app).await;
    let today = app.now.date_naive();
    assert_eq!(
        drift(&app.db, app.search.as_ref(), &app.reference, today)
            .await
            .expect("drift"),
        (vec![], vec![])
    );
    let (_, body) = app
        .get_json("/api/v1/search?sort=price_asc&per_page=40")
        .await;
    let pids: Vec<String> = body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["listing_id"].as_str().expect("id").to_owned())
        .collect();
    let (sold_out, paused, repriced) = (&pids[0], &pids[1], &pids[2]);
    let suspended_seller = listing_by_pid(&app, &pids[3]).await.seller_id;

    app.search.set_down(true);
    let now = app.now;
    let id = |s: &str| Uuid::parse_str(s).expect("uuid");
    update_listing(
        &app.db,
        id(sold_out),
        ListingChanges {
            stock: Some(0),
            ..Default::default()
        },
        now,
    )
    .await
    .expect("edit");
    update_listing(
        &app.db,
        id(paused),
        ListingChanges {
            state: Some(ListingState::Paused),
            ..Default::default()
        },
        now,
    )
    .await
    .expect("edit");
    update_listing(
        &app.db,
        id(repriced),
        ListingChanges {
            price_vnd: Some(ocop_village::domain::money::Vnd::new(777_000)),
            ..Default::default()
        },
        now,
    )
    .await
    .expect("edit");
    set_seller_state(
        &app.db,
        suspended_seller,
        SellerState::Suspended,
        Some("test".into()),
        now,
    )
    .await
    .expect("suspend");

    // The worker keeps failing and retrying while the engine is down; nothing is dropped.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let failed = app
        .count(
            "outbox",
            "done_at IS NULL AND attempts > 0 AND last_error IS NOT NULL",
        )
        .await;
    assert!(failed >= 4, "entries wait with their error: {failed}");

    app.search.set_down(false);
    app.wait_for_outbox().await;

    let (missing, extra) = drift(&app.db, app.search.as_ref(), &app.reference, today)
        .await
        .expect("drift");
    assert_eq!(
        (missing, extra),
        (vec![], vec![]),
        "index equals the database"
    );
    let indexed = app.search.all_ids().await.expect("ids");
    assert!(
        !indexed.contains(paused),
        "the paused listing left the index"
    );
    assert!(
        indexed.contains(sold_out),
        "a sold-out listing stays findable"
    );
    let repriced_hit = find_hit(&app, repriced).await.expect("still indexed");
    assert_eq!(repriced_hit["price_vnd"], 777_000);
    let sold_out_hit = find_hit(&app, sold_out).await.expect("still indexed");
    assert_eq!(sold_out_hit["in_stock"], false);
}

/// The search hit of one listing, paging through every result.
async fn find_hit(app: &TestApp, pid: &str) -> Option<serde_json::Value> {
    for page in 1..=10 {
        let (_, body) = app
            .get_json(&format!("/api/v1/search?per_page=100&page={page}"))
            .await;
        let hits = body["hits"].as_array().expect("hits");
        if let Some(hit) = hits.iter().find(|h| h["listing_id"] == pid) {
            return Some(hit.clone());
        }
        if hits.len() < 100 {
            break;
        }
    }
    None
}

#[tokio::test]
async fn a_new_or_outdated_index_is_rebuilt_from_the_database_at_start() {
    let app = spawn_app().await;
    seeded(&app).await;
    let today = app.now.date_naive();
    let fresh = EmbeddedEngine::in_memory(&app.reference).expect("engine");

    let rebuilt = ensure_fresh(&app.db, &fresh, &app.reference, today, "test")
        .await
        .expect("first");
    let again = ensure_fresh(&app.db, &fresh, &app.reference, today, "test")
        .await
        .expect("second");

    assert!(rebuilt, "an empty index without fingerprint is rebuilt");
    assert!(!again, "an up-to-date index is left alone");
    assert_eq!(fresh.all_ids().await.expect("ids").len(), 239);
    assert_eq!(
        drift(&app.db, &fresh, &app.reference, today)
            .await
            .expect("drift"),
        (vec![], vec![])
    );
}

#[tokio::test]
async fn a_registry_revocation_removes_the_product_from_search() {
    let app = spawn_app().await;
    seeded(&app).await;
    // The registry as the demo seeded it (its dates moved to the seeding day), with a
    // certificate on sale revoked.
    let mut lines = crate::helpers::demo_lines(&app);
    let today = app.now.date_naive().to_string();
    let line = (3..=402)
        .find(|&n| {
            crate::helpers::field(&lines, n, "status") == "active"
                && crate::helpers::field(&lines, n, "expires_on") > today
        })
        .expect("an active row");
    let certificate_no = crate::helpers::field(&lines, line, "certificate_no");
    crate::helpers::edit_line(&mut lines, line, "status", "revoked");

    app.import(&crate::helpers::join(&lines), false)
        .await
        .expect("import");
    app.wait_for_outbox().await;

    let (_, body) = app.get_json("/api/v1/search?per_page=100&page=1").await;
    assert_eq!(body["total"], 238);
    let q = certificate_no.replace('-', "%20");
    let (_, body) = app.get_json(&format!("/api/v1/search?q={q}")).await;
    let found = body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .any(|h| h["certificate_no"] == certificate_no.as_str());
    assert!(!found, "{certificate_no} is still searchable");
}
