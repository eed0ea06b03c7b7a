//! Keeping the index equal to the database: applying outbox entries, rebuilding, and the
//! start-up freshness check.
use std::collections::HashSet;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use super::config::fingerprint;
use super::documents::{load_visible, public_ids};
use super::{SearchEngine, SearchError};
use crate::domain::reference::Reference;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// Re-indexes the given listings from the database: visible ones are upserted, the others
/// removed. Idempotent and order-free, since it reads the current state.
pub async fn sync_listings(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
    listing_ids: &[i64],
) -> Result<(), SyncError> {
    if listing_ids.is_empty() {
        return Ok(());
    }
    let visible = load_visible(db, reference, today, Some(listing_ids)).await?;
    let ids = public_ids(db, listing_ids).await?;
    let hidden: Vec<String> = ids
        .iter()
        .filter(|(id, _)| !visible.contains_key(id))
        .map(|(_, pid)| pid.to_string())
        .collect();
    let documents: Vec<_> = visible.into_values().collect();
    engine.upsert(&documents).await?;
    engine.delete(&hidden).await?;
    Ok(())
}

/// Rebuilds the whole index from the database and records the fingerprint. Returns the
/// number of documents indexed.
pub async fn reindex(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
) -> Result<usize, SyncError> {
    engine.prepare().await?;
    let mut documents: Vec<_> = load_visible(db, reference, today, None)
        .await?
        .into_values()
        .collect();
    documents.sort_by(|a, b| a.id.cmp(&b.id));
    engine.replace_all(&documents).await?;
    engine.set_fingerprint(&fingerprint(reference)).await?;
    Ok(documents.len())
}

/// At start-up: prepares the engine and rebuilds the index if it was built for other
/// settings or reference data (or never). Returns whether it rebuilt.
pub async fn ensure_fresh(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
) -> Result<bool, SyncError> {
    engine.prepare().await?;
    if engine.fingerprint().await?.as_deref() == Some(fingerprint(reference).as_str()) {
        return Ok(false);
    }
    let n = reindex(db, engine, reference, today).await?;
    tracing::info!(
        documents = n,
        engine = engine.kind(),
        "search index rebuilt"
    );
    Ok(true)
}

/// Differences between the index and what the database says is visible, for checks.
pub async fn drift(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
) -> Result<(Vec<String>, Vec<String>), SyncError> {
    let expected: HashSet<String> = load_visible(db, reference, today, None)
        .await?
        .into_values()
        .map(|d| d.id)
        .collect();
    let indexed: HashSet<String> = engine.all_ids().await?.into_iter().collect();
    let mut missing: Vec<String> = expected.difference(&indexed).cloned().collect();
    let mut extra: Vec<String> = indexed.difference(&expected).cloned().collect();
    missing.sort();
    extra.sort();
    Ok((missing, extra))
}
