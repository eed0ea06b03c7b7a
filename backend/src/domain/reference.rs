//! Reference data: regions, provinces (with every former name), product groups and sets.
//!
//! Loaded from the JSON files in `seed/`, compiled into the binary so the program stands alone.
//! The province → region mapping can be overridden by configuration (the regions are due to be
//! redrawn; see `seed/provinces.json` notes).
use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::text::fold;

const PROVINCES_JSON: &str = include_str!("../../../seed/provinces.json");
const GROUPS_JSON: &str = include_str!("../../../seed/ocop-groups.json");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Province {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: String,
    pub region_code: String,
}

impl Province {
    /// The province's name in the current language.
    pub fn name(&self) -> &str {
        crate::i18n::pick(&self.name_vi, &self.name_en)
    }
}

/// One spelling of a province name and the current province it resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvinceName {
    pub key: String,
    pub name: String,
    pub province_code: String,
    /// A name of one of the 63 former provinces that is not the current province's own name.
    pub legacy: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductGroup {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductSubgroup {
    pub code: String,
    pub group_code: String,
    pub set_no: i32,
    pub name_vi: String,
    pub name_en: String,
}

/// All reference data, with lookups. Cheap to clone behind an `Arc`.
#[derive(Clone, Debug)]
pub struct Reference {
    pub regions: Vec<Region>,
    pub provinces: Vec<Province>,
    pub province_names: Vec<ProvinceName>,
    pub groups: Vec<ProductGroup>,
    pub subgroups: Vec<ProductSubgroup>,
    /// The communes of the 2025 map, by province.
    pub communes: super::communes::Communes,
    name_index: HashMap<String, usize>,
    code_index: HashMap<String, usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("reference data is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("the name {name:?} would resolve to both {first} and {second}")]
    AmbiguousName {
        name: String,
        first: String,
        second: String,
    },
    #[error("region override for {province:?}: {problem}")]
    BadOverride { province: String, problem: String },
}

#[derive(Deserialize)]
struct ProvincesFile {
    regions: Vec<RawRegion>,
    provinces: Vec<RawProvince>,
}

#[derive(Deserialize)]
struct RawRegion {
    code: String,
    name_vi: String,
    name_en: String,
}

#[derive(Deserialize)]
struct RawProvince {
    code: String,
    name_vi: String,
    name_en: String,
    kind: String,
    region: String,
    #[serde(default)]
    aliases: Vec<String>,
    merged_from: Vec<RawFormer>,
}

#[derive(Deserialize)]
struct RawFormer {
    name_vi: String,
    name_en: String,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize)]
struct GroupsFile {
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
struct RawGroup {
    code: String,
    name_vi: String,
    name_en: String,
    subgroups: Vec<RawSubgroup>,
}

#[derive(Deserialize)]
struct RawSubgroup {
    code: String,
    set_no: i32,
    name_vi: String,
    name_en: String,
}

/// Words that prefix a province name in addresses ("Tỉnh Lào Cai", "TP. Huế") and carry no
/// meaning for resolution.
const PREFIXES: [&str; 4] = ["tinh ", "thanh pho ", "tp ", "province of "];

fn province_key(name: &str) -> String {
    let mut key = fold(name);
    for prefix in PREFIXES {
        if let Some(rest) = key.strip_prefix(prefix) {
            key = rest.to_owned();
        }
    }
    key
}

impl Reference {
    /// The reference data compiled into the binary, with optional region overrides
    /// (province code → region code).
    pub fn load(region_overrides: &BTreeMap<String, String>) -> Result<Self, ReferenceError> {
        let provinces_file: ProvincesFile = serde_json::from_str(PROVINCES_JSON)?;
        let groups_file: GroupsFile = serde_json::from_str(GROUPS_JSON)?;

        let regions: Vec<Region> = provinces_file
            .regions
            .into_iter()
            .map(|r| Region {
                code: r.code,
                name_vi: r.name_vi,
                name_en: r.name_en,
            })
            .collect();

        let mut provinces = Vec::new();
        let mut province_names: Vec<ProvinceName> = Vec::new();
        let mut name_index: HashMap<String, usize> = HashMap::new();
        let mut add_name = |name: &str,
                            code: &str,
                            legacy: bool,
                            names: &mut Vec<ProvinceName>|
         -> Result<(), ReferenceError> {
            let key = province_key(name);
            if key.is_empty() {
                return Ok(());
            }
            match name_index.get(&key) {
                Some(&i) if names[i].province_code != code => Err(ReferenceError::AmbiguousName {
                    name: name.to_owned(),
                    first: names[i].province_code.clone(),
                    second: code.to_owned(),
                }),
                Some(_) => Ok(()),
                None => {
                    name_index.insert(key.clone(), names.len());
                    names.push(ProvinceName {
                        key,
                        name: name.to_owned(),
                        province_code: code.to_owned(),
                        legacy,
                    });
                    Ok(())
                }
            }
        };
        for p in provinces_file.provinces {
            // The current names first, so a former province that kept its name is not "legacy".
            add_name(&p.code, &p.code, false, &mut province_names)?;
            add_name(&p.name_vi, &p.code, false, &mut province_names)?;
            add_name(&p.name_en, &p.code, false, &mut province_names)?;
            for alias in &p.aliases {
                add_name(alias, &p.code, false, &mut province_names)?;
            }
            for former in &p.merged_from {
                add_name(&former.name_vi, &p.code, true, &mut province_names)?;
                add_name(&former.name_en, &p.code, true, &mut province_names)?;
                for alias in &former.aliases {
                    add_name(alias, &p.code, true, &mut province_names)?;
                }
            }
            provinces.push(Province {
                code: p.code,
                name_vi: p.name_vi,
                name_en: p.name_en,
                kind: p.kind,
                region_code: p.region,
            });
        }

        for (province, region) in region_overrides {
            let problem = if !regions.iter().any(|r| &r.code == region) {
                Some(format!("unknown region code {region:?}"))
            } else {
                None
            };
            match (provinces.iter_mut().find(|p| &p.code == province), problem) {
                (Some(p), None) => p.region_code = region.clone(),
                (None, _) => {
                    return Err(ReferenceError::BadOverride {
                        province: province.clone(),
                        problem: "unknown province code".into(),
                    });
                }
                (_, Some(problem)) => {
                    return Err(ReferenceError::BadOverride {
                        province: province.clone(),
                        problem,
                    });
                }
            }
        }

        let mut groups = Vec::new();
        let mut subgroups = Vec::new();
        for g in groups_file.groups {
            for s in g.subgroups {
                subgroups.push(ProductSubgroup {
                    code: s.code,
                    group_code: g.code.clone(),
                    set_no: s.set_no,
                    name_vi: s.name_vi,
                    name_en: s.name_en,
                });
            }
            groups.push(ProductGroup {
                code: g.code,
                name_vi: g.name_vi,
                name_en: g.name_en,
            });
        }

        let code_index = provinces
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i))
            .collect();
        Ok(Self {
            regions,
            provinces,
            province_names,
            groups,
            subgroups,
            communes: super::communes::Communes::load()?,
            name_index,
            code_index,
        })
    }

    /// The current province for a code, a current name, or any former province name or
    /// spelling variant (accent- and case-insensitive; `ha-giang` works as well as `Hà Giang`).
    pub fn resolve_province(&self, name_or_code: &str) -> Option<&Province> {
        self.province(&self.province_name(name_or_code)?.province_code)
    }

    /// The known spelling matching `name` (folded), which says whether it is a former name.
    pub fn province_name(&self, name: &str) -> Option<&ProvinceName> {
        self.province_names
            .get(*self.name_index.get(&province_key(name))?)
    }

    /// The province with exactly this current code.
    pub fn province(&self, code: &str) -> Option<&Province> {
        self.provinces.get(*self.code_index.get(code)?)
    }

    /// The name of the province with this code in the current language, or the code itself
    /// for a code this reference does not know.
    pub fn province_label(&self, code: &str) -> String {
        self.province(code)
            .map_or_else(|| code.to_owned(), |p| p.name().to_owned())
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    pub fn group(&self, code: &str) -> Option<&ProductGroup> {
        self.groups.iter().find(|g| g.code == code)
    }

    pub fn subgroup(&self, code: &str) -> Option<&ProductSubgroup> {
        self.subgroups.iter().find(|s| s.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Reference {
        Reference::load(&BTreeMap::new()).expect("embedded reference data loads")
    }

    #[test]
    fn every_province_has_its_communes_on_the_2025_map() {
        let r = reference();
        for province in &r.provinces {
            assert!(
                !r.communes.of(&province.code).is_empty(),
                "{} has communes",
                province.code
            );
        }
        let total: usize = r
            .provinces
            .iter()
            .map(|p| r.communes.of(&p.code).len())
            .sum();
        assert_eq!(
            total,
            r.communes.len(),
            "no commune outside the 34 provinces"
        );
    }

    #[test]
    fn has_34_provinces_6_regions_6_groups_and_26_sets() {
        let r = reference();
        assert_eq!(r.provinces.len(), 34);
        assert_eq!(r.regions.len(), 6);
        assert_eq!(r.groups.len(), 6);
        assert_eq!(r.subgroups.len(), 26);
        let legacy_provinces: std::collections::HashSet<_> = r
            .province_names
            .iter()
            .filter(|n| n.legacy)
            .map(|n| n.province_code.as_str())
            .collect();
        assert_eq!(
            legacy_provinces.len(),
            23,
            "23 current provinces absorbed others"
        );
    }

    #[test]
    fn legacy_names_resolve_to_the_current_province() {
        let r = reference();
        let cases = [
            ("Hà Giang", "tuyen-quang"),
            ("ha giang", "tuyen-quang"),
            ("ha-giang", "tuyen-quang"),
            ("HÀ GIANG", "tuyen-quang"),
            ("Tỉnh Hà Giang", "tuyen-quang"),
            ("Thừa Thiên Huế", "hue"),
            ("Thua Thien - Hue", "hue"),
            ("Bạc Liêu", "ca-mau"),
            ("Hanoi", "ha-noi"),
            ("tuyen-quang", "tuyen-quang"),
        ];
        for (name, code) in cases {
            assert_eq!(
                r.resolve_province(name).map(|p| p.code.as_str()),
                Some(code),
                "resolving {name:?}"
            );
        }
        assert!(r.resolve_province("Atlantis").is_none());
        assert!(r.resolve_province("").is_none());
    }

    #[test]
    fn region_overrides_move_a_province_and_reject_unknown_codes() {
        let overrides = BTreeMap::from([("bac-ninh".to_owned(), "red-river-delta".to_owned())]);
        let r = Reference::load(&overrides).expect("valid override");
        assert_eq!(
            r.province("bac-ninh").map(|p| p.region_code.as_str()),
            Some("red-river-delta")
        );
        let bad = BTreeMap::from([("bac-ninh".to_owned(), "atlantis".to_owned())]);
        assert!(Reference::load(&bad).is_err());
        let bad = BTreeMap::from([("atlantis".to_owned(), "red-river-delta".to_owned())]);
        assert!(Reference::load(&bad).is_err());
    }
}
