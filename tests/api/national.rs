//! `seed --national`: the national-scale data set is whole (the integrity check passes), every
//! outlet carries its own province's products, orders span the years asked, and the catalog is
//! on sale and searchable once indexed; a second run is refused. The same test runs on
//! PostgreSQL under `TEST_DATABASE_URL`.
use ocop_village::features::catalog::indexing::request_rebuild;
use ocop_village_tools::national::{FIRST_ID, NationalOptions, seed_national};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_national_data_set_is_whole_on_sale_and_refused_twice() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let media = ocop_village::media::store::build(&app.settings.media).expect("media store");
    let options = NationalOptions {
        participants: 300,
        listings: 700,
        outlets: 40,
        outlet_products: 2,
        shows: 30,
        orders: 5_000,
        years: 4,
    };
    let progress = ocop_village::features::registry::import::ProgressBar::hidden();
    let report = seed_national(
        &app.db,
        &app.reference,
        &media,
        &options,
        app.now,
        &progress,
    )
    .await
    .expect("the national data set");
    assert_eq!(report.listings, 700);
    assert_eq!(report.photos, 700, "every national listing has a photo");

    for (table, key, expected) in [
        ("registry_participants", "id", 300),
        ("sellers", "id", 300),
        ("registry_certificates", "id", 700),
        ("listings", "id", 700),
        ("outlets", "id", 40),
        ("outlet_listings", "outlet_id", 80),
        ("live_shows", "id", 30),
        ("live_show_items", "show_id", 60),
        ("orders", "id", 5_000),
        ("order_items", "id", 5_000),
        ("order_events", "id", 5_000),
    ] {
        assert_eq!(
            app.count(table, &format!("{key} > {FIRST_ID}")).await,
            expected,
            "{table}"
        );
    }
    assert_eq!(
        app.count("live_shows", &format!("id > {FIRST_ID} AND state = 'live'"))
            .await,
        10
    );
    // Every participant is in a current province, all 34 have some, and each outlet carries
    // its own province's products.
    assert_eq!(
        app.count(
            "(SELECT DISTINCT province_code FROM registry_participants WHERE id > 10000000) AS p",
            ""
        )
        .await,
        34
    );
    assert_eq!(
        app.count(
            "outlet_listings ol JOIN outlets o ON o.id = ol.outlet_id JOIN listings l ON l.id = ol.listing_id \
             JOIN registry_certificates c ON c.id = l.certificate_id",
            "c.province_code <> o.province_code"
        )
        .await,
        0
    );
    // Orders over four years up to now, none in the future.
    let four_years_ago = app.now - chrono::Duration::days(4 * 365 + 1);
    let three_years_ago = app.now - chrono::Duration::days(3 * 365);
    use ocop_village::db::entities::order;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let count = |cond: sea_orm::Condition| {
        order::Entity::find()
            .filter(order::Column::Id.gt(FIRST_ID))
            .filter(cond)
            .count(&app.db)
    };
    assert_eq!(
        count(sea_orm::Condition::all().add(order::Column::CreatedAt.lt(four_years_ago)))
            .await
            .expect("count"),
        0
    );
    assert!(
        count(sea_orm::Condition::all().add(order::Column::CreatedAt.lt(three_years_ago)))
            .await
            .expect("count")
            > 0,
        "the oldest year has orders"
    );
    assert_eq!(
        count(sea_orm::Condition::all().add(order::Column::CreatedAt.gt(app.now)))
            .await
            .expect("count"),
        0
    );
    let broken = ocop_village::ops::check(&app.db).await.expect("check");
    assert!(broken.is_empty(), "{broken:?}");

    // On sale and found once the index is rebuilt.
    request_rebuild(&app.db).await.expect("rebuild queued");
    app.wait_for_outbox().await;
    let (status, body) = app.get_json("/api/v1/search?per_page=1").await;
    assert_eq!(status, 200);
    let visible =
        u64::try_from(demo.listings_created - demo.listings_created_delisted).expect("count");
    assert_eq!(body["total"].as_u64(), Some(visible + 700), "{body}");
    let first = ocop_village::db::entities::listing::Entity::find_by_id(
        ocop_village::domain::ids::ListingId::new(FIRST_ID + 1),
    )
    .one(&app.db)
    .await
    .expect("query")
    .expect("the first national listing");
    let page = app.get_html(&format!("/products/{}", first.slug)).await;
    assert!(page.contains("name=\"csrf\""), "its page sells it");

    let again = seed_national(
        &app.db,
        &app.reference,
        &media,
        &options,
        app.now,
        &progress,
    )
    .await;
    assert!(again.is_err(), "a second national data set is refused");
}
