//! Pack sizes. A listing has up to [`MAX_VARIANTS`] variants (label, price, stock, weight),
//! saved all together with the listing's other fields: a label already there is changed in
//! place (its stock set, or moved by a difference so sales made meanwhile stay sold), a new
//! one is added, one left out is removed. While a listing has variants its price is the lowest
//! of theirs and its stock their sum, written in the same transaction, so search, stock
//! badges and sell-through read the listing as before; the listing's own price and stock are
//! then the variants' to set.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::db::entities::{listing, listing_variant};
use crate::domain::ids::ListingId;
use crate::domain::money::Vnd;
use crate::i18n::tr;

/// Most variants of one listing.
pub const MAX_VARIANTS: usize = 10;
/// Most units of one variant.
pub const MAX_STOCK: i32 = 1_000_000;

/// One pack size as the seller sets it.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantInput {
    /// What tells it apart, e.g. "Hũ 500 g" (1–40 characters, unique in the listing).
    pub label: String,
    /// Price in đồng.
    #[schema(value_type = i64)]
    pub price_vnd: Vnd,
    /// Sets its units on sale (a new variant starts with 0 without it).
    pub stock: Option<i32>,
    /// Adds (or removes) units to the stock as it is when saved.
    #[serde(default)]
    pub stock_delta: Option<i32>,
    /// Its shipping weight; the listing's when left out.
    pub weight_grams: Option<i32>,
    /// One of the listing's photos to show beside it.
    #[serde(default)]
    pub photo_id: Option<i64>,
}

/// Every problem with `inputs`, in the current language.
pub fn problems(inputs: &[VariantInput]) -> Vec<String> {
    let mut problems = Vec::new();
    if inputs.len() > MAX_VARIANTS {
        problems.push(tr("errors.variant.too_many"));
    }
    for v in inputs {
        let label = v.label.trim();
        if label.is_empty() || label.chars().count() > 40 {
            problems.push(tr("errors.variant.label"));
        }
        if !(Vnd::new(1)..=Vnd::new(10_000_000_000)).contains(&v.price_vnd) {
            problems.push(tr("errors.listing.price"));
        }
        if v.stock.is_some_and(|s| !(0..=1_000_000).contains(&s))
            || v.stock_delta
                .is_some_and(|d| !(-1_000_000..=1_000_000).contains(&d))
        {
            problems.push(tr("errors.listing.stock"));
        }
        if v.weight_grams.is_some_and(|w| !(0..=100_000).contains(&w)) {
            problems.push(tr("errors.listing.weight"));
        }
    }
    problems.dedup();
    problems
}

/// Whether two of `inputs` have the same label (in any case): a conflict between the sizes
/// asked for rather than a malformed one.
pub fn has_duplicate(inputs: &[VariantInput]) -> bool {
    let mut seen = std::collections::HashSet::new();
    inputs
        .iter()
        .any(|v| !seen.insert(v.label.trim().to_lowercase()))
}

/// A listing's variants in the seller's order.
pub async fn of(
    db: &impl ConnectionTrait,
    listing_id: ListingId,
) -> Result<Vec<listing_variant::Model>, DbErr> {
    listing_variant::Entity::find()
        .filter(listing_variant::Column::ListingId.eq(listing_id))
        .order_by_asc(listing_variant::Column::Position)
        .order_by_asc(listing_variant::Column::Id)
        .all(db)
        .await
}

/// The variants of the listing with public id `pid`, in the seller's order.
pub async fn of_pid(
    db: &impl ConnectionTrait,
    pid: uuid::Uuid,
) -> Result<Vec<listing_variant::Model>, DbErr> {
    match listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(db)
        .await?
    {
        Some(found) => of(db, found.id).await,
        None => Ok(Vec::new()),
    }
}

/// Why a save was refused: a variant whose stock would fall below zero (its label and what
/// is left), or a photo that is not the listing's.
#[derive(Debug)]
pub enum Refused {
    Stock { label: String, left: i32 },
    Photo,
    Database(DbErr),
}

impl From<DbErr> for Refused {
    fn from(e: DbErr) -> Self {
        Self::Database(e)
    }
}

