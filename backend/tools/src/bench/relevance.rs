//! `ocop-village bench relevance`: how good the search order is, measured on the demo catalog
//! against the judged queries in `tests/relevance/judgements.txt`.
//!
//! Each query there carries written criteria for three grades (3: exactly what was asked,
//! 2: a good answer, 1: related); every visible demo listing gets the highest grade whose
//! criteria it meets, 0 otherwise. The judgements are about the products (their kind, title,
//! product set, province, former province, producer, price), never about what an engine
//! returns. Each query runs as the search page runs it (corrections and relaxed matches
//! included); the first ten results are scored with NDCG@10 (gain 2^grade − 1, discount
//! log2(rank + 1), against the best order of the judged listings) and precision@10 (the share
//! of the first ten with grade 2 or 3, out of ten or of how many such listings exist when
//! fewer).
use std::collections::HashMap;

use ocop_village::domain::reference::Reference;
use ocop_village::domain::text::{fold, vietnamese_kind};
use ocop_village::features::catalog::results::{Rescue, Searching, search_without_dead_ends};
use ocop_village::search::{SearchQuery, SearchResults};

/// The judged queries, compiled in.
pub const JUDGEMENTS: &str = include_str!("../../../../tests/relevance/judgements.txt");

/// What the criteria look at, for one visible listing.
#[derive(Clone, Debug, Default)]
pub struct Judged {
    pub certificate_no: String,
    /// The Vietnamese product kind, folded ("tra xanh").
    pub kind: String,
    /// Both titles, folded.
    pub title: String,
    pub subgroup: String,
    pub group: String,
    pub province: String,
    /// The province's folded names, today's and former.
    pub province_names: Vec<String>,
    /// The former province on the certificate, folded ("" when none).
    pub legacy: String,
    pub seller: String,
    pub price: i64,
    pub stars: u8,
}

/// The visible listings of the catalog in `db`, as the criteria see them.
pub async fn judged_listings(
    db: &sea_orm::DatabaseConnection,
    reference: &Reference,
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<Judged>> {
    use ocop_village::db::entities::registry_certificate;
    use sea_orm::EntityTrait;
    let certificates: HashMap<String, registry_certificate::Model> =
        registry_certificate::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.certificate_no.clone(), c))
            .collect();
    let documents =
        ocop_village::features::catalog::documents::load_visible(db, reference, today, None)
            .await?;
    let mut listings: Vec<Judged> = documents
        .into_values()
        .filter_map(|d| {
            let c = certificates.get(&d.certificate_no)?;
            Some(Judged {
                kind: fold(&vietnamese_kind(&d.title_vi)),
                title: fold(&format!("{} {}", d.title_vi, d.title_en)),
                subgroup: c.subgroup_code.clone(),
                group: d.group_code.clone(),
                province_names: reference
                    .province_names
                    .iter()
                    .filter(|n| n.province_code == d.province_code)
                    .map(|n| n.key.clone())
                    .collect(),
                province: d.province_code.clone(),
                legacy: c.legacy_province.as_deref().map(fold).unwrap_or_default(),
                seller: fold(&d.seller_name),
                price: d.price_vnd.dong(),
                stars: d.stars,
                certificate_no: d.certificate_no,
            })
        })
        .collect();
    listings.sort_by(|a, b| a.certificate_no.cmp(&b.certificate_no));
    Ok(listings)
}

/// One test a listing can pass.
#[derive(Clone, Debug, PartialEq)]
enum Criterion {
    /// The kind is one of these, or starts with one of them and more words.
    Kind(Vec<String>),
    /// The titles hold one of these phrases as whole words.
    Title(Vec<String>),
    Subgroup(Vec<String>),
    Group(Vec<String>),
    Province(Vec<String>),
    /// The certificate's former province is one of these.
    Legacy(Vec<String>),
    /// One of these places: in the titles, the former province, or a name of the province.
    Place(Vec<String>),
    /// The producer's name holds one of these phrases.
    Seller(Vec<String>),
    PriceBelow(i64),
    Stars(Vec<u8>),
}

fn has_phrase(text: &str, phrase: &str) -> bool {
    format!(" {text} ").contains(&format!(" {phrase} "))
}

