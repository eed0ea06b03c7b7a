//! Fixed-window rate limits kept in the database, so every app instance shares them.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, Value};

/// Counts one hit on `key` and says whether it is within `limit` hits per `window`.
pub async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    limit: u32,
    window: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let now_ms = now.timestamp_millis();
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 2);
    let expired_before = now_ms - window_ms;
    // A window that has run out starts again at 1.
    let sql = "INSERT INTO rate_limits (key, window_start_ms, hits) VALUES (?, ?, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start_ms <= ? THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start_ms = CASE WHEN rate_limits.window_start_ms <= ? THEN ? ELSE rate_limits.window_start_ms END \
         RETURNING hits";
    let values: Vec<Value> = vec![
        key.into(),
        now_ms.into(),
        expired_before.into(),
        expired_before.into(),
        now_ms.into(),
    ];
    let row = db
        .query_one_raw(crate::db::statement(backend, sql, values))
        .await?
        .ok_or_else(|| DbErr::Custom("rate limit upsert returned nothing".into()))?;
    let hits: i32 = row.try_get("", "hits")?;
    Ok(u32::try_from(hits).unwrap_or(u32::MAX) <= limit)
}

/// What [`take`] granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Requests granted (0 to the amount asked).
    pub granted: u32,
    /// When the current window started (milliseconds since the epoch).
    pub window_start_ms: i64,
}

/// Takes up to `amount` of the `limit` hits `key` may make per `window`, in one statement:
/// a share of the window a caller spends without asking again.
pub async fn take(
    db: &impl ConnectionTrait,
    key: &str,
    amount: u32,
    limit: u32,
    window: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<Grant, DbErr> {
    let backend = db.get_database_backend();
    let now_ms = now.timestamp_millis();
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 2);
    let expired_before = now_ms - window_ms;
    let sql = "INSERT INTO rate_limits (key, window_start_ms, hits) VALUES (?, ?, ?) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start_ms <= ? THEN ? ELSE rate_limits.hits + ? END, \
           window_start_ms = CASE WHEN rate_limits.window_start_ms <= ? THEN ? ELSE rate_limits.window_start_ms END \
         RETURNING hits, window_start_ms";
    let amount_i = i32::try_from(amount).unwrap_or(i32::MAX);
    let values: Vec<Value> = vec![
        key.into(),
        now_ms.into(),
        amount_i.into(),
        expired_before.into(),
        amount_i.into(),
        amount_i.into(),
        expired_before.into(),
        now_ms.into(),
    ];
    let row = db
        .query_one_raw(crate::db::statement(backend, sql, values))
        .await?
        .ok_or_else(|| DbErr::Custom("rate limit upsert returned nothing".into()))?;
    let hits: i32 = row.try_get("", "hits")?;
    let window_start_ms: i64 = row.try_get("", "window_start_ms")?;
    let before = i64::from(hits) - i64::from(amount_i);
    let left = (i64::from(limit) - before).clamp(0, i64::from(amount));
    Ok(Grant {
        granted: u32::try_from(left).unwrap_or(0),
        window_start_ms,
    })
}

/// Deletes the windows of keys starting with `prefix` that started before `cutoff_ms`.
pub async fn purge(db: &impl ConnectionTrait, prefix: &str, cutoff_ms: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(crate::db::statement(
        backend,
        "DELETE FROM rate_limits WHERE window_start_ms < ? AND key LIKE ?",
        vec![Value::from(cutoff_ms), Value::from(format!("{prefix}%"))],
    ))
    .await?;
    Ok(())
}
