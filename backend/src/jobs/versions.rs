//! The catalog's change counter, shared by every app instance through the database
//! (`change_counters`): the outbox worker bumps it each time it has applied listing changes to
//! the search index, and each instance watches it (a one-row read every second) and keeps its
//! view in a [`CatalogVersion`]. What is cached from the catalog (pages, sections) is kept
//! only while the version it was made at is current.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

const CATALOG: &str = "catalog";

/// This instance's view of the catalog's version: the counter read from the database plus
/// the changes seen here since (local ones count at once).
#[derive(Clone, Default)]
pub struct CatalogVersion {
    /// The database counter last read.
    stored: Arc<AtomicU64>,
    /// Changes seen on this instance.
    local: Arc<AtomicU64>,
}

impl CatalogVersion {
    /// The version now: it changes whenever the catalog may have.
    pub fn current(&self) -> u64 {
        self.stored
            .load(Ordering::Acquire)
            .wrapping_mul(1 << 20)
            .wrapping_add(self.local.load(Ordering::Acquire))
    }

    /// Something changed on this instance (a write it served): its caches go at once.
    pub fn changed_here(&self) {
        self.local.fetch_add(1, Ordering::AcqRel);
    }

    /// Bumps the shared counter (after search changes were applied), and this view to the
    /// value it wrote: reading it back later changes nothing, so a page is dropped once per
    /// change, not twice.
    pub async fn bump(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let value = bump_catalog(db).await?;
        self.stored.fetch_max(value, Ordering::AcqRel);
        Ok(())
    }

    /// Reads the shared counter; true when it moved past what this view had.
    pub async fn refresh(&self, db: &impl ConnectionTrait) -> Result<bool, DbErr> {
        let value = read(db).await?;
        Ok(self.stored.fetch_max(value, Ordering::AcqRel) < value)
    }

    /// Reads the shared counter every `every` until the returned task is dropped or aborted.
    pub fn watch(
        &self,
        db: sea_orm::DatabaseConnection,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = me.refresh(&db).await {
                    tracing::debug!(error = %e, "reading the catalog version failed");
                }
            }
        })
    }
}

fn statement(backend: DbBackend, sql: &str) -> Statement {
    Statement::from_sql_and_values(backend, sql, [CATALOG.into()])
}

/// Bumps the shared counter: every instance drops what it kept from the catalog within a
/// second (for changes outside the search outbox, like gift combos).
/// Returns the counter's new value.
pub async fn bump_catalog(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE change_counters SET value = value + 1 WHERE name = $1 RETURNING value"
        }
        _ => "UPDATE change_counters SET value = value + 1 WHERE name = ? RETURNING value",
    };
    let row = db.query_one_raw(statement(backend, sql)).await?;
    let value: i64 = match row {
        Some(row) => row.try_get("", "value")?,
        None => 0,
    };
    Ok(u64::try_from(value).unwrap_or(0))
}

async fn read(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT value FROM change_counters WHERE name = $1",
        _ => "SELECT value FROM change_counters WHERE name = ?",
    };
    let row = db.query_one_raw(statement(backend, sql)).await?;
    let value: i64 = match row {
        Some(row) => row.try_get("", "value")?,
        None => 0,
    };
    Ok(u64::try_from(value).unwrap_or(0))
}

/// Results kept while the catalog's version holds and for at most `ttl`: one computation per
/// key at a time, the other callers waiting for its result.
pub struct Memo<V> {
    version: CatalogVersion,
    ttl: Duration,
    entries: std::sync::Mutex<std::collections::HashMap<String, (u64, std::time::Instant, V)>>,
    turns: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Keys kept at most; past it the memo starts afresh.
const MEMO_KEYS: usize = 1_000;

impl<V: Clone> Memo<V> {
    pub fn new(version: CatalogVersion, ttl: Duration) -> Self {
        Self {
            version,
            ttl,
            entries: std::sync::Mutex::default(),
            turns: std::sync::Mutex::default(),
        }
    }

    fn kept(&self, key: &str) -> Option<V> {
        let now = self.version.current();
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(version, made, _)| *version == now && made.elapsed() < self.ttl)
            .map(|(_, _, value)| value.clone())
    }

    /// The value kept for `key`, or the one `make` computes (kept when it succeeds).
    pub async fn get_or_try<E, F>(&self, key: &str, make: F) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.kept(key) {
            return Ok(value);
        }
        let turn = self
            .turns
            .lock()
            .ok()
            .map(|mut turns| turns.entry(key.to_owned()).or_default().clone());
        let _held = match &turn {
            Some(turn) => Some(turn.lock().await),
            None => None,
        };
        if let Some(value) = self.kept(key) {
            return Ok(value);
        }
        let version = self.version.current();
        let value = make.await?;
        if !self.ttl.is_zero()
            && let Ok(mut entries) = self.entries.lock()
        {
            if entries.len() >= MEMO_KEYS {
                entries.clear();
            }
            entries.insert(
                key.to_owned(),
                (version, std::time::Instant::now(), value.clone()),
            );
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_memo_computes_once_until_the_version_moves() {
        let version = CatalogVersion::default();
        let memo: Memo<u32> = Memo::new(version.clone(), Duration::from_secs(60));
        let calls = std::sync::atomic::AtomicU32::new(0);
        let make = || async { Ok::<_, ()>(calls.fetch_add(1, Ordering::SeqCst) + 1) };
        assert_eq!(memo.get_or_try("k", make()).await, Ok(1));
        assert_eq!(memo.get_or_try("k", make()).await, Ok(1), "kept");
        assert_eq!(memo.get_or_try("other", make()).await, Ok(2));
        version.changed_here();
        assert_eq!(memo.get_or_try("k", make()).await, Ok(3), "computed again");
        let failing = memo
            .get_or_try("bad", async { Err::<u32, &str>("no") })
            .await;
        assert_eq!(failing, Err("no"));
        assert_eq!(
            memo.get_or_try("bad", make()).await,
            Ok(4),
            "a failure is not kept"
        );
    }

    #[tokio::test]
    async fn callers_at_once_share_one_computation() {
        let memo: Arc<Memo<u32>> = Arc::new(Memo::new(
            CatalogVersion::default(),
            Duration::from_secs(60),
        ));
        let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (memo, calls) = (memo.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                memo.get_or_try("k", async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok::<_, ()>(calls.fetch_add(1, Ordering::SeqCst))
                })
                .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.expect("task"), Ok(0));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
