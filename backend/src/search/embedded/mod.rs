//! The embedded search engine: tantivy, with the index on local disk (or in memory for
//! tests and benchmarks). Text is pre-folded, so matching ignores case and diacritics; which
//! documents match, and in what order, follows Meilisearch's rules ([`matching`]), so the two
//! engines answer alike.
mod matching;

/// Meilisearch's limit, followed by both engines: the words of a query after the tenth are
/// ignored.
pub const MAX_QUERY_WORDS: usize = matching::MAX_WORDS;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tantivy::collector::{Collector, DocSetCollector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal,
    SegmentReader, TantivyDocument, TantivyError, Term,
};

use super::config::SearchConfig;
use super::{
    Facets, Rebuild, SearchDocument, SearchEngine, SearchError, SearchQuery, SearchResults, Sort,
    day_key,
};
use crate::domain::reference::Reference;
use crate::domain::text::fold;

const WRITER_MEMORY: usize = 50_000_000;
const FINGERPRINT_FILE: &str = "fingerprint";

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    title: Field,
    context: Field,
    cert: Field,
    /// For kind, title, context and cert in that order: each pair of words side by side as
    /// one term (see [`matching::side_by_side`]), so "these two words together" is a term
    /// lookup instead of a phrase query reading positions.
    pairs: [Field; 4],
    /// Every text field's leading words: see [`matching::start_terms`].
    starts: Field,
    /// The relevance tie-break ([`crate::search::quality`]).
    quality: Field,
    /// Expiry day, stars and facet ordinals in one fast field: see [`Packed`].
    packed: Field,
    price: Field,
    published: Field,
    /// The listing's internal id: the last key of every order.
    seq: Field,
    /// The rating order: average in tenths, then number of reviews (see [`rating_key`]).
    rating: Field,
    /// Slugs of the outlets carrying the product (indexed, not stored).
    outlet: Field,
    stored: Field,
}

/// `[expires_on: 27 bits][stars: 3][region: 4][province: 8][group: 4]`: one fast-field read
/// gives everything filtering and facet counting need.
struct Packed;

impl Packed {
    const GROUP_BITS: u32 = 4;
    const PROVINCE_BITS: u32 = 8;
    const REGION_BITS: u32 = 4;
    const STARS_BITS: u32 = 3;
    const PROVINCE_SHIFT: u32 = Self::GROUP_BITS;
    const REGION_SHIFT: u32 = Self::PROVINCE_SHIFT + Self::PROVINCE_BITS;
    const STARS_SHIFT: u32 = Self::REGION_SHIFT + Self::REGION_BITS;
    const EXPIRES_SHIFT: u32 = Self::STARS_SHIFT + Self::STARS_BITS;

    fn pack(expires: u32, stars: u8, region: usize, province: usize, group: usize) -> u64 {
        (u64::from(expires) << Self::EXPIRES_SHIFT)
            | (u64::from(stars) << Self::STARS_SHIFT)
            | ((region as u64) << Self::REGION_SHIFT)
            | ((province as u64) << Self::PROVINCE_SHIFT)
            | group as u64
    }

    fn field(packed: u64, shift: u32, bits: u32) -> usize {
        ((packed >> shift) & ((1 << bits) - 1)) as usize
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", text.clone()),
        title: b.add_text_field("title", text.clone()),
        context: b.add_text_field("context", text.clone()),
        cert: b.add_text_field("cert", text),
        pairs: ["kind", "title", "context", "cert"]
            .map(|name| b.add_text_field(&format!("{name}_pairs"), STRING)),
        starts: b.add_text_field("starts", STRING),
        quality: b.add_i64_field("quality", FAST),
        packed: b.add_u64_field("packed", FAST),
        price: b.add_i64_field("price", FAST),
        published: b.add_i64_field("published", FAST),
        seq: b.add_i64_field("seq", FAST),
        rating: b.add_i64_field("rating", FAST),
        outlet: b.add_text_field("outlet", STRING),
        stored: b.add_text_field("doc", STORED),
    };
    (b.build(), fields)
}

