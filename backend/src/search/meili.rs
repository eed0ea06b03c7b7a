//! The Meilisearch engine (production, shared by every app instance), written against the
//! documented HTTP API through meilisearch-sdk. Settings come from `search-config/`.
use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::documents::DocumentsQuery;
use meilisearch_sdk::errors::{Error as MeiliError, ErrorCode, MeilisearchError};
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::Settings;
use meilisearch_sdk::task_info::TaskInfo;
use serde::{Deserialize, Serialize};

use super::config::{LISTINGS_SETTINGS, SearchConfig};
use super::{
    Facets, SearchDocument, SearchEngine, SearchError, SearchQuery, SearchResults, Sort, day_key,
};
use crate::domain::text::fold;

const FACETS: [&str; 4] = ["stars", "region_code", "province_code", "group_code"];
const TASK_TIMEOUT: Duration = Duration::from_secs(120);
const BATCH: usize = 10_000;

pub struct MeiliEngine {
    client: Client,
    listings: String,
    meta: String,
    settings: Settings,
    config: SearchConfig,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    id: String,
    fingerprint: String,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

fn unavailable(e: MeiliError) -> SearchError {
    match e {
        MeiliError::Meilisearch(e) => SearchError::Engine(e.to_string()),
        other => SearchError::Unavailable(other.to_string()),
    }
}

fn has_code(e: &MeiliError, code: ErrorCode) -> bool {
    matches!(e, MeiliError::Meilisearch(m) if m.error_code == code)
}

impl MeiliEngine {
    /// `prefix` namespaces the indexes (`{prefix}listings`, `{prefix}meta`), so tests and
    /// several deployments can share one Meilisearch.
    pub fn new(url: &str, key: Option<&str>, prefix: &str) -> Result<Self, SearchError> {
        let client = Client::new(url, key).map_err(unavailable)?;
        let settings: Settings = serde_json::from_str(LISTINGS_SETTINGS)
            .map_err(|e| SearchError::Engine(format!("search-config/listings.json: {e}")))?;
        let config = SearchConfig::load().map_err(|e| SearchError::Engine(e.to_string()))?;
        Ok(Self {
            client,
            listings: format!("{prefix}listings"),
            meta: format!("{prefix}meta"),
            settings,
            config,
        })
    }

    /// Deletes this engine's indexes (test clean-up).
    pub async fn drop_indexes(&self) -> Result<(), SearchError> {
        for uid in [&self.listings, &self.meta] {
            let task = self.client.index(uid).delete().await.map_err(unavailable)?;
            self.wait(task).await?;
        }
        Ok(())
    }

    /// Waits for a task to finish and returns its failure, if it failed.
    async fn settle(&self, task: TaskInfo) -> Result<Option<MeilisearchError>, SearchError> {
        let task = task
            .wait_for_completion(
                &self.client,
                Some(Duration::from_millis(25)),
                Some(TASK_TIMEOUT),
            )
            .await
            .map_err(unavailable)?;
        Ok(if task.is_failure() {
            Some(task.unwrap_failure())
        } else {
            None
        })
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        match self.settle(task).await? {
            Some(failure) => Err(SearchError::Engine(failure.to_string())),
            None => Ok(()),
        }
    }

    /// Creates the index; one that already exists is fine.
    async fn ensure_index(&self, uid: &str) -> Result<(), SearchError> {
        let task = self
            .client
            .create_index(uid, Some("id"))
            .await
            .map_err(unavailable)?;
        match self.settle(task).await? {
            Some(failure) if failure.error_code != ErrorCode::IndexAlreadyExists => {
                Err(SearchError::Engine(failure.to_string()))
            }
            _ => Ok(()),
        }
    }

    async fn add_in_batches(
        &self,
        uid: &str,
        documents: &[SearchDocument],
    ) -> Result<(), SearchError> {
        let index = self.client.index(uid);
        for chunk in documents.chunks(BATCH) {
            let task = index
                .add_or_replace(chunk, Some("id"))
                .await
                .map_err(unavailable)?;
            self.wait(task).await?;
        }
        Ok(())
    }

