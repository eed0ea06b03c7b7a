//! Other modern-trade channels and the indicator counting them: on the sales tests' known
//! history (P1–P3 and P6 selling here at known times, P7 never), P7 declares a supermarket
//! chain and Hà Nội's officer verifies it; P3's export declaration is rejected; P1's
//! e-commerce shop is verified. Every share, breakdown, quarter and export is checked, as is
//! the expiry twelve months after the verification and the renewal. Declarations are checked
//! with reasons, decided once by their province's officers only (also when decisions race),
//! and the pages work end to end with an uploaded document.
use chrono::NaiveDate;
use ocop_village::db::entities::{channel_declaration, seller, user};
use ocop_village::domain::states::DeclarationState;
use ocop_village::features::accounts::auth::Principal;
use ocop_village::features::sales::channels::{self, ChannelError, Declaration, Verdict};
use ocop_village::features::sales::{self, Share};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, csrf, post_form, spawn_app};
use crate::sales::{at, history, period, registry};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// A member (signed in as `email`) of the seller of the participant `registration_no`.
async fn member(app: &TestApp, email: &str, registration_no: &str) -> (user::Model, seller::Model) {
    let (_, u) = app.signed_in(email).await;
    let shop = app.make_member(&u, registration_no).await;
    (u, shop)
}

async fn officer(app: &TestApp, email: &str, province: &str) -> Principal {
    let (_, u) = app.signed_in(email).await;
    app.make_officer(&u, province).await;
    app.principal(&u).await
}

/// Declares `kind`/`name` since `since`, on `today`.
async fn declare(
    app: &TestApp,
    who: &user::Model,
    shop: &seller::Model,
    kind: &str,
    name: &str,
    since: &str,
    today: &str,
) -> Result<channel_declaration::Model, ChannelError> {
    let today = day(today);
    channels::declare(
        &app.db,
        who.id,
        shop,
        Declaration {
            kind,
            channel_name: name,
            since,
            evidence_url: "https://example.vn/gian-hang",
            document: None,
        },
        today,
        ocop_village::domain::time::vietnam_midnight(today),
    )
    .await
}

async fn decide(
    app: &TestApp,
    officer: &Principal,
    d: &channel_declaration::Model,
    verdict: Verdict,
    reason: &str,
    today: &str,
) -> Result<channel_declaration::Model, ChannelError> {
    channels::decide(
        &app.db,
        officer,
        d.pid,
        verdict,
        reason,
        &app.address,
        ocop_village::domain::time::vietnam_midnight(day(today)),
    )
    .await
}

fn of(found: &sales::Indicator, code: &str) -> Share {
    found
        .provinces
        .iter()
        .find(|p| p.province_code == code)
        .expect("every province is listed")
        .share
}

/// (participants, in modern trade, here only, elsewhere only, both).
type Figures = (i64, i64, i64, i64, i64);

fn figures(s: Share) -> Figures {
    (
        s.participants,
        s.selling,
        s.here_only,
        s.elsewhere_only,
        s.both,
    )
}

async fn indicator(app: &TestApp, from: &str, to: &str) -> sales::Indicator {
    sales::indicator(&app.db, &app.reference, period(from, to))
        .await
        .expect("indicator")
}

