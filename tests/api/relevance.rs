//! Search that understands shoppers, on the demo catalog (the app's engine: embedded, or
//! Meilisearch under `TEST_SEARCH_ENGINE=meilisearch`): a one-word product kind ranks that
//! kind first, suggestions while typing, corrected spellings, relaxed matches and filters that
//! empty the page.
use std::time::Duration;

use ocop_village::db::entities::listing;
use ocop_village::domain::text::fold;
use ocop_village::features::catalog::ListingState;
use ocop_village::features::catalog::commands::{ListingChanges, update_listing};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, spawn_app};

async fn demo() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.wait_for_outbox().await;
    app
}

/// The suggestions for `q` once `ready` holds for them (the vocabulary is rebuilt in the
/// background after the index changes); panics after 20 s.
async fn suggestions_when(
    app: &TestApp,
    q: &str,
    ready: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let path = format!("/api/v1/suggest?q={}", urlencoding(q));
    for _ in 0..100 {
        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, 200, "{body}");
        let list = body["suggestions"].as_array().cloned().unwrap_or_default();
        if ready(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no suggestions for {q:?} as expected");
}

/// A page with handlebars' attribute escapes undone, to compare with plain text.
async fn html(app: &TestApp, path: &str) -> String {
    app.get_html(path)
        .await
        .replace("&amp;", "&")
        .replace("&#x3D;", "=")
        .replace("&quot;", "\"")
}

fn urlencoding(q: &str) -> String {
    serde_urlencoded::to_string([("q", q)])
        .expect("encodes")
        .trim_start_matches("q=")
        .to_owned()
}

#[tokio::test]
async fn one_word_product_kinds_rank_that_kind_first() {
    let app = demo().await;
    for (q, kind) in [
        ("tra", "tra"),
        ("trà", "tra"),
        ("ca phe", "ca phe"),
        ("mat ong", "mat ong"),
    ] {
        let (_, body) = app
            .get_json(&format!("/api/v1/search?q={}&per_page=10", urlencoding(q)))
            .await;
        let titles: Vec<String> = body["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| fold(h["title_vi"].as_str().expect("title")))
            .collect();
        // Teas may be "Trà …" or "Hồng trà …". Every product of the kind comes before any
        // other match (a place, "Bánh tét Trà Cuôn", or a word inside another name).
        let of_kind = |t: &String| {
            t.starts_with(&format!("{kind} ")) || t.starts_with(&format!("hong {kind} "))
        };
        let first_other = titles
            .iter()
            .position(|t| !of_kind(t))
            .unwrap_or(titles.len());
        assert!(
            titles[first_other..].iter().all(|t| !of_kind(t)),
            "{q}: {titles:?}"
        );
        assert!(first_other >= 5, "{q}: {titles:?}");
    }
    // "tra": the demo has more than ten teas, so the whole first page is tea.
    let (_, body) = app.get_json("/api/v1/search?q=tra&per_page=10").await;
    assert!(
        body["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .all(|h| fold(h["title_vi"].as_str().expect("title")).contains("tra ")),
        "{body}"
    );
}

#[tokio::test]
async fn suggestions_offer_kinds_products_producers_and_provinces_on_sale() {
    let app = demo().await;
    let list = suggestions_when(&app, "mật o", |l| !l.is_empty()).await;
    assert_eq!(list[0]["kind"], "kind", "{list:?}");
    assert_eq!(list[0]["label"], "Mật ong", "{list:?}");
    assert!(list[0]["count"].as_u64().expect("count") >= 2);
    assert!(
        list[0]["href"]
            .as_str()
            .expect("href")
            .starts_with("/search?q="),
        "{list:?}"
    );
    let products: Vec<&serde_json::Value> =
        list.iter().filter(|s| s["kind"] == "product").collect();
    assert!(!products.is_empty() && products.len() <= 5, "{list:?}");
    assert!(
        products
            .iter()
            .all(|p| p["href"].as_str().expect("href").starts_with("/products/"))
    );

    // Without diacritics, a former province leads to today's.
    let list = suggestions_when(&app, "ha gia", |l| {
        l.iter().any(|s| s["kind"] == "province")
    })
    .await;
    let province = list
        .iter()
        .find(|s| s["kind"] == "province")
        .expect("a province");
    assert_eq!(province["href"], "/provinces/tuyen-quang", "{list:?}");
    // A producer, by a word of its name.
    let list = suggestions_when(&app, "nhật quý", |l| {
        l.iter().any(|s| s["kind"] == "producer")
    })
    .await;
    assert!(
        list.iter().any(|s| s["kind"] == "producer"
            && s["href"].as_str().expect("href").starts_with("/producers/"))
    );

    // A product taken off sale is not suggested, even before the vocabulary is rebuilt.
    let list = suggestions_when(&app, "yến sào", |l| {
        l.iter().any(|s| s["kind"] == "product")
    })
    .await;
    let href = list
        .iter()
        .find(|s| s["kind"] == "product")
        .and_then(|s| s["href"].as_str())
        .expect("a product")
        .to_owned();
    let slug = href.trim_start_matches("/products/");
    let paused = listing::Entity::find()
        .filter(listing::Column::Slug.eq(slug))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the listing");
    update_listing(
        &app.db,
        paused.pid,
        ListingChanges {
            state: Some(ListingState::Paused),
            ..Default::default()
        },
        app.now,
    )
    .await
    .expect("pause");
    let (_, body) = app
        .get_json(&format!("/api/v1/suggest?q={}", urlencoding("yến sào")))
        .await;
    assert!(
        !body["suggestions"]
            .as_array()
            .expect("list")
            .iter()
            .any(|s| s["href"] == href.as_str()),
        "{body}"
    );

    // Nothing typed: nothing suggested; too long: a clear 400.
    let (status, body) = app.get_json("/api/v1/suggest?q=").await;
    assert_eq!(
        (status, body["suggestions"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    let (status, body) = app
        .get_json(&format!("/api/v1/suggest?q={}", "a".repeat(201)))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "query_too_long", "{body}");
}

#[tokio::test]
async fn a_search_that_finds_nothing_is_corrected_or_relaxed_and_says_so() {
    let app = demo().await;
    // Wait for the vocabulary (it holds the words corrections come from).
    suggestions_when(&app, "mat", |l| !l.is_empty()).await;

    // "onng" is too short for a typo: the corrected spelling's results, and the page says so.
    let page = html(&app, "/search?q=mat%20onng").await;
    assert!(page.contains("Đang hiện kết quả cho “mat ong”"), "{page}");
    assert!(
        !page.contains("Không tìm thấy sản phẩm phù hợp"),
        "results are shown"
    );
    assert!(page.contains("Mật ong"), "honey is found");
    assert!(
        page.contains("noindex"),
        "another spelling's page is not for search engines"
    );

    // A word no product has: the best partial match.
    let page = html(&app, "/search?q=mat%20ong%20zzzzqq").await;
    assert!(
        page.contains("Không sản phẩm nào khớp mọi từ của “mat ong zzzzqq”"),
        "{page}"
    );
    assert!(page.contains("Đang hiện kết quả cho “mat ong”"), "{page}");
    assert!(page.contains("Mật ong"));

    // Results for the words as typed (one typo tolerated), with the exact spelling offered.
    let page = html(&app, "/search?q=tra%20shann").await;
    assert!(page.contains("Có phải bạn muốn tìm:"), "{page}");
    assert!(page.contains("href=\"/search?q=tra+shan\""), "{page}");

    // Nothing at all: the plain empty message, no notice.
    let page = html(&app, "/search?q=qqqqzzzz").await;
    assert!(page.contains("Không tìm thấy sản phẩm phù hợp"), "{page}");
    assert!(!page.contains("Đang hiện kết quả cho"));
}

#[tokio::test]
async fn filters_that_empty_the_page_show_with_a_zero_and_clear_in_one_click() {
    let app = demo().await;
    // No five-star tea from Huế in the demo.
    let page = html(&app, "/search?q=tra&stars=5&province=hue").await;
    assert!(
        page.contains("Bộ lọc đang chọn không còn sản phẩm nào:"),
        "{page}"
    );
    // The province filter, with what removing it shows: the five-star teas elsewhere.
    let remove_province = page
        .split("<li><a href=\"")
        .skip(1)
        .find(|chunk| chunk.contains("Bỏ lọc “Huế”"))
        .and_then(|chunk| chunk.split('"').next())
        .expect("a link removing Huế")
        .to_owned();
    assert!(!remove_province.contains("province="), "{remove_province}");
    let promised: u64 = page
        .split("Bỏ lọc “Huế” (")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(promised > 0);
    let (_, body) = app.get_json(&format!("/api/v1{remove_province}")).await;
    assert_eq!(body["total"].as_u64(), Some(promised), "{body}");
    // Each selected value still shows in the sidebar with its zero, as a link that removes it.
    assert!(page.contains("aria-current=\"true\""));
}