/// Facet codes are stored as their position in the reference lists.
struct Vocabulary {
    regions: Vec<String>,
    provinces: Vec<String>,
    groups: Vec<String>,
}

impl Vocabulary {
    /// Position of `code`, or `None` for a code the reference data does not know.
    fn ordinal(list: &[String], code: &str) -> Option<usize> {
        list.iter().position(|c| c == code)
    }

    /// Which ordinals a facet filter lets through (all of them when nothing is selected).
    fn allowed(list: &[String], selected: &[String], bits: u32) -> Vec<bool> {
        let mut allowed = vec![selected.is_empty(); 1 << bits];
        for code in selected {
            if let Some(i) = Self::ordinal(list, code) {
                allowed[i] = true;
            }
        }
        allowed
    }

    fn counts(list: &[String], counts: &[u64]) -> std::collections::BTreeMap<String, u64> {
        list.iter()
            .zip(counts)
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| (code.clone(), *n))
            .collect()
    }
}

struct Inner {
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    config: SearchConfig,
    weights: matching::Weights,
    automata: matching::Automata,
    vocabulary: Vocabulary,
    /// Where the fingerprint file lives; `None` in memory.
    dir: Option<PathBuf>,
    /// Runs a large catalog's segments on every core.
    parallel: Option<tantivy::Executor>,
    memory_fingerprint: Mutex<Option<String>>,
    /// A rebuild's snapshot, between `begin_rebuild` and `finish_rebuild`.
    pending: Mutex<Option<(String, Vec<SearchDocument>)>>,
}

#[derive(Clone)]
pub struct EmbeddedEngine {
    inner: Arc<Inner>,
}

fn engine_error(e: TantivyError) -> SearchError {
    SearchError::Engine(e.to_string())
}

impl EmbeddedEngine {
    /// Opens (or creates) the index in `dir`. An index written with another schema is
    /// rebuilt empty; the start-up fingerprint check then refills it from the database.
    pub fn open(dir: &Path, reference: &Reference) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Unavailable(format!("creating {}: {e}", dir.display())))?;
        let (schema, fields) = schema();
        let index = match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => index,
            Ok(_) => {
                tracing::warn!("search index schema changed; rebuilding {}", dir.display());
                wipe(dir)?;
                Index::create_in_dir(dir, schema).map_err(engine_error)?
            }
            Err(_) => {
                wipe(dir)?;
                Index::create_in_dir(dir, schema).map_err(engine_error)?
            }
        };
        Self::from_index(index, fields, reference, Some(dir.to_path_buf()))
    }

    /// A throw-away index in memory.
    pub fn in_memory(reference: &Reference) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields, reference, None)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        reference: &Reference,
        dir: Option<PathBuf>,
    ) -> Result<Self, SearchError> {
        // A search with words on a large catalog runs its segments on every core: at a
        // million listings one search's latency halves on two cores (below, threads cost more
        // than they save).
        let cores = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(4);
        let parallel = if cores > 1 {
            Some(tantivy::Executor::multi_thread(cores, "search").map_err(engine_error)?)
        } else {
            None
        };
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(|e| match e {
                TantivyError::LockFailure(..) => SearchError::Unavailable(
                    "the search index is locked by another process (is a server running?)".into(),
                ),
                other => engine_error(other),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(engine_error)?;
        let config = SearchConfig::load().map_err(|e| SearchError::Engine(e.to_string()))?;
        let weights = weights(&config).map_err(SearchError::Engine)?;
        let fits = |n: usize, bits: u32| n < (1 << bits);
        if !(fits(reference.regions.len(), Packed::REGION_BITS)
            && fits(reference.provinces.len(), Packed::PROVINCE_BITS)
            && fits(reference.groups.len(), Packed::GROUP_BITS))
        {
            return Err(SearchError::Engine(
                "reference data outgrew the packed facet field".into(),
            ));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                config,
                weights,
                automata: matching::Automata::default(),
                vocabulary: Vocabulary {
                    regions: reference.regions.iter().map(|r| r.code.clone()).collect(),
                    provinces: reference.provinces.iter().map(|p| p.code.clone()).collect(),
                    groups: reference.groups.iter().map(|g| g.code.clone()).collect(),
                },
                dir,
                parallel,
                memory_fingerprint: Mutex::new(None),
                pending: Mutex::new(None),
            }),
        })
    }

    /// Runs a write on the blocking pool, commits and makes it visible to searches.
    async fn write<F>(&self, f: F) -> Result<(), SearchError>
    where
        F: FnOnce(&Inner, &mut IndexWriter<TantivyDocument>) -> Result<(), SearchError>
            + Send
            + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut writer = inner
                .writer
                .lock()
                .map_err(|_| SearchError::Engine("index writer poisoned".into()))?;
            if let Err(e) = f(&inner, &mut writer) {
                let _ = writer.rollback();
                return Err(e);
            }
            writer.commit().map_err(engine_error)?;
            inner.reader.reload().map_err(engine_error)
        })
        .await
        .map_err(|e| SearchError::Engine(format!("index task failed: {e}")))?
    }
}

