//! Listing life cycle driven by certificates: the expiry sweep.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QuerySelect,
};

use super::ListingState;
use crate::db::entities::{listing, registry_certificate};
use crate::domain::ids::{ListingId, UserId};
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
    let ids: Vec<ListingId> = listing::Entity::find()
        .select_only()
        .column(listing::Column::Id)
        .filter(listing::Column::State.ne(ListingState::Delisted))
        .filter(Expr::col(listing::Column::CertificateId).in_subquery(invalid))
        .into_tuple()
        .all(&txn)
        .await?;
    if ids.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    delist(
        &txn,
        &ids,
        DelistedBy::System,
        "certificate expired or revoked",
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(ids.len())
}

/// Who delisted a listing. A seller may republish a listing the system delisted once its
/// certificate is valid again (renewed); only an officer reinstates one an officer delisted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelistedBy {
    System,
    Officer,
}

impl DelistedBy {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Officer => "officer",
        }
    }
}

/// Sets listings to delisted with a reason and queues their search sync.
pub async fn delist(
    db: &impl ConnectionTrait,
    listing_ids: &[ListingId],
    by: DelistedBy,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in listing_ids.chunks(500) {
        listing::Entity::update_many()
            .col_expr(listing::Column::State, Expr::value(ListingState::Delisted))
            .col_expr(listing::Column::StateReason, Expr::value(reason))
            .col_expr(listing::Column::DelistedBy, Expr::value(by.as_str()))
            .col_expr(listing::Column::UpdatedAt, Expr::value(now))
            .filter(listing::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    outbox::enqueue_listing_sync(db, listing_ids.iter().copied(), now).await
}

/// Days before expiry at which sellers are reminded.
pub const REMINDER_DAYS: [i64; 3] = [7, 30, 60];

/// Queues reminder mail for certificates that expire within 60 days: one per threshold
/// (60, 30, 7 days) and expiry date, to the members of the certificate's seller (or, when it
/// has none yet, the registry contact). A sweep that runs late sends only the nearest
/// threshold's reminder. Returns how many reminders were queued.
pub async fn remind(
    db: &DatabaseConnection,
    site: &str,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{ActiveValue::Set, QueryOrder};

    use crate::db::entities::{
        certificate_reminder, membership, registry_participant, seller, user,
    };
    let today = vietnam_date(now);
    let horizon = today + chrono::Duration::days(60);
    let certificates = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::Status.eq(CertificateStatus::Active.as_str()))
        .filter(registry_certificate::Column::ExpiresOn.gt(today))
        .filter(registry_certificate::Column::ExpiresOn.lte(horizon))
        .order_by_asc(registry_certificate::Column::Id)
        .all(db)
        .await?;
    let mut queued = 0;
    for cert in certificates {
        let days_left = (cert.expires_on - today).num_days();
        let Some(threshold) = REMINDER_DAYS.into_iter().find(|d| days_left <= *d) else {
            continue;
        };
        let Some(seller) = seller::Entity::find()
            .filter(seller::Column::ParticipantId.eq(cert.participant_id))
            .one(db)
            .await?
        else {
            continue;
        };
        let member_ids: Vec<UserId> = membership::Entity::find()
            .filter(membership::Column::SellerId.eq(seller.id))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let mut recipients: Vec<String> = user::Entity::find()
            .filter(user::Column::Id.is_in(member_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| u.email)
            .collect();
        if recipients.is_empty() {
            let contact = registry_participant::Entity::find_by_id(cert.participant_id)
                .one(db)
                .await?
                .and_then(|p| p.contact_email);
            recipients.extend(contact);
        }
        if recipients.is_empty() {
            continue;
        }
        let txn = crate::db::begin_write(db).await?;
        let inserted = certificate_reminder::Entity::insert(certificate_reminder::ActiveModel {
            certificate_id: Set(cert.id),
            expires_on: Set(cert.expires_on),
            days_before: Set(threshold as i32),
            sent_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                certificate_reminder::Column::CertificateId,
                certificate_reminder::Column::ExpiresOn,
                certificate_reminder::Column::DaysBefore,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 0 {
            txn.rollback().await?;
            continue;
        }
        for to in &recipients {
            crate::mail::queue(
                &txn,
                "certificate_expiry",
                to,
                &serde_json::json!({
                    "certificate_no": cert.certificate_no,
                    "product": cert.product_name_vi,
                    "seller": seller.display_name,
                    "expires_on": cert.expires_on.format("%d/%m/%Y").to_string(),
                    "days": days_left,
                    "link": format!("{site}/seller"),
                }),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        queued += 1;
    }
    Ok(queued)
}
