//! The provincial report to the programme (and the national one for the administrator): for
//! a province and a period, the modern-trade indicator (with where, participant types and
//! quarters), the certificates recognised and expired, the sellers onboarded, the sales here by
//! channel, the outlets' sales and the participants not yet in modern trade; as a printable
//! page and an XLSX workbook ([`xlsx`]) with the same numbers.
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};
use serde::Serialize;

use super::{ChannelFigures, Level, ParticipantStatus, Period, ScopedIndicator, Within};
use crate::db::statement;
use crate::features::orders::completion::completed;

/// A certificate recognised or expiring in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct CertificateLine {
    pub province_code: String,
    pub certificate_no: String,
    pub product_name_vi: String,
    pub stars: i16,
    pub participant_name: String,
    /// The day it was recognised, or the day it stopped being valid.
    pub day: NaiveDate,
}

/// A seller verified against the registry in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct SellerLine {
    pub province_code: String,
    pub display_name: String,
    pub participant_type: String,
    pub business_registration_no: String,
    pub verified_at: chrono::DateTime<chrono::Utc>,
}

/// An outlet's counter sales in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct OutletLine {
    pub province_code: String,
    pub name: String,
    pub orders: i64,
    pub units: i64,
    pub revenue_vnd: i64,
}

/// Sales here by channel in the period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Channels {
    pub web: ChannelFigures,
    pub livestream: ChannelFigures,
    pub outlet: ChannelFigures,
}

