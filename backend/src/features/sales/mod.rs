//! Sell-through and the modern-trade participation indicator, computed by the database from
//! the platform's completed sales.
//!
//! The rules, in one place:
//! - **A completed sale** is an order that is delivered, or paid and neither cancelled nor
//!   refunded ([`crate::features::orders::completion`]); counter sales at an outlet are delivered and paid when recorded.
//!   It is dated by `orders.completed_at`, the moment it first became completed (paid, or
//!   delivered for cash on delivery), in Vietnam's calendar.
//! - **Units sold** leave out the units shoppers returned (accepted returns,
//!   `order_items.returned_qty`); an order whose every unit came back is `returned`, no sale.
//! - **Revenue** is net: the goods less what vouchers took off them (each line's discount,
//!   shared over its units; a returned unit takes its share with it).
//! - **A period** is a range of whole days in Vietnam, both ends included.
//! - **A participant counts in the denominator** of a period when one of its certificates was
//!   valid on at least one day of it: not revoked, recognised on or before the last day, and
//!   expiring after the first day (a certificate is valid until the day before `expires_on`).
//!   A certificate that expires mid-period still counts for that period; one that expired
//!   before it does not.
//! - **It is in modern trade** (the numerator) when it is in the denominator and one of its
//!   sellers has a completed sale dated in the period (**here**), or it has a verified
//!   declaration of another modern-trade channel valid on at least one day of the period
//!   (**elsewhere**, [`channels`]: from its declared `since` to the day before `valid_until`).
//!   Each participant counts once: here only, elsewhere only, or both.
//! - **Units on hand at the period's end** are the stock now (web stock plus every outlet's
//!   consignment) plus the units of orders placed after the period that are not cancelled or
//!   refunded: exact unless a seller corrected the stock count by hand since.
//! - A participant's first completed sale on the platform sets `modern_trade_since`
//!   (`orders::completion::note_completion`), in the transaction that completes the order.
pub mod channels;
pub mod report;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Value};
use serde::Serialize;

use crate::db::statement;
use crate::domain::ids::SellerId;
use crate::domain::money::Vnd;
use crate::domain::reference::Reference;
use crate::features::orders::completion::completed;

/// The programme's target: half of the participants selling through modern channels.
pub const TARGET: f64 = 0.5;
/// Longest period a report covers.
pub const MAX_DAYS: i64 = 3_700;

/// Whole days in Vietnam, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `from`/`to` as `YYYY-MM-DD`; missing ends default to the 1st of January of `today`'s
    /// year and `today`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Self, String> {
        let day = |raw: Option<&str>, name: &str, default: NaiveDate| match raw.map(str::trim) {
            None | Some("") => Ok(default),
            Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| format!("{name} must be a date like 2026-01-31, not {raw:?}")),
        };
        let start_of_year = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let period = Self {
            from: day(from, "from", start_of_year)?,
            to: day(to, "to", today)?,
        };
        if period.from > period.to {
            return Err("from must not be after to".into());
        }
        if (period.to - period.from).num_days() > MAX_DAYS {
            return Err(format!("a period covers at most {MAX_DAYS} days"));
        }
        Ok(period)
    }

    /// The first instant of the period (midnight in Vietnam, UTC+7 all year).
    pub fn start(&self) -> DateTime<Utc> {
        vietnam_midnight(self.from)
    }

    /// The first instant after the period.
    pub fn end(&self) -> DateTime<Utc> {
        vietnam_midnight(self.to + Duration::days(1))
    }
}

use crate::domain::time::vietnam_midnight;

/// Participants, those of them in modern trade, and the share; the ones in modern trade by
/// where: sales here only, verified other channels only, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub participants: i64,
    /// `here_only + elsewhere_only + both`.
    pub selling: i64,
    /// `selling / participants`, 0 when there are none.
    pub share: f64,
    /// Completed sales on this marketplace in the period, no verified channel.
    pub here_only: i64,
    /// A verified other channel valid in the period, no sale here.
    pub elsewhere_only: i64,
    pub both: i64,
}

impl Share {
    pub fn new(participants: i64, reach: Reach) -> Self {
        let selling = reach.here_only + reach.elsewhere_only + reach.both;
        Self {
            participants,
            selling,
            share: if participants > 0 {
                selling as f64 / participants as f64
            } else {
                0.0
            },
            here_only: reach.here_only,
            elsewhere_only: reach.elsewhere_only,
            both: reach.both,
        }
    }

