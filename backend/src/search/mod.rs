//! Product search: one interface, two engines.
//!
//! - [`embedded::EmbeddedEngine`] (tantivy, index on local disk): the default.
//! - [`meili::MeiliEngine`] (Meilisearch): used when `MEILI_URL` is set, shared by every app
//!   instance.
//!
//! Both follow `search-config/listings.json` and pass the same conformance suite
//! (`tests/api/search_conformance.rs`). This is the engines' layer; what goes into the index,
//! and keeping it equal to the database, is the catalog's (`features::catalog::documents` and
//! `features::catalog::indexing`).
pub mod config;
pub mod embedded;
pub mod meili;
pub mod request;
pub mod suggest;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::money::Vnd;

/// One listing as the engines index it. Built only by [`documents`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchDocument {
    /// The listing's public id (UUID), the document's primary key.
    pub id: String,
    pub slug: String,
    pub certificate_no: String,
    pub title_vi: String,
    pub title_en: String,
    /// The product kind the Vietnamese title names, folded
    /// ([`crate::domain::text::product_kind`]): the first searchable attribute, so "trà" the
    /// product ranks before "Trà" the place.
    #[serde(default)]
    pub kind_folded: String,
    /// Both titles folded (no diacritics, lower case).
    pub title_folded: String,
    /// Seller, commune, every name of the province (current and former) and the product
    /// group and set names, folded.
    pub context_folded: String,
    pub seller_name: String,
    pub stars: u8,
    pub province_code: String,
    pub region_code: String,
    pub group_code: String,
    pub price_vnd: Vnd,
    /// The dearest pack size's price when the listing has sizes of several prices (`price_vnd`
    /// is then the cheapest), else 0: the cards show the range.
    #[serde(default)]
    pub price_max_vnd: Vnd,
    pub in_stock: bool,
    pub thumbnail_url: Option<String>,
    /// The cover's sizes for the cards' `srcset`.
    #[serde(default)]
    pub thumbnail_srcset: Option<String>,
    /// Unix seconds; the "newest" sort.
    pub published_at: i64,
    /// The certificate's expiry as `YYYYMMDD`: documents stop matching from that day even
    /// before the sync removes them.
    pub expires_on: u32,
    /// Slugs of the provincial outlets that carry the product (an outlet's storefront
    /// searches only its own products).
    #[serde(default)]
    pub outlets: Vec<String>,
    /// The listing's internal id: the last key of every order, so both engines break ties
    /// the same way.
    #[serde(default)]
    pub seq: i64,
    /// The shown reviews' average in tenths (0 when none): see [`crate::domain::rating`].
    #[serde(default)]
    pub rating_tenths: u8,
    #[serde(default)]
    pub rating_count: u32,
    /// The relevance tie-break, higher first: see [`quality`].
    #[serde(default)]
    pub quality: i64,
}

/// The quality signal that breaks relevance ties (`quality:desc` in the ranking rules): in
/// stock first, then more stars, then the better rating (average in tenths), then more units
/// sold (capped, so one number orders them all).
pub fn quality(in_stock: bool, stars: u8, rating_tenths: u8, units_sold: i64) -> i64 {
    const SOLD_CAP: i64 = (1 << 24) - 1;
    (i64::from(in_stock) << 40)
        | (i64::from(stars.min(7)) << 36)
        | (i64::from(rating_tenths.min(127)) << 28)
        | units_sold.clamp(0, SOLD_CAP)
}

impl SearchDocument {
    pub fn hit(&self) -> SearchHit {
        SearchHit {
            listing_id: self.id.clone(),
            slug: self.slug.clone(),
            certificate_no: self.certificate_no.clone(),
            title_vi: self.title_vi.clone(),
            title_en: self.title_en.clone(),
            stars: self.stars,
            province_code: self.province_code.clone(),
            region_code: self.region_code.clone(),
            group_code: self.group_code.clone(),
            price_vnd: self.price_vnd,
            price_max_vnd: self.price_max_vnd,
            seller_name: self.seller_name.clone(),
            in_stock: self.in_stock,
            thumbnail_url: self.thumbnail_url.clone(),
            thumbnail_srcset: self.thumbnail_srcset.clone(),
            rating_tenths: self.rating_tenths,
            rating_count: self.rating_count,
        }
    }
}

