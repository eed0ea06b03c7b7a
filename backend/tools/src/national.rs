//! `ocop-village seed --national`: a data set the size of the national OCOP programme, on top
//! of the demo (its accounts sign in to the seller area, the officers' pages and the outlet
//! counter as usual), for the page benchmark and for trying the marketplace at scale.
//!
//! Written set-based by the database itself ([`crate::bulk`]): participants spread over the 34
//! provinces and the four participant types, each with a seller; certificates (3★ seven in
//! ten, 4★ two, 5★ one) named after the demo registry's products and the province, each with a
//! published listing at its demo product's price and a drawn photo of its product set; outlets
//! carrying their province's products; live shows (some on air, some scheduled, most ended)
//! with two products each; and orders over the last four years (nine in ten delivered, the
//! rest cancelled, the last three days' still on their way), one in twenty from a live show and
//! one in twenty at an outlet's counter, each with its first history entry. The search index
//! is rebuilt afterwards; `ocop-village check` passes on the result.
//!
//! Rows take ids from [`FIRST_ID`] up, far above what the demo uses, and the sequences of
//! PostgreSQL move past them, so the marketplace keeps taking orders afterwards.
use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use indicatif::ProgressBar;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
};

use ocop_village::db::entities::{listing, registry_certificate};
use ocop_village::domain::reference::Reference;

use crate::bulk::{date, exec, in_chunks, instant, quoted, uuid};

/// National rows take ids above this one.
pub const FIRST_ID: i64 = 10_000_000;

#[derive(Clone, Debug)]
pub struct NationalOptions {
    pub participants: usize,
    pub listings: usize,
    pub outlets: usize,
    /// Products each outlet carries.
    pub outlet_products: usize,
    pub shows: usize,
    pub orders: usize,
    pub years: i64,
}

impl Default for NationalOptions {
    fn default() -> Self {
        Self {
            participants: 9_000,
            listings: 20_000,
            outlets: 100,
            outlet_products: 60,
            shows: 500,
            orders: 2_000_000,
            years: 4,
        }
    }
}

#[derive(Debug, Default)]
pub struct NationalReport {
    pub participants: usize,
    pub listings: usize,
    pub photos: usize,
    pub outlets: usize,
    pub outlet_products: usize,
    pub shows: usize,
    pub orders: usize,
    pub seconds: f64,
}

fn timestamp(backend: DbBackend, at: DateTime<Utc>) -> String {
    instant(backend, &at.format("%Y-%m-%d %H:%M:%S").to_string(), "0")
}

