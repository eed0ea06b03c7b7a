//! Quality reports to the programme: a signed-in user reports a problem on a product with a
//! photo (once while it is open); a review of one or two stars files a report by itself; only
//! the officers of the product's province see and decide them (answer, ask the seller,
//! delist); the seller answers what it is asked without learning who reported; the reporter
//! is told the outcome by e-mail and on its page; decisions racing on one report close it
//! once.
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use ocop_village::db::entities::{checkout, listing, order, order_item, quality_report};
use ocop_village::domain::states::{QualityKind, QualityState};
use ocop_village::features::orders::reviews::{self, ReviewAsk};
use ocop_village::features::quality::{self, Decision, QualityError};

use crate::helpers::{TestApp, browser, csrf, post_form};
use crate::refunds::app_page;
use crate::returns::delivered_cod_order;

async fn slug_of(app: &TestApp, o: &order::Model) -> (String, i64) {
    let line = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("line");
    let l = listing::Entity::find_by_id(line.listing_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing");
    (l.slug, line.id)
}

/// Posts the product page's report form.
async fn send_report(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    slug: &str,
    kind: &str,
    body: &str,
) -> (u16, String, String) {
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("kind", kind.to_owned())
        .text("body", body.to_owned())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(crate::photos::jpeg(600, 450)).file_name("nhan.jpg"),
        );
    let response = client
        .post(format!("{}/products/{slug}/quality-reports", app.address))
        .multipart(form)
        .send()
        .await
        .expect("report");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().await.unwrap_or_default())
}