    /// `field IN ["a", "b"]`; values are validated codes, quoted anyway.
    fn in_filter(field: &str, values: &[String]) -> Option<String> {
        (!values.is_empty()).then(|| {
            let quoted: Vec<String> = values
                .iter()
                .map(|v| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            format!("{field} IN [{}]", quoted.join(", "))
        })
    }

    /// The filter with every facet selection except `skip` (an index into [`FACETS`]).
    fn filter(q: &SearchQuery, skip: Option<usize>) -> String {
        let stars: Vec<String> = q.stars.iter().map(u8::to_string).collect();
        let parts = [
            (!stars.is_empty()).then(|| format!("stars IN [{}]", stars.join(", "))),
            Self::in_filter("region_code", &q.regions),
            Self::in_filter("province_code", &q.provinces),
            Self::in_filter("group_code", &q.groups),
        ];
        let mut filter = vec![format!("expires_on > {}", day_key(q.today))];
        // The outlet is a scope: it stays in every facet's count.
        if let Some(outlet) = &q.outlet {
            filter.extend(Self::in_filter("outlets", std::slice::from_ref(outlet)));
        }
        filter.extend(
            parts
                .into_iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != skip)
                .filter_map(|(_, part)| part),
        );
        filter.join(" AND ")
    }

    fn selected(q: &SearchQuery, facet: usize) -> bool {
        match facet {
            0 => !q.stars.is_empty(),
            1 => !q.regions.is_empty(),
            2 => !q.provinces.is_empty(),
            _ => !q.groups.is_empty(),
        }
    }
}

fn counts(
    distribution: &Option<
        std::collections::HashMap<String, std::collections::HashMap<String, usize>>,
    >,
    facet: &str,
) -> BTreeMap<String, u64> {
    distribution
        .as_ref()
        .and_then(|d| d.get(facet))
        .map(|values| {
            values
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| (k.clone(), *n as u64))
                .collect()
        })
        .unwrap_or_default()
}

