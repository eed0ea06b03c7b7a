//! Building search documents from the database. Only visible listings become documents.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Order};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, FromQueryResult, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use crate::db::entities::{listing, province, registry_certificate, seller};
use crate::domain::ids::{ListingId, OutletId};
use crate::domain::money::Vnd;
use crate::domain::rating;
use crate::domain::reference::Reference;
use crate::domain::text::fold;
use crate::features::catalog::queries::visible_base;
use crate::search::{SearchDocument, day_key};

#[derive(FromQueryResult)]
struct DocRow {
    id: ListingId,
    pid: Uuid,
    slug: String,
    certificate_no: String,
    product_name_vi: String,
    product_name_en: String,
    seller_name: String,
    commune: String,
    stars: i16,
    province_code: String,
    region_code: String,
    group_code: String,
    subgroup_code: String,
    price_vnd: Vnd,
    stock: i32,
    published_at: Option<DateTime<Utc>>,
    expires_on: NaiveDate,
    rating_count: i32,
    rating_total: i32,
}

/// The documents of the visible listings among `listing_ids` (all visible listings when
/// `None`), keyed by internal listing id.
pub async fn load_visible(
    db: &impl ConnectionTrait,
    reference: &Reference,
    today: NaiveDate,
    listing_ids: Option<&[ListingId]>,
) -> Result<HashMap<ListingId, SearchDocument>, DbErr> {
    use registry_certificate::Column as Cert;
    let mut q = visible_base(today);
    q.columns([
        (listing::Entity, listing::Column::Id),
        (listing::Entity, listing::Column::Pid),
        (listing::Entity, listing::Column::Slug),
        (listing::Entity, listing::Column::PriceVnd),
        (listing::Entity, listing::Column::Stock),
        (listing::Entity, listing::Column::PublishedAt),
        (listing::Entity, listing::Column::RatingCount),
        (listing::Entity, listing::Column::RatingTotal),
    ])
    .columns([
        (registry_certificate::Entity, Cert::CertificateNo),
        (registry_certificate::Entity, Cert::ProductNameVi),
        (registry_certificate::Entity, Cert::ProductNameEn),
        (registry_certificate::Entity, Cert::Commune),
        (registry_certificate::Entity, Cert::Stars),
        (registry_certificate::Entity, Cert::ProvinceCode),
        (registry_certificate::Entity, Cert::GroupCode),
        (registry_certificate::Entity, Cert::SubgroupCode),
        (registry_certificate::Entity, Cert::ExpiresOn),
    ])
    .column((province::Entity, province::Column::RegionCode))
    .expr_as(
        Expr::col((seller::Entity, seller::Column::DisplayName)),
        "seller_name",
    )
    .order_by((listing::Entity, listing::Column::Id), Order::Asc);
    if let Some(ids) = listing_ids {
        q.and_where(Expr::col((listing::Entity, listing::Column::Id)).is_in(ids.iter().copied()));
    }
    let rows = db
        .query_all(&q)
        .await?
        .iter()
        .map(|row| DocRow::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;

    let mut covers = super::photos::covers(db, rows.iter().map(|r| r.id)).await?;
    let sold = units_sold(db, rows.iter().map(|r| r.id)).await?;
    let dearest = dearest_sizes(db, rows.iter().map(|r| r.id)).await?;
    let mut carried_by = outlet_slugs(db, rows.iter().map(|r| r.id)).await?;
    let mut place_names: HashMap<&str, String> = HashMap::new();
    for name in &reference.province_names {
        let entry = place_names.entry(name.province_code.as_str()).or_default();
        entry.push(' ');
        entry.push_str(&name.key);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let group = reference.group(&r.group_code);
            let subgroup = reference.subgroup(&r.subgroup_code);
            let context = [
                r.seller_name.as_str(),
                r.commune.as_str(),
                group.map_or("", |g| g.name_vi.as_str()),
                group.map_or("", |g| g.name_en.as_str()),
                subgroup.map_or("", |s| s.name_vi.as_str()),
                subgroup.map_or("", |s| s.name_en.as_str()),
            ]
            .join(" ");
            let places = place_names
                .get(r.province_code.as_str())
                .map_or("", String::as_str);
            let rating_tenths = rating::tenths(r.rating_count, r.rating_total);
            let stars = u8::try_from(r.stars).unwrap_or(0);
            let document = SearchDocument {
                quality: crate::search::quality(
                    r.stock > 0,
                    stars,
                    rating_tenths,
                    sold.get(&r.id).copied().unwrap_or(0),
                ),
                kind_folded: crate::domain::text::product_kind(&r.product_name_vi),
                seq: r.id.get(),
                id: r.pid.to_string(),
                slug: r.slug,
                certificate_no: r.certificate_no,
                title_folded: fold(&format!("{} {}", r.product_name_vi, r.product_name_en)),
                title_vi: r.product_name_vi,
                title_en: r.product_name_en,
                context_folded: format!("{} {places}", fold(&context)),
                seller_name: r.seller_name,
                stars,
                province_code: r.province_code,
                region_code: r.region_code,
                group_code: r.group_code,
                price_vnd: r.price_vnd,
                price_max_vnd: dearest
                    .get(&r.id)
                    .copied()
                    .filter(|max| *max > r.price_vnd)
                    .unwrap_or(Vnd::ZERO),
                in_stock: r.stock > 0,
                thumbnail_srcset: covers.get(&r.id).map(|c| c.srcset.clone()),
                thumbnail_url: covers.remove(&r.id).map(|c| c.url),
                published_at: r.published_at.map_or(0, |t| t.timestamp()),
                expires_on: day_key(r.expires_on),
                outlets: carried_by.remove(&r.id).unwrap_or_default(),
                rating_tenths,
                rating_count: u32::try_from(r.rating_count).unwrap_or(0),
            };
            (r.id, document)
        })
        .collect())
}