/// Replaces the variants of `current` (locked by the caller) with `inputs`, then sets the
/// listing's price and stock from them. Runs in the caller's transaction.
pub async fn save(
    txn: &impl ConnectionTrait,
    current: &listing::Model,
    inputs: &[VariantInput],
    now: DateTime<Utc>,
) -> Result<(), Refused> {
    let existing = of(txn, current.id).await?;
    let key = |label: &str| label.trim().to_lowercase();
    if inputs.iter().any(|v| v.photo_id.is_some()) {
        use crate::db::entities::listing_photo;
        let photos: Vec<i64> = listing_photo::Entity::find()
            .filter(listing_photo::Column::ListingId.eq(current.id))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        if inputs
            .iter()
            .filter_map(|v| v.photo_id)
            .any(|id| !photos.contains(&id))
        {
            return Err(Refused::Photo);
        }
    }
    for old in &existing {
        if !inputs.iter().any(|v| key(&v.label) == key(&old.label)) {
            listing_variant::Entity::delete_by_id(old.id)
                .exec(txn)
                .await?;
        }
    }
    for (position, v) in (0..).zip(inputs) {
        let weight = v.weight_grams.unwrap_or(current.weight_grams);
        match existing.iter().find(|old| key(&old.label) == key(&v.label)) {
            Some(old) => {
                let stock = v
                    .stock
                    .unwrap_or(old.stock)
                    .saturating_add(v.stock_delta.unwrap_or(0));
                // A difference applies to the stock as it is now (sales made meanwhile stay
                // sold); a set value replaces it.
                let next = match v.stock {
                    Some(_) => Expr::value(stock),
                    None => {
                        Expr::col(listing_variant::Column::Stock).add(v.stock_delta.unwrap_or(0))
                    }
                };
                let mut update = listing_variant::Entity::update_many()
                    .col_expr(listing_variant::Column::Label, Expr::value(v.label.trim()))
                    .col_expr(listing_variant::Column::PriceVnd, Expr::value(v.price_vnd))
                    .col_expr(listing_variant::Column::WeightGrams, Expr::value(weight))
                    .col_expr(listing_variant::Column::Position, Expr::value(position))
                    .col_expr(listing_variant::Column::PhotoId, Expr::value(v.photo_id))
                    .col_expr(listing_variant::Column::Stock, next)
                    .filter(listing_variant::Column::Id.eq(old.id));
                if v.stock.is_none() {
                    let after =
                        Expr::col(listing_variant::Column::Stock).add(v.stock_delta.unwrap_or(0));
                    update = update
                        .filter(after.clone().gte(0))
                        .filter(after.lte(MAX_STOCK));
                } else if !(0..=MAX_STOCK).contains(&stock) {
                    return Err(Refused::Stock {
                        label: old.label.clone(),
                        left: old.stock,
                    });
                }
                if update.exec(txn).await?.rows_affected != 1 {
                    return Err(Refused::Stock {
                        label: old.label.clone(),
                        left: old.stock,
                    });
                }
            }
            None => {
                let stock = v
                    .stock
                    .unwrap_or(0)
                    .saturating_add(v.stock_delta.unwrap_or(0));
                if !(0..=MAX_STOCK).contains(&stock) {
                    return Err(Refused::Stock {
                        label: v.label.trim().to_owned(),
                        left: 0,
                    });
                }
                listing_variant::ActiveModel {
                    listing_id: Set(current.id),
                    label: Set(v.label.trim().to_owned()),
                    price_vnd: Set(v.price_vnd),
                    stock: Set(stock),
                    weight_grams: Set(weight),
                    position: Set(position),
                    photo_id: Set(v.photo_id),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
            }
        }
    }
    sum_up(txn, current.id, now).await?;
    Ok(())
}

/// Sets a listing with variants to their lowest price and their total stock.
pub async fn sum_up(
    txn: &impl ConnectionTrait,
    listing_id: ListingId,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let all = of(txn, listing_id).await?;
    let Some(lowest) = all.iter().map(|v| v.price_vnd).min() else {
        return Ok(());
    };
    let total: i32 = all.iter().map(|v| v.stock).sum();
    listing::Entity::update_many()
        .col_expr(listing::Column::PriceVnd, Expr::value(lowest))
        .col_expr(listing::Column::Stock, Expr::value(total))
        .col_expr(listing::Column::UpdatedAt, Expr::value(now))
        .filter(listing::Column::Id.eq(listing_id))
        .exec(txn)
        .await?;
    Ok(())
}