#[async_trait]
impl SearchEngine for MeiliEngine {
    fn kind(&self) -> &'static str {
        "meilisearch"
    }

    async fn prepare(&self) -> Result<(), SearchError> {
        self.ensure_index(&self.listings).await?;
        self.ensure_index(&self.meta).await?;
        let task = self
            .client
            .index(&self.listings)
            .set_settings(&self.settings)
            .await
            .map_err(unavailable)?;
        self.wait(task).await
    }

    async fn upsert(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        if documents.is_empty() {
            return Ok(());
        }
        self.add_in_batches(&self.listings, documents).await
    }

    async fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        let task = self
            .client
            .index(&self.listings)
            .delete_documents(ids)
            .await
            .map_err(unavailable)?;
        self.wait(task).await
    }

    /// Builds a fresh index beside the live one and swaps them, so searches never see a
    /// half-built index.
    async fn replace_all(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        let rebuild = format!("{}_rebuild", self.listings);
        if let Ok(task) = self.client.index(&rebuild).delete().await {
            let _ = self.wait(task).await;
        }
        self.ensure_index(&rebuild).await?;
        let task = self
            .client
            .index(&rebuild)
            .set_settings(&self.settings)
            .await
            .map_err(unavailable)?;
        self.wait(task).await?;
        self.add_in_batches(&rebuild, documents).await?;
        self.ensure_index(&self.listings).await?;
        let swap = SwapIndexes {
            indexes: (self.listings.clone(), rebuild.clone()),
            rename: None,
        };
        let task = self
            .client
            .swap_indexes([&swap])
            .await
            .map_err(unavailable)?;
        self.wait(task).await?;
        let task = self
            .client
            .index(&rebuild)
            .delete()
            .await
            .map_err(unavailable)?;
        self.wait(task).await
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let index = self.client.index(&self.listings);
        let text = fold(&q.text);
        let sort: &[&str] = match q.sort {
            Sort::Relevance => &[],
            Sort::PriceAsc => &["price_vnd:asc"],
            Sort::PriceDesc => &["price_vnd:desc"],
            Sort::Stars => &["stars:desc"],
            Sort::Newest => &["published_at:desc"],
        };
        let main_filter = Self::filter(q, None);
        let mut main = index.search();
        main.with_query(&text)
            .with_filter(&main_filter)
            .with_page(q.page)
            .with_hits_per_page(q.per_page)
            .with_facets(Selectors::Some(&FACETS))
            .with_matching_strategy(MatchingStrategies::ALL);
        if !sort.is_empty() {
            main.with_sort(sort);
        }
        let main = main
            .execute::<SearchDocument>()
            .await
            .map_err(unavailable)?;

        let mut facets = Facets {
            stars: counts(&main.facet_distribution, FACETS[0]),
            region: counts(&main.facet_distribution, FACETS[1]),
            province: counts(&main.facet_distribution, FACETS[2]),
            group: counts(&main.facet_distribution, FACETS[3]),
        };
        // Disjunctive counts: a selected facet is counted without its own filter.
        for (i, facet) in FACETS.iter().enumerate() {
            if !Self::selected(q, i) {
                continue;
            }
            let filter = Self::filter(q, Some(i));
            let only = [*facet];
            let result = index
                .search()
                .with_query(&text)
                .with_filter(&filter)
                .with_page(1)
                .with_hits_per_page(0)
                .with_facets(Selectors::Some(&only))
                .with_matching_strategy(MatchingStrategies::ALL)
                .execute::<SearchDocument>()
                .await
                .map_err(unavailable)?;
            let values = counts(&result.facet_distribution, facet);
            match i {
                0 => facets.stars = values,
                1 => facets.region = values,
                2 => facets.province = values,
                _ => facets.group = values,
            }
        }
        facets.truncate(self.config.faceting.max_values_per_facet);
        Ok(SearchResults {
            hits: main.hits.iter().map(|h| h.result.hit()).collect(),
            total: main.total_hits.unwrap_or(0) as u64,
            page: q.page,
            per_page: q.per_page,
            facets,
        })
    }

    async fn all_ids(&self) -> Result<Vec<String>, SearchError> {
        let index = self.client.index(&self.listings);
        let mut ids = Vec::new();
        loop {
            let page = DocumentsQuery::new(&index)
                .with_fields(["id"])
                .with_offset(ids.len())
                .with_limit(1000)
                .execute::<IdOnly>()
                .await
                .map_err(unavailable)?;
            let n = page.results.len();
            ids.extend(page.results.into_iter().map(|d| d.id));
            if n < 1000 {
                break;
            }
        }
        ids.sort();
        Ok(ids)
    }

    async fn health(&self) -> Result<(), SearchError> {
        self.client.health().await.map(|_| ()).map_err(unavailable)
    }

    async fn fingerprint(&self) -> Result<Option<String>, SearchError> {
        match self
            .client
            .index(&self.meta)
            .get_document::<Meta>("listings")
            .await
        {
            Ok(meta) => Ok(Some(meta.fingerprint)),
            Err(e)
                if has_code(&e, ErrorCode::DocumentNotFound)
                    || has_code(&e, ErrorCode::IndexNotFound) =>
            {
                Ok(None)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn set_fingerprint(&self, fingerprint: &str) -> Result<(), SearchError> {
        self.ensure_index(&self.meta).await?;
        let meta = [Meta {
            id: "listings".into(),
            fingerprint: fingerprint.to_owned(),
        }];
        let task = self
            .client
            .index(&self.meta)
            .add_or_replace(&meta, Some("id"))
            .await
            .map_err(unavailable)?;
        self.wait(task).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn filters_leave_out_only_the_skipped_facet() {
        let mut q = SearchQuery::all(NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"));
        q.stars = vec![4, 5];
        q.provinces = vec!["tuyen-quang".into()];
        assert_eq!(
            MeiliEngine::filter(&q, None),
            "expires_on > 20261122 AND stars IN [4, 5] AND province_code IN [\"tuyen-quang\"]"
        );
        assert_eq!(
            MeiliEngine::filter(&q, Some(0)),
            "expires_on > 20261122 AND province_code IN [\"tuyen-quang\"]"
        );
    }
}