async fn reports(app: &TestApp) -> Vec<quality_report::Model> {
    quality_report::Entity::find()
        .order_by_asc(quality_report::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
}

async fn low_review(app: &TestApp, placed: &checkout::Model, item: i64) {
    reviews::write(
        &app.db,
        placed,
        item,
        ReviewAsk {
            rating: 1,
            body: "Trà bị ẩm mốc, có mùi lạ.",
            photos: Vec::new(),
        },
        None,
        app.now,
    )
    .await
    .expect("a review");
}

#[tokio::test]
async fn reports_reach_only_their_provinces_officers_and_the_reporter_is_told_the_outcome() {
    let (app, seller, placed, o) = delivered_cod_order(1).await;
    let (slug, item) = slug_of(&app, &o).await;
    let body = "Nhãn ghi 200 g nhưng cân chỉ được 170 g.";

    // Not signed in: to the sign-in page, and nothing is filed.
    let guest = browser();
    let token = csrf(&app, &guest, "/account/login").await;
    let (status, location, _) = send_report(&app, &guest, &token, &slug, "label", body).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/account/login"), "{location}");
    // The product page offers a sign-in link instead of the form.
    let page = app.get_html(&format!("/products/{slug}")).await;
    assert!(page.contains("Đăng nhập để báo cáo"), "{page}");

    let (reporter, _) = app.signed_in("bao@example.vn").await;
    let token = csrf(&app, &reporter, "/account/login").await;
    let page = app_page(&app, &reporter, &format!("/products/{slug}")).await;
    assert!(
        page.contains("/quality-reports"),
        "the form for the signed in"
    );
    let (status, _, page) = send_report(&app, &reporter, &token, &slug, "gossip", body).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("loại vấn đề"), "{page}");
    let (status, _, page) = send_report(&app, &reporter, &token, &slug, "label", "ngắn").await;
    assert_eq!(status, 400, "{page}");
    let (status, location, page) = send_report(&app, &reporter, &token, &slug, "label", body).await;
    assert_eq!(status, 303, "{page}");
    assert!(location.contains("quality_reported=1"), "{location}");
    // While it is open, a second report of the same product by the same user is refused.
    let (status, _, page) = send_report(&app, &reporter, &token, &slug, "other", body).await;
    assert_eq!(status, 409, "{page}");
    assert_eq!(app.count("quality_report_photos", "1 = 1").await, 1);

    // The buyer's one-star review files a report by itself; a five-star one would not.
    low_review(&app, &placed, item).await;
    let filed = reports(&app).await;
    assert_eq!(filed.len(), 2);
    assert_eq!(filed[0].kind, QualityKind::Label);
    assert_eq!(filed[1].kind, QualityKind::LowRating);
    assert!(filed.iter().all(|r| r.province_code == "tuyen-quang"));

    // Hà Nội's officer neither sees nor decides them.
    let (hanoi, user) = app.signed_in("canbo.hn@example.vn").await;
    app.make_officer(&user, "ha-noi").await;
    let queue = app_page(&app, &hanoi, "/officer/quality").await;
    assert!(
        !queue.contains(body) && !queue.contains("ẩm mốc"),
        "{queue}"
    );
    let token_h = csrf(&app, &hanoi, "/account/login").await;
    let decided = post_form(
        &app,
        &hanoi,
        &format!("/officer/quality/{}", filed[0].pid),
        &[
            ("csrf", &token_h),
            ("decision", "delist"),
            ("text", "Sai nhãn"),
        ],
    )
    .await;
    assert_eq!(decided.status().as_u16(), 404);

    // Tuyên Quang's officer sees both and asks the seller about the label.
    let (officer, user) = app.signed_in("canbo.tq@example.vn").await;
    app.make_officer(&user, "tuyen-quang").await;
    let queue = app_page(&app, &officer, "/officer/quality").await;
    assert!(queue.contains(body) && queue.contains("ẩm mốc"), "{queue}");
    let token_t = csrf(&app, &officer, "/account/login").await;
    let decide = format!("/officer/quality/{}", filed[0].pid);
    let asked = post_form(
        &app,
        &officer,
        &decide,
        &[
            ("csrf", &token_t),
            ("decision", "ask"),
            ("text", "Đề nghị kiểm tra khối lượng tịnh."),
        ],
    )
    .await;
    assert_eq!(asked.status().as_u16(), 303);
    let question = app.mail_to("tra@example.vn").await;
    assert!(
        question
            .iter()
            .any(|m| m.text.contains("kiểm tra khối lượng tịnh")),
        "the seller's members are asked"
    );
    // The seller sees the question, not who reported, and answers once.
    let seller_id = crate::helpers::seller_of_listing(
        &app,
        listing::Entity::find()
            .filter(listing::Column::Slug.eq(slug.as_str()))
            .one(&app.db)
            .await
            .expect("query")
            .expect("listing")
            .pid,
    )
    .await;
    let theirs = app_page(
        &app,
        &seller,
        &format!("/seller/quality?seller={seller_id}"),
    )
    .await;
    assert!(theirs.contains("kiểm tra khối lượng tịnh"), "{theirs}");
    assert!(
        !theirs.contains("Bao") && !theirs.contains("bao@"),
        "{theirs}"
    );
    let token_s = csrf(&app, &seller, "/account/login").await;
    let answer = format!("/seller/quality/{}", filed[0].pid);
    let seller_field = seller_id.to_string();
    let fields = [
        ("csrf", token_s.as_str()),
        ("seller", seller_field.as_str()),
        ("text", "Lô này cân thiếu, đã thu hồi và in lại nhãn."),
    ];
    assert_eq!(
        post_form(&app, &seller, &answer, &fields)
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        post_form(&app, &seller, &answer, &fields)
            .await
            .status()
            .as_u16(),
        409,
        "answered once per question"
    );

    // The officer answers the reporter: closed, told by e-mail and on the reporter's page.
    let fields = [
        ("csrf", token_t.as_str()),
        ("decision", "answer"),
        ("text", "Cơ sở đã thu hồi lô hàng và in lại nhãn đúng."),
    ];
    assert_eq!(
        post_form(&app, &officer, &decide, &fields)
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        post_form(&app, &officer, &decide, &fields)
            .await
            .status()
            .as_u16(),
        409,
        "decided once"
    );
    let told: Vec<_> = app
        .mail_to("bao@example.vn")
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Kết quả báo cáo"))
        .collect();
    assert_eq!(told.len(), 1);
    assert!(told[0].text.contains("thu hồi lô hàng"), "{}", told[0].text);
    let mine = app_page(&app, &reporter, "/account/reports").await;
    assert!(
        mine.contains("Đã trả lời") && mine.contains("thu hồi lô hàng"),
        "{mine}"
    );

    // The low rating: delisted with a reason; the product leaves the shop, the buyer is told.
    let delisted = post_form(
        &app,
        &officer,
        &format!("/officer/quality/{}", filed[1].pid),
        &[
            ("csrf", &token_t),
            ("decision", "delist"),
            ("text", "Mẫu kiểm nghiệm không đạt an toàn thực phẩm."),
        ],
    )
    .await;
    assert_eq!(delisted.status().as_u16(), 303);
    assert_eq!(app.get(&format!("/products/{slug}")).await.status(), 404);
    let buyer_told = app.mail_to(&placed.email).await;
    assert!(
        buyer_told
            .iter()
            .any(|m| m.text.contains("không đạt an toàn thực phẩm")),
        "the buyer hears the outcome"
    );
    let states: Vec<QualityState> = reports(&app).await.iter().map(|r| r.state).collect();
    assert_eq!(states, [QualityState::Answered, QualityState::Delisted]);
    // Every step is in the audit log.
    let audited = app
        .count(
            "audit_log",
            "action LIKE 'quality.%' OR action = 'listing.delisted'",
        )
        .await;
    // reported, low_rating, asked_seller, seller_answered, answered, delisted + the delisting.
    assert_eq!(audited, 7);
}

/// Eight officers' decisions on one report at the same moment close it once: one outcome,
/// one e-mail to the reporter.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_decisions_close_a_report_once() {
    let (app, _, placed, o) = delivered_cod_order(1).await;
    let (_, item) = slug_of(&app, &o).await;
    low_review(&app, &placed, item).await;
    let report = reports(&app).await.remove(0);
    let (_, user) = app.signed_in("canbo.tq@example.vn").await;
    app.make_officer(&user, "tuyen-quang").await;
    let officer = app.principal(&user).await;
    let site = app.address.clone();

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (db, officer, barrier, site) = (
            app.db.clone(),
            officer.clone(),
            barrier.clone(),
            site.clone(),
        );
        let now = app.now;
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            quality::decide(
                &db,
                &officer,
                report.pid,
                Decision::Answer,
                &format!("Trả lời số {n}: đã kiểm tra cơ sở."),
                &site,
                now,
            )
            .await
        }));
    }
    let mut done = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => done += 1,
            Err(QualityError::Closed) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(done, 1);
    let outcomes = app
        .mail_to(&placed.email)
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Kết quả báo cáo"))
        .count();
    assert_eq!(outcomes, 1);
    assert_eq!(
        app.count("audit_log", "action = 'quality.answered'").await,
        1
    );
}
