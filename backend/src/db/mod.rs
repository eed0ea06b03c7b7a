//! Database connection, migrations and reference-data sync.
pub mod entities;

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::OnConflict;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, Set, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    Value,
};

use crate::config::redact_url;
use crate::domain::reference::Reference;
use entities::{product_group, product_subgroup, province, province_name, region};

/// Connects to SQLite (WAL, foreign keys, busy timeout) or PostgreSQL.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .max_connections(if url.starts_with("sqlite:") { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(10))
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Pages read through the operating system's cache (shared by every
                // connection) instead of a read call each; a larger cache of our own.
                .pragma("mmap_size", "1073741824")
                .pragma("cache_size", "-32768")
        });
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database at {}", redact_url(url)))
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a deferred transaction that read first could not upgrade to a writer
/// once another connection had committed, and would fail instead of waiting.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Whether the database aborted a transaction only because of another one running at the
/// same time (PostgreSQL: serialization failure or deadlock; SQLite: still busy after the
/// busy timeout), so running it again from the start may succeed.
pub fn is_retryable(e: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx};
    let (DbErr::Exec(RuntimeErr::SqlxError(inner))
    | DbErr::Query(RuntimeErr::SqlxError(inner))
    | DbErr::Conn(RuntimeErr::SqlxError(inner))) = e
    else {
        return false;
    };
    match inner.as_ref() {
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            Some("40001" | "40P01" | "5" | "517" | "6")
        ),
        _ => false,
    }
}

/// How long to wait before attempt `n` of a retried transaction: a few milliseconds, more
/// each time, with jitter so the transactions that collided do not collide again.
pub fn retry_pause(n: u32) -> Duration {
    let base = 5u64 << n.min(6);
    Duration::from_millis(base + rand::random_range(0..base))
}

/// A statement written with `?` placeholders, as the backend wants them (`$1, $2, …` on
/// PostgreSQL).
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Applies pending migrations and syncs reference data (provinces, regions, groups).
///
/// On PostgreSQL the migrations run in one transaction holding an advisory lock, so app
/// instances started together apply each migration once: the others wait, then find nothing
/// pending.
pub async fn migrate(db: &DatabaseConnection, reference: &Reference) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        /// Any fixed number: the key of the migration lock.
        const MIGRATION_LOCK: i64 = 0x0C0F_7111_A6E5;
        let txn = db.begin().await.context("starting the migration")?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await
            .context("waiting for the migration lock")?;
        Migrator::up(&txn, None)
            .await
            .context("running migrations")?;
        txn.commit().await.context("committing the migrations")?;
    } else {
        Migrator::up(db, None).await.context("running migrations")?;
    }
    sync_reference(db, reference).await
}

/// Upserts the reference tables from the compiled-in data (plus region overrides), so the
/// database can join on them. Idempotent.
pub async fn sync_reference(db: &DatabaseConnection, reference: &Reference) -> anyhow::Result<()> {
    let txn = begin_write(db).await?;
    let regions = reference
        .regions
        .iter()
        .zip(0..)
        .map(|(r, position)| region::ActiveModel {
            code: Set(r.code.clone()),
            name_vi: Set(r.name_vi.clone()),
            name_en: Set(r.name_en.clone()),
            position: Set(position),
        });
    region::Entity::insert_many(regions)
        .on_conflict(
            OnConflict::column(region::Column::Code)
                .update_columns([
                    region::Column::NameVi,
                    region::Column::NameEn,
                    region::Column::Position,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .context("syncing regions")?;

    let provinces = reference.provinces.iter().map(|p| province::ActiveModel {
        code: Set(p.code.clone()),
        name_vi: Set(p.name_vi.clone()),
        name_en: Set(p.name_en.clone()),
        kind: Set(p.kind.clone()),
        region_code: Set(p.region_code.clone()),
    });
    province::Entity::insert_many(provinces)
        .on_conflict(
            OnConflict::column(province::Column::Code)
                .update_columns([
                    province::Column::NameVi,
                    province::Column::NameEn,
                    province::Column::Kind,
                    province::Column::RegionCode,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .context("syncing provinces")?;

    let names = reference
        .province_names
        .iter()
        .map(|n| province_name::ActiveModel {
            name_key: Set(n.key.clone()),
            name: Set(n.name.clone()),
            province_code: Set(n.province_code.clone()),
            legacy: Set(n.legacy),
        });
    province_name::Entity::insert_many(names)
        .on_conflict(
            OnConflict::column(province_name::Column::NameKey)
                .update_columns([
                    province_name::Column::Name,
                    province_name::Column::ProvinceCode,
                    province_name::Column::Legacy,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .context("syncing province names")?;

    let groups = reference
        .groups
        .iter()
        .zip(0..)
        .map(|(g, position)| product_group::ActiveModel {
            code: Set(g.code.clone()),
            name_vi: Set(g.name_vi.clone()),
            name_en: Set(g.name_en.clone()),
            position: Set(position),
        });
    product_group::Entity::insert_many(groups)
        .on_conflict(
            OnConflict::column(product_group::Column::Code)
                .update_columns([
                    product_group::Column::NameVi,
                    product_group::Column::NameEn,
                    product_group::Column::Position,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .context("syncing product groups")?;

    let subgroups = reference
        .subgroups
        .iter()
        .map(|s| product_subgroup::ActiveModel {
            code: Set(s.code.clone()),
            group_code: Set(s.group_code.clone()),
            set_no: Set(s.set_no),
            name_vi: Set(s.name_vi.clone()),
            name_en: Set(s.name_en.clone()),
        });
    product_subgroup::Entity::insert_many(subgroups)
        .on_conflict(
            OnConflict::column(product_subgroup::Column::Code)
                .update_columns([
                    product_subgroup::Column::GroupCode,
                    product_subgroup::Column::SetNo,
                    product_subgroup::Column::NameVi,
                    product_subgroup::Column::NameEn,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .context("syncing product sets")?;
    txn.commit().await?;
    Ok(())
}
