//! The provincial report on the sales tests' known history, with P7 selling through a
//! verified supermarket chain: the page and the XLSX workbook carry the same figures (the
//! indicator and where, certificates expired, sellers onboarded, sales by channel, outlets'
//! counter sales, participants not in modern trade); the nation is the administrator's only.
use calamine::{Data, DataType, Reader, Xlsx};
use ocop_village::db::entities::seller;
use ocop_village::features::sales::channels::{self, Declaration, Verdict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::helpers::{TestApp, spawn_app};
use crate::sales::{at, history};

const PERIOD: &str = "from=2026-01-01&to=2026-06-30";

async fn workbook(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    let response = client
        .get(format!("{}/officer/report.xlsx?{query}", app.address))
        .send()
        .await
        .expect("workbook");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let bytes = response.bytes().await.expect("body").to_vec();
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX workbook")
}

/// A sheet's rows as texts (numbers without a fraction print as integers).
fn rows(book: &mut Xlsx<std::io::Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<String>> {
    let range = book.worksheet_range(sheet).expect("the sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    Data::DateTime(_) => c.as_date().map(|d| d.to_string()).unwrap_or_default(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The value beside `label` in the summary sheet's first two columns.
fn figure(summary: &[Vec<String>], label: &str) -> String {
    summary
        .iter()
        .find(|r| r.first().is_some_and(|c| c == label))
        .and_then(|r| r.get(1).cloned())
        .unwrap_or_else(|| panic!("{label} in {summary:?}"))
}

#[tokio::test]
async fn the_provincial_report_has_the_periods_figures_on_its_page_and_in_its_workbook() {
    let app = spawn_app().await;
    history(&app).await;
    // B was verified in February 2026 (the others before the period).
    let b = seller::Entity::find()
        .filter(seller::Column::Slug.eq("seller-1000000002"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("B");
    let mut verified = b.into_active_model();
    verified.verified_at = Set(Some(at(2026, 2, 1)));
    verified.update(&app.db).await.expect("updated");
    // P7 sells at Co.opmart, verified by Hà Nội.
    let (_, u7) = app.signed_in("g@example.vn").await;
    let p7 = app.make_member(&u7, "1000000007").await;
    let coop = channels::declare(
        &app.db,
        u7.id,
        &p7,
        Declaration {
            kind: "supermarket_chain",
            channel_name: "Co.opmart",
            since: "2025-06-01",
            evidence_url: "https://example.vn/hop-dong",
            document: None,
        },
        at(2025, 7, 1).date_naive(),
        at(2025, 7, 1),
    )
    .await
    .expect("declared");
    let (_, hn_user) = app.signed_in("canbo.hn@example.vn").await;
    app.make_officer(&hn_user, "ha-noi").await;
    let hanoi = app.principal(&hn_user).await;
    channels::decide(
        &app.db,
        &hanoi,
        coop.pid,
        Verdict::Verify,
        "",
        &app.address,
        at(2025, 7, 10),
    )
    .await
    .expect("verified");

    let (officer, user) = app.signed_in("canbo.tq@example.vn").await;
    app.make_officer(&user, "tuyen-quang").await;
    let page = crate::refunds::app_page(&app, &officer, &format!("/officer/report?{PERIOD}")).await;
    assert!(
        page.contains("Báo cáo Chương trình OCOP — Tuyên Quang"),
        "{page}"
    );
    assert!(page.contains("66,7 %"), "P1 and P2 of three: {page}");
    assert!(
        page.contains("Giấy chứng nhận hết hiệu lực trong kỳ (1)")
            && page.contains("OCOP-TQ-2023-0102"),
        "{page}"
    );
    assert!(
        page.contains("Người bán được xác minh trong kỳ (1)"),
        "{page}"
    );
    assert!(
        page.contains("Chủ thể chưa tham gia thương mại hiện đại (1)")
            && page.contains("1000000003"),
        "{page}"
    );
    assert!(page.contains("150.000"), "web revenue: {page}");

    let mut book = workbook(&app, &officer, PERIOD).await;
    assert_eq!(
        book.sheet_names(),
        [
            "Tổng hợp",
            "Công nhận mới",
            "Hết hiệu lực",
            "Người bán mới",
            "Điểm bán",
            "Chưa tham gia"
        ]
    );
    let summary = rows(&mut book, "Tổng hợp");
    assert_eq!(
        figure(
            &summary,
            "Chủ thể OCOP (có chứng nhận còn hiệu lực trong kỳ)"
        ),
        "3"
    );
    assert_eq!(figure(&summary, "Tham gia thương mại hiện đại"), "2");
    assert_eq!(figure(&summary, "Chỉ trên sàn"), "2");
    assert_eq!(figure(&summary, "Chỉ kênh khác"), "0");
    // Sales here by channel: web 2 orders, 3 units, 150,000 ₫; the live show 1, 1, 50,000 ₫.
    let web = summary.iter().find(|r| r[0] == "Website").expect("web");
    assert_eq!(&web[1..4], ["2", "3", "150000"]);
    let live = summary.iter().find(|r| r[0] == "Livestream").expect("live");
    assert_eq!(&live[1..4], ["1", "1", "50000"]);
    let quarters: Vec<&Vec<String>> = summary
        .iter()
        .filter(|r| r[0].starts_with("2026-Q"))
        .collect();
    assert_eq!(quarters.len(), 2);
    let expired = rows(&mut book, "Hết hiệu lực");
    assert_eq!(
        expired.len(),
        2,
        "a header and P2's certificate: {expired:?}"
    );
    assert_eq!(expired[1][1], "OCOP-TQ-2023-0102");
    assert_eq!(expired[1][5], "2026-03-01");
    assert_eq!(rows(&mut book, "Công nhận mới").len(), 1, "none recognised");
    let onboarded = rows(&mut book, "Người bán mới");
    assert_eq!(onboarded.len(), 2);
    assert_eq!(onboarded[1][3], "1000000002");
    let waiting = rows(&mut book, "Chưa tham gia");
    assert_eq!(waiting.len(), 2);
    assert_eq!(waiting[1][1], "1000000003");
    assert_eq!(
        rows(&mut book, "Điểm bán").len(),
        1,
        "no outlet in Tuyên Quang"
    );

    // The nation: the administrator's only.
    let refused = officer
        .get(format!(
            "{}/officer/report.xlsx?province=all&{PERIOD}",
            app.address
        ))
        .send()
        .await
        .expect("request");
    assert!(
        matches!(refused.status().as_u16(), 403 | 404),
        "{}",
        refused.status()
    );
    let other = officer
        .get(format!(
            "{}/officer/report?province=ha-noi&{PERIOD}",
            app.address
        ))
        .send()
        .await
        .expect("request");
    assert!(
        matches!(other.status().as_u16(), 403 | 404),
        "{}",
        other.status()
    );
    let admin = crate::ledger::admin(&app).await;
    let mut book = workbook(&app, &admin, &format!("province=all&{PERIOD}")).await;
    let summary = rows(&mut book, "Tổng hợp");
    assert!(summary[0][0].ends_with("Toàn quốc"), "{:?}", summary[0]);
    // P1, P2, P6 here; P7 through Co.opmart; P3 nowhere: 4 of 5.
    assert_eq!(
        figure(
            &summary,
            "Chủ thể OCOP (có chứng nhận còn hiệu lực trong kỳ)"
        ),
        "5"
    );
    assert_eq!(figure(&summary, "Tham gia thương mại hiện đại"), "4");
    assert_eq!(figure(&summary, "Chỉ kênh khác"), "1");
    let counter = summary
        .iter()
        .find(|r| r[0] == "Điểm bán OCOP (tại quầy)")
        .expect("counter");
    assert_eq!(&counter[1..4], ["1", "2", "90000"]);
    let outlets = rows(&mut book, "Điểm bán");
    assert_eq!(outlets.len(), 2);
    assert_eq!(
        &outlets[1][1..5],
        ["Điểm bán OCOP Hà Nội", "1", "2", "90000"]
    );
    let page = crate::refunds::app_page(
        &app,
        &admin,
        &format!("/officer/report?province=all&{PERIOD}"),
    )
    .await;
    assert!(
        page.contains("Báo cáo Chương trình OCOP — Toàn quốc") && page.contains("80,0 %"),
        "{page}"
    );
}
