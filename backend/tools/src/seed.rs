//! Demo data: the sample registry, one verified seller per participant, and one listing per
//! active certificate with plausible prices and stock. Safe to rerun: nothing that exists is
//! overwritten, so a seller's edits survive a second `seed --demo`.
use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use indicatif::ProgressBar;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use uuid::Uuid;

use ocop_village::carriers::Endpoints;
use ocop_village::db::entities::{
    listing, province, registry_certificate, registry_participant, seller,
};
use ocop_village::domain::ids::{ListingId, SellerId, ShowId};
use ocop_village::domain::money::Vnd;
use ocop_village::domain::reference::Reference;
use ocop_village::domain::registry::CertificateStatus;
use ocop_village::domain::time::vietnam_date;
use ocop_village::features::catalog::ListingState;
use ocop_village::features::catalog::SellerState;
use ocop_village::features::catalog::lifecycle::DelistedBy;
use ocop_village::features::registry::import::is_valid_on;
use ocop_village::features::registry::{ImportOptions, ImportReport, import_registry};
use ocop_village::jobs::outbox;

/// The sample registry (synthetic data, see its first line), compiled in.
pub const SAMPLE_REGISTRY: &[u8] = include_bytes!("../../../seed/ocop-registry-sample.csv");

/// The day the demo registry is laid out for: seeded on another day, every date of the
/// sample moves by the difference, so the same certificates are valid, expiring within 60
/// days (15) or lapsed (101 active ones past their expiry, besides the expired and revoked
/// rows) whatever the day, and the demo catalog keeps its 239 products.
pub const DEMO_DAY: (i32, u32, u32) = (2026, 11, 22);

/// The sample registry with its dates moved so that `today` stands where [`DEMO_DAY`] does.
pub fn demo_registry(today: NaiveDate) -> anyhow::Result<(Vec<u8>, i64)> {
    let (y, m, d) = DEMO_DAY;
    let anchor = NaiveDate::from_ymd_opt(y, m, d).context("the demo day is a date")?;
    let shift = (today - anchor).num_days();
    let text = std::str::from_utf8(SAMPLE_REGISTRY).context("the sample is UTF-8")?;
    let (comment, body) = text
        .split_once('\n')
        .context("the sample starts with its comment line")?;
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("the sample has no {name} column"))
    };
    let dates = [column("recognized_on")?, column("expires_on")?];
    let mut out = Vec::with_capacity(SAMPLE_REGISTRY.len());
    out.extend_from_slice(comment.as_bytes());
    out.push(b'\n');
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(&headers)?;
        for record in reader.records() {
            let record = record?;
            let mut fields: Vec<String> = record.iter().map(str::to_owned).collect();
            for i in dates {
                let day = NaiveDate::parse_from_str(&fields[i], "%Y-%m-%d")
                    .with_context(|| format!("a sample date: {:?}", fields[i]))?;
                fields[i] = (day + Duration::days(shift)).format("%Y-%m-%d").to_string();
            }
            writer.write_record(&fields)?;
        }
        writer.flush()?;
    }
    Ok((out, shift))
}

/// Demo accounts: (role, e-mail, password). The passwords are public: demo data only.
pub const DEMO_ACCOUNTS: [(&str, &str, &str); 6] = [
    ("shopper", "khach@ocop.demo", "demo-khach-2026"),
    ("seller", "nguoiban@ocop.demo", "demo-nguoiban-2026"),
    ("outlet", "diemban@ocop.demo", "demo-diemban-2026"),
    ("officer", "canbo@ocop.demo", "demo-canbo-2026"),
    ("admin", "quantri@ocop.demo", "demo-quantri-2026"),
    ("applicant", "ungvien@ocop.demo", "demo-ungvien-2026"),
];

/// What the demo roles were attached to, for the run command to print.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DemoRoles {
    /// The seller the `seller` account belongs to.
    pub seller: String,
    /// The province of that seller: the `officer` reviews it, the `outlet` is in it.
    pub province_code: String,
    pub outlet_slug: String,
    /// A participant with a registry contact address that has no members yet: apply with
    /// this number to try onboarding by e-mailed code.
    pub onboarding_registration_no: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeedReport {
    pub registry: ImportReport,
    pub sellers_created: usize,
    pub listings_created: usize,
    /// Created already delisted because the certificate, active in the snapshot, has since
    /// passed its expiry date.
    pub listings_created_delisted: usize,
    pub accounts_created: usize,
    pub roles: DemoRoles,
    /// Demo orders of the demo seller, bought by the demo shopper, one in every state.
    pub orders_created: usize,
    /// The demo seller's live show, on air (its id, for `/live/{id}`).
    pub live_show_id: Option<ShowId>,
    /// Products the demo outlet carries (with consignment stock and a counter sale).
    pub outlet_products: usize,
    /// Completed web orders of many sellers over the past months, so sell-through and the
    /// modern-trade indicator have a history to show.
    pub history_orders: usize,
    /// Participants with a completed sale among them.
    pub history_participants: usize,
    /// Card orders of the demo seller the platform collected: last month's settled and paid
    /// out, this month's open in the ledger.
    pub card_orders: usize,
    /// Demo listings given the drawn picture of their product set.
    pub listing_photos: usize,
    /// Demo voucher codes made (the seller's, the live show's, the outlet's, the Tết
    /// campaign).
    pub vouchers: Vec<String>,
    /// The product given three pack sizes (its slug), if there is one.
    pub pack_sizes: Option<String>,
    /// The demo outlet's gift combo of three producers (its slug), if there is one.
    pub gift_combo: Option<String>,
    /// Other modern-trade channels declared: verified, pending, rejected and expired.
    pub channels: ChannelsSeeded,
}

/// The demo declarations of other modern-trade channels, by standing.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChannelsSeeded {
    pub verified: usize,
    pub pending: usize,
    pub rejected: usize,
    pub expired: usize,
    /// Provinces with a verified channel.
    pub provinces: usize,
}

