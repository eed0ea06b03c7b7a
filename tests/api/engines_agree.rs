//! One behaviour, two engines: the embedded engine and Meilisearch, loaded with the same demo
//! catalog, answer a few hundred generated requests (queries × filters × sorts × pages) with
//! the same totals and facet counts, the same order for every explicit sort and for a search
//! without words, and relevance orders whose top 10 overlap (measured and printed).
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use ocop_village::search::embedded::EmbeddedEngine;
use ocop_village::search::{SearchEngine, SearchQuery, SearchResults, Sort};

use crate::helpers::{TestIndexes, meili_url, spawn_app};

/// What shoppers type: product kinds with and without accents, typos, prefixes while typing,
/// places (current and former provinces), English names, synonyms, producers' words,
/// certificate numbers, and words that match nothing.
const QUERIES: [&str; 43] = [
    "",
    "trà",
    "tra",
    "che",
    "mật ong",
    "mat ong rung",
    "tea",
    "honey",
    "gạo",
    "nuoc mam",
    "cà phê",
    "caphe",
    "ruou",
    "banh",
    "bánh tráng",
    "tra shan tuyet",
    "shan tuyet ha giang",
    "ha giang",
    "tuyen quang",
    "yen bai",
    "htx",
    "hop tac xa",
    "dak lak",
    "xoai",
    "mien",
    "tra sen",
    "OCOP-TQ",
    "ocop tq 2024",
    "zzzz khong co",
    // Typos, a first-letter typo, words written together or split, English and numbers.
    "mat onng",
    "shan tuyett",
    "xhe",
    "matong",
    "banhtrang",
    "ca phe sua",
    "green tea",
    "2024",
    "tra ",
    "gao nep cai hoa vang",
    "hà giang",
    "dac san",
    "nuoc mam phu quoc",
    "hanh tim",
];

fn filter_sets(q: &SearchQuery, outlet: &str) -> Vec<SearchQuery> {
    let mut sets = vec![q.clone()];
    sets.push(SearchQuery {
        outlet: Some(outlet.to_owned()),
        ..q.clone()
    });
    sets.push(SearchQuery {
        stars: vec![4, 5],
        ..q.clone()
    });
    sets.push(SearchQuery {
        regions: vec!["northern-midlands-mountains".into()],
        ..q.clone()
    });
    sets.push(SearchQuery {
        provinces: vec!["tuyen-quang".into(), "lao-cai".into()],
        stars: vec![3],
        ..q.clone()
    });
    sets.push(SearchQuery {
        groups: vec!["food".into(), "beverage".into()],
        regions: vec!["mekong-delta".into(), "red-river-delta".into()],
        ..q.clone()
    });
    sets
}

const SORTS: [Sort; 6] = [
    Sort::Relevance,
    Sort::PriceAsc,
    Sort::PriceDesc,
    Sort::Stars,
    Sort::Newest,
    Sort::Rating,
];

fn ids(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.listing_id.as_str()).collect()
}

#[tokio::test]
async fn the_embedded_engine_and_meilisearch_answer_the_same() {
    if meili_url("comparing the embedded engine with Meilisearch").is_none() {
        return;
    }
    let app = spawn_app().await;
    app.seed_demo().await;
    let today = app.now.date_naive();
    let documents: Vec<_> = ocop_village::features::catalog::documents::load_visible(
        &app.db,
        &app.reference,
        today,
        None,
    )
    .await
    .expect("documents")
    .into_values()
    .collect();
    let embedded: Arc<dyn SearchEngine> =
        Arc::new(EmbeddedEngine::in_memory(&app.reference).expect("embedded"));
    let indexes = TestIndexes::new();
    let meili = Arc::new(indexes.engine().await);
    for engine in [&embedded, &(meili.clone() as Arc<dyn SearchEngine>)] {
        engine.prepare().await.expect("prepare");
        engine.replace_all(&documents).await.expect("index");
    }

    let outlet = documents
        .iter()
        .find_map(|d| d.outlets.first().cloned())
        .expect("the demo outlet carries products");
    let mut requests = 0;
    let mut report = String::new();
    let mut mismatches = 0;
    let (mut overlap, mut relevance_pages) = (0usize, 0usize);
    for text in QUERIES {
        let base = SearchQuery {
            text: text.into(),
            per_page: 20,
            ..SearchQuery::all(today)
        };
        for filtered in filter_sets(&base, &outlet) {
            for sort in SORTS {
                for page in [1, 2] {
                    let q = SearchQuery {
                        sort,
                        page,
                        ..filtered.clone()
                    };
                    requests += 1;
                    let a = embedded.search(&q).await.expect("embedded");
                    let b = meili.search(&q).await.expect("meilisearch");
                    let mut problems = Vec::new();
                    if a.total != b.total {
                        problems.push(format!("total {} vs {}", a.total, b.total));
                    }
                    if a.facets != b.facets {
                        problems.push(format!(
                            "facets: stars {:?} vs {:?}, groups {:?} vs {:?}",
                            a.facets.stars, b.facets.stars, a.facets.group, b.facets.group
                        ));
                    }
                    let strict = sort != Sort::Relevance || text.trim().is_empty();
                    if strict && ids(&a) != ids(&b) {
                        let (x, y) = (ids(&a), ids(&b));
                        let at = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
                        problems.push(format!(
                            "order differs at hit {at}: {:?} vs {:?}",
                            x.get(at),
                            y.get(at)
                        ));
                    }
                    if !strict && page == 1 {
                        let top = |r: &SearchResults| -> HashSet<String> {
                            r.hits
                                .iter()
                                .take(10)
                                .map(|h| h.listing_id.clone())
                                .collect()
                        };
                        let (ta, tb) = (top(&a), top(&b));
                        let shared = ta.intersection(&tb).count() * 100;
                        if let Some(percent) = shared.checked_div(ta.len().max(tb.len())) {
                            overlap += percent;
                            relevance_pages += 1;
                        }
                    }
                    if !problems.is_empty() {
                        mismatches += 1;
                        if mismatches <= 15 {
                            let _ = writeln!(
                                report,
                                "{text:?} stars={:?} regions={:?} provinces={:?} groups={:?} {sort:?} page {page}: {}",
                                q.stars,
                                q.regions,
                                q.provinces,
                                q.groups,
                                problems.join("; ")
                            );
                        }
                    }
                }
            }
        }
    }
    // `bench search` times the engine's request sent by hand: it must be the same request.
    let http = reqwest::Client::new();
    for text in ["tra", "mat ong", ""] {
        let q = SearchQuery {
            text: text.into(),
            stars: vec![4, 5],
            ..SearchQuery::all(today)
        };
        let by_engine = meili.search(&q).await.expect("engine");
        let (raw_ids, raw_total) = meili.raw_search(&http, &q).await.expect("raw");
        assert_eq!(raw_ids, ids(&by_engine), "{text:?}");
        assert_eq!(raw_total, by_engine.total, "{text:?}");
    }
    let mean_overlap = overlap.checked_div(relevance_pages).unwrap_or(100);
    println!(
        "engines compared on {} documents: {requests} requests, {mismatches} differ; relevance top-10 overlap {mean_overlap}% over {relevance_pages} searches",
        documents.len()
    );
    let words: BTreeSet<&str> = QUERIES.iter().copied().collect();
    assert!(words.len() >= 40);
    assert_eq!(mismatches, 0, "\n{report}");
    assert!(
        mean_overlap >= 80,
        "relevance top-10 overlap {mean_overlap}% is under the floor of 80%"
    );
    meili.drop_indexes().await.expect("drop");
}