/// The text rules' weights, after checking that the custom rules are the tie-breaks this
/// engine applies (`quality:desc`, then `seq:asc`).
pub fn weights(config: &SearchConfig) -> Result<matching::Weights, String> {
    let custom: Vec<&str> = config
        .ranking_rules
        .iter()
        .map(String::as_str)
        .filter(|r| r.contains(':'))
        .collect();
    if custom != ["quality:desc", "seq:asc"] {
        return Err(format!(
            "the embedded engine breaks ties by quality:desc, seq:asc, not {custom:?}"
        ));
    }
    matching::Weights::from_rules(&config.ranking_rules)
}

/// `rating_tenths:desc, rating_count:desc` as one number (higher first).
fn rating_key(d: &SearchDocument) -> i64 {
    i64::from(d.rating_tenths) * 10_000_000_000 + i64::from(d.rating_count)
}

fn wipe(dir: &Path) -> Result<(), SearchError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SearchError::Unavailable(format!("reading {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed
            .map_err(|e| SearchError::Unavailable(format!("clearing {}: {e}", path.display())))?;
    }
    Ok(())
}

impl Inner {
    fn to_tantivy(&self, d: &SearchDocument) -> Result<TantivyDocument, SearchError> {
        let f = self.fields;
        let v = &self.vocabulary;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_text(f.kind, &d.kind_folded);
        doc.add_text(f.title, &d.title_folded);
        doc.add_text(f.context, &d.context_folded);
        let cert = fold(&d.certificate_no);
        doc.add_text(f.cert, &cert);
        let texts = [&d.kind_folded, &d.title_folded, &d.context_folded, &cert];
        for (text, pairs) in texts.iter().zip(f.pairs) {
            for term in matching::start_terms(text) {
                doc.add_text(f.starts, term);
            }
            for pair in matching::side_by_side(text) {
                doc.add_text(pairs, pair);
            }
        }
        doc.add_i64(f.quality, d.quality);
        let unknown = |what: &str, code: &str| {
            SearchError::Engine(format!("document {} has an unknown {what} {code:?}", d.id))
        };
        let region = Vocabulary::ordinal(&v.regions, &d.region_code)
            .ok_or_else(|| unknown("region", &d.region_code))?;
        let province = Vocabulary::ordinal(&v.provinces, &d.province_code)
            .ok_or_else(|| unknown("province", &d.province_code))?;
        let group = Vocabulary::ordinal(&v.groups, &d.group_code)
            .ok_or_else(|| unknown("group", &d.group_code))?;
        doc.add_u64(
            f.packed,
            Packed::pack(d.expires_on, d.stars.min(7), region, province, group),
        );
        doc.add_i64(f.price, d.price_vnd.dong());
        doc.add_i64(f.published, d.published_at);
        doc.add_i64(f.seq, d.seq);
        doc.add_i64(f.rating, rating_key(d));
        for slug in &d.outlets {
            doc.add_text(f.outlet, slug);
        }
        let json = serde_json::to_string(d).map_err(|e| SearchError::Engine(e.to_string()))?;
        doc.add_text(f.stored, json);
        Ok(doc)
    }

