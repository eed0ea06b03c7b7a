use crate::helpers::{at, spawn_app, spawn_app_at};

#[tokio::test]
async fn the_home_page_shows_the_demo_catalog() {
    let app = spawn_app().await;
    app.seed_demo().await;

    let response = app.get("/").await;

    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.expect("body");
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("239 sản phẩm OCOP"), "the total is shown");
    let newest = &html[html.find("Sản phẩm mới").expect("new products")..];
    assert_eq!(
        newest.matches("class=\"card\"").count(),
        24,
        "one page of products"
    );
    // Each card shows its product set's picture, 320 px wide with the 800 px size offered.
    assert_eq!(
        newest
            .matches("<img class=\"card-img\" src=\"/media/photos/")
            .count(),
        24
    );
    assert_eq!(newest.matches(" 800w\" sizes=").count(), 24, "{newest}");
    assert!(html.contains("href=\"/provinces/tuyen-quang\""));
}

#[tokio::test]
async fn a_product_page_shows_price_and_certificate_panel() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let (_, list) = app
        .get_json("/api/v1/listings?province=tuyen-quang&per_page=1")
        .await;
    let item = &list["items"][0];
    let slug = item["slug"].as_str().expect("a slug");

    let html = app
        .get(&format!("/products/{slug}"))
        .await
        .text()
        .await
        .expect("body");

    assert!(html.contains(item["certificate_no"].as_str().expect("certificate")));
    assert!(html.contains("Giấy chứng nhận OCOP"));
    assert!(html.contains("Hiệu lực đến"));
    let price = item["price_vnd"].as_i64().expect("price");
    let formatted = ocop_village::domain::money::Vnd::new(price).to_string();
    assert!(html.contains(&formatted), "price shown as {formatted}");
}

#[tokio::test]
async fn the_product_page_of_an_expired_certificate_is_gone() {
    let app = spawn_app_at(at(2026, 11, 22)).await;
    app.seed_demo().await;
    let slug: String = {
        use sea_orm::{ConnectionTrait, Statement};
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT slug FROM listings WHERE state = 'delisted' ORDER BY id LIMIT 1",
            ))
            .await
            .expect("query")
            .expect("a delisted listing");
        row.try_get("", "slug").expect("slug")
    };

    assert_eq!(
        app.get(&format!("/products/{slug}"))
            .await
            .status()
            .as_u16(),
        404
    );
}

fn unescape(html: &str) -> String {
    html.replace("&amp;", "&")
        .replace("&#x3D;", "=")
        .replace("&quot;", "\"")
}

#[tokio::test]
async fn the_search_page_shows_results_and_facet_links_that_work_without_javascript() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.wait_for_outbox().await;
    let (_, api) = app.get_json("/api/v1/search?q=tra&stars=4").await;

    let response = app.get("/search?q=tra&stars=4").await;

    assert_eq!(response.status().as_u16(), 200);
    let html = unescape(&response.text().await.expect("body"));
    assert!(
        html.contains(&format!("{} sản phẩm", api["total"])),
        "the total matches the API"
    );
    assert!(
        html.contains("✓ 4 sao"),
        "the selected facet value is marked"
    );
    // Other star values stay visible with their counts (disjunctive facets) as links that
    // add them to the selection.
    let three = api["facets"]["stars"]["3"].as_u64().expect("3-star count");
    assert!(
        html.contains(&format!(
            "href=\"/search?q=tra&stars=4%2C3\">3 sao</a> <span class=\"count\">({three})"
        )),
        "{html}"
    );
    assert!(
        html.contains("href=\"/search?q=tra\""),
        "removing the selection is a link too"
    );
    let first = api["hits"][0]["title_vi"].as_str().expect("a hit");
    assert!(html.contains(first));
}

#[tokio::test]
async fn the_search_page_answers_bad_filters_with_a_400_page() {
    let app = spawn_app().await;

    // The message is the API's refusal, in the page's language.
    for (path, text) in [
        ("/search?stars=9", "stars phải là 3, 4 hoặc 5"),
        ("/search?stars=9&lang=en", "stars must be 3, 4 or 5"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 400, "{path}");
        let html = response.text().await.expect("body");
        assert!(html.contains(text), "{path}: {html}");
    }
}

