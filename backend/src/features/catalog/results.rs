//! The results part of a search page, as the templates show it: the search form, the facet
//! sidebar that works without JavaScript (every facet value is a link that adds or removes
//! it), the hits and the pager, with every link pointing at the page's own address. The
//! storefront's `/search` and an outlet's storefront both use it.
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::json;

use crate::domain::reference::Reference;
use crate::domain::text::fold;
use crate::i18n::{pick, tr, tr_with};
use crate::search::request::SearchParams;
use crate::search::suggest::Vocabulary;
use crate::search::{SearchEngine, SearchError, SearchQuery, SearchResults};

/// What a search needs to run.
pub struct Searching<'a> {
    pub db: &'a DatabaseConnection,
    pub engine: &'a dyn SearchEngine,
    pub reference: &'a Reference,
    pub today: NaiveDate,
    /// The catalog's words, for spelling corrections.
    pub vocabulary: std::sync::Arc<Vocabulary>,
}

/// How a search that found nothing was turned into one that finds something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rescue {
    /// The words as typed found products.
    None,
    /// A misspelt word was corrected: the results are for this text.
    Corrected(String),
    /// Not every word could match: the results are for these words.
    Relaxed(String),
}

async fn run(
    searching: &Searching<'_>,
    query: &SearchQuery,
) -> Result<SearchResults, ResultsError> {
    super::indexing::search_or_rebuild(searching.db, searching.engine, query)
        .await
        .map_err(ResultsError::Search)
}

/// Visible products per province, from the engine's facet counts; counted in the database
/// while the engine is down, so the pages that show them still answer.
pub async fn counts_by_province(
    searching: &Searching<'_>,
) -> Result<std::collections::BTreeMap<String, u64>, ResultsError> {
    let mut query = crate::search::SearchQuery::all(searching.today);
    query.per_page = 1;
    match run(searching, &query).await {
        Ok(found) => Ok(found.facets.province),
        Err(ResultsError::Search(e)) => {
            tracing::warn!(error = %e, "province counts from the database: search is down");
            let counted = super::queries::count_visible_by_province(searching.db, searching.today)
                .await
                .map_err(|e| {
                    ResultsError::Search(crate::search::SearchError::Engine(e.to_string()))
                })?;
            Ok(counted
                .into_iter()
                .map(|(code, n)| (code, u64::try_from(n).unwrap_or(0)))
                .collect())
        }
        Err(other) => Err(other),
    }
}

/// When no product has every word: the query with one word dropped (two at most, over two
/// rounds) that finds the most products; on a tie the later word goes, as the last typed
/// word is the likeliest to be incomplete or extra.
async fn relax(
    searching: &Searching<'_>,
    query: &SearchQuery,
) -> Result<Option<(String, SearchResults)>, ResultsError> {
    let mut current: Vec<String> = fold(&query.text)
        .split_whitespace()
        .take(crate::search::embedded::MAX_QUERY_WORDS)
        .map(str::to_owned)
        .collect();
    for _ in 0..2 {
        if current.len() < 2 {
            return Ok(None);
        }
        let mut best: Option<(SearchResults, Vec<String>)> = None;
        for skip in (0..current.len()).rev() {
            let kept: Vec<String> = current
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, w)| w.clone())
                .collect();
            let relaxed = SearchQuery {
                text: kept.join(" "),
                ..query.clone()
            };
            let found = run(searching, &relaxed).await?;
            if best.as_ref().is_none_or(|(b, _)| found.total > b.total) {
                best = Some((found, kept));
            }
        }
        let Some((found, kept)) = best else {
            return Ok(None);
        };
        if found.total > 0 {
            return Ok(Some((kept.join(" "), found)));
        }
        current = kept;
    }
    Ok(None)
}

/// Runs the search; when it finds nothing, the corrected spelling, then the best partial
/// match. Also returns a corrected spelling worth offering when the words as typed found
/// products but a correction finds some too.
pub async fn search_without_dead_ends(
    searching: &Searching<'_>,
    query: &SearchQuery,
) -> Result<(SearchResults, Rescue, Option<String>), ResultsError> {
    let results = run(searching, query).await?;
    if query.text.trim().is_empty() {
        return Ok((results, Rescue::None, None));
    }
    let correction = searching.vocabulary.correct(&query.text);
    let corrected = match &correction {
        Some(text) => {
            let fixed = SearchQuery {
                text: text.clone(),
                ..query.clone()
            };
            Some((text.clone(), run(searching, &fixed).await?))
        }
        None => None,
    };
    if results.total > 0 {
        let offer = corrected
            .filter(|(_, found)| found.total > 0)
            .map(|(text, _)| text);
        return Ok((results, Rescue::None, offer));
    }
    if let Some((text, found)) = corrected
        && found.total > 0
    {
        return Ok((found, Rescue::Corrected(text), None));
    }
    if let Some((text, found)) = relax(searching, query).await? {
        return Ok((found, Rescue::Relaxed(text), None));
    }
    Ok((results, Rescue::None, None))
}

