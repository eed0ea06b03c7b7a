//! Sell-through and the modern-trade participation indicator: the public indicator page and
//! its CSV and JSON exports (`GET /api/v1/indicators/modern-trade`), the provincial officer's
//! page (the province's figures, the participants not selling yet, sell-through by seller,
//! exports for provincial reports) and the seller's own sales page. Every figure comes from
//! [`crate::features::sales`], computed by the database.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::domain::ids::SellerId;
use crate::domain::refusal::{ErrorCode, Refusal};
use crate::features::accounts::auth::Action;
use crate::features::accounts::auth::Principal;
use crate::features::accounts::auth::Scope;
use crate::features::sales;
use crate::features::sales::Indicator;
use crate::features::sales::Level;
use crate::features::sales::Period;
use crate::features::sales::SellThrough;
use crate::features::sales::Within;
use crate::i18n::Lang;
use crate::i18n::current;
use crate::i18n::pick;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::web::auth::require;
use crate::web::charts;
use crate::web::charts::Column;
use crate::web::charts::ShareBar;
use crate::web::error::ApiError;
use crate::web::error::PageError;
use crate::web::forms::chosen_seller;
use crate::web::forms::form_page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(indicator_page)
        .service(indicator_csv)
        .service(officer_page)
        .service(officer_participants)
        .service(officer_sell_through)
        .service(report_page)
        .service(report_xlsx)
        .service(seller_page)
        .service(seller_csv);
}

pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.service(modern_trade_api);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// First day (Vietnam), `YYYY-MM-DD`; default: the 1st of January of this year.
    from: Option<String>,
    /// Last day (Vietnam), `YYYY-MM-DD`, included; default: today.
    to: Option<String>,
    /// A province (officers' pages).
    #[param(ignore)]
    #[serde(default)]
    province: Option<String>,
    /// A seller (seller pages).
    #[param(ignore)]
    #[serde(default)]
    seller: Option<SellerId>,
    /// `seller` or `listing` (sell-through exports).
    #[param(ignore)]
    #[serde(default)]
    level: Option<String>,
}

impl PeriodQuery {
    fn period(&self, state: &AppState) -> Result<Period, String> {
        Period::parse(
            self.from.as_deref(),
            self.to.as_deref(),
            state.clock.today(),
        )
    }
}

/// `42,5 %` in Vietnamese, `42.5%` in English.
fn percent(share: f64) -> String {
    let n = format!("{:.1}", share * 100.0);
    match current() {
        Lang::Vi => format!("{} %", n.replace('.', ",")),
        Lang::En => format!("{n}%"),
    }
}

fn rate(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), percent)
}

pub(crate) fn csv_response(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

pub(crate) fn csv_bytes(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, PageError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)
        .map_err(|e| PageError::Unexpected(e.into()))?;
    for row in rows {
        w.write_record(&row)
            .map_err(|e| PageError::Unexpected(e.into()))?;
    }
    w.into_inner()
        .map_err(|e| PageError::Unexpected(anyhow::anyhow!("{e}")))
}

/// The share quarter by quarter against the target, as an SVG bar chart.
fn quarter_chart(quarters: &[sales::QuarterShare]) -> String {
    charts::share_bars(
        &tr("indicator.quarter_chart_title"),
        &quarters
            .iter()
            .map(|q| ShareBar {
                label: q.quarter.clone(),
                share: q.share.share,
                text: format!(
                    "{} ({}/{})",
                    percent(q.share.share),
                    q.share.selling,
                    q.share.participants
                ),
            })
            .collect::<Vec<_>>(),
        sales::TARGET,
        &tr_with(
            "indicator.target_line",
            &[("share", &percent(sales::TARGET))],
        ),
    )
}

/// A share's figures as the pages show them.
fn share_json(s: &sales::Share) -> serde_json::Value {
    json!({
        "participants": s.participants,
        "selling": s.selling,
        "here_only": s.here_only,
        "elsewhere_only": s.elsewhere_only,
        "both": s.both,
        "share": percent(s.share),
        "reached": s.share >= sales::TARGET,
    })
}

/// A share's figures with the name of what it is the share of.
fn named_share(s: &sales::Share, name: impl serde::Serialize) -> serde_json::Value {
    let mut row = share_json(s);
    row["name"] = json!(name);
    row
}

