//! The production topology: what keeps several app instances on one database and one search
//! engine correct. Leases, outbox claims, rebuilds that lose nothing, one embedded index per
//! database, the shared API limit, the client address behind a proxy, links that no request
//! header can change, and a missing Meilisearch index rebuilt.
use ocop_village::domain::money::Vnd;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ocop_village::features::catalog::commands::{ListingChanges, update_listing};
use ocop_village::features::catalog::indexing::{SyncError, reindex, verify};
use ocop_village::jobs::lease::{self, Lease};
use ocop_village::jobs::outbox;
use ocop_village::search::{
    Rebuild, SearchDocument, SearchEngine, SearchError, SearchQuery, SearchResults,
};
use ocop_village::web::security::ApiLimiter;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::helpers::{
    TestApp, browser, csrf, spawn_app, spawn_app_on_meilisearch, spawn_app_tuned,
};

#[tokio::test]
async fn leases_are_exclusive_expire_and_are_taken_back_by_the_same_holder_after_a_crash() {
    let app = spawn_app().await;
    let ttl = Duration::from_millis(300);
    let a = Lease::try_acquire(&app.db, "test-lease", "a", ttl)
        .await
        .expect("query")
        .expect("free");
    assert!(
        Lease::try_acquire(&app.db, "test-lease", "b", ttl)
            .await
            .expect("query")
            .is_none(),
        "held by a"
    );
    assert_eq!(
        lease::holder(&app.db, "test-lease").await.expect("query"),
        Some("a".into())
    );
    assert!(a.renew(&app.db).await.expect("renew"));
    // The same holder (a restarted process) takes it back at once; another waits.
    let a2 = Lease::acquire_as(&app.db, "test-lease", "a", ttl)
        .await
        .expect("query")
        .expect("the same holder");
    assert!(
        !a.renew(&app.db).await.expect("renew"),
        "a's old token lost it"
    );
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    let b = Lease::try_acquire(&app.db, "test-lease", "b", ttl)
        .await
        .expect("query")
        .expect("expired, so free");
    assert!(
        !a2.renew(&app.db).await.expect("renew"),
        "expired and taken"
    );
    b.release(&app.db).await.expect("release");
    assert!(
        Lease::try_acquire(&app.db, "test-lease", "c", ttl)
            .await
            .expect("query")
            .is_some(),
        "released"
    );
}

#[tokio::test]
async fn a_worker_that_lost_its_claim_can_neither_finish_nor_renew_the_entry() {
    let app = spawn_app().await;
    let now = chrono::Utc::now();
    outbox::enqueue(&app.db, "test.topic", [serde_json::json!({"n": 1})], now)
        .await
        .expect("enqueue");
    let slow = outbox::claim(&app.db, &["test.topic"], 10, now, Duration::from_millis(1))
        .await
        .expect("claim");
    assert_eq!(slow.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    // The lease ran out: another worker claims the entry again.
    let later = chrono::Utc::now();
    let fast = outbox::claim(&app.db, &["test.topic"], 10, later, Duration::from_secs(60))
        .await
        .expect("claim");
    assert_eq!(fast.len(), 1);
    assert_ne!(slow[0].claim, fast[0].claim);

    assert!(
        !outbox::renew(&app.db, &slow[0], later, Duration::from_secs(60))
            .await
            .expect("renew"),
        "the slow worker may not send it"
    );
    assert_eq!(
        outbox::complete(&app.db, &slow, later)
            .await
            .expect("complete"),
        0,
        "nor mark it done"
    );
    assert!(
        outbox::renew(&app.db, &fast[0], later, Duration::from_secs(60))
            .await
            .expect("renew")
    );
    assert_eq!(
        outbox::complete(&app.db, &fast, later)
            .await
            .expect("complete"),
        1
    );
    assert_eq!(
        app.count("outbox", "topic = 'test.topic' AND done_at IS NOT NULL")
            .await,
        1
    );
}

/// An engine whose rebuilds stop after taking their snapshot until the test lets them go on.
struct GatedRebuild {
    inner: Arc<dyn SearchEngine>,
    snapshot_taken: Notify,
    go_on: Notify,
}

#[async_trait]
impl SearchEngine for GatedRebuild {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    async fn prepare(&self) -> Result<(), SearchError> {
        self.inner.prepare().await
    }
    async fn upsert(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        self.inner.upsert(documents).await
    }
    async fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        self.inner.delete(ids).await
    }
    async fn begin_rebuild(&self, documents: &[SearchDocument]) -> Result<Rebuild, SearchError> {
        let rebuild = self.inner.begin_rebuild(documents).await?;
        self.snapshot_taken.notify_one();
        self.go_on.notified().await;
        Ok(rebuild)
    }
    async fn finish_rebuild(
        &self,
        rebuild: Rebuild,
        upserts: &[SearchDocument],
        deletes: &[String],
    ) -> Result<(), SearchError> {
        self.inner.finish_rebuild(rebuild, upserts, deletes).await
    }
    async fn abandon_rebuild(&self, rebuild: Rebuild) -> Result<(), SearchError> {
        self.inner.abandon_rebuild(rebuild).await
    }
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.inner.search(query).await
    }
    async fn all_ids(&self) -> Result<Vec<String>, SearchError> {
        self.inner.all_ids().await
    }
    async fn all_documents(&self) -> Result<Vec<SearchDocument>, SearchError> {
        self.inner.all_documents().await
    }
    async fn health(&self) -> Result<(), SearchError> {
        self.inner.health().await
    }
    async fn fingerprint(&self) -> Result<Option<String>, SearchError> {
        self.inner.fingerprint().await
    }
    async fn set_fingerprint(&self, fingerprint: &str) -> Result<(), SearchError> {
        self.inner.set_fingerprint(fingerprint).await
    }
}

