//! Leases: named locks that expire, kept in the database so every app instance sees them.
//!
//! A lease is held by whoever wrote its random token last, until `expires_at_ms`, read on the
//! database's clock (instances need not agree on the time). The holder renews it while it
//! works and proves it still holds it before any step that must not happen twice (an index
//! swap, a batch of search writes): a holder that was paused past the expiry finds its token
//! replaced and stops. Used for the search writer, search rebuilds and the embedded index's
//! owner.
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

/// Writes to the shared search index (incremental syncs and a rebuild's final swap).
pub const SEARCH_WRITER: &str = "search-writer";
/// A full rebuild of the search index: one at a time.
pub const SEARCH_REBUILD: &str = "search-rebuild";
/// The embedded search index follows one database: the one instance that may serve it.
pub const EMBEDDED_INDEX: &str = "embedded-index";

/// The database's clock in milliseconds since the epoch, as SQL.
fn now_ms_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT",
        _ => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
    }
}

fn params(backend: DbBackend, n: usize) -> Vec<String> {
    match backend {
        DbBackend::Postgres => (1..=n).map(|i| format!("${i}")).collect(),
        _ => vec!["?".to_owned(); n],
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// A lease this process holds.
#[derive(Clone, Debug)]
pub struct Lease {
    pub name: &'static str,
    token: String,
    ttl: Duration,
}

impl Lease {
    /// Takes the lease `name` for `ttl` if nobody holds it (or its holder let it expire).
    /// `holder` says who took it, for people reading the table.
    pub async fn try_acquire(
        db: &impl ConnectionTrait,
        name: &'static str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Self>, DbErr> {
        Self::take(db, name, holder, ttl, None).await
    }

    /// Takes the lease even from a live holder whose `holder` text is `same_holder` (the same
    /// process identity, restarted after a crash); otherwise like [`Self::try_acquire`].
    pub async fn acquire_as(
        db: &impl ConnectionTrait,
        name: &'static str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Self>, DbErr> {
        Self::take(db, name, holder, ttl, Some(holder)).await
    }

    async fn take(
        db: &impl ConnectionTrait,
        name: &'static str,
        holder: &str,
        ttl: Duration,
        same_holder: Option<&str>,
    ) -> Result<Option<Self>, DbErr> {
        let backend = db.get_database_backend();
        let p = params(backend, 2);
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO leases (name, expires_at_ms) VALUES ({}, 0) ON CONFLICT (name) DO NOTHING",
                p[0]
            ),
            [Value::from(name)],
        ))
        .await?;
        let token = Uuid::new_v4().to_string();
        let now = now_ms_sql(backend);
        let p = params(backend, 5);
        let restarted = if same_holder.is_some() {
            format!(" OR holder = {}", p[4])
        } else {
            String::new()
        };
        let sql = format!(
            "UPDATE leases SET token = {token}, holder = {holder}, expires_at_ms = {now} + {ttl} \
             WHERE name = {name} AND (token IS NULL OR expires_at_ms < {now}{restarted}) \
             RETURNING name",
            token = p[0],
            holder = p[1],
            ttl = p[2],
            name = p[3],
        );
        let mut values: Vec<Value> = vec![
            token.clone().into(),
            holder.into(),
            millis(ttl).into(),
            name.into(),
        ];
        if let Some(same) = same_holder {
            values.push(same.into());
        }
        let taken = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .is_some();
        Ok(taken.then_some(Self { name, token, ttl }))
    }

    /// Waits (polling every `every`) until the lease is free and takes it, or gives up after
    /// `patience`.
    pub async fn acquire_within(
        db: &impl ConnectionTrait,
        name: &'static str,
        holder: &str,
        ttl: Duration,
        patience: Duration,
    ) -> Result<Option<Self>, DbErr> {
        let give_up = tokio::time::Instant::now() + patience;
        loop {
            if let Some(lease) = Self::try_acquire(db, name, holder, ttl).await? {
                return Ok(Some(lease));
            }
            if tokio::time::Instant::now() >= give_up {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Extends the lease by its time to live from now. `false`: it was lost (expired and
    /// taken by someone else); the holder must stop what the lease protects.
    pub async fn renew(&self, db: &impl ConnectionTrait) -> Result<bool, DbErr> {
        let backend = db.get_database_backend();
        let now = now_ms_sql(backend);
        let p = params(backend, 3);
        let sql = format!(
            "UPDATE leases SET expires_at_ms = {now} + {ttl} \
             WHERE name = {name} AND token = {token} RETURNING name",
            ttl = p[0],
            name = p[1],
            token = p[2],
        );
        let values: Vec<Value> = vec![
            millis(self.ttl).into(),
            self.name.into(),
            self.token.clone().into(),
        ];
        Ok(db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .is_some())
    }

    /// Renews the lease every third of its time to live until the returned guard is dropped.
    pub fn keep_alive(&self, db: DatabaseConnection) -> KeepAlive {
        KeepAlive::start(db, self.clone())
    }

    /// Gives the lease up (if it is still ours).
    pub async fn release(self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        let p = params(backend, 2);
        let sql = format!(
            "UPDATE leases SET token = NULL, expires_at_ms = 0 WHERE name = {} AND token = {}",
            p[0], p[1]
        );
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(self.name), Value::from(self.token)],
        ))
        .await?;
        Ok(())
    }
}

/// Renews a lease in the background while long work runs, and remembers if it was lost.
pub struct KeepAlive {
    task: tokio::task::JoinHandle<()>,
    lost: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl KeepAlive {
    fn start(db: DatabaseConnection, lease: Lease) -> Self {
        let every = lease.ttl / 3;
        use std::sync::atomic::{AtomicBool, Ordering};
        let lost = std::sync::Arc::new(AtomicBool::new(false));
        let flag = lost.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match lease.renew(&db).await {
                    Ok(true) => {}
                    Ok(false) => {
                        flag.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, lease = lease.name, "renewing a lease failed")
                    }
                }
            }
        });
        Self { task, lost }
    }

    /// Whether a renewal found the lease taken by someone else.
    pub fn lost(&self) -> bool {
        self.lost.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Who holds the lease `name` now, if anyone does.
pub async fn holder(db: &impl ConnectionTrait, name: &str) -> Result<Option<String>, DbErr> {
    let backend = db.get_database_backend();
    let now = now_ms_sql(backend);
    let p = params(backend, 1);
    let sql = format!(
        "SELECT holder FROM leases WHERE name = {} AND token IS NOT NULL AND expires_at_ms >= {now}",
        p[0]
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(name)],
        ))
        .await?;
    row.map(|r| r.try_get::<Option<String>>("", "holder"))
        .transpose()
        .map(Option::flatten)
}
