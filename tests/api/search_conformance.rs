//! One conformance suite for both search engines. The embedded engine always runs; the
//! Meilisearch part runs when `MEILI_URL` (and `MEILI_MASTER_KEY` if the server has one) is
//! set, on indexes with a unique prefix, and prints that it was skipped otherwise.
use ocop_village::domain::money::Vnd;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use ocop_village::domain::reference::Reference;
use ocop_village::domain::text::fold;
use ocop_village::search::embedded::EmbeddedEngine;
use ocop_village::search::meili::MeiliEngine;
use ocop_village::search::{SearchDocument, SearchEngine, SearchQuery, SearchResults, Sort};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
}

fn reference() -> Reference {
    Reference::load(&BTreeMap::new()).expect("reference")
}

struct Spec {
    id: &'static str,
    vi: &'static str,
    en: &'static str,
    seller: &'static str,
    stars: u8,
    province: &'static str,
    group: &'static str,
    price: i64,
    in_stock: bool,
    published: i64,
    expires_on: u32,
}

const VALID: u32 = 20_290_101;

const CORPUS: [Spec; 11] = [
    Spec {
        id: "d01",
        vi: "Trà Shan Tuyết Hoàng Su Phì",
        en: "Hoang Su Phi Shan Tuyet tea",
        seller: "HTX Chè Tấn Lợi",
        stars: 5,
        province: "tuyen-quang",
        group: "food",
        price: 210_000,
        in_stock: true,
        published: 1_000,
        expires_on: VALID,
    },
    Spec {
        id: "d02",
        vi: "Chè Thái Nguyên Tân Cương",
        en: "Tan Cuong green tea",
        seller: "HTX Chè Tân Cương",
        stars: 4,
        province: "thai-nguyen",
        group: "food",
        price: 180_000,
        in_stock: true,
        published: 2_000,
        expires_on: VALID,
    },
    Spec {
        id: "d03",
        vi: "Nước mắm Phú Quốc",
        en: "Phu Quoc fish sauce",
        seller: "Công ty Khải Hoàn",
        stars: 5,
        province: "an-giang",
        group: "food",
        price: 120_000,
        in_stock: true,
        published: 3_000,
        expires_on: VALID,
    },
    Spec {
        id: "d04",
        vi: "Gạo nếp cái hoa vàng Điện Biên",
        en: "Dien Bien glutinous rice",
        seller: "HTX Mường Thanh",
        stars: 3,
        province: "dien-bien",
        group: "food",
        price: 90_000,
        in_stock: true,
        published: 4_000,
        expires_on: VALID,
    },
    Spec {
        id: "d05",
        vi: "Rượu ngô Na Hang",
        en: "Na Hang corn liquor",
        seller: "Hộ kinh doanh Bàn Văn",
        stars: 3,
        province: "tuyen-quang",
        group: "beverage",
        price: 150_000,
        in_stock: true,
        published: 5_000,
        expires_on: VALID,
    },
    Spec {
        id: "d06",
        vi: "Mật ong bạc hà Đồng Văn",
        en: "Dong Van mint honey",
        seller: "HTX Ong Mèo",
        stars: 4,
        province: "tuyen-quang",
        group: "food",
        price: 350_000,
        in_stock: true,
        published: 6_000,
        expires_on: VALID,
    },
    Spec {
        id: "d07",
        vi: "Cà phê Buôn Ma Thuột",
        en: "Buon Ma Thuot coffee",
        seller: "Công ty Cao Nguyên",
        stars: 4,
        province: "dak-lak",
        group: "food",
        price: 250_000,
        in_stock: false,
        published: 7_000,
        expires_on: VALID,
    },
    Spec {
        id: "d08",
        vi: "Gốm Bát Tràng men lam",
        en: "Bat Trang blue glaze pottery",
        seller: "Xưởng gốm Minh Hải",
        stars: 3,
        province: "ha-noi",
        group: "handicraft",
        price: 500_000,
        in_stock: true,
        published: 8_000,
        expires_on: VALID,
    },
    Spec {
        id: "d09",
        vi: "Nón lá bài thơ Huế",
        en: "Hue poem conical hat",
        seller: "Tổ hợp tác Tây Hồ",
        stars: 3,
        province: "hue",
        group: "handicraft",
        price: 80_000,
        in_stock: true,
        published: 9_000,
        expires_on: VALID,
    },
    Spec {
        id: "d10",
        vi: "Bánh cuốn Thanh Trì",
        en: "Thanh Tri rice rolls",
        seller: "Hộ kinh doanh Bà Hoành",
        stars: 4,
        province: "ha-noi",
        group: "food",
        price: 60_000,
        in_stock: true,
        published: 10_000,
        expires_on: 20_261_122,
    },
    Spec {
        id: "d11",
        vi: "Tinh dầu sả chanh Quảng Trị",
        en: "Quang Tri lemongrass essential oil",
        seller: "HTX Dược liệu Gio Linh",
        stars: 4,
        province: "quang-tri",
        group: "herbal",
        price: 130_000,
        in_stock: true,
        published: 11_000,
        expires_on: VALID,
    },
];

