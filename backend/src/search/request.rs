//! Turning raw query parameters into a [`SearchQuery`], with a clear message for each bad value.
use chrono::NaiveDate;
use serde::Deserialize;

use super::{SearchQuery, Sort};
use crate::domain::reference::Reference;
use crate::domain::refusal::{ErrorCode, Refusal};

pub const MAX_PER_PAGE: usize = 100;
/// Deepest result reachable by paging (`page × per_page`).
pub const MAX_DEPTH: usize = 10_000;
pub const MAX_TEXT: usize = 200;

/// The query string of `/api/v1/search` (and the storefront's search page). List filters are
/// comma-separated: `stars=4,5`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub stars: Option<String>,
    pub region: Option<String>,
    pub province: Option<String>,
    pub group: Option<String>,
    pub sort: Option<String>,
    pub page: Option<usize>,
    pub per_page: Option<usize>,
    /// An outlet's slug: only the products it carries.
    pub outlet: Option<String>,
}

fn list(raw: &Option<String>) -> Vec<&str> {
    let mut values: Vec<&str> = raw
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    values.dedup();
    values
}

impl SearchParams {
    pub fn parse(&self, reference: &Reference, today: NaiveDate) -> Result<SearchQuery, Refusal> {
        let text = self.q.clone().unwrap_or_default();
        if text.chars().count() > MAX_TEXT {
            return Err(Refusal::new(ErrorCode::QueryTooLong).arg("max", MAX_TEXT));
        }
        let mut stars = Vec::new();
        for raw in list(&self.stars) {
            match raw.parse::<u8>() {
                Ok(n @ 3..=5) if !stars.contains(&n) => stars.push(n),
                Ok(3..=5) => {}
                _ => {
                    return Err(Refusal::new(ErrorCode::InvalidStars).arg("stars", raw));
                }
            }
        }
        let mut regions = Vec::new();
        for raw in list(&self.region) {
            match reference.region(raw) {
                Some(r) => regions.push(r.code.clone()),
                None => return Err(Refusal::new(ErrorCode::UnknownRegion).arg("name", raw)),
            }
        }
        let mut provinces: Vec<String> = Vec::new();
        for raw in list(&self.province) {
            // Former provinces and spelling variants resolve to today's province.
            match reference.resolve_province(raw) {
                Some(p) if !provinces.contains(&p.code) => provinces.push(p.code.clone()),
                Some(_) => {}
                None => return Err(Refusal::new(ErrorCode::UnknownProvince).arg("name", raw)),
            }
        }
        let mut groups = Vec::new();
        for raw in list(&self.group) {
            match reference.group(raw) {
                Some(g) => groups.push(g.code.clone()),
                None => {
                    return Err(Refusal::new(ErrorCode::UnknownGroup).arg("name", raw));
                }
            }
        }
        let sort_raw = self.sort.as_deref().unwrap_or("");
        let sort = Sort::parse(sort_raw)
            .ok_or_else(|| Refusal::new(ErrorCode::InvalidSort).arg("sort", sort_raw))?;
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(Refusal::new(ErrorCode::InvalidPerPage).arg("max", MAX_PER_PAGE));
        }
        if page == 0 || page.saturating_mul(per_page) > MAX_DEPTH {
            return Err(Refusal::new(ErrorCode::InvalidPage).arg("max", MAX_DEPTH));
        }
        let outlet = match self.outlet.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(slug) if crate::domain::text::is_slug(slug) => Some(slug.to_owned()),
            Some(raw) => return Err(Refusal::new(ErrorCode::InvalidOutlet).arg("name", raw)),
        };
        Ok(SearchQuery {
            outlet,
            text,
            stars,
            regions,
            provinces,
            groups,
            sort,
            page,
            per_page,
            today,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn parse(params: SearchParams) -> Result<SearchQuery, Refusal> {
        let reference = Reference::load(&BTreeMap::new()).expect("reference");
        params.parse(
            &reference,
            NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
        )
    }

    #[test]
    fn lists_are_comma_separated_and_legacy_provinces_resolve() {
        let q = parse(SearchParams {
            stars: Some("4, 5,4".into()),
            province: Some("Hà Giang,tuyen-quang".into()),
            group: Some("food".into()),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(q.stars, vec![4, 5]);
        assert_eq!(q.provinces, vec!["tuyen-quang".to_owned()]);
        assert_eq!(q.groups, vec!["food".to_owned()]);
        assert_eq!((q.page, q.per_page, q.sort), (1, 20, Sort::Relevance));
    }

    #[test]
    fn each_bad_value_has_its_code() {
        let cases = [
            (
                SearchParams {
                    stars: Some("2".into()),
                    ..Default::default()
                },
                "invalid_stars",
            ),
            (
                SearchParams {
                    region: Some("atlantis".into()),
                    ..Default::default()
                },
                "unknown_region",
            ),
            (
                SearchParams {
                    province: Some("Atlantis".into()),
                    ..Default::default()
                },
                "unknown_province",
            ),
            (
                SearchParams {
                    group: Some("gems".into()),
                    ..Default::default()
                },
                "unknown_group",
            ),
            (
                SearchParams {
                    sort: Some("cheapest".into()),
                    ..Default::default()
                },
                "invalid_sort",
            ),
            (
                SearchParams {
                    page: Some(0),
                    ..Default::default()
                },
                "invalid_page",
            ),
            (
                SearchParams {
                    page: Some(501),
                    ..Default::default()
                },
                "invalid_page",
            ),
            (
                SearchParams {
                    per_page: Some(101),
                    ..Default::default()
                },
                "invalid_per_page",
            ),
            (
                SearchParams {
                    q: Some("x".repeat(201)),
                    ..Default::default()
                },
                "query_too_long",
            ),
        ];
        for (params, code) in cases {
            assert_eq!(
                parse(params.clone()).map_err(|e| e.code.as_str()),
                Err(code),
                "{params:?}"
            );
        }
    }
}
