//! Money the platform holds for sellers (`features::orders::ledger`): a seller's statement per
//! period (page and CSV, members of the seller); for administrators the settlements (settle a
//! month that has ended, its payouts with a VietQR code each and the bank-upload CSV, a payout
//! marked paid) and the monthly withholding report (page and CSV).
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::domain::ids::SellerId;
use crate::domain::ledger::Period;
use crate::features::orders::ledger::{self, SettleError};
use crate::i18n::{tr, tr_with};
use crate::payments::vietqr;
use crate::routes::outlets::administrator;
use crate::routes::sales::{csv_bytes, csv_response};
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::CsrfOnly;
use crate::web::forms::chosen_seller;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;

#[derive(Deserialize)]
struct PeriodQuery {
    seller: Option<SellerId>,
    period: Option<String>,
}

/// The period asked for, else `default`; a malformed one is a 400 with the expected form.
fn period_of(raw: Option<&str>, default: Period) -> Result<Period, PageError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(default),
        Some(raw) => Period::parse(raw)
            .ok_or_else(|| PageError::BadRequest(tr_with("ledger.bad_period", &[("raw", &raw)]))),
    }
}

fn kind_label(kind: &str) -> String {
    tr(&format!("ledger.kind.{kind}"))
}

/// The month before the app clock's: what administrators look at first.
fn last_month(state: &AppState) -> Period {
    Period::of(state.clock.now()).previous()
}

/// The seller a member asks about, the period (this month by default) and its statement.
async fn statement_for(
    state: &AppState,
    req: &HttpRequest,
    query: &PeriodQuery,
) -> Result<
    (
        crate::db::entities::seller::Model,
        Period,
        ledger::Statement,
    ),
    PageError,
> {
    let principal = require(state, req).await?;
    let shop = chosen_seller(state, &principal, query.seller).await?;
    let period = period_of(query.period.as_deref(), Period::of(state.clock.now()))?;
    let statement = ledger::statement(&state.db, shop.id, period).await?;
    Ok((shop, period, statement))
}

/// An administrator's withholding report of a period (last month by default).
async fn withholding_for(
    state: &AppState,
    req: &HttpRequest,
    query: &PeriodQuery,
) -> Result<(Period, Vec<ledger::Withholding>, Vec<ledger::SelfDeclaring>), PageError> {
    administrator(state, req).await?;
    let period = period_of(query.period.as_deref(), last_month(state))?;
    let (rows, direct) = ledger::withholding(&state.db, period).await?;
    Ok((period, rows, direct))
}

#[get("/seller/statement")]
async fn statement_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let (shop, period, statement) = statement_for(&state, &req, &query).await?;
    let totals: Vec<_> = statement
        .totals
        .iter()
        .filter(|(_, amount)| *amount != crate::domain::money::Vnd::ZERO)
        .map(|(kind, amount)| json!({ "label": kind_label(kind), "amount_vnd": amount }))
        .collect();
    let lines: Vec<_> = statement
        .lines
        .iter()
        .map(|l| json!({ "line": l, "label": kind_label(&l.kind) }))
        .collect();
    form_page(
        &state,
        &req,
        StatusCode::OK,
        "pages/seller_statement",
        json!({
            "title": tr("ledger.statement_title"),
            "seller": { "id": shop.id, "name": shop.display_name },
            "period": statement.period,
            "previous": period.previous().to_string(),
            "next": period.next().to_string(),
            "lines": lines,
            "totals": totals,
            "balance_vnd": statement.balance_vnd,
            "payout": statement.payout,
        }),
    )
}

#[get("/seller/statement.csv")]
async fn statement_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let (shop, period, statement) = statement_for(&state, &req, &query).await?;
    let body = csv_bytes(
        &[
            "at",
            "order_code",
            "kind",
            "base_vnd",
            "rate_bps",
            "amount_vnd",
        ],
        statement
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.at.clone(),
                    l.order_code.clone().unwrap_or_default(),
                    l.kind.clone(),
                    l.base_vnd.dong().to_string(),
                    l.rate_bps.to_string(),
                    l.amount_vnd.dong().to_string(),
                ]
            })
            .collect(),
    )?;
    Ok(csv_response(
        &format!("statement-{}-{period}.csv", shop.slug),
        body,
    ))
}

async fn settlements_view(
    state: &AppState,
    req: &HttpRequest,
    period: Period,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let settled = ledger::settled_periods(&state.db).await?;
    let payouts = ledger::payouts(&state.db, period).await?;
    let rows: Vec<_> = payouts
        .iter()
        .map(|(p, seller)| {
            let qr = vietqr::Transfer {
                bank_bin: p.bank_bin.clone(),
                account_no: p.account_no.clone(),
                amount_vnd: p.amount_vnd,
                message: p.code.clone(),
            }
            .payload()
            .ok()
            .filter(|_| p.state == "pending")
            .and_then(|payload| vietqr::svg(&payload));
            json!({
                "payout": p,
                "seller": seller,
                "bank": vietqr::bank(&p.bank_bin).map_or(p.bank_bin.as_str(), |b| b.name),
                "qr_svg": qr,
                "paid": p.state == "paid",
            })
        })
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/admin_settlements",
        json!({
            "title": tr("ledger.settlements_title"),
            "period": period.to_string(),
            "due": last_month(state).to_string(),
            "settled": settled,
            "payouts": rows,
            "error": error,
        }),
    )
}

