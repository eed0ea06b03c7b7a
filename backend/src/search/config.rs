//! `search-config/listings.json`, compiled in: raw for Meilisearch, parsed for the embedded
//! engine.
use std::collections::HashMap;

use serde::Deserialize;

/// The settings file, verbatim.
pub const LISTINGS_SETTINGS: &str = include_str!("../../../search-config/listings.json");

/// The parts of the settings the embedded engine follows.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchConfig {
    pub searchable_attributes: Vec<String>,
    pub filterable_attributes: Vec<String>,
    pub sortable_attributes: Vec<String>,
    pub ranking_rules: Vec<String>,
    pub typo_tolerance: TypoTolerance,
    #[serde(default)]
    pub synonyms: HashMap<String, Vec<String>>,
    pub faceting: Faceting,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypoTolerance {
    pub enabled: bool,
    pub min_word_size_for_typos: MinWordSize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MinWordSize {
    pub one_typo: usize,
    pub two_typos: usize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Faceting {
    pub max_values_per_facet: usize,
}

impl SearchConfig {
    pub fn load() -> Result<Self, serde_json::Error> {
        serde_json::from_str(LISTINGS_SETTINGS)
    }

    /// How many typos a word of `len` characters may contain.
    pub fn typos_allowed(&self, len: usize) -> u8 {
        let sizes = &self.typo_tolerance.min_word_size_for_typos;
        if !self.typo_tolerance.enabled || len < sizes.one_typo {
            0
        } else if len < sizes.two_typos {
            1
        } else {
            2
        }
    }
}

/// Changes whenever the index must be rebuilt: the settings, the document schema, or the
/// reference data documents are built from (province names, regions).
pub fn fingerprint(reference: &crate::domain::reference::Reference) -> String {
    use sha2::{Digest, Sha256};
    /// Bump when [`super::SearchDocument`] or the embedded schema changes.
    const DOCUMENT_VERSION: &str = "listing-v7";
    let mut hash = Sha256::new();
    hash.update(DOCUMENT_VERSION);
    hash.update(LISTINGS_SETTINGS);
    for p in &reference.provinces {
        hash.update(format!("{}:{}:{};", p.code, p.region_code, p.name_vi));
    }
    for n in &reference.province_names {
        hash.update(format!("{}>{};", n.key, n.province_code));
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_file_parses_for_both_engines() {
        let config = SearchConfig::load().expect("embedded view");
        assert_eq!(config.typos_allowed(4), 0);
        assert_eq!(config.typos_allowed(5), 1);
        assert_eq!(config.typos_allowed(9), 2);
        for attr in [
            "stars",
            "region_code",
            "province_code",
            "group_code",
            "expires_on",
        ] {
            assert!(
                config.filterable_attributes.iter().any(|a| a == attr),
                "{attr}"
            );
        }
        let meili: meilisearch_sdk::settings::Settings =
            serde_json::from_str(LISTINGS_SETTINGS).expect("Meilisearch view");
        assert_eq!(
            meili.sortable_attributes,
            Some(vec![
                "price_vnd".into(),
                "stars".into(),
                "published_at".into(),
                "seq".into(),
                "rating_tenths".into(),
                "rating_count".into(),
                "quality".into()
            ])
        );
        assert!(meili.synonyms.is_some_and(|s| s.contains_key("che")));
    }
}
