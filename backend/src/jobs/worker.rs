//! The background worker, on the server's tokio runtime: drains the outbox (search sync with
//! retries and backoff) and runs the certificate-expiry sweep.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use super::outbox::{self, Entry, MAIL_SEND, SEARCH_LISTING, SEARCH_REINDEX};
use crate::catalog::lifecycle;
use crate::domain::reference::Reference;
use crate::domain::time::vietnam_date;
use crate::mail::{MailError, Mailer, OutgoingMail};
use crate::search::SearchEngine;
use crate::search::sync::{reindex, sync_listings};
use crate::startup::Clock;

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
            lease: Duration::from_secs(120),
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
    pub config: WorkerConfig,
}

impl Worker {
    /// Runs until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut last_sweep: Option<DateTime<Utc>> = None;
        let mut last_expiry: Option<DateTime<Utc>> = None;
        loop {
            if *stop.borrow() {
                break;
            }
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
                last_sweep = Some(now);
            }
            // Unpaid online payments past their deadline give their stock back.
            if last_expiry.is_none_or(|at| (now - at).num_seconds() >= 60) {
                match crate::orders::expire_unpaid(&self.db, self.clock.now()).await {
                    Ok(n) if n > 0 => tracing::info!(cancelled = n, "unpaid orders expired"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "expiring unpaid orders failed"),
                }
                last_expiry = Some(now);
            }
            let searched = self.step().await;
            let mailed = self.send_mail().await;
            let worked = match (searched, mailed) {
                (Ok(a), Ok(b)) => a + b > 0,
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "outbox step failed");
                    false
                }
            };
            if !worked {
                tokio::select! {
                    _ = tokio::time::sleep(self.config.poll) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// Claims and applies one batch; returns how many entries were handled.
    pub async fn step(&self) -> Result<usize, sea_orm::DbErr> {
        let now = Utc::now();
        let entries = outbox::claim(
            &self.db,
            &[SEARCH_LISTING, SEARCH_REINDEX],
            self.config.batch,
            now,
            self.config.lease,
        )
        .await?;
        if entries.is_empty() {
            return Ok(0);
        }
        let today = vietnam_date(self.clock.now());
        let result = if entries.iter().any(|e| e.topic == SEARCH_REINDEX) {
            // A rebuild reads the current database, which covers every listing entry too.
            reindex(&self.db, self.search.as_ref(), &self.reference, today)
                .await
                .map(|n| tracing::info!(documents = n, "search index rebuilt"))
        } else {
            let ids: Vec<i64> = listing_ids(&entries);
            sync_listings(&self.db, self.search.as_ref(), &self.reference, today, &ids).await
        };
        let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
        match result {
            Ok(()) => outbox::complete(&self.db, &ids, Utc::now()).await?,
            Err(e) => {
                tracing::warn!(error = %e, entries = entries.len(), "search sync failed; will retry");
                outbox::fail(
                    &self.db,
                    &entries,
                    &e.to_string(),
                    Utc::now(),
                    self.config.backoff_base,
                    self.config.backoff_max,
                )
                .await?;
            }
        }
        Ok(entries.len())
    }
}

impl Worker {
    /// Sends due mail, one message at a time; each is marked done right after it was accepted.
    pub async fn send_mail(&self) -> Result<usize, sea_orm::DbErr> {
        let entries =
            outbox::claim(&self.db, &[MAIL_SEND], 20, Utc::now(), self.config.lease).await?;
        for entry in &entries {
            let mail: Result<OutgoingMail, _> = serde_json::from_value(entry.payload.clone());
            let result = match mail {
                Ok(mail) => self.mailer.send(&mail).await,
                Err(e) => Err(MailError::Invalid(e.to_string())),
            };
            match result {
                Ok(()) => self.record_sent(entry.id).await?,
                Err(MailError::Invalid(why)) => {
                    tracing::error!(entry = entry.id, error = %why, "mail refused; giving up");
                    outbox::give_up(&self.db, entry.id, &why, Utc::now()).await?;
                }
                Err(e) => {
                    tracing::warn!(entry = entry.id, error = %e, "mail not sent; will retry");
                    outbox::fail(
                        &self.db,
                        std::slice::from_ref(entry),
                        &e.to_string(),
                        Utc::now(),
                        self.config.backoff_base,
                        self.config.backoff_max,
                    )
                    .await?;
                }
            }
        }
        Ok(entries.len())
    }
}

impl Worker {
    /// Marks a sent message done, retrying through a lost database connection for most of the
    /// lease: giving up early would send the message again once the lease ran out.
    async fn record_sent(&self, id: i64) -> Result<(), sea_orm::DbErr> {
        let give_up_at = tokio::time::Instant::now() + self.config.lease / 2;
        let mut wait = Duration::from_millis(50);
        loop {
            match outbox::complete(&self.db, &[id], Utc::now()).await {
                Ok(()) => return Ok(()),
                Err(e) if tokio::time::Instant::now() + wait < give_up_at => {
                    tracing::warn!(entry = id, error = %e, "recording a sent mail failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn listing_ids(entries: &[Entry]) -> Vec<i64> {
    let mut ids: Vec<i64> = entries
        .iter()
        .filter_map(|e| {
            e.payload
                .get("listing_id")
                .and_then(serde_json::Value::as_i64)
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