/// Documents built the way `features::catalog::documents` builds them from the database.
fn corpus() -> Vec<SearchDocument> {
    let reference = reference();
    CORPUS
        .iter()
        .zip(1..)
        .map(|(s, seq)| {
            let province = reference.province(s.province).expect("a known province");
            let places: Vec<&str> = reference
                .province_names
                .iter()
                .filter(|n| n.province_code == s.province)
                .map(|n| n.key.as_str())
                .collect();
            SearchDocument {
                seq,
                id: s.id.into(),
                slug: s.id.into(),
                certificate_no: format!("OCOP-T-2025-{}", &s.id[1..]),
                title_vi: s.vi.into(),
                title_en: s.en.into(),
                title_folded: fold(&format!("{} {}", s.vi, s.en)),
                kind_folded: ocop_village::domain::text::product_kind(s.vi),
                quality: ocop_village::search::quality(s.in_stock, s.stars, 0, 0),
                context_folded: format!("{} {}", fold(s.seller), places.join(" ")),
                seller_name: s.seller.into(),
                stars: s.stars,
                province_code: s.province.into(),
                region_code: province.region_code.clone(),
                group_code: s.group.into(),
                price_vnd: Vnd::new(s.price),
                price_max_vnd: Vnd::ZERO,
                in_stock: s.in_stock,
                thumbnail_url: None,
                thumbnail_srcset: None,
                // d03 has one five-star review, d01 ten and d02 three averaging 4.5.
                rating_tenths: match s.id {
                    "d03" => 50,
                    "d01" | "d02" => 45,
                    _ => 0,
                },
                rating_count: match s.id {
                    "d03" => 1,
                    "d01" => 10,
                    "d02" => 3,
                    _ => 0,
                },
                published_at: s.published,
                expires_on: s.expires_on,
                // Two outlets: "ocop-a" carries d01, d02 and the expired d10; "ocop-b" d01.
                outlets: match s.id {
                    "d01" => vec!["ocop-a".into(), "ocop-b".into()],
                    "d02" | "d10" => vec!["ocop-a".into()],
                    _ => Vec::new(),
                },
            }
        })
        .collect()
}

/// An engine loaded with the corpus, and how to clean it up.
struct Loaded {
    engine: Arc<dyn SearchEngine>,
    meili: Option<(Arc<MeiliEngine>, crate::helpers::TestIndexes)>,
}

impl Loaded {
    async fn cleanup(self) {
        if let Some((meili, _indexes)) = self.meili {
            meili.drop_indexes().await.expect("dropping test indexes");
        }
    }
}

async fn load(engine: Arc<dyn SearchEngine>) -> Arc<dyn SearchEngine> {
    engine.prepare().await.expect("prepare");
    engine
        .replace_all(&corpus())
        .await
        .expect("index the corpus");
    engine
}

