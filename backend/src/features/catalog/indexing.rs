//! Keeping the index equal to the database: applying outbox entries, rebuilding, the
//! start-up freshness check, and the comparison behind `search verify`.
//!
//! Several app instances share one Meilisearch, so writes to it are ordered by two leases
//! ([`crate::jobs::lease`]):
//! - `search-writer`: held while a batch of listing changes is read from the database and
//!   written, so two instances never write the same listing's old and new state out of order;
//! - `search-rebuild`: one full rebuild at a time. A rebuild reads a snapshot, fills a fresh
//!   index beside the live one (incremental syncs go on meanwhile), then takes the writer
//!   lease, re-applies every listing changed since the snapshot began to the new index
//!   ("catch-up") and swaps it in. A change committed during the rebuild is therefore either in
//!   the snapshot or in the catch-up; none is lost.
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use super::documents::{load_visible, public_ids};
use crate::domain::ids::ListingId;
use crate::domain::reference::Reference;
use crate::jobs::lease::{self, KeepAlive, Lease};
use crate::jobs::outbox;
use crate::search::config::fingerprint;
use crate::search::{SearchDocument, SearchEngine, SearchError};

/// How long a rebuild lease lasts without renewal; the rebuild renews it every third of that.
const REBUILD_TTL: Duration = Duration::from_secs(60);
/// How long the writer lease lasts without renewal. Its holder renews it every third of that
/// while it writes, so an instance killed while holding it holds up the others' syncs (and
/// with them how soon a hidden product leaves search) for at most this long.
pub const WRITER_TTL: Duration = Duration::from_secs(6);
/// How far before its snapshot a rebuild looks for changes to catch up: more than any clock
/// difference between app instances (outbox entries are stamped with the app's clock).
const CATCH_UP_MARGIN: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// Another instance is rebuilding, or held the writer lease too long.
    #[error("{0}")]
    Busy(String),
}

/// The documents to write for `listing_ids`: the visible ones, and the public ids of the
/// others (to delete). Reads the current state, so applying it is idempotent.
pub async fn changes_for(
    db: &DatabaseConnection,
    reference: &Reference,
    today: NaiveDate,
    listing_ids: &[ListingId],
) -> Result<(Vec<SearchDocument>, Vec<String>), sea_orm::DbErr> {
    if listing_ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let visible = load_visible(db, reference, today, Some(listing_ids)).await?;
    let ids = public_ids(db, listing_ids).await?;
    let hidden: Vec<String> = ids
        .iter()
        .filter(|(id, _)| !visible.contains_key(id))
        .map(|(_, pid)| pid.to_string())
        .collect();
    Ok((visible.into_values().collect(), hidden))
}

/// Re-indexes the given listings from the database: visible ones are upserted, the others
/// removed. Callers that share an engine with other instances hold the writer lease.
pub async fn sync_listings(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
    listing_ids: &[ListingId],
) -> Result<(), SyncError> {
    let (upserts, deletes) = changes_for(db, reference, today, listing_ids).await?;
    engine.apply(&upserts, &deletes).await?;
    Ok(())
}

/// Rebuilds the whole index from the database and records the fingerprint, one rebuild at a
/// time across instances, losing no change made meanwhile (see the module's notes). Returns
/// the number of documents indexed, or [`SyncError::Busy`] if another rebuild is running.
pub async fn reindex(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
    holder: &str,
) -> Result<usize, SyncError> {
    let Some(rebuild_lease) =
        Lease::try_acquire(db, lease::SEARCH_REBUILD, holder, REBUILD_TTL).await?
    else {
        let who = lease::holder(db, lease::SEARCH_REBUILD)
            .await?
            .unwrap_or_default();
        return Err(SyncError::Busy(format!(
            "another search rebuild is running ({who})"
        )));
    };
    let keep_alive = rebuild_lease.keep_alive(db.clone());
    let result = rebuild(
        db,
        engine,
        reference,
        today,
        holder,
        &rebuild_lease,
        &keep_alive,
    )
    .await;
    drop(keep_alive);
    rebuild_lease.release(db).await?;
    result
}

async fn rebuild(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
    holder: &str,
    rebuild_lease: &Lease,
    keep_alive: &KeepAlive,
) -> Result<usize, SyncError> {
    let since = Utc::now()
        - chrono::Duration::from_std(CATCH_UP_MARGIN).unwrap_or_else(|_| chrono::Duration::zero());
    let snapshot: BTreeMap<String, SearchDocument> = load_visible(db, reference, today, None)
        .await?
        .into_values()
        .map(|d| (d.id.clone(), d))
        .collect();
    let documents: Vec<SearchDocument> = snapshot.into_values().collect();
    let count = documents.len();
    let replacement = engine.begin_rebuild(&documents).await?;
    drop(documents);

    // Incremental syncs stop while the replacement catches up and is swapped in.
    let Some(writer) = Lease::acquire_within(
        db,
        lease::SEARCH_WRITER,
        holder,
        WRITER_TTL,
        Duration::from_secs(120),
    )
    .await?
    else {
        engine.abandon_rebuild(replacement).await?;
        return Err(SyncError::Busy(
            "the search writer lease stayed taken for two minutes".into(),
        ));
    };
    let writer_alive = writer.keep_alive(db.clone());
    let finished = async {
        if keep_alive.lost() || !rebuild_lease.renew(db).await? {
            engine.abandon_rebuild(replacement).await?;
            return Err(SyncError::Busy(
                "this rebuild lost its lease (paused too long); it was abandoned".into(),
            ));
        }
        let touched = outbox::listings_touched_since(db, since).await?;
        let (upserts, deletes) = changes_for(db, reference, today, &touched).await?;
        tracing::info!(
            snapshot = count,
            caught_up = touched.len(),
            "search rebuild: swapping in the new index"
        );
        if writer_alive.lost() || !writer.renew(db).await? {
            engine.abandon_rebuild(replacement).await?;
            return Err(SyncError::Busy(
                "this rebuild lost the search writer lease; it was abandoned".into(),
            ));
        }
        engine
            .finish_rebuild(replacement, &upserts, &deletes)
            .await?;
        engine.set_fingerprint(&fingerprint(reference)).await?;
        Ok(count)
    }
    .await;
    drop(writer_alive);
    writer.release(db).await?;
    finished
}