impl Channels {
    pub fn total(&self) -> ChannelFigures {
        ChannelFigures {
            orders: self.web.orders + self.livestream.orders + self.outlet.orders,
            units: self.web.units + self.livestream.units + self.outlet.units,
            revenue_vnd: self.web.revenue_vnd
                + self.livestream.revenue_vnd
                + self.outlet.revenue_vnd,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// `None`: the nation.
    pub province_code: Option<String>,
    pub period: Period,
    pub indicator: ScopedIndicator,
    pub recognised: Vec<CertificateLine>,
    pub expired: Vec<CertificateLine>,
    pub onboarded: Vec<SellerLine>,
    pub channels: Channels,
    pub outlets: Vec<OutletLine>,
    /// Participants in the denominator with neither a sale here nor a verified channel.
    pub not_in_modern_trade: Vec<ParticipantStatus>,
}

/// ` AND {column} = ?` with its value, for a province; nothing for the nation.
fn only(column: &str, province: Option<&str>, values: &mut Vec<Value>) -> String {
    match province {
        Some(code) => {
            values.push(code.into());
            format!(" AND {column} = ?")
        }
        None => String::new(),
    }
}

/// Certificates of the scope recognised in the period (`recognized_on` in it), or that stopped
/// being valid in it (valid until the day before `expires_on`: that day is in the period).
async fn certificates(
    db: &impl ConnectionTrait,
    period: Period,
    province: Option<&str>,
    expired: bool,
) -> Result<Vec<CertificateLine>, DbErr> {
    let column = if expired {
        "c.expires_on"
    } else {
        "c.recognized_on"
    };
    let mut values: Vec<Value> = vec![period.from.into(), period.to.into()];
    let scope = only("c.province_code", province, &mut values);
    let sql = format!(
        "SELECT c.province_code AS province_code, c.certificate_no AS certificate_no, \
                c.product_name_vi AS product_name_vi, c.stars AS stars, \
                p.name AS participant_name, {column} AS day \
         FROM registry_certificates c JOIN registry_participants p ON p.id = c.participant_id \
         WHERE {column} >= ? AND {column} <= ?{scope} \
         ORDER BY c.province_code, {column}, c.certificate_no"
    );
    CertificateLine::find_by_statement(statement(db.get_database_backend(), &sql, values))
        .all(db)
        .await
}

async fn onboarded(
    db: &impl ConnectionTrait,
    period: Period,
    province: Option<&str>,
) -> Result<Vec<SellerLine>, DbErr> {
    let mut values: Vec<Value> = vec![period.start().into(), period.end().into()];
    let scope = only("p.province_code", province, &mut values);
    let sql = format!(
        "SELECT p.province_code AS province_code, s.display_name AS display_name, \
                p.participant_type AS participant_type, \
                p.business_registration_no AS business_registration_no, s.verified_at AS verified_at \
         FROM sellers s JOIN registry_participants p ON p.id = s.participant_id \
         WHERE s.verified_at >= ? AND s.verified_at < ?{scope} \
         ORDER BY p.province_code, s.verified_at, s.display_name"
    );
    SellerLine::find_by_statement(statement(db.get_database_backend(), &sql, values))
        .all(db)
        .await
}

async fn outlets(
    db: &impl ConnectionTrait,
    period: Period,
    province: Option<&str>,
) -> Result<Vec<OutletLine>, DbErr> {
    let mut values: Vec<Value> = vec![period.start().into(), period.end().into()];
    let scope = only("ot.province_code", province, &mut values);
    let sql = format!(
        "SELECT ot.province_code AS province_code, ot.name AS name, \
                CAST(COUNT(DISTINCT o.id) AS BIGINT) AS orders, \
                CAST(COALESCE(SUM(oi.quantity - oi.returned_qty), 0) AS BIGINT) AS units, \
                CAST(COALESCE(SUM((oi.quantity - oi.returned_qty) * oi.unit_price_vnd - oi.discount_vnd * (oi.quantity - oi.returned_qty) / oi.quantity), 0) AS BIGINT) AS revenue_vnd \
         FROM outlets ot \
         JOIN checkouts ch ON ch.outlet_id = ot.id AND ch.channel = 'outlet' \
         JOIN orders o ON o.checkout_id = ch.id \
         JOIN order_items oi ON oi.order_id = o.id \
         WHERE o.completed_at >= ? AND o.completed_at < ? AND {done}{scope} \
         GROUP BY ot.id, ot.province_code, ot.name \
         ORDER BY ot.province_code, ot.name",
        done = completed("o")
    );
    OutletLine::find_by_statement(statement(db.get_database_backend(), &sql, values))
        .all(db)
        .await
}

/// The report of `province` (or, with `None`, the nation) for `period`.
pub async fn report(
    db: &impl ConnectionTrait,
    period: Period,
    province: Option<&str>,
) -> Result<Report, DbErr> {
    let within = Within {
        province_code: province.map(str::to_owned),
        ..Within::default()
    };
    let mut channels = Channels::default();
    for row in super::sell_through(db, Level::Province, &within, period).await? {
        for (sum, add) in [
            (&mut channels.web, row.web),
            (&mut channels.livestream, row.livestream),
            (&mut channels.outlet, row.outlet),
        ] {
            sum.orders += add.orders;
            sum.units += add.units;
            sum.revenue_vnd += add.revenue_vnd;
        }
    }
    let not_in_modern_trade = super::participants(db, province, period)
        .await?
        .into_iter()
        .filter(|p| !p.selling())
        .collect();
    Ok(Report {
        province_code: province.map(str::to_owned),
        period,
        indicator: super::scoped_indicator(db, period, province).await?,
        recognised: certificates(db, period, province, false).await?,
        expired: certificates(db, period, province, true).await?,
        onboarded: onboarded(db, period, province).await?,
        channels,
        outlets: outlets(db, period, province).await?,
        not_in_modern_trade,
    })
}

/// What the workbook's texts say, in the reader's language.
pub struct Labels<'a> {
    pub tr: &'a dyn Fn(&str) -> String,
    /// A province's name from its code.
    pub province: &'a dyn Fn(&str) -> String,
    /// A participant type's name.
    pub participant_type: &'a dyn Fn(&str) -> String,
    /// The report's title: the province's name or "the nation".
    pub scope: String,
}

/// The report as an XLSX workbook: a summary sheet (the indicator, where, types, quarters with
/// a chart, sales by channel) and one sheet per list.
pub fn xlsx(report: &Report, labels: &Labels<'_>) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};

    let tr = labels.tr;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let money = Format::new().set_num_format("#,##0");
    let date = Format::new().set_num_format("dd/mm/yyyy");

    let heads = |sheet: &mut rust_xlsxwriter::Worksheet,
                 row: u32,
                 keys: &[&str]|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        for (col, key) in keys.iter().enumerate() {
            sheet.write_with_format(row, col as u16, tr(key), &bold)?;
        }
        Ok(())
    };
    let summary = book.add_worksheet();
    summary.set_name(tr("report.sheet_summary"))?;
    summary.set_column_width(0, 38)?;
    summary.set_column_width(1, 16)?;
    summary.write_with_format(
        0,
        0,
        format!("{} — {}", tr("report.heading"), labels.scope),
        &bold,
    )?;
    summary.write(
        1,
        0,
        format!(
            "{} {} – {}",
            tr("report.period"),
            report.period.from.format("%d/%m/%Y"),
            report.period.to.format("%d/%m/%Y")
        ),
    )?;
    let share = report.indicator.share;
    let mut row = 3;
    for (label, value) in [
        ("report.participants", share.participants),
        ("report.in_modern_trade", share.selling),
        ("indicator.here_only", share.here_only),
        ("indicator.elsewhere_only", share.elsewhere_only),
        ("indicator.both", share.both),
    ] {
        summary.write(row, 0, tr(label))?;
        summary.write(row, 1, value as f64)?;
        row += 1;
    }
    summary.write(row, 0, tr("indicator.share"))?;
    summary.write_with_format(row, 1, share.share, &percent)?;
    row += 1;
    summary.write(row, 0, tr("report.target"))?;
    summary.write_with_format(row, 1, super::TARGET, &percent)?;
    row += 2;