    /// The text fields in the order of `searchableAttributes`, with their rank.
    fn text_fields(&self) -> matching::TextFields {
        let f = self.fields;
        let rank = |name: &str, fallback: u8| {
            self.config
                .searchable_attributes
                .iter()
                .position(|a| a == name)
                .and_then(|p| u8::try_from(p).ok())
                .unwrap_or(fallback)
        };
        matching::TextFields {
            fields: [
                (f.kind, rank("kind_folded", 0)),
                (f.title, rank("title_folded", 1)),
                (f.context, rank("context_folded", 2)),
                (f.cert, rank("certificate_no", 3)),
            ],
            pairs: f.pairs,
            starts: f.starts,
            weights: self.weights,
        }
    }

    fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let text = super::engine_text(&q.text);
        let mut query = matching::text_query(
            &searcher,
            &self.text_fields(),
            &self.automata,
            &self.config,
            &text,
        )
        .map_err(engine_error)?;
        if let Some(outlet) = &q.outlet {
            let term = Term::from_field_text(self.fields.outlet, outlet);
            query = Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (
                    Occur::Must,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                        0.0,
                    )),
                ),
            ]));
        }
        let v = &self.vocabulary;
        let mut allowed_stars = vec![q.stars.is_empty(); 1 << Packed::STARS_BITS];
        for &n in &q.stars {
            if let Some(slot) = allowed_stars.get_mut(usize::from(n)) {
                *slot = true;
            }
        }
        let relevance = q.sort == Sort::Relevance && !text.trim().is_empty();
        let collector = RowCollector {
            fields: self.fields,
            scoring: relevance,
            // A search without words lists the newest first, like an explicit sort.
            sort: match q.sort {
                Sort::Relevance if !relevance => Sort::Newest,
                other => other,
            },
            first_invalid_day: u64::from(day_key(q.today)),
            allowed: Arc::new([
                allowed_stars,
                Vocabulary::allowed(&v.regions, &q.regions, Packed::REGION_BITS),
                Vocabulary::allowed(&v.provinces, &q.provinces, Packed::PROVINCE_BITS),
                Vocabulary::allowed(&v.groups, &q.groups, Packed::GROUP_BITS),
            ]),
            limit: q.page.saturating_mul(q.per_page),
        };
        // Without words every document is a candidate: a tight pass over the packed column,
        // block by block, instead of a scorer and a call per document.
        let found = if text.trim().is_empty() && q.outlet.is_none() {
            scan(&searcher, &collector).map_err(engine_error)?
        } else if let Some(executor) = self
            .parallel
            .as_ref()
            .filter(|_| searcher.num_docs() >= PARALLEL_FROM)
        {
            let scoring = if relevance {
                tantivy::query::EnableScoring::enabled_from_searcher(&searcher)
            } else {
                tantivy::query::EnableScoring::disabled_from_searcher(&searcher)
            };
            searcher
                .search_with_executor(&*query, &collector, executor, scoring)
                .map_err(engine_error)?
        } else {
            searcher.search(&*query, &collector).map_err(engine_error)?
        };

        let stars_codes: Vec<String> = (0..8).map(|n: u8| n.to_string()).collect();
        let mut facets = Facets {
            stars: Vocabulary::counts(&stars_codes, &found.counts[0]),
            region: Vocabulary::counts(&v.regions, &found.counts[1]),
            province: Vocabulary::counts(&v.provinces, &found.counts[2]),
            group: Vocabulary::counts(&v.groups, &found.counts[3]),
        };
        facets.truncate(self.config.faceting.max_values_per_facet);
        let total = found.matched;
        // The first `page × per_page` rows in order (see [`order`]); the page is their tail.
        let kept: Vec<Row> = found
            .rows
            .into_sorted_vec()
            .into_iter()
            .map(|Ranked(row)| row)
            .collect();
        let offset = (q.page.saturating_sub(1)).saturating_mul(q.per_page);
        let page: Vec<Row> = kept.into_iter().skip(offset).collect();

        let mut hits = Vec::with_capacity(page.len());
        for row in page {
            let doc: TantivyDocument = searcher.doc(row.address).map_err(engine_error)?;
            let json = doc
                .get_first(self.fields.stored)
                .and_then(|v| v.as_str())
                .ok_or_else(|| SearchError::Engine("a document lost its stored copy".into()))?;
            let document: SearchDocument =
                serde_json::from_str(json).map_err(|e| SearchError::Engine(e.to_string()))?;
            hits.push(document.hit());
        }
        Ok(SearchResults {
            hits,
            total,
            page: q.page,
            per_page: q.per_page,
            facets,
        })
    }
}