/// The shares of each participant type, named.
fn type_rows(types: &[sales::TypeShare]) -> Vec<serde_json::Value> {
    types
        .iter()
        .map(|t| named_share(&t.share, type_label(&t.participant_type)))
        .collect()
}

fn region_name(state: &AppState, code: &str) -> Option<String> {
    state
        .reference
        .region(code)
        .map(|r| pick(&r.name_vi, &r.name_en).to_owned())
}

fn type_label(participant_type: &str) -> String {
    let key = format!("producer.type.{participant_type}");
    let label = tr(&key);
    if label == key {
        participant_type.to_owned()
    } else {
        label
    }
}

fn province_name(state: &AppState, code: &str) -> String {
    state.reference.province_label(code)
}

/// The modern-trade participation indicator for a period: national, by region and by
/// province, against the 50 % target.
#[utoipa::path(
    get, path = "/api/v1/indicators/modern-trade", tag = "indicators",
    params(PeriodQuery),
    responses(
        (status = 200, description = "The indicator", body = Indicator),
        (status = 400, description = "A bad period", body = crate::web::error::ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = crate::web::error::ErrorBody),
    )
)]
#[get("/indicators/modern-trade")]
pub async fn modern_trade_api(
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = query
        .period(&state)
        .map_err(|m| Refusal::new(ErrorCode::InvalidPeriod).detail(m))?;
    let found = state
        .indicator(period)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    Ok(HttpResponse::Ok().json(found))
}

#[get("/indicators/modern-trade")]
async fn indicator_page(
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    let found = state.indicator(period).await?;
    let mut ranked: Vec<_> = found.provinces.iter().collect();
    ranked.sort_by(|a, b| {
        b.share
            .share
            .total_cmp(&a.share.share)
            .then(b.share.participants.cmp(&a.share.participants))
    });
    let bars: Vec<ShareBar> = ranked
        .iter()
        .map(|p| ShareBar {
            label: province_name(&state, &p.province_code),
            share: p.share.share,
            text: format!(
                "{} ({}/{})",
                percent(p.share.share),
                p.share.selling,
                p.share.participants
            ),
        })
        .collect();
    let chart = charts::share_bars(
        &tr("indicator.chart_title"),
        &bars,
        sales::TARGET,
        &tr_with(
            "indicator.target_line",
            &[("share", &percent(sales::TARGET))],
        ),
    );
    let provinces: Vec<_> = ranked
        .iter()
        .map(|p| {
            let mut row = named_share(&p.share, province_name(&state, &p.province_code));
            row["region"] = json!(region_name(&state, &p.region_code));
            row
        })
        .collect();
    let regions: Vec<_> = found
        .regions
        .iter()
        .map(|r| named_share(&r.share, region_name(&state, &r.region_code)))
        .collect();
    let types = type_rows(&found.participant_types);
    let quarter_chart = quarter_chart(&found.quarters);
    let qs = format!("from={}&to={}", period.from, period.to);
    let body = crate::render::render(
        "pages/indicator",
        &json!({
            "title": tr("indicator.title"),
            "description": tr("indicator.description"),
            "from": period.from.to_string(),
            "to": period.to.to_string(),
            "national": share_json(&found.national),
            "target": percent(sales::TARGET),
            "chart": chart,
            "quarter_chart": quarter_chart,
            "provinces": provinces,
            "regions": regions,
            "types": types,
            "csv_href": format!("/indicators/modern-trade.csv?{qs}"),
            "json_href": format!("/api/v1/indicators/modern-trade?{qs}"),
        }),
    )?;
    Ok(crate::web::page_cache::shared_page(body))
}

#[get("/indicators/modern-trade.csv")]
async fn indicator_csv(
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    let found = state.indicator(period).await?;
    let line = |p: sales::Period, level: &str, code: &str, s: &sales::Share| {
        vec![
            p.from.to_string(),
            p.to.to_string(),
            level.to_owned(),
            code.to_owned(),
            s.participants.to_string(),
            s.selling.to_string(),
            format!("{:.4}", s.share),
            format!("{:.2}", sales::TARGET),
            s.here_only.to_string(),
            s.elsewhere_only.to_string(),
            s.both.to_string(),
        ]
    };
    let mut rows = vec![line(period, "national", "vn", &found.national)];
    rows.extend(
        found
            .regions
            .iter()
            .map(|r| line(period, "region", &r.region_code, &r.share)),
    );
    rows.extend(
        found
            .provinces
            .iter()
            .map(|p| line(period, "province", &p.province_code, &p.share)),
    );
    rows.extend(
        found
            .participant_types
            .iter()
            .map(|t| line(period, "participant_type", &t.participant_type, &t.share)),
    );
    rows.extend(
        found
            .quarters
            .iter()
            .map(|q| line(q.period, "quarter", &q.quarter, &q.share)),
    );
    let body = csv_bytes(
        &[
            "from",
            "to",
            "level",
            "code",
            "participants",
            "selling",
            "share",
            "target",
            "here_only",
            "elsewhere_only",
            "both",
        ],
        rows,
    )?;
    Ok(csv_response(
        &format!("modern-trade-{}-{}.csv", period.from, period.to),
        body,
    ))
}

