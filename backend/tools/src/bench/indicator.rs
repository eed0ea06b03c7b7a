//! `ocop-village bench indicator`: the time to compute the national modern-trade indicator
//! (and sell-through by province) over many orders, on a scratch database of the configured
//! kind (see [`crate::bench::checkout`]), never the configured one.
//!
//! The data is written set-based by the database itself (`generate_series` on PostgreSQL, a
//! recursive CTE on SQLite): `participants` participants spread over the 34 provinces, each
//! with a certificate (one in ten expired before the year), seven in ten with a seller and a
//! listing, and `orders` orders of those sellers over the year, one order item each: eight in
//! ten delivered, one cancelled, one still placed.
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use sea_orm::DatabaseConnection;

use crate::bulk::{date, exec, in_chunks, instant, uuid};

use ocop_village::domain::reference::Reference;
use ocop_village::features::sales::{self, Level, Period, Within};

/// The year the orders are spread over begins here.
const SINCE: &str = "2026-01-01 00:00:00";

pub struct BenchOptions {
    pub orders: usize,
    pub participants: usize,
    pub runs: usize,
}

pub async fn run(
    database_url: &str,
    reference: &Reference,
    options: &BenchOptions,
    progress: ProgressBar,
) -> anyhow::Result<String> {
    let (url, drop_after, _dir) = crate::bench::checkout::scratch(database_url).await?;
    let result = measure(&url, reference, options, progress).await;
    crate::bench::checkout::drop_scratch(drop_after).await?;
    result
}

