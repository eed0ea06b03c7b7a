use ocop_village::db::entities::user;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{PASSWORD, TestApp, browser, csrf, post_form, spawn_app};

async fn sign_up(app: &TestApp, client: &reqwest::Client, email: &str) -> reqwest::Response {
    let token = csrf(app, client, "/account/signup").await;
    post_form(
        app,
        client,
        "/account/signup",
        &[
            ("csrf", &token),
            ("email", email),
            ("password", PASSWORD),
            ("display_name", "Chị Lan"),
        ],
    )
    .await
}

async fn account_status(app: &TestApp, client: &reqwest::Client) -> (u16, String) {
    let response = client
        .get(format!("{}/account", app.address))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn signing_up_starts_a_session_and_stores_only_an_argon2_hash() {
    let app = spawn_app().await;
    let client = browser();

    let response = sign_up(&app, &client, "Lan@Example.com").await;

    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/account");
    let (status, html) = account_status(&app, &client).await;
    assert_eq!(status, 200);
    assert!(html.contains("lan@example.com"));
    assert!(html.contains("Chị Lan"));
    let stored = user::Entity::find()
        .filter(user::Column::Email.eq("lan@example.com"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the user");
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(PASSWORD));
}

#[tokio::test]
async fn sign_up_rejects_bad_fields_and_a_taken_email() {
    let app = spawn_app().await;
    let client = browser();
    sign_up(&app, &client, "lan@example.com").await;

    let taken = sign_up(&app, &browser(), "LAN@example.com").await;
    assert_eq!(taken.status().as_u16(), 400);
    assert!(
        taken
            .text()
            .await
            .expect("body")
            .contains("đã có tài khoản")
    );

    let other = browser();
    let token = csrf(&app, &other, "/account/signup").await;
    let bad = post_form(
        &app,
        &other,
        "/account/signup",
        &[
            ("csrf", &token),
            ("email", "nope"),
            ("password", "short"),
            ("display_name", ""),
        ],
    )
    .await;
    assert_eq!(bad.status().as_u16(), 400);
    let html = bad.text().await.expect("body");
    for message in ["E-mail không hợp lệ", "ít nhất 10 ký tự", "Tên hiển thị"] {
        assert!(
            html.to_lowercase().contains(&message.to_lowercase()),
            "{message}"
        );
    }
    assert_eq!(app.count("users", "").await, 1);
}

#[tokio::test]
async fn forms_without_the_browsers_csrf_token_are_refused() {
    let app = spawn_app().await;
    let client = browser();
    csrf(&app, &client, "/account/signup").await;

    let forged = post_form(
        &app,
        &client,
        "/account/signup",
        &[
            ("csrf", "0123456789abcdef0123456789abcdef"),
            ("email", "x@example.com"),
            ("password", PASSWORD),
            ("display_name", "X"),
        ],
    )
    .await;
    // Another site's page has no CSRF cookie at all.
    let cross_site = post_form(
        &app,
        &browser(),
        "/account/signup",
        &[
            ("csrf", ""),
            ("email", "y@example.com"),
            ("password", PASSWORD),
            ("display_name", "Y"),
        ],
    )
    .await;

    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(cross_site.status().as_u16(), 403);
    assert_eq!(app.count("users", "").await, 0);
}

#[tokio::test]
async fn signing_in_and_out() {
    let app = spawn_app().await;
    sign_up(&app, &browser(), "lan@example.com").await;
    let client = browser();

    let token = csrf(&app, &client, "/account/login").await;
    let wrong = post_form(
        &app,
        &client,
        "/account/login",
        &[
            ("csrf", &token),
            ("email", "lan@example.com"),
            ("password", "not the password"),
        ],
    )
    .await;
    assert_eq!(wrong.status().as_u16(), 400);
    assert!(wrong.text().await.expect("body").contains("không đúng"));
    assert_eq!(
        account_status(&app, &client).await.0,
        303,
        "still signed out"
    );

    let right = post_form(
        &app,
        &client,
        "/account/login",
        &[
            ("csrf", &token),
            ("email", "LAN@example.com"),
            ("password", PASSWORD),
            ("next", "/search?q=tra"),
        ],
    )
    .await;
    assert_eq!(right.status().as_u16(), 303);
    assert_eq!(right.headers()["location"], "/search?q=tra");
    assert_eq!(account_status(&app, &client).await.0, 200);

    let out = post_form(&app, &client, "/account/logout", &[("csrf", &token)]).await;
    assert_eq!(out.status().as_u16(), 303);
    let (status, _) = account_status(&app, &client).await;
    assert_eq!(status, 303, "signed out");
}

#[tokio::test]
async fn a_sign_in_never_redirects_off_site() {
    let app = spawn_app().await;
    sign_up(&app, &browser(), "lan@example.com").await;
    for next in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let client = browser();
        let token = csrf(&app, &client, "/account/login").await;
        let response = post_form(
            &app,
            &client,
            "/account/login",
            &[
                ("csrf", &token),
                ("email", "lan@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ],
        )
        .await;
        assert_eq!(response.headers()["location"], "/account", "{next}");
    }
}

#[tokio::test]
async fn a_tampered_or_voided_session_cookie_is_ignored() {
    let app = spawn_app().await;
    let client = browser();
    sign_up(&app, &client, "lan@example.com").await;
    assert_eq!(account_status(&app, &client).await.0, 200);

    // A forged cookie: someone else's claims, no valid signature.
    let forged = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = forged
        .get(format!("{}/account", app.address))
        .header("cookie", "ocop_session=%7B%22u%22%3A%2200000000-0000-0000-0000-000000000000%22%2C%22e%22%3A0%2C%22x%22%3A9999999999%7D")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 303);

    // Bumping the epoch (password change, "sign out everywhere") voids existing sessions.
    use sea_orm::{ConnectionTrait, Statement};
    app.db
        .execute_raw(Statement::from_string(
            app.db.get_database_backend(),
            "UPDATE users SET session_epoch = session_epoch + 1",
        ))
        .await
        .expect("update");
    assert_eq!(account_status(&app, &client).await.0, 303);
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_rate_limited_with_a_clear_429() {
    let app = spawn_app().await;
    sign_up(&app, &browser(), "lan@example.com").await;
    let client = browser();
    let token = csrf(&app, &client, "/account/login").await;
    for _ in 0..5 {
        let r = post_form(
            &app,
            &client,
            "/account/login",
            &[
                ("csrf", &token),
                ("email", "lan@example.com"),
                ("password", "wrong guess!"),
            ],
        )
        .await;
        assert_eq!(r.status().as_u16(), 400);
    }

    let blocked = post_form(
        &app,
        &client,
        "/account/login",
        &[
            ("csrf", &token),
            ("email", "lan@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;

    assert_eq!(
        blocked.status().as_u16(),
        429,
        "even the right password waits"
    );
    assert_eq!(blocked.headers()["retry-after"], "900");
    assert!(
        blocked
            .text()
            .await
            .expect("body")
            .contains("Quá nhiều lần thử")
    );
    // Another account is not affected by this e-mail's limit.
    sign_up(&app, &browser(), "minh@example.com").await;
    let other = post_form(
        &app,
        &client,
        "/account/login",
        &[
            ("csrf", &token),
            ("email", "minh@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(other.status().as_u16(), 303);
}

/// The path of the first link to this site in a message's text.
fn link_path(app: &TestApp, text: &str) -> String {
    let start = text.find(&app.address).expect("a link to the site");
    let rest = &text[start + app.address.len()..];
    rest.split_whitespace().next().expect("a path").to_owned()
}

#[tokio::test]
async fn signing_up_mails_a_verification_link_that_works_once() {
    let app = spawn_app().await;
    let client = browser();
    sign_up(&app, &client, "lan@example.com").await;
    app.wait_for_outbox().await;

    let sent = app.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "lan@example.com");
    assert!(sent[0].subject.contains("Xác minh"));
    assert!(sent[0].html.contains("Xác minh e-mail"));
    let path = link_path(&app, &sent[0].text);
    assert!(path.starts_with("/account/verify?token="), "{path}");
    assert!(
        account_status(&app, &client)
            .await
            .1
            .contains("chưa xác minh")
    );

    let first = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(first.status().as_u16(), 200);
    assert!(
        first
            .text()
            .await
            .expect("body")
            .contains("Đã xác minh e-mail")
    );
    assert_eq!(app.count("users", "email_verified_at IS NOT NULL").await, 1);
    assert!(
        !account_status(&app, &client)
            .await
            .1
            .contains("chưa xác minh")
    );

    let again = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(again.status().as_u16(), 400, "a link works once");
}

#[tokio::test]
async fn forged_and_expired_verification_links_are_refused() {
    let app = spawn_app().await;
    sign_up(&app, &browser(), "lan@example.com").await;
    app.wait_for_outbox().await;
    let path = link_path(&app, &app.mailer.sent()[0].text);

    let forged = app.get("/account/verify?token=0000").await;
    assert_eq!(forged.status().as_u16(), 400);

    use sea_orm::{ConnectionTrait, Statement};
    app.db
        .execute_raw(Statement::from_string(
            app.db.get_database_backend(),
            "UPDATE verification_tokens SET expires_at = created_at",
        ))
        .await
        .expect("expire the token");
    assert_eq!(app.get(&path).await.status().as_u16(), 400);
    assert_eq!(app.count("users", "email_verified_at IS NULL").await, 1);
}

#[tokio::test]
async fn mail_waits_out_an_smtp_outage_and_is_sent_once() {
    let app = spawn_app().await;
    app.mailer.set_down(true);

    let response = sign_up(&app, &browser(), "lan@example.com").await;

    assert_eq!(
        response.status().as_u16(),
        303,
        "sign-up does not wait for mail"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.mailer.sent().is_empty());
    assert_eq!(
        app.count(
            "outbox",
            "topic = 'mail.send' AND done_at IS NULL AND attempts > 0"
        )
        .await,
        1,
        "the message waits with its error"
    );
    app.mailer.set_down(false);
    app.wait_for_outbox().await;
    assert_eq!(app.mailer.sent().len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.mailer.sent().len(), 1, "and only once");
}

#[tokio::test]
async fn a_password_reset_changes_the_password_once_and_signs_out_every_session() {
    let app = spawn_app().await;
    let old_session = browser();
    sign_up(&app, &old_session, "lan@example.com").await;
    app.wait_for_outbox().await;

    let client = browser();
    let token = csrf(&app, &client, "/account/password/forgot").await;
    let answer = post_form(
        &app,
        &client,
        "/account/password/forgot",
        &[("csrf", &token), ("email", "LAN@example.com")],
    )
    .await;
    assert_eq!(answer.status().as_u16(), 200);
    app.wait_for_outbox().await;
    let mail = app.mailer.sent().pop().expect("a reset mail");
    assert_eq!(mail.to, "lan@example.com");
    let path = link_path(&app, &mail.text);
    assert!(path.starts_with("/account/password/reset?token="), "{path}");

    let form_token = csrf(&app, &client, &path).await;
    let reset_token = path.split("token=").nth(1).expect("token").to_owned();
    let short = post_form(
        &app,
        &client,
        "/account/password/reset",
        &[
            ("csrf", &form_token),
            ("token", &reset_token),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(short.status().as_u16(), 400);
    let done = post_form(
        &app,
        &client,
        "/account/password/reset",
        &[
            ("csrf", &form_token),
            ("token", &reset_token),
            ("password", "mật khẩu mới rất dài"),
        ],
    )
    .await;
    assert_eq!(done.status().as_u16(), 200);
    assert!(done.text().await.expect("body").contains("Đã đổi mật khẩu"));

    assert_eq!(
        account_status(&app, &old_session).await.0,
        303,
        "old sessions are over"
    );
    let again = post_form(
        &app,
        &client,
        "/account/password/reset",
        &[
            ("csrf", &form_token),
            ("token", &reset_token),
            ("password", "another long one"),
        ],
    )
    .await;
    assert_eq!(again.status().as_u16(), 400, "a reset link works once");
    let login_token = csrf(&app, &client, "/account/login").await;
    let old = post_form(
        &app,
        &client,
        "/account/login",
        &[
            ("csrf", &login_token),
            ("email", "lan@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(old.status().as_u16(), 400);
    let new = post_form(
        &app,
        &client,
        "/account/login",
        &[
            ("csrf", &login_token),
            ("email", "lan@example.com"),
            ("password", "mật khẩu mới rất dài"),
        ],
    )
    .await;
    assert_eq!(new.status().as_u16(), 303);
}

#[tokio::test]
async fn a_reset_request_for_an_unknown_address_looks_the_same_and_sends_nothing() {
    let app = spawn_app().await;
    sign_up(&app, &browser(), "lan@example.com").await;
    app.wait_for_outbox().await;
    let client = browser();
    let token = csrf(&app, &client, "/account/password/forgot").await;

    let known = post_form(
        &app,
        &client,
        "/account/password/forgot",
        &[("csrf", &token), ("email", "lan@example.com")],
    )
    .await;
    let unknown = post_form(
        &app,
        &client,
        "/account/password/forgot",
        &[("csrf", &token), ("email", "nobody@example.com")],
    )
    .await;

    assert_eq!(known.status(), unknown.status());
    let strip = |html: String| html.replace(&token, "");
    assert_eq!(
        strip(known.text().await.expect("body")),
        strip(unknown.text().await.expect("body"))
    );
    app.wait_for_outbox().await;
    let sent = app.mailer.sent();
    assert_eq!(sent.len(), 2, "the verification mail and one reset mail");
    assert!(sent.iter().all(|m| m.to == "lan@example.com"));
    assert_eq!(
        app.get("/account/password/reset?token=forged")
            .await
            .status()
            .as_u16(),
        400
    );
}

#[tokio::test]
async fn form_and_rule_messages_follow_the_chosen_language() {
    let app = spawn_app().await;
    let client = browser();
    // Choosing English once is remembered in a cookie for every later page and form.
    client
        .get(format!("{}/?lang=en", app.address))
        .send()
        .await
        .expect("home");
    let token = csrf(&app, &client, "/account/signup").await;
    let refused = post_form(
        &app,
        &client,
        "/account/signup",
        &[
            ("csrf", &token),
            ("email", "not-an-address"),
            ("password", "short"),
            ("display_name", "Lan"),
        ],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 400);
    let page = refused.text().await.expect("body");
    assert!(
        page.contains("The password needs at least 10 characters."),
        "{page}"
    );
    assert!(page.contains("This e-mail address is not valid."));

    // The same rule in Vietnamese for a browser that did not switch.
    let vietnamese = browser();
    let token = csrf(&app, &vietnamese, "/account/signup").await;
    let refused = post_form(
        &app,
        &vietnamese,
        "/account/signup",
        &[
            ("csrf", &token),
            ("email", "lan@example.vn"),
            ("password", "short"),
            ("display_name", "Lan"),
        ],
    )
    .await;
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("Mật khẩu cần ít nhất 10 ký tự.")
    );

    // Onboarding rules too.
    let (applicant, _) = app.signed_in("minh@example.vn").await;
    applicant
        .get(format!("{}/?lang=en", app.address))
        .send()
        .await
        .expect("home");
    let token = csrf(&app, &applicant, "/seller/apply").await;
    let refused = post_form(
        &app,
        &applicant,
        "/seller/apply",
        &[("csrf", &token), ("registration_no", "12ab")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 400);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("A business registration number has 10 or 13 digits.")
    );
}