/// Why a search page cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// A bad parameter.
    #[error("{0}")]
    BadRequest(crate::domain::refusal::Refusal),
    #[error(transparent)]
    Search(SearchError),
}

/// Sort orders and the keys of their labels.
const SORTS: [(&str, &str); 6] = [
    ("relevance", "search.sort_relevance"),
    ("price_asc", "search.sort_price_asc"),
    ("price_desc", "search.sort_price_desc"),
    ("stars", "search.sort_stars"),
    ("newest", "search.sort_newest"),
    ("rating", "search.sort_rating"),
];

const PER_PAGE: usize = 24;

#[derive(Serialize)]
struct FacetValue {
    label: String,
    count: u64,
    selected: bool,
    href: String,
}

#[derive(Serialize)]
struct FacetBlock {
    title: String,
    values: Vec<FacetValue>,
}

/// The current parameters, to build links that change one thing.
#[derive(Clone, Default)]
struct Link {
    /// The page the links go to: `/search`, or an outlet's storefront.
    base: String,
    q: String,
    stars: Vec<String>,
    region: Vec<String>,
    province: Vec<String>,
    group: Vec<String>,
    sort: String,
    page: usize,
}

impl Link {
    fn list_mut(&mut self, facet: &str) -> &mut Vec<String> {
        match facet {
            "stars" => &mut self.stars,
            "region" => &mut self.region,
            "province" => &mut self.province,
            _ => &mut self.group,
        }
    }

    /// The URL with `value` of `facet` toggled, back on page 1.
    fn toggled(&self, facet: &str, value: &str) -> String {
        let mut next = self.clone();
        let list = next.list_mut(facet);
        match list.iter().position(|v| v == value) {
            Some(i) => {
                list.remove(i);
            }
            None => list.push(value.to_owned()),
        }
        next.page = 1;
        next.href()
    }

    fn with_page(&self, page: usize) -> String {
        Self {
            page,
            ..self.clone()
        }
        .href()
    }

