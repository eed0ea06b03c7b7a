//! Listing life cycle driven by certificates: the expiry sweep.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QuerySelect,
};

use super::ListingState;
use crate::db::entities::{listing, registry_certificate};
use crate::domain::registry::CertificateStatus;
use crate::domain::time::vietnam_date;
use crate::jobs::outbox;

/// Delists every listing whose certificate is no longer valid today (revoked, expired, or
/// past `expires_on`), with the reason, and queues their removal from search, in one
/// transaction. Returns how many listings were delisted.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let today = vietnam_date(now);
    let invalid = Query::select()
        .column(registry_certificate::Column::Id)
        .from(registry_certificate::Entity)
        .cond_where(
            sea_orm::Condition::any()
                .add(registry_certificate::Column::Status.ne(CertificateStatus::Active.as_str()))
                .add(registry_certificate::Column::ExpiresOn.lte(today)),
        )
        .to_owned();
    let txn = crate::db::begin_write(db).await?;
    let ids: Vec<i64> = listing::Entity::find()
        .select_only()
        .column(listing::Column::Id)
        .filter(listing::Column::State.ne(ListingState::Delisted.as_str()))
        .filter(Expr::col(listing::Column::CertificateId).in_subquery(invalid))
        .into_tuple()
        .all(&txn)
        .await?;
    if ids.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    delist(&txn, &ids, "certificate expired or revoked", now).await?;
    txn.commit().await?;
    Ok(ids.len())
}

/// Sets listings to delisted with a reason and queues their search sync.
pub async fn delist(
    db: &impl ConnectionTrait,
    listing_ids: &[i64],
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in listing_ids.chunks(500) {
        listing::Entity::update_many()
            .col_expr(
                listing::Column::State,
                Expr::value(ListingState::Delisted.as_str()),
            )
            .col_expr(listing::Column::StateReason, Expr::value(reason))
            .col_expr(listing::Column::UpdatedAt, Expr::value(now))
            .filter(listing::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    outbox::enqueue_listing_sync(db, listing_ids.iter().copied(), now).await
}
