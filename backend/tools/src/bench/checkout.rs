//! `ocop-village bench checkout`: checkouts per second with concurrent buyers, on a scratch
//! database (a temporary SQLite file, or a new PostgreSQL database next to `DATABASE_URL` that
//! is dropped afterwards), never the configured one.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::ProgressBar;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

use ocop_village::db::entities::listing;
use ocop_village::domain::orders::PaymentMethod;
use ocop_village::domain::reference::Reference;
use ocop_village::features::cart::{self, Address};

pub struct BenchOptions {
    pub checkouts: usize,
    pub buyers: usize,
    /// Every seller quotes through GHN, answered by a local stand-in.
    pub carrier_quotes: bool,
}

/// A local stand-in for GHN's fee endpoint (30,000 ₫ for everything, at once): its base URL.
async fn ghn_stand_in() -> anyhow::Result<String> {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let server = HttpServer::new(|| {
        App::new().route(
            "/shiip/public-api/v2/shipping-order/fee",
            web::post().to(|| async {
                HttpResponse::Ok().json(serde_json::json!({
                    "code": 200, "message": "Success", "data": { "total": 30_000 }
                }))
            }),
        )
    })
    .workers(2)
    .bind("127.0.0.1:0")?;
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    Ok(format!("http://127.0.0.1:{port}/shiip/public-api"))
}

/// A scratch database like `database_url`: its URL, and how to drop it afterwards.
pub(crate) async fn scratch(
    database_url: &str,
) -> anyhow::Result<(String, Option<(String, String)>, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    if database_url.starts_with("postgres") {
        let name = format!("ocop_bench_{}", uuid::Uuid::new_v4().simple());
        let admin = ocop_village::db::connect(database_url).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .context("creating the scratch database")?;
        let base = database_url
            .rsplit_once('/')
            .map_or(database_url, |(base, _)| base);
        Ok((
            format!("{base}/{name}"),
            Some((database_url.to_owned(), name)),
            dir,
        ))
    } else {
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        Ok((url, None, dir))
    }
}

pub async fn run(
    database_url: &str,
    reference: &Reference,
    options: &BenchOptions,
    progress: ProgressBar,
) -> anyhow::Result<String> {
    let (url, drop_after, _dir) = scratch(database_url).await?;
    let result = measure(&url, reference, options, progress).await;
    drop_scratch(drop_after).await?;
    result
}

/// Drops the PostgreSQL scratch database [`scratch`] made (a SQLite one goes with its
/// temporary directory).
pub(crate) async fn drop_scratch(made: Option<(String, String)>) -> anyhow::Result<()> {
    if let Some((admin_url, name)) = made {
        let admin = ocop_village::db::connect(&admin_url).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
    }
    Ok(())
}

