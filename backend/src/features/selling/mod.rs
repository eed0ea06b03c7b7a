//! What a verified seller does with its catalog, and what an officer may do to it. Every
//! function takes the acting [`Principal`] and checks its scope first; a listing of another
//! seller is reported as not found, so its existence does not leak.
//!
//! Title, stars, group, province and certificate data are read from the registry and are not
//! fields here at all: a seller sets only price, stock, unit, weight, descriptions and photos.
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::db::entities::{
    listing, listing_photo, registry_certificate, registry_participant, seller,
};
use crate::domain::ids::{ListingId, SellerId};
use crate::domain::money::Vnd;
use crate::domain::registry::CertificateStatus;
use crate::domain::time::vietnam_date;
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::features::catalog::lifecycle::{self, DelistedBy};
use crate::features::catalog::photos::{PhotoView, photo_view, photos_of};
use crate::features::catalog::{ListingState, SellerState};
use crate::jobs::outbox;
use crate::media::{self, PhotoError, store::MediaStore};

pub mod producer;
pub mod variants;

/// Photos a listing may have.
pub const MAX_PHOTOS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum SellingError {
    #[error("not found")]
    NotFound,
    #[error("{}", crate::i18n::tr("errors.selling.not_member"))]
    NotMember,
    #[error("{}", crate::i18n::tr("errors.selling.foreign_certificate"))]
    ForeignCertificate,
    #[error("{}", crate::i18n::tr("errors.selling.inactive_certificate"))]
    InactiveCertificate,
    #[error("{}", crate::i18n::tr("errors.selling.already_listed"))]
    AlreadyListed,
    #[error("{}", crate::i18n::tr("errors.selling.seller_not_active"))]
    SellerNotActive,
    #[error("{}", crate::i18n::tr("errors.selling.delisted_by_officer"))]
    DelistedByOfficer,
    #[error("{}", crate::i18n::tr("errors.selling.bad_transition"))]
    BadTransition,
    #[error("{}", crate::i18n::tr_with("errors.selling.too_many_photos", &[("max", &MAX_PHOTOS)]))]
    TooManyPhotos,
    #[error("{}", crate::i18n::tr("errors.selling.reason_required"))]
    ReasonRequired,
    #[error("{}", crate::i18n::tr("errors.selling.price_required"))]
    PriceRequired,
    /// A stock change would leave fewer than 0 (or more than 1,000,000) units.
    #[error("{}", crate::i18n::tr_with("errors.listing.stock_left", &[("left", left)]))]
    StockOutOfRange { left: i32 },
    #[error("{0}")]
    Invalid(String),
    /// Pack sizes that conflict with each other or with the listing's own price and stock.
    #[error("{0}")]
    SizesConflict(String),
    #[error("{0}")]
    BadBankAccount(String),
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error("media store: {0}")]
    Store(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// What a seller sets on a listing. `None` leaves a field as it is (on creation: a default).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    /// Price in đồng, a positive integer.
    #[schema(value_type = Option<i64>)]
    pub price_vnd: Option<Vnd>,
    /// Sets the units on sale, whatever was sold meanwhile.
    pub stock: Option<i32>,
    /// Adds (or, negative, removes) units: received goods, breakage. Applied to the stock as
    /// it is when the change is made (after `stock`, if both are given), so sales made
    /// meanwhile stay sold.
    #[serde(default)]
    pub stock_delta: Option<i32>,
    /// Sales unit, e.g. "hộp 200 g".
    pub unit: Option<String>,
    pub weight_grams: Option<i32>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    /// The pack sizes, all of them (up to 10): labels already there are changed, new ones
    /// added, missing ones removed; an empty list removes them all. While a listing has
    /// variants its price and stock are theirs (the lowest price, the total stock).
    #[serde(default)]
    pub variants: Option<Vec<variants::VariantInput>>,
}