impl Criterion {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(n) = raw.strip_prefix("price<") {
            return n
                .trim()
                .parse()
                .map(Self::PriceBelow)
                .map_err(|_| format!("`{raw}`: price<N needs a number of đồng"));
        }
        let (name, values) = raw
            .split_once(':')
            .ok_or_else(|| format!("`{raw}`: expected name:values or price<N"))?;
        let values: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return Err(format!("`{raw}`: no values"));
        }
        let folded = || values.iter().map(|v| fold(v)).collect();
        Ok(match name.trim() {
            "kind" => Self::Kind(folded()),
            "title" => Self::Title(folded()),
            "sub" => Self::Subgroup(values),
            "group" => Self::Group(values),
            "prov" => Self::Province(values),
            "legacy" => Self::Legacy(folded()),
            "place" => Self::Place(folded()),
            "seller" => Self::Seller(folded()),
            "stars" => Self::Stars(
                values
                    .iter()
                    .map(|v| v.parse().map_err(|_| format!("`{raw}`: stars are 3 to 5")))
                    .collect::<Result<_, _>>()?,
            ),
            other => return Err(format!("`{raw}`: unknown criterion `{other}`")),
        })
    }

    fn holds(&self, d: &Judged) -> bool {
        match self {
            Self::Kind(kinds) => kinds
                .iter()
                .any(|k| d.kind == *k || d.kind.starts_with(&format!("{k} "))),
            Self::Title(phrases) => phrases.iter().any(|p| has_phrase(&d.title, p)),
            Self::Subgroup(codes) => codes.contains(&d.subgroup),
            Self::Group(codes) => codes.contains(&d.group),
            Self::Province(codes) => codes.contains(&d.province),
            Self::Legacy(names) => names.contains(&d.legacy),
            Self::Place(names) => names
                .iter()
                .any(|p| has_phrase(&d.title, p) || d.legacy == *p || d.province_names.contains(p)),
            Self::Seller(phrases) => phrases.iter().any(|p| has_phrase(&d.seller, p)),
            Self::PriceBelow(n) => d.price < *n,
            Self::Stars(stars) => stars.contains(&d.stars),
        }
    }
}

/// A judged query: for grades 3, 2 and 1, alternatives of criteria that must all hold.
#[derive(Clone, Debug)]
pub struct JudgedQuery {
    pub line: usize,
    pub text: String,
    grades: [Vec<Vec<Criterion>>; 3],
}

impl JudgedQuery {
    pub fn grade(&self, d: &Judged) -> u8 {
        for (i, alternatives) in self.grades.iter().enumerate() {
            if alternatives
                .iter()
                .any(|all| all.iter().all(|c| c.holds(d)))
            {
                return 3 - u8::try_from(i).unwrap_or(2);
            }
        }
        0
    }
}

/// Parses the judgements file: `query | grade 3 | grade 2 | grade 1` per line, `#` comments;
/// alternatives separated by `;`, criteria within one joined by `&`. Errors name the line.
pub fn parse(text: &str) -> Result<Vec<JudgedQuery>, String> {
    let mut queries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = line.split('|').collect();
        if columns.len() != 4 {
            return Err(format!(
                "line {line_no}: expected `query | grade 3 | grade 2 | grade 1`, found {} columns",
                columns.len()
            ));
        }
        let mut grades: [Vec<Vec<Criterion>>; 3] = Default::default();
        for (slot, column) in grades.iter_mut().zip(&columns[1..]) {
            for alternative in column.split(';').map(str::trim).filter(|a| !a.is_empty()) {
                let all = alternative
                    .split('&')
                    .map(Criterion::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("line {line_no}: {e}"))?;
                slot.push(all);
            }
        }
        if grades[0].is_empty() {
            return Err(format!("line {line_no}: no criteria for grade 3"));
        }
        queries.push(JudgedQuery {
            line: line_no,
            text: columns[0].trim().to_owned(),
            grades,
        });
    }
    Ok(queries)
}

/// Discounted cumulative gain of the first `k` grades.
fn dcg(grades: &[u8], k: usize) -> f64 {
    grades
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| (2f64.powi(i32::from(*g)) - 1.0) / ((i + 2) as f64).log2())
        .sum()
}

/// NDCG@k of the grades in result order, against every judged grade (`None` when nothing is
/// relevant, so the query cannot be scored).
pub fn ndcg(ranked: &[u8], all: &[u8], k: usize) -> Option<f64> {
    let mut ideal = all.to_vec();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let best = dcg(&ideal, k);
    (best > 0.0).then(|| dcg(ranked, k) / best)
}

