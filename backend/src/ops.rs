//! Operations: an online backup of the SQLite database, and an integrity check that proves a
//! crash (a process killed mid-checkout, a lost database connection) left no half-written
//! record: `ocop-village backup FILE` and `ocop-village check`.
use std::path::Path;

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// Writes a consistent copy of the SQLite database to `dest` while the app keeps running
/// (`VACUUM INTO`). PostgreSQL is backed up with its own tools (`pg_dump`; see the README).
pub async fn backup(db: &DatabaseConnection, dest: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        db.get_database_backend() == DbBackend::Sqlite,
        "on PostgreSQL use pg_dump -Fc (see the README's Backups section)"
    );
    anyhow::ensure!(
        !dest.exists(),
        "{} exists already: backups never overwrite",
        dest.display()
    );
    let target = dest
        .to_str()
        .context("the backup path must be valid UTF-8")?
        .replace('\'', "''");
    db.execute_raw(Statement::from_string(
        DbBackend::Sqlite,
        format!("VACUUM INTO '{target}'"),
    ))
    .await
    .with_context(|| format!("writing {}", dest.display()))?;
    Ok(())
}

/// Each rule: what must never be found, as a query counting the offending rows.
const RULES: [(&str, &str); 9] = [
    (
        "a checkout without orders",
        "SELECT COUNT(*) AS n FROM checkouts c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.checkout_id = c.id)",
    ),
    (
        "an order without items",
        "SELECT COUNT(*) AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)",
    ),
    (
        "an order whose subtotal is not the sum of its items",
        "SELECT COUNT(*) AS n FROM orders o WHERE o.subtotal_vnd <> (SELECT SUM(i.unit_price_vnd * i.quantity) FROM order_items i WHERE i.order_id = o.id)",
    ),
    (
        "a checkout whose total is not the sum of its orders",
        "SELECT COUNT(*) AS n FROM checkouts c WHERE c.total_vnd <> (SELECT SUM(o.subtotal_vnd) FROM orders o WHERE o.checkout_id = c.id)",
    ),
    (
        "an order without its first history entry",
        "SELECT COUNT(*) AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id)",
    ),
    (
        "negative stock",
        "SELECT COUNT(*) AS n FROM listings WHERE stock < 0",
    ),
    (
        "negative stock on an outlet's shelf",
        "SELECT COUNT(*) AS n FROM outlet_listings WHERE stock < 0",
    ),
    (
        "a paid order without its payment time",
        "SELECT COUNT(*) AS n FROM orders WHERE payment_state = 'paid' AND paid_at IS NULL",
    ),
    (
        "a completed sale without its completion time",
        "SELECT COUNT(*) AS n FROM orders WHERE completed_at IS NULL AND (state = 'delivered' OR (payment_state = 'paid' AND state IN ('placed', 'confirmed', 'shipped')))",
    ),
];

/// Every broken rule with its count; empty when the data is whole.
pub async fn check(db: &DatabaseConnection) -> Result<Vec<(String, i64)>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let mut broken = Vec::new();
    for (what, sql) in RULES {
        let row = db
            .query_one_raw(Statement::from_string(
                backend,
                sql.replace("COUNT(*) AS n", "CAST(COUNT(*) AS BIGINT) AS n"),
            ))
            .await?;
        let n: i64 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        if n > 0 {
            broken.push((what.to_owned(), n));
        }
    }
    Ok(broken)
}