    fn reach(&self) -> Reach {
        Reach {
            here_only: self.here_only,
            elsewhere_only: self.elsewhere_only,
            both: self.both,
        }
    }

    /// The shares of several groups together.
    pub fn sum<'a>(shares: impl IntoIterator<Item = &'a Share>) -> Self {
        let (n, r) = shares.into_iter().fold((0, Reach::default()), |(n, r), s| {
            (n + s.participants, r + s.reach())
        });
        Self::new(n, r)
    }
}

/// Participants in modern trade, by where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    pub here_only: i64,
    pub elsewhere_only: i64,
    pub both: i64,
}

impl Reach {
    /// One participant's place: sold here, has a verified channel.
    pub fn of(here: bool, elsewhere: bool) -> Self {
        Self {
            here_only: i64::from(here && !elsewhere),
            elsewhere_only: i64::from(elsewhere && !here),
            both: i64::from(here && elsewhere),
        }
    }
}

impl std::ops::Add for Reach {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            here_only: self.here_only + o.here_only,
            elsewhere_only: self.elsewhere_only + o.elsewhere_only,
            both: self.both + o.both,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RegionShare {
    pub region_code: String,
    #[serde(flatten)]
    pub share: Share,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProvinceShare {
    pub province_code: String,
    pub region_code: String,
    #[serde(flatten)]
    pub share: Share,
}

/// The share of one kind of participant (the registry's `participant_type`).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TypeShare {
    /// `cooperative`, `cooperative_group`, `enterprise` or `household_business`.
    pub participant_type: String,
    #[serde(flatten)]
    pub share: Share,
}

/// The national share over one quarter of the period (clipped to it).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuarterShare {
    /// `2026-Q1`.
    pub quarter: String,
    pub period: Period,
    #[serde(flatten)]
    pub share: Share,
}

/// The modern-trade participation indicator for a period.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Indicator {
    pub period: Period,
    pub target: f64,
    pub national: Share,
    pub regions: Vec<RegionShare>,
    pub provinces: Vec<ProvinceShare>,
    /// By participant type, every type of the registry.
    pub participant_types: Vec<TypeShare>,
    /// Nationally, quarter by quarter over the period.
    pub quarters: Vec<QuarterShare>,
}

/// The participant types the registry knows, in the order reports show them.
pub const PARTICIPANT_TYPES: [&str; 4] = [
    "cooperative",
    "cooperative_group",
    "enterprise",
    "household_business",
];

#[derive(FromQueryResult)]
struct GroupRow {
    province_code: String,
    participant_type: String,
    participants: i64,
    here_only: i64,
    elsewhere_only: i64,
    here_and_elsewhere: i64,
}

impl GroupRow {
    fn share(&self) -> Share {
        Share::new(
            self.participants,
            Reach {
                here_only: self.here_only,
                elsewhere_only: self.elsewhere_only,
                both: self.here_and_elsewhere,
            },
        )
    }
}

/// A participant of `p` sold here in the period (`?` start, `?` end instants).
fn sold_here(done: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM sellers s JOIN orders o ON o.seller_id = s.id \
         WHERE s.participant_id = p.id AND o.completed_at >= ? AND o.completed_at < ? AND {done})"
    )
}

/// A participant of `p` has a verified other channel valid on a day of the period (`?` last
/// day, `?` first day).
const SOLD_ELSEWHERE: &str = "EXISTS (SELECT 1 FROM channel_declarations d \
     WHERE d.participant_id = p.id AND d.state = 'verified' AND d.since <= ? AND d.valid_until > ?)";

