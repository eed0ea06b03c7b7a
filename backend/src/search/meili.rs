//! The Meilisearch engine (production, shared by every app instance), written against the
//! documented HTTP API through meilisearch-sdk. Settings come from `search-config/`.
//!
//! - Two keys: searches use a search-only key, writes an admin key (see [`MeiliKeys`]).
//! - One search is one HTTP round trip: the page and every selected facet's disjunctive
//!   counts go together in a multi-search.
//! - Errors are told apart by Meilisearch's error type and code: unreachable, overloaded or
//!   internal → [`SearchError::Unavailable`] (503, retry); a missing index →
//!   [`SearchError::MissingIndex`] (503, and a rebuild is queued); anything else is a bug or
//!   bad configuration.
//! - Rebuilds fill a fresh index (`{listings}_build_{uuid}`) beside the live one and swap
//!   them in one task.
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::documents::DocumentsQuery;
use meilisearch_sdk::errors::{Error as MeiliError, ErrorCode, ErrorType, MeilisearchError};
use meilisearch_sdk::indexes::IndexesQuery;
use meilisearch_sdk::key::{Action, KeyBuilder, KeysQuery};
use meilisearch_sdk::search::{MatchingStrategies, SearchQuery as MeiliQuery, Selectors};
use meilisearch_sdk::settings::Settings;
use meilisearch_sdk::task_info::TaskInfo;
use serde::{Deserialize, Serialize};

use super::config::{LISTINGS_SETTINGS, SearchConfig};
use super::{
    Facets, Rebuild, SearchDocument, SearchEngine, SearchError, SearchHit, SearchQuery,
    SearchResults,
};
pub use crate::config::MeiliKeys;
use crate::config::Secret;
use crate::domain::money::Vnd;

const FACETS: [&str; 4] = ["stars", "region_code", "province_code", "group_code"];
const TASK_TIMEOUT: Duration = Duration::from_secs(600);
/// A search that takes longer is reported as unavailable rather than holding the request.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Any other single call (a write is only enqueued, then waited for).
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const BATCH: usize = 10_000;
/// The fields a hit needs; the folded text stays on the server.
const HIT_FIELDS: [&str; 17] = [
    "id",
    "slug",
    "certificate_no",
    "title_vi",
    "title_en",
    "stars",
    "province_code",
    "region_code",
    "group_code",
    "price_vnd",
    "price_max_vnd",
    "seller_name",
    "in_stock",
    "thumbnail_url",
    "thumbnail_srcset",
    "rating_tenths",
    "rating_count",
];

impl MeiliKeys {
    /// The admin and search keys: given, or found (made, for the search key) with the master
    /// key; the search key made covers the indexes whose names start with `prefix`. Without
    /// any key (a development server), none. The master key is not kept.
    pub async fn resolve(&self, url: &str, prefix: &str) -> Result<Self, SearchError> {
        let Some(master) = &self.master else {
            return Ok(Self {
                admin: self.admin.clone(),
                search: self.search.clone().or_else(|| self.admin.clone()),
                master: None,
            });
        };
        let client = Client::new(url, Some(master.expose())).map_err(classify)?;
        let admin = match &self.admin {
            Some(key) => key.clone(),
            None => {
                let mut query = KeysQuery::new();
                query.with_limit(1000);
                let all = timed(CALL_TIMEOUT, client.get_keys_with(&query)).await?;
                all.results
                    .into_iter()
                    .find(|k| {
                        k.actions.iter().any(|a| matches!(a, Action::All))
                            && k.indexes.iter().any(|i| i == "*")
                            && k.expires_at.is_none()
                    })
                    .map(|k| Secret::new(k.key))
                    .ok_or_else(|| {
                        SearchError::Engine(
                            "Meilisearch has no admin key for every index: set MEILI_ADMIN_KEY"
                                .into(),
                        )
                    })?
            }
        };
        let search = match &self.search {
            Some(key) => key.clone(),
            None => {
                let uid = search_key_uid(prefix);
                let key = match client.get_key(&uid).await {
                    Ok(key) => key.key,
                    Err(e) if has_code(&e, ErrorCode::ApiKeyNotFound) => {
                        let mut builder = KeyBuilder::new();
                        builder
                            .with_uid(&uid)
                            .with_name(format!("OCOP Village search ({prefix}*)"))
                            .with_action(Action::Search)
                            .with_index(format!("{prefix}*"));
                        match timed(CALL_TIMEOUT, client.create_key(builder)).await {
                            Ok(key) => key.key,
                            // Another instance made it first.
                            Err(_) => timed(CALL_TIMEOUT, client.get_key(&uid)).await?.key,
                        }
                    }
                    Err(e) => return Err(classify(e)),
                };
                Secret::new(key)
            }
        };
        Ok(Self {
            admin: Some(admin),
            search: Some(search),
            master: None,
        })
    }
}

