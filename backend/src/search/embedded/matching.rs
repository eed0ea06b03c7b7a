//! Meilisearch's matching rules, followed by the embedded engine so both engines find the same
//! documents (`tests/api/engines_agree.rs` compares them), and its ranking rules approximated
//! by constant scores.
//!
//! Matching, as Meilisearch 1.x does it (its `milli` crate, `search/new/query_term`):
//! - the query is cut at ten words; every word must match (`matchingStrategy: all`);
//! - the last word also matches as a prefix, unless the query ends with a space;
//! - a word of `oneTypo` letters or more matches with one typo, of `twoTypos` with two
//!   (Damerau-Levenshtein); a typo on the first letter counts as two, so a word allowed one typo
//!   must keep its first letter;
//! - two or three neighbouring words also match written together ("ca phe" finds "caphe"),
//!   with one typo fewer per extra word;
//! - a word also matches as the two words it can be split into, when they appear side by side
//!   somewhere in the index (the split seen in most documents: "caphe" finds "ca phe"); the
//!   split counts as one typo;
//! - synonyms from the settings match exactly (one of several words as those words side by
//!   side), for a single query word.
//!
//! Ranking: each way a word matches gets a constant score, weighted by the order of the text
//! rules in `search-config/listings.json` ([`Weights::from_rules`]): fewer typos, the better
//! attribute (kind before title before context before the certificate number), exactness (a
//! field starting with, or equal to, the query's words; then words matched as themselves, not
//! as prefixes or typos), then words side by side (proximity). The collector breaks the
//! remaining ties by the custom rules (`quality:desc`, then `seq:asc`).
use std::collections::BTreeMap;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use tantivy::collector::Count;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, Occur, PhraseQuery,
    Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use crate::search::config::SearchConfig;

/// Meilisearch considers the first ten words of a query.
pub const MAX_WORDS: usize = 10;
/// The longest run of words matched written together.
const MAX_NGRAM: usize = 3;

/// The text ranking rules of `search-config/listings.json` as score weights: each rule's
/// weight outweighs everything the rules after it can add, for queries of up to ten words,
/// so adding the constant scores orders documents rule by rule, as Meilisearch's buckets do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// Per word: 2 with no typo, 1 with one, 0 with two.
    pub typo: f32,
    /// Per word: how far up `searchableAttributes` its best field is.
    pub attribute: f32,
    /// Per word matched as itself (not a prefix, a typo or a synonym) one unit; a field that
    /// starts with the query's words eleven more, and one that is exactly them eleven again.
    pub exact: f32,
    /// Per pair of neighbouring query words side by side in one field.
    pub proximity: f32,
}

/// How many values each rule's total takes, for up to ten words and four attributes.
const TYPO_RANGE: f32 = 21.0;
const ATTRIBUTE_RANGE: f32 = 31.0;
const EXACT_RANGE: f32 = 33.0;
const PROXIMITY_RANGE: f32 = 10.0;
/// The exact-attribute levels in units of exact words (more than ten words can give).
pub const EXACT_ATTRIBUTE: f32 = 11.0;

impl Weights {
    /// Weights from the ranking rules (`words` is implied: every word must match; `sort` and
    /// the custom rules are applied by the collector, after the text score).
    pub fn from_rules(rules: &[String]) -> Result<Self, String> {
        let text: Vec<&str> = rules
            .iter()
            .map(String::as_str)
            .filter(|r| matches!(*r, "typo" | "attributeRank" | "exactness" | "proximity"))
            .collect();
        for needed in ["typo", "attributeRank", "exactness", "proximity"] {
            if !text.contains(&needed) {
                return Err(format!(
                    "the embedded engine needs the `{needed}` ranking rule"
                ));
            }
        }
        let mut weights = Self {
            typo: 0.0,
            attribute: 0.0,
            exact: 0.0,
            proximity: 0.0,
        };
        let mut weight = 1.0;
        for rule in text.iter().rev() {
            let (slot, range) = match *rule {
                "typo" => (&mut weights.typo, TYPO_RANGE),
                "attributeRank" => (&mut weights.attribute, ATTRIBUTE_RANGE),
                "exactness" => (&mut weights.exact, EXACT_RANGE),
                _ => (&mut weights.proximity, PROXIMITY_RANGE),
            };
            *slot = weight;
            weight *= range;
        }
        Ok(weights)
    }
}