impl ListingInput {
    /// Every problem, in Vietnamese.
    pub fn validate(&self) -> Result<(), SellingError> {
        let mut problems = Vec::new();
        if self
            .price_vnd
            .is_some_and(|p| !(Vnd::new(1)..=Vnd::new(10_000_000_000)).contains(&p))
        {
            problems.push(crate::i18n::tr("errors.listing.price"));
        }
        if self.stock.is_some_and(|s| !(0..=1_000_000).contains(&s)) {
            problems.push(crate::i18n::tr("errors.listing.stock"));
        }
        if self
            .stock_delta
            .is_some_and(|d| !(-1_000_000..=1_000_000).contains(&d))
        {
            problems.push(crate::i18n::tr("errors.listing.stock_delta"));
        }
        if self
            .unit
            .as_deref()
            .is_some_and(|u| u.trim().is_empty() || u.chars().count() > 40)
        {
            problems.push(crate::i18n::tr("errors.listing.unit"));
        }
        if self
            .weight_grams
            .is_some_and(|w| !(0..=100_000).contains(&w))
        {
            problems.push(crate::i18n::tr("errors.listing.weight"));
        }
        for d in [&self.description_vi, &self.description_en]
            .into_iter()
            .flatten()
        {
            if d.chars().count() > 5_000 {
                problems.push(crate::i18n::tr("errors.listing.description"));
            }
        }
        if let Some(list) = &self.variants {
            problems.extend(variants::problems(list));
        }
        if !problems.is_empty() {
            return Err(SellingError::Invalid(problems.join(" ")));
        }
        if self
            .variants
            .as_deref()
            .is_some_and(variants::has_duplicate)
        {
            return Err(SellingError::SizesConflict(crate::i18n::tr(
                "errors.variant.duplicate",
            )));
        }
        Ok(())
    }
}

/// The listing states a seller may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SellerTarget {
    Draft,
    Published,
    Paused,
}

impl SellerTarget {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            "paused" => Some(Self::Paused),
            _ => None,
        }
    }

    const fn state(self) -> ListingState {
        match self {
            Self::Draft => ListingState::Draft,
            Self::Published => ListingState::Published,
            Self::Paused => ListingState::Paused,
        }
    }
}

fn certificate_valid(cert: &registry_certificate::Model, today: NaiveDate) -> bool {
    cert.status == CertificateStatus::Active.as_str() && cert.expires_on > today
}

/// A listing the principal may manage, with its certificate and seller.
pub struct OwnListing {
    pub listing: listing::Model,
    pub certificate: registry_certificate::Model,
    pub seller: seller::Model,
}

/// The listing, if the principal is a member of its seller; `NotFound` otherwise.
pub async fn find_own(
    db: &impl ConnectionTrait,
    principal: &Principal,
    pid: Uuid,
) -> Result<OwnListing, SellingError> {
    let listing = listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(db)
        .await?
        .filter(|l| principal.can(Action::ManageSeller, &Scope::Seller(l.seller_id)))
        .ok_or(SellingError::NotFound)?;
    let certificate = registry_certificate::Entity::find_by_id(listing.certificate_id)
        .one(db)
        .await?
        .ok_or(SellingError::NotFound)?;
    let seller = seller::Entity::find_by_id(listing.seller_id)
        .one(db)
        .await?
        .ok_or(SellingError::NotFound)?;
    Ok(OwnListing {
        listing,
        certificate,
        seller,
    })
}

/// [`find_own`] with the listing's row locked until the transaction ends.
async fn find_own_locked(
    txn: &DatabaseTransaction,
    principal: &Principal,
    pid: Uuid,
) -> Result<OwnListing, SellingError> {
    let locked = listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .lock_exclusive()
        .one(txn)
        .await?;
    if locked.is_none() {
        return Err(SellingError::NotFound);
    }
    find_own(txn, principal, pid).await
}

