//! The 3,321 communes (phường, xã, đặc khu) of the two-level map in force since 2025-07-01,
//! with their official codes, by province: `seed/communes.json`, written by
//! `seed/fetch_communes.py` from the PyPI package `vietnam-provinces` 2025.10.1 and compiled in.
//!
//! An address names its commune the way people write it: "Phường Hoàn Kiếm", "hoan kiem",
//! "P. Hoàn Kiếm", or still the old three-level way, "phường Hàng Trống, quận Hoàn Kiếm, Hà
//! Nội". [`Communes::resolve`] finds the commune among the province's, or says why it cannot:
//! districts are gone, so a district part is recognised and the communes it may have become
//! are offered, never chosen silently.
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::text::fold;

const COMMUNES_JSON: &str = include_str!("../../../seed/communes.json");

/// Most suggestions offered for a commune that matched none.
const MAX_SUGGESTIONS: usize = 5;

/// One commune of today's map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Commune {
    /// The official code (General Statistics Office).
    pub code: u32,
    /// The official name, with its kind: "Phường Hoàn Kiếm".
    pub name: String,
    /// "phường", "xã" or "đặc khu".
    pub kind: String,
    /// The name without its kind, folded: "hoan kiem".
    #[serde(skip)]
    bare: String,
}

/// What an address's commune text resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommuneMatch<'a> {
    Found(&'a Commune),
    /// The name fits several communes of the province (a phường and a xã of the same name):
    /// the kind tells them apart.
    Ambiguous(Vec<&'a Commune>),
    /// No commune of the province has this name. `district` is the old district the text
    /// named, if any; `suggestions` are the communes it may mean.
    NotFound {
        district: Option<String>,
        suggestions: Vec<&'a Commune>,
    },
}

#[derive(Deserialize)]
struct File {
    provinces: Vec<RawProvince>,
}

#[derive(Deserialize)]
struct RawProvince {
    code: String,
    communes: Vec<RawCommune>,
}

#[derive(Deserialize)]
struct RawCommune {
    code: u32,
    name: String,
    kind: String,
}

/// Every commune of the 34 provinces.
#[derive(Clone, Default)]
pub struct Communes {
    by_province: HashMap<String, Vec<Commune>>,
}

impl std::fmt::Debug for Communes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Communes({} in {} provinces)",
            self.len(),
            self.by_province.len()
        )
    }
}

/// The kind words an address puts before a commune's name, folded (so "P." is "p"): today's,
/// and the former "thị trấn", which became a xã or a phường.
const COMMUNE_KINDS: [(&str, Option<&str>); 6] = [
    ("phuong ", Some("phường")),
    ("p ", Some("phường")),
    ("xa ", Some("xã")),
    ("dac khu ", Some("đặc khu")),
    ("thi tran ", None),
    ("tt ", None),
];

/// The district-level words of the former three-level map, folded.
const DISTRICT_KINDS: [&str; 8] = [
    "quan ",
    "q ",
    "huyen ",
    "h ",
    "thi xa ",
    "tx ",
    "thanh pho ",
    "tp ",
];

impl Communes {
    /// The compiled-in list.
    pub fn load() -> Result<Self, serde_json::Error> {
        let file: File = serde_json::from_str(COMMUNES_JSON)?;
        let by_province = file
            .provinces
            .into_iter()
            .map(|p| {
                let communes = p
                    .communes
                    .into_iter()
                    .map(|c| Commune {
                        bare: strip_kind(&fold(&c.name)).1.to_owned(),
                        code: c.code,
                        name: c.name,
                        kind: c.kind,
                    })
                    .collect();
                (p.code, communes)
            })
            .collect();
        Ok(Self { by_province })
    }

    /// The communes of `province` (a project province code), in the official order.
    pub fn of(&self, province: &str) -> &[Commune] {
        self.by_province.get(province).map_or(&[], Vec::as_slice)
    }