/// One word of the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWord {
    pub text: String,
    pub prefix: bool,
}

/// The words of a folded query (see [`crate::search::engine_text`]): at most ten; the last is a
/// prefix unless the text ends with a space.
pub fn query_words(text: &str) -> Vec<QueryWord> {
    let trailing_space = text.ends_with(' ');
    let words: Vec<&str> = text.split_whitespace().take(MAX_WORDS).collect();
    let last = words.len().saturating_sub(1);
    let cut = text.split_whitespace().count() > MAX_WORDS;
    words
        .iter()
        .enumerate()
        .map(|(i, w)| QueryWord {
            text: (*w).to_owned(),
            prefix: i == last && !trailing_space && !cut,
        })
        .collect()
}

/// A word, or neighbouring words written together, to match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// The query words it covers (`first..=last`).
    pub first: usize,
    pub last: usize,
    /// The word to match: one word, or the words concatenated.
    pub word: String,
    pub prefix: bool,
    pub max_typos: u8,
    /// The words an n-gram is made of (empty for one word).
    pub parts: Vec<String>,
}

/// Every word, and every run of two or three words, with its typo budget.
pub fn plan(words: &[QueryWord], config: &SearchConfig) -> Vec<Planned> {
    let mut planned = Vec::new();
    for first in 0..words.len() {
        for len in 1..=MAX_NGRAM {
            let last = first + len - 1;
            if last >= words.len() {
                break;
            }
            let parts: Vec<String> = words[first..=last].iter().map(|w| w.text.clone()).collect();
            let word = parts.concat();
            let typos = config.typos_allowed(word.chars().count());
            planned.push(Planned {
                first,
                last,
                max_typos: typos.saturating_sub(u8::try_from(len - 1).unwrap_or(u8::MAX)),
                prefix: words[last].prefix,
                word,
                parts: if len == 1 { Vec::new() } else { parts },
            });
        }
    }
    planned
}

/// The fields text is matched in, with their rank in `searchableAttributes`, and the field
/// holding every field's leading words (for the exact-attribute part of `exactness`).
#[derive(Clone, Copy, Debug)]
pub struct TextFields {
    pub fields: [(Field, u8); 4],
    /// Each field's words side by side (see [`side_by_side`]), in the order of `fields`.
    pub pairs: [Field; 4],
    pub starts: Field,
    pub weights: Weights,
}

/// The terms of the `starts` field for one field's folded text: its first one to ten words
/// joined by spaces, and `=` with all of them when it has at most ten.
pub fn start_terms(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut terms: Vec<String> = (1..=words.len().min(MAX_WORDS))
        .map(|n| words[..n].join(" "))
        .collect();
    if !words.is_empty() && words.len() <= MAX_WORDS {
        terms.push(format!("={}", words.join(" ")));
    }
    terms
}

/// The terms of a field's pairs field: each two words the text field's tokenizer (tantivy's
/// `default`: runs of letters and digits, lower-cased, words over 40 bytes dropped) puts at
/// neighbouring positions, joined by a space: exactly the two-word phrases a phrase query
/// on the text field matches.
pub fn side_by_side(text: &str) -> Vec<String> {
    use tantivy::tokenizer::TokenStream;
    let mut analyzer = default_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut pairs = Vec::new();
    let mut previous: Option<(usize, String)> = None;
    while stream.advance() {
        let token = stream.token();
        if let Some((position, word)) = &previous
            && position + 1 == token.position
        {
            pairs.push(format!("{word} {}", token.text));
        }
        previous = Some((token.position, token.text.clone()));
    }
    pairs
}