/// A day as the `YYYYMMDD` number stored in [`SearchDocument::expires_on`].
pub fn day_key(day: NaiveDate) -> u32 {
    use chrono::Datelike;
    let year = u32::try_from(day.year()).unwrap_or(0);
    year * 10_000 + day.month() * 100 + day.day()
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    /// Most stars first.
    Stars,
    /// Most recently published first.
    Newest,
    /// Best rated first (average to one decimal, then most reviews); unrated last.
    Rating,
}

impl Sort {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "" | "relevance" => Self::Relevance,
            "price_asc" => Self::PriceAsc,
            "price_desc" => Self::PriceDesc,
            "stars" => Self::Stars,
            "newest" => Self::Newest,
            "rating" => Self::Rating,
            _ => return None,
        })
    }
}

/// A validated search. Filters within one facet are OR-ed, facets are AND-ed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    pub stars: Vec<u8>,
    pub regions: Vec<String>,
    pub provinces: Vec<String>,
    pub groups: Vec<String>,
    pub sort: Sort,
    pub page: usize,
    pub per_page: usize,
    /// Certificates expiring on or before this day are not found.
    pub today: NaiveDate,
    /// Only the products this outlet (slug) carries: a scope, not a facet, so the facet
    /// counts are counted within it.
    pub outlet: Option<String>,
}

