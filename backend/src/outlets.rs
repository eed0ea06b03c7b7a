//! Provincial OCOP outlets (the province's official introduction-and-sale point). Staff of an
//! outlet curate products from their province's listings, keep the stock the outlet holds on
//! consignment, record sales at the counter and read the outlet's reports; the outlet's public
//! storefront shows its curated products with its own name and colour. Every function checks
//! that the principal operates this outlet (staff of another outlet get NotFound).
//!
//! A counter sale is one transaction: the outlet's stock is taken with a conditional update,
//! and a checkout (channel `outlet`, the outlet's id), one delivered and paid order of the
//! product's seller, its item and its history are written; it counts as that seller's sale in
//! the outlet channel.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, SqlErr,
};
use uuid::Uuid;

use crate::auth::{Action, Principal, Scope};
use crate::catalog::queries::{ListingCard, visible_cards};
use crate::db::entities::{
    checkout, listing, order, order_event, order_item, outlet, outlet_listing, registry_certificate,
};
use crate::domain::time::vietnam_date;

/// Stock at or below this shows as running low.
pub const LOW_STOCK: i32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum OutletError {
    #[error("not found")]
    NotFound,
    #[error("this product is not from the outlet's province, or not for sale")]
    NotInProvince,
    #[error("the outlet does not carry this product")]
    NotCarried,
    #[error("only {left} left at the outlet")]
    NotEnoughStock { left: i32 },
    #[error("bad quantity")]
    BadQuantity,
    #[error("bad price")]
    BadPrice,
    #[error("bad payment method")]
    BadPayment,
    #[error("bad profile: {0}")]
    BadProfile(&'static str),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl OutletError {
    pub fn message(&self) -> String {
        use crate::web::i18n::{tr, tr_with};
        match self {
            Self::NotInProvince => tr("outlet.error.not_in_province"),
            Self::NotCarried => tr("outlet.error.not_carried"),
            Self::NotEnoughStock { left } => tr_with("outlet.error.not_enough", &[("left", left)]),
            Self::BadQuantity => tr("outlet.error.quantity"),
            Self::BadPrice => tr("outlet.error.price"),
            Self::BadPayment => tr("outlet.error.payment"),
            Self::BadProfile(field) => tr(&format!("outlet.error.{field}")),
            Self::NotFound | Self::Database(_) => self.to_string(),
        }
    }
}

/// How a counter customer pays.
pub const COUNTER_PAYMENTS: [&str; 3] = ["cash", "card", "transfer"];

/// Creates a province's outlet (administrators, from the command line). Audited.
pub async fn create(
    db: &DatabaseConnection,
    reference: &crate::domain::reference::Reference,
    slug: &str,
    province: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<outlet::Model, OutletError> {
    let slug = slug.trim();
    let slug_ok = (3..=60).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        return Err(OutletError::BadProfile("slug"));
    }
    let province = reference
        .resolve_province(province)
        .ok_or(OutletError::BadProfile("province"))?
        .code
        .clone();
    let name = name.trim();
    if !(3..=120).contains(&name.chars().count()) {
        return Err(OutletError::BadProfile("name"));
    }
    let txn = crate::db::begin_write(db).await?;
    let created = outlet::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        province_code: Set(province.clone()),
        created_at: Set(now),
        tagline: Set(String::new()),
        address: Set(String::new()),
        opening_hours: Set(String::new()),
        map_url: Set(None),
        color: Set("#1d6b3a".into()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => OutletError::BadProfile("slug_taken"),
        _ => e.into(),
    })?;
    crate::audit::record(
        &txn,
        crate::audit::Entry {
            actor: None,
            action: "outlet.created",
            subject_type: "outlet",
            subject_id: created.slug.clone(),
            province_code: Some(&province),
            reason: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The outlet `id`, if `principal` runs it.
pub async fn find_operated(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: i64,
) -> Result<outlet::Model, OutletError> {
    if !principal.can(Action::OperateOutlet, &Scope::Outlet(id)) {
        return Err(OutletError::NotFound);
    }
    outlet::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(OutletError::NotFound)
}

/// The outlets `principal` staffs.
pub async fn operated_by(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<Vec<outlet::Model>, DbErr> {
    let all = outlet::Entity::find()
        .order_by_asc(outlet::Column::Name)
        .all(db)
        .await?;
    Ok(all
        .into_iter()
        .filter(|o| principal.can(Action::OperateOutlet, &Scope::Outlet(o.id)))
        .collect())
}

/// The public profile staff can change.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct Profile {
    pub tagline: String,
    pub address: String,
    pub opening_hours: String,
    pub map_url: String,
    pub color: String,
}

impl Profile {
    fn validate(&self) -> Result<(), OutletError> {
        let long = |s: &str, max: usize| s.trim().chars().count() > max;
        if long(&self.tagline, 160) {
            return Err(OutletError::BadProfile("tagline"));
        }
        if long(&self.address, 200) {
            return Err(OutletError::BadProfile("address"));
        }
        if long(&self.opening_hours, 120) {
            return Err(OutletError::BadProfile("hours"));
        }
        let map = self.map_url.trim();
        let map_ok = map.is_empty() || (map.starts_with("https://") && map.len() <= 500);
        if !map_ok {
            return Err(OutletError::BadProfile("map"));
        }
        // A colour goes into a style attribute: only `#rrggbb`.
        let c = self.color.trim();
        if !(c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(OutletError::BadProfile("color"));
        }
        Ok(())
    }
}

pub async fn save_profile(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: i64,
    profile: &Profile,
) -> Result<outlet::Model, OutletError> {
    let found = find_operated(db, principal, outlet_id).await?;
    profile.validate()?;
    let mut changed = found.into_active_model();
    changed.tagline = Set(profile.tagline.trim().to_owned());
    changed.address = Set(profile.address.trim().to_owned());
    changed.opening_hours = Set(profile.opening_hours.trim().to_owned());
    let map = profile.map_url.trim();
    changed.map_url = Set((!map.is_empty()).then(|| map.to_owned()));
    changed.color = Set(profile.color.trim().to_ascii_lowercase());
    Ok(changed.update(db).await?)
}

/// Adds a listing of the outlet's province to what it carries (no stock yet).
pub async fn carry(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: i64,
    listing_pid: Uuid,
    now: DateTime<Utc>,
) -> Result<(), OutletError> {
    let shop = find_operated(db, principal, outlet_id).await?;
    let found = listing::Entity::find()
        .filter(listing::Column::Pid.eq(listing_pid))
        .one(db)
        .await?
        .ok_or(OutletError::NotInProvince)?;
    let visible = visible_cards(db, vietnam_date(now), &[found.id]).await?;
    if visible
        .first()
        .is_none_or(|card| card.province_code != shop.province_code)
    {
        return Err(OutletError::NotInProvince);
    }
    let inserted = outlet_listing::ActiveModel {
        outlet_id: Set(shop.id),
        listing_id: Set(found.id),
        stock: Set(0),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        // Already carried.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Sets the units the outlet holds of a product it carries (a consignment count).
pub async fn set_stock(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: i64,
    listing_pid: Uuid,
    stock: i32,
) -> Result<(), OutletError> {
    let shop = find_operated(db, principal, outlet_id).await?;
    if !(0..=100_000).contains(&stock) {
        return Err(OutletError::BadQuantity);
    }
    let carried = carried_row(db, shop.id, listing_pid).await?;
    let mut changed = carried.into_active_model();
    changed.stock = Set(stock);
    changed.update(db).await?;
    Ok(())
}

async fn carried_row(
    db: &impl ConnectionTrait,
    outlet_id: i64,
    listing_pid: Uuid,
) -> Result<outlet_listing::Model, OutletError> {
    let found = listing::Entity::find()
        .filter(listing::Column::Pid.eq(listing_pid))
        .one(db)
        .await?
        .ok_or(OutletError::NotCarried)?;
    outlet_listing::Entity::find()
        .filter(outlet_listing::Column::OutletId.eq(outlet_id))
        .filter(outlet_listing::Column::ListingId.eq(found.id))
        .one(db)
        .await?
        .ok_or(OutletError::NotCarried)
}

/// A sale at the counter.
#[derive(Clone, Debug)]
pub struct CounterSale {
    pub listing_pid: Uuid,
    pub quantity: i32,
    /// The price charged per unit, in đồng (the outlet may differ from the web price).
    pub unit_price_vnd: i64,
    pub payment: String,
    /// One per sale form: a double submit records one sale.
    pub idempotency_key: String,
}

/// Records a counter sale; returns the checkout (reference) it made.
pub async fn record_sale(
    db: &DatabaseConnection,
    principal: &Principal,
    outlet_id: i64,
    sale: &CounterSale,
    now: DateTime<Utc>,
) -> Result<checkout::Model, OutletError> {
    let shop = find_operated(db, principal, outlet_id).await?;
    if !(1..=999).contains(&sale.quantity) {
        return Err(OutletError::BadQuantity);
    }
    if !(1..=1_000_000_000).contains(&sale.unit_price_vnd) {
        return Err(OutletError::BadPrice);
    }
    if !COUNTER_PAYMENTS.contains(&sale.payment.as_str()) {
        return Err(OutletError::BadPayment);
    }
    let txn = crate::db::begin_write(db).await?;
    if let Some(done) = checkout::Entity::find()
        .filter(checkout::Column::IdempotencyKey.eq(sale.idempotency_key.as_str()))
        .one(&txn)
        .await?
    {
        txn.rollback().await?;
        return Ok(done);
    }
    let carried = carried_row(&txn, shop.id, sale.listing_pid).await?;
    // Only certified products on sale: a certificate that lapsed stops counter sales too.
    if visible_cards(&txn, vietnam_date(now), &[carried.listing_id])
        .await?
        .is_empty()
    {
        return Err(OutletError::NotInProvince);
    }
    let taken = outlet_listing::Entity::update_many()
        .col_expr(
            outlet_listing::Column::Stock,
            Expr::col(outlet_listing::Column::Stock).sub(sale.quantity),
        )
        .filter(outlet_listing::Column::Id.eq(carried.id))
        .filter(outlet_listing::Column::Stock.gte(sale.quantity))
        .exec(&txn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(OutletError::NotEnoughStock {
            left: carried.stock,
        });
    }
    let item = listing::Entity::find_by_id(carried.listing_id)
        .one(&txn)
        .await?
        .ok_or(OutletError::NotCarried)?;
    let cert = registry_certificate::Entity::find_by_id(item.certificate_id)
        .one(&txn)
        .await?
        .ok_or(OutletError::NotCarried)?;
    let total = sale.unit_price_vnd * i64::from(sale.quantity);
    let reference = crate::shop::new_reference();
    let placed = checkout::ActiveModel {
        reference: Set(reference.clone()),
        idempotency_key: Set(sale.idempotency_key.clone()),
        user_id: Set(None),
        email: Set(String::new()),
        name: Set(crate::web::i18n::lookup(
            crate::web::i18n::Lang::Vi,
            "outlet.counter_customer",
        )),
        phone: Set(String::new()),
        province_code: Set(shop.province_code.clone()),
        commune: Set(String::new()),
        street: Set(shop.address.clone()),
        payment_method: Set(format!("counter_{}", sale.payment)),
        channel: Set(crate::shop::Channel::Outlet { outlet_id: shop.id }
            .as_str()
            .to_owned()),
        live_show_id: Set(None),
        total_vnd: Set(total),
        tracking_token: Set(Uuid::new_v4()),
        created_at: Set(now),
        lang: Set("vi".into()),
        expires_at: Set(None),
        stripe_session_id: Set(None),
        site: Set(String::new()),
        outlet_id: Set(Some(shop.id)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let sold = order::ActiveModel {
        pid: Set(Uuid::new_v4()),
        code: Set(format!("{reference}-1")),
        checkout_id: Set(placed.id),
        seller_id: Set(item.seller_id),
        state: Set(crate::orders::OrderState::Delivered.as_str().to_owned()),
        payment_state: Set(crate::orders::PaymentState::Paid.as_str().to_owned()),
        subtotal_vnd: Set(total),
        carrier: Set(None),
        tracking_no: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        paid_at: Set(Some(now)),
        reason: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    order_item::ActiveModel {
        order_id: Set(sold.id),
        listing_id: Set(item.id),
        title: Set(cert.product_name_vi.clone()),
        certificate_no: Set(cert.certificate_no.clone()),
        unit: Set(item.unit.clone()),
        unit_price_vnd: Set(sale.unit_price_vnd),
        quantity: Set(sale.quantity),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    order_event::ActiveModel {
        order_id: Set(sold.id),
        state: Set(crate::orders::OrderState::Delivered.as_str().to_owned()),
        note: Set(Some(format!("@counter:{}", shop.slug))),
        actor_user_id: Set(Some(principal.user.id)),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(placed)
}

/// A product the outlet carries, with its stock there.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Carried {
    pub listing_pid: Uuid,
    pub title: String,
    pub seller_id: i64,
    pub price_vnd: i64,
    pub stock: i32,
    pub low: bool,
}

pub async fn carried(db: &impl ConnectionTrait, outlet_id: i64) -> Result<Vec<Carried>, DbErr> {
    let rows = outlet_listing::Entity::find()
        .filter(outlet_listing::Column::OutletId.eq(outlet_id))
        .order_by_asc(outlet_listing::Column::Id)
        .all(db)
        .await?;
    let listings: Vec<listing::Model> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(rows.iter().map(|r| r.listing_id)))
        .all(db)
        .await?;
    let titles = crate::selling::titles_of(db, &listings).await?;
    let by_id: HashMap<i64, &listing::Model> = listings.iter().map(|l| (l.id, l)).collect();
    Ok(rows
        .iter()
        .filter_map(|r| {
            let l = by_id.get(&r.listing_id)?;
            Some(Carried {
                listing_pid: l.pid,
                title: titles.get(&l.id).cloned().unwrap_or_default(),
                seller_id: l.seller_id,
                price_vnd: l.price_vnd,
                stock: r.stock,
                low: r.stock <= LOW_STOCK,
            })
        })
        .collect())
}

/// Sales at the outlet by product and by seller.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Report {
    pub by_product: Vec<ReportLine>,
    pub by_seller: Vec<ReportLine>,
    pub sales: i64,
    pub units: i64,
    pub revenue_vnd: i64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReportLine {
    pub name: String,
    pub sales: i64,
    pub units: i64,
    pub revenue_vnd: i64,
}

/// Everything sold at the outlet's counter (refunded sales left out), largest revenue first.
pub async fn report(db: &impl ConnectionTrait, outlet_id: i64) -> Result<Report, DbErr> {
    let checkouts: Vec<i64> = checkout::Entity::find()
        .filter(checkout::Column::OutletId.eq(outlet_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.is_in(checkouts))
        .filter(order::Column::State.ne("refunded"))
        .all(db)
        .await?;
    let sellers: HashMap<i64, String> = crate::db::entities::seller::Entity::find()
        .filter(crate::db::entities::seller::Column::Id.is_in(orders.iter().map(|o| o.seller_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let seller_of: HashMap<i64, i64> = orders.iter().map(|o| (o.id, o.seller_id)).collect();
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .all(db)
        .await?;
    let mut products: HashMap<String, ReportLine> = HashMap::new();
    let mut by_seller: HashMap<String, ReportLine> = HashMap::new();
    let mut report = Report::default();
    for item in &items {
        let units = i64::from(item.quantity);
        let revenue = item.unit_price_vnd * units;
        let seller = seller_of
            .get(&item.order_id)
            .and_then(|s| sellers.get(s))
            .cloned()
            .unwrap_or_default();
        for (map, name) in [
            (&mut products, item.title.clone()),
            (&mut by_seller, seller),
        ] {
            let line = map.entry(name.clone()).or_insert(ReportLine {
                name,
                sales: 0,
                units: 0,
                revenue_vnd: 0,
            });
            line.sales += 1;
            line.units += units;
            line.revenue_vnd += revenue;
        }
        report.sales += 1;
        report.units += units;
        report.revenue_vnd += revenue;
    }
    let sorted = |map: HashMap<String, ReportLine>| {
        let mut lines: Vec<ReportLine> = map.into_values().collect();
        lines.sort_by(|a, b| b.revenue_vnd.cmp(&a.revenue_vnd).then(a.name.cmp(&b.name)));
        lines
    };
    report.by_product = sorted(products);
    report.by_seller = sorted(by_seller);
    Ok(report)
}

/// The outlet's public storefront: its products a shopper may buy, with the outlet's stock.
pub async fn storefront(
    db: &impl ConnectionTrait,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<Option<(outlet::Model, Vec<(ListingCard, i32)>)>, DbErr> {
    let Some(shop) = outlet::Entity::find()
        .filter(outlet::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let rows = outlet_listing::Entity::find()
        .filter(outlet_listing::Column::OutletId.eq(shop.id))
        .order_by_asc(outlet_listing::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.listing_id).collect();
    let pids: HashMap<i64, Uuid> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.pid))
        .collect();
    let cards = visible_cards(db, vietnam_date(now), &ids).await?;
    let shown = rows
        .iter()
        .filter_map(|r| {
            let pid = pids.get(&r.listing_id)?;
            let card = cards.iter().find(|c| &c.listing_id == pid)?.clone();
            Some((card, r.stock))
        })
        .collect();
    Ok(Some((shop, shown)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_hex_colours_reach_the_style_attribute() {
        let ok = Profile {
            color: "#1D6B3A".into(),
            ..Profile::default()
        };
        assert!(ok.validate().is_ok());
        for bad in ["red", "#12345", "#12345g", "#123456;background:url(x)", ""] {
            let profile = Profile {
                color: bad.into(),
                ..Profile::default()
            };
            assert!(profile.validate().is_err(), "{bad}");
        }
        let map = Profile {
            color: "#000000".into(),
            map_url: "javascript:alert(1)".into(),
            ..Profile::default()
        };
        assert!(map.validate().is_err());
    }
}