/// Participants in the denominator of `period` (of `province`, or everywhere) and where they
/// are in modern trade, by province and participant type. One grouped query: participants ×
/// two index probes.
async fn groups(
    db: &impl ConnectionTrait,
    period: Period,
    province: Option<&str>,
) -> Result<Vec<GroupRow>, DbErr> {
    let sql = format!(
        "SELECT province_code, participant_type, CAST(COUNT(*) AS BIGINT) AS participants, \
                CAST(COALESCE(SUM(CASE WHEN h = 1 AND e = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS here_only, \
                CAST(COALESCE(SUM(CASE WHEN h = 0 AND e = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS elsewhere_only, \
                CAST(COALESCE(SUM(CASE WHEN h = 1 AND e = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS here_and_elsewhere \
         FROM (SELECT p.province_code AS province_code, p.participant_type AS participant_type, \
                      CASE WHEN {here} THEN 1 ELSE 0 END AS h, \
                      CASE WHEN {elsewhere} THEN 1 ELSE 0 END AS e \
               FROM registry_participants p \
               WHERE EXISTS (SELECT 1 FROM registry_certificates c WHERE c.participant_id = p.id \
                             AND c.status <> 'revoked' AND c.recognized_on <= ? AND c.expires_on > ?){only}) AS x \
         GROUP BY province_code, participant_type",
        here = sold_here(&completed("o")),
        elsewhere = SOLD_ELSEWHERE,
        only = if province.is_some() {
            " AND p.province_code = ?"
        } else {
            ""
        },
    );
    let mut values: Vec<Value> = vec![
        period.start().into(),
        period.end().into(),
        period.to.into(),
        period.from.into(),
        period.to.into(),
        period.from.into(),
    ];
    if let Some(code) = province {
        values.push(code.into());
    }
    GroupRow::find_by_statement(statement(db.get_database_backend(), &sql, values))
        .all(db)
        .await
}

/// The shares of `rows` by participant type: the registry's types in order, then any other.
fn by_type(rows: &[GroupRow]) -> Vec<TypeShare> {
    let mut found: BTreeMap<&str, Share> = BTreeMap::new();
    for r in rows {
        let was = found
            .get(r.participant_type.as_str())
            .copied()
            .unwrap_or_default();
        found.insert(r.participant_type.as_str(), Share::sum([&was, &r.share()]));
    }
    let mut out: Vec<TypeShare> = PARTICIPANT_TYPES
        .iter()
        .map(|t| TypeShare {
            participant_type: (*t).to_owned(),
            share: found.get(t).copied().unwrap_or_default(),
        })
        .collect();
    out.extend(
        found
            .iter()
            .filter(|(t, _)| !PARTICIPANT_TYPES.contains(t))
            .map(|(t, s)| TypeShare {
                participant_type: (*t).to_owned(),
                share: *s,
            }),
    );
    out
}

/// The share of `province` (or the nation) quarter by quarter over `period`.
async fn by_quarter(
    db: &impl ConnectionTrait,
    period: Period,
    province: Option<&str>,
) -> Result<Vec<QuarterShare>, DbErr> {
    let mut out = Vec::new();
    for (quarter, within) in quarters(period) {
        let shares: Vec<Share> = groups(db, within, province)
            .await?
            .iter()
            .map(GroupRow::share)
            .collect();
        out.push(QuarterShare {
            quarter,
            period: within,
            share: Share::sum(&shares),
        });
    }
    Ok(out)
}

/// One province's indicator (or, with `None`, the nation's): its share, by participant type
/// and by quarter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScopedIndicator {
    pub share: Share,
    pub participant_types: Vec<TypeShare>,
    pub quarters: Vec<QuarterShare>,
}

pub async fn scoped_indicator(
    db: &impl ConnectionTrait,
    period: Period,
    province: Option<&str>,
) -> Result<ScopedIndicator, DbErr> {
    let rows = groups(db, period, province).await?;
    let shares: Vec<Share> = rows.iter().map(GroupRow::share).collect();
    Ok(ScopedIndicator {
        share: Share::sum(&shares),
        participant_types: by_type(&rows),
        quarters: by_quarter(db, period, province).await?,
    })
}

/// The quarters the period touches, each clipped to it: `(2026-Q1, period)`.
pub fn quarters(period: Period) -> Vec<(String, Period)> {
    let mut out = Vec::new();
    let mut from = period.from;
    while from <= period.to {
        let q0 = (from.month0() / 3) * 3;
        let next = if q0 == 9 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), q0 + 4, 1)
        };
        let Some(next) = next else { break };
        let to = Ord::min(next - Duration::days(1), period.to);
        out.push((
            format!("{}-Q{}", from.year(), q0 / 3 + 1),
            Period { from, to },
        ));
        from = next;
    }
    out
}