impl SearchQuery {
    pub fn all(today: NaiveDate) -> Self {
        Self {
            text: String::new(),
            stars: Vec::new(),
            regions: Vec::new(),
            provinces: Vec::new(),
            groups: Vec::new(),
            sort: Sort::Relevance,
            page: 1,
            per_page: 20,
            today,
            outlet: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchHit {
    pub listing_id: String,
    pub slug: String,
    pub certificate_no: String,
    pub title_vi: String,
    pub title_en: String,
    pub stars: u8,
    pub province_code: String,
    pub region_code: String,
    pub group_code: String,
    pub price_vnd: Vnd,
    /// See [`SearchDocument::price_max_vnd`].
    pub price_max_vnd: Vnd,
    pub seller_name: String,
    pub in_stock: bool,
    pub thumbnail_url: Option<String>,
    pub thumbnail_srcset: Option<String>,
    pub rating_tenths: u8,
    pub rating_count: u32,
}

/// A replacement index under construction (see [`SearchEngine::begin_rebuild`]).
#[derive(Debug)]
pub struct Rebuild {
    /// The replacement's name (a fresh Meilisearch index each time).
    pub name: String,
}

/// Disjunctive facet counts: each facet's counts apply every other selected filter, not its
/// own. Values with no match are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub stars: BTreeMap<String, u64>,
    pub region: BTreeMap<String, u64>,
    pub province: BTreeMap<String, u64>,
    pub group: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub total: u64,
    pub page: usize,
    pub per_page: usize,
    pub facets: Facets,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search engine is unavailable: {0}")]
    Unavailable(String),
    /// The live index is gone (deleted by hand, a new Meilisearch): a rebuild is needed.
    #[error("the search index is missing: {0}")]
    MissingIndex(String),
    #[error("search engine error: {0}")]
    Engine(String),
}

/// What both engines do.
#[async_trait]
pub trait SearchEngine: Send + Sync {
    /// `embedded` or `meilisearch`.
    fn kind(&self) -> &'static str;
    /// Creates the index if needed and applies `search-config/listings.json`.
    async fn prepare(&self) -> Result<(), SearchError>;
    /// Adds or replaces documents by id.
    async fn upsert(&self, documents: &[SearchDocument]) -> Result<(), SearchError>;
    /// Removes documents by id; unknown ids are ignored.
    async fn delete(&self, ids: &[String]) -> Result<(), SearchError>;
    /// Adds or replaces `upserts`, then removes `deletes`, in that order. An engine with a
    /// task queue sends both before waiting, so one sync waits for the queue once, not twice.
    async fn apply(
        &self,
        upserts: &[SearchDocument],
        deletes: &[String],
    ) -> Result<(), SearchError> {
        self.upsert(upserts).await?;
        self.delete(deletes).await
    }
    /// Starts a replacement of the whole index holding `documents`, built beside the live
    /// index (searches keep using the live one). Any replacement left by an earlier, crashed
    /// rebuild is discarded first: callers hold the rebuild lease, so there is no other.
    async fn begin_rebuild(&self, documents: &[SearchDocument]) -> Result<Rebuild, SearchError>;
    /// Applies the changes made since the replacement's snapshot, then puts it in place of
    /// the live index in one step.
    async fn finish_rebuild(
        &self,
        rebuild: Rebuild,
        upserts: &[SearchDocument],
        deletes: &[String],
    ) -> Result<(), SearchError>;
    /// Throws a replacement away.
    async fn abandon_rebuild(&self, rebuild: Rebuild) -> Result<(), SearchError>;
    /// Replaces the whole index with `documents` (no changes to catch up).
    async fn replace_all(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        let rebuild = self.begin_rebuild(documents).await?;
        self.finish_rebuild(rebuild, &[], &[]).await
    }
    /// Every indexed document, for consistency checks (`search verify`).
    async fn all_documents(&self) -> Result<Vec<SearchDocument>, SearchError>;
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError>;
    /// Every indexed document id, for consistency checks.
    async fn all_ids(&self) -> Result<Vec<String>, SearchError>;
    async fn health(&self) -> Result<(), SearchError>;
    /// What the index was last fully built for (settings, reference data, schema version).
    async fn fingerprint(&self) -> Result<Option<String>, SearchError>;
    async fn set_fingerprint(&self, fingerprint: &str) -> Result<(), SearchError>;
}

/// The engine the settings ask for.
pub async fn build_engine(
    settings: &crate::config::SearchSettings,
    reference: &crate::domain::reference::Reference,
) -> Result<std::sync::Arc<dyn SearchEngine>, SearchError> {
    use crate::config::SearchSettings;
    Ok(match settings {
        SearchSettings::Embedded { dir } => {
            std::sync::Arc::new(embedded::EmbeddedEngine::open(dir, reference)?)
        }
        SearchSettings::Meilisearch { url, keys, prefix } => {
            std::sync::Arc::new(meili::MeiliEngine::connect(url, keys, prefix).await?)
        }
    })
}

/// The text both engines are given: folded like the documents' text, with a trailing space
/// kept when the shopper typed one (the last word is then a whole word, not a prefix).
pub fn engine_text(raw: &str) -> String {
    let mut text = crate::domain::text::fold(raw);
    if !text.is_empty() && raw.ends_with(char::is_whitespace) {
        text.push(' ');
    }
    text
}

/// The sort keys of a search, as Meilisearch spells them; the embedded engine orders the
/// same way. Every explicit order ends with `seq` (one stable key breaks ties), and a search
/// without words lists the newest first. A relevance search has no sort keys: the ranking
/// rules of `search-config/listings.json` order it (ending with `seq:asc` too).
pub fn sort_keys(q: &SearchQuery) -> Vec<&'static str> {
    let text = crate::domain::text::fold(&q.text);
    match q.sort {
        Sort::Relevance if !text.is_empty() => Vec::new(),
        Sort::Relevance | Sort::Newest => vec!["published_at:desc", "seq:asc"],
        Sort::PriceAsc => vec!["price_vnd:asc", "seq:asc"],
        Sort::PriceDesc => vec!["price_vnd:desc", "seq:asc"],
        Sort::Stars => vec!["stars:desc", "seq:asc"],
        Sort::Rating => vec!["rating_tenths:desc", "rating_count:desc", "seq:asc"],
    }
}

impl Facets {
    /// Keeps the `limit` largest values of each facet (`faceting.maxValuesPerFacet`).
    pub(crate) fn truncate(&mut self, limit: usize) {
        for map in [
            &mut self.stars,
            &mut self.region,
            &mut self.province,
            &mut self.group,
        ] {
            if map.len() > limit {
                let mut entries: Vec<(String, u64)> = std::mem::take(map).into_iter().collect();
                entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                entries.truncate(limit);
                *map = entries.into_iter().collect();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_the_largest_facet_values() {
        let mut facets = Facets {
            province: [("a", 1), ("b", 5), ("c", 3)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            ..Facets::default()
        };
        facets.truncate(2);
        assert_eq!(facets.province.keys().collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn quality_orders_stock_then_stars_then_rating_then_sales() {
        let base = quality(true, 4, 40, 10);
        assert!(quality(false, 5, 50, 1_000) < base, "out of stock last");
        assert!(quality(true, 5, 0, 0) > base, "more stars first");
        assert!(quality(true, 4, 45, 0) > base, "then the rating");
        assert!(quality(true, 4, 40, 11) > base, "then sales");
        assert!(
            quality(true, 4, 40, i64::MAX) < quality(true, 4, 41, 0),
            "sales are capped"
        );
    }

    #[test]
    fn day_keys_order_like_dates() {
        let a = day_key(NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"));
        let b = day_key(NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"));
        assert_eq!(a, 20_261_231);
        assert!(a < b);
    }
}
