//! Fixed-window rate limits kept in the database, so every app instance shares them.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

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
    let p: Vec<String> = match backend {
        DbBackend::Postgres => (1..=5).map(|i| format!("${i}")).collect(),
        _ => vec!["?".to_owned(); 5],
    };
    // A window that has run out starts again at 1.
    let sql = format!(
        "INSERT INTO rate_limits (key, window_start_ms, hits) VALUES ({key}, {now}, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start_ms <= {expired} THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start_ms = CASE WHEN rate_limits.window_start_ms <= {expired2} THEN {now2} ELSE rate_limits.window_start_ms END \
         RETURNING hits",
        key = p[0],
        now = p[1],
        expired = p[2],
        expired2 = p[3],
        now2 = p[4],
    );
    let values: Vec<Value> = vec![
        key.into(),
        now_ms.into(),
        expired_before.into(),
        expired_before.into(),
        now_ms.into(),
    ];
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .ok_or_else(|| DbErr::Custom("rate limit upsert returned nothing".into()))?;
    let hits: i32 = row.try_get("", "hits")?;
    Ok(u32::try_from(hits).unwrap_or(u32::MAX) <= limit)
}