async fn generate(
    db: &DatabaseConnection,
    reference: &Reference,
    options: &BenchOptions,
    progress: &ProgressBar,
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let p = options.participants.max(1);
    let sellers = (p * 7 / 10).max(1);
    let orders = options.orders;
    exec(
        db,
        "CREATE TABLE bench_provinces (i INTEGER PRIMARY KEY, code TEXT NOT NULL)".into(),
    )
    .await?;
    let codes: Vec<String> = reference
        .provinces
        .iter()
        .enumerate()
        .map(|(i, p)| format!("({i}, '{}')", p.code))
        .collect();
    let provinces = codes.len().max(1);
    exec(
        db,
        format!(
            "INSERT INTO bench_provinces (i, code) VALUES {}",
            codes.join(", ")
        ),
    )
    .await?;
    let now = instant(backend, SINCE, "0");
    let (recognized, lapsed, valid) = (
        date(backend, "2024-01-01"),
        date(backend, "2025-06-01"),
        date(backend, "2028-01-01"),
    );
    progress.set_length((p * 2 + sellers * 2 + orders * 3) as u64);
    in_chunks(db, p, progress, |ns| {
        format!(
            "INSERT INTO registry_participants (id, business_registration_no, name, participant_type, province_code, commune, created_at, updated_at) \
             SELECT 1000000 + n, 'BN' || n, 'HTX thử ' || n, 'cooperative', bp.code, 'xã Thử', {now}, {now} \
             FROM ({ns}) AS g JOIN bench_provinces bp ON bp.i = n % {provinces}"
        )
    })
    .await?;
    in_chunks(db, p, progress, |ns| {
        format!(
            "INSERT INTO registry_certificates (id, certificate_no, participant_id, product_name_vi, product_name_en, group_code, subgroup_code, stars, province_code, commune, recognition_decision_no, recognized_on, expires_on, status, created_at, updated_at) \
             SELECT 1000000 + n, 'OCOP-BN-' || n, 1000000 + n, 'Trà thử ' || n, 'Test tea ' || n, 'food', 'tea', 3 + n % 3, bp.code, 'xã Thử', n || '/QĐ-UBND', \
                    {recognized}, CASE WHEN n % 10 = 0 THEN {lapsed} ELSE {valid} END, CASE WHEN n % 10 = 0 THEN 'expired' ELSE 'active' END, {now}, {now} \
             FROM ({ns}) AS g JOIN bench_provinces bp ON bp.i = n % {provinces}"
        )
    })
    .await?;
    let id = uuid(backend);
    in_chunks(db, sellers, progress, |ns| {
        format!(
            "INSERT INTO sellers (id, pid, participant_id, slug, display_name, state, verified_at, created_at, updated_at) \
             SELECT 1000000 + n, {id}, 1000000 + n, 'bench-seller-' || n, 'HTX thử ' || n, 'active', {now}, {now}, {now} FROM ({ns}) AS g"
        )
    })
    .await?;
    in_chunks(db, sellers, progress, |ns| {
        format!(
            "INSERT INTO listings (id, pid, seller_id, certificate_id, slug, price_vnd, currency, stock, unit, weight_grams, description_vi, description_en, state, published_at, created_at, updated_at) \
             SELECT 1000000 + n, {id}, 1000000 + n, 1000000 + n, 'bench-listing-' || n, 100000, 'VND', 50, 'hộp', 500, '', '', 'published', {now}, {now}, {now} FROM ({ns}) AS g"
        )
    })
    .await?;
    // Orders of pseudo-random sellers (a multiplicative hash), over the year 2026.
    let seller_of = format!("1000000 + 1 + (n * 7919) % {sellers}");
    let placed = instant(backend, SINCE, "(n * 31) % 31536000");
    let completed = instant(backend, SINCE, "(n * 31) % 31536000 + 259200");
    in_chunks(db, orders, progress, |ns| {
        format!(
            "INSERT INTO checkouts (id, reference, idempotency_key, email, name, phone, province_code, commune, street, payment_method, channel, total_vnd, tracking_token, created_at, lang, site) \
             SELECT n, 'BN-' || n, 'bench-' || n, 'bench@example.vn', 'Người mua', '0912345678', 'ha-noi', 'phường Thử', '1 phố Thử', 'cod', \
                    CASE WHEN n % 20 = 0 THEN 'livestream' WHEN n % 20 = 1 THEN 'outlet' ELSE 'web' END, 100000, {id}, {placed}, 'vi', '' FROM ({ns}) AS g"
        )
    })
    .await?;
    in_chunks(db, orders, progress, |ns| {
        format!(
            "INSERT INTO orders (id, pid, code, checkout_id, seller_id, state, payment_state, subtotal_vnd, created_at, updated_at, paid_at, completed_at) \
             SELECT n, {id}, 'BN-' || n || '-1', n, {seller_of}, \
                    CASE WHEN n % 10 = 8 THEN 'cancelled' WHEN n % 10 = 9 THEN 'placed' ELSE 'delivered' END, \
                    CASE WHEN n % 10 < 8 THEN 'paid' ELSE 'unpaid' END, 100000, {placed}, {placed}, \
                    CASE WHEN n % 10 < 8 THEN {completed} END, CASE WHEN n % 10 < 8 THEN {completed} END FROM ({ns}) AS g"
        )
    })
    .await?;
    in_chunks(db, orders, progress, |ns| {
        format!(
            "INSERT INTO order_items (id, order_id, listing_id, title, certificate_no, unit, unit_price_vnd, quantity) \
             SELECT n, n, {seller_of}, 'Trà thử', 'OCOP-BN', 'hộp', 100000, 1 FROM ({ns}) AS g"
        )
    })
    .await?;
    // The planner needs fresh statistics after a bulk load.
    exec(db, "ANALYZE".into()).await?;
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
    let started = Instant::now();
    generate(&db, reference, options, &progress).await?;
    let generated = started.elapsed();
    progress.finish_and_clear();
    let year = Period::parse(
        Some("2026-01-01"),
        Some("2026-12-31"),
        chrono::Utc::now().date_naive(),
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let time = |samples: &mut Vec<Duration>| {
        samples.sort();
        (
            samples.first().copied().unwrap_or_default(),
            samples[samples.len() / 2],
            samples.last().copied().unwrap_or_default(),
        )
    };
    let mut national = Vec::new();
    let mut figures = None;
    for _ in 0..options.runs.max(1) {
        let began = Instant::now();
        figures = Some(sales::indicator(&db, reference, year).await?);
        national.push(began.elapsed());
    }
    let mut by_province = Vec::new();
    for _ in 0..options.runs.max(1) {
        let began = Instant::now();
        sales::sell_through(&db, Level::Province, &Within::default(), year).await?;
        by_province.push(began.elapsed());
    }
    let figures = figures.ok_or_else(|| anyhow::anyhow!("no run"))?;
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (a, b, c) = time(&mut national);
    let (d, e, f) = time(&mut by_province);
    Ok(format!(
        "indicator on {backend}: {} orders, {} participants (data written in {:.1} s)\n  national indicator for 2026 ({} runs): min {:.1} ms, median {:.1} ms, max {:.1} ms — {} of {} participants selling ({:.1} %)\n  sell-through by province for 2026: min {:.1} ms, median {:.1} ms, max {:.1} ms\n",
        options.orders,
        options.participants,
        generated.as_secs_f64(),
        national.len(),
        ms(a),
        ms(b),
        ms(c),
        figures.national.selling,
        figures.national.participants,
        figures.national.share * 100.0,
        ms(d),
        ms(e),
        ms(f),
    ))
}