/// Writes the national data set into `db` (which holds the demo already).
pub async fn seed_national(
    db: &DatabaseConnection,
    reference: &Reference,
    media: &std::sync::Arc<dyn ocop_village::media::store::MediaStore>,
    options: &NationalOptions,
    now: DateTime<Utc>,
    progress: &ProgressBar,
) -> anyhow::Result<NationalReport> {
    let started = std::time::Instant::now();
    let backend = db.get_database_backend();
    let o = options;
    anyhow::ensure!(
        o.participants > 0 && o.listings >= o.participants,
        "every participant needs a product: --listings must be at least --participants"
    );
    let rounds = o.outlets.div_ceil(reference.provinces.len().max(1));
    anyhow::ensure!(
        reference.provinces.len() * (2 + o.outlet_products * rounds) <= o.participants,
        "too many outlets or products per outlet for this many participants"
    );
    let already = listing::Entity::find()
        .filter(listing::Column::Id.gt(FIRST_ID))
        .count(db)
        .await?;
    anyhow::ensure!(
        already == 0,
        "this database holds a national data set already ({already} of its listings)"
    );
    progress.set_length(
        (2 * o.participants
            + 2 * o.listings
            + o.outlets * (1 + o.outlet_products)
            + 3 * o.shows
            + 4 * o.orders) as u64,
    );

    // The provinces, and the demo registry's products as templates (name, set, price).
    let p_count = reference.provinces.len();
    let rows: Vec<String> = reference
        .provinces
        .iter()
        .enumerate()
        .map(|(i, p)| format!("({i}, {}, {})", quoted(&p.code), quoted(p.name())))
        .collect();
    exec(db, "DROP TABLE IF EXISTS national_provinces".into()).await?;
    exec(
        db,
        "CREATE TABLE national_provinces (i INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL)"
            .into(),
    )
    .await?;
    exec(
        db,
        format!("INSERT INTO national_provinces VALUES {}", rows.join(", ")),
    )
    .await?;
    let certificates: HashMap<i64, registry_certificate::Model> =
        registry_certificate::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let mut templates = Vec::new();
    for l in listing::Entity::find().all(db).await? {
        if let Some(c) = certificates.get(&l.certificate_id) {
            let slug = ocop_village::domain::text::slugify(&c.product_name_vi, 60);
            templates.push(format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                templates.len(),
                quoted(&c.product_name_vi),
                quoted(&c.product_name_en),
                quoted(&c.group_code),
                quoted(&c.subgroup_code),
                quoted(&slug),
                l.price_vnd.dong(),
                quoted(&l.unit),
                l.weight_grams,
                quoted(&l.description_vi),
            ));
        }
    }
    anyhow::ensure!(
        !templates.is_empty(),
        "the demo catalog is missing: seed it first"
    );
    let t_count = templates.len();
    exec(db, "DROP TABLE IF EXISTS national_products".into()).await?;
    exec(
        db,
        "CREATE TABLE national_products (i INTEGER PRIMARY KEY, name_vi TEXT NOT NULL, name_en TEXT NOT NULL, group_code TEXT NOT NULL, subgroup_code TEXT NOT NULL, slug TEXT NOT NULL, price BIGINT NOT NULL, unit TEXT NOT NULL, weight INTEGER NOT NULL, description TEXT NOT NULL)"
            .into(),
    )
    .await?;
    for chunk in templates.chunks(200) {
        exec(
            db,
            format!("INSERT INTO national_products VALUES {}", chunk.join(", ")),
        )
        .await?;
    }

    let id = uuid(backend);
    let stamp = timestamp(backend, now);
    let first = FIRST_ID;
    let (parts, lists) = (o.participants, o.listings);
    // Participant n (1-based) is in province n % provinces; listing n belongs to participant
    // 1 + (n - 1) % participants, so each participant's products share its province.
    let today = ocop_village::domain::time::vietnam_date(now);
    let recognized = date(
        backend,
        &(today - Duration::days(400)).format("%Y-%m-%d").to_string(),
    );
    let expires = date(
        backend,
        &(today + Duration::days(700)).format("%Y-%m-%d").to_string(),
    );
    progress.set_message("participants and sellers");
    in_chunks(db, parts, progress, |ns| {
        format!(
            "INSERT INTO registry_participants (id, business_registration_no, name, participant_type, province_code, commune, created_at, updated_at) \
             SELECT {first} + n, 'QG' || (4000000000 + n), \
                    CASE n % 4 WHEN 0 THEN 'Hợp tác xã' WHEN 1 THEN 'Công ty TNHH' WHEN 2 THEN 'Hộ kinh doanh' ELSE 'Tổ hợp tác' END || ' ' || pr.name || ' số ' || n, \
                    CASE n % 4 WHEN 0 THEN 'cooperative' WHEN 1 THEN 'enterprise' WHEN 2 THEN 'household_business' ELSE 'cooperative_group' END, \
                    pr.code, 'xã ' || pr.name, {stamp}, {stamp} \
             FROM ({ns}) AS g JOIN national_provinces pr ON pr.i = n % {p_count}"
        )
    })
    .await?;
    in_chunks(db, parts, progress, |ns| {
        format!(
            "INSERT INTO sellers (id, pid, participant_id, slug, display_name, state, verified_at, created_at, updated_at, pickup_province_code, pickup_commune, pickup_street, pickup_phone) \
             SELECT {first} + n, {id}, {first} + n, 'ocop-' || pr.code || '-' || n, \
                    CASE n % 4 WHEN 0 THEN 'Hợp tác xã' WHEN 1 THEN 'Công ty TNHH' WHEN 2 THEN 'Hộ kinh doanh' ELSE 'Tổ hợp tác' END || ' ' || pr.name || ' số ' || n, \
                    'active', {stamp}, {stamp}, {stamp}, pr.code, 'xã ' || pr.name, n || ' đường Làng Nghề', '0912' || (100000 + n % 900000) \
             FROM ({ns}) AS g JOIN national_provinces pr ON pr.i = n % {p_count}"
        )
    })
    .await?;
    progress.set_message("certificates and listings");
    let owner = format!("(1 + (n - 1) % {parts})");
    in_chunks(db, lists, progress, |ns| {
        format!(
            "INSERT INTO registry_certificates (id, certificate_no, participant_id, product_name_vi, product_name_en, group_code, subgroup_code, stars, province_code, commune, recognition_decision_no, recognized_on, expires_on, status, created_at, updated_at) \
             SELECT {first} + n, 'QG' || (100 + pr.i) || '-' || n, {first} + {owner}, np.name_vi || ' ' || pr.name, np.name_en || ' (' || pr.name || ')', np.group_code, np.subgroup_code, \
                    CASE WHEN n % 10 < 7 THEN 3 WHEN n % 10 < 9 THEN 4 ELSE 5 END, pr.code, 'xã ' || pr.name, n || '/QĐ-UBND', {recognized}, {expires}, 'active', {stamp}, {stamp} \
             FROM ({ns}) AS g JOIN national_provinces pr ON pr.i = {owner} % {p_count} JOIN national_products np ON np.i = n % {t_count}"
        )
    })
    .await?;
    in_chunks(db, lists, progress, |ns| {
        format!(
            "INSERT INTO listings (id, pid, seller_id, certificate_id, slug, price_vnd, currency, stock, unit, weight_grams, description_vi, description_en, state, published_at, created_at, updated_at) \
             SELECT {first} + n, {id}, {first} + {owner}, {first} + n, np.slug || '-' || pr.code || '-' || n, np.price, 'VND', 20 + n % 180, np.unit, np.weight, np.description, '', 'published', {stamp}, {stamp}, {stamp} \
             FROM ({ns}) AS g JOIN national_provinces pr ON pr.i = {owner} % {p_count} JOIN national_products np ON np.i = n % {t_count}"
        )
    })
    .await?;

    // Outlet k (1-based) is in province k % provinces and carries that province's products
    // (participants n with n % provinces equal to it; their first listing is n itself).
    progress.set_message("outlets");
    let outlets = o.outlets;
    in_chunks(db, outlets, progress, |ns| {
        format!(
            "INSERT INTO outlets (id, slug, name, province_code, created_at, tagline, address, opening_hours, color, logo_variants, banner_variants) \
             SELECT {first} + n, 'diem-ban-' || pr.code || '-' || n, 'Điểm giới thiệu và bán sản phẩm OCOP ' || pr.name || ' số ' || n, pr.code, {stamp}, \
                    'Sản phẩm OCOP của ' || pr.name, n || ' đường Trung Tâm, ' || pr.name, '7:30–21:00', '#1d6b3a', '', '' \
             FROM ({ns}) AS g JOIN national_provinces pr ON pr.i = n % {p_count}"
        )
    })
    .await?;
    let per = o.outlet_products;
    // Row n: outlet 1 + (n - 1) % outlets, its (n - 1) / outlets-th product: participant
    // (outlet % provinces) + provinces × (slot + per × round), where round tells apart the
    // outlets of one province, so no two rows repeat a pair.
    let outlet = format!("(1 + (n - 1) % {outlets})");
    let slot = format!("((n - 1) / {outlets})");
    let round = format!("(({outlet} - 1) / {p_count})");
    let participant =
        format!("({outlet} % {p_count} + {p_count} * (1 + {slot} + {per} * {round}))");
    in_chunks(db, outlets * per, progress, |ns| {
        format!(
            "INSERT INTO outlet_listings (outlet_id, listing_id, stock, added_at) \
             SELECT {first} + {outlet}, {first} + {participant}, 3 + n % 40, {stamp} FROM ({ns}) AS g"
        )
    })
    .await?;

    // Show n: seller 1 + (n × 37) % participants; on air for the first tenth of the first
    // hundred, scheduled for the rest of them, ended after.
    progress.set_message("live shows");
    let shows = o.shows;
    let show_seller = format!("(1 + (n * 37) % {parts})");
    let scheduled = instant(
        backend,
        &now.format("%Y-%m-%d %H:%M:%S").to_string(),
        "CASE WHEN n <= 10 THEN -600 * n WHEN n <= 100 THEN 3600 * n ELSE -86400 * n END",
    );
    let ended = instant(
        backend,
        &now.format("%Y-%m-%d %H:%M:%S").to_string(),
        "-86400 * n + 5400",
    );
    in_chunks(db, shows, progress, |ns| {
        format!(
            "INSERT INTO live_shows (id, pid, seller_id, title, platform, stream_url, scheduled_at, state, started_at, ended_at, pinned_listing_id, pin_version, created_at, updated_at) \
             SELECT {first} + n, {id}, {first} + {show_seller}, 'Phiên live đặc sản số ' || n, \
                    CASE n % 3 WHEN 0 THEN 'facebook' WHEN 1 THEN 'tiktok' ELSE 'youtube' END, \
                    CASE n % 3 WHEN 0 THEN 'https://www.facebook.com/ocop.live' || n || '/live' WHEN 1 THEN 'https://www.tiktok.com/@ocop' || n || '/live' ELSE 'https://www.youtube.com/@ocop' || n || '/live' END, \
                    {scheduled}, CASE WHEN n <= 10 THEN 'live' WHEN n <= 100 THEN 'scheduled' ELSE 'ended' END, \
                    CASE WHEN n <= 10 OR n > 100 THEN {scheduled} END, CASE WHEN n > 100 THEN {ended} END, \
                    CASE WHEN n <= 10 THEN {first} + {show_seller} END, 1, {stamp}, {stamp} \
             FROM ({ns}) AS g"
        )
    })
    .await?;
    // Two products each: the seller's first listing and its second (participant + participants).
    in_chunks(db, shows * 2, progress, |ns| {
        let show = "(1 + (n - 1) / 2)";
        format!(
            "INSERT INTO live_show_items (show_id, listing_id, position, code, clicks) \
             SELECT {first} + {show}, {first} + (1 + ({show} * 37) % {parts}) + CASE WHEN n % 2 = 0 AND (1 + ({show} * 37) % {parts}) + {parts} <= {lists} THEN {parts} ELSE 0 END, \
                    (n - 1) % 2 + 1, 'QG' || n, n % 50 FROM ({ns}) AS g"
        )
    })
    .await?;

    // Orders over the last `years` years: order n buys listing 1 + (n × 7919) % listings.
    progress.set_message("orders");
    let span = o.years.max(1) * 365 * 86_400;
    let since = (now - Duration::seconds(span))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let offset = format!("((n * 7919) % {span})");
    let placed = instant(backend, &since, &offset);
    let completed = instant(backend, &since, &format!("{offset} + 259200"));
    let recent = format!("{offset} > {}", span - 3 * 86_400);
    let item = format!("(1 + (n * 7919) % {lists})");
    let seller = format!("(1 + ({item} - 1) % {parts})");
    let total = o.orders;
    let channel =
        "CASE WHEN n % 20 = 0 THEN 'livestream' WHEN n % 20 = 1 THEN 'outlet' ELSE 'web' END";
    let show_of = format!(
        "CASE WHEN n % 20 = 0 THEN {first} + 1 + n % {} END",
        shows.max(1)
    );
    let outlet_of = format!(
        "CASE WHEN n % 20 = 1 THEN {first} + 1 + n % {} END",
        outlets.max(1)
    );
    let quantity = "(1 + n % 3)";
    in_chunks(db, total, progress, |ns| {
        format!(
            "INSERT INTO checkouts (id, reference, idempotency_key, email, name, phone, province_code, commune, street, payment_method, channel, live_show_id, outlet_id, total_vnd, tracking_token, created_at, lang, site) \
             SELECT {first} + n, 'QG' || n, 'national-' || n, 'khach' || (n % 50000) || '@example.vn', 'Khách hàng ' || (n % 50000), '0913' || (100000 + n % 900000), pr.code, 'phường ' || pr.name, n || ' phố Chợ', \
                    CASE n % 3 WHEN 0 THEN 'cod' WHEN 1 THEN 'transfer' ELSE 'stripe' END, {channel}, {show_of}, {outlet_of}, np.price * {quantity}, {id}, {placed}, 'vi', '' \
             FROM ({ns}) AS g JOIN national_provinces pr ON pr.i = n % {p_count} JOIN national_products np ON np.i = {item} % {t_count}"
        )
    })
    .await?;
    in_chunks(db, total, progress, |ns| {
        format!(
            "INSERT INTO orders (id, pid, code, checkout_id, seller_id, state, payment_state, subtotal_vnd, created_at, updated_at, paid_at, completed_at) \
             SELECT {first} + n, {id}, 'QG' || n || '-1', {first} + n, {first} + {seller}, \
                    CASE WHEN {recent} THEN CASE n % 3 WHEN 0 THEN 'placed' WHEN 1 THEN 'confirmed' ELSE 'shipped' END WHEN n % 10 = 9 THEN 'cancelled' ELSE 'delivered' END, \
                    CASE WHEN {recent} OR n % 10 = 9 THEN 'unpaid' ELSE 'paid' END, np.price * {quantity}, {placed}, {placed}, \
                    CASE WHEN NOT ({recent}) AND n % 10 < 9 THEN {completed} END, CASE WHEN NOT ({recent}) AND n % 10 < 9 THEN {completed} END \
             FROM ({ns}) AS g JOIN national_products np ON np.i = {item} % {t_count}"
        )
    })
    .await?;
    in_chunks(db, total, progress, |ns| {
        format!(
            "INSERT INTO order_items (id, order_id, listing_id, title, certificate_no, unit, unit_price_vnd, quantity) \
             SELECT {first} + n, {first} + n, {first} + {item}, np.name_vi || ' ' || pr.name, 'QG' || (100 + pr.i) || '-' || {item}, np.unit, np.price, {quantity} \
             FROM ({ns}) AS g JOIN national_products np ON np.i = {item} % {t_count} JOIN national_provinces pr ON pr.i = {seller} % {p_count}"
        )
    })
    .await?;
    // Every order's first history entry.
    in_chunks(db, total, progress, |ns| {
        format!(
            "INSERT INTO order_events (id, order_id, state, at) SELECT {first} + n, {first} + n, 'placed', {placed} FROM ({ns}) AS g"
        )
    })
    .await?;
    exec(db, "DROP TABLE national_products".into()).await?;
    exec(db, "DROP TABLE national_provinces".into()).await?;
    if backend == DbBackend::Postgres {
        // Sequences past the explicit ids, so new rows do not collide with them.
        for table in [
            "registry_participants",
            "registry_certificates",
            "sellers",
            "listings",
            "outlets",
            "outlet_listings",
            "live_shows",
            "live_show_items",
            "checkouts",
            "orders",
            "order_items",
            "order_events",
        ] {
            exec(
                db,
                format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                ),
            )
            .await
            .with_context(|| format!("moving the sequence of {table}"))?;
        }
    }
    progress.set_message("photos");
    let photos = crate::seed::seed_listing_photos(db, media, now).await?;
    // The planner needs fresh statistics after a bulk load.
    exec(db, "ANALYZE".into()).await?;
    Ok(NationalReport {
        participants: parts,
        listings: lists,
        photos,
        outlets,
        outlet_products: outlets * per,
        shows,
        orders: total,
        seconds: started.elapsed().as_secs_f64(),
    })
}