    /// How many communes there are in all.
    pub fn len(&self) -> usize {
        self.by_province.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The commune of `province` that `raw` names: its official code, its name with or
    /// without kind and diacritics, or an old three-level address whose commune part still
    /// exists under that name.
    pub fn resolve(&self, province: &str, raw: &str) -> CommuneMatch<'_> {
        let communes = self.of(province);
        let raw = raw.trim();
        if let Ok(code) = raw.parse::<u32>() {
            return match communes.iter().find(|c| c.code == code) {
                Some(found) => CommuneMatch::Found(found),
                None => CommuneMatch::NotFound {
                    district: None,
                    suggestions: Vec::new(),
                },
            };
        }
        let mut district = None;
        let mut named = Vec::new();
        for part in raw.split([',', ';']) {
            let folded = fold(part);
            let folded = folded.as_str();
            if folded.is_empty() {
                continue;
            }
            if let Some(name) = DISTRICT_KINDS.iter().find_map(|k| folded.strip_prefix(k)) {
                district.get_or_insert_with(|| part.trim().to_owned());
                named.push((name.to_owned(), None, true));
                continue;
            }
            let (kind, bare) = strip_kind(folded);
            named.push((bare.to_owned(), kind, false));
        }
        // The commune part first: the first part that names a commune of the province.
        for (bare, kind, from_district) in &named {
            if *from_district {
                continue;
            }
            let same: Vec<&Commune> = communes.iter().filter(|c| &c.bare == bare).collect();
            if same.is_empty() {
                continue;
            }
            // "Phường X" where a phường X and a xã X both exist: the kind decides.
            let fitting: Vec<&Commune> = match kind {
                Some(kind) => same.iter().copied().filter(|c| c.kind == *kind).collect(),
                None => Vec::new(),
            };
            let chosen = if fitting.is_empty() { same } else { fitting };
            return match chosen.as_slice() {
                [one] => CommuneMatch::Found(one),
                _ => CommuneMatch::Ambiguous(chosen),
            };
        }
        // Nothing matched: offer the communes named like the old district, then those whose
        // name starts like a part of the text.
        let mut suggestions: Vec<&Commune> = Vec::new();
        for (bare, _, _) in named.iter().filter(|(_, _, from_district)| *from_district) {
            suggestions.extend(communes.iter().filter(|c| &c.bare == bare));
        }
        for (bare, _, _) in &named {
            if bare.chars().count() < 2 {
                continue;
            }
            suggestions.extend(communes.iter().filter(|c| {
                c.bare.starts_with(bare.as_str())
                    || (c.bare.len() >= 4 && bare.starts_with(&c.bare))
            }));
        }
        let mut seen = std::collections::HashSet::new();
        suggestions.retain(|c| seen.insert(c.code));
        suggestions.truncate(MAX_SUGGESTIONS);
        CommuneMatch::NotFound {
            district,
            suggestions,
        }
    }
}

/// A folded name without its leading kind word: the kind (when it says one of today's) and
/// the bare name.
fn strip_kind(folded: &str) -> (Option<&'static str>, &str) {
    for (prefix, kind) in COMMUNE_KINDS {
        if let Some(rest) = folded.strip_prefix(prefix) {
            return (kind, rest);
        }
    }
    (None, folded)
}

#[cfg(test)]
mod tests {
    use super::{CommuneMatch, Communes};

    fn communes() -> Communes {
        Communes::load().expect("seed/communes.json parses")
    }

    fn found(c: &Communes, province: &str, raw: &str) -> Option<String> {
        match c.resolve(province, raw) {
            CommuneMatch::Found(commune) => Some(commune.name.clone()),
            _ => None,
        }
    }

    #[test]
    fn the_2025_map_has_3321_communes_in_34_provinces_with_unique_codes() {
        let c = communes();
        assert_eq!(c.len(), 3_321);
        assert_eq!(c.by_province.len(), 34);
        let mut codes: Vec<u32> = c.by_province.values().flatten().map(|x| x.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 3_321);
        assert_eq!(c.of("ha-noi").len(), 126);
        assert!(c.of("atlantis").is_empty());
    }

    #[test]
    fn a_commune_is_found_by_code_by_name_with_or_without_kind_and_accents() {
        let c = communes();
        let hoan_kiem = Some("Phường Hoàn Kiếm".to_owned());
        for raw in [
            "Phường Hoàn Kiếm",
            "phường Hoàn Kiếm",
            "hoan kiem",
            "P. Hoàn Kiếm",
            "70",
            "  Phuong Hoan Kiem, Ha Noi ",
        ] {
            assert_eq!(found(&c, "ha-noi", raw), hoan_kiem, "{raw}");
        }
        // Another province's commune is not this province's.
        assert_eq!(found(&c, "hue", "Phường Hoàn Kiếm"), None);
        assert_eq!(found(&c, "hue", "70"), None);
        assert_eq!(
            found(&c, "hue", "phường Thuận Hóa").as_deref(),
            Some("Phường Thuận Hóa")
        );
    }

    #[test]
    fn an_old_three_level_address_is_recognised_and_its_district_offered() {
        let c = communes();
        // The ward still exists under its name: found, the district ignored.
        assert_eq!(
            found(&c, "ha-noi", "phường Cửa Nam, quận Hoàn Kiếm, Hà Nội").as_deref(),
            Some("Phường Cửa Nam")
        );
        // Hàng Trống is no commune any more: the district is named and its namesake offered.
        match c.resolve("ha-noi", "phường Hàng Trống, quận Hoàn Kiếm") {
            CommuneMatch::NotFound {
                district,
                suggestions,
            } => {
                assert_eq!(district.as_deref(), Some("quận Hoàn Kiếm"));
                assert_eq!(
                    suggestions.first().map(|s| s.name.as_str()),
                    Some("Phường Hoàn Kiếm")
                );
            }
            other => panic!("expected a refusal with suggestions, got {other:?}"),
        }
        match c.resolve("ha-noi", "Nowhere at all") {
            CommuneMatch::NotFound {
                district,
                suggestions,
            } => assert!(district.is_none() && suggestions.is_empty()),
            other => panic!("{other:?}"),
        }
    }
}
