//! The settlement ledger: a household seller's card order paid, partly refunded, settled and
//! paid out reconciles to the đồng (entries, payout, statement, withholding report); replayed
//! Stripe and bank events change nothing; concurrent settlements settle once.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use ocop_village::config::PaymentSettings;
use ocop_village::db::entities::{ledger_entry, order, payout, user};
use ocop_village::domain::ledger::{Period, Rates};
use ocop_village::features::orders::ledger;

use crate::checkout::listing_of;
use crate::helpers::{
    TestApp, csrf, post_form, sample_registry, seller_of_listing, snapshot_day, spawn_app_with,
};
use crate::payments::{
    StripeStandIn, bank_event, checkout_through_pages, event, refund_json, settings, stripe_event,
    stripe_stand_in,
};

/// 5 % commission, Stripe at 3.4 %.
const RATES: Rates = Rates {
    commission_bps: 500,
    stripe_fee_bps: 340,
};

/// The Đà Nẵng household business sells 3 sausages (50,000 ₫ each) by card, paid: the app,
/// the seller's browser, the order.
pub(crate) async fn household_card_sale(
    stripe: &StripeStandIn,
) -> (TestApp, reqwest::Client, order::Model) {
    let payments = PaymentSettings {
        rates: RATES,
        ..settings(&stripe.base)
    };
    let app = spawn_app_with(snapshot_day(), payments).await;
    app.import(sample_registry(), false).await.expect("import");
    let (seller, pid) = listing_of(
        &app,
        "b@example.vn",
        "8122746461007",
        "OCOP-DN-2022-0002",
        9,
    )
    .await;
    crate::orders::with_bank_account(&app, seller_of_listing(&app, pid).await).await;
    let paid = crate::refunds::pay_by_card(&app, pid).await;
    assert_eq!(stripe_event(&app, &paid).await.1["outcome"], "replayed");
    let o = crate::refunds::the_order(&app).await;
    (app, seller, o)
}