/// The province an officer's page is about: the one asked for (within the principal's
/// provinces), or the principal's first.
fn officer_province(
    state: &AppState,
    principal: &Principal,
    asked: Option<&str>,
) -> Result<String, PageError> {
    if !principal.is_officer() {
        return Err(PageError::AccessDenied);
    }
    let code = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => state
            .reference
            .resolve_province(raw)
            .ok_or(PageError::NotFound)?
            .code
            .clone(),
        None => match principal.reviewed_provinces() {
            Some(codes) => codes.first().cloned().ok_or(PageError::AccessDenied)?,
            None => state
                .reference
                .provinces
                .first()
                .map(|p| p.code.clone())
                .ok_or(PageError::NotFound)?,
        },
    };
    if principal.can(Action::ReviewProvince, &Scope::Province(&code)) {
        Ok(code)
    } else {
        Err(PageError::AccessDenied)
    }
}

fn sell_through_json(rows: &[(String, SellThrough)]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|(name, r)| {
            json!({
                "name": name,
                "orders": r.orders,
                "units": r.units,
                "on_hand": r.on_hand,
                "rate": rate(r.rate),
                "revenue_vnd": r.revenue_vnd,
                "web": r.web.units,
                "livestream": r.livestream.units,
                "outlet": r.outlet.units,
            })
        })
        .collect()
}

fn sell_through_csv(period: Period, rows: &[(String, SellThrough)]) -> Result<Vec<u8>, PageError> {
    csv_bytes(
        &[
            "from",
            "to",
            "name",
            "orders",
            "units",
            "on_hand",
            "sell_through",
            "revenue_vnd",
            "web_units",
            "livestream_units",
            "outlet_units",
            "web_revenue_vnd",
            "livestream_revenue_vnd",
            "outlet_revenue_vnd",
        ],
        rows.iter()
            .map(|(name, r)| {
                vec![
                    period.from.to_string(),
                    period.to.to_string(),
                    name.clone(),
                    r.orders.to_string(),
                    r.units.to_string(),
                    r.on_hand.to_string(),
                    r.rate.map_or_else(String::new, |x| format!("{x:.4}")),
                    r.revenue_vnd.dong().to_string(),
                    r.web.units.to_string(),
                    r.livestream.units.to_string(),
                    r.outlet.units.to_string(),
                    r.web.revenue_vnd.dong().to_string(),
                    r.livestream.revenue_vnd.dong().to_string(),
                    r.outlet.revenue_vnd.dong().to_string(),
                ]
            })
            .collect(),
    )
}