/// The e-mail addresses of a seller's members, each with the member's language.
pub async fn member_addresses(
    db: &impl ConnectionTrait,
    seller: SellerId,
) -> Result<Vec<(String, String)>, DbErr> {
    use crate::db::entities::{membership, user};
    let members: Vec<crate::domain::ids::UserId> = membership::Entity::find()
        .filter(membership::Column::SellerId.eq(seller))
        .select_only()
        .column(membership::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    user::Entity::find()
        .filter(user::Column::Id.is_in(members))
        .select_only()
        .column(user::Column::Email)
        .column(user::Column::Locale)
        .into_tuple()
        .all(db)
        .await
}

/// The seller a page or request works on: the one asked for, or the principal's only one.
/// `NotMember` when the principal may not manage it (or has several and named none),
/// `NotFound` when it does not exist.
pub async fn chosen_seller(
    db: &impl ConnectionTrait,
    principal: &Principal,
    asked: Option<SellerId>,
) -> Result<seller::Model, SellingError> {
    let ids = principal.seller_ids();
    let id = match (asked, ids.as_slice()) {
        (Some(id), _) => id,
        (None, [only]) => *only,
        _ => return Err(SellingError::NotMember),
    };
    if !principal.can(Action::ManageSeller, &Scope::Seller(id)) {
        return Err(SellingError::NotMember);
    }
    seller::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(SellingError::NotFound)
}

/// The seller and one of its own participant's certificates, for the page that lists it:
/// `NotMember` when the principal may not manage the seller, `NotFound` when either is missing.
pub async fn certificate_to_list(
    db: &impl ConnectionTrait,
    principal: &Principal,
    seller_id: SellerId,
    certificate_no: &str,
) -> Result<(seller::Model, registry_certificate::Model), SellingError> {
    let seller = chosen_seller(db, principal, Some(seller_id)).await?;
    let certificate = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::CertificateNo.eq(certificate_no))
        .filter(registry_certificate::Column::ParticipantId.eq(seller.participant_id))
        .one(db)
        .await?
        .ok_or(SellingError::NotFound)?;
    Ok((seller, certificate))
}

/// Lists a certificate of the seller's own participant. It starts as a draft unless
/// `publish` is set.
pub async fn create_listing(
    db: &DatabaseConnection,
    principal: &Principal,
    seller_id: SellerId,
    certificate_no: &str,
    input: &ListingInput,
    publish: bool,
    now: DateTime<Utc>,
) -> Result<listing::Model, SellingError> {
    if !principal.can(Action::ManageSeller, &Scope::Seller(seller_id)) {
        return Err(SellingError::NotMember);
    }
    input.validate()?;
    let txn = crate::db::begin_write(db).await?;
    let seller = seller::Entity::find_by_id(seller_id)
        .one(&txn)
        .await?
        .ok_or(SellingError::NotFound)?;
    if seller.state != SellerState::Active.as_str() {
        return Err(SellingError::SellerNotActive);
    }
    let cert = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::CertificateNo.eq(certificate_no.trim()))
        .one(&txn)
        .await?
        .ok_or(SellingError::ForeignCertificate)?;
    if cert.participant_id != seller.participant_id {
        return Err(SellingError::ForeignCertificate);
    }
    if !certificate_valid(&cert, vietnam_date(now)) {
        return Err(SellingError::InactiveCertificate);
    }
    let priced = input
        .price_vnd
        .or_else(|| input.variants.iter().flatten().map(|v| v.price_vnd).min());
    let state = match (publish, priced) {
        (true, Some(_)) => ListingState::Published,
        (true, None) => {
            return Err(SellingError::PriceRequired);
        }
        (false, _) => ListingState::Draft,
    };
    let inserted = listing::ActiveModel {
        pid: Set(Uuid::new_v4()),
        seller_id: Set(seller.id),
        certificate_id: Set(cert.id),
        slug: Set(crate::features::catalog::listing_slug(&cert)),
        price_vnd: Set(input.price_vnd.unwrap_or(Vnd::ZERO)),
        currency: Set("VND".into()),
        stock: Set(input.stock.unwrap_or(0)),
        unit: Set(input.unit.clone().unwrap_or_else(|| "sản phẩm".into())),
        weight_grams: Set(input.weight_grams.unwrap_or(0)),
        description_vi: Set(input.description_vi.clone().unwrap_or_default()),
        description_en: Set(input.description_en.clone().unwrap_or_default()),
        state: Set(state),
        published_at: Set((state == ListingState::Published).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(row) => row,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(SellingError::AlreadyListed);
        }
        Err(e) => return Err(e.into()),
    };
    let created = match &input.variants {
        Some(list) if !list.is_empty() => {
            match variants::save(&txn, &created, list, now).await {
                Ok(()) => {}
                Err(variants::Refused::Database(e)) => return Err(e.into()),
                Err(variants::Refused::Photo) => {
                    return Err(SellingError::SizesConflict(crate::i18n::tr(
                        "errors.variant.photo",
                    )));
                }
                Err(variants::Refused::Stock { left, .. }) => {
                    return Err(SellingError::StockOutOfRange { left });
                }
            }
            listing::Entity::find_by_id(created.id)
                .one(&txn)
                .await?
                .ok_or(SellingError::NotFound)?
        }
        _ => created,
    };
    outbox::enqueue_listing_sync(&txn, [created.id], now).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes the seller-owned fields of a listing and, if `target` is given, its state, in one