pub struct MeiliEngine {
    admin: Client,
    searcher: Client,
    url: String,
    search_key: Option<String>,
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

/// A hit as Meilisearch returns it (only [`HIT_FIELDS`]).
#[derive(Deserialize)]
struct MeiliHit {
    id: String,
    slug: String,
    certificate_no: String,
    title_vi: String,
    title_en: String,
    stars: u8,
    province_code: String,
    region_code: String,
    group_code: String,
    price_vnd: Vnd,
    #[serde(default)]
    price_max_vnd: Vnd,
    seller_name: String,
    in_stock: bool,
    thumbnail_url: Option<String>,
    #[serde(default)]
    thumbnail_srcset: Option<String>,
    #[serde(default)]
    rating_tenths: u8,
    #[serde(default)]
    rating_count: u32,
}

impl From<MeiliHit> for SearchHit {
    fn from(h: MeiliHit) -> Self {
        Self {
            listing_id: h.id,
            slug: h.slug,
            certificate_no: h.certificate_no,
            title_vi: h.title_vi,
            title_en: h.title_en,
            stars: h.stars,
            province_code: h.province_code,
            region_code: h.region_code,
            group_code: h.group_code,
            price_vnd: h.price_vnd,
            price_max_vnd: h.price_max_vnd,
            seller_name: h.seller_name,
            in_stock: h.in_stock,
            thumbnail_url: h.thumbnail_url,
            thumbnail_srcset: h.thumbnail_srcset,
            rating_tenths: h.rating_tenths,
            rating_count: h.rating_count,
        }
    }
}

/// Meilisearch's answer, as this app can act on it.
fn classify(e: MeiliError) -> SearchError {
    match e {
        MeiliError::Meilisearch(e) => classify_api(&e),
        // Connection refused, reset, a 5xx without a Meilisearch body, a timeout.
        other => SearchError::Unavailable(other.to_string()),
    }
}

fn classify_api(e: &MeilisearchError) -> SearchError {
    match (&e.error_type, &e.error_code) {
        (_, ErrorCode::IndexNotFound) => SearchError::MissingIndex(e.to_string()),
        // Internal errors, and "system" ones such as too_many_search_requests (the search
        // queue is full) or no space left: the engine may recover; retry later.
        (ErrorType::Internal | ErrorType::Unknown, _)
        | (
            _,
            ErrorCode::InternalError
            | ErrorCode::IoError
            | ErrorCode::TooManyOpenFiles
            | ErrorCode::NoSpaceLeftOnDevice
            | ErrorCode::DatabaseSizeLimitReached,
        ) => SearchError::Unavailable(e.to_string()),
        _ => SearchError::Engine(e.to_string()),
    }
}

fn has_code(e: &MeiliError, code: ErrorCode) -> bool {
    matches!(e, MeiliError::Meilisearch(m) if m.error_code == code)
}

/// Runs a call to Meilisearch with a time limit.
async fn timed<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, MeiliError>>,
) -> Result<T, SearchError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result.map_err(classify),
        Err(_) => Err(SearchError::Unavailable(format!(
            "Meilisearch did not answer within {} s",
            limit.as_secs()
        ))),
    }
}