#[get("/officer/indicators")]
async fn officer_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let code = officer_province(&state, &principal, query.province.as_deref())?;
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    // The province's participants are its denominator, and those selling its numerator: no
    // national query for one province.
    let figures = state.participants(&code, period).await?;
    let participants = &figures.value;
    let (selling, waiting): (Vec<_>, Vec<_>) = participants.iter().partition(|p| p.selling());
    let share = sales::Share::new(
        participants.len() as i64,
        participants
            .iter()
            .fold(sales::Reach::default(), |r, p| r + p.reach()),
    );
    let view = |p: &&sales::ParticipantStatus| {
        json!({
            "registration_no": p.business_registration_no,
            "name": p.name,
            "commune": p.commune,
            "certificates": p.certificates,
            "orders": p.orders,
            "units": p.units,
            "revenue_vnd": p.revenue_vnd,
            "channels": p.channels,
            "since": p.modern_trade_since.map(crate::domain::time::format_vietnam),
        })
    };
    let within = Within {
        province_code: Some(code.clone()),
        ..Within::default()
    };
    let by_seller = state.sell_through(Level::Seller, &within, period).await?;
    // Hundreds of rows, the same for every officer of the province: rendered once per
    // language and computation of the figures they show (figures answered from before while
    // they are computed again are not kept as the current version's).
    let key = format!(
        "officer-indicators|{}|{code}|{}..{}|{}|{}",
        crate::i18n::current().code(),
        period.from,
        period.to,
        figures.serial,
        by_seller.serial
    );
    let tables = state
        .fragment(&key, "partials/officer_indicator_tables", async {
            Ok::<_, PageError>(json!({
                "waiting_count": waiting.len(),
                "selling_count": selling.len(),
                "waiting": waiting.iter().map(view).collect::<Vec<_>>(),
                "selling": selling.iter().map(view).collect::<Vec<_>>(),
                "by_seller": sell_through_json(&by_seller.value),
            }))
        })
        .await?;
    let chart = charts::share_bars(
        &tr("indicator.chart_title"),
        &[ShareBar {
            label: province_name(&state, &code),
            share: share.share,
            text: percent(share.share),
        }],
        sales::TARGET,
        &tr_with(
            "indicator.target_line",
            &[("share", &percent(sales::TARGET))],
        ),
    );
    let choices: Vec<_> = state
        .reference
        .provinces
        .iter()
        .filter(|p| principal.can(Action::ReviewProvince, &Scope::Province(&p.code)))
        .map(|p| json!({ "code": p.code, "name": p.name(), "selected": p.code == code }))
        .collect();
    let qs = format!("province={code}&from={}&to={}", period.from, period.to);
    form_page(
        &state,
        &req,
        actix_web::http::StatusCode::OK,
        "pages/officer_indicators",
        json!({
            "title": tr_with("indicator.officer_title", &[("province", &province_name(&state, &code))]),
            "province": province_name(&state, &code),
            "province_code": code,
            "from": period.from.to_string(),
            "to": period.to.to_string(),
            "share": share_json(&share),
            "target": percent(sales::TARGET),
            "chart": chart,
            "many_choices": choices.len() > 1,
            "choices": choices,
            "tables": &*tables,
            "participants_csv": format!("/officer/indicators/participants.csv?{qs}"),
            "seller_csv": format!("/officer/indicators/sell-through.csv?{qs}&level=seller"),
            "listing_csv": format!("/officer/indicators/sell-through.csv?{qs}&level=listing"),
        }),
    )
}