#[tokio::test]
async fn verified_channels_count_until_they_expire_and_rejected_ones_never_do() {
    let app = spawn_app().await;
    history(&app).await;
    let (u7, p7) = member(&app, "g@example.vn", "1000000007").await;
    let (u3, p3) = member(&app, "c2@example.vn", "1000000003").await;
    let (u1, p1) = member(&app, "a2@example.vn", "1000000001").await;
    let hanoi = officer(&app, "canbo.hn@example.vn", "ha-noi").await;
    let tuyen_quang = officer(&app, "canbo.tq@example.vn", "tuyen-quang").await;

    // P7, which never sells here, sells at Co.opmart since June 2025.
    let coop = declare(
        &app,
        &u7,
        &p7,
        "supermarket_chain",
        "Co.opmart",
        "2025-06-01",
        "2025-07-01",
    )
    .await
    .expect("declared");
    let half = indicator(&app, "2026-01-01", "2026-06-30").await;
    assert_eq!(
        figures(of(&half, "ha-noi")),
        (2, 1, 1, 0, 0),
        "pending: not yet"
    );
    // Only Hà Nội's officers decide it.
    assert!(matches!(
        decide(&app, &tuyen_quang, &coop, Verdict::Verify, "", "2025-07-10").await,
        Err(ChannelError::NotFound)
    ));
    let verified = decide(&app, &hanoi, &coop, Verdict::Verify, "", "2025-07-10")
        .await
        .expect("verified");
    assert_eq!(verified.valid_until, Some(day("2026-07-10")));

    // P3 (sold here only before the period) claims export: rejected, never counts.
    let export = declare(
        &app,
        &u3,
        &p3,
        "export",
        "Xuất khẩu Nhật Bản",
        "2025-03-01",
        "2025-12-01",
    )
    .await
    .expect("declared");
    decide(
        &app,
        &tuyen_quang,
        &export,
        Verdict::Reject,
        "Không có tờ khai hải quan.",
        "2025-12-02",
    )
    .await
    .expect("rejected");
    // P1 (sells here) also sells on Shopee: both.
    let shopee = declare(
        &app,
        &u1,
        &p1,
        "ecommerce_platform",
        "Shopee",
        "2025-10-01",
        "2025-11-20",
    )
    .await
    .expect("declared");
    decide(
        &app,
        &tuyen_quang,
        &shopee,
        Verdict::Verify,
        "Đã xem gian hàng.",
        "2025-12-01",
    )
    .await
    .expect("verified");

    let half = indicator(&app, "2026-01-01", "2026-06-30").await;
    // Hà Nội: P6 sold at the counter, P7 through its verified supermarket.
    assert_eq!(figures(of(&half, "ha-noi")), (2, 2, 1, 1, 0));
    assert_eq!(of(&half, "ha-noi").share, 1.0);
    // Tuyên Quang: P1 both, P2 here only, P3 nothing (its export was rejected).
    assert_eq!(figures(of(&half, "tuyen-quang")), (3, 2, 1, 0, 1));
    assert_eq!(figures(half.national), (5, 4, 2, 1, 1));
    assert!((half.national.share - 0.8).abs() < 1e-9);
    // Regions and participant types add up to the nation (every participant here is a
    // cooperative).
    assert_eq!(
        Share::sum(half.regions.iter().map(|r| &r.share)),
        half.national
    );
    let coops = half
        .participant_types
        .iter()
        .find(|t| t.participant_type == "cooperative")
        .expect("cooperatives");
    assert_eq!(coops.share, half.national);
    assert!(
        half.participant_types
            .iter()
            .filter(|t| t.participant_type != "cooperative")
            .all(|t| t.share.participants == 0)
    );
    // By quarter. Q1: P1 (both), P2 (here), P7 (elsewhere) of five. Q2: P2's certificate
    // expired on 1 March; P1 (both), P6 (the counter in May), P7 of four.
    let quarters: Vec<(String, Figures)> = half
        .quarters
        .iter()
        .map(|q| (q.quarter.clone(), figures(q.share)))
        .collect();
    assert_eq!(
        quarters,
        [
            ("2026-Q1".to_owned(), (5, 3, 1, 1, 1)),
            ("2026-Q2".to_owned(), (4, 3, 1, 1, 1)),
        ]
    );
    // The officers' list: P7 counts through one channel.
    let hn = sales::participants(&app.db, Some("ha-noi"), period("2026-01-01", "2026-06-30"))
        .await
        .expect("participants");
    let seven = hn
        .iter()
        .find(|p| p.business_registration_no == "1000000007")
        .expect("P7");
    assert_eq!(
        (seven.orders, seven.channels, seven.selling()),
        (0, 1, true)
    );

    // Before the day it says P7 began selling there: nothing.
    let early = indicator(&app, "2025-01-01", "2025-05-31").await;
    assert_eq!(of(&early, "ha-noi").elsewhere_only, 0);
    // Twelve months after the verification it has expired: August–September 2026.
    let autumn = indicator(&app, "2026-08-01", "2026-09-30").await;
    assert_eq!(figures(of(&autumn, "ha-noi")), (2, 0, 0, 0, 0));
    // Its last counting day is 9 July 2026.
    let last = indicator(&app, "2026-07-09", "2026-07-09").await;
    assert_eq!(of(&last, "ha-noi").elsewhere_only, 1);
    let after = indicator(&app, "2026-07-10", "2026-07-10").await;
    assert_eq!(of(&after, "ha-noi").elsewhere_only, 0);

    // Renewed with fresh evidence and verified again on 5 July 2026: it counts again in the
    // autumn, and the first half of 2026 keeps its figures.
    let renewal = channels::renew(
        &app.db,
        u7.id,
        &p7,
        coop.pid,
        "https://example.vn/hop-dong-2026",
        None,
        at(2026, 7, 1),
    )
    .await
    .expect("renewal");
    assert_eq!(renewal.renews_id, Some(coop.id));
    assert_eq!(
        (renewal.since, renewal.state),
        (coop.since, DeclarationState::Pending)
    );
    decide(&app, &hanoi, &renewal, Verdict::Verify, "", "2026-07-05")
        .await
        .expect("renewed");
    let autumn = indicator(&app, "2026-08-01", "2026-09-30").await;
    assert_eq!(figures(of(&autumn, "ha-noi")), (2, 1, 0, 1, 0));
    assert_eq!(indicator(&app, "2026-01-01", "2026-06-30").await, half);

    // The exports carry the same numbers.
    let csv = app
        .get_html("/indicators/modern-trade.csv?from=2026-01-01&to=2026-06-30")
        .await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("from,to,level,code,participants,selling,share,target,here_only,elsewhere_only,both")
    );
    assert!(
        csv.contains("2026-01-01,2026-06-30,national,vn,5,4,0.8000,0.50,2,1,1"),
        "{csv}"
    );
    assert!(
        csv.contains("2026-01-01,2026-06-30,province,ha-noi,2,2,1.0000,0.50,1,1,0"),
        "{csv}"
    );
    assert!(
        csv.contains("2026-04-01,2026-06-30,quarter,2026-Q2,4,3,0.7500,0.50,1,1,1"),
        "{csv}"
    );
    assert!(
        csv.contains("2026-01-01,2026-06-30,participant_type,cooperative,5,4,0.8000,0.50,2,1,1"),
        "{csv}"
    );
    let (status, json) = app
        .get_json("/api/v1/indicators/modern-trade?from=2026-01-01&to=2026-06-30")
        .await;
    assert_eq!(status, 200);
    assert_eq!(json["national"]["elsewhere_only"], 1);
    assert_eq!(json["national"]["both"], 1);
    assert_eq!(json["quarters"][1]["quarter"], "2026-Q2");
    assert_eq!(json["quarters"][1]["selling"], 3);
    let page = app
        .get_html("/indicators/modern-trade?from=2026-01-01&to=2026-06-30")
        .await;
    assert!(
        page.contains(
            "Trong đó: 2 chỉ bán trên OCOP Village, 1 chỉ qua kênh khác đã xác minh, 1 cả hai."
        ),
        "{page}"
    );
    assert!(page.contains("2026-Q2"), "the quarter chart");
}

