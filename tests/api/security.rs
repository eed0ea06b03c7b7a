//! Security by default: headers on every response, stored text shown as text, sessions that
//! cannot be fixed by an attacker, the public API's rate limit with a clear 429, and the
//! metrics endpoint's figures and access rule.
use ocop_village::features::selling::ListingInput;

use crate::checkout::listing_of;
use crate::helpers::{
    TestApp, browser, csrf, post_form, sample_registry, spawn_app, spawn_app_tuned,
};

#[tokio::test]
async fn every_response_carries_the_security_headers_and_hsts_only_over_tls() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/api/v1/provinces",
        "/static/site.css",
        "/no-such-page",
        "/account/login",
    ] {
        let response = app.get(path).await;
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'")
                && csp.contains("object-src 'none'")
                && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            h["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(h.contains_key("permissions-policy"), "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "{path}: plain http"
        );
    }
    // Behind a TLS-terminating proxy, or with an https PUBLIC_URL: HSTS.
    let proxied = app
        .client
        .get(format!("{}/", app.address))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("request");
    assert_eq!(
        proxied.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let tls = spawn_app_tuned(|s| s.public_url = Some("https://ocop.example".into())).await;
    assert!(
        tls.get("/")
            .await
            .headers()
            .contains_key("strict-transport-security")
    );
}

#[tokio::test]
async fn a_description_with_a_script_tag_is_shown_as_text() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(
        &app,
        "seller@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        5,
    )
    .await;
    let (_, user) = app.signed_in("member@example.vn").await;
    app.make_member(&user, "2510996049").await;
    let principal = app.principal(&user).await;
    let evil =
        r#"Ngon <script>alert("xss")</script><img src=x onerror=alert(1)> "quote" </script>"#;
    ocop_village::features::selling::update_listing(
        &app.db,
        &principal,
        pid,
        &ListingInput {
            description_vi: Some(evil.into()),
            description_en: Some(evil.into()),
            ..ListingInput::default()
        },
        None,
        app.now,
    )
    .await
    .expect("updated");
    app.wait_for_outbox().await;
    let (_, found) = app.get_json("/api/v1/search?q=OCOP-TQ-2024-0001").await;
    let slug = found["hits"][0]["slug"]
        .as_str()
        .expect("a slug")
        .to_owned();
    let page = app.get_html(&format!("/products/{slug}")).await;
    assert!(!page.contains("<script>alert"), "no live script tag");
    assert!(!page.contains("<img src=x"), "no live image tag");
    assert!(
        page.contains("&lt;script&gt;alert(&quot;xss&quot;)&lt;&#x2F;script&gt;")
            || page.contains("&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"),
        "shown as text"
    );
    // In the JSON-LD block the text cannot close the script element either.
    let ld_start = page.find("application/ld+json").expect("JSON-LD");
    let ld_end = page[ld_start..].find("</script>").expect("its end") + ld_start;
    assert!(
        !page[ld_start..ld_end].contains("<script"),
        "{}",
        &page[ld_start..ld_end]
    );
    assert!(
        !page[ld_start..ld_end].contains("</"),
        "{}",
        &page[ld_start..ld_end]
    );
}