#[get("/admin/settlements")]
async fn settlements(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    administrator(&state, &req).await?;
    let period = period_of(query.period.as_deref(), last_month(&state))?;
    settlements_view(&state, &req, period, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct SettleForm {
    csrf: String,
    #[serde(default)]
    period: String,
}

/// Settles a month that has ended (once: settling it again changes nothing).
#[post("/admin/settlements")]
async fn settle(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SettleForm>,
) -> Result<HttpResponse, PageError> {
    administrator(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let period = period_of(Some(&form.period), last_month(&state))?;
    match ledger::settle(&state.db, period, state.clock.now()).await {
        Ok(_) => Ok(see_other(&format!("/admin/settlements?period={period}"))),
        Err(SettleError::Database(e)) => Err(e.into()),
        Err(e) => {
            let why = match e {
                SettleError::NotOver(p) => {
                    tr_with("ledger.not_over", &[("period", &p.to_string())])
                }
                _ => tr("ledger.changed"),
            };
            settlements_view(&state, &req, period, StatusCode::CONFLICT, Some(why)).await
        }
    }
}

/// The period's payouts in a bank's bulk-transfer upload form: one line per payout.
#[get("/admin/settlements/{period}/payouts.csv")]
async fn payouts_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    administrator(&state, &req).await?;
    let period = Period::parse(&path).ok_or(PageError::NotFound)?;
    let payouts = ledger::payouts(&state.db, period).await?;
    let body = csv_bytes(
        &[
            "no",
            "bank_bin",
            "bank",
            "account_no",
            "account_name",
            "amount_vnd",
            "message",
            "seller",
            "state",
        ],
        payouts
            .iter()
            .enumerate()
            .map(|(n, (p, seller))| {
                vec![
                    (n + 1).to_string(),
                    p.bank_bin.clone(),
                    vietqr::bank(&p.bank_bin)
                        .map(|b| b.name.to_owned())
                        .unwrap_or_default(),
                    p.account_no.clone(),
                    p.account_name.clone(),
                    p.amount_vnd.dong().to_string(),
                    format!("OCOP Village {} {period}", p.code),
                    seller.clone(),
                    p.state.clone(),
                ]
            })
            .collect(),
    )?;
    Ok(csv_response(&format!("payouts-{period}.csv"), body))
}

/// An administrator saw the payout's transfer go out.
#[post("/admin/payouts/{pid}/paid")]
async fn payout_paid(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let admin = administrator(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let by = Some(admin.user.id);
    // Paid already (a second click): back to the page all the same.
    match ledger::mark_paid(&state.db, *path, by, state.clock.now()).await? {
        None => Err(PageError::NotFound),
        Some(_) => Ok(see_other("/admin/settlements")),
    }
}

#[get("/admin/withholding")]
async fn withholding_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let (period, rows, direct) = withholding_for(&state, &req, &query).await?;
    form_page(
        &state,
        &req,
        StatusCode::OK,
        "pages/admin_withholding",
        json!({
            "title": tr("ledger.withholding_title"),
            "period": period.to_string(),
            "previous": period.previous().to_string(),
            "next": period.next().to_string(),
            "rows": rows,
            "direct": direct,
        }),
    )
}

#[get("/admin/withholding.csv")]
async fn withholding_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let (period, rows, direct) = withholding_for(&state, &req, &query).await?;
    let mut lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                period.to_string(),
                r.seller.clone(),
                r.tax_code.clone(),
                r.participant_type.clone(),
                "withheld".into(),
                r.gross_goods_vnd.dong().to_string(),
                r.refunded_goods_vnd.dong().to_string(),
                r.net_goods_vnd.dong().to_string(),
                r.vat_vnd.dong().to_string(),
                r.pit_vnd.dong().to_string(),
                if r.settled { "settled" } else { "preview" }.into(),
            ]
        })
        .collect();
    lines.extend(direct.iter().map(|d| {
        vec![
            period.to_string(),
            d.seller.clone(),
            d.tax_code.clone(),
            d.participant_type.clone(),
            "self_declaring".into(),
            d.goods_vnd.dong().to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]
    }));
    let body = csv_bytes(
        &[
            "period",
            "seller",
            "tax_code",
            "participant_type",
            "declared_by",
            "gross_goods_vnd",
            "refunded_goods_vnd",
            "net_goods_vnd",
            "vat_withheld_vnd",
            "pit_withheld_vnd",
            "status",
        ],
        lines,
    )?;
    Ok(csv_response(&format!("withholding-{period}.csv"), body))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(statement_page)
        .service(statement_csv)
        .service(settlements)
        .service(settle)
        .service(payouts_csv)
        .service(payout_paid)
        .service(withholding_page)
        .service(withholding_csv);
}
