//! Set-based bulk writes for the benchmarks and the national data set: the database itself
//! makes the rows (`generate_series` on PostgreSQL, a recursive CTE on SQLite), in chunks that
//! move a progress bar.
use indicatif::ProgressBar;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// Rows `lo..=hi` as a `n` column, in the backend's dialect.
pub fn numbers(backend: DbBackend, lo: usize, hi: usize) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("SELECT n FROM generate_series({lo}::bigint, {hi}::bigint) AS g(n)")
        }
        _ => format!(
            "WITH RECURSIVE g(n) AS (SELECT {lo} UNION ALL SELECT n + 1 FROM g WHERE n < {hi}) SELECT n FROM g"
        ),
    }
}

/// A timestamp `seconds` (an SQL expression) after `since` (`YYYY-MM-DD HH:MM:SS`, UTC),
/// stored the way the application stores timestamps.
pub fn instant(backend: DbBackend, since: &str, seconds: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("(TIMESTAMPTZ '{since}+00' + ({seconds}) * INTERVAL '1 second')")
        }
        _ => format!(
            "(strftime('%Y-%m-%dT%H:%M:%S', '{since}', ({seconds}) || ' seconds') || '+00:00')"
        ),
    }
}

/// A date literal.
pub fn date(backend: DbBackend, day: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("DATE '{day}'"),
        _ => format!("'{day}'"),
    }
}

/// A new random UUID, stored as the application stores UUIDs.
pub fn uuid(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "gen_random_uuid()",
        _ => "randomblob(16)",
    }
}

pub async fn exec(db: &DatabaseConnection, sql: String) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_string(backend, sql)).await?;
    Ok(())
}

/// Inserts `total` rows in chunks, moving the progress bar.
pub async fn in_chunks(
    db: &DatabaseConnection,
    total: usize,
    progress: &ProgressBar,
    make: impl Fn(String) -> String,
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    const CHUNK: usize = 100_000;
    let mut lo = 1;
    while lo <= total {
        let hi = (lo + CHUNK - 1).min(total);
        exec(db, make(numbers(backend, lo, hi))).await?;
        progress.inc((hi - lo + 1) as u64);
        lo = hi + 1;
    }
    Ok(())
}

/// A quoted SQL string literal.
pub fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