#[async_trait]
impl SearchEngine for EmbeddedEngine {
    fn kind(&self) -> &'static str {
        "embedded"
    }

    async fn prepare(&self) -> Result<(), SearchError> {
        Ok(())
    }

    async fn upsert(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        if documents.is_empty() {
            return Ok(());
        }
        let documents = documents.to_vec();
        self.write(move |inner, writer| {
            for d in &documents {
                writer.delete_term(Term::from_field_text(inner.fields.id, &d.id));
                writer
                    .add_document(inner.to_tantivy(d)?)
                    .map_err(engine_error)?;
            }
            Ok(())
        })
        .await
    }

    async fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = ids.to_vec();
        self.write(move |inner, writer| {
            for id in &ids {
                writer.delete_term(Term::from_field_text(inner.fields.id, id));
            }
            Ok(())
        })
        .await
    }

    /// The replacement is kept in memory; finishing writes it in one commit, so searches
    /// see either the old index or the new one.
    async fn begin_rebuild(&self, documents: &[SearchDocument]) -> Result<Rebuild, SearchError> {
        let name = format!("rebuild-{}", uuid::Uuid::new_v4().simple());
        let mut pending = self
            .inner
            .pending
            .lock()
            .map_err(|_| SearchError::Engine("poisoned".into()))?;
        *pending = Some((name.clone(), documents.to_vec()));
        Ok(Rebuild { name })
    }

    async fn finish_rebuild(
        &self,
        rebuild: Rebuild,
        upserts: &[SearchDocument],
        deletes: &[String],
    ) -> Result<(), SearchError> {
        let documents = {
            let mut pending = self
                .inner
                .pending
                .lock()
                .map_err(|_| SearchError::Engine("poisoned".into()))?;
            match pending.take() {
                Some((name, documents)) if name == rebuild.name => documents,
                _ => {
                    return Err(SearchError::Engine(format!(
                        "no rebuild {} in progress",
                        rebuild.name
                    )));
                }
            }
        };
        let mut by_id: std::collections::BTreeMap<String, SearchDocument> =
            documents.into_iter().map(|d| (d.id.clone(), d)).collect();
        for id in deletes {
            by_id.remove(id);
        }
        for d in upserts {
            by_id.insert(d.id.clone(), d.clone());
        }
        self.write(move |inner, writer| {
            writer.delete_all_documents().map_err(engine_error)?;
            for d in by_id.values() {
                writer
                    .add_document(inner.to_tantivy(d)?)
                    .map_err(engine_error)?;
            }
            Ok(())
        })
        .await
    }

    async fn abandon_rebuild(&self, rebuild: Rebuild) -> Result<(), SearchError> {
        let mut pending = self
            .inner
            .pending
            .lock()
            .map_err(|_| SearchError::Engine("poisoned".into()))?;
        if pending
            .as_ref()
            .is_some_and(|(name, _)| *name == rebuild.name)
        {
            *pending = None;
        }
        Ok(())
    }

    async fn all_documents(&self) -> Result<Vec<SearchDocument>, SearchError> {
        let searcher = self.inner.reader.searcher();
        let addresses = searcher
            .search(&AllQuery, &DocSetCollector)
            .map_err(engine_error)?;
        let mut documents = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(engine_error)?;
            let json = doc
                .get_first(self.inner.fields.stored)
                .and_then(|v| v.as_str())
                .ok_or_else(|| SearchError::Engine("a document lost its stored copy".into()))?;
            documents
                .push(serde_json::from_str(json).map_err(|e| SearchError::Engine(e.to_string()))?);
        }
        documents.sort_by(|a: &SearchDocument, b| a.id.cmp(&b.id));
        Ok(documents)
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.inner.search(query)
    }

    async fn all_ids(&self) -> Result<Vec<String>, SearchError> {
        let searcher = self.inner.reader.searcher();
        let addresses = searcher
            .search(&AllQuery, &DocSetCollector)
            .map_err(engine_error)?;
        let mut ids = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(engine_error)?;
            if let Some(id) = doc.get_first(self.inner.fields.id).and_then(|v| v.as_str()) {
                ids.push(id.to_owned());
            }
        }
        ids.sort();
        Ok(ids)
    }

    async fn health(&self) -> Result<(), SearchError> {
        // Opening a searcher touches the index files.
        let _ = self.inner.reader.searcher().num_docs();
        Ok(())
    }

    async fn fingerprint(&self) -> Result<Option<String>, SearchError> {
        match &self.inner.dir {
            Some(dir) => match std::fs::read_to_string(dir.join(FINGERPRINT_FILE)) {
                Ok(s) => Ok(Some(s.trim().to_owned())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(SearchError::Unavailable(e.to_string())),
            },
            None => Ok(self
                .inner
                .memory_fingerprint
                .lock()
                .map_err(|_| SearchError::Engine("poisoned".into()))?
                .clone()),
        }
    }

    async fn set_fingerprint(&self, fingerprint: &str) -> Result<(), SearchError> {
        match &self.inner.dir {
            Some(dir) => std::fs::write(dir.join(FINGERPRINT_FILE), fingerprint)
                .map_err(|e| SearchError::Unavailable(e.to_string())),
            None => {
                *self
                    .inner
                    .memory_fingerprint
                    .lock()
                    .map_err(|_| SearchError::Engine("poisoned".into()))? =
                    Some(fingerprint.to_owned());
                Ok(())
            }
        }
    }
}

