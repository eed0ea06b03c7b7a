//! The embedded search engine: tantivy, with the index on local disk (or in memory for
//! tests and benchmarks). Text is pre-folded, so matching ignores case and diacritics.
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tantivy::collector::{Collector, DocSetCollector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal,
    SegmentReader, TantivyDocument, TantivyError, Term,
};

use super::config::SearchConfig;
use super::{
    FacetFilter, Facets, SearchDocument, SearchEngine, SearchError, SearchQuery, SearchResults,
    Sort, day_key,
};
use crate::domain::reference::Reference;
use crate::domain::text::fold;

const WRITER_MEMORY: usize = 50_000_000;
const FINGERPRINT_FILE: &str = "fingerprint";

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    context: Field,
    cert: Field,
    stars: Field,
    region: Field,
    province: Field,
    group: Field,
    price: Field,
    published: Field,
    expires: Field,
    stored: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        context: b.add_text_field("context", text.clone()),
        cert: b.add_text_field("cert", text),
        stars: b.add_u64_field("stars", FAST),
        region: b.add_u64_field("region", FAST),
        province: b.add_u64_field("province", FAST),
        group: b.add_u64_field("group", FAST),
        price: b.add_i64_field("price", FAST),
        published: b.add_i64_field("published", FAST),
        expires: b.add_u64_field("expires", FAST),
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
    fn ordinal(list: &[String], code: &str) -> u64 {
        list.iter()
            .position(|c| c == code)
            .map_or(u64::MAX, |i| i as u64)
    }

    fn code(list: &[String], ordinal: u64) -> &str {
        usize::try_from(ordinal)
            .ok()
            .and_then(|i| list.get(i))
            .map_or("", String::as_str)
    }
}