/// The indicator per province (every current province, in reference order), region,
/// participant type and nation, and nationally by quarter.
pub async fn indicator(
    db: &impl ConnectionTrait,
    reference: &Reference,
    period: Period,
) -> Result<Indicator, DbErr> {
    let rows = groups(db, period, None).await?;
    let mut by_code: BTreeMap<&str, Share> = BTreeMap::new();
    for r in &rows {
        let was = by_code
            .get(r.province_code.as_str())
            .copied()
            .unwrap_or_default();
        by_code.insert(r.province_code.as_str(), Share::sum([&was, &r.share()]));
    }
    let provinces: Vec<ProvinceShare> = reference
        .provinces
        .iter()
        .map(|p| ProvinceShare {
            province_code: p.code.clone(),
            region_code: p.region_code.clone(),
            share: by_code.get(p.code.as_str()).copied().unwrap_or_default(),
        })
        .collect();
    let regions = reference
        .regions
        .iter()
        .map(|r| RegionShare {
            region_code: r.code.clone(),
            share: Share::sum(
                provinces
                    .iter()
                    .filter(|p| p.region_code == r.code)
                    .map(|p| &p.share),
            ),
        })
        .collect();
    let participant_types = by_type(&rows);
    let quarterly = by_quarter(db, period, None).await?;
    Ok(Indicator {
        period,
        target: TARGET,
        national: Share::sum(provinces.iter().map(|p| &p.share)),
        regions,
        provinces,
        participant_types,
        quarters: quarterly,
    })
}

/// One participant of a province, for its officers: whether it sold in the period and since
/// when it sells on the platform.
#[derive(Clone, Debug, PartialEq, Serialize, FromQueryResult)]
pub struct ParticipantStatus {
    pub province_code: String,
    pub business_registration_no: String,
    pub name: String,
    pub participant_type: String,
    pub commune: String,
    /// Certificates valid on at least one day of the period.
    pub certificates: i64,
    pub orders: i64,
    pub units: i64,
    pub revenue_vnd: Vnd,
    /// Verified other channels valid on a day of the period.
    pub channels: i64,
    pub modern_trade_since: Option<DateTime<Utc>>,
}

impl ParticipantStatus {
    /// In modern trade in the period: sold here or through a verified channel.
    pub fn selling(&self) -> bool {
        self.orders > 0 || self.channels > 0
    }

    pub fn reach(&self) -> Reach {
        Reach::of(self.orders > 0, self.channels > 0)
    }
}

/// Every participant of `province` (or of every province) in the indicator's denominator for
/// `period`, with its completed sales in the period and its verified channels; those not in
/// modern trade first, then by province and name.
pub async fn participants(
    db: &impl ConnectionTrait,
    province: Option<&str>,
    period: Period,
) -> Result<Vec<ParticipantStatus>, DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT p.province_code AS province_code, \
                p.business_registration_no AS business_registration_no, p.name AS name, \
                p.participant_type AS participant_type, p.commune AS commune, \
                p.modern_trade_since AS modern_trade_since, \
                CAST(COUNT(DISTINCT c.id) AS BIGINT) AS certificates, \
                CAST(COALESCE(MAX(t.orders), 0) AS BIGINT) AS orders, \
                CAST(COALESCE(MAX(t.units), 0) AS BIGINT) AS units, \
                CAST(COALESCE(MAX(t.revenue), 0) AS BIGINT) AS revenue_vnd, \
                CAST((SELECT COUNT(*) FROM channel_declarations d WHERE d.participant_id = p.id \
                      AND d.state = 'verified' AND d.since <= ? AND d.valid_until > ?) AS BIGINT) AS channels \
         FROM registry_participants p \
         JOIN registry_certificates c ON c.participant_id = p.id AND c.status <> 'revoked' \
              AND c.recognized_on <= ? AND c.expires_on > ? \
         LEFT JOIN (SELECT s.participant_id AS participant_id, COUNT(DISTINCT o.id) AS orders, \
                           SUM(oi.quantity - oi.returned_qty) AS units, SUM((oi.quantity - oi.returned_qty) * oi.unit_price_vnd - oi.discount_vnd * (oi.quantity - oi.returned_qty) / oi.quantity) AS revenue \
                    FROM orders o JOIN sellers s ON s.id = o.seller_id \
                    JOIN order_items oi ON oi.order_id = o.id \
                    WHERE o.completed_at >= ? AND o.completed_at < ? AND {done}{sellers_of} \
                    GROUP BY s.participant_id) t ON t.participant_id = p.id \
         WHERE {only} \
         GROUP BY p.id, p.province_code, p.business_registration_no, p.name, p.participant_type, \
                  p.commune, p.modern_trade_since \
         ORDER BY CASE WHEN COALESCE(MAX(t.orders), 0) > 0 OR {elsewhere} THEN 1 ELSE 0 END, \
                  p.province_code, p.name",
        done = completed("o"),
        elsewhere = SOLD_ELSEWHERE,
        // One province's sales only: its sellers' orders, through the seller index.
        sellers_of = if province.is_some() {
            " AND s.participant_id IN (SELECT id FROM registry_participants WHERE province_code = ?)"
        } else {
            ""
        },
        only = if province.is_some() {
            "p.province_code = ?"
        } else {
            "1 = 1"
        },
    );
    ParticipantStatus::find_by_statement(statement(
        backend,
        &sql,
        vec![
            period.to.into(),
            period.from.into(),
            period.to.into(),
            period.from.into(),
            period.start().into(),
            period.end().into(),
        ]
        .into_iter()
        .chain(province.map(Value::from))
        .chain(province.map(Value::from))
        .chain([period.to.into(), period.from.into()])
        .collect(),
    ))
    .all(db)
    .await
}

