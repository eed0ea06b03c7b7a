use ocop_village::db::entities::{listing, registry_certificate, registry_participant};
use ocop_village::features::registry::import::ImportError;
use sea_orm::{EntityTrait, QueryOrder};

use crate::helpers::{edit_line, field, join, sample_lines, sample_registry, spawn_app};

#[tokio::test]
async fn importing_the_sample_registry_stores_every_participant_and_certificate() {
    let app = spawn_app().await;

    let report = app
        .import(sample_registry(), false)
        .await
        .expect("the sample imports");

    assert_eq!(report.rows, 400);
    assert_eq!(report.certificates_inserted, 400);
    assert_eq!(report.participants_inserted, 150);
    assert_eq!(app.count("registry_certificates", "").await, 400);
    assert_eq!(app.count("registry_participants", "").await, 150);
    assert_eq!(
        app.count("registry_certificates", "status = 'active'")
            .await,
        340
    );
    assert_eq!(
        app.count("registry_certificates", "status = 'expired'")
            .await,
        40
    );
    assert_eq!(
        app.count("registry_certificates", "status = 'revoked'")
            .await,
        20
    );
    assert_eq!(
        app.count("registry_participants", "contact_email IS NULL")
            .await,
        29,
        "participants with no contact on file keep a NULL address"
    );
    assert_eq!(app.count("registry_imports", "").await, 1);
}

#[tokio::test]
async fn legacy_province_names_are_kept_verbatim_and_resolved_to_the_current_province() {
    let app = spawn_app().await;
    app.import(sample_registry(), false)
        .await
        .expect("the sample imports");

    assert_eq!(
        app.count("registry_certificates", "legacy_province IS NOT NULL")
            .await,
        40
    );
    let cert = registry_certificate::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .find(|c| c.certificate_no == "OCOP-TQ-2021-0001")
        .expect("the Hà Giang certificate");
    assert_eq!(cert.legacy_province.as_deref(), Some("Hà Giang"));
    assert_eq!(cert.province_code, "tuyen-quang");
    // Every stored legacy name resolves to the province the certificate is filed under.
    let legacy: Vec<_> = registry_certificate::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .filter_map(|c| {
            c.legacy_province
                .clone()
                .map(|name| (name, c.province_code))
        })
        .collect();
    assert_eq!(legacy.len(), 40);
    for (name, code) in legacy {
        let resolved = app
            .reference
            .resolve_province(&name)
            .map(|p| p.code.clone());
        assert_eq!(resolved.as_deref(), Some(code.as_str()), "{name}");
    }
}

#[tokio::test]
async fn reimporting_the_same_file_changes_nothing() {
    let app = spawn_app().await;
    app.import(sample_registry(), false)
        .await
        .expect("first import");
    let certificates_before = registry_certificate::Entity::find()
        .order_by_asc(registry_certificate::Column::Id)
        .all(&app.db)
        .await
        .expect("query");
    let participants_before = registry_participant::Entity::find()
        .order_by_asc(registry_participant::Column::Id)
        .all(&app.db)
        .await
        .expect("query");

    let report = app
        .import(sample_registry(), false)
        .await
        .expect("second import");

    assert_eq!(
        (
            report.certificates_inserted,
            report.certificates_updated,
            report.certificates_unchanged
        ),
        (0, 0, 400)
    );
    assert_eq!(
        (
            report.participants_inserted,
            report.participants_updated,
            report.participants_unchanged
        ),
        (0, 0, 150)
    );
    let certificates_after = registry_certificate::Entity::find()
        .order_by_asc(registry_certificate::Column::Id)
        .all(&app.db)
        .await
        .expect("query");
    let participants_after = registry_participant::Entity::find()
        .order_by_asc(registry_participant::Column::Id)
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(
        certificates_before, certificates_after,
        "no certificate row changed"
    );
    assert_eq!(
        participants_before, participants_after,
        "no participant row changed"
    );
}

#[tokio::test]
async fn a_file_with_bad_rows_imports_nothing_and_reports_every_problem() {
    let app = spawn_app().await;
    let mut lines = sample_lines();
    edit_line(&mut lines, 5, "stars", "2");
    edit_line(&mut lines, 7, "province_code", "atlantis");
    let recognized = field(&lines, 9, "recognized_on");
    edit_line(&mut lines, 9, "expires_on", &recognized);
    let first_certificate = field(&lines, 3, "certificate_no");
    edit_line(&mut lines, 11, "certificate_no", &first_certificate);
    edit_line(&mut lines, 13, "business_registration_no", "12AB");
    edit_line(&mut lines, 15, "recognized_on", "31/12/2024");
    edit_line(&mut lines, 17, "status", "suspended");
    edit_line(&mut lines, 19, "group_code", "jewellery");

    let result = app.import(&join(&lines), false).await;

    let Err(ImportError::Invalid(problems)) = result else {
        panic!("the file must be rejected, got {result:?}");
    };
    let located: Vec<(u64, Option<&str>)> = problems
        .iter()
        .map(|p| (p.line, p.column.as_deref()))
        .collect();
    assert_eq!(
        located,
        vec![
            (5, Some("stars")),
            (7, Some("province_code")),
            (9, Some("expires_on")),
            (11, Some("certificate_no")),
            (13, Some("business_registration_no")),
            (15, Some("recognized_on")),
            (17, Some("status")),
            (19, Some("group_code")),
        ],
        "{problems:#?}"
    );
    assert!(
        problems[3].message.contains("first on line 3"),
        "{}",
        problems[3].message
    );
    assert_eq!(app.count("registry_certificates", "").await, 0);
    assert_eq!(app.count("registry_participants", "").await, 0);
    assert_eq!(app.count("registry_imports", "").await, 0);
}