/// Precision@k: the share of the first `k` results with grade 2 or more, out of `k` or of
/// how many such listings there are when fewer (`None` when there are none).
pub fn precision(ranked: &[u8], all: &[u8], k: usize) -> Option<f64> {
    let good = all.iter().filter(|g| **g >= 2).count();
    let found = ranked.iter().take(k).filter(|g| **g >= 2).count();
    (good > 0).then(|| found as f64 / good.min(k) as f64)
}

/// One query's outcome.
#[derive(Clone, Debug)]
pub struct Scored {
    pub text: String,
    pub ndcg: f64,
    pub precision: f64,
    /// How the page found its results (a correction or a relaxed match), if it had to.
    pub rescue: Rescue,
}

/// The judged set's outcome on one engine.
#[derive(Clone, Debug)]
pub struct RelevanceReport {
    pub engine: &'static str,
    pub queries: usize,
    pub ndcg: f64,
    pub precision: f64,
    pub scored: Vec<Scored>,
}

/// Runs every judged query through the search page's pipeline and scores the first ten.
pub async fn evaluate(
    searching: &Searching<'_>,
    engine: &'static str,
    queries: &[JudgedQuery],
    listings: &[Judged],
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<RelevanceReport> {
    const K: usize = 10;
    progress.set_length(queries.len() as u64);
    let mut scored = Vec::new();
    for q in queries {
        progress.inc(1);
        let grades: HashMap<&str, u8> = listings
            .iter()
            .map(|d| (d.certificate_no.as_str(), q.grade(d)))
            .collect();
        let all: Vec<u8> = grades.values().copied().collect();
        let query = SearchQuery {
            text: q.text.clone(),
            per_page: K,
            ..SearchQuery::all(searching.today)
        };
        let (results, rescue, _): (SearchResults, Rescue, Option<String>) =
            search_without_dead_ends(searching, &query)
                .await
                .map_err(|e| anyhow::anyhow!("query {:?}: {e}", q.text))?;
        let ranked: Vec<u8> = results
            .hits
            .iter()
            .map(|h| grades.get(h.certificate_no.as_str()).copied().unwrap_or(0))
            .collect();
        let (Some(n), Some(p)) = (ndcg(&ranked, &all, K), precision(&ranked, &all, K)) else {
            anyhow::bail!(
                "line {}: query {:?} has no listing of grade 2 or 3 in the demo catalog",
                q.line,
                q.text
            );
        };
        scored.push(Scored {
            text: q.text.clone(),
            ndcg: n,
            precision: p,
            rescue,
        });
    }
    progress.finish_and_clear();
    let mean =
        |f: fn(&Scored) -> f64| scored.iter().map(f).sum::<f64>() / scored.len().max(1) as f64;
    Ok(RelevanceReport {
        engine,
        queries: scored.len(),
        ndcg: mean(|s| s.ndcg),
        precision: mean(|s| s.precision),
        scored,
    })
}

/// The figures side by side, and each engine's weakest queries.
pub fn summary(reports: &[RelevanceReport], worst: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14}{:>9}{:>10}{:>15}",
        "engine", "queries", "NDCG@10", "precision@10"
    );
    for r in reports {
        let _ = writeln!(
            out,
            "{:<14}{:>9}{:>10.3}{:>15.3}",
            r.engine, r.queries, r.ndcg, r.precision
        );
    }
    for r in reports {
        let mut weakest: Vec<&Scored> = r.scored.iter().collect();
        weakest.sort_by(|a, b| a.ndcg.total_cmp(&b.ndcg));
        let _ = writeln!(out, "\n{}: the {worst} weakest queries", r.engine);
        for s in weakest.into_iter().take(worst) {
            let how = match &s.rescue {
                Rescue::None => String::new(),
                Rescue::Corrected(t) => format!(" (corrected to {t:?})"),
                Rescue::Relaxed(t) => format!(" (relaxed to {t:?})"),
            };
            let _ = writeln!(
                out,
                "  {:<32} NDCG {:.3}  P {:.2}{how}",
                format!("{:?}", s.text),
                s.ndcg,
                s.precision
            );
        }
    }
    out
}

