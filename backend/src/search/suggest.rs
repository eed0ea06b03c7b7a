//! Suggestions while typing, and spelling corrections, from an in-memory vocabulary of the
//! catalog: product kinds, products, producers and provinces. Built by the catalog
//! (`features::catalog::suggest`) from the visible listings; looked up without the database
//! or the search engine, in microseconds at 100,000 listings (`bench suggest`).
use std::collections::HashMap;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder};
use serde::Serialize;

use crate::domain::text::fold;

/// What a suggestion leads to, in the order they are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// A product kind ("Trà xanh"): a search for it.
    Kind,
    /// One product: its page.
    Product,
    /// A producer: its page.
    Producer,
    /// A province: its page.
    Province,
}

impl SuggestionKind {
    /// How many of each kind a lookup returns at most.
    fn limit(self) -> usize {
        match self {
            Self::Kind => 4,
            Self::Product => 5,
            Self::Producer | Self::Province => 3,
        }
    }
}

/// One thing that can be suggested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub kind: SuggestionKind,
    /// What the list shows (Vietnamese).
    pub label: String,
    /// The English name, where there is one.
    pub label_en: String,
    /// Where choosing it goes (a path on this site).
    pub href: String,
    /// Listings behind it (kinds, producers, provinces); 0 for a product.
    pub count: u32,
    /// Higher first among equal matches (listing count, or a product's quality).
    #[serde(skip)]
    pub weight: i64,
    /// The folded text matched against (may hold more names than the label).
    #[serde(skip)]
    pub key: String,
    /// A product's slug, to check it is still on sale before it is shown.
    #[serde(skip)]
    pub slug: Option<String>,
}

/// The vocabulary: every suggestion, findable by any word start, and the words of the
/// catalog with how often they occur (for spelling corrections).
#[derive(Default)]
pub struct Vocabulary {
    entries: Vec<Suggestion>,
    /// (entry, byte offset of a word start in its key), sorted by the key from there on.
    starts: [Vec<(u32, u32)>; 4],
    words: HashMap<String, u32>,
    /// Neighbouring words ("mat ong") and how often they stand together.
    pairs: HashMap<String, u32>,
    /// The known words by length in characters, for corrections.
    by_length: Vec<Vec<String>>,
    /// Each kind's entries, best first (weight, then label): a short prefix that starts
    /// thousands of words is answered by walking these instead of every match.
    by_kind: [Vec<u32>; 4],
}

/// Matches above which [`Vocabulary::lookup`] walks the entries best first instead.
const SCAN_LIMIT: usize = 2_000;

const KINDS: [SuggestionKind; 4] = [
    SuggestionKind::Kind,
    SuggestionKind::Product,
    SuggestionKind::Producer,
    SuggestionKind::Province,
];

/// The order of suggestions of one kind, among equal matches.
fn better(a: &Suggestion, b: &Suggestion) -> std::cmp::Ordering {
    b.weight.cmp(&a.weight).then(a.label.cmp(&b.label))
}

/// Whether one of `key`'s words, with what follows it, starts with `query`.
fn has_word_starting(key: &str, query: &str) -> bool {
    key.starts_with(query)
        || key
            .match_indices(' ')
            .any(|(i, _)| key[i + 1..].starts_with(query))
}

/// Words shorter than this are never corrected (too many neighbours).
const MIN_CORRECTED: usize = 3;