#[tokio::test]
async fn the_search_page_says_when_search_is_down() {
    let app = spawn_app().await;
    app.search.set_down(true);

    let response = app.get("/search?q=tra").await;

    assert_eq!(response.status().as_u16(), 503);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Tìm kiếm tạm thời gián đoạn")
    );
}

#[tokio::test]
async fn the_verification_page_says_whether_a_certificate_is_valid_expired_revoked_or_unknown() {
    use ocop_village::db::entities::registry_certificate;
    use sea_orm::EntityTrait;
    let app = spawn_app_at(at(2026, 11, 22)).await;
    app.seed_demo().await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
    let certificates = registry_certificate::Entity::find()
        .all(&app.db)
        .await
        .expect("query");
    let pick = |f: &dyn Fn(&registry_certificate::Model) -> bool| {
        certificates
            .iter()
            .find(|c| f(c))
            .expect("a certificate")
            .certificate_no
            .clone()
    };
    let cases = [
        (
            pick(&|c| c.status == "active" && c.expires_on > today),
            200,
            "Còn hiệu lực",
        ),
        (
            pick(&|c| c.status == "active" && c.expires_on <= today),
            200,
            "Hết hiệu lực",
        ),
        (pick(&|c| c.status == "expired"), 200, "Hết hiệu lực"),
        (pick(&|c| c.status == "revoked"), 200, "Đã bị thu hồi"),
        (
            "OCOP-XX-2099-9999".to_owned(),
            404,
            "Không có trong sổ đăng ký OCOP",
        ),
    ];
    for (number, status, verdict) in cases {
        let response = app.get(&format!("/verify/{number}")).await;
        assert_eq!(response.status().as_u16(), status, "{number}");
        let html = response.text().await.expect("body");
        assert!(html.contains(verdict), "{number}: expected {verdict}");
    }
    // Lower case, as typed from a package, works too; a valid one links to its product.
    let valid = pick(&|c| c.status == "active" && c.expires_on > today);
    let html = app
        .get(&format!("/verify/{}", valid.to_lowercase()))
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("Còn hiệu lực"));
    assert!(
        html.contains("href=\"/products/"),
        "links to the product on sale"
    );
}

#[tokio::test]
async fn the_product_page_links_to_its_verification_page() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let item = app.first_listing().await;
    let slug = item["slug"].as_str().expect("slug");
    let certificate = item["certificate_no"].as_str().expect("certificate");

    let html = app.get_html(&format!("/products/{slug}")).await;

    assert!(html.contains(&format!("href=\"/verify/{certificate}\"")));
}

#[tokio::test]
async fn stylesheets_have_versioned_immutable_urls() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    let start = html
        .find("href=\"/static/site.")
        .expect("a versioned stylesheet")
        + 6;
    let url = &html[start..start + html[start..].find('"').expect("end")];
    assert!(
        url.ends_with(".css") && url.len() == "/static/site.12345678.css".len(),
        "{url}"
    );
    let response = app.get(url).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(response.text().await.expect("css").contains("--green"));
    // The plain name is briefly cached; an outdated fingerprint is gone.
    let plain = app.get("/static/site.css").await;
    assert_eq!(plain.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(
        app.get("/static/site.00000000.css").await.status().as_u16(),
        404
    );
}

