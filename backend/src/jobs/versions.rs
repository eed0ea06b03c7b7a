//! The catalog's change counter, shared by every app instance through the database
//! (`change_counters`): the outbox worker bumps it each time it has applied listing changes to
//! the search index, and each instance watches it (a one-row read every second) and keeps its
//! view in a [`CatalogVersion`]. What is cached from the catalog (pages, sections) is kept
//! only while the version it was made at is current.
use std::collections::HashMap;
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

/// One computation per key at a time: a caller takes the key's turn, the others wait for it
/// to end (and then usually find its result kept). A key's lock is dropped once nobody holds
/// or waits for it, so the map does not grow with every address ever asked for.
#[derive(Clone, Default)]
pub struct Turns {
    held: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// A key's turn, released when dropped (it may move to a background task).
pub struct Turn {
    held: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    key: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Turns {
    fn lock_of(&self, key: &str) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let mut held = self.held.lock().ok()?;
        Some(held.entry(key.to_owned()).or_default().clone())
    }

    fn turn(&self, key: &str, guard: Option<tokio::sync::OwnedMutexGuard<()>>) -> Turn {
        Turn {
            held: self.held.clone(),
            key: key.to_owned(),
            guard,
        }
    }

    /// Waits for `key`'s turn.
    pub async fn take(&self, key: &str) -> Turn {
        let guard = match self.lock_of(key) {
            Some(lock) => Some(lock.lock_owned().await),
            None => None,
        };
        self.turn(key, guard)
    }

    /// `key`'s turn if nobody holds it now.
    pub fn try_take(&self, key: &str) -> Option<Turn> {
        let guard = self.lock_of(key)?.try_lock_owned();
        // A refused try holds a clone of the lock for an instant: should the holder end in
        // that instant, the key's idle lock stays in the map until its next turn ends.
        Some(self.turn(key, Some(guard.ok()?)))
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.held.lock().map(|held| held.len()).unwrap_or(0)
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.guard.take();
        if let Ok(mut held) = self.held.lock()
            && held
                .get(&self.key)
                .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            held.remove(&self.key);
        }
    }
}

/// A value kept by a [`Memo`], with the version it was made at, when, and what it cost.
struct Kept<V> {
    version: u64,
    made: std::time::Instant,
    cost: Duration,
    value: Made<V>,
}

/// A value from a [`Memo::get_or_refresh`] and the serial number of the computation that
/// made it: what is derived from it (a rendered table) can be kept under that number, so it
/// is never kept as current when the value was answered from before.
#[derive(Clone, Debug, PartialEq)]
pub struct Made<V> {
    pub value: V,
    pub serial: u64,
}

/// Serial numbers of computations, unique in this process.
static SERIALS: AtomicU64 = AtomicU64::new(1);

impl<V> Made<V> {
    fn new(value: V) -> Self {
        Self {
            value,
            serial: SERIALS.fetch_add(1, Ordering::Relaxed),
        }
    }
}

type Entries<V> = Arc<std::sync::Mutex<HashMap<String, Kept<V>>>>;

/// Results kept while the catalog's version holds and for at most `ttl`: one computation per
/// key at a time, the other callers waiting for its result.
pub struct Memo<V> {
    version: CatalogVersion,
    ttl: Duration,
    /// [`SLOW`], shorter in tests.
    slow: Duration,
    entries: Entries<V>,
    turns: Turns,
}

/// Keys kept at most; past it the memo starts afresh.
const MEMO_KEYS: usize = 1_000;

/// A computation at least this long is worth answering from its previous result while it
/// runs again (see [`Memo::get_or_refresh`]); shorter ones run again in the request.
pub const SLOW: Duration = Duration::from_secs(2);

/// How old a previous result may be to be answered while its successor is computed.
pub const STALE_FOR: Duration = Duration::from_secs(15 * 60);

fn keep<V>(entries: &Entries<V>, key: String, kept: Kept<V>) {
    if let Ok(mut entries) = entries.lock() {
        if entries.len() >= MEMO_KEYS && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, kept);
    }
}

impl<V: Clone> Memo<V> {
    pub fn new(version: CatalogVersion, ttl: Duration) -> Self {
        Self {
            version,
            ttl,
            slow: SLOW,
            entries: Entries::default(),
            turns: Turns::default(),
        }
    }

    fn kept(&self, key: &str) -> Option<Made<V>> {
        let now = self.version.current();
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|kept| kept.version == now && kept.made.elapsed() < self.ttl)
            .map(|kept| kept.value.clone())
    }

    /// A previous result for `key` that was slow to make and is recent enough to answer
    /// while it is made again.
    fn stale(&self, key: &str) -> Option<Made<V>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|kept| kept.cost >= self.slow && kept.made.elapsed() < STALE_FOR)
            .map(|kept| kept.value.clone())
    }

    /// The value kept for `key`, or the one `make` computes (kept when it succeeds).
    pub async fn get_or_try<E, F>(&self, key: &str, make: F) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        self.made_or_try(key, make).await.map(|made| made.value)
    }

    async fn made_or_try<E, F>(&self, key: &str, make: F) -> Result<Made<V>, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.kept(key) {
            return Ok(value);
        }
        let _turn = self.turns.take(key).await;
        if let Some(value) = self.kept(key) {
            return Ok(value);
        }
        let version = self.version.current();
        let started = std::time::Instant::now();
        let value = Made::new(make.await?);
        if !self.ttl.is_zero() {
            let kept = Kept {
                version,
                made: std::time::Instant::now(),
                cost: started.elapsed(),
                value: value.clone(),
            };
            keep(&self.entries, key.to_owned(), kept);
        }
        Ok(value)
    }
}

