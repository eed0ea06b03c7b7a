use crate::helpers::spawn_app;

#[tokio::test]
async fn a_former_province_url_redirects_permanently_to_the_current_province() {
    let app = spawn_app().await;
    let cases = [
        ("/provinces/ha-giang", "/provinces/tuyen-quang"),
        ("/provinces/H%C3%A0%20Giang", "/provinces/tuyen-quang"),
        ("/provinces/thua-thien-hue", "/provinces/hue"),
        ("/provinces/bac-lieu", "/provinces/ca-mau"),
        ("/provinces/Hanoi", "/provinces/ha-noi"),
    ];
    for (path, target) in cases {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 308, "{path}");
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some(target),
            "{path}"
        );
    }
    assert_eq!(
        app.get("/provinces/tuyen-quang").await.status().as_u16(),
        200
    );
    assert_eq!(app.get("/provinces/atlantis").await.status().as_u16(), 404);
}

#[tokio::test]
async fn the_api_resolves_former_province_names_and_spelling_variants() {
    let app = spawn_app().await;
    let cases = [
        ("Hà%20Giang", "tuyen-quang", true),
        ("ha%20giang", "tuyen-quang", true),
        ("Th%E1%BB%ABa%20Thi%C3%AAn%20-%20Hu%E1%BA%BF", "hue", false),
        ("tuyen-quang", "tuyen-quang", false),
        ("T%E1%BB%89nh%20B%E1%BA%A1c%20Li%C3%AAu", "ca-mau", true),
    ];
    for (name, code, legacy) in cases {
        let (status, body) = app
            .get_json(&format!("/api/v1/provinces/resolve?name={name}"))
            .await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(body["province_code"], code, "{name}");
        assert_eq!(body["legacy"], legacy, "{name}");
    }
    let (status, body) = app
        .get_json("/api/v1/provinces/resolve?name=Atlantis")
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");

    let (status, body) = app.get_json("/api/v1/provinces").await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(34));
}

#[tokio::test]
async fn filtering_listings_by_a_former_province_finds_the_current_provinces_products() {
    let app = spawn_app().await;
    app.seed_demo().await;

    let (status, by_legacy) = app
        .get_json("/api/v1/listings?province=H%C3%A0%20Giang&per_page=100")
        .await;
    let (_, by_code) = app
        .get_json("/api/v1/listings?province=tuyen-quang&per_page=100")
        .await;

    assert_eq!(status, 200);
    let expected = app
        .count(
            "listings l JOIN registry_certificates c ON c.id = l.certificate_id",
            "c.province_code = 'tuyen-quang' AND l.state = 'published'",
        )
        .await;
    assert!(expected > 0);
    assert_eq!(by_legacy["total"], expected);
    assert_eq!(by_legacy, by_code);
    let items = by_legacy["items"].as_array().expect("items");
    assert!(items.iter().all(|i| i["province_code"] == "tuyen-quang"));
}

#[tokio::test]
async fn a_province_lists_its_communes_on_the_2025_map_under_any_of_its_names() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/provinces/ha-noi/communes").await;
    assert_eq!(status, 200);
    let communes = body["communes"].as_array().expect("communes");
    assert_eq!(communes.len(), 126);
    assert!(
        communes
            .iter()
            .any(|c| c["name"] == "Phường Hoàn Kiếm" && c["code"] == 70 && c["kind"] == "phường")
    );
    // A former province answers with the province it is part of now.
    let (status, body) = app.get_json("/api/v1/provinces/ha-giang/communes").await;
    assert_eq!(status, 200);
    assert_eq!(body["province_code"], "tuyen-quang");
    let (status, body) = app.get_json("/api/v1/provinces/atlantis/communes").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}
