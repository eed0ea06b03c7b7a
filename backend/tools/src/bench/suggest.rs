//! `ocop-village bench suggest`: builds the suggestion vocabulary of a synthetic catalog (the
//! search benchmark's) and times lookups of what shoppers type, one letter at a time.
use std::time::{Duration, Instant};

use ocop_village::domain::reference::Reference;
use ocop_village::domain::text::slugify;
use ocop_village::features::catalog::suggest::{CatalogRow, entries};
use ocop_village::search::suggest::Vocabulary;

/// What shoppers type, each lookup one more letter of it.
const TYPED: [&str; 16] = [
    "trà shan tuyết",
    "mat ong rung",
    "nước mắm phú quốc",
    "ca phe",
    "gạo st25",
    "hà giang",
    "htx nông nghiệp",
    "bánh tráng",
    "honey",
    "tea",
    "ruou ngo",
    "sâm ngọc linh",
    "thai nguyen",
    "xoài cát",
    "hạt điều",
    "công ty",
];

pub struct SuggestReport {
    pub listings: usize,
    pub entries: usize,
    pub build: Duration,
    pub lookups: usize,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    pub corrections_p99_us: f64,
    /// The slowest prefixes and their worst time in microseconds.
    pub slowest: Vec<(String, f64)>,
}

pub fn run(reference: &Reference, listings: usize, rounds: usize) -> SuggestReport {
    let rows: Vec<CatalogRow> = super::search::synthetic_catalog(reference, listings)
        .into_iter()
        .map(|d| CatalogRow {
            seller_slug: slugify(&d.seller_name, 60),
            slug: d.slug,
            product_name_vi: d.title_vi,
            product_name_en: d.title_en,
            seller_name: d.seller_name,
            province_code: d.province_code,
            stars: i16::from(d.stars),
            stock: i32::from(d.in_stock),
        })
        .collect();
    let started = Instant::now();
    let vocabulary = Vocabulary::build(entries(&rows, reference));
    let build = started.elapsed();
    let mut times = Vec::new();
    let mut worst: std::collections::HashMap<String, Duration> = std::collections::HashMap::new();
    let mut shown = 0usize;
    for _ in 0..rounds.max(1) {
        for typed in TYPED {
            let mut prefix = String::new();
            for c in typed.chars() {
                prefix.push(c);
                let t = Instant::now();
                shown += vocabulary.lookup(&prefix).len();
                let took = t.elapsed();
                times.push(took);
                let slot = worst.entry(prefix.clone()).or_default();
                *slot = (*slot).max(took);
            }
        }
    }
    let mut corrections = Vec::new();
    for _ in 0..rounds.max(1) {
        for typo in [
            "mat onng",
            "nuoc mamm",
            "tra shann",
            "xoaii cat",
            "hatt dieu",
        ] {
            let t = Instant::now();
            std::hint::black_box(vocabulary.correct(typo));
            corrections.push(t.elapsed());
        }
    }
    std::hint::black_box(shown);
    let micros = |mut v: Vec<Duration>, q: f64| -> f64 {
        v.sort_unstable();
        let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len().max(1)) - 1;
        v.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    let mut slowest: Vec<(String, f64)> = worst
        .into_iter()
        .map(|(p, d)| (p, d.as_secs_f64() * 1e6))
        .collect();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    slowest.truncate(5);
    SuggestReport {
        slowest,
        listings,
        entries: vocabulary.len(),
        build,
        lookups: times.len(),
        p50_us: micros(times.clone(), 0.5),
        p99_us: micros(times.clone(), 0.99),
        max_us: micros(times, 1.0),
        corrections_p99_us: micros(corrections, 0.99),
    }
}

impl std::fmt::Display for SuggestReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "suggestions: {} listings, {} entries built in {:.2} s",
            self.listings,
            self.entries,
            self.build.as_secs_f64()
        )?;
        writeln!(
            f,
            "  {} lookups (every prefix of {} typed queries): p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
            self.lookups,
            TYPED.len(),
            self.p50_us,
            self.p99_us,
            self.max_us
        )?;
        writeln!(
            f,
            "  spelling corrections: p99 {:.0} µs",
            self.corrections_p99_us
        )?;
        let slowest: Vec<String> = self
            .slowest
            .iter()
            .map(|(p, us)| format!("{p:?} {us:.0} µs"))
            .collect();
        write!(f, "  slowest prefixes: {}", slowest.join(", "))
    }
}