/// A uid for the search key of the indexes starting with `prefix`: the same on every
/// instance, so they find the key instead of making one each.
fn search_key_uid(prefix: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(format!("ocop-village search key {prefix}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    uuid::Builder::from_sha1_bytes(bytes)
        .into_uuid()
        .to_string()
}

impl MeiliEngine {
    /// Connects to Meilisearch at `url`. `prefix` namespaces the indexes (`{prefix}listings`,
    /// `{prefix}meta`), so tests and several deployments can share one Meilisearch.
    pub async fn connect(url: &str, keys: &MeiliKeys, prefix: &str) -> Result<Self, SearchError> {
        let keys = keys.resolve(url, prefix).await?;
        let expose = |k: &Option<Secret>| k.as_ref().map(|k| k.expose().to_owned());
        let admin = Client::new(url, expose(&keys.admin)).map_err(classify)?;
        let searcher = Client::new(url, expose(&keys.search)).map_err(classify)?;
        let settings: Settings = serde_json::from_str(LISTINGS_SETTINGS)
            .map_err(|e| SearchError::Engine(format!("search-config/listings.json: {e}")))?;
        let config = SearchConfig::load().map_err(|e| SearchError::Engine(e.to_string()))?;
        Ok(Self {
            admin,
            searcher,
            url: url.trim_end_matches('/').to_owned(),
            search_key: expose(&keys.search),
            listings: format!("{prefix}listings"),
            meta: format!("{prefix}meta"),
            settings,
            config,
        })
    }

    /// Deletes this engine's indexes (test clean-up).
    pub async fn drop_indexes(&self) -> Result<(), SearchError> {
        let mut names = self.build_indexes().await?;
        names.push(self.listings.clone());
        names.push(self.meta.clone());
        for uid in names {
            let task = timed(CALL_TIMEOUT, self.admin.index(&uid).delete()).await?;
            self.wait(task).await.or_else(ignore_missing)?;
        }
        Ok(())
    }

    /// Indexes left by rebuilds (finished ones delete theirs; a crashed one may not have).
    async fn build_indexes(&self) -> Result<Vec<String>, SearchError> {
        let prefix = format!("{}_build_", self.listings);
        let mut names = Vec::new();
        let mut offset = 0;
        loop {
            let mut query = IndexesQuery::new(&self.admin);
            query.with_offset(offset).with_limit(100);
            let page = timed(CALL_TIMEOUT, self.admin.list_all_indexes_with(&query)).await?;
            let n = page.results.len();
            names.extend(
                page.results
                    .into_iter()
                    .map(|i| i.uid)
                    .filter(|uid| uid.starts_with(&prefix)),
            );
            if n < 100 {
                return Ok(names);
            }
            offset += n;
        }
    }

    /// Waits for a task to finish and returns its failure, if it failed.
    async fn settle(&self, task: TaskInfo) -> Result<Option<MeilisearchError>, SearchError> {
        let task = task
            .wait_for_completion(
                &self.admin,
                Some(Duration::from_millis(25)),
                Some(TASK_TIMEOUT),
            )
            .await
            .map_err(classify)?;
        Ok(if task.is_failure() {
            Some(task.unwrap_failure())
        } else {
            None
        })
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        match self.settle(task).await? {
            Some(failure) => Err(classify_api(&failure)),
            None => Ok(()),
        }
    }

    async fn live_exists(&self) -> Result<bool, SearchError> {
        match timed(CALL_TIMEOUT, self.admin.get_index(&self.listings)).await {
            Ok(_) => Ok(true),
            Err(SearchError::MissingIndex(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn require_live(&self) -> Result<(), SearchError> {
        if self.live_exists().await? {
            Ok(())
        } else {
            Err(SearchError::MissingIndex(format!(
                "index `{}` not found",
                self.listings
            )))
        }
    }

    /// Creates the index; one that already exists is fine.
    async fn ensure_index(&self, uid: &str) -> Result<(), SearchError> {
        let task = timed(CALL_TIMEOUT, self.admin.create_index(uid, Some("id"))).await?;
        match self.settle(task).await? {
            Some(failure) if failure.error_code != ErrorCode::IndexAlreadyExists => {
                Err(classify_api(&failure))
            }
            _ => Ok(()),
        }
    }

    async fn apply_settings(&self, uid: &str) -> Result<(), SearchError> {
        let task = timed(
            CALL_TIMEOUT,
            self.admin.index(uid).set_settings(&self.settings),
        )
        .await?;
        self.wait(task).await
    }

    async fn add_in_batches(
        &self,
        uid: &str,
        documents: &[SearchDocument],
    ) -> Result<(), SearchError> {
        self.change(uid, documents, &[]).await
    }

    async fn delete_from(&self, uid: &str, ids: &[String]) -> Result<(), SearchError> {
        self.change(uid, &[], ids).await
    }

    /// Sends every batch of `documents`, then the removal of `ids`, and only then waits for
    /// the tasks in order: Meilisearch runs an index's tasks in the order they were sent (and
    /// may batch them together), so the changes land in that order with one wait in the queue.
    async fn change(
        &self,
        uid: &str,
        documents: &[SearchDocument],
        ids: &[String],
    ) -> Result<(), SearchError> {
        let index = self.admin.index(uid);
        let mut tasks = Vec::new();
        for chunk in documents.chunks(BATCH) {
            tasks.push(timed(CALL_TIMEOUT, index.add_or_replace(chunk, Some("id"))).await?);
        }
        if !ids.is_empty() {
            tasks.push(timed(CALL_TIMEOUT, index.delete_documents(ids)).await?);
        }
        for task in tasks {
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
        let mut filter = vec![format!("expires_on > {}", super::day_key(q.today))];
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

    /// The multi-search a search sends, written by hand as JSON: `bench search` times it
    /// against Meilisearch directly, to show what the engine adds on top.
    pub fn raw_request(&self, q: &SearchQuery) -> serde_json::Value {
        let text = super::engine_text(&q.text);
        let mut queries = vec![serde_json::json!({
            "indexUid": self.listings,
            "q": text,
            "filter": Self::filter(q, None),
            "matchingStrategy": "all",
            "page": q.page,
            "hitsPerPage": q.per_page,
            "facets": FACETS,
            "attributesToRetrieve": HIT_FIELDS,
            "sort": super::sort_keys(q),
        })];
        for i in (0..FACETS.len()).filter(|i| Self::selected(q, *i)) {
            queries.push(serde_json::json!({
                "indexUid": self.listings,
                "q": text,
                "filter": Self::filter(q, Some(i)),
                "matchingStrategy": "all",
                "page": 1,
                "hitsPerPage": 0,
                "facets": [FACETS[i]],
            }));
        }
        serde_json::json!({ "queries": queries })
    }

    /// Sends [`Self::raw_request`] with a plain HTTP client; returns the hits' ids and the
    /// total.
    pub async fn raw_search(
        &self,
        http: &reqwest::Client,
        q: &SearchQuery,
    ) -> Result<(Vec<String>, u64), SearchError> {
        let mut request = http
            .post(format!("{}/multi-search", self.url))
            .json(&self.raw_request(q));
        if let Some(key) = &self.search_key {
            request = request.bearer_auth(key);
        }
        let response = request
            .send()
            .await
            .map_err(|e| SearchError::Unavailable(e.to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| SearchError::Unavailable(e.to_string()))?;
        if !status.is_success() {
            return Err(SearchError::Engine(
                String::from_utf8_lossy(&body).into_owned(),
            ));
        }
        let answer: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| SearchError::Engine(e.to_string()))?;
        let main = &answer["results"][0];
        let ids = main["hits"]
            .as_array()
            .map(|hits| {
                hits.iter()
                    .filter_map(|h| h["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok((ids, main["totalHits"].as_u64().unwrap_or(0)))
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

/// A delete of something already gone is done.
fn ignore_missing(e: SearchError) -> Result<(), SearchError> {
    match e {
        SearchError::MissingIndex(_) => Ok(()),
        other => Err(other),
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
        self.apply_settings(&self.listings).await
    }

    /// Meilisearch would create a missing index on the first write, with default settings
    /// (no filters): a missing live index is reported instead, and the worker rebuilds it.
    async fn upsert(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        if documents.is_empty() {
            return Ok(());
        }
        self.require_live().await?;
        self.add_in_batches(&self.listings, documents).await
    }

    async fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.require_live().await?;
        self.delete_from(&self.listings, ids).await
    }

    async fn apply(
        &self,
        upserts: &[SearchDocument],
        deletes: &[String],
    ) -> Result<(), SearchError> {
        if upserts.is_empty() && deletes.is_empty() {
            return Ok(());
        }
        self.require_live().await?;
        self.change(&self.listings, upserts, deletes).await
    }

    async fn begin_rebuild(&self, documents: &[SearchDocument]) -> Result<Rebuild, SearchError> {
        for stale in self.build_indexes().await? {
            tracing::info!(
                index = stale,
                "deleting an index left by an earlier rebuild"
            );
            let task = timed(CALL_TIMEOUT, self.admin.index(&stale).delete()).await?;
            self.wait(task).await.or_else(ignore_missing)?;
        }
        let name = format!("{}_build_{}", self.listings, uuid::Uuid::new_v4().simple());
        self.ensure_index(&name).await?;
        self.apply_settings(&name).await?;
        self.add_in_batches(&name, documents).await?;
        Ok(Rebuild { name })
    }

    async fn finish_rebuild(
        &self,
        rebuild: Rebuild,
        upserts: &[SearchDocument],
        deletes: &[String],
    ) -> Result<(), SearchError> {
        self.change(&rebuild.name, upserts, deletes).await?;
        if self.live_exists().await? {
            let swap = SwapIndexes {
                indexes: (self.listings.clone(), rebuild.name.clone()),
                rename: None,
            };
            let task = timed(CALL_TIMEOUT, self.admin.swap_indexes([&swap])).await?;
            self.wait(task).await?;
            // The build index now holds the old documents.
            let task = timed(CALL_TIMEOUT, self.admin.index(&rebuild.name).delete()).await?;
            self.wait(task).await.or_else(ignore_missing)
        } else {
            // No live index (a new server, or deleted by hand): the new one takes its name.
            let rename = SwapIndexes {
                indexes: (rebuild.name.clone(), self.listings.clone()),
                rename: Some(true),
            };
            let task = timed(CALL_TIMEOUT, self.admin.swap_indexes([&rename])).await?;
            self.wait(task).await
        }
    }

    async fn abandon_rebuild(&self, rebuild: Rebuild) -> Result<(), SearchError> {
        let task = timed(CALL_TIMEOUT, self.admin.index(&rebuild.name).delete()).await?;
        self.wait(task).await.or_else(ignore_missing)
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let index = self.searcher.index(&self.listings);
        let text = super::engine_text(&q.text);
        let sort = super::sort_keys(q);
        let filters: Vec<(Option<usize>, String)> = std::iter::once((None, Self::filter(q, None)))
            .chain(
                (0..FACETS.len())
                    .filter(|i| Self::selected(q, *i))
                    .map(|i| (Some(i), Self::filter(q, Some(i)))),
            )
            .collect();
        let mut queries: Vec<MeiliQuery<'_, _>> = Vec::with_capacity(filters.len());
        for (skip, filter) in &filters {
            let mut query = MeiliQuery::new(&index);
            query
                .with_query(&text)
                .with_filter(filter)
                .with_matching_strategy(MatchingStrategies::ALL);
            match skip {
                None => {
                    query
                        .with_page(q.page)
                        .with_hits_per_page(q.per_page)
                        .with_facets(Selectors::Some(&FACETS))
                        .with_attributes_to_retrieve(Selectors::Some(&HIT_FIELDS));
                    if !sort.is_empty() {
                        query.with_sort(&sort);
                    }
                }
                // Disjunctive counts: a selected facet is counted without its own filter.
                Some(i) => {
                    query
                        .with_page(1)
                        .with_hits_per_page(0)
                        .with_facets(Selectors::Some(&FACETS[*i..=*i]));
                }
            }
            queries.push(query);
        }
        let mut multi = self.searcher.multi_search();
        for query in queries {
            multi.with_search_query(query);
        }
        let mut answers = timed(SEARCH_TIMEOUT, multi.execute::<MeiliHit>())
            .await?
            .results
            .into_iter();
        let main = answers
            .next()
            .ok_or_else(|| SearchError::Engine("an empty multi-search answer".into()))?;
        let mut facets = Facets {
            stars: counts(&main.facet_distribution, FACETS[0]),
            region: counts(&main.facet_distribution, FACETS[1]),
            province: counts(&main.facet_distribution, FACETS[2]),
            group: counts(&main.facet_distribution, FACETS[3]),
        };
        for ((skip, _), answer) in filters.iter().skip(1).zip(answers) {
            let Some(i) = *skip else { continue };
            let values = counts(&answer.facet_distribution, FACETS[i]);
            match i {
                0 => facets.stars = values,
                1 => facets.region = values,
                2 => facets.province = values,
                _ => facets.group = values,
            }
        }
        facets.truncate(self.config.faceting.max_values_per_facet);
        Ok(SearchResults {
            total: main.total_hits.unwrap_or(0) as u64,
            hits: main.hits.into_iter().map(|h| h.result.into()).collect(),
            page: q.page,
            per_page: q.per_page,
            facets,
        })
    }

    async fn all_ids(&self) -> Result<Vec<String>, SearchError> {
        let index = self.admin.index(&self.listings);
        let mut ids = Vec::new();
        loop {
            let page = timed(
                CALL_TIMEOUT,
                DocumentsQuery::new(&index)
                    .with_fields(["id"])
                    .with_offset(ids.len())
                    .with_limit(1000)
                    .execute::<IdOnly>(),
            )
            .await?;
            let n = page.results.len();
            ids.extend(page.results.into_iter().map(|d| d.id));
            if n < 1000 {
                break;
            }
        }
        ids.sort();
        Ok(ids)
    }

    async fn all_documents(&self) -> Result<Vec<SearchDocument>, SearchError> {
        let index = self.admin.index(&self.listings);
        let mut documents: Vec<SearchDocument> = Vec::new();
        loop {
            let page = timed(
                CALL_TIMEOUT,
                DocumentsQuery::new(&index)
                    .with_offset(documents.len())
                    .with_limit(1000)
                    .execute::<SearchDocument>(),
            )
            .await?;
            let n = page.results.len();
            documents.extend(page.results);
            if n < 1000 {
                break;
            }
        }
        documents.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(documents)
    }

    async fn health(&self) -> Result<(), SearchError> {
        timed(SEARCH_TIMEOUT, self.searcher.health())
            .await
            .map(|_| ())
    }

    /// The fingerprint the live index was built for; `None` when it, or the live index
    /// itself, is missing (deleted by hand, a new server): the worker then rebuilds.
    async fn fingerprint(&self) -> Result<Option<String>, SearchError> {
        if !self.live_exists().await? {
            return Ok(None);
        }
        let meta = self.admin.index(&self.meta);
        match tokio::time::timeout(CALL_TIMEOUT, meta.get_document::<Meta>("listings")).await {
            Ok(Ok(meta)) => Ok(Some(meta.fingerprint)),
            Ok(Err(e))
                if has_code(&e, ErrorCode::DocumentNotFound)
                    || has_code(&e, ErrorCode::IndexNotFound) =>
            {
                Ok(None)
            }
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(SearchError::Unavailable(
                "Meilisearch did not answer in time".into(),
            )),
        }
    }

    async fn set_fingerprint(&self, fingerprint: &str) -> Result<(), SearchError> {
        self.ensure_index(&self.meta).await?;
        let meta = [Meta {
            id: "listings".into(),
            fingerprint: fingerprint.to_owned(),
        }];
        let task = timed(
            CALL_TIMEOUT,
            self.admin
                .index(&self.meta)
                .add_or_replace(&meta, Some("id")),
        )
        .await?;
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

    #[test]
    fn every_instance_derives_the_same_search_key_uid_for_a_prefix() {
        assert_eq!(search_key_uid("ocop_"), search_key_uid("ocop_"));
        assert_ne!(search_key_uid("ocop_"), search_key_uid("other_"));
        assert!(uuid::Uuid::parse_str(&search_key_uid("ocop_")).is_ok());
    }

    #[test]
    fn errors_are_told_apart_by_type_and_code() {
        let parse = |json: &str| -> MeilisearchError { serde_json::from_str(json).expect("error") };
        let missing = parse(
            r#"{"message":"Index `x` not found.","code":"index_not_found","type":"invalid_request","link":""}"#,
        );
        assert!(matches!(
            classify_api(&missing),
            SearchError::MissingIndex(_)
        ));
        let busy = parse(
            r#"{"message":"Too many search requests running at the same time","code":"too_many_search_requests","type":"system","link":""}"#,
        );
        assert!(matches!(classify_api(&busy), SearchError::Unavailable(_)));
        let bad_filter = parse(
            r#"{"message":"bad filter","code":"invalid_search_filter","type":"invalid_request","link":""}"#,
        );
        assert!(matches!(classify_api(&bad_filter), SearchError::Engine(_)));
    }
}
