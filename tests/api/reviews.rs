//! Verified-buyer reviews: only the buyer of a delivered line reviews it, once (racing
//! submits included); rewrites within 30 days move the figures; the product page and its
//! structured data show them; the seller replies once; a reported review hidden by an officer
//! of the product's province (no other) leaves the page, the structured data and the figures.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use ocop_village::db::entities::{checkout, listing, order, order_item, review};
use ocop_village::features::orders::reviews;

use crate::helpers::{TestApp, browser, csrf, post_form};
use crate::refunds::app_page;
use crate::returns::{delivered_cod_order, order_path};

async fn line_of(app: &TestApp, o: &order::Model) -> order_item::Model {
    order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("line")
}

/// Posts the review form of the order page: `target` is `reviews` or `reviews/{pid}`.
#[allow(clippy::too_many_arguments)]
async fn send_review(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    placed: &checkout::Model,
    target: &str,
    item: i64,
    rating: &str,
    with_link: bool,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("item", item.to_string())
        .text("rating", rating.to_owned())
        .text("body", "Trà thơm, vị đậm, đóng gói kỹ.")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(crate::photos::jpeg(500, 400)).file_name("tra.jpg"),
        );
    if with_link {
        form = form.text("t", placed.tracking_token.to_string());
    }
    let response = client
        .post(format!(
            "{}/orders/{}/{target}",
            app.address, placed.reference
        ))
        .multipart(form)
        .send()
        .await
        .expect("review");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn figures(app: &TestApp, o: &order::Model) -> (i32, i32) {
    let line = line_of(app, o).await;
    let l = listing::Entity::find_by_id(line.listing_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing");
    (l.rating_count, l.rating_total)
}

async fn product_page(app: &TestApp, o: &order::Model) -> String {
    let line = line_of(app, o).await;
    let slug = listing::Entity::find_by_id(line.listing_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
        .slug;
    app.get_html(&format!("/products/{slug}")).await
}

#[tokio::test]
async fn only_the_buyer_of_a_delivered_line_reviews_it_once_and_may_rewrite_it_for_30_days() {
    let (app, _, placed, o) = delivered_cod_order(2).await;
    let item = line_of(&app, &o).await.id;
    let buyer = browser();
    let token = csrf(&app, &buyer, "/account/login").await;

    // Someone without the tracking link is not the buyer.
    let (stranger, _) = app.signed_in("khac@example.vn").await;
    let theirs = csrf(&app, &stranger, "/account/login").await;
    let (status, _) = send_review(
        &app, &stranger, &theirs, &placed, "reviews", item, "1", false,
    )
    .await;
    assert_eq!(status, 403);
    // A rating out of range.
    let (status, page) =
        send_review(&app, &buyer, &token, &placed, "reviews", item, "6", true).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("từ 1 đến 5 sao"), "{page}");

    let (status, page) =
        send_review(&app, &buyer, &token, &placed, "reviews", item, "4", true).await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(figures(&app, &o).await, (1, 4));
    assert_eq!(app.count("review_photos", "1 = 1").await, 1);
    // A second review of the same line is refused.
    let (status, page) =
        send_review(&app, &buyer, &token, &placed, "reviews", item, "5", true).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("đã được đánh giá"), "{page}");
    assert_eq!(figures(&app, &o).await, (1, 4));

    // The product page: the average, the review by "Lan N.", the structured data.
    let page = product_page(&app, &o).await;
    assert!(page.contains("<strong>4,0</strong>"), "{page}");
    assert!(
        page.contains("Lan N.") && page.contains("Trà thơm, vị đậm"),
        "{page}"
    );
    assert!(
        page.contains("\"aggregateRating\"") && page.contains("\"reviewCount\":1"),
        "{page}"
    );
    assert!(page.contains("\"ratingValue\":4.0") || page.contains("\"ratingValue\":4"));

    // Rewritten to two stars: the figures follow; the order page offers the rewrite.
    let written = review::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("review");
    let order_page = app.get_html(&order_path(&placed)).await;
    assert!(
        order_page.contains(&format!("/reviews/{}", written.pid)),
        "{order_page}"
    );
    let target = format!("reviews/{}", written.pid);
    let (status, _) = send_review(&app, &buyer, &token, &placed, &target, item, "2", true).await;
    assert_eq!(status, 303);
    assert_eq!(figures(&app, &o).await, (1, 2));
    // 31 days later it can no longer be rewritten.
    let mut older: review::ActiveModel = written.into();
    older.created_at = Set(app.now - chrono::Duration::days(31));
    older.update(&app.db).await.expect("older");
    let (status, page) = send_review(&app, &buyer, &token, &placed, &target, item, "5", true).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("30 ngày"), "{page}");
    assert_eq!(figures(&app, &o).await, (1, 2));
}

