//! Operations: an online SQLite backup that the app can open, and the integrity check that
//! finds half-written records.
use sea_orm::ConnectionTrait;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_online_sqlite_backup_is_a_consistent_copy_that_opens() {
    let app = spawn_app().await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        eprintln!("SKIPPED here: PostgreSQL is backed up with pg_dump, which .ci/run tests");
        return;
    }
    let report = app.seed_demo().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("backup.db");
    ocop_village::ops::backup(&app.db, &file)
        .await
        .expect("backup");
    // Never over an existing file.
    assert!(ocop_village::ops::backup(&app.db, &file).await.is_err());
    let copy = ocop_village::db::connect(&format!("sqlite://{}?mode=rw", file.display()))
        .await
        .expect("the backup opens");
    let count = |db: &sea_orm::DatabaseConnection, table: &'static str| {
        let db = db.clone();
        async move {
            db.query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("a row")
            .try_get::<i64>("", "n")
            .expect("n")
        }
    };
    for table in [
        "listings",
        "orders",
        "order_items",
        "users",
        "registry_certificates",
    ] {
        assert_eq!(
            count(&copy, table).await,
            count(&app.db, table).await,
            "{table}"
        );
    }
    assert_eq!(
        count(&copy, "orders").await,
        // The demo shopper's 10 orders, the outlet's counter sale, the sales history and the
        // card orders.
        11 + report.history_orders as i64 + report.card_orders as i64
    );
    assert!(
        ocop_village::ops::check(&copy)
            .await
            .expect("check")
            .is_empty()
    );
    // Later changes to the live database do not reach the copy.
    app.db
        .execute_unprepared("DELETE FROM cart_items")
        .await
        .expect("change");
    app.db
        .execute_unprepared("UPDATE listings SET stock = stock + 1")
        .await
        .expect("change");
    let stock = |db: sea_orm::DatabaseConnection| async move {
        db.query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST(SUM(stock) AS BIGINT) AS n FROM listings",
        ))
        .await
        .expect("sum")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n")
    };
    assert_eq!(
        stock(app.db.clone()).await,
        stock(copy.clone()).await + count(&copy, "listings").await
    );
}

#[tokio::test]
async fn the_integrity_check_finds_half_written_records() {
    let app = spawn_app().await;
    app.seed_demo().await;
    assert_eq!(
        ocop_village::ops::check(&app.db).await.expect("check"),
        Vec::<(String, i64)>::new(),
        "the demo data is whole"
    );
    // What a crash between two writes would leave, if they were not one transaction.
    app.db
        .execute_unprepared(
            "UPDATE orders SET subtotal_vnd = subtotal_vnd + 1 WHERE id = (SELECT MIN(id) FROM orders)",
        )
        .await
        .expect("break a total");
    app.db
        .execute_unprepared(
            "DELETE FROM order_events WHERE order_id = (SELECT MAX(id) FROM orders)",
        )
        .await
        .expect("drop a history");
    let broken = ocop_village::ops::check(&app.db).await.expect("check");
    let names: Vec<&str> = broken.iter().map(|(what, _)| what.as_str()).collect();
    assert_eq!(
        names,
        [
            "an order whose subtotal is not the sum of its items",
            "a checkout whose total is not the sum of its orders",
            "an order without its first history entry",
        ],
        "{broken:?}"
    );
    assert!(broken.iter().all(|(_, n)| *n == 1), "{broken:?}");
}