/// At start-up: prepares the engine and rebuilds the index if it was built for other
/// settings or reference data (or never). Returns whether it rebuilt. If another instance is
/// rebuilding already, this one leaves it to that one.
pub async fn ensure_fresh(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
    holder: &str,
) -> Result<bool, SyncError> {
    if is_fresh(engine, reference).await? {
        // Settings are applied again (a no-op when unchanged).
        engine.prepare().await?;
        return Ok(false);
    }
    match reindex(db, engine, reference, today, holder).await {
        Ok(n) => {
            tracing::info!(
                documents = n,
                engine = engine.kind(),
                "search index rebuilt"
            );
            Ok(true)
        }
        Err(SyncError::Busy(why)) => {
            tracing::info!("{why}; leaving the rebuild to it");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Whether the live index exists and was built for today's settings and reference data.
pub async fn is_fresh(
    engine: &dyn SearchEngine,
    reference: &Reference,
) -> Result<bool, SearchError> {
    Ok(engine.fingerprint().await?.as_deref() == Some(fingerprint(reference).as_str()))
}

/// Searches; a missing live index (deleted by hand, a new Meilisearch) queues a rebuild and
/// answers as unavailable meanwhile, so shoppers get a 503 with Retry-After, not a 500.
pub async fn search_or_rebuild(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    query: &crate::search::SearchQuery,
) -> Result<crate::search::SearchResults, SearchError> {
    match engine.search(query).await {
        Err(SearchError::MissingIndex(why)) => {
            match request_rebuild(db).await {
                Ok(true) => tracing::warn!(%why, "the search index is missing; rebuild queued"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "queueing a search rebuild failed"),
            }
            Err(SearchError::Unavailable(format!(
                "the search index is being rebuilt ({why})"
            )))
        }
        other => other,
    }
}

/// Queues a full rebuild for the workers, unless one is queued already.
pub async fn request_rebuild(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    if outbox::pending(db, outbox::SEARCH_REINDEX).await? > 0 {
        return Ok(false);
    }
    outbox::enqueue(
        db,
        outbox::SEARCH_REINDEX,
        [serde_json::json!({})],
        Utc::now(),
    )
    .await?;
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

/// Where the index and the database disagree, listing by listing (`search verify`).
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// Visible listings (documents the database would build).
    pub expected: usize,
    /// Documents in the index.
    pub indexed: usize,
    /// Visible but not indexed.
    pub missing: Vec<String>,
    /// Indexed but not visible (delisted, paused, expired, suspended seller…).
    pub extra: Vec<String>,
    /// Indexed with other fields than the database gives (price, stock flag, photo…): the
    /// listing's id and the first field that differs.
    pub stale: Vec<(String, String)>,
}

impl Verification {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.stale.is_empty()
    }
}

/// Compares every indexed document with the document the database builds today.
pub async fn verify(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    today: NaiveDate,
) -> Result<Verification, SyncError> {
    let expected: BTreeMap<String, SearchDocument> = load_visible(db, reference, today, None)
        .await?
        .into_values()
        .map(|d| (d.id.clone(), d))
        .collect();
    let indexed: BTreeMap<String, SearchDocument> = engine
        .all_documents()
        .await?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let mut report = Verification {
        expected: expected.len(),
        indexed: indexed.len(),
        ..Verification::default()
    };
    for (id, want) in &expected {
        match indexed.get(id) {
            None => report.missing.push(id.clone()),
            Some(have) => {
                if let Some(field) = first_difference(want, have) {
                    report.stale.push((id.clone(), field.to_owned()));
                }
            }
        }
    }
    report.extra = indexed
        .keys()
        .filter(|id| !expected.contains_key(*id))
        .cloned()
        .collect();
    Ok(report)
}

/// The first field in which two documents of the same listing differ. `quality` is left out:
/// it is a ranking hint that follows sales, and a refund moves it without queueing a sync.
fn first_difference(a: &SearchDocument, b: &SearchDocument) -> Option<&'static str> {
    let checks: [(&'static str, bool); 16] = [
        ("kind_folded", a.kind_folded == b.kind_folded),
        ("price_vnd", a.price_vnd == b.price_vnd),
        ("in_stock", a.in_stock == b.in_stock),
        ("stars", a.stars == b.stars),
        ("title_folded", a.title_folded == b.title_folded),
        ("context_folded", a.context_folded == b.context_folded),
        ("province_code", a.province_code == b.province_code),
        ("group_code", a.group_code == b.group_code),
        ("expires_on", a.expires_on == b.expires_on),
        ("published_at", a.published_at == b.published_at),
        ("thumbnail_url", a.thumbnail_url == b.thumbnail_url),
        ("thumbnail_srcset", a.thumbnail_srcset == b.thumbnail_srcset),
        ("outlets", a.outlets == b.outlets),
        ("seller_name", a.seller_name == b.seller_name),
        ("rating_tenths", a.rating_tenths == b.rating_tenths),
        ("rating_count", a.rating_count == b.rating_count),
    ];
    checks
        .into_iter()
        .find(|(_, same)| !same)
        .map(|(field, _)| field)
}