    summary.write_with_format(row, 0, tr("indicator.by_type"), &bold)?;
    row += 1;
    heads(
        summary,
        row,
        &[
            "indicator.participant_type",
            "indicator.participants",
            "indicator.selling",
            "indicator.share",
        ],
    )?;
    row += 1;
    for t in &report.indicator.participant_types {
        summary.write(row, 0, (labels.participant_type)(&t.participant_type))?;
        summary.write(row, 1, t.share.participants as f64)?;
        summary.write(row, 2, t.share.selling as f64)?;
        summary.write_with_format(row, 3, t.share.share, &percent)?;
        row += 1;
    }
    row += 1;

    summary.write_with_format(row, 0, tr("indicator.by_quarter"), &bold)?;
    row += 1;
    heads(
        summary,
        row,
        &[
            "report.quarter",
            "indicator.participants",
            "indicator.selling",
            "indicator.share",
        ],
    )?;
    row += 1;
    let first_quarter = row;
    for q in &report.indicator.quarters {
        summary.write(row, 0, q.quarter.as_str())?;
        summary.write(row, 1, q.share.participants as f64)?;
        summary.write(row, 2, q.share.selling as f64)?;
        summary.write_with_format(row, 3, q.share.share, &percent)?;
        row += 1;
    }
    if !report.indicator.quarters.is_empty() {
        let sheet_name = tr("report.sheet_summary");
        let mut chart = Chart::new(ChartType::Column);
        chart
            .add_series()
            .set_name(&tr("indicator.share"))
            .set_categories((sheet_name.as_str(), first_quarter, 0, row - 1, 0))
            .set_values((sheet_name.as_str(), first_quarter, 3, row - 1, 3));
        chart.title().set_name(&tr("indicator.quarter_chart_title"));
        chart.legend().set_hidden();
        summary.insert_chart(3, 5, &chart)?;
    }
    row += 1;

    summary.write_with_format(row, 0, tr("report.sales_by_channel"), &bold)?;
    row += 1;
    heads(
        summary,
        row,
        &[
            "report.channel",
            "sales.orders",
            "sales.units",
            "sales.revenue",
        ],
    )?;
    row += 1;
    let total = report.channels.total();
    for (label, f) in [
        ("report.web", report.channels.web),
        ("report.livestream", report.channels.livestream),
        ("report.outlet", report.channels.outlet),
        ("report.total", total),
    ] {
        summary.write(row, 0, tr(label))?;
        summary.write(row, 1, f.orders as f64)?;
        summary.write(row, 2, f.units as f64)?;
        summary.write_with_format(row, 3, f.revenue_vnd.dong() as f64, &money)?;
        row += 1;
    }