#[tokio::test]
async fn declarations_are_checked_and_decided_once_by_their_provinces_officers() {
    let app = spawn_app().await;
    app.import(&registry(), false).await.expect("import");
    let (u, shop) = member(&app, "g@example.vn", "1000000007").await;
    let (other_user, other) = member(&app, "f@example.vn", "1000000006").await;
    let today = "2026-06-01";
    for (kind, name, since, says) in [
        ("market_stall", "Chợ", "2025-01-01", "loại kênh"),
        ("export", "X", "2025-01-01", "2 đến 120"),
        ("export", "Nhật Bản", "2026-06-02", "đến hôm nay"),
        ("export", "Nhật Bản", "1999-12-31", "01/01/2000"),
    ] {
        let e = declare(&app, &u, &shop, kind, name, since, today)
            .await
            .expect_err("refused");
        assert!(e.to_string().contains(says), "{kind} {name} {since}: {e}");
    }
    for (url, why) in [("javascript:alert(1)", "http"), ("", "bằng chứng")] {
        let e = channels::declare(
            &app.db,
            u.id,
            &shop,
            Declaration {
                kind: "export",
                channel_name: "Nhật Bản",
                since: "2025-01-01",
                evidence_url: url,
                document: None,
            },
            day(today),
            app.now,
        )
        .await
        .expect_err("refused");
        assert!(e.to_string().contains(why), "{url:?}: {e}");
    }
    assert_eq!(app.count("channel_declarations", "1 = 1").await, 0);

    let d = declare(
        &app,
        &u,
        &shop,
        "supermarket_chain",
        "Co.opmart",
        "2025-01-01",
        today,
    )
    .await
    .expect("declared");
    // The same channel again (any case) while it waits: refused.
    assert!(matches!(
        declare(
            &app,
            &u,
            &shop,
            "supermarket_chain",
            "CO.OPMART",
            "2025-02-01",
            today
        )
        .await,
        Err(ChannelError::AlreadyPending)
    ));
    // A pending declaration is not renewed; another seller's is not found.
    assert!(matches!(
        channels::renew(&app.db, u.id, &shop, d.pid, "https://x.vn/a", None, app.now).await,
        Err(ChannelError::Closed)
    ));
    assert!(matches!(
        channels::renew(
            &app.db,
            other_user.id,
            &other,
            d.pid,
            "https://x.vn/a",
            None,
            app.now
        )
        .await,
        Err(ChannelError::NotFound)
    ));

    let hanoi = officer(&app, "canbo.hn@example.vn", "ha-noi").await;
    let elsewhere = officer(&app, "canbo.tq@example.vn", "tuyen-quang").await;
    // The other province's officer neither sees nor decides it.
    let queue = channels::queue(&app.db, &elsewhere, day(today))
        .await
        .expect("queue");
    assert!(queue.is_empty());
    assert!(matches!(
        decide(
            &app,
            &elsewhere,
            &d,
            Verdict::Reject,
            "Không rõ nguồn.",
            today
        )
        .await,
        Err(ChannelError::NotFound)
    ));
    let queue = channels::queue(&app.db, &hanoi, day(today))
        .await
        .expect("queue");
    assert_eq!(queue.len(), 1);
    assert!(queue[0].pending);
    // A rejection needs its reason.
    assert!(matches!(
        decide(&app, &hanoi, &d, Verdict::Reject, "  ", today).await,
        Err(ChannelError::BadReason)
    ));
    decide(&app, &hanoi, &d, Verdict::Verify, "", today)
        .await
        .expect("verified");
    assert!(matches!(
        decide(
            &app,
            &hanoi,
            &d,
            Verdict::Reject,
            "Đổi ý sau khi xác minh.",
            today
        )
        .await,
        Err(ChannelError::Closed)
    ));
    // The seller's members are told, with the last counting day.
    let told = app.mail_to("g@example.vn").await;
    let mail = told
        .iter()
        .find(|m| m.subject.contains("Co.opmart"))
        .expect("a mail about the channel");
    assert!(
        mail.subject.contains("đã được xác minh"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("31/05/2027"), "{}", mail.text);
    // Renewable only near its end: not on the day it was verified, yes 60 days before.
    let mine = channels::for_seller(&app.db, shop.id, day(today))
        .await
        .expect("mine");
    assert!(!mine[0].renewable);
    let late = channels::for_seller(&app.db, shop.id, day("2027-04-15"))
        .await
        .expect("mine");
    assert!(late[0].renewable);
    assert_eq!(late[0].standing, channels::Standing::Valid);
    let gone = channels::for_seller(&app.db, shop.id, day("2027-06-01"))
        .await
        .expect("mine");
    assert_eq!(gone[0].standing, channels::Standing::Expired);
    assert_eq!(
        app.count(
            "audit_log",
            "action IN ('channel.declared', 'channel.verified')"
        )
        .await,
        2
    );
}

/// Eight officers' verdicts on one declaration at the same moment decide it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_verdicts_decide_a_declaration_once() {
    let app = spawn_app().await;
    app.import(&registry(), false).await.expect("import");
    let (u, shop) = member(&app, "g@example.vn", "1000000007").await;
    let d = declare(
        &app,
        &u,
        &shop,
        "export",
        "Hàn Quốc",
        "2025-01-01",
        "2026-06-01",
    )
    .await
    .expect("declared");
    let hanoi = officer(&app, "canbo.hn@example.vn", "ha-noi").await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (db, officer, barrier, site) = (
            app.db.clone(),
            hanoi.clone(),
            barrier.clone(),
            app.address.clone(),
        );
        let now = app.now;
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let verdict = if n % 2 == 0 {
                Verdict::Verify
            } else {
                Verdict::Reject
            };
            channels::decide(
                &db,
                &officer,
                d.pid,
                verdict,
                &format!("Quyết định số {n}."),
                &site,
                now,
            )
            .await
        }));
    }
    let mut decided = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(d) => decided.push(d),
            Err(ChannelError::Closed) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(decided.len(), 1);
    let stored = channel_declaration::Entity::find()
        .filter(channel_declaration::Column::Pid.eq(d.pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("declaration");
    assert_eq!(stored.state, decided[0].state);
    assert_eq!(stored.reason, decided[0].reason);
    assert_eq!(
        app.count(
            "audit_log",
            "action IN ('channel.verified', 'channel.rejected')"
        )
        .await,
        1
    );
}

/// Posts the seller's declaration form with a photographed contract.
async fn send_declaration(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    seller: &str,
    name: &str,
    url: &str,
) -> (u16, String) {
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("seller", seller.to_owned())
        .text("kind", "supermarket_chain")
        .text("channel_name", name.to_owned())
        .text("since", "2025-05-01")
        .text("evidence_url", url.to_owned())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(crate::photos::jpeg(600, 450))
                .file_name("hop-dong.jpg"),
        );
    let response = client
        .post(format!("{}/seller/channels", app.address))
        .multipart(form)
        .send()
        .await
        .expect("declaration");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

#[tokio::test]
async fn a_seller_declares_with_a_document_and_the_officer_verifies_through_the_pages() {
    let app = spawn_app().await;
    app.import(&registry(), false).await.expect("import");
    let (client, u) = app.signed_in("g@example.vn").await;
    let shop = app.make_member(&u, "1000000007").await;
    let id = shop.id.to_string();
    let token = csrf(&app, &client, &format!("/seller/channels?seller={id}")).await;
    let (status, page) =
        send_declaration(&app, &client, &token, &id, "WinMart", "winmart.vn").await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("http://"), "why the link is refused: {page}");
    assert!(
        page.contains("value=\"WinMart\"") && page.contains("value=\"winmart.vn\""),
        "the form comes back as typed: {page}"
    );
    let (status, page) =
        send_declaration(&app, &client, &token, &id, "WinMart", "https://winmart.vn/").await;
    assert!(status == 200 || status == 303, "{status}: {page}");
    let page =
        crate::refunds::app_page(&app, &client, &format!("/seller/channels?seller={id}")).await;
    assert!(
        page.contains("WinMart") && page.contains("Chờ xác minh"),
        "{page}"
    );
    assert!(
        page.contains("/media/photos/"),
        "the document is shown: {page}"
    );

    let (officer_client, officer_user) = app.signed_in("canbo.hn@example.vn").await;
    app.make_officer(&officer_user, "ha-noi").await;
    let queue = crate::refunds::app_page(&app, &officer_client, "/officer/channels").await;
    assert!(
        queue.contains("WinMart") && queue.contains("/media/photos/"),
        "{queue}"
    );
    let pid = channel_declaration::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("declared")
        .pid;
    let token = csrf(&app, &officer_client, "/officer/channels").await;
    let response = post_form(
        &app,
        &officer_client,
        &format!("/officer/channels/{pid}"),
        &[
            ("csrf", token.as_str()),
            ("verdict", "verify"),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let page =
        crate::refunds::app_page(&app, &client, &format!("/seller/channels?seller={id}")).await;
    assert!(page.contains("Đã xác minh"), "{page}");
    // The seller area links to it; the province's indicator page counts it.
    let dashboard = crate::refunds::app_page(&app, &client, &format!("/seller?seller={id}")).await;
    assert!(
        dashboard.contains("/seller/channels?seller="),
        "{dashboard}"
    );
    let today = app.now.date_naive();
    let indicator = crate::refunds::app_page(
        &app,
        &officer_client,
        &format!("/officer/indicators?province=ha-noi&from={today}&to={today}"),
    )
    .await;
    assert!(
        indicator.contains("0 chỉ bán trên OCOP Village, 1 chỉ qua kênh khác"),
        "{indicator}"
    );
}