async fn embedded() -> Loaded {
    let engine = Arc::new(EmbeddedEngine::in_memory(&reference()).expect("engine"));
    Loaded {
        engine: load(engine).await,
        meili: None,
    }
}

async fn meilisearch() -> Option<Loaded> {
    crate::helpers::meili_url("Meilisearch conformance")?;
    let indexes = crate::helpers::TestIndexes::new();
    let engine = Arc::new(indexes.engine().await);
    load(engine.clone()).await;
    Some(Loaded {
        engine: engine.clone(),
        meili: Some((engine, indexes)),
    })
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        per_page: 50,
        ..SearchQuery::all(today())
    }
}

async fn run(engine: &dyn SearchEngine, q: &SearchQuery) -> SearchResults {
    engine.search(q).await.expect("search")
}

fn ids(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.listing_id.as_str()).collect()
}

fn sorted_ids(results: &SearchResults) -> Vec<&str> {
    let mut ids = ids(results);
    ids.sort_unstable();
    ids
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

// ---- the behaviours -------------------------------------------------------------------------

async fn diacritics_and_case_do_not_matter(e: &dyn SearchEngine) {
    for text in [
        "tra shan tuyet",
        "TRÀ SHAN TUYẾT",
        "Trà Shan Tuyết",
        "trà shan tuyet",
    ] {
        let r = run(e, &query(text)).await;
        assert_eq!(ids(&r), ["d01"], "{}: {text:?}", e.kind());
        assert_eq!(r.total, 1, "{}: {text:?}", e.kind());
    }
}

async fn d_with_stroke_matches_plain_d(e: &dyn SearchEngine) {
    for text in ["dien bien", "Điện Biên", "ĐIỆN BIÊN", "gao nep dien bien"] {
        let r = run(e, &query(text)).await;
        assert_eq!(ids(&r), ["d04"], "{}: {text:?}", e.kind());
    }
}

async fn english_names_match(e: &dyn SearchEngine) {
    assert_eq!(
        ids(&run(e, &query("fish sauce")).await),
        ["d03"],
        "{}",
        e.kind()
    );
    assert_eq!(
        ids(&run(e, &query("corn liquor")).await),
        ["d05"],
        "{}",
        e.kind()
    );
}

async fn one_typo_in_a_long_word_still_matches(e: &dyn SearchEngine) {
    assert_eq!(
        ids(&run(e, &query("shan tuyat")).await),
        ["d01"],
        "{}",
        e.kind()
    );
    assert_eq!(
        ids(&run(e, &query("thai nguyan")).await),
        ["d02"],
        "{}",
        e.kind()
    );
    // Words under five letters must be exact: "mut" is not "mat".
    assert_eq!(run(e, &query("mut ong ")).await.total, 0, "{}", e.kind());
}

async fn the_last_word_matches_as_a_prefix(e: &dyn SearchEngine) {
    assert_eq!(
        ids(&run(e, &query("ruou ng")).await),
        ["d05"],
        "{}",
        e.kind()
    );
    assert_eq!(ids(&run(e, &query("mat o")).await), ["d06"], "{}", e.kind());
    assert_eq!(
        ids(&run(e, &query("buon ma th")).await),
        ["d07"],
        "{}",
        e.kind()
    );
}

async fn every_word_must_match(e: &dyn SearchEngine) {
    assert_eq!(
        run(e, &query("shan tuyet pottery")).await.total,
        0,
        "{}",
        e.kind()
    );
}

async fn former_province_names_are_searchable(e: &dyn SearchEngine) {
    let r = run(e, &query("ha giang")).await;
    assert_eq!(sorted_ids(&r), ["d01", "d05", "d06"], "{}", e.kind());
}

async fn synonyms_come_from_the_settings_file(e: &dyn SearchEngine) {
    assert_eq!(
        ids(&run(e, &query("che shan tuyet")).await),
        ["d01"],
        "{}",
        e.kind()
    );
}

async fn filters_combine_within_and_across_facets(e: &dyn SearchEngine) {
    let cases: [(&str, SearchQuery, &[&str]); 6] = [
        (
            "stars 4,5",
            SearchQuery {
                stars: vec![4, 5],
                ..query("")
            },
            &["d01", "d02", "d03", "d06", "d07", "d11"],
        ),
        (
            "region",
            SearchQuery {
                regions: vec!["central-highlands".into()],
                ..query("")
            },
            &["d07"],
        ),
        (
            "province",
            SearchQuery {
                provinces: vec!["tuyen-quang".into()],
                ..query("")
            },
            &["d01", "d05", "d06"],
        ),
        (
            "group",
            SearchQuery {
                groups: vec!["handicraft".into()],
                ..query("")
            },
            &["d08", "d09"],
        ),
        (
            "stars 4 in a province",
            SearchQuery {
                stars: vec![4],
                provinces: vec!["tuyen-quang".into()],
                ..query("")
            },
            &["d06"],
        ),
        (
            "text and group",
            SearchQuery {
                groups: vec!["food".into()],
                ..query("tea")
            },
            &["d01", "d02"],
        ),
    ];
    for (label, q, expected) in cases {
        let r = run(e, &q).await;
        assert_eq!(sorted_ids(&r), expected, "{}: {label}", e.kind());
        assert_eq!(r.total, expected.len() as u64, "{}: {label}", e.kind());
    }
}

async fn sorts_order_the_results(e: &dyn SearchEngine) {
    let all = |sort| SearchQuery { sort, ..query("") };
    let r = run(e, &all(Sort::PriceAsc)).await;
    let prices: Vec<i64> = r.hits.iter().map(|h| h.price_vnd.dong()).collect();
    assert_eq!(
        prices,
        [
            80_000, 90_000, 120_000, 130_000, 150_000, 180_000, 210_000, 250_000, 350_000, 500_000
        ],
        "{}",
        e.kind()
    );
    let r = run(e, &all(Sort::PriceDesc)).await;
    assert_eq!(
        r.hits.first().map(|h| h.price_vnd.dong()),
        Some(500_000),
        "{}",
        e.kind()
    );
    assert_eq!(
        r.hits.last().map(|h| h.price_vnd.dong()),
        Some(80_000),
        "{}",
        e.kind()
    );
    let r = run(e, &all(Sort::Stars)).await;
    let stars: Vec<u8> = r.hits.iter().map(|h| h.stars).collect();
    assert!(
        stars.windows(2).all(|w| w[0] >= w[1]),
        "{}: {stars:?}",
        e.kind()
    );
    let r = run(e, &all(Sort::Newest)).await;
    assert_eq!(
        ids(&r),
        [
            "d11", "d09", "d08", "d07", "d06", "d05", "d04", "d03", "d02", "d01"
        ],
        "{}",
        e.kind()
    );
    // Best average first, more reviews breaking a tie, the unrated last in their own order.
    let r = run(e, &all(Sort::Rating)).await;
    assert_eq!(
        ids(&r),
        [
            "d03", "d01", "d02", "d04", "d05", "d06", "d07", "d08", "d09", "d11"
        ],
        "{}",
        e.kind()
    );
}

async fn facet_counts_are_disjunctive(e: &dyn SearchEngine) {
    let r = run(e, &query("")).await;
    assert_eq!(
        r.facets.stars,
        counts(&[("3", 4), ("4", 4), ("5", 2)]),
        "{}",
        e.kind()
    );

    let r = run(
        e,
        &SearchQuery {
            stars: vec![4],
            ..query("")
        },
    )
    .await;
    assert_eq!(r.total, 4, "{}", e.kind());
    assert_eq!(
        r.facets.stars,
        counts(&[("3", 4), ("4", 4), ("5", 2)]),
        "{}: own filter ignored",
        e.kind()
    );
    assert_eq!(
        r.facets.group,
        counts(&[("food", 3), ("herbal", 1)]),
        "{}",
        e.kind()
    );

    let r = run(
        e,
        &SearchQuery {
            stars: vec![4],
            groups: vec!["food".into()],
            ..query("")
        },
    )
    .await;
    assert_eq!(r.total, 3, "{}", e.kind());
    assert_eq!(
        r.facets.stars,
        counts(&[("3", 1), ("4", 3), ("5", 2)]),
        "{}",
        e.kind()
    );
    assert_eq!(
        r.facets.group,
        counts(&[("food", 3), ("herbal", 1)]),
        "{}",
        e.kind()
    );
    assert_eq!(
        r.facets.region,
        counts(&[("central-highlands", 1), ("northern-midlands-mountains", 2)]),
        "{}",
        e.kind()
    );
    assert_eq!(
        r.facets.province,
        counts(&[("dak-lak", 1), ("thai-nguyen", 1), ("tuyen-quang", 1)]),
        "{}",
        e.kind()
    );
}

async fn pagination_has_an_exact_total(e: &dyn SearchEngine) {
    let page = |n| SearchQuery {
        sort: Sort::PriceAsc,
        page: n,
        per_page: 3,
        ..query("")
    };
    let mut seen = Vec::new();
    for (n, size) in [(1, 3), (2, 3), (3, 3), (4, 1), (5, 0)] {
        let r = run(e, &page(n)).await;
        assert_eq!(r.total, 10, "{}: page {n}", e.kind());
        assert_eq!(r.hits.len(), size, "{}: page {n}", e.kind());
        seen.extend(r.hits.iter().map(|h| h.listing_id.clone()));
    }
    let full = run(
        e,
        &SearchQuery {
            sort: Sort::PriceAsc,
            ..query("")
        },
    )
    .await;
    let full: Vec<String> = full.hits.iter().map(|h| h.listing_id.clone()).collect();
    assert_eq!(
        seen,
        full,
        "{}: pages concatenate to the full list",
        e.kind()
    );
}

async fn expired_certificates_are_never_found(e: &dyn SearchEngine) {
    let r = run(e, &query("banh cuon thanh tri")).await;
    assert_eq!(r.total, 0, "{}", e.kind());
    assert!(r.facets.stars.is_empty(), "{}", e.kind());
    assert_eq!(run(e, &query("")).await.total, 10, "{}", e.kind());
}

async fn upserts_and_deletes_take_effect(e: &dyn SearchEngine) {
    let mut changed = corpus().into_iter().find(|d| d.id == "d03").expect("d03");
    changed.price_vnd = Vnd::new(99_000);
    changed.in_stock = false;
    e.upsert(&[changed]).await.expect("upsert");
    let r = run(e, &query("fish sauce")).await;
    assert_eq!(r.hits.len(), 1, "{}", e.kind());
    assert_eq!(
        (r.hits[0].price_vnd.dong(), r.hits[0].in_stock),
        (99_000, false),
        "{}",
        e.kind()
    );

    e.delete(&["d05".into()]).await.expect("delete");
    assert_eq!(run(e, &query("ruou ngo")).await.total, 0, "{}", e.kind());
    let all = e.all_ids().await.expect("ids");
    assert_eq!(all.len(), 10, "{}", e.kind());
    assert!(!all.contains(&"d05".to_owned()), "{}", e.kind());
}

async fn hits_carry_the_api_fields(e: &dyn SearchEngine) {
    let r = run(e, &query("buon ma thuot")).await;
    let hit = &r.hits[0];
    assert_eq!(hit.title_vi, "Cà phê Buôn Ma Thuột", "{}", e.kind());
    assert_eq!(hit.region_code, "central-highlands", "{}", e.kind());
    assert_eq!(hit.certificate_no, "OCOP-T-2025-07", "{}", e.kind());
    assert!(!hit.in_stock, "{}", e.kind());
}

async fn an_outlet_scope_keeps_only_its_products_and_counts_facets_within_it(e: &dyn SearchEngine) {
    let scoped = |text: &str, outlet: &str| SearchQuery {
        outlet: Some(outlet.into()),
        ..query(text)
    };
    let a = run(e, &scoped("", "ocop-a")).await;
    assert_eq!(
        sorted_ids(&a),
        ["d01", "d02"],
        "{}: d10 is expired",
        e.kind()
    );
    assert_eq!(a.total, 2, "{}", e.kind());
    assert_eq!(
        a.facets.stars,
        counts(&[("4", 1), ("5", 1)]),
        "{}",
        e.kind()
    );
    assert_eq!(
        a.facets.province,
        counts(&[("thai-nguyen", 1), ("tuyen-quang", 1)]),
        "{}",
        e.kind()
    );
    // Text and facet filters apply inside the scope.
    assert_eq!(
        ids(&run(e, &scoped("tra", "ocop-b")).await),
        ["d01"],
        "{}",
        e.kind()
    );
    let five = SearchQuery {
        stars: vec![5],
        ..scoped("", "ocop-a")
    };
    let r = run(e, &five).await;
    assert_eq!(ids(&r), ["d01"], "{}", e.kind());
    assert_eq!(
        r.facets.stars,
        counts(&[("4", 1), ("5", 1)]),
        "{}: disjunctive",
        e.kind()
    );
    // Fish sauce (d03) exists, but no outlet carries it; an unknown outlet finds nothing.
    assert_eq!(
        run(e, &scoped("nuoc mam", "ocop-a")).await.total,
        0,
        "{}",
        e.kind()
    );
    assert_eq!(
        run(e, &scoped("", "ocop-zzz")).await.total,
        0,
        "{}",
        e.kind()
    );
}

async fn the_product_kind_ranks_before_the_same_letters_elsewhere(e: &dyn SearchEngine) {
    // "tra": the tea (its kind), then the other tea (its kind through the `che` synonym),
    // and only then "Gốm Bát Tràng", where "tra" is the start of a place's name.
    let r = run(e, &query("tra")).await;
    let found = ids(&r);
    assert_eq!(found.first(), Some(&"d01"), "{}: {found:?}", e.kind());
    let at = |id: &str| found.iter().position(|x| *x == id);
    assert!(at("d02") < at("d08"), "{}: {found:?}", e.kind());
    assert!(at("d08").is_some(), "{}: {found:?}", e.kind());
    // "che": the tea whose kind is "Chè" before the one reached through the synonym.
    let r = run(e, &query("che")).await;
    assert_eq!(ids(&r).first(), Some(&"d02"), "{}: {:?}", e.kind(), ids(&r));
}

macro_rules! conformance {
    ($($behaviour:ident),* $(,)?) => {
        mod embedded_engine {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let loaded = super::embedded().await;
                    super::$behaviour(loaded.engine.as_ref()).await;
                    loaded.cleanup().await;
                }
            )*
        }
        mod meilisearch_engine {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let Some(loaded) = super::meilisearch().await else { return };
                    super::$behaviour(loaded.engine.as_ref()).await;
                    loaded.cleanup().await;
                }
            )*
        }
    };
}

conformance!(
    diacritics_and_case_do_not_matter,
    d_with_stroke_matches_plain_d,
    english_names_match,
    one_typo_in_a_long_word_still_matches,
    the_last_word_matches_as_a_prefix,
    every_word_must_match,
    former_province_names_are_searchable,
    synonyms_come_from_the_settings_file,
    filters_combine_within_and_across_facets,
    sorts_order_the_results,
    facet_counts_are_disjunctive,
    pagination_has_an_exact_total,
    expired_certificates_are_never_found,
    upserts_and_deletes_take_effect,
    hits_carry_the_api_fields,
    an_outlet_scope_keeps_only_its_products_and_counts_facets_within_it,
    the_product_kind_ranks_before_the_same_letters_elsewhere,
);