/// Loads the sample registry and builds the demo catalog as of `now`.
pub async fn seed_demo(
    db: &DatabaseConnection,
    reference: &Reference,
    media: &std::sync::Arc<dyn ocop_village::media::store::MediaStore>,
    now: DateTime<Utc>,
    progress: ProgressBar,
) -> anyhow::Result<SeedReport> {
    let (sample, shift) = demo_registry(vietnam_date(now))?;
    let file_name = format!("seed/ocop-registry-sample.csv (dates moved {shift} days)");
    let registry = import_registry(
        db,
        reference,
        &sample,
        ImportOptions {
            dry_run: false,
            file_name: &file_name,
            imported_by: "seed --demo",
            now,
            progress: progress.clone(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("importing the sample registry: {e}"))?;
    let mut report = SeedReport {
        registry,
        ..SeedReport::default()
    };

    let txn = ocop_village::db::begin_write(db).await?;
    let participants = registry_participant::Entity::find().all(&txn).await?;
    let certificates = registry_certificate::Entity::find().all(&txn).await?;
    let provinces: HashMap<String, province::Model> = province::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let mut sellers: HashMap<i64, seller::Model> = seller::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.participant_id, s))
        .collect();
    let listed: std::collections::HashSet<i64> = listing::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|l| l.certificate_id)
        .collect();
    progress.set_length((participants.len() + certificates.len()) as u64);
    progress.set_position(0);

    for participant in &participants {
        if let std::collections::hash_map::Entry::Vacant(e) = sellers.entry(participant.id) {
            let created = ocop_village::features::catalog::new_active_seller(participant, now)
                .insert(&txn)
                .await
                .context("creating a demo seller")?;
            e.insert(created);
            report.sellers_created += 1;
        }
        progress.inc(1);
    }

    let participant_names: HashMap<i64, &str> = participants
        .iter()
        .map(|p| (p.id, p.name.as_str()))
        .collect();
    let mut new_listings = Vec::new();
    for cert in &certificates {
        progress.inc(1);
        if cert.status != CertificateStatus::Active.as_str() || listed.contains(&cert.id) {
            continue;
        }
        let seller = sellers
            .get(&cert.participant_id)
            .context("every participant has a seller")?;
        let province_name = provinces
            .get(&cert.province_code)
            .map_or(cert.province_code.as_str(), |p| p.name_vi.as_str());
        let producer = participant_names
            .get(&cert.participant_id)
            .copied()
            .unwrap_or("");
        let demo = DemoListing::for_certificate(&cert.certificate_no, &cert.subgroup_code);
        let valid = is_valid_on(
            CertificateStatus::Active,
            cert.expires_on,
            vietnam_date(now),
        );
        let (state, reason) = if valid {
            (ListingState::Published, None)
        } else {
            (
                ListingState::Delisted,
                Some("certificate expired".to_owned()),
            )
        };
        if !valid {
            report.listings_created_delisted += 1;
        }
        new_listings.push(listing::ActiveModel {
            pid: Set(Uuid::new_v4()),
            seller_id: Set(seller.id),
            certificate_id: Set(cert.id),
            slug: Set(ocop_village::features::catalog::listing_slug(cert)),
            price_vnd: Set(Vnd::new(demo.price_vnd)),
            currency: Set("VND".into()),
            stock: Set(demo.stock),
            unit: Set(demo.unit.into()),
            weight_grams: Set(demo.weight_grams),
            description_vi: Set(format!(
                "{} là sản phẩm OCOP {} sao của {}, sản xuất tại {}, {}.",
                cert.product_name_vi, cert.stars, producer, cert.commune, province_name
            )),
            description_en: Set(format!(
                "{} is a {}-star OCOP product made by {} in {}, {}.",
                cert.product_name_en, cert.stars, producer, cert.commune, province_name
            )),
            state: Set(state),
            delisted_by: Set((!valid).then(|| DelistedBy::System.as_str().to_owned())),
            state_reason: Set(reason),
            published_at: Set(valid.then(|| now - Duration::hours(demo.age_hours))),
            created_at: Set(now - Duration::hours(demo.age_hours)),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    report.listings_created = new_listings.len();
    for chunk in new_listings.chunks(500) {
        listing::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .context("creating demo listings")?;
    }
    report.listing_photos = seed_listing_photos(&txn, media, now).await?;
    if report.listings_created > 0 {
        // One rebuild instead of one entry per new listing.
        outbox::enqueue(&txn, outbox::SEARCH_REINDEX, [serde_json::json!({})], now).await?;
    }
    txn.commit().await?;
    report.accounts_created = seed_accounts(db, now).await?;
    report.roles = seed_roles(db, now).await?;
    seed_bank_accounts(db, now).await?;
    seed_shipping(db, reference, now).await?;
    report.live_show_id = seed_live_show(db, now).await?;
    report.orders_created = seed_orders(db, reference, media, now, report.live_show_id).await?;
    // After the orders: `seed_orders` only runs on a shop with no orders yet.
    report.outlet_products = seed_outlet(db, reference, now).await?;
    (report.history_orders, report.history_participants) =
        seed_sales_history(db, reference, now).await?;
    report.card_orders = seed_card_sales(db, reference, now).await?;
    seed_producer_page(db, media, now).await?;
    seed_quality_report(db, now).await?;
    report.vouchers = seed_vouchers(db, now, report.live_show_id).await?;
    report.pack_sizes = seed_pack_sizes(db, now).await?;
    // After the pack sizes: a combo takes products with one price and one stock.
    report.gift_combo = seed_gift_combo(db, reference, media, now).await?;
    report.channels = seed_channels(db, now).await?;
    progress.finish_and_clear();
    Ok(report)
}

/// The drawn picture of a product set through the photo pipeline ([`media::process`]), made
/// once per process: every seeding (a test suite seeds many databases) stores the same
/// result.
///
/// [`media::process`]: ocop_village::media::process
fn processed_picture(subgroup: &str) -> anyhow::Result<ocop_village::media::Processed> {
    static DONE: std::sync::Mutex<
        std::collections::BTreeMap<String, ocop_village::media::Processed>,
    > = std::sync::Mutex::new(std::collections::BTreeMap::new());
    // Held while drawing, so seedings running at once draw each picture once.
    let mut done = DONE
        .lock()
        .map_err(|_| anyhow::anyhow!("the demo pictures' cache is poisoned"))?;
    if let Some(processed) = done.get(subgroup) {
        return Ok(processed.clone());
    }
    let processed = ocop_village::media::process(&crate::pictures::jpeg(subgroup)?)
        .map_err(|e| anyhow::anyhow!("a demo picture: {e}"))?;
    done.insert(subgroup.to_owned(), processed.clone());
    Ok(processed)
}

/// Gives every demo listing without a photo the drawn picture of its product set
/// ([`crate::pictures`]), each picture through the photo pipeline once.
pub async fn seed_listing_photos(
    db: &impl sea_orm::ConnectionTrait,
    media: &std::sync::Arc<dyn ocop_village::media::store::MediaStore>,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    use ocop_village::db::entities::listing_photo;
    use sea_orm::QuerySelect;

    let pictured: std::collections::HashSet<ListingId> = listing_photo::Entity::find()
        .select_only()
        .column(listing_photo::Column::ListingId)
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let certificates: HashMap<i64, registry_certificate::Model> =
        registry_certificate::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let mut pictures: HashMap<String, ocop_village::media::Stored> = HashMap::new();
    let mut rows = Vec::new();
    for l in listing::Entity::find().all(db).await? {
        if pictured.contains(&l.id) {
            continue;
        }
        let Some(cert) = certificates.get(&l.certificate_id) else {
            continue;
        };
        let stored = match pictures.get(&cert.subgroup_code) {
            Some(stored) => stored.clone(),
            None => {
                let set = cert.subgroup_code.clone();
                let processed = tokio::task::spawn_blocking(move || processed_picture(&set))
                    .await
                    .context("drawing a demo picture")??;
                let stored = ocop_village::media::store_processed(media, processed)
                    .await
                    .map_err(|e| anyhow::anyhow!("a demo picture: {e}"))?;
                pictures.insert(cert.subgroup_code.clone(), stored.clone());
                stored
            }
        };
        let widths: Vec<String> = stored.widths.iter().map(u32::to_string).collect();
        rows.push(listing_photo::ActiveModel {
            listing_id: Set(l.id),
            position: Set(0),
            storage_key: Set(stored.digest.clone()),
            alt_vi: Set(cert.product_name_vi.clone()),
            alt_en: Set(cert.product_name_en.clone()),
            width: Set(i32::try_from(stored.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(stored.height).unwrap_or(i32::MAX)),
            variants: Set(widths.join(",")),
            created_at: Set(now),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(500) {
        listing_photo::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .context("giving demo listings their pictures")?;
    }
    Ok(rows.len())
}

/// The demo accounts, with verified e-mail addresses; existing ones are left as they are.
async fn seed_accounts(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    use sea_orm::{ColumnTrait, QueryFilter};

    use ocop_village::db::entities::user;
    let mut created = 0;
    for (role, email, password) in DEMO_ACCOUNTS {
        let exists = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let password = ocop_village::features::accounts::Password::parse(password)
            .map_err(|why| anyhow::anyhow!("demo password for {role}: {why}"))?;
        user::ActiveModel {
            pid: Set(Uuid::new_v4()),
            email: Set(email.to_owned()),
            password_hash: Set(ocop_village::features::accounts::hash_password(&password).await?),
            display_name: Set(format!("Demo {role}")),
            locale: Set("vi".into()),
            is_admin: Set(role == "admin"),
            session_epoch: Set(0),
            email_verified_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .context("creating a demo account")?;
        created += 1;
    }
    Ok(created)
}

/// Gives the demo accounts their roles: the seller joins the seller whose valid certificate
/// expires first (so expiry warnings show), the officer reviews that seller's province, the
/// outlet account staffs a demo outlet there, and the applicant has an application waiting in
/// the officer's queue. Safe to rerun.
async fn seed_roles(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<DemoRoles> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

    use ocop_village::db::entities::{membership, outlet, seller_application, user};
    use ocop_village::features::accounts::auth::{Role, grant};
    use ocop_village::features::onboarding;

    let today = vietnam_date(now);
    let account = |email: &'static str| async move {
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?
            .with_context(|| format!("demo account {email}"))
    };
    let valid_certs = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::Status.eq(CertificateStatus::Active.as_str()))
        .filter(registry_certificate::Column::ExpiresOn.gt(today))
        .order_by_asc(registry_certificate::Column::ExpiresOn)
        .order_by_asc(registry_certificate::Column::Id)
        .all(db)
        .await?;
    let participants: HashMap<i64, registry_participant::Model> =
        registry_participant::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let with_contact = |id: &i64| {
        participants
            .get(id)
            .is_some_and(|p| p.contact_email.is_some())
    };
    // The demo seller: one with several products to show (and to pin on its live show), one
    // of whose certificates expires within 60 days so the expiry warning shows; failing that,
    // the one whose certificate expires first.
    let mut by_participant: Vec<(i64, usize, chrono::NaiveDate)> = Vec::new();
    for cert in valid_certs
        .iter()
        .filter(|c| with_contact(&c.participant_id))
    {
        match by_participant
            .iter_mut()
            .find(|(id, _, _)| *id == cert.participant_id)
        {
            Some(entry) => entry.1 += 1,
            // Certificates come soonest expiry first.
            None => by_participant.push((cert.participant_id, 1, cert.expires_on)),
        }
    }
    let soon = today + Duration::days(60);
    let chosen = by_participant
        .iter()
        .filter(|(_, _, first_expiry)| *first_expiry <= soon)
        .max_by_key(|(id, count, first_expiry)| (*count, std::cmp::Reverse((*first_expiry, *id))))
        .or_else(|| by_participant.first())
        .context("the sample registry has a valid certificate with a contact")?;
    let participant = &participants[&chosen.0];
    let seller = seller::Entity::find()
        .filter(seller::Column::ParticipantId.eq(participant.id))
        .one(db)
        .await?
        .context("every participant has a demo seller")?;
    let province = participant.province_code.clone();

    let txn = ocop_village::db::begin_write(db).await?;
    let seller_user = account("nguoiban@ocop.demo").await?;
    grant(
        &txn,
        seller_user.id,
        Role::Seller,
        Some(seller.id),
        None,
        None,
        now,
    )
    .await?;
    let officer = account("canbo@ocop.demo").await?;
    grant(
        &txn,
        officer.id,
        Role::Officer,
        None,
        None,
        Some(&province),
        now,
    )
    .await?;
    let outlet_slug = format!("ocop-{province}");
    let outlet = match outlet::Entity::find()
        .filter(outlet::Column::Slug.eq(&outlet_slug))
        .one(&txn)
        .await?
    {
        Some(o) => o,
        None => {
            let province_name =
                ocop_village::db::entities::province::Entity::find_by_id(province.clone())
                    .one(&txn)
                    .await?
                    .map_or_else(|| province.clone(), |p| p.name_vi);
            outlet::ActiveModel {
                slug: Set(outlet_slug.clone()),
                name: Set(format!(
                    "Điểm giới thiệu và bán sản phẩm OCOP {province_name}"
                )),
                province_code: Set(province.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let staff = account("diemban@ocop.demo").await?;
    grant(
        &txn,
        staff.id,
        Role::OutletStaff,
        None,
        Some(outlet.id),
        None,
        now,
    )
    .await?;

    // Participants someone already acts for are not offered for onboarding.
    let member_sellers: std::collections::HashSet<SellerId> = membership::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|m| m.seller_id)
        .collect();
    let sellers_by_participant: HashMap<i64, SellerId> = seller::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.participant_id, s.id))
        .collect();
    let free = |id: &i64| {
        sellers_by_participant
            .get(id)
            .is_none_or(|s| !member_sellers.contains(s))
    };
    let onboarding_no = valid_certs
        .iter()
        .find(|c| {
            c.participant_id != participant.id
                && with_contact(&c.participant_id)
                && free(&c.participant_id)
        })
        .map(|c| {
            participants[&c.participant_id]
                .business_registration_no
                .clone()
        })
        .unwrap_or_default();

    // An application waiting in the officer's queue: a participant of the same province
    // without a contact address (or, failing that, any other one there).
    let applicant = account("ungvien@ocop.demo").await?;
    let has_application = seller_application::Entity::find()
        .filter(seller_application::Column::UserId.eq(applicant.id))
        .one(&txn)
        .await?
        .is_some();
    let mut in_province: Vec<&registry_participant::Model> = participants
        .values()
        .filter(|p| p.province_code == province && p.id != participant.id)
        .collect();
    in_province.sort_by_key(|p| (p.contact_email.is_some(), p.id));
    if let (false, Some(target)) = (has_application, in_province.first()) {
        seller_application::ActiveModel {
            pid: Set(Uuid::new_v4()),
            user_id: Set(applicant.id),
            participant_id: Set(target.id),
            province_code: Set(province.clone()),
            state: Set(onboarding::State::InReview.as_str().into()),
            review_reason: Set(Some(
                if target.contact_email.is_none() {
                    onboarding::ReviewReason::NoContact
                } else {
                    onboarding::ReviewReason::TooManyAttempts
                }
                .as_str()
                .into(),
            )),
            code_attempts: Set(0),
            created_at: Set(now - Duration::hours(20)),
            updated_at: Set(now - Duration::hours(20)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(DemoRoles {
        seller: seller.display_name,
        province_code: province,
        outlet_slug,
        onboarding_registration_no: onboarding_no,
    })
}

/// Plausible, deterministic demo values for a certificate.
struct DemoListing {
    price_vnd: i64,
    stock: i32,
    unit: &'static str,
    weight_grams: i32,
    age_hours: i64,
}

impl DemoListing {
    fn for_certificate(certificate_no: &str, subgroup: &str) -> Self {
        let h = fnv1a(certificate_no.as_bytes());
        // (unit, lowest price, highest price, weight in grams)
        let (unit, low, high, grams) = match subgroup {
            "fresh-produce" => ("kg", 40_000, 150_000, 1_000),
            "fresh-meat-seafood" => ("kg", 150_000, 450_000, 1_000),
            "rice-grains" => ("túi 5 kg", 120_000, 250_000, 5_000),
            "honey-other-raw" => ("chai 500 ml", 150_000, 350_000, 700),
            "fast-food" | "processed-rice-grains" => ("gói", 30_000, 90_000, 500),
            "processed-fruit-veg" | "processed-meat-seafood" => ("hộp", 60_000, 250_000, 500),
            "sauces-fish-sauce" => ("chai 500 ml", 50_000, 180_000, 700),
            "other-condiments" => ("hũ", 35_000, 120_000, 300),
            "tea" | "herbal-infusions" => ("hộp 200 g", 80_000, 450_000, 250),
            "coffee-cocoa" => ("gói 500 g", 120_000, 380_000, 550),
            "white-liquor" | "other-alcoholic" => ("chai 750 ml", 90_000, 600_000, 1_300),
            "bottled-water" | "other-non-alcoholic" => ("thùng 24 chai", 120_000, 260_000, 9_000),
            "functional-medicinal" | "essential-oils-herbs" => ("hộp", 150_000, 900_000, 300),
            "herbal-cosmetics" => ("chai", 90_000, 350_000, 250),
            "craft-household-decor" | "textiles-garments" => ("chiếc", 150_000, 1_500_000, 800),
            "flowers" | "ornamental-plants" => ("chậu", 200_000, 2_000_000, 3_000),
            "ornamental-animals" => ("con", 300_000, 3_000_000, 1_000),
            "community-eco-tourism" => ("vé", 100_000, 800_000, 0),
            _ => ("sản phẩm", 50_000, 500_000, 500),
        };
        let steps = (high - low) / 5_000 + 1;
        let price_vnd = low + ((h % steps as u64) as i64) * 5_000;
        // About one listing in twelve is sold out, so "out of stock" shows in the demo.
        let stock = if (h >> 8).is_multiple_of(12) {
            0
        } else {
            5 + ((h >> 16) % 196) as i32
        };
        Self {
            price_vnd,
            stock,
            unit,
            weight_grams: grams,
            age_hours: ((h >> 24) % (24 * 90)) as i64,
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The demo seller's live show, on air, with its first three products linked and the first
/// pinned. Only when the seller has no show yet; returns the show's id.
async fn seed_live_show(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<ShowId>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

    use ocop_village::db::entities::{live_show, user};
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::live::{self, ShowInput, ShowState};

    let seller_user = user::Entity::find()
        .filter(user::Column::Email.eq("nguoiban@ocop.demo"))
        .one(db)
        .await?
        .context("the demo seller account")?;
    let principal = Principal::load(db, seller_user).await?;
    let seller_id = *principal
        .seller_ids()
        .first()
        .context("the demo seller account belongs to a seller")?;
    if let Some(existing) = live_show::Entity::find()
        .filter(live_show::Column::SellerId.eq(seller_id))
        .one(db)
        .await?
    {
        return Ok(Some(existing.id));
    }
    let products: Vec<Uuid> = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(seller_id))
        .filter(listing::Column::State.eq(ListingState::Published))
        .order_by_asc(listing::Column::Id)
        .limit(3)
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.pid)
        .collect();
    let show = live::create_show(
        db,
        &principal,
        seller_id,
        &ShowInput {
            title: "Phiên chợ OCOP trực tiếp: đặc sản từ nơi sản xuất".into(),
            platform: "facebook".into(),
            stream_url: "https://www.facebook.com/ocopvillage.demo/live".into(),
            scheduled_at: now - Duration::minutes(10),
        },
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo live show: {e}"))?;
    for product in &products {
        live::link_listing(db, &principal, show.pid, *product)
            .await
            .map_err(|e| anyhow::anyhow!("demo live show: {e}"))?;
    }
    live::set_state(db, &principal, show.pid, ShowState::Live, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo live show: {e}"))?;
    live::pin(db, &principal, show.pid, products.first().copied(), now)
        .await
        .map_err(|e| anyhow::anyhow!("demo live show: {e}"))?;
    Ok(Some(show.id))
}

/// The demo outlet's profile, up to six products of its province with consignment stock (one
/// running low) and one counter sale. Only when it carries nothing yet; returns how many
/// products it carries.
async fn seed_outlet(
    db: &DatabaseConnection,
    reference: &Reference,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};

    use ocop_village::db::entities::{outlet_listing, user};
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::catalog::queries::{ListingFilter, list_visible};
    use ocop_village::features::outlets::{self, CounterSale, Profile};

    let staff = user::Entity::find()
        .filter(user::Column::Email.eq("diemban@ocop.demo"))
        .one(db)
        .await?
        .context("the demo outlet account")?;
    let principal = Principal::load(db, staff).await?;
    let Some(shop) = outlets::operated_by(db, &principal)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(0);
    };
    let carried = outlet_listing::Entity::find()
        .filter(outlet_listing::Column::OutletId.eq(shop.id))
        .count(db)
        .await?;
    if carried > 0 {
        return Ok(usize::try_from(carried).unwrap_or(0));
    }
    let demo = |e: outlets::OutletError| anyhow::anyhow!("demo outlet: {e}");
    outlets::save_profile(
        db,
        reference,
        &principal,
        shop.id,
        &Profile {
            tagline: "Tinh hoa sản vật địa phương, có chứng nhận OCOP".into(),
            address: "Quảng trường trung tâm tỉnh".into(),
            // The first ward of the outlet's province on the 2025 map.
            commune: reference
                .communes
                .of(&shop.province_code)
                .first()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            opening_hours: "7:30–21:00 hằng ngày".into(),
            map_url: "https://www.openstreetmap.org/".into(),
            color: "#a4402a".into(),
        },
    )
    .await
    .map_err(demo)?;
    let products = list_visible(
        db,
        vietnam_date(now),
        &ListingFilter {
            province_code: Some(shop.province_code.clone()),
            ..ListingFilter::default()
        },
        1,
        6,
    )
    .await?
    .items;
    for (n, card) in products.iter().enumerate() {
        outlets::carry(db, &principal, shop.id, card.listing_id, now)
            .await
            .map_err(demo)?;
        let stock = if n == 1 { 2 } else { 8 };
        outlets::set_stock(
            db,
            &principal,
            shop.id,
            card.listing_id,
            outlets::StockChange::To(stock),
        )
        .await
        .map_err(demo)?;
    }
    if let Some(first) = products.first() {
        outlets::record_sale(
            db,
            &principal,
            shop.id,
            &CounterSale {
                listing_pid: first.listing_id,
                quantity: 2,
                unit_price_vnd: first.price_vnd,
                payment: "cash".into(),
                idempotency_key: "demo-counter-sale".into(),
            },
            now,
        )
        .await
        .map_err(demo)?;
    }
    Ok(products.len())
}

/// Every demo seller gets a pick-up address on the 2025 map (its registry commune when that
/// is still a commune, else its province's first one) and table rates: the standard table,
/// one in three sellers with free shipping from 500,000 ₫, the demo seller with rates of its
/// own and free shipping from 1,000,000 ₫. Sellers who set theirs are left alone.
async fn seed_shipping(
    db: &DatabaseConnection,
    reference: &Reference,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use ocop_village::db::entities::{shipping_rate, user};
    use ocop_village::domain::shipping::{Band, RateTable};
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::shipping::{resolve_commune, settings::replace_bands};
    use sea_orm::{ColumnTrait, QueryFilter};

    let demo_seller = match user::Entity::find()
        .filter(user::Column::Email.eq("nguoiban@ocop.demo"))
        .one(db)
        .await?
    {
        Some(u) => Principal::load(db, u).await?.seller_ids().first().copied(),
        None => None,
    };
    let txn = ocop_village::db::begin_write(db).await?;
    let without = seller::Entity::find()
        .filter(seller::Column::PickupProvinceCode.is_null())
        .all(&txn)
        .await?;
    let participants: HashMap<i64, registry_participant::Model> =
        registry_participant::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    for s in without {
        let Some(p) = participants.get(&s.participant_id) else {
            continue;
        };
        let Some(first) = reference.communes.of(&p.province_code).first() else {
            continue;
        };
        let commune = resolve_commune(reference, &p.province_code, &p.commune)
            .unwrap_or_else(|_| first.name.clone());
        let hash = fnv1a(s.slug.as_bytes());
        let demo = Some(s.id) == demo_seller;
        let mut table = RateTable::standard();
        if demo {
            let band = |max_grams, a, b, c| Band {
                max_grams,
                same_province: Vnd::new(a),
                same_region: Vnd::new(b),
                elsewhere: Vnd::new(c),
            };
            table.bands = vec![
                band(1_000, 15_000, 25_000, 35_000),
                band(5_000, 25_000, 40_000, 60_000),
                band(20_000, 60_000, 90_000, 130_000),
            ];
            table.free_over = Some(Vnd::new(1_000_000));
        } else if hash.is_multiple_of(3) {
            table.free_over = Some(Vnd::new(500_000));
        }
        let has_rates = shipping_rate::Entity::find()
            .filter(shipping_rate::Column::SellerId.eq(s.id))
            .one(&txn)
            .await?
            .is_some();
        if !has_rates {
            replace_bands(&txn, s.id, &table.bands).await?;
        }
        let street = format!("Trụ sở {}", s.display_name);
        let mut changed: seller::ActiveModel = s.into();
        changed.pickup_province_code = Set(Some(p.province_code.clone()));
        changed.pickup_commune = Set(Some(commune));
        changed.pickup_street = Set(Some(street.chars().take(200).collect()));
        changed.pickup_phone = Set(Some(format!("09{:08}", hash % 100_000_000)));
        changed.free_shipping_over_vnd = Set(table.free_over);
        changed.updated_at = Set(now);
        changed.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Every demo seller gets a (made-up) Vietcombank account, so VietQR transfers can be tried
/// with any cart. Sellers who set their own are left alone.
async fn seed_bank_accounts(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<()> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let txn = ocop_village::db::begin_write(db).await?;
    let without = seller::Entity::find()
        .filter(seller::Column::BankAccountNo.is_null())
        .all(&txn)
        .await?;
    for s in without {
        let number = format!("9{:012}", fnv1a(s.slug.as_bytes()) % 1_000_000_000_000);
        let holder = ocop_village::domain::text::fold(&s.display_name).to_uppercase();
        let mut changed: seller::ActiveModel = s.into();
        changed.bank_bin = Set(Some("970436".into()));
        changed.bank_account_no = Set(Some(number));
        changed.bank_account_name = Set(Some(holder.chars().take(80).collect()));
        changed.updated_at = Set(now);
        changed.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Orders of the demo seller bought by the demo shopper, one in each state of the lifecycle
/// (and an unpaid VietQR transfer to scan), made through the same functions the pages use.
/// Only when there are no orders yet.
async fn seed_orders(
    db: &DatabaseConnection,
    reference: &Reference,
    media: &std::sync::Arc<dyn ocop_village::media::store::MediaStore>,
    now: DateTime<Utc>,
    live_show: Option<ShowId>,
) -> anyhow::Result<usize> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder};

    use ocop_village::db::entities::order;
    use ocop_village::domain::orders::PaymentMethod;
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::cart::{self, Placement};
    use ocop_village::features::orders::{self, Actor, Step, refunds};

    if order::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let shopper = demo_user(db, "khach@ocop.demo").await?;
    let seller_user = demo_user(db, "nguoiban@ocop.demo").await?;
    let principal = Principal::load(db, seller_user).await?;
    let seller_id = *principal
        .seller_ids()
        .first()
        .context("the demo seller account belongs to a seller")?;
    let in_stock = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(seller_id))
        .filter(listing::Column::State.eq(ListingState::Published))
        .filter(listing::Column::Stock.gte(10))
        .order_by_asc(listing::Column::Id)
        .all(db)
        .await?;
    if in_stock.is_empty() {
        return Ok(0);
    }
    let products: Vec<Uuid> = in_stock.iter().map(|l| l.pid).collect();
    // The delivered order (n = 3) is bought through the live show: a product linked to it.
    let linked: Vec<ListingId> = match live_show {
        Some(show) => ocop_village::db::entities::live_show_item::Entity::find()
            .filter(ocop_village::db::entities::live_show_item::Column::ShowId.eq(show))
            .all(db)
            .await?
            .into_iter()
            .map(|i| i.listing_id)
            .collect(),
        None => Vec::new(),
    };
    let from_show_product = in_stock
        .iter()
        .find(|l| linked.contains(&l.id))
        .map_or(products[0], |l| l.pid);
    // The shopper's address book keeps this address, the default the checkout starts from.
    let kept = cart::addresses::AddressInput {
        name: shopper.display_name.clone(),
        phone: "0912 345 678".into(),
        province: "ha-noi".into(),
        commune: "phường Hoàn Kiếm".into(),
        street: "12 phố Hàng Bạc".into(),
    };
    cart::addresses::save(db, reference, &shopper, &kept, true, now)
        .await
        .map_err(|e| anyhow::anyhow!("the demo address book: {e}"))?;
    let address = demo_address(reference, &shopper)?;
    let shipped = || Step::Ship {
        carrier: "GHN".into(),
        tracking_no: "GHNDEMO1234".into(),
    };
    // (payment, steps after placing, confirm the transfer first)
    let plans: Vec<(PaymentMethod, Vec<Step>, bool)> = vec![
        (PaymentMethod::CashOnDelivery, vec![], false),
        (PaymentMethod::CashOnDelivery, vec![Step::Confirm], false),
        (
            PaymentMethod::CashOnDelivery,
            vec![Step::Confirm, shipped()],
            false,
        ),
        (
            PaymentMethod::CashOnDelivery,
            vec![Step::Confirm, shipped(), Step::Deliver],
            false,
        ),
        (
            PaymentMethod::CashOnDelivery,
            vec![Step::Cancel {
                reason: "Người mua đổi địa chỉ và đặt đơn khác.".into(),
            }],
            false,
        ),
        (PaymentMethod::VietQr, vec![], false),
        (PaymentMethod::VietQr, vec![Step::Confirm], true),
        (
            PaymentMethod::VietQr,
            vec![Step::Refund {
                reason: "Hết hàng vụ này, đã hoàn tiền chuyển khoản.".into(),
            }],
            true,
        ),
        // The carrier could not deliver and brought it back: the unit is on the shelf again.
        (
            PaymentMethod::CashOnDelivery,
            vec![
                Step::Confirm,
                shipped(),
                Step::Return {
                    reason: "Người nhận vắng nhà ba lần, hàng đã hoàn về.".into(),
                },
            ],
            false,
        ),
        // Delivered, and the shopper asked to return it (a return in progress, below).
        (
            PaymentMethod::CashOnDelivery,
            vec![Step::Confirm, shipped(), Step::Deliver],
            false,
        ),
    ];
    let site = "http://127.0.0.1:8080";
    // Demo sellers price delivery with their table rates: no carrier is called.
    let carriers = Endpoints::new(None, None);
    // The delivered order asked for a VAT invoice, and the seller has recorded it; the
    // confirmed one asked for one not issued yet.
    let invoice = ocop_village::domain::invoice::InvoiceRequest::parse(
        "Công ty TNHH Quà Quê Việt",
        "0312345678",
        "12 Lê Lợi, Phường Sài Gòn, Hồ Chí Minh",
    )
    .map_err(|p| anyhow::anyhow!("the demo invoice request: {p:?}"))?;
    let mut created = 0;
    for (n, (method, steps, paid)) in plans.into_iter().enumerate() {
        let product = if n == 3 {
            from_show_product
        } else {
            products[n % products.len()]
        };
        let cart = cart::find_cart(db, None, Some(shopper.id), true, now)
            .await?
            .context("a cart")?;
        cart::add_to_cart(db, cart.id, product, 0, 1, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo cart: {e}"))?;
        let key = format!("demo-order-{n}");
        let placed = cart::place(
            db,
            &Placement {
                cart_id: cart.id,
                user_id: Some(shopper.id),
                address: &address,
                method,
                idempotency_key: &key,
                lang: ocop_village::i18n::Lang::Vi,
                site,
                // The delivered order came from the live show.
                from_show: live_show.filter(|_| n == 3),
                pickup_outlet: None,
                reference,
                carriers: &carriers,
                invoice: Some(&invoice).filter(|_| n == 1 || n == 3),
            },
            now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo checkout: {e:?}"))?;
        let placed_order = order::Entity::find()
            .filter(order::Column::CheckoutId.eq(placed.id))
            .one(db)
            .await?
            .context("the demo order")?;
        let pid = placed_order.pid;
        if paid {
            orders::confirm_transfer(db, &principal, pid, now)
                .await
                .map_err(|e| anyhow::anyhow!("demo payment: {e}"))?;
        }
        for step in steps {
            // A refund is the seller's transfer to the shopper's account, made and confirmed.
            if let Step::Refund { reason } = &step {
                let done = refund_to_shopper(db, &principal, pid, None, reason, n, now).await?;
                refunds::confirm_paid(db, &principal, pid, done.pid, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo refund paid: {e}"))?;
                continue;
            }
            orders::advance(db, Actor::Seller(&principal), pid, step, now)
                .await
                .map_err(|e| anyhow::anyhow!("demo order step: {e}"))?;
        }
        if n == 3 {
            // One box of the delivered order arrived dented: part of it is owed back, its
            // VietQR code waiting on the seller's order page.
            refund_to_shopper(
                db,
                &principal,
                pid,
                Some(Vnd::new(20_000)),
                "Một hộp bị móp khi giao, hoàn một phần.",
                n,
                now,
            )
            .await?;
            orders::record_invoice(
                db,
                &principal,
                pid,
                "C25TQQ-0000042",
                "https://hoadon.example.vn/tra-cuu?ma=C25TQQ42",
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo invoice: {e}"))?;
        }
        if n == 3 {
            demo_review(db, &principal, &placed, &placed_order, shopper.id, now).await?;
        }
        if n == 9 {
            demo_return(db, media, &placed, &placed_order, shopper.id, now).await?;
            demo_low_review(db, &placed, &placed_order, shopper.id, now).await?;
        }
        created += 1;
    }
    Ok(created)
}

/// The shopper reviews the delivered order's product (five stars) and the seller replies.
async fn demo_review(
    db: &DatabaseConnection,
    seller: &ocop_village::features::accounts::auth::Principal,
    placed: &ocop_village::db::entities::checkout::Model,
    o: &ocop_village::db::entities::order::Model,
    shopper: ocop_village::domain::ids::UserId,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use ocop_village::features::orders::reviews::{self, ReviewAsk};

    let written = reviews::write(
        db,
        placed,
        first_line(db, o).await?.id,
        ReviewAsk {
            rating: 5,
            body: "Hàng đúng như mô tả, đóng gói cẩn thận, giao nhanh. Sẽ mua lại.",
            photos: Vec::new(),
        },
        Some(shopper),
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo review: {e}"))?;
    reviews::reply(
        db,
        seller,
        written.pid,
        "Cảm ơn chị đã tin dùng sản phẩm của hợp tác xã!",
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo reply: {e}"))?;
    Ok(())
}

/// A demo order's (first) line.
async fn first_line(
    db: &DatabaseConnection,
    o: &ocop_village::db::entities::order::Model,
) -> anyhow::Result<ocop_village::db::entities::order_item::Model> {
    use ocop_village::db::entities::order_item;
    use sea_orm::{ColumnTrait, QueryFilter};
    order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .one(db)
        .await?
        .context("a demo order's line")
}

/// The shopper rates the returned order's product two stars: a low rating, which reaches the
/// province's officers as a quality report.
async fn demo_low_review(
    db: &DatabaseConnection,
    placed: &ocop_village::db::entities::checkout::Model,
    o: &ocop_village::db::entities::order::Model,
    shopper: ocop_village::domain::ids::UserId,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use ocop_village::features::orders::reviews::{self, ReviewAsk};

    reviews::write(
        db,
        placed,
        first_line(db, o).await?.id,
        ReviewAsk {
            rating: 2,
            body: "Hộp bị móp, nắp hở, hạn sử dụng in mờ không đọc được.",
            photos: Vec::new(),
        },
        Some(shopper),
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo low review: {e}"))?;
    Ok(())
}

/// The demo shopper reports a label problem on one of the demo seller's products, and the
/// officer of its province asks the seller about it (the question waits at /seller/quality).
/// Safe to rerun: nothing is filed when the shopper has a report already.
async fn seed_quality_report(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<()> {
    use ocop_village::db::entities::quality_report;
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::quality::{self, Decision, ReportAsk};
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

    let shopper = demo_user(db, "khach@ocop.demo").await?;
    let filed = quality_report::Entity::find()
        .filter(quality_report::Column::ReporterId.eq(shopper.id))
        .filter(quality_report::Column::ReviewId.is_null())
        .one(db)
        .await?;
    if filed.is_some() {
        return Ok(());
    }
    let seller = Principal::load(db, demo_user(db, "nguoiban@ocop.demo").await?).await?;
    let seller_id = *seller
        .seller_ids()
        .first()
        .context("the demo seller account belongs to a seller")?;
    let product = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(seller_id))
        .filter(listing::Column::State.eq(ListingState::Published))
        .order_by_asc(listing::Column::Id)
        .one(db)
        .await?
        .context("a published product of the demo seller")?;
    let report = quality::file(
        db,
        &shopper,
        &product.slug,
        ReportAsk {
            kind: "label",
            body: "Nhãn trên hộp ghi 200 g nhưng cân thực tế chỉ khoảng 170 g; không thấy số lô sản xuất.",
            photos: Vec::new(),
        },
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo quality report: {e}"))?;
    let officer = Principal::load(db, demo_user(db, "canbo@ocop.demo").await?).await?;
    quality::decide(
        db,
        &officer,
        report.pid,
        Decision::AskSeller,
        "Đề nghị cơ sở kiểm tra khối lượng tịnh của lô hàng này và bổ sung số lô trên nhãn.",
        "http://127.0.0.1:8080",
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo question to the seller: {e}"))?;
    Ok(())
}

/// Declarations of other modern-trade channels: the demo seller's supermarket chain verified by
/// the demo officer and its e-commerce shop waiting for the officer; and, decided by the
/// administrator, sellers of other provinces with no sale here selling through supermarkets,
/// platforms and export (one rejected, one expired), so the indicator shows all three kinds of
/// participant. Once only.
async fn seed_channels(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<ChannelsSeeded> {
    use ocop_village::db::entities::{channel_declaration, order};
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::sales::channels::{self, Declaration, Verdict};
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

    let mut seeded = ChannelsSeeded::default();
    if channel_declaration::Entity::find().count(db).await? > 0 {
        return Ok(seeded);
    }
    let today = vietnam_date(now);
    let site = "http://127.0.0.1:8080";
    let demo = |e: channels::ChannelError| anyhow::anyhow!("demo channel: {e}");
    let seller_user = demo_user(db, "nguoiban@ocop.demo").await?;
    let seller_principal = Principal::load(db, seller_user.clone()).await?;
    let own = seller::Entity::find_by_id(
        *seller_principal
            .seller_ids()
            .first()
            .context("the demo seller account belongs to a seller")?,
    )
    .one(db)
    .await?
    .context("the demo seller")?;
    let officer = Principal::load(db, demo_user(db, "canbo@ocop.demo").await?).await?;
    let admin_user = demo_user(db, "quantri@ocop.demo").await?;
    let admin = Principal::load(db, admin_user.clone()).await?;

    let ask = |kind: &'static str, name: &'static str, since_days: i64, url: &'static str| {
        (
            kind,
            name,
            (today - Duration::days(since_days)).to_string(),
            url,
        )
    };
    let declare =
        |by,
         shop: seller::Model,
         (kind, name, since, url): (&'static str, &'static str, String, &'static str)| async move {
            channels::declare(
                db,
                by,
                &shop,
                Declaration {
                    kind,
                    channel_name: name,
                    since: &since,
                    evidence_url: url,
                    document: None,
                },
                today,
                now,
            )
            .await
            .map_err(demo)
        };

    let coop = declare(
        seller_user.id,
        own.clone(),
        ask(
            "supermarket_chain",
            "Co.opmart",
            400,
            "https://www.co-opmart.com.vn/",
        ),
    )
    .await?;
    channels::decide(
        db,
        &officer,
        coop.pid,
        Verdict::Verify,
        "Đã đối chiếu hợp đồng cung ứng với Saigon Co.op.",
        site,
        now,
    )
    .await
    .map_err(demo)?;
    seeded.verified += 1;
    declare(
        seller_user.id,
        own.clone(),
        ask("ecommerce_platform", "Shopee", 90, "https://shopee.vn/"),
    )
    .await?;
    seeded.pending += 1;

    // Sellers of other provinces with products on sale (a certificate valid today) and no
    // order here, one per province.
    let on_sale: std::collections::HashSet<SellerId> = listing::Entity::find()
        .filter(listing::Column::State.eq(ListingState::Published))
        .select_only()
        .column(listing::Column::SellerId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let selling_here: Vec<SellerId> = order::Entity::find()
        .select_only()
        .column(order::Column::SellerId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let participants: HashMap<i64, String> = registry_participant::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.province_code))
        .collect();
    let own_province = participants
        .get(&own.participant_id)
        .cloned()
        .unwrap_or_default();
    let mut picked: Vec<seller::Model> = Vec::new();
    for s in seller::Entity::find()
        .filter(seller::Column::Id.is_not_in(selling_here))
        .filter(seller::Column::State.eq(SellerState::Active))
        .order_by_asc(seller::Column::Id)
        .all(db)
        .await?
    {
        let Some(code) = participants.get(&s.participant_id) else {
            continue;
        };
        if !on_sale.contains(&s.id)
            || *code == own_province
            || picked
                .iter()
                .any(|p| participants.get(&p.participant_id) == Some(code))
        {
            continue;
        }
        picked.push(s);
        if picked.len() == 5 {
            break;
        }
    }
    let verified = [
        ask("supermarket_chain", "WinMart", 300, "https://winmart.vn/"),
        ask(
            "ecommerce_platform",
            "Postmart",
            200,
            "https://postmart.vn/",
        ),
        ask(
            "export",
            "Xuất khẩu sang Nhật Bản",
            500,
            "https://www.trade.gov.vn/",
        ),
    ];
    let mut provinces = std::collections::HashSet::from([own_province]);
    for (shop, what) in picked.iter().zip(verified) {
        let d = declare(admin_user.id, shop.clone(), what).await?;
        channels::decide(db, &admin, d.pid, Verdict::Verify, "", site, now)
            .await
            .map_err(demo)?;
        if let Some(code) = participants.get(&shop.participant_id) {
            provinces.insert(code.clone());
        }
        seeded.verified += 1;
    }
    if let Some(shop) = picked.get(3) {
        let d = declare(
            admin_user.id,
            shop.clone(),
            ask(
                "convenience_chain",
                "Bách hoá Xanh",
                60,
                "https://www.bachhoaxanh.com/",
            ),
        )
        .await?;
        channels::decide(
            db,
            &admin,
            d.pid,
            Verdict::Reject,
            "Đường dẫn không cho thấy sản phẩm của cơ sở; đề nghị gửi hợp đồng hoặc hoá đơn.",
            site,
            now,
        )
        .await
        .map_err(demo)?;
        seeded.rejected += 1;
    }
    if let Some(shop) = picked.get(4) {
        // Verified 14 months ago: its twelve months are over.
        let then = now - Duration::days(425);
        let since = (today - Duration::days(500)).to_string();
        let d = channels::declare(
            db,
            admin_user.id,
            shop,
            Declaration {
                kind: "ecommerce_platform",
                channel_name: "Tiki",
                since: &since,
                evidence_url: "https://tiki.vn/",
                document: None,
            },
            vietnam_date(then),
            then,
        )
        .await
        .map_err(demo)?;
        channels::decide(db, &admin, d.pid, Verdict::Verify, "", site, then)
            .await
            .map_err(demo)?;
        seeded.expired += 1;
    }
    seeded.provinces = provinces.len();
    Ok(seeded)
}

/// A 640×480 JPEG drawn pixel by pixel (demo pictures are drawn here, not copied).
fn drawn_jpeg(pixel: impl Fn(u32, u32) -> [u8; 3]) -> anyhow::Result<Vec<u8>> {
    crate::pictures::encode(&image::RgbImage::from_fn(
        crate::pictures::WIDTH,
        crate::pictures::HEIGHT,
        |x, y| image::Rgb(pixel(x, y)),
    ))
}

/// The demo seller's producer page: its story in both languages and a photo of its tea hills.
async fn seed_producer_page(
    db: &DatabaseConnection,
    media: &std::sync::Arc<dyn ocop_village::media::store::MediaStore>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::selling::producer;

    let principal = Principal::load(db, demo_user(db, "nguoiban@ocop.demo").await?).await?;
    let seller_id = *principal
        .seller_ids()
        .first()
        .context("the demo seller account belongs to a seller")?;
    if !producer::photos(db, seller_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .is_empty()
    {
        return Ok(());
    }
    producer::save_story(
        db,
        &principal,
        seller_id,
        "Chúng tôi là những hộ trồng chè trên đồi, hái búp bằng tay vào sáng sớm và sao trên chảo gang như ông bà vẫn làm.\n\nMỗi mẻ chè được nếm thử trước khi đóng gói; sản phẩm được công nhận OCOP và bán khắp cả nước qua OCOP Village.",
        "We are tea-growing families on the hills: we pick the buds by hand early in the morning and roast them in cast-iron pans the way our grandparents did.\n\nEvery batch is tasted before it is packed; our products are OCOP-certified and sold across the country through OCOP Village.",
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo producer story: {e}"))?;
    // Green tea rows on a hill under a pale sky.
    let jpeg = drawn_jpeg(|x, y| {
        let hill = 200 + ((x as f32 / 90.0).sin() * 30.0) as u32;
        if y < hill {
            [205, 225, 240]
        } else if (y + x / 6) % 24 < 12 {
            [60, 130, 60]
        } else {
            [90, 160, 80]
        }
    })?;
    producer::add_photo(db, media, &principal, seller_id, jpeg, now)
        .await
        .map_err(|e| anyhow::anyhow!("the demo producer photo: {e}"))?;
    Ok(())
}

/// The shopper asks to return the delivered order `o` (its box arrived crushed), with a
/// photo through the photo pipeline: a return waiting for the demo seller's answer.
async fn demo_return(
    db: &DatabaseConnection,
    media: &std::sync::Arc<dyn ocop_village::media::store::MediaStore>,
    placed: &ocop_village::db::entities::checkout::Model,
    o: &ocop_village::db::entities::order::Model,
    shopper: ocop_village::domain::ids::UserId,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use ocop_village::features::orders::refunds::ShopperAccount;
    use ocop_village::features::orders::returns::{self, ReturnAsk};

    let line = first_line(db, o).await?;
    // A brown box, crushed across, on a light table.
    let jpeg = drawn_jpeg(|x, y| {
        let in_box = (160..480).contains(&x) && (120..380).contains(&y);
        let crushed = in_box && x + y > 520 && x + y < 560;
        match (in_box, crushed) {
            (_, true) => [70, 45, 20],
            (true, false) => [150, 105, 60],
            _ => [235, 232, 225],
        }
    })?;
    let photo = ocop_village::media::ingest(media, jpeg)
        .await
        .map_err(|e| anyhow::anyhow!("the demo return photo: {e}"))?;
    let account = ShopperAccount::parse("970436", "0011009876543", "NGUYEN THI KHACH");
    returns::request(
        db,
        placed,
        &o.code,
        ReturnAsk {
            items: vec![(line.id, line.quantity)],
            reason: "Hộp bị bẹp, sản phẩm bên trong bị đổ.",
            account,
            photos: vec![photo],
        },
        Some(shopper),
        ocop_village::config::DEFAULT_RETURN_DAYS,
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo return: {e}"))?;
    Ok(())
}

/// A transfer refund of the demo order `pid` to the demo shopper's account (all that is left
/// when `amount` is `None`), made once (key `demo-refund-<n>`).
async fn refund_to_shopper(
    db: &DatabaseConnection,
    principal: &ocop_village::features::accounts::auth::Principal,
    pid: Uuid,
    amount: Option<Vnd>,
    reason: &str,
    n: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<ocop_village::db::entities::refund::Model> {
    use ocop_village::features::orders::refunds::{self, RefundAsk, ShopperAccount};
    let key = format!("demo-refund-{n}");
    let ask = RefundAsk {
        amount,
        reason,
        key: &key,
        account: ShopperAccount::parse("970415", "101020203030", "Nguyễn Thị Lan"),
    };
    refunds::request(db, None, principal, pid, &ask, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo refund: {e}"))
}

/// A demo account by its e-mail.
async fn demo_user(
    db: &DatabaseConnection,
    email: &'static str,
) -> anyhow::Result<ocop_village::db::entities::user::Model> {
    use ocop_village::db::entities::user;
    use sea_orm::{ColumnTrait, QueryFilter};
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .with_context(|| format!("demo account {email}"))
}

/// The demo shopper's delivery address (in Hà Nội).
fn demo_address(
    reference: &Reference,
    shopper: &ocop_village::db::entities::user::Model,
) -> anyhow::Result<ocop_village::features::cart::Address> {
    ocop_village::features::cart::Address::parse(
        reference,
        &shopper.display_name,
        &shopper.email,
        "0912 345 678",
        "ha-noi",
        "phường Hoàn Kiếm",
        "12 phố Hàng Bạc",
    )
    .map_err(|problems| anyhow::anyhow!("the demo address is invalid: {problems:?}"))
}

/// Two card payments the platform collected for the demo seller (Stripe's fee at 3.4 %): one
/// last month, settled and paid out, and one this month, still open; made once (keys
/// `demo-card-…`).
async fn seed_card_sales(
    db: &DatabaseConnection,
    reference: &Reference,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait};

    use ocop_village::db::entities::{checkout, order};
    use ocop_village::domain::ledger::{Period, Rates};
    use ocop_village::domain::orders::PaymentMethod;
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::cart::{self, Placement};
    use ocop_village::features::orders::{self, PaidBy, ledger};

    let made = checkout::Entity::find()
        .filter(checkout::Column::IdempotencyKey.starts_with("demo-card-"))
        .count(db)
        .await?;
    if made > 0 {
        return Ok(0);
    }
    let shopper = demo_user(db, "khach@ocop.demo").await?;
    let principal = Principal::load(db, demo_user(db, "nguoiban@ocop.demo").await?).await?;
    let seller_id = *principal
        .seller_ids()
        .first()
        .context("the demo seller account belongs to a seller")?;
    let Some(product) = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(seller_id))
        .filter(listing::Column::State.eq(ListingState::Published))
        .filter(listing::Column::Stock.gte(10))
        .order_by_asc(listing::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let address = demo_address(reference, &shopper)?;
    let carriers = Endpoints::new(None, None);
    let rates = Rates {
        commission_bps: 0,
        stripe_fee_bps: 340,
    };
    let last_month = Period::of(now).previous();
    // Late on last month's last day: its certificate was valid then as it is now.
    let (_, month_start) = last_month.bounds();
    for (n, when) in [(0, month_start - Duration::hours(2)), (1, now)] {
        let cart = cart::find_cart(db, None, Some(shopper.id), true, when)
            .await?
            .context("a cart")?;
        cart::add_to_cart(db, cart.id, product.pid, 0, 2, when)
            .await
            .map_err(|e| anyhow::anyhow!("demo card cart: {e}"))?;
        let key = format!("demo-card-{n}");
        let placed = cart::place(
            db,
            &Placement {
                cart_id: cart.id,
                user_id: Some(shopper.id),
                address: &address,
                method: PaymentMethod::Stripe,
                idempotency_key: &key,
                lang: ocop_village::i18n::Lang::Vi,
                site: "http://127.0.0.1:8080",
                from_show: None,
                pickup_outlet: None,
                reference,
                carriers: &carriers,
                invoice: None,
            },
            when,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo card checkout: {e:?}"))?;
        let placed_orders = order::Entity::find()
            .filter(order::Column::CheckoutId.eq(placed.id))
            .all(db)
            .await?;
        let txn = db.begin().await?;
        orders::record_payment(&txn, &placed_orders, PaidBy::Stripe(rates), when).await?;
        txn.commit().await?;
    }
    ledger::settle(db, last_month, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo settlement: {e}"))?;
    for (payout, _) in ledger::payouts(db, last_month).await? {
        ledger::mark_paid(db, payout.pid, None, now).await?;
    }
    Ok(2)
}

/// A year of completed sales for the indicator and the sales pages: about three in five
/// sellers (chosen by a hash of their slug, so always the same ones) sold one to four orders,
/// each placed, confirmed, shipped and delivered through the order code at a time in the past
/// eleven months; the demo seller sold one every month. Made once (keys `demo-history-…`).
async fn seed_sales_history(
    db: &DatabaseConnection,
    reference: &Reference,
    now: DateTime<Utc>,
) -> anyhow::Result<(usize, usize)> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder};

    use ocop_village::db::entities::{checkout, order, seller, user};
    use ocop_village::domain::orders::PaymentMethod;
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::cart::{self, Address, Placement};
    use ocop_village::features::orders::{self, Actor, Step};

    let made = checkout::Entity::find()
        .filter(checkout::Column::IdempotencyKey.starts_with("demo-history-"))
        .count(db)
        .await?;
    if made > 0 {
        return Ok((0, 0));
    }
    let carriers = Endpoints::new(None, None);
    let demo_seller = match user::Entity::find()
        .filter(user::Column::Email.eq("nguoiban@ocop.demo"))
        .one(db)
        .await?
    {
        Some(u) => Principal::load(db, u).await?.seller_ids().first().copied(),
        None => None,
    };
    let address = Address::parse(
        reference,
        "Trần Văn Minh",
        HISTORY_BUYER,
        "0987 654 321",
        "ho-chi-minh",
        "phường Bến Thành",
        "45 Lê Lợi",
    )
    .map_err(|problems| anyhow::anyhow!("the demo address is invalid: {problems:?}"))?;
    let sellers = seller::Entity::find()
        .filter(seller::Column::State.eq(SellerState::Active))
        .order_by_asc(seller::Column::Id)
        .all(db)
        .await?;
    let mut orders_made = 0;
    let mut participants = 0;
    for s in &sellers {
        let h = fnv1a(s.slug.as_bytes());
        let demo = Some(s.id) == demo_seller;
        let count = if demo {
            11
        } else if h % 5 < 3 {
            1 + (h >> 8) as usize % 4
        } else {
            continue;
        };
        let products = listing::Entity::find()
            .filter(listing::Column::SellerId.eq(s.id))
            .filter(listing::Column::State.eq(ListingState::Published))
            .filter(listing::Column::Stock.gte(10))
            .order_by_asc(listing::Column::Id)
            .all(db)
            .await?;
        if products.is_empty() {
            continue;
        }
        let mut sold = false;
        for k in 0..count {
            // Spread over the past 330 days; the demo seller once a month.
            let days = if demo {
                15 + 30 * k as i64
            } else {
                ((h >> (12 + 4 * k)) % 330) as i64 + 1
            };
            let placed_at = now - Duration::days(days);
            let product = &products[(h as usize + k) % products.len()];
            let cart = cart::find_cart(db, None, None, true, placed_at)
                .await?
                .context("a cart")?;
            let quantity = 1 + ((h >> (20 + k)) % 3) as i32;
            if cart::add_to_cart(db, cart.id, product.pid, 0, quantity, placed_at)
                .await
                .is_err()
            {
                continue;
            }
            let key = format!("demo-history-{}-{k}", s.id);
            let Ok(placed) = cart::place(
                db,
                &Placement {
                    cart_id: cart.id,
                    user_id: None,
                    address: &address,
                    method: PaymentMethod::CashOnDelivery,
                    idempotency_key: &key,
                    lang: ocop_village::i18n::Lang::Vi,
                    site: "http://127.0.0.1:8080",
                    from_show: None,
                    pickup_outlet: None,
                    reference,
                    carriers: &carriers,
                    invoice: None,
                },
                placed_at,
            )
            .await
            else {
                // A certificate that was not valid then: no sale.
                continue;
            };
            let pid = order::Entity::find()
                .filter(order::Column::CheckoutId.eq(placed.id))
                .one(db)
                .await?
                .context("the history order")?
                .pid;
            let steps = [
                (Step::Confirm, 0),
                (
                    Step::Ship {
                        carrier: "Viettel Post".into(),
                        tracking_no: format!("VTP{}{k}", s.id),
                    },
                    1,
                ),
                (Step::Deliver, 3),
            ];
            for (step, after) in steps {
                orders::advance(
                    db,
                    Actor::System,
                    pid,
                    step,
                    placed_at + Duration::days(after),
                )
                .await
                .map_err(|e| anyhow::anyhow!("demo history step: {e}"))?;
            }
            orders_made += 1;
            sold = true;
        }
        participants += usize::from(sold);
    }
    // The history is in the past: its order e-mails are not sent.
    ocop_village::db::entities::outbox::Entity::delete_many()
        .filter(
            ocop_village::db::entities::outbox::Column::Topic
                .eq(ocop_village::jobs::outbox::MAIL_SEND),
        )
        .filter(ocop_village::db::entities::outbox::Column::Payload.contains(HISTORY_BUYER))
        .filter(ocop_village::db::entities::outbox::Column::DoneAt.is_null())
        .exec(db)
        .await?;
    Ok((orders_made, participants))
}

/// The buyer of the demo sales history.
const HISTORY_BUYER: &str = "lich-su@ocop.demo";

/// The demo codes: the demo seller's (10 % off its products, at most 50,000 đồng, from
/// 200,000), a live-only code on its show (30,000 off), the demo outlet's (15 % off its shelf
/// when collected there) and the programme's Tết campaign (5 % off everything from 300,000,
/// at most 100,000; 1,000 uses, 2 per shopper). Codes already there are left as they are.
async fn seed_vouchers(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    live_show: Option<ShowId>,
) -> anyhow::Result<Vec<String>> {
    use ocop_village::domain::time::vietnam_local_value;
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::offers::{self, Draft, Issuer, VoucherError};
    use ocop_village::features::outlets;

    let account = |email: &'static str| async move {
        Ok::<_, anyhow::Error>(Principal::load(db, demo_user(db, email).await?).await?)
    };
    let seller = account("nguoiban@ocop.demo").await?;
    let seller_id = *seller
        .seller_ids()
        .first()
        .context("the demo seller account belongs to a seller")?;
    let outlet = account("diemban@ocop.demo").await?;
    let outlet_id = outlets::operated_by(db, &outlet)
        .await?
        .first()
        .map(|o| o.id)
        .context("the demo outlet")?;
    let admin = account("quantri@ocop.demo").await?;
    let window = |days_before: i64, days_after: i64| {
        (
            vietnam_local_value(now - Duration::days(days_before)),
            vietnam_local_value(now + Duration::days(days_after)),
        )
    };
    let draft = |code: &str, title: &str, kind: &str, value: &str, max: &str, min: &str| {
        let (starts, ends) = window(1, 60);
        Draft {
            code: code.into(),
            title: title.into(),
            kind: kind.into(),
            value: value.into(),
            max_discount: max.into(),
            min_spend: min.into(),
            starts,
            ends,
            ..Draft::default()
        }
    };
    let mut live = draft(
        "LIVE30K",
        "Quà cho người xem livestream",
        "amount",
        "30000",
        "",
        "",
    );
    live.live_show = live_show.map(|s| s.to_string()).unwrap_or_default();
    live.per_shopper_cap = "1".into();
    let mut tet = draft(
        "TET2027",
        "Tết Đinh Mùi 2027: giảm 5% mọi sản phẩm OCOP",
        "percent",
        "5",
        "100000",
        "300000",
    );
    tet.total_cap = "1000".into();
    tet.per_shopper_cap = "2".into();
    let mut codes = vec![(
        Issuer::Seller(seller_id),
        seller.user.id,
        draft(
            "GIAM10",
            "Giảm 10% sản phẩm của cơ sở",
            "percent",
            "10",
            "50000",
            "200000",
        ),
    )];
    if live_show.is_some() {
        codes.push((Issuer::Seller(seller_id), seller.user.id, live));
    }
    codes.push((
        Issuer::Outlet(outlet_id),
        outlet.user.id,
        draft(
            "DIEMBAN15",
            "Giảm 15% khi nhận tại điểm bán",
            "percent",
            "15",
            "",
            "",
        ),
    ));
    codes.push((Issuer::Programme, admin.user.id, tet));
    let mut made = Vec::new();
    for (issuer, by, draft) in codes {
        match offers::create(db, issuer, &draft, Some(by), now).await {
            Ok(v) => made.push(v.code),
            Err(VoucherError::CodeTaken) => made.push(draft.code.clone()),
            Err(e) => anyhow::bail!("demo voucher {}: {e}", draft.code),
        }
    }
    Ok(made)
}

/// Three pack sizes for one honey (another seller's than the demo seller's, whose demo
/// orders buy its products whole): a 200 g jar, a 500 g jar and a gift box of two, with their
/// own prices, stock and weights. Left alone once any listing has pack sizes.
async fn seed_pack_sizes(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    use ocop_village::db::entities::{listing_variant, user};
    use ocop_village::features::selling::variants::{self, VariantInput};
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder};

    if listing_variant::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let demo_seller = user::Entity::find()
        .filter(user::Column::Email.eq("nguoiban@ocop.demo"))
        .one(db)
        .await?
        .context("the demo seller account")?;
    let demo_seller = ocop_village::features::accounts::auth::Principal::load(db, demo_seller)
        .await?
        .seller_ids();
    let honey = listing::Entity::find()
        .filter(listing::Column::State.eq(ListingState::Published))
        .filter(listing::Column::Stock.gt(0))
        .filter(listing::Column::Slug.starts_with("mat-ong"))
        .filter(listing::Column::SellerId.is_not_in(demo_seller))
        .order_by_asc(listing::Column::Id)
        .one(db)
        .await?;
    let Some(honey) = honey else {
        return Ok(None);
    };
    let price = honey.price_vnd.dong();
    let round = |v: i64| Vnd::new((v / 1_000).max(1) * 1_000);
    let sizes = [
        ("Hũ 200 g", round(price * 45 / 100), 30, 250),
        ("Hũ 500 g", round(price), 20, 600),
        ("Hộp quà 2 hũ 500 g", round(price * 2 * 9 / 10), 10, 1_400),
    ];
    let inputs: Vec<VariantInput> = sizes
        .iter()
        .map(|(label, price, stock, grams)| VariantInput {
            label: (*label).into(),
            price_vnd: *price,
            stock: Some(*stock),
            stock_delta: None,
            weight_grams: Some(*grams),
            photo_id: None,
        })
        .collect();
    let txn = ocop_village::db::begin_write(db).await?;
    variants::save(&txn, &honey, &inputs, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo pack sizes: {e:?}"))?;
    outbox::enqueue_listing_sync(&txn, [honey.id], now).await?;
    txn.commit().await?;
    Ok(Some(honey.slug))
}

/// The demo outlet's gift combo: three products of its province from three producers, in
/// stock, priced a tenth below buying them one by one, with a drawn picture. Left alone once
/// any combo exists.
async fn seed_gift_combo(
    db: &DatabaseConnection,
    reference: &Reference,
    media: &std::sync::Arc<dyn ocop_village::media::store::MediaStore>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    use ocop_village::db::entities::combo;
    use ocop_village::features::accounts::auth::Principal;
    use ocop_village::features::offers::Issuer;
    use ocop_village::features::offers::combos::{self, Draft, Photo};
    use ocop_village::features::outlets;
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};

    if combo::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let principal = Principal::load(db, demo_user(db, "diemban@ocop.demo").await?).await?;
    let Some(shop) = outlets::operated_by(db, &principal)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let issuer = Issuer::Outlet(shop.id);
    let mut sellers = std::collections::HashSet::new();
    let parts: Vec<_> = combos::candidates(db, issuer, vietnam_date(now))
        .await?
        .into_iter()
        .filter(|c| c.stock >= 5 && sellers.insert(c.seller_name.clone()))
        .take(3)
        .collect();
    if parts.len() < 3 {
        return Ok(None);
    }
    let together: i64 = parts.iter().map(|c| c.price_vnd.dong()).sum();
    let subgroup = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::CertificateNo.eq(parts[0].certificate_no.clone()))
        .one(db)
        .await?
        .map_or_else(|| "tea".to_owned(), |c| c.subgroup_code);
    let processed = tokio::task::spawn_blocking(move || processed_picture(&subgroup))
        .await
        .context("drawing the gift combo's picture")??;
    let stored = ocop_village::media::store_processed(media, processed)
        .await
        .map_err(|e| anyhow::anyhow!("the gift combo's picture: {e}"))?;
    let draft = Draft {
        title: format!(
            "Hộp quà Tết {}",
            reference.province_label(&shop.province_code)
        ),
        description: "Ba sản phẩm OCOP của ba nhà sản xuất trong tỉnh, đóng hộp tại điểm bán."
            .into(),
        price: ((together * 9 / 10) / 1_000 * 1_000).to_string(),
        parts: parts.iter().map(|c| c.listing_id).collect(),
    };
    let photo = Photo {
        digest: stored.digest,
        widths: stored.widths,
    };
    let made = combos::create(
        db,
        issuer,
        &draft,
        Some(photo),
        Some(principal.user.id),
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo gift combo: {e}"))?;
    Ok(Some(made.slug))
}

#[cfg(test)]
mod tests {
    use super::DemoListing;

    #[test]
    fn demo_prices_are_whole_thousands_in_the_subgroup_range() {
        for n in 0..200 {
            let demo = DemoListing::for_certificate(&format!("OCOP-X-{n}"), "tea");
            assert!(
                (80_000..=450_000).contains(&demo.price_vnd),
                "{}",
                demo.price_vnd
            );
            assert_eq!(demo.price_vnd % 5_000, 0);
            assert!((0..=200).contains(&demo.stock));
        }
    }
}