    fn href(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        for (name, list) in [
            ("stars", &self.stars),
            ("region", &self.region),
            ("province", &self.province),
            ("group", &self.group),
        ] {
            if !list.is_empty() {
                pairs.push((name, list.join(",")));
            }
        }
        if !self.sort.is_empty() && self.sort != "relevance" {
            pairs.push(("sort", self.sort.clone()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("{}?{query}", self.base),
            _ => self.base.clone(),
        }
    }
}

/// Facets every search page shows; an outlet's storefront leaves out region and province
/// (all its products are from its own province).
pub const ALL_FACETS: [&str; 4] = ["stars", "region", "province", "group"];

/// The results part of a search page: the form, the facet sidebar, the hits and the pager,
/// with every link pointing at `base`. `params.outlet` scopes it to an outlet's products.
pub struct ResultsView {
    pub query: crate::search::SearchQuery,
    /// How the results were found when the words as typed found nothing.
    pub rescue: Rescue,
    pub any_filter: bool,
    pub sorted: bool,
    pub results: SearchResults,
    pub data: serde_json::Value,
}

pub async fn results_view(
    searching: &Searching<'_>,
    mut params: SearchParams,
    base: &str,
    shown_facets: &[&str],
) -> Result<ResultsView, ResultsError> {
    params.per_page = Some(PER_PAGE);
    let query = params
        .parse(searching.reference, searching.today)
        .map_err(ResultsError::BadRequest)?;
    let (results, rescue, did_you_mean) = search_without_dead_ends(searching, &query).await?;

    let link = Link {
        base: base.to_owned(),
        q: query.text.clone(),
        stars: query.stars.iter().map(u8::to_string).collect(),
        region: query.regions.clone(),
        province: query.provinces.clone(),
        group: query.groups.clone(),
        sort: params.sort.clone().unwrap_or_default(),
        page: query.page,
    };
    let reference = searching.reference;
    let block = |title,
                 facet: &str,
                 counts: &std::collections::BTreeMap<String, u64>,
                 label: &dyn Fn(&str) -> String| {
        let selected: &Vec<String> = match facet {
            "stars" => &link.stars,
            "region" => &link.region,
            "province" => &link.province,
            _ => &link.group,
        };
        let mut values: Vec<FacetValue> = counts
            .iter()
            .map(|(code, count)| FacetValue {
                label: label(code),
                count: *count,
                selected: selected.contains(code),
                href: link.toggled(facet, code),
            })
            .collect();
        // A selected value with no match still shows, so it can be removed.
        for code in selected {
            if !counts.contains_key(code) {
                values.push(FacetValue {
                    label: label(code),
                    count: 0,
                    selected: true,
                    href: link.toggled(facet, code),
                });
            }
        }
        if facet != "stars" {
            values.sort_by_cached_key(|v| fold(&v.label));
        }
        FacetBlock { title, values }
    };
    let mut facets = Vec::new();
    for facet in shown_facets {
        let made = match *facet {
            "stars" => {
                let mut stars_block = block(
                    tr("search.facet_stars"),
                    "stars",
                    &results.facets.stars,
                    &|c| tr_with("grid.stars", &[("n", &c)]),
                );
                stars_block.values.reverse();
                stars_block
            }
            "region" => block(
                tr("search.facet_region"),
                "region",
                &results.facets.region,
                &|c| {
                    reference
                        .region(c)
                        .map_or(c.to_owned(), |r| pick(&r.name_vi, &r.name_en).to_owned())
                },
            ),
            "province" => block(
                tr("search.facet_province"),
                "province",
                &results.facets.province,
                &|c| reference.province_label(c),
            ),
            _ => block(
                tr("search.facet_group"),
                "group",
                &results.facets.group,
                &|c| {
                    reference
                        .group(c)
                        .map_or(c.to_owned(), |g| pick(&g.name_vi, &g.name_en).to_owned())
                },
            ),
        };
        facets.push(made);
    }
    let pages = (results.total as usize).div_ceil(PER_PAGE).max(1);
    let hidden: Vec<serde_json::Value> = [
        ("stars", &link.stars),
        ("region", &link.region),
        ("province", &link.province),
        ("group", &link.group),
    ]
    .into_iter()
    .filter(|(_, list)| !list.is_empty())
    .map(|(name, list)| json!({ "name": name, "value": list.join(",") }))
    .collect();
    let current_sort = if link.sort.is_empty() {
        "relevance"
    } else {
        link.sort.as_str()
    };
    let sorts: Vec<serde_json::Value> = SORTS
        .iter()
        .map(|(value, label)| json!({ "value": value, "label": tr(label), "selected": *value == current_sort }))
        .collect();
    let any_filter = !(link.stars.is_empty()
        && link.region.is_empty()
        && link.province.is_empty()
        && link.group.is_empty());
    // Nothing found with the filters chosen: each one, with what removing it would show.
    let mut zero_filters: Vec<serde_json::Value> = Vec::new();
    if results.total == 0 {
        for (facet, counts) in [
            ("stars", &results.facets.stars),
            ("region", &results.facets.region),
            ("province", &results.facets.province),
            ("group", &results.facets.group),
        ] {
            let selected: &Vec<String> = match facet {
                "stars" => &link.stars,
                "region" => &link.region,
                "province" => &link.province,
                _ => &link.group,
            };
            for code in selected {
                // Facet counts leave the facet's own selection out, and each product has one
                // value per facet: without `code` the page shows the other selected values'
                // products, or every value's when none is left.
                let others: Vec<&String> = selected.iter().filter(|c| *c != code).collect();
                let n: u64 = if others.is_empty() {
                    counts.values().sum()
                } else {
                    others.iter().filter_map(|c| counts.get(*c)).sum()
                };
                let label = facets
                    .iter()
                    .flat_map(|b| &b.values)
                    .find(|v| v.selected && v.href == link.toggled(facet, code))
                    .map_or_else(|| code.clone(), |v| v.label.clone());
                zero_filters.push(json!({
                    "text": tr_with("search.remove_filter", &[("name", &label), ("n", &n)]),
                    "href": link.toggled(facet, code),
                }));
            }
        }
    }
    let notice = match &rescue {
        Rescue::None => None,
        Rescue::Corrected(shown) => Some(tr_with(
            "search.corrected",
            &[("q", &query.text), ("shown", shown)],
        )),
        Rescue::Relaxed(shown) => Some(tr_with(
            "search.relaxed",
            &[("q", &query.text), ("shown", shown)],
        )),
    };
    let did_you_mean = did_you_mean.map(|text| {
        let href = Link {
            q: text.clone(),
            page: 1,
            ..link.clone()
        }
        .href();
        json!({ "text": text, "href": href })
    });
    let clear = Link {
        base: link.base.clone(),
        q: link.q.clone(),
        sort: link.sort.clone(),
        ..Link::default()
    };
    let data = json!({
        "action": base,
        "q": query.text,
        "hidden": hidden,
        "sorts": sorts,
        "facets": facets,
        "any_filter": any_filter,
        "clear_href": clear.href(),
        "notice": notice,
        "did_you_mean": did_you_mean,
        "zero_filters": zero_filters,
        "total": results.total,
        "hits": results.hits,
        "page": query.page,
        "pages": pages,
        "prev_href": (query.page > 1).then(|| link.with_page(query.page - 1)),
        "next_href": (query.page < pages).then(|| link.with_page(query.page + 1)),
    });
    Ok(ResultsView {
        query,
        rescue,
        any_filter,
        sorted: !link.sort.is_empty(),
        results,
        data,
    })
}
