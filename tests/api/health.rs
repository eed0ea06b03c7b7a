use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_with_a_request_id() {
    let app = spawn_app().await;

    let health = app.get("/healthz").await;
    assert_eq!(health.status().as_u16(), 200);
    assert!(health.headers().contains_key("x-request-id"));

    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn bad_api_input_gets_a_400_with_a_stable_code() {
    let app = spawn_app().await;
    let cases = [
        ("/api/v1/listings?page=0", "invalid_page"),
        ("/api/v1/listings?per_page=1000", "invalid_per_page"),
        ("/api/v1/listings?page=abc", "invalid_query"),
        ("/api/v1/listings?province=Atlantis", "unknown_province"),
        ("/api/v1/listings?group=jewellery", "unknown_group"),
    ];
    for (path, code) in cases {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body["error"]["code"], code, "{path}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn api_refusals_read_in_vietnamese_or_english_with_the_parsers_detail_apart() {
    let app = spawn_app().await;

    let (status, vi) = app.get_json("/api/v1/listings?province=Atlantis").await;
    let (_, en) = app
        .get_json("/api/v1/listings?province=Atlantis&lang=en")
        .await;
    assert_eq!(
        (status, &vi["error"]["code"], &en["error"]["code"]),
        (400, &"unknown_province".into(), &"unknown_province".into())
    );
    assert_eq!(vi["error"]["message"], "Không có tỉnh/thành \"Atlantis\".");
    assert_eq!(en["error"]["message"], "Unknown province \"Atlantis\".");
    assert!(vi["error"].get("detail").is_none(), "{vi}");

    // What the parser said stays apart, untranslated.
    let (status, body) = app.get_json("/api/v1/listings?page=abc&lang=en").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    assert_eq!(body["error"]["message"], "Invalid query parameters.");
    assert!(
        body["error"]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("invalid digit")),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_routes_get_a_404_page_or_a_json_404_under_the_api() {
    let app = spawn_app().await;

    let page = app.get("/no-such-page").await;
    assert_eq!(page.status().as_u16(), 404);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("Không tìm thấy trang")
    );

    let (status, body) = app.get_json("/api/v1/no-such-endpoint").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_suite_runs_on_the_database_it_was_asked_for() {
    use sea_orm::DbBackend;
    let app = spawn_app().await;
    let expected = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => DbBackend::Postgres,
        _ => DbBackend::Sqlite,
    };
    assert_eq!(app.db.get_database_backend(), expected);
}