/// Seeds the demo catalog into a scratch SQLite database, indexes it in the embedded engine
/// (and in Meilisearch, under `{prefix}relevance_` indexes, when one is given) and scores the
/// judged queries on each.
pub async fn run(
    reference: &Reference,
    meili: Option<std::sync::Arc<ocop_village::search::meili::MeiliEngine>>,
    progress: impl Fn(&str) -> indicatif::ProgressBar,
) -> anyhow::Result<Vec<RelevanceReport>> {
    use std::sync::Arc;

    use ocop_village::search::SearchEngine;
    let queries = parse(JUDGEMENTS).map_err(anyhow::Error::msg)?;
    let (url, _, _dir) = super::checkout::scratch("sqlite").await?;
    let db = ocop_village::db::connect(&url).await?;
    ocop_village::db::migrate(&db, reference).await?;
    let now = chrono::Utc::now();
    let today = ocop_village::domain::time::vietnam_date(now);
    let photos = tempfile::tempdir()?;
    let media: Arc<dyn ocop_village::media::store::MediaStore> = Arc::new(
        ocop_village::media::store::LocalStore::new(photos.path().to_path_buf()),
    );
    let seeding = progress("seeding the demo catalog");
    crate::seed::seed_demo(&db, reference, &media, now, seeding.clone()).await?;
    seeding.finish_and_clear();
    let listings = judged_listings(&db, reference, today).await?;
    let documents: Vec<_> =
        ocop_village::features::catalog::documents::load_visible(&db, reference, today, None)
            .await?
            .into_values()
            .collect();
    let suggester = ocop_village::features::catalog::suggest::Suggester::default();
    suggester.refresh(&db, reference, today).await?;

    let mut engines: Vec<(&'static str, Arc<dyn SearchEngine>)> = vec![(
        "embedded",
        Arc::new(ocop_village::search::embedded::EmbeddedEngine::in_memory(
            reference,
        )?),
    )];
    if let Some(meili) = &meili {
        engines.push(("meilisearch", meili.clone()));
    }
    let mut reports = Vec::new();
    for (name, engine) in engines {
        engine.prepare().await?;
        engine.replace_all(&documents).await?;
        let searching = Searching {
            db: &db,
            engine: engine.as_ref(),
            reference,
            today,
            vocabulary: suggester.vocabulary(),
        };
        let bar = progress(name);
        reports.push(evaluate(&searching, name, &queries, &listings, &bar).await?);
    }
    if let Some(meili) = meili {
        meili.drop_indexes().await?;
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(title_vi: &str, sub: &str, price: i64) -> Judged {
        Judged {
            certificate_no: title_vi.into(),
            kind: fold(&vietnamese_kind(title_vi)),
            title: fold(title_vi),
            subgroup: sub.into(),
            price,
            ..Judged::default()
        }
    }

    #[test]
    fn criteria_grade_listings_and_bad_lines_are_named() {
        let queries = parse(
            "# comment\ntrà | kind:tra,che | sub:tea | group:food\nmật ong rừng | kind:mat ong rung & price<200000 | kind:mat ong |\n",
        )
        .expect("parses");
        assert_eq!(queries.len(), 2);
        assert_eq!(
            queries[0].grade(&listing("Trà xanh Tân Cương", "tea", 1)),
            3
        );
        assert_eq!(
            queries[0].grade(&listing("Bánh tráng Trà Cuôn", "rice", 1)),
            0
        );
        assert_eq!(queries[0].grade(&listing("Hồng trà Mộc Châu", "tea", 1)), 2);
        assert_eq!(
            queries[1].grade(&listing("Mật ong rừng U Minh", "honey", 150_000)),
            3
        );
        assert_eq!(
            queries[1].grade(&listing("Mật ong rừng U Minh", "honey", 250_000)),
            2
        );
        let err = parse("a | kind:x\n").expect_err("three columns");
        assert!(err.starts_with("line 1:"), "{err}");
        let err = parse("\n\na | color:red | |\n").expect_err("unknown criterion");
        assert!(err.starts_with("line 3:") && err.contains("color"), "{err}");
    }

    #[test]
    fn ndcg_and_precision_follow_their_definitions() {
        let all = [3, 2, 0, 0, 1];
        assert_eq!(ndcg(&[3, 2, 1], &all, 10), Some(1.0));
        let swapped = ndcg(&[2, 3, 1], &all, 10).expect("scored");
        assert!(swapped < 1.0 && swapped > 0.8, "{swapped}");
        assert_eq!(ndcg(&[0, 0], &[0, 0], 10), None);
        // Two listings of grade 2 or more exist: finding both in the top ten is 1.0.
        assert_eq!(precision(&[0, 3, 0, 2], &all, 10), Some(1.0));
        assert_eq!(precision(&[3, 0, 0], &all, 10), Some(0.5));
    }

    #[test]
    fn the_judged_set_parses_and_has_enough_queries() {
        let queries = parse(JUDGEMENTS).expect("the judgements file parses");
        assert!(queries.len() >= 150, "{} queries", queries.len());
    }
}