/// Sell-through rows with names for their keys: the product's title, the seller's name or the
/// province's name (the key itself when there is none).
pub async fn labelled(
    db: &impl ConnectionTrait,
    reference: &Reference,
    level: Level,
    rows: &[SellThrough],
) -> Result<Vec<(String, SellThrough)>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use crate::db::entities::{listing, seller};
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.key.parse().ok()).collect();
    let names: HashMap<String, String> = match level {
        Level::Listing => {
            let listings = listing::Entity::find()
                .filter(listing::Column::Id.is_in(ids))
                .all(db)
                .await?;
            crate::features::selling::titles_of(db, &listings)
                .await?
                .into_iter()
                .map(|(id, title)| (id.to_string(), title))
                .collect()
        }
        Level::Seller => seller::Entity::find()
            .filter(seller::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id.to_string(), s.display_name))
            .collect(),
        Level::Province => rows
            .iter()
            .map(|r| (r.key.clone(), reference.province_label(&r.key)))
            .collect(),
    };
    Ok(rows
        .iter()
        .map(|r| {
            (
                names.get(&r.key).cloned().unwrap_or_else(|| r.key.clone()),
                r.clone(),
            )
        })
        .collect())
}

/// What sell-through is grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Listing,
    Seller,
    Province,
}

impl Level {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "listing" => Some(Self::Listing),
            "seller" => Some(Self::Seller),
            "province" => Some(Self::Province),
            _ => None,
        }
    }

    /// The grouping key over `listings l` (or, for `sold`, `order_items oi`), `sellers s`
    /// and `registry_participants p`.
    fn key(self, sold: bool) -> &'static str {
        match self {
            Self::Listing if sold => "CAST(oi.listing_id AS TEXT)",
            Self::Listing => "CAST(l.id AS TEXT)",
            Self::Seller => "CAST(s.id AS TEXT)",
            Self::Province => "p.province_code",
        }
    }
}

/// Which rows a sell-through report covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Within {
    pub seller_id: Option<SellerId>,
    pub province_code: Option<String>,
}

impl Within {
    fn clause(&self, values: &mut Vec<Value>) -> String {
        let mut sql = String::new();
        if let Some(id) = self.seller_id {
            sql.push_str(" AND s.id = ?");
            values.push(id.into());
        }
        if let Some(code) = &self.province_code {
            sql.push_str(" AND p.province_code = ?");
            values.push(code.clone().into());
        }
        sql
    }
}

/// Units, orders and revenue of one channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChannelFigures {
    pub orders: i64,
    pub units: i64,
    pub revenue_vnd: Vnd,
}

/// One row of a sell-through report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SellThrough {
    /// The listing's or seller's internal id, or the province code.
    pub key: String,
    pub orders: i64,
    pub units: i64,
    pub revenue_vnd: Vnd,
    pub on_hand: i64,
    /// `units / (units + on_hand)`; `None` when both are 0.
    pub rate: Option<f64>,
    pub web: ChannelFigures,
    pub livestream: ChannelFigures,
    pub outlet: ChannelFigures,
}

#[derive(FromQueryResult)]
struct SoldRow {
    k: String,
    channel: String,
    orders: i64,
    units: i64,
    revenue: i64,
}

