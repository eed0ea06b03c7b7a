//! The outbox table: enqueue in the caller's transaction, claim with a lease (several app
//! instances may drain it; PostgreSQL uses `FOR UPDATE SKIP LOCKED`), complete, or fail with
//! exponential backoff. An entry is only marked done after its effect was applied, so a crash
//! means a retry, never a loss.
//!
//! Every claim writes a fresh token on the entries it takes; completing, failing, giving up
//! and renewing all need that token. A worker paused past its lease finds its entries claimed
//! again by another (new token) and can neither mark them done nor renew them to send a
//! message twice.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, Set, Value,
};

use crate::db::entities::outbox;
use crate::domain::ids::ListingId;

/// Re-index one listing (payload `{"listing_id": <internal id>}`).
pub const SEARCH_LISTING: &str = "search.listing";
/// Rebuild the whole search index from the database.
pub const SEARCH_REINDEX: &str = "search.reindex";
/// Send one e-mail (payload: a rendered [`crate::mail::OutgoingMail`]).
pub const MAIL_SEND: &str = "mail.send";

#[derive(Clone, Debug)]
pub struct Entry {
    pub id: i64,
    pub topic: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    /// The token of the claim that holds this entry.
    pub claim: String,
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Adds entries in the caller's transaction.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    topic: &str,
    payloads: impl IntoIterator<Item = serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let rows: Vec<outbox::ActiveModel> = payloads
        .into_iter()
        .map(|payload| outbox::ActiveModel {
            topic: Set(topic.to_owned()),
            payload: Set(payload.to_string()),
            attempts: Set(0),
            available_at_ms: Set(millis(now)),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        outbox::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Queues a search re-index of each listing.
pub async fn enqueue_listing_sync(
    db: &impl ConnectionTrait,
    listing_ids: impl IntoIterator<Item = ListingId>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        db,
        SEARCH_LISTING,
        listing_ids
            .into_iter()
            .map(|id| serde_json::json!({ "listing_id": id })),
        now,
    )
    .await
}

/// Claims up to `limit` due entries of `topics` for `lease`, under one new claim token.
pub async fn claim(
    db: &impl ConnectionTrait,
    topics: &[&str],
    limit: u64,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Vec<Entry>, DbErr> {
    let backend = db.get_database_backend();
    let now_ms = millis(now);
    let lease_until = now_ms + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
    let skip_locked = match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let topic_marks = vec!["?"; topics.len()].join(", ");
    let sql = format!(
        "UPDATE outbox SET locked_until_ms = ?, claim_token = ? \
         WHERE id IN (SELECT id FROM outbox WHERE done_at IS NULL AND available_at_ms <= ? \
           AND (locked_until_ms IS NULL OR locked_until_ms < ?) AND topic IN ({topic_marks}) \
           ORDER BY id LIMIT ?{skip_locked}) \
         RETURNING id, topic, payload, attempts"
    );
    let token = uuid::Uuid::new_v4().to_string();
    let mut values: Vec<Value> = vec![
        lease_until.into(),
        token.clone().into(),
        now_ms.into(),
        now_ms.into(),
    ];
    values.extend(topics.iter().map(|t| Value::from(*t)));
    values.push(i64::try_from(limit).unwrap_or(100).into());
    let rows = db
        .query_all_raw(crate::db::statement(backend, &sql, values))
        .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let payload: String = row.try_get("", "payload")?;
        entries.push(Entry {
            id: row.try_get("", "id")?,
            topic: row.try_get("", "topic")?,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
            attempts: row.try_get("", "attempts")?,
            claim: token.clone(),
        });
    }
    entries.sort_by_key(|e| e.id);
    Ok(entries)
}

/// Entries still held by the claim they were taken with: the filter every later step uses.
fn held(entries: &[Entry]) -> sea_orm::Condition {
    let mut any = sea_orm::Condition::any();
    let mut claims: Vec<&str> = entries.iter().map(|e| e.claim.as_str()).collect();
    claims.sort_unstable();
    claims.dedup();
    for claim in claims {
        any = any.add(
            sea_orm::Condition::all()
                .add(outbox::Column::ClaimToken.eq(claim))
                .add(
                    outbox::Column::Id
                        .is_in(entries.iter().filter(|e| e.claim == claim).map(|e| e.id)),
                ),
        );
    }
    sea_orm::Condition::all()
        .add(any)
        .add(outbox::Column::DoneAt.is_null())
}

/// Marks entries done, if their claim still holds them. Returns how many it marked: fewer
/// than given means another worker claimed some again (this one was too slow).
pub async fn complete(
    db: &impl ConnectionTrait,
    entries: &[Entry],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if entries.is_empty() {
        return Ok(0);
    }
    let done = outbox::Entity::update_many()
        .col_expr(outbox::Column::DoneAt, Expr::value(now))
        .col_expr(
            outbox::Column::LockedUntilMs,
            Expr::value(Option::<i64>::None),
        )
        .filter(held(entries))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Extends the claim on `entry` by `lease` from `now`; `false` when the claim was lost (the
/// entry was claimed again or finished by another worker): its effect must not be applied.
pub async fn renew(
    db: &impl ConnectionTrait,
    entry: &Entry,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<bool, DbErr> {
    let until = millis(now) + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
    let renewed = outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntilMs, Expr::value(until))
        .filter(held(std::slice::from_ref(entry)))
        .exec(db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Records a failure of a batch and schedules its next attempt, in one statement:
/// `base × 2^attempts` (the batch's most-tried entry), at most `max`.
pub async fn fail(
    db: &impl ConnectionTrait,
    entries: &[Entry],
    error: &str,
    now: DateTime<Utc>,
    base: Duration,
    max: Duration,
) -> Result<(), DbErr> {
    let attempts = entries.iter().map(|e| e.attempts).max().unwrap_or(0);
    let delay = backoff(attempts, base, max);
    let next = millis(now) + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .col_expr(outbox::Column::AvailableAtMs, Expr::value(next))
        .col_expr(
            outbox::Column::LockedUntilMs,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(error.chars().take(500).collect::<String>()),
        )
        .filter(held(entries))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives up on an entry that can never succeed (a malformed message): marks it done and keeps
/// the reason, so it shows in the outbox instead of being retried forever.
pub async fn give_up(
    db: &impl ConnectionTrait,
    entry: &Entry,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::DoneAt, Expr::value(now))
        .col_expr(
            outbox::Column::LockedUntilMs,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(format!("gave up: {error}")),
        )
        .filter(held(std::slice::from_ref(entry)))
        .exec(db)
        .await?;
    Ok(())
}

pub fn backoff(attempts: i32, base: Duration, max: Duration) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20));
    base.saturating_mul(factor).min(max)
}

/// Entries of `topic` not yet done.
pub async fn pending(db: &impl ConnectionTrait, topic: &str) -> Result<u64, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .filter(outbox::Column::Topic.eq(topic))
        .count(db)
        .await
}

/// The listings of search entries not done, or done at `since` or later: every listing whose
/// change a search snapshot taken at `since` may have missed.
pub async fn listings_touched_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<ListingId>, DbErr> {
    use sea_orm::QuerySelect;
    let payloads: Vec<String> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Payload)
        .filter(outbox::Column::Topic.eq(SEARCH_LISTING))
        .filter(
            sea_orm::Condition::any()
                .add(outbox::Column::DoneAt.is_null())
                .add(outbox::Column::DoneAt.gte(since)),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut ids: Vec<ListingId> = payloads
        .iter()
        .filter_map(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .filter_map(|v| v.get("listing_id").and_then(serde_json::Value::as_i64))
        .map(ListingId::new)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Entries not yet done.
pub async fn backlog(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .count(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(5);
        assert_eq!(backoff(0, base, max), Duration::from_millis(100));
        assert_eq!(backoff(3, base, max), Duration::from_millis(800));
        assert_eq!(backoff(10, base, max), max);
        assert_eq!(backoff(1000, base, max), max);
    }
}