async fn entries(app: &TestApp) -> Vec<ledger_entry::Model> {
    ledger_entry::Entity::find()
        .order_by_asc(ledger_entry::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
}

fn amounts(entries: &[ledger_entry::Model]) -> Vec<(String, i64, i64)> {
    entries
        .iter()
        .map(|e| (e.kind.clone(), e.amount_vnd.dong(), e.base_vnd.dong()))
        .collect()
}

pub(crate) async fn admin(app: &TestApp) -> reqwest::Client {
    let (client, someone) = app.signed_in("quantri@example.vn").await;
    let mut appointed: user::ActiveModel = someone.into();
    appointed.is_admin = Set(true);
    appointed.update(&app.db).await.expect("admin");
    client
}

async fn csv_of(app: &TestApp, client: &reqwest::Client, path: &str) -> Vec<Vec<String>> {
    let response = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("csv");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let body = response.text().await.expect("body");
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_card_order_paid_partly_refunded_settled_and_paid_out_reconciles_to_the_dong() {
    let stripe = stripe_stand_in().await;
    let (app, seller, o) = household_card_sale(&stripe).await;
    let total = o.total_vnd().dong();
    let goods = o.subtotal_vnd.dong();
    assert_eq!(goods, 150_000);
    let fee = (total * 340 + 5_000) / 10_000;
    // The sale, Stripe's fee on what was charged, the commission on the goods: once, though
    // the payment event came twice.
    assert_eq!(
        amounts(&entries(&app).await),
        vec![
            ("sale".into(), total, goods),
            ("stripe_fee".into(), -fee, total),
            ("commission".into(), -7_500, goods),
        ]
    );

    // 30,000 ₫ back to the card: it leaves the balance with the commission on it.
    let page = format!("/seller/orders/{}", o.pid);
    let token = csrf(&app, &seller, &page).await;
    let refunded = post_form(
        &app,
        &seller,
        &format!("{page}/refunds"),
        &[
            ("csrf", &token),
            ("key", "ledger-refund-1"),
            ("amount", "30000"),
            ("reason", "Một cây bị vỡ"),
        ],
    )
    .await;
    assert_eq!(refunded.status().as_u16(), 303);
    let ours = ocop_village::db::entities::refund::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("the refund");
    // Stripe's event about the refund, twice: nothing more.
    let settled = event(
        "evt_refund_ledger",
        "refund.updated",
        refund_json("re_test_1", 30_000, "succeeded", &ours.pid.to_string()),
    );
    for expected in ["pending", "replayed"] {
        assert_eq!(stripe_event(&app, &settled).await.1["outcome"], expected);
    }
    let after_refund = entries(&app).await;
    assert_eq!(
        amounts(&after_refund[3..]),
        vec![
            ("refund".into(), -30_000, 30_000),
            ("commission_back".into(), 1_500, 30_000),
        ]
    );

    // The month is over: settling it withholds 1 % VAT and 0.5 % PIT on the net goods
    // (150,000 − 30,000) and pays the rest out.
    let period = Period::of(app.now);
    let later = app.now + chrono::Duration::days(40);
    let done = ledger::settle(&app.db, period, later)
        .await
        .expect("settled");
    assert!(done.newly);
    assert_eq!(done.payouts, 1);
    let all = entries(&app).await;
    assert_eq!(
        amounts(&all[5..]),
        vec![
            ("vat".into(), -1_200, 120_000),
            ("pit".into(), -600, 120_000)
        ]
    );
    let due = total - fee - 7_500 - 30_000 + 1_500 - 1_200 - 600;
    assert_eq!(done.total_vnd.dong(), due);
    let p = payout::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a payout");
    assert_eq!(
        (
            p.amount_vnd.dong(),
            p.account_no.as_str(),
            p.state.as_str(),
            p.period.clone()
        ),
        (due, "0011001234567", "pending", period.to_string())
    );
    assert!(
        all.iter().all(|e| e.payout_id == Some(p.id)),
        "every entry is in the payout"
    );
    // Settling again changes nothing.
    let again = ledger::settle(&app.db, period, later).await.expect("again");
    assert!(!again.newly);
    assert_eq!(app.count("payouts", "1 = 1").await, 1);

    // The seller's statement adds up to the payout; the withholding report matches the ledger.
    let lines = csv_of(
        &app,
        &seller,
        &format!("/seller/statement.csv?period={period}"),
    )
    .await;
    assert_eq!(lines.len(), 7);
    let sum: i64 = lines
        .iter()
        .map(|l| l[5].parse::<i64>().expect("amount"))
        .sum();
    assert_eq!(sum, due);
    let officer = admin(&app).await;
    let report = csv_of(
        &app,
        &officer,
        &format!("/admin/withholding.csv?period={period}"),
    )
    .await;
    let row = &report[0];
    assert_eq!(row[2], "8122746461007");
    assert_eq!(row[3], "household_business");
    assert_eq!(
        &row[5..11],
        ["150000", "30000", "120000", "1200", "600", "settled"]
    );
    // 1.5 % of the net goods sales of the period.
    assert_eq!(1_200 + 600, 120_000 * 15 / 1_000);
    let bank_file = csv_of(
        &app,
        &officer,
        &format!("/admin/settlements/{period}/payouts.csv"),
    )
    .await;
    assert_eq!(bank_file.len(), 1);
    assert_eq!(bank_file[0][5], due.to_string());

    // The bank reports the payout's transfer: paid, once.
    let notice = serde_json::json!({
        "id": "FT-PAYOUT-1", "amount_vnd": due, "account_no": "0011001234567",
        "description": format!("OCOP Village {} {period}", p.code),
    })
    .to_string();
    for expected in ["paid_out", "replayed"] {
        assert_eq!(bank_event(&app, &notice).await.1["outcome"], expected);
    }
    let paid = payout::Entity::find_by_id(p.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("payout");
    assert_eq!(
        (paid.state.as_str(), paid.paid_by.as_deref()),
        ("paid", Some("bank"))
    );
    // An administrator's late click changes nothing; an unknown payout is a 404.
    let token = csrf(&app, &officer, "/admin/settlements").await;
    let click = post_form(
        &app,
        &officer,
        &format!("/admin/payouts/{}/paid", p.pid),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(click.status().as_u16(), 303);
    let unknown = post_form(
        &app,
        &officer,
        &format!("/admin/payouts/{}/paid", uuid::Uuid::new_v4()),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(unknown.status().as_u16(), 404);
    let still = payout::Entity::find_by_id(p.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("payout");
    assert_eq!(still.paid_by.as_deref(), Some("bank"));
    // Nothing was written twice along the way.
    assert_eq!(entries(&app).await.len(), 7);
}

#[tokio::test]
async fn only_a_month_that_has_ended_is_settled_and_a_cash_seller_declares_its_own_tax() {
    let stripe = stripe_stand_in().await;
    let (app, _, _) = household_card_sale(&stripe).await;
    let period = Period::of(app.now);
    let refused = ledger::settle(&app.db, period, app.now).await;
    assert!(
        matches!(refused, Err(ledger::SettleError::NotOver(_))),
        "{refused:?}"
    );
    assert_eq!(app.count("payouts", "1 = 1").await, 0);
    // Before settlement the report previews the same figures.
    let (rows, direct) = ledger::withholding(&app.db, period).await.expect("report");
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].settled);
    assert_eq!(
        (rows[0].vat_vnd.dong(), rows[0].pit_vnd.dong()),
        (1_500, 750)
    );
    assert!(direct.is_empty());

    // A cash order delivered this month: its seller is listed as declaring its own tax.
    let (tea_seller, tea) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    assert_eq!(
        checkout_through_pages(&app, tea, "cod")
            .await
            .status()
            .as_u16(),
        303
    );
    let o = order::Entity::find()
        .order_by_desc(order::Column::Id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the cash order");
    crate::refunds::deliver(&app, &tea_seller, &o).await;
    let (_, direct) = ledger::withholding(&app.db, period).await.expect("report");
    assert_eq!(direct.len(), 1);
    assert_eq!(
        (
            direct[0].tax_code.as_str(),
            direct[0].orders,
            direct[0].goods_vnd.dong()
        ),
        ("2510996049", 1, 150_000)
    );
    // The cash sale is not in the ledger: the platform never held that money.
    assert_eq!(
        entries(&app)
            .await
            .iter()
            .filter(|e| e.order_id == Some(o.id))
            .count(),
        0
    );
}

/// Four instances settle the same month at the same moment: one payout, every entry in it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_settlements_settle_a_month_once() {
    let stripe = stripe_stand_in().await;
    let (app, _, _) = household_card_sale(&stripe).await;
    let period = Period::of(app.now);
    let later = app.now + chrono::Duration::days(40);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let db = app.db.clone();
            tokio::spawn(async move { ledger::settle(&db, period, later).await })
        })
        .collect();
    let mut newly = 0;
    for run in runs {
        let done = run.await.expect("joined").expect("settled");
        newly += usize::from(done.newly);
    }
    assert_eq!(newly, 1);
    assert_eq!(app.count("payouts", "1 = 1").await, 1);
    assert_eq!(app.count("settlements", "1 = 1").await, 1);
    assert_eq!(app.count("ledger_entries", "kind = 'vat'").await, 1);
    let p = payout::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("payout");
    let sum: i64 = entries(&app)
        .await
        .iter()
        .filter(|e| e.payout_id == Some(p.id))
        .map(|e| e.amount_vnd.dong())
        .sum();
    assert_eq!(sum, p.amount_vnd.dong());
    let unpaid = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::PayoutId.is_null())
        .all(&app.db)
        .await
        .expect("query");
    assert!(unpaid.is_empty());
}