#[tokio::test]
async fn the_seller_replies_once_and_a_hidden_review_leaves_the_page_and_the_figures() {
    let (app, seller, placed, o) = delivered_cod_order(1).await;
    let item = line_of(&app, &o).await.id;
    let buyer = browser();
    let token = csrf(&app, &buyer, "/account/login").await;
    let (status, _) = send_review(&app, &buyer, &token, &placed, "reviews", item, "1", true).await;
    assert_eq!(status, 303);
    let written = review::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("review");
    let seller_id = crate::helpers::seller_of_listing(
        &app,
        listing::Entity::find_by_id(written.listing_id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("listing")
            .pid,
    )
    .await
    .to_string();

    // The seller replies once; another seller's member cannot.
    let mine = app_page(&app, &seller, "/seller/reviews").await;
    assert!(mine.contains("Trà thơm, vị đậm"), "{mine}");
    let reply_to = format!("/seller/reviews/{}/reply", written.pid);
    let token_s = csrf(&app, &seller, "/account/login").await;
    let fields = [
        ("csrf", token_s.as_str()),
        ("seller", seller_id.as_str()),
        ("reply", "Xin lỗi chị, chúng tôi sẽ đổi hàng."),
    ];
    assert_eq!(
        post_form(&app, &seller, &reply_to, &fields)
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        post_form(&app, &seller, &reply_to, &fields)
            .await
            .status()
            .as_u16(),
        409
    );
    let (other, user) = app.signed_in("khac@example.vn").await;
    app.make_member(&user, "4411348896").await;
    let token_o = csrf(&app, &other, "/account/login").await;
    let tried = post_form(
        &app,
        &other,
        &reply_to,
        &[
            ("csrf", token_o.as_str()),
            ("seller", seller_id.as_str()),
            ("reply", "x"),
        ],
    )
    .await;
    assert!(matches!(tried.status().as_u16(), 403 | 404));
    let page = product_page(&app, &o).await;
    assert!(page.contains("chúng tôi sẽ đổi hàng"), "{page}");

    // Reported by a signed-in user; guests are sent to sign in.
    let report_path = format!("/reviews/{}/report", written.pid);
    let guest = browser();
    let guest_token = csrf(&app, &guest, "/account/login").await;
    let refused = post_form(
        &app,
        &guest,
        &report_path,
        &[("csrf", guest_token.as_str()), ("reason", "x")],
    )
    .await;
    assert!(matches!(refused.status().as_u16(), 303 | 401));
    assert_eq!(app.count("review_reports", "1 = 1").await, 0);
    let sent = post_form(
        &app,
        &other,
        &report_path,
        &[
            ("csrf", token_o.as_str()),
            ("reason", "Lời lẽ xúc phạm"),
            ("product", "tra-xanh"),
        ],
    )
    .await;
    assert_eq!(sent.status().as_u16(), 303);
    assert_eq!(app.count("review_reports", "outcome IS NULL").await, 1);

    // Hà Nội's officer neither sees it nor hides it; Tuyên Quang's hides it.
    let (hanoi, user) = app.signed_in("canbo.hn@example.vn").await;
    app.make_officer(&user, "ha-noi").await;
    assert!(
        !app_page(&app, &hanoi, "/officer/reviews")
            .await
            .contains("Trà thơm")
    );
    let decide = format!("/officer/reviews/{}", written.pid);
    let token_h = csrf(&app, &hanoi, "/account/login").await;
    let tried = post_form(
        &app,
        &hanoi,
        &decide,
        &[
            ("csrf", token_h.as_str()),
            ("decision", "hide"),
            ("reason", "x"),
        ],
    )
    .await;
    assert_eq!(tried.status().as_u16(), 404);
    let (officer, user) = app.signed_in("canbo.tq@example.vn").await;
    app.make_officer(&user, "tuyen-quang").await;
    let queue = app_page(&app, &officer, "/officer/reviews").await;
    assert!(queue.contains("Lời lẽ xúc phạm"), "{queue}");
    let token_t = csrf(&app, &officer, "/account/login").await;
    let hidden = post_form(
        &app,
        &officer,
        &decide,
        &[
            ("csrf", token_t.as_str()),
            ("decision", "hide"),
            ("reason", "Vi phạm quy định"),
        ],
    )
    .await;
    assert_eq!(hidden.status().as_u16(), 303);
    assert_eq!(figures(&app, &o).await, (0, 0));
    assert_eq!(app.count("review_reports", "outcome = 'hidden'").await, 1);
    assert_eq!(app.count("audit_log", "action = 'review.hidden'").await, 1);
    let page = product_page(&app, &o).await;
    assert!(!page.contains("Trà thơm, vị đậm"), "{page}");
    assert!(!page.contains("aggregateRating"), "{page}");
    assert!(!page.contains("\"review\""), "{page}");
}

/// Eight submits of the same line's review at once make one review and count it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn review_submits_at_the_same_moment_make_one_review() {
    let (app, _, placed, o) = delivered_cod_order(1).await;
    let item = line_of(&app, &o).await.id;
    let buyer = browser();
    let token = csrf(&app, &buyer, "/account/login").await;
    let sends =
        (0..8).map(|_| send_review(&app, &buyer, &token, &placed, "reviews", item, "5", true));
    let answers = futures::future::join_all(sends).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(app.count("reviews", "1 = 1").await, 1);
    assert_eq!(figures(&app, &o).await, (1, 5));
}

