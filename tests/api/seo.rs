use crate::helpers::{at, spawn_app, spawn_app_at};

#[tokio::test]
async fn robots_txt_points_at_the_sitemap_and_keeps_crawlers_off_the_api() {
    let app = spawn_app().await;

    let body = app.get("/robots.txt").await.text().await.expect("body");

    assert!(
        body.contains(&format!("Sitemap: {}/sitemap.xml", app.address)),
        "{body}"
    );
    assert!(body.contains("Disallow: /api/"));
    assert!(body.contains("Disallow: /seller"));
    assert!(
        !body.contains("Disallow: /search"),
        "search pages stay crawlable"
    );
}

#[tokio::test]
async fn the_sitemap_lists_only_products_a_shopper_may_find() {
    let app = spawn_app_at(at(2026, 11, 22)).await;
    app.seed_demo().await;

    let response = app.get("/sitemap.xml").await;

    assert_eq!(response.status().as_u16(), 200);
    let xml = response.text().await.expect("body");
    assert_eq!(
        xml.matches("/products/").count(),
        239,
        "visible products only"
    );
    // And the producer page of every seller with a product on sale.
    let producers = xml.matches("/producers/").count();
    assert!(producers > 50 && producers < 239, "{producers} producers");
    assert_eq!(xml.matches("<loc>").count(), 239 + 34 + 6 + 2 + producers);
    assert!(xml.contains("/regions/mekong-delta</loc>"));
    let delisted = app.count("listings", "state = 'delisted'").await;
    assert_eq!(delisted, 101);
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT slug FROM listings WHERE state = 'delisted'",
        ))
        .await
        .expect("query");
    for row in rows {
        let slug: String = row.try_get("", "slug").expect("slug");
        assert!(
            !xml.contains(&format!("/products/{slug}<")),
            "{slug} is delisted"
        );
    }
}

#[tokio::test]
async fn a_product_page_carries_canonical_open_graph_and_product_json_ld() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let item = app.first_listing().await;
    let slug = item["slug"].as_str().expect("slug");

    let html = app.get_html(&format!("/products/{slug}")).await;

    let url = format!("{}/products/{slug}", app.address);
    assert!(
        html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")),
        "canonical"
    );
    assert!(html.contains("<meta property=\"og:type\" content=\"product\">"));
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("JSON-LD")
        + 35;
    let end = start + html[start..].find("</script>").expect("end of script");
    let ld: serde_json::Value = serde_json::from_str(&html[start..end]).expect("valid JSON-LD");
    assert_eq!(ld["@type"], "Product");
    assert_eq!(ld["name"], item["title_vi"]);
    assert_eq!(ld["offers"]["price"], item["price_vnd"]);
    assert_eq!(ld["offers"]["priceCurrency"], "VND");
    assert_eq!(ld["offers"]["url"], url.as_str());
}

#[tokio::test]
async fn only_a_plain_query_page_may_be_indexed() {
    let app = spawn_app().await;
    let noindex = "<meta name=\"robots\" content=\"noindex,follow\">";

    let plain = app.get_html("/search?q=tr%C3%A0").await;
    assert!(!plain.contains(noindex));
    // Handlebars escapes `=` in attributes; a browser reads `&#x3D;` as `=`.
    assert!(plain.contains(&format!(
        "<link rel=\"canonical\" href=\"{}/search?q&#x3D;tr%C3%A0\">",
        app.address
    )));

    for variant in [
        "/search?q=tra&stars=5",
        "/search?q=tra&sort=price_asc",
        "/search?q=tra&page=2",
        "/search",
    ] {
        let html = app.get_html(variant).await;
        assert!(html.contains(noindex), "{variant}");
        assert!(!html.contains("rel=\"canonical\""), "{variant}");
    }
}