/// What tantivy registers as `default`, the text fields' tokenizer.
fn default_analyzer() -> tantivy::tokenizer::TextAnalyzer {
    use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

/// A levenshtein DFA as a term-dictionary automaton.
struct Automaton<'a>(&'a DFA);

impl tantivy_fst::Automaton for Automaton<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

fn distance(dfa: &DFA, word: &str) -> Option<u8> {
    match dfa.eval(word) {
        Distance::Exact(d) => Some(d),
        Distance::AtLeast(_) => None,
    }
}

/// The automata for a word (built once per query word and budget).
pub struct Automata {
    builders: [LevenshteinAutomatonBuilder; 3],
}

impl Default for Automata {
    fn default() -> Self {
        Self {
            builders: [
                LevenshteinAutomatonBuilder::new(0, true),
                LevenshteinAutomatonBuilder::new(1, true),
                LevenshteinAutomatonBuilder::new(2, true),
            ],
        }
    }
}

impl Automata {
    fn dfa(&self, word: &str, typos: u8, prefix: bool) -> DFA {
        let builder = &self.builders[usize::from(typos.min(2))];
        if prefix {
            builder.build_prefix_dfa(word)
        } else {
            builder.build_dfa(word)
        }
    }
}

/// How an indexed word matches a planned word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Derived {
    typos: u8,
    /// The word itself, not a prefix or typo of it.
    exact: bool,
}

