//! Changes to the catalog. Each runs in one transaction with the outbox entries that keep
//! search in sync, so a change is never committed without its index update being queued.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::{ListingState, SellerState};
use crate::db::entities::{listing, seller};
use crate::domain::ids::{ListingId, SellerId};
use crate::domain::money::Vnd;
use crate::jobs::outbox;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("no such listing")]
    ListingNotFound,
    #[error("no such seller")]
    SellerNotFound,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// What a seller may change on a listing; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ListingChanges {
    pub price_vnd: Option<Vnd>,
    pub stock: Option<i32>,
    pub state: Option<ListingState>,
    pub state_reason: Option<String>,
}

pub async fn update_listing(
    db: &DatabaseConnection,
    listing_pid: Uuid,
    changes: ListingChanges,
    now: DateTime<Utc>,
) -> Result<listing::Model, CommandError> {
    if changes.price_vnd.is_some_and(|p| p <= Vnd::ZERO) {
        return Err(CommandError::Invalid(
            "price must be a positive number of đồng".into(),
        ));
    }
    if changes.stock.is_some_and(|s| s < 0) {
        return Err(CommandError::Invalid("stock cannot be negative".into()));
    }
    let txn = crate::db::begin_write(db).await?;
    let current = listing::Entity::find()
        .filter(listing::Column::Pid.eq(listing_pid))
        .one(&txn)
        .await?
        .ok_or(CommandError::ListingNotFound)?;
    let mut active: listing::ActiveModel = current.into();
    if let Some(price) = changes.price_vnd {
        active.price_vnd = Set(price);
    }
    if let Some(stock) = changes.stock {
        active.stock = Set(stock);
    }
    if let Some(state) = changes.state {
        active.state = Set(state);
        active.state_reason = Set(changes.state_reason.clone());
        if state == ListingState::Published {
            active.published_at = Set(Some(now));
        }
    }
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    outbox::enqueue_listing_sync(&txn, [updated.id], now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Suspends or reinstates a seller; its listings leave or re-enter search.
pub async fn set_seller_state(
    db: &DatabaseConnection,
    seller_id: SellerId,
    state: SellerState,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), CommandError> {
    let txn = crate::db::begin_write(db).await?;
    let updated = seller::Entity::update_many()
        .col_expr(seller::Column::State, Expr::value(state))
        .col_expr(seller::Column::StateReason, Expr::value(reason))
        .col_expr(seller::Column::UpdatedAt, Expr::value(now))
        .filter(seller::Column::Id.eq(seller_id))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(CommandError::SellerNotFound);
    }
    let listing_ids: Vec<ListingId> = listing::Entity::find()
        .select_only()
        .column(listing::Column::Id)
        .filter(listing::Column::SellerId.eq(seller_id))
        .into_tuple()
        .all(&txn)
        .await?;
    outbox::enqueue_listing_sync(&txn, listing_ids, now).await?;
    txn.commit().await?;
    Ok(())
}