#[tokio::test]
async fn region_pages_and_the_five_star_spotlight() {
    let app = spawn_app_at(at(2026, 11, 22)).await;
    app.seed_demo().await;

    let home = app.get_html("/").await;
    let spotlight = &home[home.find("Sản phẩm OCOP 5 sao").expect("a spotlight")
        ..home.find("Sản phẩm mới").expect("new products")];
    let cards = spotlight.matches("class=\"card\"").count();
    assert!((1..=8).contains(&cards), "{cards} cards");
    assert_eq!(
        spotlight.matches("aria-label=\"5 sao\"").count(),
        cards,
        "only 5-star products"
    );
    assert!(home.contains("href=\"/regions/mekong-delta\""));

    let response = app.get("/regions/mekong-delta").await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.expect("body");
    assert!(page.contains("Sản phẩm OCOP vùng"));
    assert!(
        page.contains("href=\"/provinces/can-tho\""),
        "its provinces"
    );
    assert!(
        !page.contains("href=\"/provinces/ha-noi\""),
        "not another region's"
    );
    // Its product count equals the API's sum over its provinces.
    let (_, provinces) = app.get_json("/api/v1/provinces").await;
    let mut expected = 0;
    for p in provinces.as_array().expect("provinces") {
        if p["region_code"] == "mekong-delta" {
            let code = p["code"].as_str().expect("code");
            let (_, list) = app
                .get_json(&format!("/api/v1/listings?province={code}&per_page=1"))
                .await;
            expected += list["total"].as_u64().expect("total");
        }
    }
    assert!(expected > 0);
    assert!(
        page.contains(&format!("{expected} sản phẩm từ")),
        "{expected}"
    );
    assert_eq!(app.get("/regions/atlantis").await.status().as_u16(), 404);
}

#[tokio::test]
async fn english_is_chosen_with_lang_and_remembered_in_a_cookie() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let browser = crate::helpers::browser();
    let get = |path: &str| {
        let request = browser.get(format!("{}{path}", app.address));
        async move { request.send().await.expect("request") }
    };

    // Vietnamese by default, with a link to English that keeps the page.
    let vi = get("/search?q=tra&stars=5")
        .await
        .text()
        .await
        .expect("body");
    assert!(vi.contains("<html lang=\"vi\">"));
    assert!(vi.contains("Hạng sao"));
    assert!(vi.contains("hreflang=\"en\""));
    // (Handlebars escapes `=` and `&` in attributes; browsers decode them.)
    assert!(
        vi.contains("/search?q&#x3D;tra&amp;stars&#x3D;5&amp;lang&#x3D;en"),
        "the switch link keeps the query"
    );

    // ?lang=en switches, sets the cookie, and the next page stays English.
    let response = get("/search?q=tra&stars=5&lang=en").await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ocop_lang=en"))
        .map(str::to_owned);
    assert!(cookie.is_some(), "the choice is remembered");
    let en = response.text().await.expect("body");
    assert!(en.contains("<html lang=\"en\">"));
    for english in [
        "Stars",
        "Region",
        "Product group",
        "Search OCOP products",
        "5 stars",
    ] {
        assert!(en.contains(english), "{english}");
    }
    for vietnamese in [
        "Hạng sao",
        "Nhóm sản phẩm",
        "Trang sau",
        "Tài khoản",
        "Hết hàng",
    ] {
        assert!(
            !en.contains(vietnamese),
            "{vietnamese} left on the English page"
        );
    }
    let home = get("/").await.text().await.expect("body");
    assert!(
        home.contains("<html lang=\"en\">"),
        "remembered by the cookie"
    );
    assert!(home.contains("The OCOP marketplace"));
    assert!(home.contains("og:locale\" content=\"en_US\""));

    // A product page in English: English name, labels and certificate panel.
    let item = app.first_listing().await;
    let product = get(&format!(
        "/products/{}",
        item["slug"].as_str().expect("slug")
    ))
    .await
    .text()
    .await
    .expect("body");
    assert!(product.contains(&format!(
        "<h1>{}</h1>",
        item["title_en"].as_str().expect("en")
    )));
    assert!(product.contains("OCOP certificate"));
    assert!(product.contains("Verify this certificate"));
    // Error pages follow the language too.
    let missing = get("/no-such-page").await.text().await.expect("body");
    assert!(missing.contains("Page not found"));

    // And back to Vietnamese.
    let back = get("/?lang=vi").await.text().await.expect("body");
    assert!(back.contains("<html lang=\"vi\">"));
    assert!(back.contains("Chợ sản phẩm OCOP"));
}