/// The indexed words a planned word matches, by Meilisearch's rules.
fn derivations(
    searcher: &Searcher,
    fields: &TextFields,
    automata: &Automata,
    planned: &Planned,
) -> tantivy::Result<BTreeMap<String, Derived>> {
    let word = planned.word.as_str();
    let first = word.chars().next();
    let dfa = automata.dfa(word, planned.max_typos, planned.prefix);
    let one_typo = (planned.max_typos == 2).then(|| automata.dfa(word, 1, planned.prefix));
    let mut found = BTreeMap::new();
    for segment in searcher.segment_readers() {
        for (field, _) in fields.fields {
            let index = segment.inverted_index(field)?;
            let mut stream = index.terms().search(Automaton(&dfa)).into_stream()?;
            while stream.advance() {
                let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let Some(d) = distance(&dfa, candidate) else {
                    continue;
                };
                let same_first = candidate.chars().next() == first;
                let typos = match (d, same_first) {
                    (0, _) => 0,
                    (1, true) => 1,
                    (2, true) => 2,
                    // A typo on the first letter counts as two: only with two allowed, and
                    // only if the rest is one typo away.
                    (_, false) if planned.max_typos == 2 => {
                        match one_typo.as_ref().and_then(|dfa| distance(dfa, candidate)) {
                            Some(d) if d <= 1 => 2,
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                let derived = Derived {
                    typos,
                    exact: candidate == word,
                };
                found
                    .entry(candidate.to_owned())
                    .and_modify(|old: &mut Derived| {
                        if derived.typos < old.typos {
                            *old = derived;
                        }
                    })
                    .or_insert(derived);
            }
        }
    }
    Ok(found)
}

/// Whether `word` is in any of the fields' dictionaries.
fn indexed(searcher: &Searcher, fields: &TextFields, word: &str) -> tantivy::Result<bool> {
    for segment in searcher.segment_readers() {
        for (field, _) in fields.fields {
            if segment
                .inverted_index(field)?
                .terms()
                .get(word.as_bytes())?
                .is_some()
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// `words` side by side in each field, with the field's rank: two words are one term of the
/// field's pairs (no positions read), more a phrase query.
fn phrase(fields: &TextFields, words: &[&str]) -> Vec<(Box<dyn Query>, u8)> {
    fields
        .fields
        .iter()
        .zip(fields.pairs)
        .map(|((field, rank), pairs)| {
            let query: Box<dyn Query> = if let [left, right] = words {
                Box::new(TermQuery::new(
                    Term::from_field_text(pairs, &format!("{left} {right}")),
                    IndexRecordOption::Basic,
                ))
            } else {
                let terms = words
                    .iter()
                    .map(|w| Term::from_field_text(*field, w))
                    .collect();
                Box::new(PhraseQuery::new(terms))
            };
            (query, *rank)
        })
        .collect()
}

/// The two words `word` splits into that stand side by side in the most documents.
fn best_split(
    searcher: &Searcher,
    fields: &TextFields,
    word: &str,
) -> tantivy::Result<Option<(String, String)>> {
    let mut best: Option<(usize, String, String)> = None;
    for (at, _) in word.char_indices().skip(1) {
        let (left, right) = word.split_at(at);
        if !indexed(searcher, fields, left)? || !indexed(searcher, fields, right)? {
            continue;
        }
        let either = BooleanQuery::new(
            phrase(fields, &[left, right])
                .into_iter()
                .map(|(q, _)| (Occur::Should, q))
                .collect(),
        );
        let n = searcher.search(&either, &Count)?;
        if n > 0 && best.as_ref().is_none_or(|(old, _, _)| n > *old) {
            best = Some((n, left.to_owned(), right.to_owned()));
        }
    }
    Ok(best.map(|(_, l, r)| (l, r)))
}

fn score(weights: &Weights, typos: u8, rank: u8, exact: bool, words: usize) -> f32 {
    let per_word = f32::from(2u8.saturating_sub(typos)) * weights.typo
        + f32::from(3u8.saturating_sub(rank)) * weights.attribute
        + if exact { weights.exact } else { 0.0 };
    per_word * words as f32
}

fn constant(query: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, score))
}

/// Everything a planned word matches, as one query (`None`: nothing in the index).
fn planned_query(
    searcher: &Searcher,
    fields: &TextFields,
    automata: &Automata,
    config: &SearchConfig,
    planned: &Planned,
) -> tantivy::Result<Option<Box<dyn Query>>> {
    let words = planned.last - planned.first + 1;
    let mut ways: Vec<Box<dyn Query>> = Vec::new();
    for (word, how) in derivations(searcher, fields, automata, planned)? {
        for (field, rank) in fields.fields {
            let term = TermQuery::new(
                Term::from_field_text(field, &word),
                IndexRecordOption::Basic,
            );
            ways.push(constant(
                Box::new(term),
                score(&fields.weights, how.typos, rank, how.exact, words),
            ));
        }
    }
    // One-word synonyms, matched exactly (a single query word only, like Meilisearch's).
    if planned.parts.is_empty()
        && let Some(synonyms) = config.synonyms.get(&planned.word)
    {
        for synonym in synonyms {
            let synonym = crate::domain::text::fold(synonym);
            // A synonym is the word in other words: as exact as the word itself. One of
            // several words ("htx" → "hop tac xa") matches them side by side.
            let parts: Vec<&str> = synonym.split_whitespace().collect();
            if parts.len() > 1 {
                for (query, rank) in phrase(fields, &parts) {
                    ways.push(constant(
                        query,
                        score(&fields.weights, 0, rank, true, words),
                    ));
                }
                continue;
            }
            for (field, rank) in fields.fields {
                let term = TermQuery::new(
                    Term::from_field_text(field, &synonym),
                    IndexRecordOption::Basic,
                );
                ways.push(constant(
                    Box::new(term),
                    score(&fields.weights, 0, rank, true, words),
                ));
            }
        }
    }
    if let Some((left, right)) = best_split(searcher, fields, &planned.word)? {
        let same_as_parts =
            planned.parts.len() == 2 && planned.parts[0] == left && planned.parts[1] == right;
        if !same_as_parts {
            for (query, rank) in phrase(fields, &[&left, &right]) {
                ways.push(constant(
                    query,
                    score(&fields.weights, 1, rank, false, words),
                ));
            }
        }
    }
    Ok((!ways.is_empty()).then(|| Box::new(DisjunctionMaxQuery::new(ways)) as Box<dyn Query>))
}

/// The query for a folded text: documents matching every word by Meilisearch's rules, scored
/// by its ranking rules (see the module's notes).
pub fn text_query(
    searcher: &Searcher,
    fields: &TextFields,
    automata: &Automata,
    config: &SearchConfig,
    text: &str,
) -> tantivy::Result<Box<dyn Query>> {
    let words = query_words(text);
    if words.is_empty() {
        return Ok(Box::new(AllQuery));
    }
    // What each planned word (or run of words) matches; runs that match nothing drop out.
    let mut by_start: Vec<Vec<(usize, Box<dyn Query>)>> =
        (0..words.len()).map(|_| Vec::new()).collect();
    for planned in plan(&words, config) {
        if let Some(query) = planned_query(searcher, fields, automata, config, &planned)? {
            by_start[planned.first].push((planned.last, query));
        }
    }
    // Every way to cover the words with those runs.
    let mut covers: Vec<Vec<Box<dyn Query>>> = Vec::new();
    let mut stack: Vec<(usize, Vec<Box<dyn Query>>)> = vec![(0, Vec::new())];
    while let Some((at, chosen)) = stack.pop() {
        if at == words.len() {
            covers.push(chosen);
            continue;
        }
        for (last, query) in &by_start[at] {
            let mut next: Vec<Box<dyn Query>> = chosen.iter().map(|q| q.box_clone()).collect();
            next.push(query.box_clone());
            stack.push((last + 1, next));
        }
    }
    if covers.is_empty() {
        return Ok(Box::new(EmptyQuery));
    }
    let matching: Box<dyn Query> = Box::new(DisjunctionMaxQuery::new(
        covers
            .into_iter()
            .map(|parts| {
                Box::new(BooleanQuery::new(
                    parts.into_iter().map(|q| (Occur::Must, q)).collect(),
                )) as Box<dyn Query>
            })
            .collect(),
    ));
    // Proximity: neighbouring words side by side in one field score higher.
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, matching)];
    for pair in words.windows(2) {
        let either = BooleanQuery::new(
            phrase(fields, &[&pair[0].text, &pair[1].text])
                .into_iter()
                .map(|(q, _)| (Occur::Should, q))
                .collect(),
        );
        clauses.push((
            Occur::Should,
            constant(Box::new(either), fields.weights.proximity),
        ));
    }
    // Exactness, its first part: a field that starts with the query's words, or is exactly
    // them (the whole query, with no word cut off).
    if text.split_whitespace().count() <= MAX_WORDS {
        let joined = words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let level = EXACT_ATTRIBUTE * fields.weights.exact;
        for term in [joined.clone(), format!("={joined}")] {
            let query = TermQuery::new(
                Term::from_field_text(fields.starts, &term),
                IndexRecordOption::Basic,
            );
            clauses.push((Occur::Should, constant(Box::new(query), level)));
        }
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_word_is_a_prefix_unless_a_space_follows_and_ten_words_at_most() {
        let words = query_words("tra shan");
        assert_eq!(
            words,
            [
                QueryWord {
                    text: "tra".into(),
                    prefix: false
                },
                QueryWord {
                    text: "shan".into(),
                    prefix: true
                }
            ]
        );
        assert!(!query_words("tra shan ").last().expect("word").prefix);
        let long = query_words("a b c d e f g h i j k l");
        assert_eq!(long.len(), MAX_WORDS);
        assert!(!long.last().expect("word").prefix, "the cut word is whole");
    }

    #[test]
    fn words_side_by_side_are_what_a_phrase_query_on_the_field_matches() {
        use tantivy::collector::Count;
        use tantivy::schema::{STRING, Schema, TEXT};
        // The analyzer is the one the text fields use.
        let texts = [
            "Cà phê Buôn Ma Thuột, rang xay 500g",
            "tra-shan tuyet  (ha giang)",
            &format!("mat {} ong rung", "x".repeat(41)),
            "ocop-bn-2023-00001",
        ];
        let mut registered = tantivy::tokenizer::TokenizerManager::default()
            .get("default")
            .expect("tantivy's default tokenizer");
        for text in texts {
            let tokens = |analyzer: &mut tantivy::tokenizer::TextAnalyzer| {
                let mut stream = analyzer.token_stream(text);
                let mut out = Vec::new();
                while tantivy::tokenizer::TokenStream::advance(&mut stream) {
                    let t = tantivy::tokenizer::TokenStream::token(&stream);
                    out.push((t.position, t.text.clone()));
                }
                out
            };
            assert_eq!(tokens(&mut default_analyzer()), tokens(&mut registered));
        }
        // Each pair is found by a phrase query on the text, and no pair across a dropped word.
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let pairs = schema.add_text_field("pairs", STRING);
        let index = tantivy::Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).expect("writer");
        for text in texts {
            let mut doc = tantivy::TantivyDocument::default();
            doc.add_text(body, text);
            for pair in side_by_side(text) {
                doc.add_text(pairs, pair);
            }
            writer.add_document(doc).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let phrase = |a: &str, b: &str| {
            let query = PhraseQuery::new(vec![
                Term::from_field_text(body, a),
                Term::from_field_text(body, b),
            ]);
            searcher.search(&query, &Count).expect("search")
        };
        let pair = |a: &str, b: &str| {
            let query = TermQuery::new(
                Term::from_field_text(pairs, &format!("{a} {b}")),
                IndexRecordOption::Basic,
            );
            searcher.search(&query, &Count).expect("search")
        };
        for (a, b) in [
            ("ca", "phe"),
            ("phê", "buôn"),
            ("thuột", "rang"),
            ("tra", "shan"),
            ("tuyet", "ha"),
            ("ong", "rung"),
            ("mat", "ong"),
            ("bn", "2023"),
            ("cà", "phê"),
            ("xay", "500g"),
        ] {
            assert_eq!(pair(a, b), phrase(a, b), "{a} {b}");
        }
        assert_eq!(pair("cà", "phê"), 1);
        assert_eq!(
            pair("mat", "ong"),
            0,
            "a dropped long word stays between them"
        );
    }

    #[test]
    fn the_weights_follow_the_order_of_the_ranking_rules() {
        let config = SearchConfig::load().expect("config");
        let w = Weights::from_rules(&config.ranking_rules).expect("rules it follows");
        // typo, attributeRank, exactness, proximity: each outweighs all the rules after it.
        assert!(w.proximity * (PROXIMITY_RANGE - 1.0) < w.exact);
        assert!(
            w.exact * (EXACT_RANGE - 1.0) + w.proximity * (PROXIMITY_RANGE - 1.0) < w.attribute
        );
        assert!(w.attribute * (ATTRIBUTE_RANGE - 1.0) + w.exact * (EXACT_RANGE - 1.0) < w.typo);
        // Another order gives other weights; a missing rule is refused.
        let swapped: Vec<String> = ["typo", "proximity", "attributeRank", "exactness"]
            .map(String::from)
            .to_vec();
        let s = Weights::from_rules(&swapped).expect("any order");
        assert!(s.proximity > s.attribute && s.attribute > s.exact);
        assert!(Weights::from_rules(&swapped[..3]).is_err());
    }

    #[test]
    fn runs_of_words_get_one_typo_fewer_per_extra_word() {
        let config = SearchConfig::load().expect("config");
        let planned = plan(&query_words("banh trang"), &config);
        let run = planned
            .iter()
            .find(|p| p.word == "banhtrang")
            .expect("the two words together");
        // Nine letters allow two typos; a run of two words one fewer.
        assert_eq!(run.max_typos, 1);
        assert!(run.prefix);
        assert_eq!(run.parts, ["banh", "trang"]);
        assert_eq!(planned.len(), 3, "banh, trang, banhtrang");
    }
}
