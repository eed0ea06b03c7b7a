//! The background worker, on the server's tokio runtime: drains the outbox (search sync with
//! retries and backoff, e-mail), runs the certificate-expiry sweep and the monthly settlement,
//! expires unpaid orders and checks every minute that the search index exists and was built
//! for today's settings.
//!
//! Every instance runs one. Search writes are ordered across instances by the
//! `search-writer` lease (see [`crate::features::catalog::indexing`]); outbox entries are fenced by their
//! claim, so a worker paused past its lease neither sends a message twice nor marks another
//! worker's entries done.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::app::Clock;
use crate::domain::ids::ListingId;
use crate::domain::reference::Reference;
use crate::domain::time::vietnam_date;
use crate::features::catalog::indexing::{self, SyncError, WRITER_TTL, changes_for, reindex};
use crate::features::catalog::lifecycle;
use crate::jobs::lease::{self, Lease};
use crate::jobs::outbox::{self, Entry, MAIL_SEND, SEARCH_LISTING, SEARCH_REINDEX};
use crate::mail::{MailError, Mailer, OutgoingMail};
use crate::search::{SearchEngine, SearchError};

#[derive(Clone, Copy, Debug)]
pub struct WorkerConfig {
    /// Sleep between polls when there is nothing to do.
    pub poll: Duration,
    /// First retry delay; doubles per attempt.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How often the expiry sweep runs.
    pub sweep_every: Duration,
    pub batch: u64,
    /// How long a claimed entry stays with this worker before another may take it (a worker
    /// that lost its database connection mid-claim leaves entries leased until then).
    pub lease: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(500),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            sweep_every: Duration::from_secs(3600),
            batch: 500,
            lease: Duration::from_secs(60),
        }
    }
}

pub struct Worker {
    pub db: DatabaseConnection,
    pub search: Arc<dyn SearchEngine>,
    pub mailer: Arc<dyn Mailer>,
    pub reference: Arc<Reference>,
    pub clock: Clock,
    /// Base URL for links in mail the worker writes (certificate reminders).
    pub site: String,
    /// Who this worker is, in the leases it takes (host and process).
    pub holder: String,
    /// Told to rebuild after the search index changed.
    pub suggestions: crate::features::catalog::suggest::Suggester,
    /// Bumped once search has a change, so every instance drops the pages it kept.
    pub catalog: crate::jobs::versions::CatalogVersion,
    pub config: WorkerConfig,
}