#[tokio::test]
async fn a_session_cookie_planted_before_sign_in_never_becomes_a_signed_in_session() {
    let app = spawn_app().await;
    app.signed_in("lan@example.vn").await;
    // An attacker opens the sign-in page and plants the cookies they got in a victim's browser.
    let attacker = browser();
    let login_page = attacker
        .get(format!("{}/account/login", app.address))
        .send()
        .await
        .expect("page");
    let planted: Vec<(String, String)> = login_page
        .cookies()
        .map(|c| (c.name().to_owned(), c.value().to_owned()))
        .collect();
    let html = login_page.text().await.expect("body");
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    let token = html[at..at + 32].to_owned();
    assert!(!planted.is_empty(), "the sign-in page sets its CSRF cookie");
    assert!(
        planted.iter().all(|(name, _)| name != "ocop_session"),
        "no session before signing in: {planted:?}"
    );
    let cookie_header = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    // The victim signs in with those cookies.
    let victim = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let signed_in = victim
        .post(format!("{}/account/login", app.address))
        .header("cookie", cookie_header(&planted))
        .form(&[
            ("csrf", token.as_str()),
            ("email", "lan@example.vn"),
            ("password", crate::helpers::PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status().as_u16(), 303);
    let issued: Vec<String> = signed_in
        .cookies()
        .filter(|c| c.name() == "ocop_session")
        .map(|c| c.value().to_owned())
        .collect();
    assert_eq!(
        issued.len(),
        1,
        "a fresh session cookie is issued at sign-in"
    );
    assert!(planted.iter().all(|(_, v)| v != &issued[0]));
    // The attacker's cookies alone are still signed out.
    let status = attacker
        .get(format!("{}/account", app.address))
        .header("cookie", cookie_header(&planted))
        .send()
        .await
        .expect("account")
        .status()
        .as_u16();
    assert_eq!(status, 303, "redirected to sign in");
}

#[tokio::test]
async fn the_public_api_answers_429_with_retry_after_past_its_limit() {
    let app = spawn_app_tuned(|s| s.api_rate_per_minute = 5).await;
    for n in 0..5 {
        assert_eq!(
            app.get("/api/v1/provinces").await.status().as_u16(),
            200,
            "request {n}"
        );
    }
    let limited = app.get("/api/v1/search?q=tra").await;
    assert_eq!(limited.status().as_u16(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = limited.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "rate_limited");
    // Pages are not the API: still served.
    assert_eq!(app.get("/").await.status().as_u16(), 200);
}

#[tokio::test]
async fn forms_that_guess_secrets_are_rate_limited_with_a_clear_429() {
    let app = spawn_app().await;
    let client = browser();
    // Sign-up: a burst from one address.
    let mut statuses = Vec::new();
    for n in 0..12 {
        let token = csrf(&app, &client, "/account/signup").await;
        let email = format!("burst{n}@example.vn");
        let response = post_form(
            &app,
            &client,
            "/account/signup",
            &[
                ("csrf", &token),
                ("email", &email),
                ("password", "short"),
                ("display_name", "Thử"),
            ],
        )
        .await;
        statuses.push(response.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let last = statuses.iter().rposition(|s| *s == 429).expect("a 429");
    assert!(statuses[..last].iter().all(|s| *s == 400 || *s == 429));
    let page = {
        let token = csrf(&app, &client, "/account/signup").await;
        post_form(
            &app,
            &client,
            "/account/signup",
            &[
                ("csrf", &token),
                ("email", "again@example.vn"),
                ("password", "short"),
                ("display_name", "Thử"),
            ],
        )
        .await
        .text()
        .await
        .expect("body")
    };
    assert!(
        page.contains("Quá nhiều") || page.contains("quá nhiều"),
        "{page}"
    );
}

async fn metrics(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut request = app.client.get(format!("{}/metrics", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("metrics");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn metrics_report_request_latency_the_outbox_backlog_and_the_search_lag() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (_, pid) = listing_of(
        &app,
        "seller@example.vn",
        "2510996049",
        "OCOP-TQ-2024-0001",
        5,
    )
    .await;
    app.wait_for_outbox().await;
    app.get("/").await;
    app.get("/products/no-such-product").await;
    let (status, text) = metrics(&app, None).await;
    assert_eq!(status, 200, "loopback may read the metrics");
    assert!(
        text.contains(
            r#"ocop_http_request_duration_seconds_count{method="GET",route="/",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/products/{slug}",status="404""#),
        "routes by pattern, not by path: {text}"
    );
    assert!(text.contains("# TYPE ocop_http_request_duration_seconds histogram"));
    assert!(text.contains("ocop_search_sync_lag_seconds 0.0"), "{text}");

    // The search engine goes down; a change waits in the outbox and the lag grows.
    app.search.set_down(true);
    let (_, user) = app.signed_in("member@example.vn").await;
    app.make_member(&user, "2510996049").await;
    let principal = app.principal(&user).await;
    ocop_village::features::selling::update_listing(
        &app.db,
        &principal,
        pid,
        &ListingInput {
            price_vnd: Some(ocop_village::domain::money::Vnd::new(60_000)),
            ..ListingInput::default()
        },
        None,
        app.now - chrono::Duration::seconds(90),
    )
    .await
    .expect("updated");
    let (_, text) = metrics(&app, None).await;
    assert!(
        text.contains(r#"ocop_outbox_backlog{topic="search.listing"} 1"#),
        "{text}"
    );
    let lag: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("ocop_search_sync_lag_seconds "))
        .expect("a lag line")
        .parse()
        .expect("a number");
    assert!((90.0..=91.0).contains(&lag), "{lag}");
    app.search.set_down(false);
    app.wait_for_outbox().await;
    let (_, text) = metrics(&app, None).await;
    assert!(text.contains("ocop_search_sync_lag_seconds 0.0"), "{text}");
    assert!(!text.contains(r#"topic="search.listing""#), "{text}");

    // With a token set, a scrape must carry it.
    let guarded = spawn_app_tuned(|s| {
        s.metrics_token = Some(ocop_village::config::Secret::new("s3cret-scrape".into()))
    })
    .await;
    assert_eq!(metrics(&guarded, None).await.0, 404);
    assert_eq!(metrics(&guarded, Some("wrong")).await.0, 404);
    assert_eq!(metrics(&guarded, Some("s3cret-scrape")).await.0, 200);
}

#[tokio::test]
async fn a_documented_api_path_asked_with_another_method_answers_405_with_allow() {
    let app = spawn_app().await;
    let put = app
        .client
        .put(format!("{}/api/v1/seller/listings", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(put.status().as_u16(), 405);
    assert_eq!(put.headers()["allow"], "GET, POST");
    let body: serde_json::Value = put.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let post = app
        .client
        .post(format!(
            "{}/api/v1/seller/listings/{}/photos/7",
            app.address,
            uuid::Uuid::new_v4()
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(post.status().as_u16(), 405);
    assert_eq!(post.headers()["allow"], "DELETE");
    let unknown = app
        .client
        .post(format!("{}/api/v1/no-such-thing", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status().as_u16(), 404);
}
