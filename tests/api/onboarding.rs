//! Seller onboarding: the code goes to the registry contact, wrong/reused/expired codes fail,
//! and applications without a contact go to the province's officers, who approve or reject.
use ocop_village::db::entities::{membership, seller_application};
use ocop_village::features::onboarding::{self, OnboardingError};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::helpers::{TestApp, csrf, post_form, sample_registry, spawn_app};

/// Tuyên Quang, contact ruou-chi-vuong@example.com, three active certificates.
const WITH_CONTACT: &str = "2510996049";
const CONTACT: &str = "ruou-chi-vuong@example.com";
/// Điện Biên, no contact address, active certificates.
const NO_CONTACT: &str = "8358473853009";
/// Hưng Yên, a contact, but only an expired certificate.
const NO_ACTIVE: &str = "8853816679003";

async fn app_with_registry() -> TestApp {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    app
}

/// Applies through the form; returns the application page's path.
async fn apply(app: &TestApp, client: &reqwest::Client, registration_no: &str) -> String {
    let token = csrf(app, client, "/seller/apply").await;
    let response = post_form(
        app,
        client,
        "/seller/apply",
        &[("csrf", &token), ("registration_no", registration_no)],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303, "applied");
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

async fn submit_code(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    code: &str,
) -> (u16, String) {
    // Any form page gives the browser's token (the application page has no form once decided).
    let token = csrf(app, client, "/seller/apply").await;
    let response = post_form(
        app,
        client,
        &format!("{page}/code"),
        &[("csrf", &token), ("code", code)],
    )
    .await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// The six-digit code in a mail's text.
fn code_in(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .expect("a code line")
        .to_owned()
}

async fn memberships(app: &TestApp, user_id: ocop_village::domain::ids::UserId) -> usize {
    membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .expect("query")
        .len()
}

#[tokio::test]
async fn the_code_goes_to_the_registry_contact_and_verifies_the_seller_once() {
    let app = app_with_registry().await;
    let (client, user) = app.signed_in("lan@example.vn").await;

    let page = apply(&app, &client, WITH_CONTACT).await;

    // The code went to the registry's contact, never to the applicant.
    let mails = app.mail_to(CONTACT).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].text.contains("lan@example.vn"),
        "names the applicant"
    );
    assert!(
        app.mail_to("lan@example.vn")
            .await
            .iter()
            .all(|m| !m.subject.contains("Mã xác minh")),
        "no code to the applicant"
    );
    let code = code_in(&mails[0].text);
    let html = client
        .get(format!("{}{page}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("r*************@example.com"),
        "masked contact shown"
    );
    assert_eq!(memberships(&app, user.id).await, 0);

    // A wrong code is refused and counted.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, html) = submit_code(&app, &client, &page, wrong).await;
    assert_eq!(status, 400);
    assert!(html.contains("còn 4 lần"), "{html}");
    assert_eq!(memberships(&app, user.id).await, 0);

    // The right code makes the user a member of the participant's seller at once.
    let (status, _) = submit_code(&app, &client, &page, &code).await;
    assert_eq!(status, 200);
    assert_eq!(memberships(&app, user.id).await, 1);
    let dashboard = client
        .get(format!("{}/seller", app.address))
        .send()
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("body");
    assert!(dashboard.contains("Công ty Cổ phần Rượu Chí Vượng"));
    assert!(dashboard.contains("OCOP-TQ-2024-0001"));

    // The same code cannot be used again.
    let (status, html) = submit_code(&app, &client, &page, &code).await;
    assert_eq!(status, 400);
    assert!(html.contains("đã được sử dụng"), "{html}");
    assert_eq!(memberships(&app, user.id).await, 1);

    // The applicant is told, and the audit log holds every step.
    let told = app.mail_to("lan@example.vn").await;
    assert!(
        told.iter()
            .any(|m| m.subject.contains("Bạn đã trở thành người bán"))
    );
    let pid = page.rsplit('/').next().expect("pid");
    let log = ocop_village::audit::for_subject(&app.db, "seller_application", pid)
        .await
        .expect("audit");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["application.code_sent", "application.verified_by_code"]
    );
    assert!(log.iter().all(|e| e.actor_user_id == Some(user.id)));
}