/// A document that passed every filter, with its sort key (higher first) and tie-break (lower
/// first).
struct Row {
    address: DocAddress,
    key: f64,
    /// 0 unless sorting by relevance.
    quality: i64,
    seq: i64,
}

/// Higher `key` first, then (for relevance) the higher quality, then the lower `seq`: a total
/// order, the one Meilisearch gives with `search-config/listings.json` and
/// [`super::sort_keys`] (explicit sorts end with `seq`, so quality never decides them).
fn order(a: &Row, b: &Row) -> std::cmp::Ordering {
    b.key
        .total_cmp(&a.key)
        .then(b.quality.cmp(&a.quality))
        .then(a.seq.cmp(&b.seq))
}

/// A row in a heap whose top is the row shown last.
struct Ranked(Row);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        order(&self.0, &other.0).is_eq()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        order(&self.0, &other.0)
    }
}

/// Facet counts per ordinal (stars, region, province, group), how many documents pass every
/// filter, and the first `limit` of them in order (the rest cannot reach the page asked for).
struct Found {
    counts: [Vec<u64>; 4],
    matched: u64,
    rows: std::collections::BinaryHeap<Ranked>,
}

impl Found {
    fn new(allowed: &[Vec<bool>; 4]) -> Self {
        Self {
            counts: [
                vec![0; allowed[0].len()],
                vec![0; allowed[1].len()],
                vec![0; allowed[2].len()],
                vec![0; allowed[3].len()],
            ],
            matched: 0,
            rows: std::collections::BinaryHeap::new(),
        }
    }

    /// Keeps `row` if it is among the first `limit`.
    fn offer(&mut self, row: Row, limit: usize) {
        if self.rows.len() < limit {
            self.rows.push(Ranked(row));
        } else if let Some(mut last) = self.rows.peek_mut()
            && order(&row, &last.0).is_lt()
        {
            *last = Ranked(row);
        }
    }
}

/// Counts disjunctive facets and keeps the filtered rows in one pass over the text matches.
struct RowCollector {
    fields: Fields,
    scoring: bool,
    sort: Sort,
    first_invalid_day: u64,
    /// Per facet (stars, region, province, group): which ordinals the filter lets through.
    allowed: Arc<[Vec<bool>; 4]>,
    /// Rows kept: the last one of the page asked for.
    limit: usize,
}