impl Worker {
    /// Runs until `stop` turns true.
    /// Runs until `stop` turns true. Search updates and e-mail drain in two loops side by
    /// side, so a burst of mail never holds a hidden product in search; the periodic tasks run
    /// in the search loop.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        tokio::join!(self.search_loop(stop.clone()), self.mail_loop(stop));
    }

    /// Sleeps for the poll interval unless stopped meanwhile; `false` once stopped.
    async fn idle(&self, stop: &mut watch::Receiver<bool>) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(self.config.poll) => {}
            _ = stop.changed() => {}
        }
        !*stop.borrow()
    }

    async fn mail_loop(&self, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            let worked = match self.send_mail().await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "mail step failed");
                    false
                }
            };
            if !worked && !self.idle(&mut stop).await {
                break;
            }
        }
    }

    async fn search_loop(&self, mut stop: watch::Receiver<bool>) {
        let mut last_sweep: Option<DateTime<Utc>> = None;
        let mut last_expiry: Option<DateTime<Utc>> = None;
        let mut last_index_check: Option<DateTime<Utc>> = None;
        while !*stop.borrow() {
            // Scheduling runs on wall-clock time; business rules (expiry) on the app's clock.
            let now = Utc::now();
            let sweep_due = last_sweep.is_none_or(|at| {
                (now - at).to_std().unwrap_or_default() >= self.config.sweep_every
            });
            if sweep_due {
                match lifecycle::sweep(&self.db, self.clock.now()).await {
                    Ok(n) if n > 0 => tracing::info!(delisted = n, "expiry sweep"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
                }
                match lifecycle::remind(&self.db, &self.site, self.clock.now()).await {
                    Ok(n) if n > 0 => tracing::info!(reminders = n, "certificate reminders queued"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "certificate reminders failed"),
                }
                // The month that ended is settled once, whichever instance gets there first.
                match crate::features::orders::ledger::settle_due(&self.db, self.clock.now()).await
                {
                    Ok(Some(s)) if s.newly => {
                        tracing::info!(
                            payouts = s.payouts,
                            total = s.total_vnd.dong(),
                            "period settled"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "settlement failed"),
                }
                last_sweep = Some(now);
            }
            // Unpaid online payments past their deadline give their stock back.
            if last_expiry.is_none_or(|at| (now - at).num_seconds() >= 60) {
                match crate::features::orders::expire_unpaid(&self.db, self.clock.now()).await {
                    Ok(n) if n > 0 => tracing::info!(cancelled = n, "unpaid orders expired"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "expiring unpaid orders failed"),
                }
                last_expiry = Some(now);
            }
            // A live index deleted by hand, or built by another version: rebuild it.
            if last_index_check.is_none_or(|at| (now - at).num_seconds() >= 60) {
                self.check_index().await;
                last_index_check = Some(now);
            }
            let worked = match self.step().await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "search step failed");
                    false
                }
            };
            if !worked && !self.idle(&mut stop).await {
                break;
            }
        }
    }

    /// Runs a queued rebuild, then applies one batch of listing changes; returns how many
    /// entries were handled.
    pub async fn step(&self) -> Result<usize, sea_orm::DbErr> {
        let rebuilt = self.rebuild_step().await?;
        let synced = self.sync_step().await?;
        if rebuilt + synced > 0 {
            self.suggestions.wake();
        }
        Ok(rebuilt + synced)
    }

    /// Queues a rebuild when the live index is missing or stale (and none is queued).
    async fn check_index(&self) {
        match indexing::is_fresh(self.search.as_ref(), &self.reference).await {
            Ok(true) => {}
            Ok(false) => match indexing::request_rebuild(&self.db).await {
                Ok(true) => tracing::warn!("the search index is missing or stale; rebuild queued"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "queueing a search rebuild failed"),
            },
            // The engine is down: the sync retries will tell.
            Err(_) => {}
        }
    }

    async fn rebuild_step(&self) -> Result<usize, sea_orm::DbErr> {
        let entries = outbox::claim(
            &self.db,
            &[SEARCH_REINDEX],
            10,
            Utc::now(),
            self.config.lease,
        )
        .await?;
        if entries.is_empty() {
            return Ok(0);
        }
        let today = vietnam_date(self.clock.now());
        match reindex(
            &self.db,
            self.search.as_ref(),
            &self.reference,
            today,
            &self.holder,
        )
        .await
        {
            Ok(n) => {
                tracing::info!(documents = n, "search index rebuilt");
                // Pages kept from the old index go before the entries are marked done.
                self.catalog.bump(&self.db).await?;
                outbox::complete(&self.db, &entries, Utc::now()).await?;
            }
            Err(e) => {
                tracing::warn!(error = %e, "search rebuild not done; will retry");
                self.retry_later(&entries, &e.to_string()).await?;
            }
        }
        Ok(entries.len())
    }

    /// Applies one batch of listing changes, holding the writer lease (another instance
    /// holding it is simply left to do the work).
    async fn sync_step(&self) -> Result<usize, sea_orm::DbErr> {
        let Some(writer) =
            Lease::try_acquire(&self.db, lease::SEARCH_WRITER, &self.holder, WRITER_TTL).await?
        else {
            return Ok(0);
        };
        let alive = writer.keep_alive(self.db.clone());
        let handled = self.sync_batch(&writer).await;
        drop(alive);
        writer.release(&self.db).await?;
        handled
    }

    async fn sync_batch(&self, writer: &Lease) -> Result<usize, sea_orm::DbErr> {
        let entries = outbox::claim(
            &self.db,
            &[SEARCH_LISTING],
            self.config.batch,
            Utc::now(),
            self.config.lease,
        )
        .await?;
        if entries.is_empty() {
            return Ok(0);
        }
        let ids = listing_ids(&entries);
        let today = vietnam_date(self.clock.now());
        let applied: Result<(), SyncError> = async {
            let (upserts, deletes) = changes_for(&self.db, &self.reference, today, &ids).await?;
            // What was read must be written before anyone writes a newer state: still ours?
            if !writer.renew(&self.db).await? {
                return Err(SyncError::Busy("lost the search writer lease".into()));
            }
            self.search.apply(&upserts, &deletes).await?;
            Ok(())
        }
        .await;
        match applied {
            Ok(()) => {
                // Pages kept from before the change go before the entries are marked done.
                self.catalog.bump(&self.db).await?;
                let done = outbox::complete(&self.db, &entries, Utc::now()).await?;
                if done < entries.len() as u64 {
                    // Another worker took some of these entries again while this one was slow,
                    // so what this one wrote may be older than what it wrote: queue the
                    // listings once more, so their latest state is written last.
                    tracing::warn!(
                        entries = entries.len(),
                        done,
                        "search entries were claimed again meanwhile; syncing them again"
                    );
                    outbox::enqueue_listing_sync(&self.db, ids, Utc::now()).await?;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, entries = entries.len(), "search sync failed; will retry");
                if matches!(e, SyncError::Search(SearchError::MissingIndex(_))) {
                    indexing::request_rebuild(&self.db).await?;
                }
                self.retry_later(&entries, &e.to_string()).await?;
            }
        }
        Ok(entries.len())
    }

    async fn retry_later(&self, entries: &[Entry], why: &str) -> Result<(), sea_orm::DbErr> {
        outbox::fail(
            &self.db,
            entries,
            why,
            Utc::now(),
            self.config.backoff_base,
            self.config.backoff_max,
        )
        .await
    }
}