/// transaction: a refused state change leaves the fields unchanged too.
///
/// The row is locked first (`FOR UPDATE` on PostgreSQL; SQLite's write transaction holds the
/// database) and only the columns the input names are written, so an edit made while shoppers
/// check out never puts sold units back on sale, and never undoes an officer's delisting.
pub async fn update_listing(
    db: &DatabaseConnection,
    principal: &Principal,
    pid: Uuid,
    input: &ListingInput,
    target: Option<SellerTarget>,
    now: DateTime<Utc>,
) -> Result<listing::Model, SellingError> {
    use listing::Column as C;
    let txn = crate::db::begin_write(db).await?;
    let own = find_own_locked(&txn, principal, pid).await?;
    input.validate()?;
    let current = &own.listing;
    // With pack sizes, the listing's price and stock are theirs.
    let has_variants = match &input.variants {
        Some(list) => !list.is_empty(),
        None => !variants::of(&txn, current.id).await?.is_empty(),
    };
    if has_variants
        && (input.price_vnd.is_some() || input.stock.is_some() || input.stock_delta.is_some())
    {
        return Err(SellingError::SizesConflict(crate::i18n::tr(
            "errors.variant.listing_fields",
        )));
    }
    let mut next = current.clone();
    let mut update = listing::Entity::update_many().filter(C::Id.eq(current.id));
    if let Some(v) = input.price_vnd {
        update = update.col_expr(C::PriceVnd, Expr::value(v));
        next.price_vnd = v;
    }
    // A stock set, then a change applied to it (or to the stock as it is now).
    let stock = match (input.stock, input.stock_delta) {
        (None, None) => None,
        (set, delta) => Some(
            set.unwrap_or(current.stock)
                .saturating_add(delta.unwrap_or(0)),
        ),
    };
    if let Some(v) = stock {
        if !(0..=1_000_000).contains(&v) {
            return Err(SellingError::StockOutOfRange {
                left: current.stock,
            });
        }
        update = update.col_expr(C::Stock, Expr::value(v));
    }
    if let Some(v) = &input.unit {
        update = update.col_expr(C::Unit, Expr::value(v.trim()));
    }
    if let Some(v) = input.weight_grams {
        update = update.col_expr(C::WeightGrams, Expr::value(v));
    }
    if let Some(v) = &input.description_vi {
        update = update.col_expr(C::DescriptionVi, Expr::value(v.trim()));
    }
    if let Some(v) = &input.description_en {
        update = update.col_expr(C::DescriptionEn, Expr::value(v.trim()));
    }
    if let Some(target) = target {
        check_transition(&next, &own, target, vietnam_date(now))?;
        update = update
            .col_expr(C::State, Expr::value(target.state().as_str()))
            .col_expr(C::StateReason, Expr::value(Option::<String>::None))
            .col_expr(C::DelistedBy, Expr::value(Option::<String>::None));
        if target == SellerTarget::Published && current.published_at.is_none() {
            update = update.col_expr(C::PublishedAt, Expr::value(now));
        }
    }
    if let Some(list) = &input.variants {
        // A size without a weight of its own takes the listing's, as this edit sets it.
        let mut basis = current.clone();
        basis.weight_grams = input.weight_grams.unwrap_or(current.weight_grams);
        match variants::save(&txn, &basis, list, now).await {
            Ok(()) => {}
            Err(variants::Refused::Database(e)) => return Err(e.into()),
            Err(variants::Refused::Photo) => {
                return Err(SellingError::SizesConflict(crate::i18n::tr(
                    "errors.variant.photo",
                )));
            }
            Err(variants::Refused::Stock { left, .. }) => {
                return Err(SellingError::StockOutOfRange { left });
            }
        }
        if let Some(lowest) = list.iter().map(|v| v.price_vnd).min() {
            next.price_vnd = lowest;
        }
    }
    update
        .col_expr(C::UpdatedAt, Expr::value(now))
        .exec(&txn)
        .await?;
    let updated = listing::Entity::find_by_id(current.id)
        .one(&txn)
        .await?
        .ok_or(SellingError::NotFound)?;
    outbox::enqueue_listing_sync(&txn, [updated.id], now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Moves a listing between draft, published and paused.
pub async fn set_state(
    db: &DatabaseConnection,
    principal: &Principal,
    pid: Uuid,
    target: SellerTarget,
    now: DateTime<Utc>,
) -> Result<listing::Model, SellingError> {
    update_listing(
        db,
        principal,
        pid,
        &ListingInput::default(),
        Some(target),
        now,
    )
    .await
}

/// Publishing needs an active seller, a valid certificate and a price. A listing the system
/// delisted (lapsed certificate) can be republished once the certificate is renewed; one an
/// officer delisted cannot.
fn check_transition(
    next: &listing::Model,
    own: &OwnListing,
    target: SellerTarget,
    today: NaiveDate,
) -> Result<(), SellingError> {
    if own.listing.state == ListingState::Delisted.as_str() {
        if own.listing.delisted_by.as_deref() == Some(DelistedBy::Officer.as_str()) {
            return Err(SellingError::DelistedByOfficer);
        }
        if !certificate_valid(&own.certificate, today) {
            return Err(SellingError::InactiveCertificate);
        }
    }
    if target == SellerTarget::Published {
        if own.seller.state != SellerState::Active.as_str() {
            return Err(SellingError::SellerNotActive);
        }
        if !certificate_valid(&own.certificate, today) {
            return Err(SellingError::InactiveCertificate);
        }
        if next.price_vnd <= Vnd::ZERO {
            return Err(SellingError::PriceRequired);
        }
    }
    Ok(())
}

/// The public id of the listing at this address (`https://…/products/{slug}`, `/products/{slug}`
/// or the bare slug), if there is one.
pub async fn listing_at(db: &impl ConnectionTrait, address: &str) -> Result<Option<Uuid>, DbErr> {
    let slug = address
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    Ok(listing::Entity::find()
        .filter(listing::Column::Slug.eq(slug))
        .one(db)
        .await?
        .map(|l| l.pid))
}

/// An officer of the listing's province delists it, with a reason that is audited.
pub async fn officer_delist(
    db: &DatabaseConnection,
    officer: &Principal,
    pid: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), SellingError> {
    let reason = reason.trim();
    let txn = crate::db::begin_write(db).await?;
    let listing = listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(&txn)
        .await?
        .ok_or(SellingError::NotFound)?;
    let cert = registry_certificate::Entity::find_by_id(listing.certificate_id)
        .one(&txn)
        .await?
        .ok_or(SellingError::NotFound)?;
    if !officer.can(
        Action::ReviewProvince,
        &Scope::Province(&cert.province_code),
    ) {
        return Err(SellingError::NotMember);
    }
    if reason.chars().count() < 5 {
        return Err(SellingError::ReasonRequired);
    }
    lifecycle::delist(&txn, &[listing.id], DelistedBy::Officer, reason, now).await?;
    audit::record(
        &txn,
        Entry {
            actor: Some(officer.user.id),
            action: "listing.delisted",
            subject_type: "listing",
            subject_id: pid.to_string(),
            province_code: Some(&cert.province_code),
            reason: Some(reason),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A certificate of the seller's participant, with its listing if any.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertificateStatusView {
    pub certificate_no: String,
    pub product_name_vi: String,
    pub stars: i16,
    pub status: String,
    pub expires_on: NaiveDate,
    pub days_left: i64,
    /// Valid and expiring within 60 days.
    pub expiring_soon: bool,
    pub valid: bool,
    pub listing_pid: Option<Uuid>,
    pub listing_state: Option<ListingState>,
}

/// A seller the principal belongs to, with its certificates and listings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SellerDashboard {
    pub seller_id: SellerId,
    pub seller_pid: Uuid,
    /// The producer page's slug (and the catalog feeds').
    pub slug: String,
    pub name: String,
    pub state: SellerState,
    pub registration_no: String,
    pub certificates: Vec<CertificateStatusView>,
    pub listings: Vec<ListingRow>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ListingRow {
    pub pid: Uuid,
    pub slug: String,
    pub certificate_no: String,
    pub title: String,
    pub stars: i16,
    #[schema(value_type = i64)]
    pub price_vnd: Vnd,
    pub stock: i32,
    pub unit: String,
    pub weight_grams: i32,
    #[schema(value_type = String)]
    pub state: ListingState,
    pub state_reason: Option<String>,
    pub delisted_by: Option<String>,
    pub description_vi: String,
    pub description_en: String,
    pub photos: i64,
    pub updated_at: DateTime<Utc>,
}

fn listing_row(l: &listing::Model, cert: &registry_certificate::Model, photos: i64) -> ListingRow {
    ListingRow {
        pid: l.pid,
        slug: l.slug.clone(),
        certificate_no: cert.certificate_no.clone(),
        title: cert.product_name_vi.clone(),
        stars: cert.stars,
        price_vnd: l.price_vnd,
        stock: l.stock,
        unit: l.unit.clone(),
        weight_grams: l.weight_grams,
        state: l.state,
        state_reason: l.state_reason.clone(),
        delisted_by: l.delisted_by.clone(),
        description_vi: l.description_vi.clone(),
        description_en: l.description_en.clone(),
        photos,
        updated_at: l.updated_at,
    }
}

/// A listing as the API returns it.
pub async fn row_for(db: &impl ConnectionTrait, own: &OwnListing) -> Result<ListingRow, DbErr> {
    let photos = photos_of(db, own.listing.id).await?.len() as i64;
    Ok(listing_row(&own.listing, &own.certificate, photos))
}

/// Every seller the principal belongs to.
pub async fn dashboards(
    db: &impl ConnectionTrait,
    principal: &Principal,
    now: DateTime<Utc>,
) -> Result<Vec<SellerDashboard>, DbErr> {
    let today = vietnam_date(now);
    let mut out = Vec::new();
    for seller_id in principal.seller_ids() {
        let Some(seller) = seller::Entity::find_by_id(seller_id).one(db).await? else {
            continue;
        };
        let participant = registry_participant::Entity::find_by_id(seller.participant_id)
            .one(db)
            .await?;
        let certs = registry_certificate::Entity::find()
            .filter(registry_certificate::Column::ParticipantId.eq(seller.participant_id))
            .order_by_asc(registry_certificate::Column::ExpiresOn)
            .all(db)
            .await?;
        let listings = listing::Entity::find()
            .filter(listing::Column::SellerId.eq(seller.id))
            .order_by_desc(listing::Column::UpdatedAt)
            .all(db)
            .await?;
        let mut photo_counts = std::collections::HashMap::new();
        for p in listing_photo::Entity::find()
            .filter(listing_photo::Column::ListingId.is_in(listings.iter().map(|l| l.id)))
            .all(db)
            .await?
        {
            *photo_counts.entry(p.listing_id).or_insert(0i64) += 1;
        }
        let certificates = certs
            .iter()
            .map(|c| {
                let listed = listings.iter().find(|l| l.certificate_id == c.id);
                let days_left = (c.expires_on - today).num_days();
                let valid = certificate_valid(c, today);
                CertificateStatusView {
                    certificate_no: c.certificate_no.clone(),
                    product_name_vi: c.product_name_vi.clone(),
                    stars: c.stars,
                    status: c.status.clone(),
                    expires_on: c.expires_on,
                    days_left,
                    expiring_soon: valid && days_left <= 60,
                    valid,
                    listing_pid: listed.map(|l| l.pid),
                    listing_state: listed.map(|l| l.state),
                }
            })
            .collect();
        let rows = listings
            .iter()
            .filter_map(|l| {
                certs
                    .iter()
                    .find(|c| c.id == l.certificate_id)
                    .map(|c| listing_row(l, c, photo_counts.get(&l.id).copied().unwrap_or(0)))
            })
            .collect();
        out.push(SellerDashboard {
            seller_id: seller.id,
            slug: seller.slug.clone(),
            seller_pid: seller.pid,
            name: seller.display_name,
            state: seller.state,
            registration_no: participant.map_or_else(String::new, |p| p.business_registration_no),
            certificates,
            listings: rows,
        });
    }
    Ok(out)
}

/// Processes an upload (on a blocking thread), stores its files, then records it as the
/// listing's last photo. Files are written first: a crash leaves at worst unreferenced
/// files, never a photo row without its files.
pub async fn add_photo(
    db: &DatabaseConnection,
    store: &Arc<dyn MediaStore>,
    principal: &Principal,
    pid: Uuid,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<PhotoView, SellingError> {
    let own = find_own(db, principal, pid).await?;
    if photos_of(db, own.listing.id).await?.len() >= MAX_PHOTOS {
        return Err(SellingError::TooManyPhotos);
    }
    let stored = media::ingest(store, bytes).await.map_err(|e| match e {
        media::IngestError::Photo(e) => SellingError::Photo(e),
        media::IngestError::Store(e) => SellingError::Store(e),
    })?;
    let widths: Vec<String> = stored.widths.iter().map(u32::to_string).collect();
    let txn = crate::db::begin_write(db).await?;
    let existing = photos_of(&txn, own.listing.id).await?;
    if existing.len() >= MAX_PHOTOS {
        return Err(SellingError::TooManyPhotos);
    }
    let position = existing.iter().map(|p| p.position + 1).max().unwrap_or(0);
    let row = listing_photo::ActiveModel {
        listing_id: Set(own.listing.id),
        position: Set(position),
        storage_key: Set(stored.digest),
        alt_vi: Set(own.certificate.product_name_vi.clone()),
        alt_en: Set(own.certificate.product_name_en.clone()),
        width: Set(stored.width as i32),
        height: Set(stored.height as i32),
        variants: Set(widths.join(",")),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    touch(&txn, own.listing.id, now).await?;
    txn.commit().await?;
    Ok(photo_view(&row))
}

/// Marks the listing changed and queues its search update (its thumbnail may have changed).
async fn touch(
    db: &impl ConnectionTrait,
    listing_id: ListingId,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    listing::Entity::update_many()
        .col_expr(listing::Column::UpdatedAt, Expr::value(now))
        .filter(listing::Column::Id.eq(listing_id))
        .exec(db)
        .await?;
    outbox::enqueue_listing_sync(db, [listing_id], now).await
}

/// Where to move a photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

/// Swaps a photo with its neighbour; the first photo is the listing's cover.
pub async fn move_photo(
    db: &DatabaseConnection,
    principal: &Principal,
    pid: Uuid,
    photo_id: i64,
    direction: Move,
    now: DateTime<Utc>,
) -> Result<(), SellingError> {
    let txn = crate::db::begin_write(db).await?;
    let own = find_own(&txn, principal, pid).await?;
    let mut photos = photos_of(&txn, own.listing.id).await?;
    let at = photos
        .iter()
        .position(|p| p.id == photo_id)
        .ok_or(SellingError::NotFound)?;
    let other = match direction {
        Move::Up if at > 0 => at - 1,
        Move::Down if at + 1 < photos.len() => at + 1,
        _ => return Ok(()),
    };
    photos.swap(at, other);
    for (position, photo) in photos.into_iter().enumerate() {
        if photo.position != position as i32 {
            let mut row: listing_photo::ActiveModel = photo.into();
            row.position = Set(position as i32);
            row.update(&txn).await?;
        }
    }
    touch(&txn, own.listing.id, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a photo from a listing. Its files stay (other listings may share the same
/// content-addressed files); nothing links to them any more.
pub async fn delete_photo(
    db: &DatabaseConnection,
    principal: &Principal,
    pid: Uuid,
    photo_id: i64,
    now: DateTime<Utc>,
) -> Result<(), SellingError> {
    let txn = crate::db::begin_write(db).await?;
    let own = find_own(&txn, principal, pid).await?;
    let deleted = listing_photo::Entity::delete_many()
        .filter(listing_photo::Column::Id.eq(photo_id))
        .filter(listing_photo::Column::ListingId.eq(own.listing.id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(SellingError::NotFound);
    }
    // A pack size that showed it shows none now.
    crate::db::entities::listing_variant::Entity::update_many()
        .col_expr(
            crate::db::entities::listing_variant::Column::PhotoId,
            Expr::value(Option::<i64>::None),
        )
        .filter(crate::db::entities::listing_variant::Column::PhotoId.eq(photo_id))
        .exec(&txn)
        .await?;
    touch(&txn, own.listing.id, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets the bank account a seller's VietQR codes pay into: a bank from
/// [`crate::payments::vietqr::BANKS`], an account number of 6 to 19 digits, and the holder's
/// name (shown to the shopper to check before paying). Audited.
pub async fn set_bank_account(
    db: &DatabaseConnection,
    principal: &Principal,
    seller_id: SellerId,
    bank_bin: &str,
    account_no: &str,
    account_name: &str,
    now: DateTime<Utc>,
) -> Result<seller::Model, SellingError> {
    use crate::i18n::tr;
    if !principal.can(Action::ManageSeller, &Scope::Seller(seller_id)) {
        return Err(SellingError::NotMember);
    }
    let bank = crate::payments::vietqr::bank(bank_bin.trim())
        .ok_or_else(|| SellingError::BadBankAccount(tr("orders.bank_error_bank")))?;
    let account_no: String = account_no.chars().filter(|c| !c.is_whitespace()).collect();
    if !(6..=19).contains(&account_no.len()) || !account_no.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SellingError::BadBankAccount(tr(
            "orders.bank_error_account",
        )));
    }
    let account_name = account_name.trim();
    if account_name.is_empty() || account_name.chars().count() > 80 {
        return Err(SellingError::BadBankAccount(tr("orders.bank_error_name")));
    }
    let txn = crate::db::begin_write(db).await?;
    let found = seller::Entity::find_by_id(seller_id)
        .one(&txn)
        .await?
        .ok_or(SellingError::NotFound)?;
    let mut changed = found.into_active_model();
    changed.bank_bin = Set(Some(bank.bin.to_owned()));
    changed.bank_account_no = Set(Some(account_no));
    changed.bank_account_name = Set(Some(account_name.to_owned()));
    changed.updated_at = Set(now);
    let saved = changed.update(&txn).await?;
    audit::record(
        &txn,
        Entry {
            actor: Some(principal.user.id),
            action: "seller.bank_account_set",
            subject_type: "seller",
            subject_id: saved.pid.to_string(),
            province_code: None,
            reason: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The product names of `listings` (from their certificates), in the current language, by
/// listing id.
pub async fn titles_of(
    db: &impl ConnectionTrait,
    listings: &[listing::Model],
) -> Result<std::collections::HashMap<ListingId, String>, DbErr> {
    let certificates: std::collections::HashMap<i64, registry_certificate::Model> =
        registry_certificate::Entity::find()
            .filter(
                registry_certificate::Column::Id.is_in(listings.iter().map(|l| l.certificate_id)),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    Ok(listings
        .iter()
        .filter_map(|l| {
            let c = certificates.get(&l.certificate_id)?;
            Some((
                l.id,
                crate::i18n::pick(&c.product_name_vi, &c.product_name_en).to_owned(),
            ))
        })
        .collect())
}