/// Units sold per listing: order lines of orders not cancelled, refunded or returned, less
/// the units sent back.
async fn units_sold(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = ListingId>,
) -> Result<HashMap<ListingId, i64>, DbErr> {
    #[derive(FromQueryResult)]
    struct Sold {
        listing_id: ListingId,
        units: Option<i64>,
    }
    let ids: Vec<ListingId> = ids.collect();
    let mut sold = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT oi.listing_id AS listing_id, \
                    CAST(SUM(oi.quantity - oi.returned_qty) AS BIGINT) AS units \
             FROM order_items oi JOIN orders o ON o.id = oi.order_id \
             WHERE oi.listing_id IN ({marks}) \
               AND o.state NOT IN ('cancelled', 'refunded', 'returned') \
             GROUP BY oi.listing_id"
        );
        let values = chunk.iter().map(|id| id.get().into()).collect();
        let rows = Sold::find_by_statement(crate::db::statement(
            db.get_database_backend(),
            &sql,
            values,
        ))
        .all(db)
        .await?;
        sold.extend(
            rows.into_iter()
                .map(|r| (r.listing_id, r.units.unwrap_or(0))),
        );
    }
    Ok(sold)
}

/// The dearest pack size's price of each listing that has pack sizes.
async fn dearest_sizes(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = ListingId>,
) -> Result<HashMap<ListingId, Vnd>, DbErr> {
    use crate::db::entities::listing_variant;
    let ids: Vec<ListingId> = ids.collect();
    let mut dearest: HashMap<ListingId, Vnd> = HashMap::new();
    for chunk in ids.chunks(500) {
        let sizes: Vec<(ListingId, Vnd)> = listing_variant::Entity::find()
            .select_only()
            .column(listing_variant::Column::ListingId)
            .column(listing_variant::Column::PriceVnd)
            .filter(listing_variant::Column::ListingId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (listing_id, price) in sizes {
            let max = dearest.entry(listing_id).or_insert(price);
            *max = Ord::max(*max, price);
        }
    }
    Ok(dearest)
}

/// The slugs of the outlets carrying each listing, sorted.
async fn outlet_slugs(
    db: &impl ConnectionTrait,
    listing_ids: impl Iterator<Item = ListingId>,
) -> Result<HashMap<ListingId, Vec<String>>, DbErr> {
    use crate::db::entities::{outlet, outlet_listing};
    let ids: Vec<ListingId> = listing_ids.collect();
    let outlets: HashMap<OutletId, String> = outlet::Entity::find()
        .select_only()
        .column(outlet::Column::Id)
        .column(outlet::Column::Slug)
        .into_tuple::<(OutletId, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut slugs: HashMap<ListingId, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(ListingId, OutletId)> = outlet_listing::Entity::find()
            .select_only()
            .column(outlet_listing::Column::ListingId)
            .column(outlet_listing::Column::OutletId)
            .filter(outlet_listing::Column::ListingId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (listing_id, outlet_id) in rows {
            if let Some(slug) = outlets.get(&outlet_id) {
                slugs.entry(listing_id).or_default().push(slug.clone());
            }
        }
    }
    for list in slugs.values_mut() {
        list.sort();
    }
    Ok(slugs)
}

/// Public ids of the given listings, visible or not (to delete the invisible ones).
pub async fn public_ids(
    db: &impl ConnectionTrait,
    listing_ids: &[ListingId],
) -> Result<HashMap<ListingId, Uuid>, DbErr> {
    let rows: Vec<(ListingId, Uuid)> = listing::Entity::find()
        .select_only()
        .column(listing::Column::Id)
        .column(listing::Column::Pid)
        .filter(listing::Column::Id.is_in(listing_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