struct Inner {
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    config: SearchConfig,
    vocabulary: Vocabulary,
    /// Where the fingerprint file lives; `None` in memory.
    dir: Option<PathBuf>,
    memory_fingerprint: Mutex<Option<String>>,
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
        Ok(Self {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                config,
                vocabulary: Vocabulary {
                    regions: reference.regions.iter().map(|r| r.code.clone()).collect(),
                    provinces: reference.provinces.iter().map(|p| p.code.clone()).collect(),
                    groups: reference.groups.iter().map(|g| g.code.clone()).collect(),
                },
                dir,
                memory_fingerprint: Mutex::new(None),
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
        doc.add_text(f.title, &d.title_folded);
        doc.add_text(f.context, &d.context_folded);
        doc.add_text(f.cert, fold(&d.certificate_no));
        doc.add_u64(f.stars, u64::from(d.stars));
        doc.add_u64(f.region, Vocabulary::ordinal(&v.regions, &d.region_code));
        doc.add_u64(
            f.province,
            Vocabulary::ordinal(&v.provinces, &d.province_code),
        );
        doc.add_u64(f.group, Vocabulary::ordinal(&v.groups, &d.group_code));
        doc.add_i64(f.price, d.price_vnd);
        doc.add_i64(f.published, d.published_at);
        doc.add_u64(f.expires, u64::from(d.expires_on));
        let json = serde_json::to_string(d).map_err(|e| SearchError::Engine(e.to_string()))?;
        doc.add_text(f.stored, json);
        Ok(doc)
    }

    /// All words must match (in any field); each word matches exactly, as a prefix (the last
    /// word, for search-as-you-type), with typos (long words), or through a synonym.
    fn text_query(&self, text: &str) -> Box<dyn Query> {
        let folded = fold(text);
        if folded.is_empty() {
            return Box::new(AllQuery);
        }
        let words: Vec<&str> = folded.split(' ').collect();
        let typing_last_word = !text.ends_with(char::is_whitespace);
        let f = self.fields;
        let no_typos_on_cert = self
            .config
            .typo_tolerance
            .disable_on_attributes
            .iter()
            .any(|a| a == "certificate_no");
        let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let prefix = typing_last_word && i + 1 == words.len();
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let mut variants = vec![(word.to_string(), 1.0_f32)];
            if let Some(synonyms) = self.config.synonyms.get(*word) {
                variants.extend(synonyms.iter().map(|s| (fold(s), 0.8)));
            }
            for (variant, weight) in &variants {
                for (field, field_weight, typos_ok) in [
                    (f.title, 2.0_f32, true),
                    (f.context, 1.0, true),
                    (f.cert, 1.0, !no_typos_on_cert),
                ] {
                    let term = Term::from_field_text(field, variant);
                    let boost = field_weight * weight;
                    alternatives.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                            3.0 * boost,
                        )),
                    ));
                    let typos = if typos_ok {
                        self.config.typos_allowed(variant.chars().count())
                    } else {
                        0
                    };
                    if typos > 0 {
                        alternatives.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(FuzzyTermQuery::new(term.clone(), typos, true)),
                                boost,
                            )),
                        ));
                    }
                    if prefix {
                        alternatives.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(FuzzyTermQuery::new_prefix(term, typos, true)),
                                1.5 * boost,
                            )),
                        ));
                    }
                }
            }
            required.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        Box::new(BooleanQuery::new(required))
    }

    fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let query = self.text_query(&q.text);
        let collector = RowCollector {
            fields: self.fields,
            scoring: q.sort == Sort::Relevance && !fold(&q.text).is_empty(),
            first_invalid_day: u64::from(day_key(q.today)),
        };
        let rows = searcher.search(&*query, &collector).map_err(engine_error)?;

        let v = &self.vocabulary;
        let filter = FacetFilter::new(q);
        let mut facets = Facets::default();
        let mut kept: Vec<Row> = Vec::new();
        for row in rows {
            let region = Vocabulary::code(&v.regions, row.region);
            let province = Vocabulary::code(&v.provinces, row.province);
            let group = Vocabulary::code(&v.groups, row.group);
            let stars = u8::try_from(row.stars).unwrap_or(0);
            let pass = filter.passes(stars, region, province, group);
            facets.count(pass, (stars, region, province, group));
            if pass.iter().all(|ok| *ok) {
                kept.push(row);
            }
        }
        facets.truncate(self.config.faceting.max_values_per_facet);
        let total = kept.len() as u64;

        let order = |a: &Row, b: &Row| {
            let by_newest = b.published.cmp(&a.published);
            let primary = match q.sort {
                Sort::Relevance => b.score.total_cmp(&a.score),
                Sort::PriceAsc => a.price.cmp(&b.price),
                Sort::PriceDesc => b.price.cmp(&a.price),
                Sort::Stars => b.stars.cmp(&a.stars).then(b.score.total_cmp(&a.score)),
                Sort::Newest => std::cmp::Ordering::Equal,
            };
            primary.then(by_newest).then(a.address.cmp(&b.address))
        };
        let offset = (q.page.saturating_sub(1)).saturating_mul(q.per_page);
        let end = offset.saturating_add(q.per_page).min(kept.len());
        let page: Vec<Row> = if offset >= kept.len() {
            Vec::new()
        } else {
            if end < kept.len() {
                kept.select_nth_unstable_by(end, order);
                kept.truncate(end);
            }
            kept.sort_unstable_by(order);
            kept.drain(offset..).collect()
        };

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

    async fn replace_all(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        let documents = documents.to_vec();
        self.write(move |inner, writer| {
            writer.delete_all_documents().map_err(engine_error)?;
            for d in &documents {
                writer
                    .add_document(inner.to_tantivy(d)?)
                    .map_err(engine_error)?;
            }
            Ok(())
        })
        .await
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

/// A text match with the values sorting and faceting need.
struct Row {
    address: DocAddress,
    score: Score,
    stars: u64,
    region: u64,
    province: u64,
    group: u64,
    price: i64,
    published: i64,
}

/// Collects every matching, unexpired document with its fast-field values.
struct RowCollector {
    fields: Fields,
    scoring: bool,
    first_invalid_day: u64,
}

struct RowSegmentCollector {
    segment: SegmentOrdinal,
    stars: Column<u64>,
    region: Column<u64>,
    province: Column<u64>,
    group: Column<u64>,
    price: Column<i64>,
    published: Column<i64>,
    expires: Column<u64>,
    first_invalid_day: u64,
    rows: Vec<Row>,
}

impl Collector for RowCollector {
    type Fruit = Vec<Row>;
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
            stars: ff.u64(&name(self.fields.stars))?,
            region: ff.u64(&name(self.fields.region))?,
            province: ff.u64(&name(self.fields.province))?,
            group: ff.u64(&name(self.fields.group))?,
            price: ff.i64(&name(self.fields.price))?,
            published: ff.i64(&name(self.fields.published))?,
            expires: ff.u64(&name(self.fields.expires))?,
            first_invalid_day: self.first_invalid_day,
            rows: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Row>>) -> tantivy::Result<Vec<Row>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for RowSegmentCollector {
    type Fruit = Vec<Row>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.expires.first(doc).unwrap_or(0) <= self.first_invalid_day {
            return;
        }
        self.rows.push(Row {
            address: DocAddress::new(self.segment, doc),
            score,
            stars: self.stars.first(doc).unwrap_or(0),
            region: self.region.first(doc).unwrap_or(u64::MAX),
            province: self.province.first(doc).unwrap_or(u64::MAX),
            group: self.group.first(doc).unwrap_or(u64::MAX),
            price: self.price.first(doc).unwrap_or(0),
            published: self.published.first(doc).unwrap_or(0),
        });
    }

    fn harvest(self) -> Vec<Row> {
        self.rows
    }
}