#[derive(FromQueryResult)]
struct OnHandRow {
    k: String,
    on_hand: i64,
}

#[derive(FromQueryResult)]
struct ShippingRow {
    total: i64,
}

/// The delivery fees shoppers paid on the completed orders of `within` in `period`: kept apart
/// from the revenue, which is the goods alone.
pub async fn shipping_collected(
    db: &impl ConnectionTrait,
    within: &Within,
    period: Period,
) -> Result<Vnd, DbErr> {
    let mut values: Vec<Value> = vec![period.start().into(), period.end().into()];
    let scope = within.clause(&mut values);
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(o.shipping_vnd), 0) AS BIGINT) AS total FROM orders o \
         JOIN sellers s ON s.id = o.seller_id \
         JOIN registry_participants p ON p.id = s.participant_id \
         WHERE o.completed_at >= ? AND o.completed_at < ? AND {done}{scope}",
        done = completed("o")
    );
    let row = ShippingRow::find_by_statement(statement(db.get_database_backend(), &sql, values))
        .one(db)
        .await?;
    Ok(Vnd::new(row.map_or(0, |r| r.total)))
}

/// Units and net revenue of one pack size in a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct PackSizeSales {
    /// The order line's title: the product and the size.
    pub title: String,
    pub units: i64,
    pub revenue_vnd: i64,
}

/// Completed sales of pack sizes in `within` for `period`, by size (the order lines' titles
/// name them), most units first: the figures per size beside the per-listing sell-through.
pub async fn by_pack_size(
    db: &impl ConnectionTrait,
    within: &Within,
    period: Period,
) -> Result<Vec<PackSizeSales>, DbErr> {
    let mut values: Vec<Value> = vec![period.start().into(), period.end().into()];
    let scope = within.clause(&mut values);
    let sql = format!(
        "SELECT oi.title AS title, CAST(SUM(oi.quantity - oi.returned_qty) AS BIGINT) AS units, \
                CAST(SUM((oi.quantity - oi.returned_qty) * oi.unit_price_vnd - oi.discount_vnd * (oi.quantity - oi.returned_qty) / oi.quantity) AS BIGINT) AS revenue_vnd \
         FROM orders o \
         JOIN order_items oi ON oi.order_id = o.id \
         JOIN sellers s ON s.id = o.seller_id \
         JOIN registry_participants p ON p.id = s.participant_id \
         WHERE oi.variant_id IS NOT NULL AND o.completed_at >= ? AND o.completed_at < ? AND {done}{scope} \
         GROUP BY oi.title ORDER BY units DESC, oi.title",
        done = completed("o")
    );
    PackSizeSales::find_by_statement(statement(db.get_database_backend(), &sql, values))
        .all(db)
        .await
}