/// Every participant of the province in the period's denominator, with its sales and its
/// modern-trade mark, for provincial reports.
#[get("/officer/indicators/participants.csv")]
async fn officer_participants(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let code = officer_province(&state, &principal, query.province.as_deref())?;
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    let rows = sales::participants(&state.db, Some(&code), period).await?;
    let body = csv_bytes(
        &[
            "province_code",
            "business_registration_no",
            "name",
            "participant_type",
            "commune",
            "certificates",
            "selling_in_period",
            "verified_channels",
            "orders",
            "units",
            "revenue_vnd",
            "modern_trade_since",
        ],
        rows.iter()
            .map(|p| {
                vec![
                    code.clone(),
                    p.business_registration_no.clone(),
                    p.name.clone(),
                    p.participant_type.clone(),
                    p.commune.clone(),
                    p.certificates.to_string(),
                    if p.selling() { "yes" } else { "no" }.to_owned(),
                    p.channels.to_string(),
                    p.orders.to_string(),
                    p.units.to_string(),
                    p.revenue_vnd.dong().to_string(),
                    p.modern_trade_since
                        .map(|t| crate::domain::time::vietnam_date(t).to_string())
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    )?;
    Ok(csv_response(
        &format!("participants-{code}-{}-{}.csv", period.from, period.to),
        body,
    ))
}

#[get("/officer/indicators/sell-through.csv")]
async fn officer_sell_through(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let code = officer_province(&state, &principal, query.province.as_deref())?;
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    let level = match query.level.as_deref() {
        None | Some("seller") => Level::Seller,
        Some("listing") => Level::Listing,
        Some(other) => {
            return Err(PageError::BadRequest(format!(
                "level must be seller or listing, not {other:?}"
            )));
        }
    };
    let within = Within {
        province_code: Some(code.clone()),
        ..Within::default()
    };
    let rows = sales::sell_through(&state.db, level, &within, period).await?;
    let rows = sales::labelled(&state.db, &state.reference, level, &rows).await?;
    Ok(csv_response(
        &format!("sell-through-{code}-{}-{}.csv", period.from, period.to),
        sell_through_csv(period, &rows)?,
    ))
}

#[get("/seller/sales")]
async fn seller_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let shop = chosen_seller(&state, &principal, query.seller).await?;
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    let within = Within {
        seller_id: Some(shop.id),
        ..Within::default()
    };
    let listings = state
        .sell_through(Level::Listing, &within, period)
        .await?
        .value;
    let totals = state
        .sell_through(Level::Seller, &within, period)
        .await?
        .value
        .first()
        .map(|(_, row)| row.clone())
        .unwrap_or_default();
    let shipping = sales::shipping_collected(&state.db, &within, period).await?;
    let pack_sizes = sales::by_pack_size(&state.db, &within, period).await?;
    let buckets = sales::over_time(&state.db, &within, period).await?;
    let chart = charts::columns(
        &tr("sales.chart_title"),
        &buckets
            .iter()
            .map(|b| Column {
                label: b.label.clone(),
                value: b.revenue_vnd.dong(),
            })
            .collect::<Vec<_>>(),
        &|v| crate::domain::money::Vnd::new(v).to_string(),
    );
    let qs = format!("seller={}&from={}&to={}", shop.id, period.from, period.to);
    form_page(
        &state,
        &req,
        actix_web::http::StatusCode::OK,
        "pages/seller_sales",
        json!({
            "title": tr_with("sales.title", &[("seller", &shop.display_name)]),
            "seller": { "id": shop.id, "display_name": shop.display_name },
            "from": period.from.to_string(),
            "to": period.to.to_string(),
            "totals": {
                "orders": totals.orders,
                "units": totals.units,
                "on_hand": totals.on_hand,
                "rate": rate(totals.rate),
                "revenue_vnd": totals.revenue_vnd,
                "shipping_vnd": shipping,
                "web": totals.web,
                "livestream": totals.livestream,
                "outlet": totals.outlet,
            },
            "chart": chart,
            "pack_sizes": pack_sizes,
            "buckets": buckets,
            "listings": sell_through_json(&listings),
            "csv_href": format!("/seller/sales.csv?{qs}"),
        }),
    )
}

#[get("/seller/sales.csv")]
async fn seller_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let shop = chosen_seller(&state, &principal, query.seller).await?;
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    let within = Within {
        seller_id: Some(shop.id),
        ..Within::default()
    };
    let rows = sales::sell_through(&state.db, Level::Listing, &within, period).await?;
    let rows = sales::labelled(&state.db, &state.reference, Level::Listing, &rows).await?;
    Ok(csv_response(
        &format!("sales-{}-{}-{}.csv", shop.slug, period.from, period.to),
        sell_through_csv(period, &rows)?,
    ))
}

/// The scope of a report: the officer's province (as [`officer_province`]), or, for the
/// administrator asking `province=all`, the nation (`None`).
fn report_scope(
    state: &AppState,
    principal: &Principal,
    asked: Option<&str>,
) -> Result<Option<String>, PageError> {
    if asked.map(str::trim) == Some("all") {
        return if principal.is_admin() {
            Ok(None)
        } else {
            Err(PageError::AccessDenied)
        };
    }
    officer_province(state, principal, asked).map(Some)
}

fn report_scope_name(state: &AppState, scope: Option<&str>) -> String {
    scope.map_or_else(|| tr("report.national"), |code| province_name(state, code))
}

/// How many rows of a list the printable page shows (the workbook has them all).
const PAGE_ROWS: usize = 300;

/// The provincial report for a period: a printable page.
#[get("/officer/report")]
async fn report_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let scope = report_scope(&state, &principal, query.province.as_deref())?;
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    let found = sales::report::report(&state.db, period, scope.as_deref()).await?;
    let name = report_scope_name(&state, scope.as_deref());
    let chart = quarter_chart(&found.indicator.quarters);
    let types = type_rows(&found.indicator.participant_types);
    let channel = |key: &str, f: sales::ChannelFigures| json!({ "name": tr(key), "orders": f.orders, "units": f.units, "revenue_vnd": f.revenue_vnd });
    let certificate = |c: &sales::report::CertificateLine| {
        json!({
            "province": province_name(&state, &c.province_code),
            "certificate_no": c.certificate_no,
            "product": c.product_name_vi,
            "stars": c.stars,
            "participant": c.participant_name,
            "day": c.day.format("%d/%m/%Y").to_string(),
        })
    };
    let list_of = |n: usize| json!({ "count": n, "cut": n > PAGE_ROWS, "shown": n.min(PAGE_ROWS) });
    let mut choices: Vec<_> = state
        .reference
        .provinces
        .iter()
        .filter(|p| principal.can(Action::ReviewProvince, &Scope::Province(&p.code)))
        .map(|p| json!({ "code": p.code, "name": p.name(), "selected": scope.as_deref() == Some(p.code.as_str()) }))
        .collect();
    if principal.is_admin() {
        choices.insert(
            0,
            json!({ "code": "all", "name": tr("report.national"), "selected": scope.is_none() }),
        );
    }
    let code = scope.clone().unwrap_or_else(|| "all".to_owned());
    form_page(
        &state,
        &req,
        actix_web::http::StatusCode::OK,
        "pages/officer_report",
        json!({
            "title": tr_with("report.title", &[("scope", &name)]),
            "scope": name,
            "province_code": code,
            "from": period.from.to_string(),
            "to": period.to.to_string(),
            "from_vi": period.from.format("%d/%m/%Y").to_string(),
            "to_vi": period.to.format("%d/%m/%Y").to_string(),
            "share": share_json(&found.indicator.share),
            "target": percent(sales::TARGET),
            "chart": chart,
            "types": types,
            "channels": [
                channel("report.web", found.channels.web),
                channel("report.livestream", found.channels.livestream),
                channel("report.outlet", found.channels.outlet),
                channel("report.total", found.channels.total()),
            ],
            "recognised": found.recognised.iter().take(PAGE_ROWS).map(certificate).collect::<Vec<_>>(),
            "recognised_list": list_of(found.recognised.len()),
            "expired": found.expired.iter().take(PAGE_ROWS).map(certificate).collect::<Vec<_>>(),
            "expired_list": list_of(found.expired.len()),
            "onboarded": found.onboarded.iter().take(PAGE_ROWS).map(|s| json!({
                "province": province_name(&state, &s.province_code),
                "name": s.display_name,
                "type": type_label(&s.participant_type),
                "registration_no": s.business_registration_no,
                "day": crate::domain::time::vietnam_date(s.verified_at).format("%d/%m/%Y").to_string(),
            })).collect::<Vec<_>>(),
            "onboarded_list": list_of(found.onboarded.len()),
            "outlets": found.outlets.iter().take(PAGE_ROWS).map(|o| json!({
                "province": province_name(&state, &o.province_code),
                "name": o.name,
                "orders": o.orders,
                "units": o.units,
                "revenue_vnd": o.revenue_vnd,
            })).collect::<Vec<_>>(),
            "outlets_list": list_of(found.outlets.len()),
            "waiting": found.not_in_modern_trade.iter().take(PAGE_ROWS).map(|p| json!({
                "province": province_name(&state, &p.province_code),
                "registration_no": p.business_registration_no,
                "name": p.name,
                "type": type_label(&p.participant_type),
                "commune": p.commune,
            })).collect::<Vec<_>>(),
            "waiting_list": list_of(found.not_in_modern_trade.len()),
            "many_choices": choices.len() > 1,
            "choices": choices,
            "xlsx_href": format!("/officer/report.xlsx?province={code}&from={}&to={}", period.from, period.to),
        }),
    )
}

/// The provincial report for a period as an XLSX workbook.
#[get("/officer/report.xlsx")]
async fn report_xlsx(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let scope = report_scope(&state, &principal, query.province.as_deref())?;
    let period = query.period(&state).map_err(PageError::BadRequest)?;
    let found = sales::report::report(&state.db, period, scope.as_deref()).await?;
    let translate = |key: &str| tr(key);
    let province = |code: &str| province_name(&state, code);
    let labels = sales::report::Labels {
        tr: &translate,
        province: &province,
        participant_type: &type_label,
        scope: report_scope_name(&state, scope.as_deref()),
    };
    let body = sales::report::xlsx(&found, &labels).map_err(|e| PageError::Unexpected(e.into()))?;
    let code = scope.unwrap_or_else(|| "vn".to_owned());
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"ocop-report-{code}-{}-{}.xlsx\"",
                period.from, period.to
            ),
        ))
        .body(body))
}
