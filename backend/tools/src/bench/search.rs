//! `ocop-village bench search`: index a synthetic catalog and time a fixed query mix.
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use indicatif::ProgressBar;

use ocop_village::domain::money::Vnd;
use ocop_village::domain::reference::Reference;
use ocop_village::domain::text::fold;
use ocop_village::search::{SearchDocument, SearchEngine, SearchError, SearchQuery, Sort, day_key};

pub struct BenchOptions {
    pub listings: usize,
    /// Queries per kind in the single-threaded run.
    pub queries: usize,
    /// Concurrent clients in the load run.
    pub concurrency: usize,
}

/// Latency percentiles of one query kind, in milliseconds.
#[derive(Debug, Clone)]
pub struct Latency {
    pub kind: &'static str,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

#[derive(Debug, Clone)]
pub struct BenchReport {
    pub engine: &'static str,
    pub listings: usize,
    pub indexing: Duration,
    pub single: Vec<Latency>,
    pub concurrent: Vec<Latency>,
    pub concurrency: usize,
    pub concurrent_qps: f64,
    /// The query texts slowest at the median of their single-threaded runs (kind, text,
    /// median ms, slowest ms): where the p99 comes from.
    pub slowest: Vec<(&'static str, String, f64, f64)>,
}

/// The `n` (kind, text) pairs slowest at their median.
fn slowest(
    queries: &[(&'static str, SearchQuery)],
    samples: &[(&'static str, Duration)],
    n: usize,
) -> Vec<(&'static str, String, f64, f64)> {
    let mut by_text: std::collections::BTreeMap<(&'static str, &str), Vec<f64>> =
        std::collections::BTreeMap::new();
    for ((kind, q), (_, took)) in queries.iter().zip(samples) {
        by_text
            .entry((*kind, q.text.as_str()))
            .or_default()
            .push(took.as_secs_f64() * 1000.0);
    }
    let mut rows: Vec<_> = by_text
        .into_iter()
        .map(|((kind, text), mut ms)| {
            ms.sort_by(f64::total_cmp);
            let median = ms[ms.len() / 2];
            let max = ms.last().copied().unwrap_or(median);
            (kind, text.to_owned(), median, max)
        })
        .collect();
    rows.sort_by(|a, b| b.2.total_cmp(&a.2));
    rows.truncate(n);
    rows
}

const KINDS: [&str; 4] = ["text", "text+facets", "facets only", "sorted"];

/// Product names of the sample registry: realistic Vietnamese vocabulary.
fn sample_names() -> Vec<(String, String, String, u8)> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(crate::seed::SAMPLE_REGISTRY);
    reader
        .records()
        .filter_map(Result::ok)
        .map(|r| {
            (
                r.get(1).unwrap_or("").to_owned(),
                r.get(2).unwrap_or("").to_owned(),
                r.get(3).unwrap_or("food").to_owned(),
                r.get(5).and_then(|s| s.parse().ok()).unwrap_or(3),
            )
        })
        .collect()
}

fn mix(h: u64) -> u64 {
    let mut x = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// `n` documents spread over every province, region and group.
pub fn synthetic_catalog(reference: &Reference, n: usize) -> Vec<SearchDocument> {
    let names = sample_names();
    let sellers = [
        "HTX Nông nghiệp",
        "Công ty TNHH",
        "Hộ kinh doanh",
        "Tổ hợp tác",
    ];
    (0..n)
        .map(|i| {
            let h = mix(i as u64);
            let (vi, en, group, stars) = &names[i % names.len().max(1)];
            let province = &reference.provinces[(h % reference.provinces.len() as u64) as usize];
            let title_vi = format!("{vi} lô {}", i / names.len().max(1));
            let seller = format!(
                "{} {}",
                sellers[(h >> 8) as usize % sellers.len()],
                i % 5000
            );
            SearchDocument {
                seq: i as i64,
                id: format!("bench-{i:07}"),
                slug: format!("bench-{i}"),
                certificate_no: format!("OCOP-BN-{}-{:05}", 2023 + i % 3, i),
                title_folded: fold(&format!("{title_vi} {en}")),
                kind_folded: ocop_village::domain::text::product_kind(&title_vi),
                title_vi,
                title_en: en.clone(),
                context_folded: fold(&format!(
                    "{seller} {} {}",
                    province.name_vi, province.name_en
                )),
                seller_name: seller,
                stars: *stars,
                province_code: province.code.clone(),
                region_code: province.region_code.clone(),
                group_code: group.clone(),
                price_vnd: Vnd::new(20_000 + ((h >> 16) % 400) as i64 * 5_000),
                price_max_vnd: Vnd::ZERO,
                in_stock: !(h >> 24).is_multiple_of(10),
                thumbnail_url: None,
                thumbnail_srcset: None,
                quality: ocop_village::search::quality(
                    !(h >> 24).is_multiple_of(10),
                    *stars,
                    u8::try_from((h >> 40) % 51).unwrap_or(0),
                    ((h >> 12) % 500) as i64,
                ),
                rating_tenths: u8::try_from((h >> 40) % 51).unwrap_or(0),
                rating_count: ((h >> 48) % 200) as u32,
                published_at: 1_700_000_000 + ((h >> 32) % 30_000_000) as i64,
                expires_on: 20_291_231,
                outlets: Vec::new(),
            }
        })
        .collect()
}

/// The fixed query mix: `count` queries of each kind.
pub fn query_mix(
    reference: &Reference,
    today: NaiveDate,
    count: usize,
) -> Vec<(&'static str, SearchQuery)> {
    let texts = [
        "tra shan tuyet",
        "mat ong",
        "ruou ngo",
        "gao",
        "ca phe",
        "nuoc mam",
        "banh",
        "che thai nguyen",
        "hat dieu",
        "mien",
        "tuong ot",
        "nem chua",
        "tea",
        "honey",
        "rice",
        "coffee",
        "caphe",
        "mat o",
        "nuoc mamm",
        "ha giang",
    ];
    let regions: Vec<&str> = reference.regions.iter().map(|r| r.code.as_str()).collect();
    let provinces: Vec<&str> = reference
        .provinces
        .iter()
        .map(|p| p.code.as_str())
        .collect();
    let groups: Vec<&str> = reference.groups.iter().map(|g| g.code.as_str()).collect();
    let mut out = Vec::with_capacity(count * KINDS.len());
    for i in 0..count {
        let h = mix(i as u64 + 17);
        let text = texts[i % texts.len()].to_owned();
        let base = SearchQuery {
            per_page: 20,
            ..SearchQuery::all(today)
        };
        out.push((
            "text",
            SearchQuery {
                text: text.clone(),
                ..base.clone()
            },
        ));
        out.push((
            "text+facets",
            SearchQuery {
                text,
                stars: vec![4, 5],
                regions: vec![regions[h as usize % regions.len()].to_owned()],
                ..base.clone()
            },
        ));
        out.push((
            "facets only",
            SearchQuery {
                stars: vec![3 + (h % 3) as u8],
                provinces: vec![provinces[(h >> 8) as usize % provinces.len()].to_owned()],
                groups: vec![groups[(h >> 16) as usize % groups.len()].to_owned()],
                ..base.clone()
            },
        ));
        out.push((
            "sorted",
            SearchQuery {
                groups: vec![groups[(h >> 24) as usize % groups.len()].to_owned()],
                sort: [Sort::PriceAsc, Sort::PriceDesc, Sort::Newest, Sort::Stars][i % 4],
                page: 1 + (h % 5) as usize,
                ..base
            },
        ));
    }
    out
}

fn percentiles(kind: &'static str, mut samples: Vec<Duration>) -> Latency {
    samples.sort();
    let at = |q: f64| {
        if samples.is_empty() {
            return 0.0;
        }
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    Latency {
        kind,
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
    }
}

fn by_kind(samples: &[(&'static str, Duration)]) -> Vec<Latency> {
    KINDS
        .iter()
        .map(|kind| {
            percentiles(
                kind,
                samples
                    .iter()
                    .filter(|(k, _)| k == kind)
                    .map(|(_, d)| *d)
                    .collect(),
            )
        })
        .collect()
}

pub async fn run(
    engine: Arc<dyn SearchEngine>,
    reference: &Reference,
    options: &BenchOptions,
    progress: ProgressBar,
) -> Result<BenchReport, SearchError> {
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    debug_assert!(day_key(today) < 20_291_231);
    let documents = synthetic_catalog(reference, options.listings);
    engine.prepare().await?;
    progress.set_message("indexing");
    progress.set_length(documents.len() as u64);
    let started = Instant::now();
    engine.replace_all(&[]).await?;
    for chunk in documents.chunks(10_000) {
        engine.upsert(chunk).await?;
        progress.inc(chunk.len() as u64);
    }
    let indexing = started.elapsed();

    let queries = query_mix(reference, today, options.queries);
    // Warm up caches so the figures describe steady state.
    for (_, q) in queries.iter().take(KINDS.len() * 5) {
        engine.search(q).await?;
    }
    progress.set_message("single-threaded queries");
    progress.set_position(0);
    progress.set_length(queries.len() as u64);
    let mut samples = Vec::with_capacity(queries.len());
    for (kind, q) in &queries {
        let t = Instant::now();
        engine.search(q).await?;
        samples.push((*kind, t.elapsed()));
        progress.inc(1);
    }
    let single = by_kind(&samples);
    let slowest = slowest(&queries, &samples, 5);

    progress.set_message("concurrent queries");
    progress.set_position(0);
    let concurrency = options.concurrency.max(1);
    progress.set_length((queries.len() * concurrency) as u64);
    let queries = Arc::new(queries);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let engine = engine.clone();
        let queries = queries.clone();
        let progress = progress.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(queries.len());
            for i in 0..queries.len() {
                let (kind, q) = &queries[(i + worker * 7) % queries.len()];
                let t = Instant::now();
                engine.search(q).await?;
                samples.push((*kind, t.elapsed()));
                progress.inc(1);
            }
            Ok::<_, SearchError>(samples)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let samples = task
            .await
            .map_err(|e| SearchError::Engine(format!("bench task: {e}")))??;
        all.extend(samples);
    }
    let elapsed = started.elapsed();
    progress.finish_and_clear();
    Ok(BenchReport {
        engine: engine.kind(),
        listings: documents.len(),
        indexing,
        single,
        concurrent: by_kind(&all),
        concurrency,
        concurrent_qps: all.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        slowest,
    })
}

/// Latency of the same query mix sent to Meilisearch by hand (one plain HTTP request each,
/// see [`ocop_village::search::meili::MeiliEngine::raw_request`]) on an index `run` has filled: what the
/// engine adds on top of Meilisearch.
pub async fn raw_latency(
    engine: &ocop_village::search::meili::MeiliEngine,
    reference: &Reference,
    options: &BenchOptions,
    progress: ProgressBar,
) -> Result<Vec<Latency>, SearchError> {
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let queries = query_mix(reference, today, options.queries);
    let http = reqwest::Client::new();
    for (_, q) in queries.iter().take(KINDS.len() * 5) {
        engine.raw_search(&http, q).await?;
    }
    progress.set_message("raw Meilisearch requests");
    progress.set_position(0);
    progress.set_length(queries.len() as u64);
    let mut samples = Vec::with_capacity(queries.len());
    for (kind, q) in &queries {
        let t = Instant::now();
        engine.raw_search(&http, q).await?;
        samples.push((*kind, t.elapsed()));
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(by_kind(&samples))
}

/// Several engines' reports side by side (and Meilisearch by hand, when measured).
pub fn side_by_side(reports: &[BenchReport], raw: Option<&[Latency]>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut header = format!("{:<13}", "query kind");
    for r in reports {
        let _ = write!(header, " | {:^26}", format!("{} p50/p95/p99 ms", r.engine));
    }
    if raw.is_some() {
        let _ = write!(header, " | {:^26}", "raw Meilisearch p50/p95/p99");
    }
    let _ = writeln!(out, "{header}");
    let cell = |l: &Latency| format!("{:.2} / {:.2} / {:.2}", l.p50, l.p95, l.p99);
    for (label, pick) in [("1 client", false), ("concurrent", true)] {
        for (i, kind) in KINDS.iter().enumerate() {
            let mut line = format!("{:<13}", format!("{kind}"));
            for r in reports {
                let rows = if pick { &r.concurrent } else { &r.single };
                let _ = write!(line, " | {:^26}", rows.get(i).map(cell).unwrap_or_default());
            }
            if let Some(raw) = raw {
                let value = if pick {
                    String::new()
                } else {
                    raw.get(i).map(cell).unwrap_or_default()
                };
                let _ = write!(line, " | {value:^26}");
            }
            let _ = writeln!(out, "{line} ({label})");
        }
    }
    for r in reports {
        let _ = writeln!(
            out,
            "{}: {} listings indexed in {:.1} s; {} concurrent clients: {:.0} queries/s",
            r.engine,
            r.listings,
            r.indexing.as_secs_f64(),
            r.concurrency,
            r.concurrent_qps
        );
        for (kind, text, median, max) in &r.slowest {
            let _ = writeln!(
                out,
                "  slow: {kind} {text:?}: median {median:.2} ms, slowest {max:.2} ms"
            );
        }
    }
    out
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "engine {}: {} listings indexed in {:.1} s ({:.0} docs/s)",
            self.engine,
            self.listings,
            self.indexing.as_secs_f64(),
            self.listings as f64 / self.indexing.as_secs_f64().max(1e-9)
        )?;
        writeln!(
            f,
            "{:<28} {:>9} {:>9} {:>9}",
            "query kind", "p50 ms", "p95 ms", "p99 ms"
        )?;
        for (label, rows) in [
            ("single-threaded", &self.single),
            ("concurrent", &self.concurrent),
        ] {
            for l in rows.iter() {
                writeln!(
                    f,
                    "{:<28} {:>9.2} {:>9.2} {:>9.2}",
                    format!("{} ({label})", l.kind),
                    l.p50,
                    l.p95,
                    l.p99
                )?;
            }
        }
        write!(
            f,
            "concurrent: {} clients, {:.0} queries/s",
            self.concurrency, self.concurrent_qps
        )
    }
}