/// Sell-through at `level` for `period`: every listing (seller, province) in `within` that sold
/// in the period or holds stock, most units sold first.
pub async fn sell_through(
    db: &impl ConnectionTrait,
    level: Level,
    within: &Within,
    period: Period,
) -> Result<Vec<SellThrough>, DbErr> {
    let backend = db.get_database_backend();
    let key = level.key(true);
    let mut values: Vec<Value> = vec![period.start().into(), period.end().into()];
    let scope = within.clause(&mut values);
    let sold_sql = format!(
        "SELECT {key} AS k, ch.channel AS channel, CAST(COUNT(DISTINCT o.id) AS BIGINT) AS orders, \
                CAST(SUM(oi.quantity - oi.returned_qty) AS BIGINT) AS units, \
                CAST(SUM((oi.quantity - oi.returned_qty) * oi.unit_price_vnd - oi.discount_vnd * (oi.quantity - oi.returned_qty) / oi.quantity) AS BIGINT) AS revenue \
         FROM orders o \
         JOIN checkouts ch ON ch.id = o.checkout_id \
         JOIN order_items oi ON oi.order_id = o.id \
         JOIN sellers s ON s.id = o.seller_id \
         JOIN registry_participants p ON p.id = s.participant_id \
         WHERE o.completed_at >= ? AND o.completed_at < ? AND {done}{scope} \
         GROUP BY {key}, ch.channel",
        done = completed("o")
    );
    let sold = SoldRow::find_by_statement(statement(backend, &sold_sql, values))
        .all(db)
        .await?;

    let key = level.key(false);
    // On hand at the end: the web stock, every outlet's shelf, and the units of orders placed
    // after the period that still hold them. Three grouped parts, no per-listing subquery.
    // The third starts from the few orders placed after the period (`CROSS JOIN` keeps that
    // order on SQLite, which would otherwise walk every order of a province's products; the
    // other databases plan it as the inner join it is).
    let mut values: Vec<Value> = Vec::new();
    let web_scope = within.clause(&mut values);
    let shelf_scope = within.clause(&mut values);
    values.push(period.end().into());
    let later_scope = within.clause(&mut values);
    let on_hand_sql = format!(
        "SELECT k, CAST(SUM(units) AS BIGINT) AS on_hand FROM ( \
           SELECT {key} AS k, l.stock AS units FROM listings l \
             JOIN sellers s ON s.id = l.seller_id \
             JOIN registry_participants p ON p.id = s.participant_id WHERE 1 = 1{web_scope} \
           UNION ALL \
           SELECT {key} AS k, ol.stock AS units FROM outlet_listings ol \
             JOIN listings l ON l.id = ol.listing_id \
             JOIN sellers s ON s.id = l.seller_id \
             JOIN registry_participants p ON p.id = s.participant_id WHERE 1 = 1{shelf_scope} \
           UNION ALL \
           SELECT {key} AS k, oi.quantity AS units FROM orders o \
             CROSS JOIN order_items oi CROSS JOIN listings l CROSS JOIN sellers s \
             CROSS JOIN registry_participants p \
           WHERE oi.order_id = o.id AND l.id = oi.listing_id AND s.id = l.seller_id \
             AND p.id = s.participant_id \
             AND o.created_at >= ? AND o.state NOT IN ('cancelled', 'refunded', 'returned'){later_scope} \
         ) AS parts GROUP BY k"
    );
    let on_hand = OnHandRow::find_by_statement(statement(backend, &on_hand_sql, values))
        .all(db)
        .await?;

    let mut rows: BTreeMap<String, SellThrough> = BTreeMap::new();
    for r in sold {
        let row = rows.entry(r.k.clone()).or_insert_with(|| SellThrough {
            key: r.k.clone(),
            ..SellThrough::default()
        });
        let figures = ChannelFigures {
            orders: r.orders,
            units: r.units,
            revenue_vnd: Vnd::new(r.revenue),
        };
        match r.channel.as_str() {
            "livestream" => row.livestream = figures,
            "outlet" => row.outlet = figures,
            _ => {
                row.web.orders += figures.orders;
                row.web.units += figures.units;
                row.web.revenue_vnd += figures.revenue_vnd;
            }
        }
        row.orders += r.orders;
        row.units += r.units;
        row.revenue_vnd += Vnd::new(r.revenue);
    }
    for r in on_hand {
        if let Some(row) = rows.get_mut(&r.k) {
            row.on_hand = r.on_hand;
        } else if r.on_hand > 0 {
            rows.insert(
                r.k.clone(),
                SellThrough {
                    key: r.k,
                    on_hand: r.on_hand,
                    ..SellThrough::default()
                },
            );
        }
    }
    let mut out: Vec<SellThrough> = rows
        .into_values()
        .map(|mut r| {
            let base = r.units + r.on_hand;
            r.rate = (base > 0).then(|| r.units as f64 / base as f64);
            r
        })
        .collect();
    out.sort_by(|a, b| {
        b.units
            .cmp(&a.units)
            .then(b.revenue_vnd.cmp(&a.revenue_vnd))
            .then(a.key.cmp(&b.key))
    });
    Ok(out)
}

/// Units and revenue of one bucket of time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct Bucket {
    /// `YYYY-MM` (periods over 62 days) or `YYYY-MM-DD`, in Vietnam's calendar.
    pub label: String,
    pub units: i64,
    pub revenue_vnd: Vnd,
}