    let mut list = |name: &str,
                    heads: &[&str],
                    rows: Vec<Vec<Cell>>|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        let sheet = book.add_worksheet();
        sheet.set_name(tr(name))?;
        for (col, head) in heads.iter().enumerate() {
            sheet.write_with_format(0, col as u16, tr(head), &bold)?;
            sheet.set_column_width(col as u16, 18)?;
        }
        for (r, cells) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => sheet.write(r, c, t.as_str())?,
                    Cell::Number(n) => sheet.write(r, c, *n as f64)?,
                    Cell::Money(n) => sheet.write_with_format(r, c, *n as f64, &money)?,
                    Cell::Date(d) => sheet.write_with_format(r, c, d, &date)?,
                };
            }
        }
        sheet.autofilter(
            0,
            0,
            rows.len() as u32,
            heads.len().saturating_sub(1) as u16,
        )?;
        Ok(())
    };
    let certificate_rows = |lines: &[CertificateLine]| {
        lines
            .iter()
            .map(|c| {
                vec![
                    Cell::Text((labels.province)(&c.province_code)),
                    Cell::Text(c.certificate_no.clone()),
                    Cell::Text(c.product_name_vi.clone()),
                    Cell::Number(i64::from(c.stars)),
                    Cell::Text(c.participant_name.clone()),
                    Cell::Date(c.day),
                ]
            })
            .collect()
    };
    let certificate_heads = [
        "seller.province",
        "product.certificate_no",
        "seller.col_product",
        "verify.rank",
        "indicator.participant",
        "report.day",
    ];
    list(
        "report.sheet_recognised",
        &certificate_heads,
        certificate_rows(&report.recognised),
    )?;
    list(
        "report.sheet_expired",
        &certificate_heads,
        certificate_rows(&report.expired),
    )?;
    list(
        "report.sheet_onboarded",
        &[
            "seller.province",
            "report.seller",
            "indicator.participant_type",
            "seller.registration_no",
            "report.day",
        ],
        report
            .onboarded
            .iter()
            .map(|s| {
                vec![
                    Cell::Text((labels.province)(&s.province_code)),
                    Cell::Text(s.display_name.clone()),
                    Cell::Text((labels.participant_type)(&s.participant_type)),
                    Cell::Text(s.business_registration_no.clone()),
                    Cell::Date(crate::domain::time::vietnam_date(s.verified_at)),
                ]
            })
            .collect(),
    )?;
    list(
        "report.sheet_outlets",
        &[
            "seller.province",
            "report.outlet_name",
            "sales.orders",
            "sales.units",
            "sales.revenue",
        ],
        report
            .outlets
            .iter()
            .map(|o| {
                vec![
                    Cell::Text((labels.province)(&o.province_code)),
                    Cell::Text(o.name.clone()),
                    Cell::Number(o.orders),
                    Cell::Number(o.units),
                    Cell::Money(o.revenue_vnd),
                ]
            })
            .collect(),
    )?;
    list(
        "report.sheet_waiting",
        &[
            "seller.province",
            "seller.registration_no",
            "indicator.participant",
            "indicator.participant_type",
            "indicator.commune",
            "indicator.certificates",
        ],
        report
            .not_in_modern_trade
            .iter()
            .map(|p| {
                vec![
                    Cell::Text((labels.province)(&p.province_code)),
                    Cell::Text(p.business_registration_no.clone()),
                    Cell::Text(p.name.clone()),
                    Cell::Text((labels.participant_type)(&p.participant_type)),
                    Cell::Text(p.commune.clone()),
                    Cell::Number(p.certificates),
                ]
            })
            .collect(),
    )?;
    book.save_to_buffer()
}

/// One cell of a list sheet.
enum Cell {
    Text(String),
    Number(i64),
    Money(i64),
    Date(NaiveDate),
}
