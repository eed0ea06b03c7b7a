//! A search engine wrapper that can be switched off, to test that outages lose nothing.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

use ocop_village::search::{
    Rebuild, SearchDocument, SearchEngine, SearchError, SearchQuery, SearchResults,
};

pub struct FaultySearch {
    inner: Arc<dyn SearchEngine>,
    down: AtomicBool,
}

impl FaultySearch {
    pub fn new(inner: Arc<dyn SearchEngine>) -> Self {
        Self {
            inner,
            down: AtomicBool::new(false),
        }
    }

    /// While down, every call fails as if the engine were unreachable.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), SearchError> {
        if self.down.load(Ordering::SeqCst) {
            Err(SearchError::Unavailable("injected outage".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl SearchEngine for FaultySearch {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    async fn prepare(&self) -> Result<(), SearchError> {
        self.check()?;
        self.inner.prepare().await
    }
    async fn upsert(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        self.check()?;
        self.inner.upsert(documents).await
    }
    async fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        self.check()?;
        self.inner.delete(ids).await
    }
    async fn begin_rebuild(&self, documents: &[SearchDocument]) -> Result<Rebuild, SearchError> {
        self.check()?;
        self.inner.begin_rebuild(documents).await
    }
    async fn finish_rebuild(
        &self,
        rebuild: Rebuild,
        upserts: &[SearchDocument],
        deletes: &[String],
    ) -> Result<(), SearchError> {
        self.check()?;
        self.inner.finish_rebuild(rebuild, upserts, deletes).await
    }
    async fn abandon_rebuild(&self, rebuild: Rebuild) -> Result<(), SearchError> {
        self.check()?;
        self.inner.abandon_rebuild(rebuild).await
    }
    async fn all_documents(&self) -> Result<Vec<SearchDocument>, SearchError> {
        self.check()?;
        self.inner.all_documents().await
    }
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.check()?;
        self.inner.search(query).await
    }
    async fn all_ids(&self) -> Result<Vec<String>, SearchError> {
        self.check()?;
        self.inner.all_ids().await
    }
    async fn health(&self) -> Result<(), SearchError> {
        self.check()?;
        self.inner.health().await
    }
    async fn fingerprint(&self) -> Result<Option<String>, SearchError> {
        self.check()?;
        self.inner.fingerprint().await
    }
    async fn set_fingerprint(&self, fingerprint: &str) -> Result<(), SearchError> {
        self.check()?;
        self.inner.set_fingerprint(fingerprint).await
    }
}
