//! Provincial OCOP outlets (the province's official introduction-and-sale point). Staff of an
//! outlet curate products from their province's listings, keep the stock the outlet holds on
//! consignment, record sales at the counter and read the outlet's reports; the outlet's public
//! storefront shows its curated products with its own name and colour. Every function checks
//! that the principal operates this outlet (staff of another outlet get NotFound).
//!
//! A counter sale is one transaction: the outlet's stock is taken with a conditional update,
//! and a checkout (channel `outlet`, the outlet's id), one delivered and paid order of the
//! product's seller, its item and its history are written; it counts as that seller's sale in
//! the outlet channel.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, SqlErr,
};
use uuid::Uuid;

use crate::db::entities::{
    checkout, listing, order, order_event, order_item, outlet, outlet_invitation, outlet_listing,
    registry_certificate,
};
use crate::domain::ids::{ListingId, OutletId, SellerId, UserId};
use crate::domain::money::Vnd;
use crate::domain::states::{OrderState, PaymentState};
use crate::domain::time::vietnam_date;
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::features::catalog::queries::visible_cards;

/// Stock at or below this shows as running low.
pub const LOW_STOCK: i32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum OutletError {
    NotFound,
    NotInProvince,
    NotCarried,
    NotEnoughStock {
        left: i32,
    },
    StillHeld {
        left: i32,
    },
    BadQuantity,
    BadPrice,
    BadPayment,
    BadProfile(&'static str),
    /// The commune is not one of the province's (the message names the likely ones).
    BadCommune(String),
    Photo(#[from] crate::media::PhotoError),
    Store(String),
    Database(#[from] DbErr),
}

/// The text shown to the person who asked, in the current language; a failure of the
/// database or a store describes itself for the log (routes show the error page instead).
impl std::fmt::Display for OutletError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = {
            use crate::i18n::{tr, tr_with};
            match self {
                Self::NotInProvince => tr("outlet.error.not_in_province"),
                Self::NotCarried => tr("outlet.error.not_carried"),
                Self::NotEnoughStock { left } => {
                    tr_with("outlet.error.not_enough", &[("left", left)])
                }
                Self::StillHeld { left } => tr_with("outlet.error.still_held", &[("left", left)]),
                Self::BadQuantity => tr("outlet.error.quantity"),
                Self::BadPrice => tr("outlet.error.price"),
                Self::BadPayment => tr("outlet.error.payment"),
                Self::BadProfile(field) => tr(&format!("outlet.error.{field}")),
                Self::BadCommune(why) => why.clone(),
                Self::Photo(e) => e.to_string(),
                Self::NotFound => tr("error.not_found"),
                Self::Store(why) => format!("media store: {why}"),
                Self::Database(e) => e.to_string(),
            }
        };
        f.write_str(&text)
    }
}

/// How a counter customer pays.
pub const COUNTER_PAYMENTS: [&str; 3] = ["cash", "card", "transfer"];

/// Creates a province's outlet (administrators, from `/officer/outlets` or the command line,
/// where `actor` is `None`). Audited.
pub async fn create(
    db: &DatabaseConnection,
    actor: Option<UserId>,
    reference: &crate::domain::reference::Reference,
    slug: &str,
    province: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<outlet::Model, OutletError> {
    let slug = slug.trim();
    if !crate::domain::text::is_slug(slug) {
        return Err(OutletError::BadProfile("slug"));
    }
    let province = reference
        .resolve_province(province)
        .ok_or(OutletError::BadProfile("province"))?
        .code
        .clone();
    let name = name.trim();
    if !(3..=120).contains(&name.chars().count()) {
        return Err(OutletError::BadProfile("name"));
    }
    let txn = crate::db::begin_write(db).await?;
    let created = outlet::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        province_code: Set(province.clone()),
        created_at: Set(now),
        tagline: Set(String::new()),
        address: Set(String::new()),
        opening_hours: Set(String::new()),
        map_url: Set(None),
        color: Set("#1d6b3a".into()),
        logo_key: Set(None),
        logo_variants: Set(String::new()),
        banner_key: Set(None),
        banner_variants: Set(String::new()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => OutletError::BadProfile("slug_taken"),
        _ => e.into(),
    })?;
    crate::audit::record(
        &txn,
        crate::audit::Entry {
            actor,
            action: "outlet.created",
            subject_type: "outlet",
            subject_id: created.slug.clone(),
            province_code: Some(&province),
            reason: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The outlet `id`, if `principal` runs it.
pub async fn find_operated(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: OutletId,
) -> Result<outlet::Model, OutletError> {
    if !principal.can(Action::OperateOutlet, &Scope::Outlet(id)) {
        return Err(OutletError::NotFound);
    }
    outlet::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(OutletError::NotFound)
}

/// The outlets `principal` staffs.
pub async fn operated_by(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<Vec<outlet::Model>, DbErr> {
    let all = outlet::Entity::find()
        .order_by_asc(outlet::Column::Name)
        .all(db)
        .await?;
    Ok(all
        .into_iter()
        .filter(|o| principal.can(Action::OperateOutlet, &Scope::Outlet(o.id)))
        .collect())
}

/// The public profile staff can change.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct Profile {
    pub tagline: String,
    pub address: String,
    /// The outlet's commune on the 2025 map (empty: not given yet).
    #[serde(default)]
    pub commune: String,
    pub opening_hours: String,
    pub map_url: String,
    pub color: String,
}

impl Profile {
    fn validate(&self) -> Result<(), OutletError> {
        let long = |s: &str, max: usize| s.trim().chars().count() > max;
        if long(&self.tagline, 160) {
            return Err(OutletError::BadProfile("tagline"));
        }
        if long(&self.address, 200) {
            return Err(OutletError::BadProfile("address"));
        }
        if long(&self.opening_hours, 120) {
            return Err(OutletError::BadProfile("hours"));
        }
        let map = self.map_url.trim();
        let map_ok = map.is_empty() || (map.starts_with("https://") && map.len() <= 500);
        if !map_ok {
            return Err(OutletError::BadProfile("map"));
        }
        // A colour goes into a style attribute: only `#rrggbb`.
        let c = self.color.trim();
        if !(c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(OutletError::BadProfile("color"));
        }
        Ok(())
    }
}

pub async fn save_profile(
    db: &DatabaseConnection,
    reference: &crate::domain::reference::Reference,
    principal: &Principal,
    outlet_id: OutletId,
    profile: &Profile,
) -> Result<outlet::Model, OutletError> {
    let found = find_operated(db, principal, outlet_id).await?;
    profile.validate()?;
    let commune = match profile.commune.trim() {
        "" => None,
        raw => Some(
            crate::features::shipping::resolve_commune(reference, &found.province_code, raw)
                .map_err(OutletError::BadCommune)?,
        ),
    };
    let mut changed = found.into_active_model();
    changed.commune = Set(commune);
    changed.tagline = Set(profile.tagline.trim().to_owned());
    changed.address = Set(profile.address.trim().to_owned());
    changed.opening_hours = Set(profile.opening_hours.trim().to_owned());
    let map = profile.map_url.trim();
    changed.map_url = Set((!map.is_empty()).then(|| map.to_owned()));
    changed.color = Set(profile.color.trim().to_ascii_lowercase());
    Ok(changed.update(db).await?)
}

/// Adds a listing of the outlet's province to what it carries (no stock yet).
pub async fn carry(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: OutletId,
    listing_pid: Uuid,
    now: DateTime<Utc>,
) -> Result<(), OutletError> {
    let shop = find_operated(db, principal, outlet_id).await?;
    let found = listing::Entity::find()
        .filter(listing::Column::Pid.eq(listing_pid))
        .one(db)
        .await?
        .ok_or(OutletError::NotInProvince)?;
    let visible = visible_cards(db, vietnam_date(now), &[found.id]).await?;
    if visible
        .first()
        .is_none_or(|card| card.province_code != shop.province_code)
    {
        return Err(OutletError::NotInProvince);
    }
    let txn = crate::db::begin_write(db).await?;
    let inserted = outlet_listing::ActiveModel {
        outlet_id: Set(shop.id),
        listing_id: Set(found.id),
        stock: Set(0),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        // Already carried.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    // The outlet's storefront search finds the product once its document names the outlet.
    crate::jobs::outbox::enqueue_listing_sync(&txn, [found.id], now).await?;
    txn.commit().await?;
    Ok(())
}

/// Stops carrying a product; refused while the outlet still holds units of it (they go back
/// to the seller first).
pub async fn uncarry(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: OutletId,
    listing_pid: Uuid,
    now: DateTime<Utc>,
) -> Result<(), OutletError> {
    let shop = find_operated(db, principal, outlet_id).await?;
    let txn = crate::db::begin_write(db).await?;
    let carried = carried_row(&txn, shop.id, listing_pid).await?;
    let removed = outlet_listing::Entity::delete_many()
        .filter(outlet_listing::Column::Id.eq(carried.id))
        .filter(outlet_listing::Column::Stock.eq(0))
        .exec(&txn)
        .await?;
    if removed.rows_affected != 1 {
        return Err(OutletError::StillHeld {
            left: carried.stock,
        });
    }
    crate::jobs::outbox::enqueue_listing_sync(&txn, [carried.listing_id], now).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets the units the outlet holds of a product it carries (a consignment count).
pub async fn set_stock(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: OutletId,
    listing_pid: Uuid,
    change: StockChange,
) -> Result<(), OutletError> {
    let shop = find_operated(db, principal, outlet_id).await?;
    let carried = carried_row(db, shop.id, listing_pid).await?;
    // One conditional statement: a pick-up or counter sale committed meanwhile is kept.
    let (value, within) = match change {
        StockChange::To(n) => (Expr::value(n), None),
        StockChange::By(0) => return Ok(()),
        StockChange::By(d) => (Expr::col(outlet_listing::Column::Stock).add(d), Some(d)),
    };
    if let StockChange::To(n) = change
        && !(0..=100_000).contains(&n)
    {
        return Err(OutletError::BadQuantity);
    }
    let mut update = outlet_listing::Entity::update_many()
        .col_expr(outlet_listing::Column::Stock, value)
        .filter(outlet_listing::Column::Id.eq(carried.id));
    if let Some(d) = within {
        update = update
            .filter(outlet_listing::Column::Stock.gte(-d))
            .filter(outlet_listing::Column::Stock.lte(100_000 - d));
    }
    if update.exec(db).await?.rows_affected == 0 {
        return Err(OutletError::BadQuantity);
    }
    Ok(())
}

/// A change to the units an outlet holds of a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockChange {
    /// The shelf holds this many (a count).
    To(i32),
    /// This many more (negative: fewer) than now: a delivery, or a broken jar.
    By(i32),
}

async fn carried_row(
    db: &impl ConnectionTrait,
    outlet_id: OutletId,
    listing_pid: Uuid,
) -> Result<outlet_listing::Model, OutletError> {
    let found = listing::Entity::find()
        .filter(listing::Column::Pid.eq(listing_pid))
        .one(db)
        .await?
        .ok_or(OutletError::NotCarried)?;
    outlet_listing::Entity::find()
        .filter(outlet_listing::Column::OutletId.eq(outlet_id))
        .filter(outlet_listing::Column::ListingId.eq(found.id))
        .one(db)
        .await?
        .ok_or(OutletError::NotCarried)
}

/// A sale at the counter.
#[derive(Clone, Debug)]
pub struct CounterSale {
    pub listing_pid: Uuid,
    pub quantity: i32,
    /// The price charged per unit, in đồng (the outlet may differ from the web price).
    pub unit_price_vnd: Vnd,
    pub payment: String,
    /// One per sale form: a double submit records one sale.
    pub idempotency_key: String,
}

/// Records a counter sale; returns the checkout (reference) it made.
pub async fn record_sale(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: OutletId,
    sale: &CounterSale,
    now: DateTime<Utc>,
) -> Result<checkout::Model, OutletError> {
    let shop = find_operated(db, principal, outlet_id).await?;
    if !(1..=999).contains(&sale.quantity) {
        return Err(OutletError::BadQuantity);
    }
    if !(Vnd::new(1)..=Vnd::new(1_000_000_000)).contains(&sale.unit_price_vnd) {
        return Err(OutletError::BadPrice);
    }
    if !COUNTER_PAYMENTS.contains(&sale.payment.as_str()) {
        return Err(OutletError::BadPayment);
    }
    let txn = crate::db::begin_write(db).await?;
    if let Some(done) = checkout::Entity::find()
        .filter(checkout::Column::IdempotencyKey.eq(sale.idempotency_key.as_str()))
        .one(&txn)
        .await?
    {
        txn.rollback().await?;
        return Ok(done);
    }
    let carried = carried_row(&txn, shop.id, sale.listing_pid).await?;
    // Only certified products on sale: a certificate that lapsed stops counter sales too.
    if visible_cards(&txn, vietnam_date(now), &[carried.listing_id])
        .await?
        .is_empty()
    {
        return Err(OutletError::NotInProvince);
    }
    let taken = outlet_listing::Entity::update_many()
        .col_expr(
            outlet_listing::Column::Stock,
            Expr::col(outlet_listing::Column::Stock).sub(sale.quantity),
        )
        .filter(outlet_listing::Column::Id.eq(carried.id))
        .filter(outlet_listing::Column::Stock.gte(sale.quantity))
        .exec(&txn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(OutletError::NotEnoughStock {
            left: carried.stock,
        });
    }
    let item = listing::Entity::find_by_id(carried.listing_id)
        .one(&txn)
        .await?
        .ok_or(OutletError::NotCarried)?;
    let cert = registry_certificate::Entity::find_by_id(item.certificate_id)
        .one(&txn)
        .await?
        .ok_or(OutletError::NotCarried)?;
    let total = sale.unit_price_vnd * i64::from(sale.quantity);
    let reference = crate::features::cart::new_reference();
    let placed = checkout::ActiveModel {
        reference: Set(reference.clone()),
        idempotency_key: Set(sale.idempotency_key.clone()),
        user_id: Set(None),
        email: Set(String::new()),
        name: Set(crate::i18n::lookup(
            crate::i18n::Lang::Vi,
            "outlet.counter_customer",
        )),
        phone: Set(String::new()),
        province_code: Set(shop.province_code.clone()),
        commune: Set(String::new()),
        street: Set(shop.address.clone()),
        payment_method: Set(format!("counter_{}", sale.payment)),
        channel: Set(
            crate::domain::orders::Channel::Outlet { outlet_id: shop.id }
                .as_str()
                .to_owned(),
        ),
        live_show_id: Set(None),
        total_vnd: Set(total),
        tracking_token: Set(Uuid::new_v4()),
        created_at: Set(now),
        lang: Set("vi".into()),
        expires_at: Set(None),
        stripe_session_id: Set(None),
        site: Set(String::new()),
        outlet_id: Set(Some(shop.id)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let sold = order::ActiveModel {
        pid: Set(Uuid::new_v4()),
        code: Set(format!("{reference}-1")),
        checkout_id: Set(placed.id),
        seller_id: Set(item.seller_id),
        state: Set(OrderState::Delivered),
        payment_state: Set(PaymentState::Paid),
        subtotal_vnd: Set(total),
        // Sold over the counter: nothing to deliver.
        shipping_vnd: Set(Vnd::ZERO),
        shipping_service: Set("pickup".into()),
        carrier: Set(None),
        tracking_no: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        paid_at: Set(Some(now)),
        reason: Set(None),
        completed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    order_item::ActiveModel {
        order_id: Set(sold.id),
        listing_id: Set(item.id),
        title: Set(cert.product_name_vi.clone()),
        certificate_no: Set(cert.certificate_no.clone()),
        unit: Set(item.unit.clone()),
        unit_price_vnd: Set(sale.unit_price_vnd),
        quantity: Set(sale.quantity),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    order_event::ActiveModel {
        order_id: Set(sold.id),
        state: Set(OrderState::Delivered.as_str().to_owned()),
        note: Set(Some(format!("@counter:{}", shop.slug))),
        actor_user_id: Set(Some(principal.user.id)),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::features::orders::completion::note_completion(&txn, sold.id, now).await?;
    txn.commit().await?;
    Ok(placed)
}

/// Which picture of the outlet an upload replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// Shown small beside the name (the 320 px size).
    Logo,
    /// Across the top of the storefront (every size, by `srcset`).
    Banner,
}

impl ImageKind {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "logo" => Some(Self::Logo),
            "banner" => Some(Self::Banner),
            _ => None,
        }
    }
}

/// Replaces the outlet's logo or banner with an uploaded picture (checked, re-encoded and
/// resized like product photos; the files are written before the row points at them).
pub async fn set_image(
    db: &DatabaseConnection,
    store: &std::sync::Arc<dyn crate::media::store::MediaStore>,
    principal: &Principal,
    outlet_id: OutletId,
    kind: ImageKind,
    bytes: Vec<u8>,
) -> Result<outlet::Model, OutletError> {
    let shop = find_operated(db, principal, outlet_id).await?;
    let stored = crate::media::ingest(store, bytes)
        .await
        .map_err(|e| match e {
            crate::media::IngestError::Photo(e) => OutletError::Photo(e),
            crate::media::IngestError::Store(e) => OutletError::Store(e),
        })?;
    let widths: Vec<String> = stored.widths.iter().map(u32::to_string).collect();
    let mut changed = shop.into_active_model();
    match kind {
        ImageKind::Logo => {
            changed.logo_key = Set(Some(stored.digest));
            changed.logo_variants = Set(widths.join(","));
        }
        ImageKind::Banner => {
            changed.banner_key = Set(Some(stored.digest));
            changed.banner_variants = Set(widths.join(","));
        }
    }
    Ok(changed.update(db).await?)
}

/// The URLs of an outlet's pictures, for the storefront.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Images {
    pub logo_url: Option<String>,
    pub banner_url: Option<String>,
    pub banner_srcset: Option<String>,
}

impl Images {
    pub fn of(shop: &outlet::Model) -> Self {
        use crate::media::key;
        let widths =
            |csv: &str| -> Vec<u32> { csv.split(',').filter_map(|w| w.parse().ok()).collect() };
        let url = |digest: &str, size: Option<u32>| format!("/media/{}", key(digest, size));
        let logo_url = shop.logo_key.as_deref().map(|digest| {
            let small = widths(&shop.logo_variants).first().copied();
            url(digest, small)
        });
        let (banner_url, banner_srcset) = match shop.banner_key.as_deref() {
            Some(digest) => {
                // A picture narrower than every variant width has no variants: the full one.
                let sizes = widths(&shop.banner_variants);
                let shown = sizes
                    .iter()
                    .copied()
                    .find(|w| *w >= 800)
                    .or(sizes.last().copied());
                let srcset: Vec<String> = sizes
                    .iter()
                    .map(|w| format!("{} {w}w", url(digest, Some(*w))))
                    .collect();
                (
                    Some(url(digest, shown)),
                    (!srcset.is_empty()).then(|| srcset.join(", ")),
                )
            }
            None => (None, None),
        };
        Self {
            logo_url,
            banner_url,
            banner_srcset,
        }
    }
}

/// How long an invitation to staff an outlet can be accepted.
pub const INVITATION_DAYS: i64 = 7;

/// Invites `email` to staff the outlet (administrators only): a one-time link is mailed; the
/// account with that e-mail accepts it, signed in. Audited.
pub async fn invite(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: OutletId,
    email: &str,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<(), OutletError> {
    if !principal.can(Action::Administer, &Scope::Platform) {
        return Err(OutletError::NotFound);
    }
    let shop = outlet::Entity::find_by_id(outlet_id)
        .one(db)
        .await?
        .ok_or(OutletError::NotFound)?;
    let email = crate::domain::registry::parse_email(email.trim())
        .map_err(|_| OutletError::BadProfile("email"))?;
    let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let txn = crate::db::begin_write(db).await?;
    outlet_invitation::ActiveModel {
        outlet_id: Set(shop.id),
        email: Set(email.clone()),
        token_hash: Set(crate::domain::digest::sha256_hex(token.as_bytes())),
        invited_by: Set(Some(principal.user.id)),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::days(INVITATION_DAYS)),
        accepted_at: Set(None),
        accepted_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::mail::queue(
        &txn,
        "outlet_invitation",
        &email,
        &serde_json::json!({
            "outlet": shop.name,
            "inviter": principal.user.display_name,
            "days": INVITATION_DAYS,
            "link": format!("{base_url}/outlet/invitations/{token}"),
        }),
        now,
    )
    .await?;
    crate::audit::record(
        &txn,
        crate::audit::Entry {
            actor: Some(principal.user.id),
            action: "outlet.staff_invited",
            subject_type: "outlet",
            subject_id: shop.slug.clone(),
            province_code: Some(&shop.province_code),
            reason: Some(&email),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Why an invitation link cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvitationError {
    /// Unknown, used or expired.
    Invalid,
    /// For another e-mail address.
    OtherAddress,
    /// The address is not verified yet.
    Unverified,
}

/// What the person following the link reads, in the current language.
impl std::fmt::Display for InvitationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = match self {
            Self::Invalid => "outlet.invitation.invalid",
            Self::OtherAddress => "outlet.invitation.other_address",
            Self::Unverified => "outlet.invitation.unverified",
        };
        f.write_str(&crate::i18n::tr(key))
    }
}

/// An invitation that can still be accepted, and its outlet.
pub async fn open_invitation(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(outlet_invitation::Model, outlet::Model)>, DbErr> {
    let Some(found) = outlet_invitation::Entity::find()
        .filter(
            outlet_invitation::Column::TokenHash
                .eq(crate::domain::digest::sha256_hex(token.as_bytes())),
        )
        .one(db)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.expires_at > now)
    else {
        return Ok(None);
    };
    Ok(outlet::Entity::find_by_id(found.outlet_id)
        .one(db)
        .await?
        .map(|shop| (found, shop)))
}

/// Accepts an invitation: the signed-in user, whose verified e-mail it was sent to, becomes
/// staff of the outlet. One transaction; the link works once.
pub async fn accept_invitation(
    db: &DatabaseConnection,
    principal: &Principal,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<outlet::Model, InvitationError>, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let Some((invitation, shop)) = open_invitation(&txn, token, now).await? else {
        return Ok(Err(InvitationError::Invalid));
    };
    if invitation.email != principal.user.email.to_lowercase() {
        return Ok(Err(InvitationError::OtherAddress));
    }
    if principal.user.email_verified_at.is_none() {
        return Ok(Err(InvitationError::Unverified));
    }
    let used = outlet_invitation::Entity::update_many()
        .col_expr(outlet_invitation::Column::AcceptedAt, Expr::value(now))
        .col_expr(
            outlet_invitation::Column::AcceptedBy,
            Expr::value(principal.user.id),
        )
        .filter(outlet_invitation::Column::Id.eq(invitation.id))
        .filter(outlet_invitation::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Ok(Err(InvitationError::Invalid));
    }
    crate::features::accounts::auth::grant(
        &txn,
        principal.user.id,
        crate::features::accounts::auth::Role::OutletStaff,
        None,
        Some(shop.id),
        None,
        now,
    )
    .await?;
    crate::audit::record(
        &txn,
        crate::audit::Entry {
            actor: Some(principal.user.id),
            action: "outlet.staff_joined",
            subject_type: "outlet",
            subject_id: shop.slug.clone(),
            province_code: Some(&shop.province_code),
            reason: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(shop))
}

/// Every outlet with its staff and open invitations, for administrators.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OutletAdminRow {
    pub outlet: outlet::Model,
    pub staff: Vec<String>,
    pub invited: Vec<String>,
}

pub async fn admin_overview(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<OutletAdminRow>, DbErr> {
    use crate::db::entities::{membership, user};
    let outlets = outlet::Entity::find()
        .order_by_asc(outlet::Column::Name)
        .all(db)
        .await?;
    let members = membership::Entity::find()
        .filter(
            membership::Column::Role
                .eq(crate::features::accounts::auth::Role::OutletStaff.as_str()),
        )
        .all(db)
        .await?;
    let emails: HashMap<_, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(members.iter().map(|m| m.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let pending = outlet_invitation::Entity::find()
        .filter(outlet_invitation::Column::AcceptedAt.is_null())
        .filter(outlet_invitation::Column::ExpiresAt.gt(now))
        .order_by_asc(outlet_invitation::Column::Id)
        .all(db)
        .await?;
    Ok(outlets
        .into_iter()
        .map(|o| {
            let mut staff: Vec<String> = members
                .iter()
                .filter(|m| m.outlet_id == Some(o.id))
                .filter_map(|m| emails.get(&m.user_id).cloned())
                .collect();
            staff.sort();
            let invited = pending
                .iter()
                .filter(|i| i.outlet_id == o.id)
                .map(|i| i.email.clone())
                .collect();
            OutletAdminRow {
                outlet: o,
                staff,
                invited,
            }
        })
        .collect())
}

/// A product the outlet carries, with its stock there.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Carried {
    pub listing_pid: Uuid,
    pub title: String,
    pub seller_id: SellerId,
    pub price_vnd: Vnd,
    pub stock: i32,
    pub low: bool,
}

pub async fn carried(
    db: &impl ConnectionTrait,
    outlet_id: OutletId,
) -> Result<Vec<Carried>, DbErr> {
    use sea_orm::FromQueryResult;
    use sea_orm::sea_query::Query;

    /// One shelf line: only the columns the counter shows, in one query.
    #[derive(FromQueryResult)]
    struct Line {
        pid: Uuid,
        seller_id: SellerId,
        price_vnd: Vnd,
        stock: i32,
        product_name_vi: String,
        product_name_en: String,
    }
    let query = Query::select()
        .column((listing::Entity, listing::Column::Pid))
        .column((listing::Entity, listing::Column::SellerId))
        .column((listing::Entity, listing::Column::PriceVnd))
        .column((outlet_listing::Entity, outlet_listing::Column::Stock))
        .column((
            registry_certificate::Entity,
            registry_certificate::Column::ProductNameVi,
        ))
        .column((
            registry_certificate::Entity,
            registry_certificate::Column::ProductNameEn,
        ))
        .from(outlet_listing::Entity)
        .inner_join(
            listing::Entity,
            Expr::col((listing::Entity, listing::Column::Id))
                .equals((outlet_listing::Entity, outlet_listing::Column::ListingId)),
        )
        .inner_join(
            registry_certificate::Entity,
            Expr::col((
                registry_certificate::Entity,
                registry_certificate::Column::Id,
            ))
            .equals((listing::Entity, listing::Column::CertificateId)),
        )
        .and_where(
            Expr::col((outlet_listing::Entity, outlet_listing::Column::OutletId)).eq(outlet_id),
        )
        .order_by(
            (outlet_listing::Entity, outlet_listing::Column::Id),
            sea_orm::Order::Asc,
        )
        .to_owned();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| {
            let line = Line::from_query_result(row, "")?;
            Ok(Carried {
                listing_pid: line.pid,
                title: crate::i18n::pick(&line.product_name_vi, &line.product_name_en).to_owned(),
                seller_id: line.seller_id,
                price_vnd: line.price_vnd,
                stock: line.stock,
                low: line.stock <= LOW_STOCK,
            })
        })
        .collect()
}

/// Sales at the outlet by product and by seller.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Report {
    pub by_product: Vec<ReportLine>,
    pub by_seller: Vec<ReportLine>,
    pub sales: i64,
    pub units: i64,
    pub revenue_vnd: Vnd,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReportLine {
    pub name: String,
    pub sales: i64,
    pub units: i64,
    pub revenue_vnd: Vnd,
}

/// What a kept sales report was summed from: the outlet's latest counter sale (its checkout's
/// id) and the latest refund of any order (its `refunded` event), so a sale or a refund
/// recorded on any instance shows at once. Refunds are rare: one sums each report again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportMark {
    pub last_sale: i64,
    pub last_refund: i64,
}

impl std::fmt::Display for ReportMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.last_sale, self.last_refund)
    }
}

/// The outlet's [`ReportMark`] now, in one query of two index reads (the latest refund
/// through the partial index `idx_order_events_refunded`, which its literal condition lets
/// both databases use), against summing every sale again.
pub async fn report_mark(
    db: &impl ConnectionTrait,
    outlet_id: OutletId,
) -> Result<ReportMark, DbErr> {
    use sea_orm::sea_query::Query;
    let last_sale = Query::select()
        .expr(checkout::Column::Id.max())
        .from(checkout::Entity)
        .and_where(checkout::Column::OutletId.eq(outlet_id))
        .to_owned();
    let last_refund = Query::select()
        .expr(order_event::Column::Id.max())
        .from(order_event::Entity)
        .and_where(Expr::cust(format!(
            "state = '{}'",
            OrderState::Refunded.as_str()
        )))
        .to_owned();
    let query = Query::select()
        .expr_as(last_sale, "last_sale")
        .expr_as(last_refund, "last_refund")
        .to_owned();
    let row = db.query_one(&query).await?;
    let read = |column: &str| -> Result<i64, DbErr> {
        Ok(match &row {
            Some(row) => row.try_get::<Option<i64>>("", column)?.unwrap_or(0),
            None => 0,
        })
    };
    Ok(ReportMark {
        last_sale: read("last_sale")?,
        last_refund: read("last_refund")?,
    })
}

/// Everything sold at the outlet's counter (refunded sales left out), largest revenue first.
pub async fn report(db: &impl ConnectionTrait, outlet_id: OutletId) -> Result<Report, DbErr> {
    let checkouts: Vec<_> = checkout::Entity::find()
        .filter(checkout::Column::OutletId.eq(outlet_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.is_in(checkouts))
        .filter(order::Column::State.ne(OrderState::Refunded))
        .all(db)
        .await?;
    let sellers: HashMap<_, String> = crate::db::entities::seller::Entity::find()
        .filter(crate::db::entities::seller::Column::Id.is_in(orders.iter().map(|o| o.seller_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let seller_of: HashMap<_, _> = orders.iter().map(|o| (o.id, o.seller_id)).collect();
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .all(db)
        .await?;
    let mut products: HashMap<String, ReportLine> = HashMap::new();
    let mut by_seller: HashMap<String, ReportLine> = HashMap::new();
    let mut report = Report::default();
    for item in &items {
        let units = i64::from(item.quantity);
        let revenue = item.unit_price_vnd * units;
        let seller = seller_of
            .get(&item.order_id)
            .and_then(|s| sellers.get(s))
            .cloned()
            .unwrap_or_default();
        for (map, name) in [
            (&mut products, item.title.clone()),
            (&mut by_seller, seller),
        ] {
            let line = map.entry(name.clone()).or_insert(ReportLine {
                name,
                sales: 0,
                units: 0,
                revenue_vnd: Vnd::ZERO,
            });
            line.sales += 1;
            line.units += units;
            line.revenue_vnd += revenue;
        }
        report.sales += 1;
        report.units += units;
        report.revenue_vnd += revenue;
    }
    let sorted = |map: HashMap<String, ReportLine>| {
        let mut lines: Vec<ReportLine> = map.into_values().collect();
        lines.sort_by(|a, b| b.revenue_vnd.cmp(&a.revenue_vnd).then(a.name.cmp(&b.name)));
        lines
    };
    report.by_product = sorted(products);
    report.by_seller = sorted(by_seller);
    Ok(report)
}

/// The outlet with this slug.
pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<outlet::Model>, DbErr> {
    outlet::Entity::find()
        .filter(outlet::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The outlets of a province, by name.
pub async fn in_province(
    db: &impl ConnectionTrait,
    province_code: &str,
) -> Result<Vec<outlet::Model>, DbErr> {
    outlet::Entity::find()
        .filter(outlet::Column::ProvinceCode.eq(province_code))
        .order_by_asc(outlet::Column::Name)
        .all(db)
        .await
}

/// The units on the outlet's shelf of each of these listings (by public id) it carries.
pub async fn shelf_stock(
    db: &impl ConnectionTrait,
    outlet_id: OutletId,
    listing_pids: &[Uuid],
) -> Result<HashMap<Uuid, i32>, DbErr> {
    use sea_orm::QuerySelect;
    let ids: HashMap<_, Uuid> = listing::Entity::find()
        .select_only()
        .column(listing::Column::Id)
        .column(listing::Column::Pid)
        .filter(listing::Column::Pid.is_in(listing_pids.iter().copied()))
        .into_tuple::<(ListingId, Uuid)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let rows = outlet_listing::Entity::find()
        .filter(outlet_listing::Column::OutletId.eq(outlet_id))
        .filter(outlet_listing::Column::ListingId.is_in(ids.keys().copied()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| ids.get(&r.listing_id).map(|pid| (*pid, r.stock)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_hex_colours_reach_the_style_attribute() {
        let ok = Profile {
            color: "#1D6B3A".into(),
            ..Profile::default()
        };
        assert!(ok.validate().is_ok());
        for bad in ["red", "#12345", "#12345g", "#123456;background:url(x)", ""] {
            let profile = Profile {
                color: bad.into(),
                ..Profile::default()
            };
            assert!(profile.validate().is_err(), "{bad}");
        }
        let map = Profile {
            color: "#000000".into(),
            map_url: "javascript:alert(1)".into(),
            ..Profile::default()
        };
        assert!(map.validate().is_err());
    }
}