/// A review reaches search: the hit carries the average and count, the cards show them, and
/// `sort=rating` is accepted by the API and the search page.
#[tokio::test]
async fn ratings_reach_search_hits_cards_and_the_rating_sort() {
    let (app, _, placed, o) = delivered_cod_order(1).await;
    let line = line_of(&app, &o).await;
    reviews::write(
        &app.db,
        &placed,
        line.id,
        reviews::ReviewAsk {
            rating: 4,
            body: "Trà ngon.",
            photos: Vec::new(),
        },
        None,
        app.now,
    )
    .await
    .expect("a review");
    app.wait_for_outbox().await;

    let (status, body) = app.get_json("/api/v1/search?sort=rating").await;
    assert_eq!(status, 200, "{body}");
    let hit = &body["hits"][0];
    assert_eq!(hit["rating_tenths"], 40, "{body}");
    assert_eq!(hit["rating_count"], 1, "{body}");
    let page = app.get_html("/search?sort=rating").await;
    assert!(page.contains("★ 4,0 (1 đánh giá)"), "{page}");
    assert!(
        page.contains("<option value=\"rating\" selected>"),
        "{page}"
    );
    let home = app.get_html("/").await;
    assert!(
        home.contains("★ 4,0 (1 đánh giá)"),
        "the home page's cards too"
    );
    let (status, _) = app.get_json("/api/v1/search?sort=best").await;
    assert_eq!(status, 400);
}
