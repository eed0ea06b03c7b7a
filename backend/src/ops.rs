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

/// Each rule: what must never be found, and the `FROM … WHERE …` that finds it.
fn rules() -> Vec<(&'static str, String)> {
    vec![
        (
            "a checkout without orders",
            "checkouts c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.checkout_id = c.id)".into(),
        ),
        (
            "an order without items",
            "orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)".into(),
        ),
        (
            "an order whose subtotal is not the sum of its items",
            "orders o WHERE o.subtotal_vnd <> (SELECT SUM(i.unit_price_vnd * i.quantity - i.discount_vnd) FROM order_items i WHERE i.order_id = o.id)".into(),
        ),
        (
            "a checkout whose total is not the sum of its orders",
            "checkouts c WHERE c.total_vnd <> (SELECT SUM(o.subtotal_vnd + o.shipping_vnd) FROM orders o WHERE o.checkout_id = c.id)".into(),
        ),
        (
            "an order without its first history entry",
            "orders o WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id)".into(),
        ),
        ("negative stock", "listings WHERE stock < 0".into()),
        (
            "negative stock on an outlet's shelf",
            "outlet_listings WHERE stock < 0".into(),
        ),
        (
            "a paid order without its payment time",
            "orders WHERE payment_state = 'paid' AND paid_at IS NULL".into(),
        ),
        (
            "a completed sale without its completion time",
            // The one completion rule, as sell-through and the indicator read it.
            format!(
                "orders o WHERE o.completed_at IS NULL AND {}",
                crate::features::orders::completion::completed("o")
            ),
        ),
    ]
}

/// Every broken rule with its count; empty when the data is whole.
pub async fn check(db: &DatabaseConnection) -> Result<Vec<(String, i64)>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let mut broken = Vec::new();
    for (what, found) in rules() {
        let row = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {found}"),
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