impl Vocabulary {
    pub fn build(entries: Vec<Suggestion>) -> Self {
        let mut words: HashMap<String, u32> = HashMap::new();
        let mut pairs: HashMap<String, u32> = HashMap::new();
        let mut starts: [Vec<(u32, u32)>; 4] = Default::default();
        for (i, entry) in entries.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            let mut at_word_start = true;
            for (offset, c) in entry.key.char_indices() {
                if c == ' ' {
                    at_word_start = true;
                } else if at_word_start {
                    let kind = KINDS.iter().position(|k| *k == entry.kind).unwrap_or(0);
                    starts[kind].push((i, u32::try_from(offset).unwrap_or(u32::MAX)));
                    at_word_start = false;
                }
            }
            let key: Vec<&str> = entry.key.split_whitespace().collect();
            for word in &key {
                *words.entry((*word).to_owned()).or_default() += 1;
            }
            for pair in key.windows(2) {
                *pairs.entry(pair.join(" ")).or_default() += 1;
            }
        }
        let key = |&(entry, offset): &(u32, u32)| -> &str {
            entries[entry as usize]
                .key
                .get(offset as usize..)
                .unwrap_or("")
        };
        for list in &mut starts {
            list.sort_unstable_by(|a, b| key(a).cmp(key(b)));
        }
        let mut by_length: Vec<Vec<String>> = Vec::new();
        for word in words.keys() {
            let n = word.chars().count();
            if by_length.len() <= n {
                by_length.resize(n + 1, Vec::new());
            }
            by_length[n].push(word.clone());
        }
        for list in &mut by_length {
            list.sort_unstable();
        }
        let mut by_kind: [Vec<u32>; 4] = Default::default();
        for (slot, kind) in by_kind.iter_mut().zip(KINDS) {
            *slot = (0..entries.len())
                .filter(|i| entries[*i].kind == kind)
                .filter_map(|i| u32::try_from(i).ok())
                .collect();
            slot.sort_by(|a, b| better(&entries[*a as usize], &entries[*b as usize]));
        }
        Self {
            entries,
            starts,
            words,
            pairs,
            by_length,
            by_kind,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn key_at(&self, (entry, offset): (u32, u32)) -> &str {
        self.entries[entry as usize]
            .key
            .get(offset as usize..)
            .unwrap_or("")
    }

    /// The suggestions whose text has a word starting with the (folded) query, kinds first,
    /// then products, producers and provinces; within each, matches at the start of the text
    /// before matches further in, then the higher weight. Twice as many products as are shown
    /// come back: [`Vocabulary::keep_on_sale`] drops those no longer on sale.
    pub fn lookup(&self, query: &str) -> Vec<&Suggestion> {
        let query = fold(query);
        if query.is_empty() {
            return Vec::new();
        }
        let query = query.as_str();
        let mut out = Vec::new();
        for (k, kind) in KINDS.into_iter().enumerate() {
            let starts = &self.starts[k];
            let from = starts.partition_point(|s| self.key_at(*s) < query);
            let to = starts
                .partition_point(|s| self.key_at(*s) < query || self.key_at(*s).starts_with(query));
            if to - from > SCAN_LIMIT {
                out.extend(self.walk(k, query));
                continue;
            }
            // Each entry once, remembering whether it matched at the start of its text.
            let mut best: HashMap<u32, bool> = HashMap::new();
            for s in &starts[from..to] {
                *best.entry(s.0).or_insert(false) |= s.1 == 0;
            }
            let mut found: Vec<(&Suggestion, bool)> = best
                .into_iter()
                .map(|(i, at_start)| (&self.entries[i as usize], at_start))
                .collect();
            found.sort_by(|(a, a_start), (b, b_start)| b_start.cmp(a_start).then(better(a, b)));
            out.extend(
                found
                    .into_iter()
                    .take(Self::wanted(kind))
                    .map(|(entry, _)| entry),
            );
        }
        out
    }

    /// How many of a kind a lookup returns (twice the shown products: some may be off sale).
    fn wanted(kind: SuggestionKind) -> usize {
        match kind {
            SuggestionKind::Product => 2 * kind.limit(),
            other => other.limit(),
        }
    }

    /// One kind of [`Vocabulary::lookup`] when the prefix starts very many of its words: its
    /// entries best first, those whose text starts with the prefix, then those with a later
    /// word starting with it, until enough are found (soon: the matches are that many). The
    /// same answer as the scan, found sooner.
    fn walk(&self, k: usize, query: &str) -> Vec<&Suggestion> {
        let wanted = Self::wanted(KINDS[k]);
        let mut chosen: Vec<u32> = Vec::new();
        for at_start in [true, false] {
            for &i in &self.by_kind[k] {
                if chosen.len() >= wanted {
                    break;
                }
                let key = self.entries[i as usize].key.as_str();
                let hit = if at_start {
                    key.starts_with(query)
                } else {
                    !key.starts_with(query) && has_word_starting(key, query)
                };
                if hit {
                    chosen.push(i);
                }
            }
        }
        chosen
            .into_iter()
            .map(|i| &self.entries[i as usize])
            .collect()
    }

    /// The looked-up suggestions without the products whose slug is not in `on_sale`, and
    /// at most as many products as are shown.
    pub fn keep_on_sale<'a>(
        found: Vec<&'a Suggestion>,
        on_sale: &std::collections::HashSet<String>,
    ) -> Vec<&'a Suggestion> {
        let mut products = 0;
        found
            .into_iter()
            .filter(|s| {
                if s.kind != SuggestionKind::Product {
                    return true;
                }
                let keep = s.slug.as_ref().is_some_and(|slug| on_sale.contains(slug))
                    && products < SuggestionKind::Product.limit();
                products += usize::from(keep);
                keep
            })
            .collect()
    }

    /// The slugs of the products among `found`, to check they are still on sale.
    pub fn product_slugs(found: &[&Suggestion]) -> Vec<String> {
        found.iter().filter_map(|s| s.slug.clone()).collect()
    }

    /// Whether the catalog has this (folded) word.
    pub fn knows(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// The query with each unknown word replaced by the nearest known word within the typos
    /// Meilisearch's rules would allow a longer word (one for 3 to 7 letters, two from 8; a
    /// first letter may differ): among equally near words, the one the catalog writes most
    /// often beside the query's neighbouring words ("mat onng" → "mat ong", not the more
    /// frequent "nong"), then the most frequent. `None` when every word is known or one has
    /// no neighbour.
    pub fn correct(&self, query: &str) -> Option<String> {
        let folded = fold(query);
        let words: Vec<&str> = folded.split_whitespace().collect();
        let mut changed = false;
        let mut out: Vec<String> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            if self.knows(word)
                || word.chars().count() < MIN_CORRECTED
                || word.chars().all(|c| c.is_ascii_digit())
            {
                out.push((*word).to_owned());
                continue;
            }
            let before = out.last().map(String::as_str);
            let after = words.get(i + 1).copied().filter(|w| self.knows(w));
            let fixed = self.nearest(word, before, after)?;
            changed = true;
            out.push(fixed);
        }
        changed.then(|| out.join(" "))
    }

    /// How often `word` stands after `before` and before `after` in the catalog.
    fn beside(&self, before: Option<&str>, word: &str, after: Option<&str>) -> u32 {
        let pair = |a: &str, b: &str| self.pairs.get(&format!("{a} {b}")).copied().unwrap_or(0);
        before.map_or(0, |b| pair(b, word)) + after.map_or(0, |a| pair(word, a))
    }

    fn nearest(&self, word: &str, before: Option<&str>, after: Option<&str>) -> Option<String> {
        let n = word.chars().count();
        let budget: u8 = if n >= 8 { 2 } else { 1 };
        let dfa = LevenshteinAutomatonBuilder::new(budget, true).build_dfa(word);
        // (typos, times beside the neighbours, frequency, the word): fewer typos, then more
        // often beside, then more frequent, then the first alphabetically.
        let mut best: Option<(u8, u32, u32, &String)> = None;
        let lengths = n.saturating_sub(usize::from(budget))..=n + usize::from(budget);
        for length in lengths {
            let Some(list) = self.by_length.get(length) else {
                continue;
            };
            for candidate in list {
                let Distance::Exact(d) = dfa.eval(candidate) else {
                    continue;
                };
                let frequency = self.words.get(candidate).copied().unwrap_or(0);
                let beside = self.beside(before, candidate, after);
                let better = best.is_none_or(|(bd, bb, bf, bw)| {
                    (
                        d,
                        std::cmp::Reverse(beside),
                        std::cmp::Reverse(frequency),
                        candidate,
                    ) < (bd, std::cmp::Reverse(bb), std::cmp::Reverse(bf), bw)
                });
                if better {
                    best = Some((d, beside, frequency, candidate));
                }
            }
        }
        best.map(|(_, _, _, w)| w.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: SuggestionKind, label: &str, weight: i64) -> Suggestion {
        Suggestion {
            kind,
            label: label.into(),
            label_en: String::new(),
            href: format!("/x/{label}"),
            count: 1,
            weight,
            key: fold(label),
            slug: (kind == SuggestionKind::Product).then(|| fold(label)),
        }
    }

    fn vocabulary() -> Vocabulary {
        Vocabulary::build(vec![
            entry(SuggestionKind::Product, "Bánh tráng Trà Cuôn", 9),
            entry(SuggestionKind::Product, "Trà xanh Tân Cương", 5),
            entry(SuggestionKind::Product, "Trà đinh Tân Cương", 7),
            entry(SuggestionKind::Kind, "Trà xanh", 3),
            entry(SuggestionKind::Kind, "Mật ong", 8),
            entry(SuggestionKind::Province, "Trà Vinh", 1),
            entry(SuggestionKind::Producer, "HTX Chè Tân Cương", 2),
            entry(SuggestionKind::Producer, "HTX Nông nghiệp Nông Sơn", 2),
            entry(SuggestionKind::Producer, "HTX Nông sản Nông Cống", 2),
        ])
    }

    #[test]
    fn word_starts_match_kinds_first_and_starts_of_text_before_later_words() {
        let v = vocabulary();
        let labels: Vec<&str> = v.lookup("tra").iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Trà xanh",
                "Trà đinh Tân Cương",
                "Trà xanh Tân Cương",
                "Bánh tráng Trà Cuôn",
                "Trà Vinh"
            ]
        );
        let labels: Vec<&str> = v
            .lookup("Tân Cươ")
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(
            labels,
            [
                "Trà đinh Tân Cương",
                "Trà xanh Tân Cương",
                "HTX Chè Tân Cương"
            ]
        );
        assert!(v.lookup("").is_empty());
        assert!(v.lookup("zzz").is_empty());
    }

    #[test]
    fn walking_best_first_gives_what_testing_every_entry_gives() {
        let mut entries = Vec::new();
        for i in 0..300 {
            entries.push(entry(
                SuggestionKind::Product,
                &format!("Trà số {i} Tân Cương"),
                i % 17,
            ));
            entries.push(entry(
                SuggestionKind::Product,
                &format!("Bánh tét Trà Cuôn {i}"),
                i % 13,
            ));
            entries.push(entry(SuggestionKind::Kind, &format!("Trà loại {i}"), i % 7));
        }
        let v = Vocabulary::build(entries);
        for q in ["t", "tr", "tra", "tra s", "b", "cuon", "tan c"] {
            // The reference: every entry tested, sorted, cut per kind.
            let scanned: Vec<&str> = {
                let query = fold(q);
                let mut found: Vec<(&Suggestion, bool)> = v
                    .entries
                    .iter()
                    .filter(|e| has_word_starting(&e.key, &query))
                    .map(|e| (e, e.key.starts_with(query.as_str())))
                    .collect();
                found.sort_by(|(a, x), (b, y)| {
                    a.kind.cmp(&b.kind).then(y.cmp(x)).then(better(a, b))
                });
                let mut taken: HashMap<SuggestionKind, usize> = HashMap::new();
                found
                    .into_iter()
                    .filter(|(e, _)| {
                        let n = taken.entry(e.kind).or_default();
                        *n += 1;
                        *n <= Vocabulary::wanted(e.kind)
                    })
                    .map(|(e, _)| e.label.as_str())
                    .collect()
            };
            let looked_up: Vec<&str> = v.lookup(q).iter().map(|s| s.label.as_str()).collect();
            assert_eq!(looked_up, scanned, "{q}");
            assert!(!looked_up.is_empty(), "{q}");
            // The walk alone, for each kind, gives the same as the whole lookup.
            let walked: Vec<&str> = (0..4)
                .flat_map(|k| v.walk(k, &fold(q)))
                .map(|s| s.label.as_str())
                .collect();
            assert_eq!(walked, scanned, "{q}");
        }
    }

    #[test]
    fn products_no_longer_on_sale_are_left_out() {
        let v = vocabulary();
        let found = v.lookup("tra");
        let mut on_sale: std::collections::HashSet<String> =
            Vocabulary::product_slugs(&found).into_iter().collect();
        on_sale.remove("tra dinh tan cuong");
        let labels: Vec<&str> = Vocabulary::keep_on_sale(found, &on_sale)
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert!(!labels.contains(&"Trà đinh Tân Cương"));
        assert!(labels.contains(&"Trà xanh Tân Cương"));
    }

    #[test]
    fn unknown_words_are_corrected_to_the_nearest_frequent_word() {
        let v = vocabulary();
        // "nong" is more frequent, but "ong" is the word written after "mat".
        assert_eq!(v.correct("mat onng").as_deref(), Some("mat ong"));
        assert_eq!(
            v.correct("onng").as_deref(),
            Some("nong"),
            "alone, the frequent word"
        );
        assert_eq!(v.correct("xanhh").as_deref(), Some("xanh"));
        assert_eq!(v.correct("tra xanh"), None, "nothing to correct");
        assert_eq!(v.correct("qwertyuiop"), None, "no neighbour");
    }
}