struct RowSegmentCollector {
    segment: SegmentOrdinal,
    packed: Column<u64>,
    price: Column<i64>,
    published: Column<i64>,
    seq: Column<i64>,
    rating: Column<i64>,
    quality: Column<i64>,
    sort: Sort,
    first_invalid_day: u64,
    allowed: Arc<[Vec<bool>; 4]>,
    limit: usize,
    found: Found,
}

impl Collector for RowCollector {
    type Fruit = Found;
    type Child = RowSegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<RowSegmentCollector> {
        let ff = reader.fast_fields();
        let schema = reader.schema();
        let name = |f: Field| schema.get_field_name(f).to_owned();
        Ok(RowSegmentCollector {
            segment,
            packed: ff.u64(&name(self.fields.packed))?,
            price: ff.i64(&name(self.fields.price))?,
            published: ff.i64(&name(self.fields.published))?,
            seq: ff.i64(&name(self.fields.seq))?,
            rating: ff.i64(&name(self.fields.rating))?,
            quality: ff.i64(&name(self.fields.quality))?,
            sort: self.sort,
            first_invalid_day: self.first_invalid_day,
            found: Found::new(&self.allowed),
            allowed: self.allowed.clone(),
            limit: self.limit,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Found>) -> tantivy::Result<Found> {
        let mut merged = Found::new(&self.allowed);
        for fruit in fruits {
            for (total, part) in merged.counts.iter_mut().zip(fruit.counts) {
                for (t, p) in total.iter_mut().zip(part) {
                    *t += p;
                }
            }
            merged.matched += fruit.matched;
            for Ranked(row) in fruit.rows {
                merged.offer(row, self.limit);
            }
        }
        Ok(merged)
    }
}

/// From this many documents a search splits its segments over the cores (below, threads cost
/// more than they save).
const PARALLEL_FROM: u64 = 500_000;

/// Every live document of every segment through the collector, reading the packed field
/// a block at a time; the segments split over the cores when there are several.
fn scan(searcher: &tantivy::Searcher, collector: &RowCollector) -> tantivy::Result<Found> {
    let readers: Vec<(SegmentOrdinal, &SegmentReader)> = searcher
        .segment_readers()
        .iter()
        .enumerate()
        .map(|(i, r)| (SegmentOrdinal::try_from(i).unwrap_or(0), r))
        .collect();
    let total: u64 = readers.iter().map(|(_, r)| u64::from(r.max_doc())).sum();
    let cores = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4);
    if cores < 2 || readers.len() < 2 || total < PARALLEL_FROM {
        let fruits = readers
            .iter()
            .map(|(ordinal, reader)| scan_segment(collector, *ordinal, reader))
            .collect::<tantivy::Result<Vec<_>>>()?;
        return collector.merge_fruits(fruits);
    }
    // Segments to the least loaded core, biggest first.
    let mut shares: Vec<(u64, Vec<(SegmentOrdinal, &SegmentReader)>)> =
        vec![(0, Vec::new()); cores];
    let mut by_size = readers;
    by_size.sort_by_key(|(_, r)| std::cmp::Reverse(r.max_doc()));
    for (ordinal, reader) in by_size {
        if let Some(share) = shares.iter_mut().min_by_key(|(docs, _)| *docs) {
            share.0 += u64::from(reader.max_doc());
            share.1.push((ordinal, reader));
        }
    }
    let fruits = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|(_, mine)| {
                scope.spawn(move || {
                    mine.iter()
                        .map(|(ordinal, reader)| scan_segment(collector, *ordinal, reader))
                        .collect::<tantivy::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut fruits = Vec::new();
        for handle in handles {
            match handle.join() {
                Ok(found) => fruits.extend(found?),
                Err(_) => {
                    return Err(TantivyError::InternalError(
                        "a search thread panicked".into(),
                    ));
                }
            }
        }
        Ok(fruits)
    })?;
    collector.merge_fruits(fruits)
}

fn scan_segment(
    collector: &RowCollector,
    ordinal: SegmentOrdinal,
    reader: &SegmentReader,
) -> tantivy::Result<Found> {
    const BLOCK: u32 = 4096;
    let mut segment = collector.for_segment(ordinal, reader)?;
    let alive = reader.alive_bitset();
    let max = reader.max_doc();
    if !matches!(segment.packed.index, tantivy::columnar::ColumnIndex::Full) {
        for doc in 0..max {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                segment.collect(doc, 0.0);
            }
        }
        return Ok(segment.harvest());
    }
    let values = segment.packed.values.clone();
    let mut block = vec![0u64; BLOCK as usize];
    let mut start = 0;
    while start < max {
        let n = (max - start).min(BLOCK);
        let chunk = &mut block[..n as usize];
        values.get_range(u64::from(start), chunk);
        match alive {
            None => {
                for (doc, packed) in (start..).zip(chunk.iter()) {
                    segment.collect_packed(doc, *packed, 0.0);
                }
            }
            Some(alive) => {
                for (doc, packed) in (start..).zip(chunk.iter()) {
                    if alive.is_alive(doc) {
                        segment.collect_packed(doc, *packed, 0.0);
                    }
                }
            }
        }
        start += n;
    }
    Ok(segment.harvest())
}

impl RowSegmentCollector {
    fn collect_packed(&mut self, doc: DocId, packed: u64, score: Score) {
        if packed >> Packed::EXPIRES_SHIFT <= self.first_invalid_day {
            return;
        }
        let values = [
            Packed::field(packed, Packed::STARS_SHIFT, Packed::STARS_BITS),
            Packed::field(packed, Packed::REGION_SHIFT, Packed::REGION_BITS),
            Packed::field(packed, Packed::PROVINCE_SHIFT, Packed::PROVINCE_BITS),
            Packed::field(packed, 0, Packed::GROUP_BITS),
        ];
        let pass = [
            self.allowed[0][values[0]],
            self.allowed[1][values[1]],
            self.allowed[2][values[2]],
            self.allowed[3][values[3]],
        ];
        // Each facet counts the documents that pass every *other* filter: all of them when
        // every filter passes, only the failing one's when one fails, none otherwise.
        let failing = pass.iter().filter(|p| !**p).count();
        match failing {
            0 => {
                for (counts, value) in self.found.counts.iter_mut().zip(values) {
                    counts[value] += 1;
                }
            }
            1 => {
                if let Some(facet) = pass.iter().position(|p| !*p) {
                    self.found.counts[facet][values[facet]] += 1;
                }
            }
            _ => {}
        }
        if failing == 0 {
            self.found.matched += 1;
            if self.limit == 0 {
                return;
            }
            let key = match self.sort {
                Sort::Relevance => f64::from(score),
                Sort::PriceAsc => -(self.price.first(doc).unwrap_or(0) as f64),
                Sort::PriceDesc => self.price.first(doc).unwrap_or(0) as f64,
                Sort::Stars => values[0] as f64,
                Sort::Newest => self.published.first(doc).unwrap_or(0) as f64,
                Sort::Rating => self.rating.first(doc).unwrap_or(0) as f64,
            };
            // A row sorting after the last one kept cannot reach the page: skip its reads.
            if self.found.rows.len() >= self.limit
                && self
                    .found
                    .rows
                    .peek()
                    .is_some_and(|last| key.total_cmp(&last.0.key).is_lt())
            {
                return;
            }
            let row = Row {
                address: DocAddress::new(self.segment, doc),
                key,
                quality: if self.sort == Sort::Relevance {
                    self.quality.first(doc).unwrap_or(0)
                } else {
                    0
                },
                seq: self.seq.first(doc).unwrap_or(i64::MAX),
            };
            self.found.offer(row, self.limit);
        }
    }
}

impl SegmentCollector for RowSegmentCollector {
    type Fruit = Found;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(packed) = self.packed.first(doc) {
            self.collect_packed(doc, packed, score);
        }
    }

    fn harvest(self) -> Found {
        self.found
    }
}