/// Completed sales in `within` over `period`, by month (or by day for periods up to 62 days),
/// every bucket present even when empty.
pub async fn over_time(
    db: &impl ConnectionTrait,
    within: &Within,
    period: Period,
) -> Result<Vec<Bucket>, DbErr> {
    let backend = db.get_database_backend();
    let by_day = (period.to - period.from).num_days() < 62;
    let bucket = match (backend, by_day) {
        (DbBackend::Postgres, true) => {
            "to_char(o.completed_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')"
        }
        (DbBackend::Postgres, false) => {
            "to_char(o.completed_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM')"
        }
        // Vietnam keeps UTC+7 all year.
        (_, true) => "strftime('%Y-%m-%d', o.completed_at, '+7 hours')",
        (_, false) => "strftime('%Y-%m', o.completed_at, '+7 hours')",
    };
    let mut values: Vec<Value> = vec![period.start().into(), period.end().into()];
    let scope = within.clause(&mut values);
    let sql = format!(
        "SELECT {bucket} AS label, CAST(SUM(oi.quantity - oi.returned_qty) AS BIGINT) AS units, \
                CAST(SUM((oi.quantity - oi.returned_qty) * oi.unit_price_vnd - oi.discount_vnd * (oi.quantity - oi.returned_qty) / oi.quantity) AS BIGINT) AS revenue_vnd \
         FROM orders o \
         JOIN order_items oi ON oi.order_id = o.id \
         JOIN sellers s ON s.id = o.seller_id \
         JOIN registry_participants p ON p.id = s.participant_id \
         WHERE o.completed_at >= ? AND o.completed_at < ? AND {done}{scope} \
         GROUP BY {bucket}",
        done = completed("o")
    );
    let found: BTreeMap<String, Bucket> =
        Bucket::find_by_statement(statement(backend, &sql, values))
            .all(db)
            .await?
            .into_iter()
            .map(|b| (b.label.clone(), b))
            .collect();
    let mut out = Vec::new();
    let mut day = period.from;
    while day <= period.to {
        let label = if by_day {
            day.format("%Y-%m-%d").to_string()
        } else {
            day.format("%Y-%m").to_string()
        };
        if out.last().is_none_or(|b: &Bucket| b.label != label) {
            out.push(found.get(&label).cloned().unwrap_or(Bucket {
                label,
                units: 0,
                revenue_vnd: Vnd::ZERO,
            }));
        }
        day += Duration::days(1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn periods_are_whole_days_in_vietnam() {
        let p = Period::parse(Some("2026-01-01"), Some("2026-01-31"), day("2026-12-01"))
            .expect("period");
        assert_eq!(p.start().to_rfc3339(), "2025-12-31T17:00:00+00:00");
        assert_eq!(p.end().to_rfc3339(), "2026-01-31T17:00:00+00:00");
        let default = Period::parse(None, None, day("2026-12-01")).expect("default");
        assert_eq!(
            (default.from, default.to),
            (day("2026-01-01"), day("2026-12-01"))
        );
    }

    #[test]
    fn bad_periods_are_refused_with_a_reason() {
        let today = day("2026-12-01");
        for (from, to, says) in [
            (Some("2026-02-01"), Some("2026-01-01"), "after"),
            (Some("01/02/2026"), None, "from must be a date"),
            (None, Some("x"), "to must be a date"),
            (Some("2000-01-01"), Some("2026-01-01"), "at most"),
        ] {
            let e = Period::parse(from, to, today).expect_err("refused");
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        let s = statement(
            DbBackend::Postgres,
            "a = ? AND b = ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(s.sql, "a = $1 AND b = $2");
        let s = statement(DbBackend::Sqlite, "a = ?", vec![1.into()]);
        assert_eq!(s.sql, "a = ?");
    }

    #[test]
    fn a_share_of_nobody_is_zero() {
        assert_eq!(Share::new(0, Reach::default()).share, 0.0);
        let s = Share::new(8, Reach::of(true, false) + Reach::of(false, true));
        assert_eq!(
            (s.selling, s.share, s.here_only, s.elsewhere_only),
            (2, 0.25, 1, 1)
        );
    }

    #[test]
    fn quarters_are_clipped_to_the_period() {
        let p = Period::parse(Some("2025-11-15"), Some("2026-04-02"), day("2026-12-01"))
            .expect("period");
        let q: Vec<(String, String, String)> = quarters(p)
            .into_iter()
            .map(|(l, p)| (l, p.from.to_string(), p.to.to_string()))
            .collect();
        assert_eq!(
            q,
            [
                ("2025-Q4", "2025-11-15", "2025-12-31"),
                ("2026-Q1", "2026-01-01", "2026-03-31"),
                ("2026-Q2", "2026-04-01", "2026-04-02"),
            ]
            .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
        );
    }
}