impl<V: Clone + Send + 'static> Memo<V> {
    /// Like [`Memo::get_or_try`], except when the kept value is out of date but took
    /// [`SLOW`] or more to make and is less than [`STALE_FOR`] old: then it is answered at
    /// once, and one background task (one per key, on this instance) makes its successor.
    /// A figure that takes seconds to compute at national scale is then a few seconds behind
    /// the catalog instead of making a visitor wait after every sale.
    pub async fn get_or_refresh<E, F>(&self, key: &str, make: F) -> Result<Made<V>, E>
    where
        E: std::fmt::Display + Send + 'static,
        F: std::future::Future<Output = Result<V, E>> + Send + 'static,
    {
        if let Some(value) = self.kept(key) {
            return Ok(value);
        }
        let Some(previous) = self.stale(key).filter(|_| !self.ttl.is_zero()) else {
            return self.made_or_try(key, make).await;
        };
        if let Some(turn) = self.turns.try_take(key) {
            let entries = self.entries.clone();
            let version = self.version.current();
            let key = key.to_owned();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                match make.await {
                    Ok(value) => {
                        let kept = Kept {
                            version,
                            made: std::time::Instant::now(),
                            cost: started.elapsed(),
                            value: Made::new(value),
                        };
                        keep(&entries, key, kept);
                    }
                    Err(error) => tracing::warn!(%key, %error, "refreshing a kept figure failed"),
                }
                drop(turn);
            });
        }
        Ok(previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<V, E>(made: Result<Made<V>, E>) -> Result<V, E> {
        made.map(|made| made.value)
    }

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
        assert_eq!(memo.turns.len(), 0, "no lock left behind");
    }

    #[tokio::test]
    async fn a_turn_excludes_others_on_its_key_only_and_leaves_nothing_behind() {
        let turns = Turns::default();
        let first = turns.take("a").await;
        let other = tokio::time::timeout(Duration::from_millis(50), turns.take("b")).await;
        assert!(other.is_ok(), "another key is free");
        drop(other);
        let same = tokio::time::timeout(Duration::from_millis(50), turns.take("a")).await;
        assert!(same.is_err(), "the same key waits");
        assert_eq!(turns.len(), 1);
        drop(first);
        assert_eq!(turns.len(), 0);
        let again = tokio::time::timeout(Duration::from_millis(50), turns.take("a")).await;
        assert!(again.is_ok());
    }

    #[tokio::test]
    async fn a_slow_figure_is_answered_from_before_while_one_task_makes_it_again() {
        let version = CatalogVersion::default();
        let mut memo: Memo<u32> = Memo::new(version.clone(), Duration::from_secs(60));
        memo.slow = Duration::from_millis(100);
        let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let make = |pause: u64| {
            let calls = calls.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(pause)).await;
                Ok::<_, String>(calls.fetch_add(1, Ordering::SeqCst) + 1)
            }
        };
        let first = memo.get_or_refresh("k", make(150)).await.expect("made");
        assert_eq!(first.value, 1, "first: computed");
        version.changed_here();
        let started = std::time::Instant::now();
        for _ in 0..5 {
            assert_eq!(
                memo.get_or_refresh("k", make(150)).await,
                Ok(first.clone()),
                "answered from before, under the same serial"
            );
        }
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "nobody waited"
        );
        let mut fresh = Ok(1);
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            fresh = value(memo.get_or_refresh("k", make(150)).await);
            if fresh != Ok(1) {
                break;
            }
        }
        assert_eq!(fresh, Ok(2), "made again in the background");
        let again = memo.get_or_refresh("k", make(150)).await.expect("kept");
        assert_ne!(
            again.serial, first.serial,
            "a new computation, a new serial"
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "by one task, not one per caller"
        );
        assert_eq!(memo.turns.len(), 0, "its turn ended");

        // A quick figure runs again in the request: never answered out of date.
        assert_eq!(value(memo.get_or_refresh("quick", make(0)).await), Ok(3));
        version.changed_here();
        assert_eq!(value(memo.get_or_refresh("quick", make(0)).await), Ok(4));
    }

    #[tokio::test]
    async fn a_turn_can_be_tried_without_waiting() {
        let turns = Turns::default();
        let held = turns.try_take("a").expect("free");
        assert!(turns.try_take("a").is_none(), "held");
        assert!(turns.try_take("b").is_some(), "another key");
        drop(held);
        assert!(turns.try_take("a").is_some(), "free again");
        assert_eq!(turns.len(), 0);
    }
}