#[tokio::test]
async fn expired_codes_and_too_many_wrong_codes_are_refused() {
    let app = app_with_registry().await;
    let (_, user) = app.signed_in("minh@example.vn").await;
    let principal = app.principal(&user).await;
    let applied = onboarding::apply(&app.db, &principal, WITH_CONTACT, "http://t", app.now)
        .await
        .expect("applied");
    let pid = applied.application.pid;
    assert_eq!(
        applied.code_sent_to.as_deref(),
        Some("r*************@example.com")
    );
    let code = code_in(&app.mail_to(CONTACT).await[0].text);

    // Thirty-one minutes later the right code no longer works.
    let later = app.now + chrono::Duration::minutes(31);
    let expired = onboarding::submit_code(&app.db, &principal, pid, &code, "http://t", later).await;
    assert!(
        matches!(expired, Err(OnboardingError::CodeExpired)),
        "{expired:?}"
    );

    // A fresh code works until five wrong tries, then an officer must decide.
    onboarding::resend_code(&app.db, &principal, pid, app.now)
        .await
        .expect("resent");
    let fresh = code_in(&app.mail_to(CONTACT).await[1].text);
    let wrong = if fresh == "123456" {
        "654321"
    } else {
        "123456"
    };
    for remaining in (1..onboarding::MAX_CODE_ATTEMPTS).rev() {
        let result =
            onboarding::submit_code(&app.db, &principal, pid, wrong, "http://t", app.now).await;
        assert!(
            matches!(result, Err(OnboardingError::WrongCode { remaining: r }) if r == remaining),
            "{result:?}"
        );
    }
    let last = onboarding::submit_code(&app.db, &principal, pid, wrong, "http://t", app.now).await;
    assert!(
        matches!(last, Err(OnboardingError::TooManyAttempts)),
        "{last:?}"
    );
    // Now even the right code is refused: the application waits for review.
    let right =
        onboarding::submit_code(&app.db, &principal, pid, &fresh, "http://t", app.now).await;
    assert!(
        matches!(right, Err(OnboardingError::NotAwaitingCode)),
        "{right:?}"
    );
    let row = seller_application::Entity::find()
        .filter(seller_application::Column::Pid.eq(pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.state, "in_review");
    assert_eq!(row.review_reason.as_deref(), Some("too_many_attempts"));
    assert_eq!(memberships(&app, user.id).await, 0);
}

#[tokio::test]
async fn bad_applications_get_clear_errors() {
    let app = app_with_registry().await;
    let (client, user) = app.signed_in("hoa@example.vn").await;
    for (number, message) in [
        ("0000000000", "không có trong Hệ thống OCOP"),
        ("12ab", "10 hoặc 13 chữ số"),
    ] {
        let token = csrf(&app, &client, "/seller/apply").await;
        let response = post_form(
            &app,
            &client,
            "/seller/apply",
            &[("csrf", &token), ("registration_no", number)],
        )
        .await;
        assert_eq!(response.status().as_u16(), 400);
        assert!(
            response.text().await.expect("body").contains(message),
            "{number}"
        );
    }
    // Without a CSRF token nothing happens.
    let response = post_form(
        &app,
        &client,
        "/seller/apply",
        &[("csrf", "x"), ("registration_no", WITH_CONTACT)],
    )
    .await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(app.count("seller_applications", "").await, 0);

    // An unverified e-mail address cannot apply.
    let mut unverified: ocop_village::db::entities::user::ActiveModel = user.into();
    unverified.email_verified_at = Set(None);
    let user = unverified.update(&app.db).await.expect("update");
    let principal = app.principal(&user).await;
    let result = onboarding::apply(&app.db, &principal, WITH_CONTACT, "http://t", app.now).await;
    assert!(matches!(result, Err(OnboardingError::EmailNotVerified)));

    // Signed out, the seller area asks to sign in first.
    let response = crate::helpers::browser()
        .get(format!("{}/seller/apply", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"],
        "/account/login?next=%2Fseller%2Fapply"
    );
}

#[tokio::test]
async fn without_a_contact_the_province_officer_approves_with_a_reason() {
    let app = app_with_registry().await;
    let (client, applicant) = app.signed_in("an@example.vn").await;
    let page = apply(&app, &client, NO_CONTACT).await;
    let pid = page.rsplit('/').next().expect("pid").to_owned();
    let told = app.mail_to("an@example.vn").await;
    assert!(
        told.iter()
            .any(|m| m.subject.contains("đang chờ xét duyệt"))
    );

    let (officer_browser, officer) = app.signed_in("canbo.dienbien@example.vn").await;
    app.make_officer(&officer, "dien-bien").await;
    let (other_browser, other) = app.signed_in("canbo.hue@example.vn").await;
    app.make_officer(&other, "hue").await;

    // Only the officers of Điện Biên see it in their queue.
    let queue = officer_browser
        .get(format!("{}/officer", app.address))
        .send()
        .await
        .expect("queue")
        .text()
        .await
        .expect("body");
    assert!(queue.contains("an@example.vn"), "in the Điện Biên queue");
    let elsewhere = other_browser
        .get(format!("{}/officer", app.address))
        .send()
        .await
        .expect("queue")
        .text()
        .await
        .expect("body");
    assert!(!elsewhere.contains("an@example.vn"), "not in the Huế queue");

    // An officer of another province cannot decide it.
    let token = csrf(&app, &other_browser, "/officer").await;
    let response = post_form(
        &app,
        &other_browser,
        &format!("/officer/applications/{pid}/decide"),
        &[
            ("csrf", &token),
            ("decision", "approve"),
            ("reason", "Đã kiểm tra giấy tờ"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(memberships(&app, applicant.id).await, 0);

    // A decision needs a reason.
    let token = csrf(&app, &officer_browser, "/officer").await;
    let response = post_form(
        &app,
        &officer_browser,
        &format!("/officer/applications/{pid}/decide"),
        &[("csrf", &token), ("decision", "approve"), ("reason", " ")],
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);

    let response = post_form(
        &app,
        &officer_browser,
        &format!("/officer/applications/{pid}/decide"),
        &[
            ("csrf", &token),
            ("decision", "approve"),
            ("reason", "Đã đối chiếu giấy phép kinh doanh tại Sở"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(memberships(&app, applicant.id).await, 1);
    let told = app.mail_to("an@example.vn").await;
    let approved = told
        .iter()
        .find(|m| m.subject.contains("Bạn đã trở thành người bán"))
        .expect("approval mail");
    assert!(
        approved
            .text
            .contains("Đã đối chiếu giấy phép kinh doanh tại Sở")
    );
    let log = ocop_village::audit::for_subject(&app.db, "seller_application", &pid)
        .await
        .expect("audit");
    let decision = log.last().expect("entries");
    assert_eq!(decision.action, "application.approved");
    assert_eq!(decision.actor_user_id, Some(officer.id));
    assert_eq!(
        decision.reason.as_deref(),
        Some("Đã đối chiếu giấy phép kinh doanh tại Sở")
    );
}

#[tokio::test]
async fn an_officer_rejects_with_a_reason_the_applicant_receives() {
    let app = app_with_registry().await;
    let (client, applicant) = app.signed_in("binh@example.vn").await;
    // A contact on file, but no active certificate: review, not a code.
    let page = apply(&app, &client, NO_ACTIVE).await;
    let pid = page.rsplit('/').next().expect("pid").to_owned();
    assert!(app.mail_to("huynh-thi-xuyen@example.com").await.is_empty());

    let (officer_browser, officer) = app.signed_in("canbo.hungyen@example.vn").await;
    app.make_officer(&officer, "hung-yen").await;
    let token = csrf(&app, &officer_browser, "/officer").await;
    let response = post_form(
        &app,
        &officer_browser,
        &format!("/officer/applications/{pid}/decide"),
        &[
            ("csrf", &token),
            ("decision", "reject"),
            ("reason", "Chủ thể chưa có sản phẩm OCOP còn hiệu lực"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(memberships(&app, applicant.id).await, 0);
    let told = app.mail_to("binh@example.vn").await;
    let rejected = told
        .iter()
        .find(|m| m.subject.contains("không được duyệt"))
        .expect("rejection mail");
    assert!(
        rejected
            .text
            .contains("Chủ thể chưa có sản phẩm OCOP còn hiệu lực")
    );
    let page_html = client
        .get(format!("{}{page}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page_html.contains("Chủ thể chưa có sản phẩm OCOP còn hiệu lực"));

    // A decided application cannot be decided again.
    let response = post_form(
        &app,
        &officer_browser,
        &format!("/officer/applications/{pid}/decide"),
        &[
            ("csrf", &token),
            ("decision", "approve"),
            ("reason", "Đổi ý, duyệt lại"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(memberships(&app, applicant.id).await, 0);

    // Another user cannot see someone else's application.
    let (stranger, _) = app.signed_in("la@example.vn").await;
    let response = stranger
        .get(format!("{}{page}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status().as_u16(), 404);

    // And a shopper is not let into the officers' area.
    let response = stranger
        .get(format!("{}/officer", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn administrators_appoint_officers_from_the_command_line() {
    use ocop_village::features::accounts::auth::{
        Action, Appointment, AppointmentError, Scope, appoint,
    };
    let app = app_with_registry().await;
    let (_, user) = app.signed_in("canbo@example.vn").await;
    let officer = Appointment::Officer {
        province: "Hà Giang".into(),
    };
    // A former province resolves to today's: Hà Giang is now part of Tuyên Quang.
    assert!(
        appoint(
            &app.db,
            &app.reference,
            "CanBo@example.vn",
            &officer,
            app.now
        )
        .await
        .expect("appointed")
    );
    assert!(
        !appoint(
            &app.db,
            &app.reference,
            "canbo@example.vn",
            &officer,
            app.now
        )
        .await
        .expect("idempotent")
    );
    let principal = app.principal(&user).await;
    assert!(principal.can(Action::ReviewProvince, &Scope::Province("tuyen-quang")));
    assert!(!principal.can(Action::ReviewProvince, &Scope::Province("ha-noi")));
    let log = ocop_village::audit::for_subject(&app.db, "user", &user.pid.to_string())
        .await
        .expect("audit");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].province_code.as_deref(), Some("tuyen-quang"));

    let unknown = appoint(
        &app.db,
        &app.reference,
        "nobody@example.vn",
        &Appointment::Admin,
        app.now,
    )
    .await;
    assert!(matches!(unknown, Err(AppointmentError::NoSuchUser(_))));
    let bad = appoint(
        &app.db,
        &app.reference,
        "canbo@example.vn",
        &Appointment::Officer {
            province: "Atlantis".into(),
        },
        app.now,
    )
    .await;
    assert!(matches!(bad, Err(AppointmentError::NoSuchProvince(_))));
}