async fn gated(app: &TestApp) -> Arc<GatedRebuild> {
    app.seed_demo().await;
    app.wait_for_outbox().await;
    Arc::new(GatedRebuild {
        inner: app.search.clone(),
        snapshot_taken: Notify::new(),
        go_on: Notify::new(),
    })
}

/// The first `n` visible listings by price, with their public ids and prices.
async fn cheapest(app: &TestApp, n: usize) -> Vec<(Uuid, i64)> {
    let (_, body) = app
        .get_json(&format!("/api/v1/search?sort=price_asc&per_page={n}"))
        .await;
    body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| {
            (
                Uuid::parse_str(h["listing_id"].as_str().expect("id")).expect("uuid"),
                h["price_vnd"].as_i64().expect("price"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_rebuild_loses_no_change_made_while_it_builds_and_only_one_runs_at_a_time() {
    let app = spawn_app().await;
    let engine = gated(&app).await;
    let today = app.now.date_naive();
    let rebuild = {
        let (db, reference, engine) = (app.db.clone(), app.reference.clone(), engine.clone());
        tokio::spawn(async move {
            reindex(&db, engine.as_ref(), &reference, today, "test-rebuild").await
        })
    };
    engine.snapshot_taken.notified().await;

    // While the new index is being filled: a second rebuild is refused, sellers change four
    // prices and the workers write them to the live index.
    let second = reindex(
        &app.db,
        app.search.as_ref(),
        &app.reference,
        today,
        "another-instance",
    )
    .await;
    assert!(matches!(second, Err(SyncError::Busy(_))), "{second:?}");
    let edited = cheapest(&app, 4).await;
    for (pid, price) in &edited {
        update_listing(
            &app.db,
            *pid,
            ListingChanges {
                price_vnd: Some(Vnd::new(price + 10)),
                ..Default::default()
            },
            app.now,
        )
        .await
        .expect("edit");
    }
    app.wait_for_outbox().await;

    engine.go_on.notify_one();
    rebuild.await.expect("task").expect("rebuilt");
    app.wait_for_outbox().await;

    let report = verify(&app.db, app.search.as_ref(), &app.reference, today)
        .await
        .expect("verify");
    assert!(report.is_clean(), "{report:?}");
    let indexed = app.search.all_documents().await.expect("documents");
    for (pid, price) in &edited {
        let document = indexed
            .iter()
            .find(|d| d.id == pid.to_string())
            .expect("still indexed");
        assert_eq!(
            document.price_vnd.dong(),
            price + 10,
            "{pid}: the index has the new price"
        );
    }
}

#[tokio::test]
async fn a_rebuild_that_lost_its_lease_while_paused_abandons_its_index() {
    let app = spawn_app().await;
    let engine = gated(&app).await;
    let today = app.now.date_naive();
    let before = app.search.all_ids().await.expect("ids");
    let rebuild = {
        let (db, reference, engine) = (app.db.clone(), app.reference.clone(), engine.clone());
        tokio::spawn(
            async move { reindex(&db, engine.as_ref(), &reference, today, "paused").await },
        )
    };
    engine.snapshot_taken.notified().await;
    // As if the rebuilding process had been paused past its lease and another had taken it.
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "UPDATE leases SET token = 'stolen', holder = 'other' WHERE name = 'search-rebuild'",
    )
    .await
    .expect("steal the lease");
    engine.go_on.notify_one();
    let result = rebuild.await.expect("task");
    assert!(matches!(result, Err(SyncError::Busy(_))), "{result:?}");
    assert_eq!(app.search.all_ids().await.expect("ids"), before);
}

#[tokio::test]
async fn a_second_instance_with_the_embedded_index_on_the_same_database_is_refused() {
    let app = spawn_app().await;
    if app.search.kind() != "embedded" {
        eprintln!("SKIPPED: the app under test is not on the embedded engine");
        return;
    }
    let elsewhere = tempfile::tempdir().expect("dir");
    let settings = ocop_village::config::Settings {
        data_dir: elsewhere.path().to_path_buf(),
        search: ocop_village::config::SearchSettings::Embedded {
            dir: elsewhere.path().join("search"),
        },
        ..app.settings.clone()
    };
    let second = ocop_village::startup::Application::build(
        &settings,
        ocop_village::app::Clock::Fixed(app.now),
    )
    .await;
    let Err(refused) = second else {
        panic!("a second embedded instance must not start");
    };
    let message = format!("{refused:#}");
    assert!(message.contains("Meilisearch"), "{message}");
    assert!(message.contains("served by"), "{message}");
}

#[tokio::test]
async fn the_api_limit_is_shared_by_every_instance_of_a_database() {
    let app = spawn_app().await;
    // Two instances' limiters on one database, 10 requests a minute per client.
    let a = ApiLimiter::new(10, Some(app.db.clone()));
    let b = ApiLimiter::new(10, Some(app.db.clone()));
    let client: std::net::IpAddr = "203.0.113.9".parse().expect("ip");
    let mut allowed = 0;
    for n in 0..30 {
        let limiter = if n % 2 == 0 { &a } else { &b };
        if limiter.check(client).await.is_none() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 10, "ten in all, whichever instance served them");
    let other: std::net::IpAddr = "203.0.113.10".parse().expect("ip");
    assert_eq!(
        a.check(other).await,
        None,
        "another client has its own budget"
    );
    let wait = b.check(client).await.expect("still limited");
    assert!((1..=60).contains(&wait), "{wait}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_client() {
    let proxied = spawn_app_tuned(|s| {
        s.api_rate_per_minute = 3;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("range")];
    })
    .await;
    let call = |app: &TestApp, forwarded: &'static str| {
        app.client
            .get(format!("{}/api/v1/search?q=tra", app.address))
            .header("x-forwarded-for", forwarded)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            call(&proxied, "198.51.100.1")
                .await
                .expect("sent")
                .status()
                .as_u16(),
            200
        );
    }
    assert_eq!(
        call(&proxied, "198.51.100.1")
            .await
            .expect("sent")
            .status()
            .as_u16(),
        429,
        "one client, past its limit"
    );
    assert_eq!(
        call(&proxied, "10.9.9.9, 198.51.100.2")
            .await
            .expect("sent")
            .status()
            .as_u16(),
        200,
        "another client (the rightmost untrusted address) has its own budget"
    );

    // Without trusted proxies, a client cannot pick its address with the header.
    let direct = spawn_app_tuned(|s| s.api_rate_per_minute = 3).await;
    let addresses = [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
    ];
    let mut statuses = Vec::new();
    for forwarded in addresses {
        statuses.push(
            call(&direct, forwarded)
                .await
                .expect("sent")
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
}

#[tokio::test]
async fn links_in_e_mails_ignore_the_host_headers_a_client_sends() {
    let app = spawn_app().await;
    app.signed_in("lan@example.com").await;
    let client = browser();
    let token = csrf(&app, &client, "/account/password/forgot").await;
    let answer = client
        .post(format!("{}/account/password/forgot", app.address))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("forwarded", "host=evil.example;proto=https")
        .form(&[("csrf", token.as_str()), ("email", "lan@example.com")])
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status().as_u16(), 200);
    let mails = app.mail_to("lan@example.com").await;
    let reset = mails.last().expect("the reset mail");
    assert!(!reset.text.contains("evil.example"), "{}", reset.text);
    assert!(
        reset
            .text
            .contains(&format!("{}/account/password/reset?token=", app.address)),
        "{}",
        reset.text
    );
}

#[tokio::test]
async fn a_deleted_meilisearch_index_answers_503_and_is_rebuilt() {
    let Some(app) = spawn_app_on_meilisearch("rebuilding a deleted Meilisearch index").await else {
        return;
    };
    app.seed_demo().await;
    app.wait_for_outbox().await;
    let (_, before) = app.get_json("/api/v1/search?q=tra").await;
    let total = before["total"].as_u64().expect("total");
    assert!(total > 0);

    // Someone deletes the live index by hand.
    let url = std::env::var("MEILI_URL").expect("url");
    let key = std::env::var("MEILI_MASTER_KEY").unwrap_or_default();
    let index = format!("{}listings", app.meili_prefix().expect("on Meilisearch"));
    let deleted = reqwest::Client::new()
        .delete(format!("{url}/indexes/{index}"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("delete");
    assert!(deleted.status().is_success());
    // Meilisearch deletes in a task: wait until the index is gone. Answers are kept per
    // address for a while (the page cache), so each request asks at a new one.
    let mut first = 0;
    for n in 1..=100 {
        let response = app.get(&format!("/api/v1/search?q=tra&per_page={n}")).await;
        first = response.status().as_u16();
        if first == 503 {
            assert!(response.headers().contains_key("retry-after"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(first, 503, "a missing index is unavailable, not an error");

    // The rebuild was queued; the worker puts the index back.
    let mut again = serde_json::Value::Null;
    for n in 0..200 {
        let path = format!("/api/v1/search?q=tra&page=1&per_page=20&try={n}");
        let (status, body) = app.get_json(&path).await;
        if status == 200 {
            again = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(again["total"].as_u64(), Some(total));
}