async fn measure(
    url: &str,
    reference: &Reference,
    options: &BenchOptions,
    progress: ProgressBar,
) -> anyhow::Result<String> {
    let db = ocop_village::db::connect(url).await?;
    ocop_village::db::migrate(&db, reference).await?;
    let now = chrono::Utc::now();
    // The demo return's photo goes to a scratch directory.
    let scratch = tempfile::tempdir()?;
    let media: std::sync::Arc<dyn ocop_village::media::store::MediaStore> = std::sync::Arc::new(
        ocop_village::media::store::LocalStore::new(scratch.path().to_path_buf()),
    );
    crate::seed::seed_demo(&db, reference, &media, now, ProgressBar::hidden()).await?;
    // Plenty of stock, so every checkout should succeed and the figure is throughput.
    listing::Entity::update_many()
        .col_expr(
            listing::Column::Stock,
            sea_orm::sea_query::Expr::value(1_000_000),
        )
        .exec(&db)
        .await?;
    ocop_village::db::entities::listing_variant::Entity::update_many()
        .col_expr(
            ocop_village::db::entities::listing_variant::Column::Stock,
            sea_orm::sea_query::Expr::value(1_000_000),
        )
        .exec(&db)
        .await?;
    // Each product with the pack size a shopper would take (its first), or none.
    let mut products: Vec<(uuid::Uuid, i64)> = Vec::new();
    for pid in cart::view_buyable_pids(&db, ocop_village::domain::time::vietnam_date(now)).await? {
        let size = ocop_village::features::selling::variants::of_pid(&db, pid)
            .await?
            .first()
            .map_or(0, |v| v.id);
        products.push((pid, size));
    }
    anyhow::ensure!(
        !products.is_empty(),
        "the demo catalog has nothing for sale"
    );
    let address = Address::parse(
        reference,
        "Người mua thử",
        "bench@example.vn",
        "0912345678",
        "ha-noi",
        "phường Hoàn Kiếm",
        "1 Tràng Tiền",
    )
    .map_err(|p| anyhow::anyhow!("bench address: {p:?}"))?;

    // Each seller's fee is quoted as the shop does it: the demo sellers' table rates, or a
    // GHN quote from the stand-in.
    let ghn = if options.carrier_quotes {
        use ocop_village::db::entities::seller;
        seller::Entity::update_many()
            .col_expr(
                seller::Column::Carrier,
                sea_orm::sea_query::Expr::value("ghn"),
            )
            .col_expr(
                seller::Column::CarrierToken,
                sea_orm::sea_query::Expr::value("bench-token"),
            )
            .col_expr(
                seller::Column::CarrierShopId,
                sea_orm::sea_query::Expr::value("1"),
            )
            .exec(&db)
            .await?;
        Some(ghn_stand_in().await?)
    } else {
        None
    };
    let shared = Arc::new((
        reference.clone(),
        ocop_village::carriers::Endpoints::new(ghn, None),
    ));
    progress.set_length(options.checkouts as u64);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..options.buyers.max(1) {
        let (db, next, products, address, progress, shared) = (
            db.clone(),
            next.clone(),
            products.clone(),
            address.clone(),
            progress.clone(),
            shared.clone(),
        );
        let total = options.checkouts;
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let began = Instant::now();
                let (reference, carriers) = &*shared;
                one_checkout(
                    &db,
                    reference,
                    carriers,
                    &products[n % products.len()],
                    &address,
                    n,
                )
                .await?;
                latencies.push(began.elapsed());
                progress.inc(1);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for worker in workers {
        latencies.extend(worker.await??);
    }
    let elapsed = started.elapsed();
    progress.finish_and_clear();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let quotes = if options.carrier_quotes {
        ", each with a GHN quote (local stand-in)"
    } else {
        ", each with table-rate shipping"
    };
    Ok(format!(
        "checkout on {backend}{quotes}: {} checkouts by {} concurrent buyers in {:.1} s = {:.0} checkouts/s\n  per checkout (add to cart + place): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms\n",
        latencies.len(),
        options.buyers,
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(0.99)),
    ))
}

async fn one_checkout(
    db: &DatabaseConnection,
    reference: &Reference,
    carriers: &ocop_village::carriers::Endpoints,
    (product, size): &(uuid::Uuid, i64),
    address: &Address,
    n: usize,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let cart = cart::find_cart(db, None, None, true, now)
        .await?
        .context("a new cart")?;
    cart::add_to_cart(db, cart.id, *product, *size, 1, now).await?;
    let key = format!("bench-{n}-{}", uuid::Uuid::new_v4());
    let placement = cart::Placement {
        cart_id: cart.id,
        user_id: None,
        address,
        method: PaymentMethod::CashOnDelivery,
        idempotency_key: &key,
        lang: ocop_village::i18n::Lang::Vi,
        site: "http://bench.invalid",
        from_show: None,
        pickup_outlet: None,
        reference,
        carriers,
        invoice: None,
    };
    cart::place(db, &placement, now).await?;
    Ok(())
}