#[tokio::test]
async fn a_file_in_the_wrong_encoding_is_rejected_with_its_line() {
    let app = spawn_app().await;
    // Windows-1258/Latin-1 style bytes: "Trà" with à as the single byte 0xE0, on line 3.
    let mut bytes = join(&sample_lines());
    let line_3_start = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .map(|(i, _)| i + 1)
        .expect("three lines");
    bytes.insert(line_3_start + 5, 0xE0);

    let result = app.import(&bytes, false).await;

    let Err(ImportError::Invalid(problems)) = result else {
        panic!("the file must be rejected, got {result:?}");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 3);
    assert!(
        problems[0].message.contains("UTF-8"),
        "{}",
        problems[0].message
    );
    assert_eq!(app.count("registry_certificates", "").await, 0);
}

#[tokio::test]
async fn a_dry_run_reports_what_would_change_and_writes_nothing() {
    let app = spawn_app().await;

    let report = app.import(sample_registry(), true).await.expect("dry run");

    assert!(report.dry_run);
    assert_eq!(report.certificates_inserted, 400);
    assert_eq!(report.participants_inserted, 150);
    assert_eq!(app.count("registry_certificates", "").await, 0);
    assert_eq!(app.count("registry_participants", "").await, 0);
    assert_eq!(app.count("registry_imports", "").await, 0);
}

#[tokio::test]
async fn a_revoked_certificate_in_a_new_import_updates_the_row_and_delists_its_listing() {
    let app = spawn_app().await;
    app.seed_demo().await;
    // The registry as the demo seeded it, with a certificate on sale revoked.
    let mut lines = crate::helpers::demo_lines(&app);
    let today = app.now.date_naive().to_string();
    let line = (3..=402)
        .find(|&n| field(&lines, n, "status") == "active" && field(&lines, n, "expires_on") > today)
        .expect("an active certificate");
    let certificate_no = field(&lines, line, "certificate_no");
    edit_line(&mut lines, line, "status", "revoked");
    let listing_slug = {
        let cert = registry_certificate::Entity::find()
            .all(&app.db)
            .await
            .expect("query")
            .into_iter()
            .find(|c| c.certificate_no == certificate_no)
            .expect("the certificate");
        listing::Entity::find()
            .all(&app.db)
            .await
            .expect("query")
            .into_iter()
            .find(|l| l.certificate_id == cert.id)
            .expect("its listing")
            .slug
    };
    assert_eq!(
        app.get(&format!("/products/{listing_slug}")).await.status(),
        200
    );

    let report = app.import(&join(&lines), false).await.expect("import");

    assert_eq!(report.certificates_updated, 1);
    assert_eq!(report.certificates_unchanged, 399);
    assert_eq!(report.listings_delisted, 1);
    let stored = listing::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .find(|l| l.slug == listing_slug)
        .expect("the listing still exists");
    assert_eq!(stored.state, "delisted");
    // Pages follow once the outbox has applied the change (search and kept pages alike).
    app.wait_for_outbox().await;
    assert_eq!(
        app.get(&format!("/products/{listing_slug}")).await.status(),
        404
    );
    let (_, body) = app.get_json("/api/v1/listings?per_page=100").await;
    assert_eq!(body["total"], 238);
}

#[tokio::test]
async fn a_kept_certificate_page_follows_an_import_that_touches_no_listing() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.wait_for_outbox().await;
    let listed: std::collections::HashSet<i64> = listing::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|l| l.certificate_id)
        .collect();
    let unlisted: Vec<String> = registry_certificate::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .filter(|c| !listed.contains(&c.id))
        .map(|c| c.certificate_no)
        .collect();
    let mut lines = crate::helpers::demo_lines(&app);
    let line = (3..=402)
        .find(|&n| unlisted.contains(&field(&lines, n, "certificate_no")))
        .expect("a certificate without a listing");
    let path = format!("/verify/{}", field(&lines, line, "certificate_no"));
    // Revoked, it becomes valid again; otherwise it is revoked.
    let (before, after) = if field(&lines, line, "status") == "revoked" {
        edit_line(&mut lines, line, "status", "active");
        edit_line(&mut lines, line, "expires_on", "2099-12-31");
        ("Đã bị thu hồi", "Còn hiệu lực")
    } else {
        edit_line(&mut lines, line, "status", "revoked");
        ("<h1", "Đã bị thu hồi")
    };
    let first = app.get_html(&path).await;
    assert!(first.contains(before) && !first.contains(after), "{first}");
    assert_eq!(app.get(&path).await.headers()["x-page-cache"], "hit");

    let report = app.import(&join(&lines), false).await.expect("import");
    assert_eq!(report.certificates_updated, 1);
    assert_eq!(
        report.listings_delisted, 0,
        "no listing, nothing for the outbox"
    );
    // Kept pages last 10 s; the import's bump of the catalog version is read within a second.
    let mut page = String::new();
    for _ in 0..50 {
        page = app.get_html(&path).await;
        if page.contains(after) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        page.contains(after),
        "the page follows the registry: {page}"
    );
}