impl Worker {
    /// Sends due mail, one message at a time; each is marked done right after it was accepted.
    /// Before sending, the claim is renewed: a worker that lost it (paused past its lease,
    /// the message claimed again by another) skips the message, and the send itself is cut
    /// off well within the renewed lease.
    pub async fn send_mail(&self) -> Result<usize, sea_orm::DbErr> {
        let entries =
            outbox::claim(&self.db, &[MAIL_SEND], 20, Utc::now(), self.config.lease).await?;
        for entry in &entries {
            if !outbox::renew(&self.db, entry, Utc::now(), self.config.lease).await? {
                tracing::warn!(entry = entry.id, "mail claimed by another worker; skipped");
                continue;
            }
            let mail: Result<OutgoingMail, _> = serde_json::from_value(entry.payload.clone());
            let result = match mail {
                Ok(mut mail) => {
                    mail.message_id = Some(format!("<outbox-{}@{}>", entry.id, self.mail_domain()));
                    match tokio::time::timeout(self.config.lease / 2, self.mailer.send(&mail)).await
                    {
                        Ok(sent) => sent,
                        Err(_) => Err(MailError::Unavailable(
                            "the SMTP server did not answer within half the claim's lease".into(),
                        )),
                    }
                }
                Err(e) => Err(MailError::Invalid(e.to_string())),
            };
            match result {
                Ok(()) => self.record_sent(entry).await?,
                Err(MailError::Invalid(why)) => {
                    tracing::error!(entry = entry.id, error = %why, "mail refused; giving up");
                    outbox::give_up(&self.db, entry, &why, Utc::now()).await?;
                }
                Err(e) => {
                    tracing::warn!(entry = entry.id, error = %e, "mail not sent; will retry");
                    self.retry_later(std::slice::from_ref(entry), &e.to_string())
                        .await?;
                }
            }
        }
        Ok(entries.len())
    }

    /// The right-hand side of Message-IDs: the site's host.
    fn mail_domain(&self) -> &str {
        let rest = self
            .site
            .split_once("://")
            .map_or(self.site.as_str(), |(_, rest)| rest);
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if host.is_empty() {
            "ocop-village"
        } else {
            host
        }
    }

    /// Marks a sent message done, retrying through a lost database connection for most of the
    /// lease: giving up early would send the message again once the lease ran out.
    async fn record_sent(&self, entry: &Entry) -> Result<(), sea_orm::DbErr> {
        let give_up_at = tokio::time::Instant::now() + self.config.lease / 2;
        let mut wait = Duration::from_millis(50);
        loop {
            match outbox::complete(&self.db, std::slice::from_ref(entry), Utc::now()).await {
                Ok(_) => return Ok(()),
                Err(e) if tokio::time::Instant::now() + wait < give_up_at => {
                    tracing::warn!(entry = entry.id, error = %e, "recording a sent mail failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn listing_ids(entries: &[Entry]) -> Vec<ListingId> {
    let mut ids: Vec<ListingId> = entries
        .iter()
        .filter_map(|e| {
            e.payload
                .get("listing_id")
                .and_then(serde_json::Value::as_i64)
        })
        .map(ListingId::new)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
