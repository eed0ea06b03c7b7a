//! Read queries over the catalog, for pages and the API. Only visible listings come out.
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Func, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, ExprTrait, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

use super::visibility;
use crate::db::entities::{listing, province, registry_certificate, registry_participant, seller};
use crate::domain::ids::ListingId;
use crate::domain::money::Vnd;

/// A listing as shown in a grid or a JSON list.
#[derive(Clone, Debug, FromQueryResult, Serialize)]
pub struct ListingCard {
    pub listing_id: Uuid,
    pub slug: String,
    pub certificate_no: String,
    pub title_vi: String,
    pub title_en: String,
    pub stars: i16,
    pub province_code: String,
    pub province_name_vi: String,
    pub province_name_en: String,
    pub region_code: String,
    pub group_code: String,
    pub price_vnd: Vnd,
    pub seller_name: String,
    pub stock: i32,
    pub unit: String,
    pub rating_count: i32,
    #[serde(skip)]
    pub rating_total: i32,
    #[serde(skip)]
    pub internal_id: ListingId,
    /// Filled after the query: the average in tenths and the cover thumbnail.
    #[sea_orm(skip)]
    pub rating_tenths: u8,
    #[sea_orm(skip)]
    pub thumbnail_url: Option<String>,
    #[sea_orm(skip)]
    pub thumbnail_srcset: Option<String>,
}

/// Everything the product page shows, including the certificate panel.
#[derive(Clone, Debug, FromQueryResult, Serialize)]
pub struct ListingDetail {
    pub listing_id: Uuid,
    pub slug: String,
    pub title_vi: String,
    pub title_en: String,
    pub stars: i16,
    pub group_code: String,
    pub subgroup_code: String,
    pub province_code: String,
    pub province_name_vi: String,
    pub region_code: String,
    pub commune: String,
    pub price_vnd: Vnd,
    pub stock: i32,
    pub unit: String,
    pub weight_grams: i32,
    pub description_vi: String,
    pub description_en: String,
    pub seller_name: String,
    pub seller_slug: String,
    pub participant_type: String,
    pub certificate_no: String,
    pub certificate_status: String,
    pub legacy_province: Option<String>,
    pub recognition_decision_no: String,
    pub recognized_on: NaiveDate,
    pub expires_on: NaiveDate,
    #[serde(skip)]
    pub internal_id: ListingId,
}

#[derive(Clone, Debug, Default)]
pub struct ListingFilter {
    pub seller_id: Option<crate::domain::ids::SellerId>,
    pub province_code: Option<String>,
    pub region_code: Option<String>,
    pub group_code: Option<String>,
    pub stars: Option<i16>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// listings ⋈ sellers ⋈ certificates ⋈ provinces, restricted to what shoppers may see.
pub(crate) fn visible_base(today: NaiveDate) -> SelectStatement {
    use registry_certificate::Column as Cert;
    Query::select()
        .from(listing::Entity)
        .inner_join(
            seller::Entity,
            Expr::col((seller::Entity, seller::Column::Id))
                .equals((listing::Entity, listing::Column::SellerId)),
        )
        .inner_join(
            registry_certificate::Entity,
            Expr::col((registry_certificate::Entity, Cert::Id))
                .equals((listing::Entity, listing::Column::CertificateId)),
        )
        .inner_join(
            registry_participant::Entity,
            Expr::col((
                registry_participant::Entity,
                registry_participant::Column::Id,
            ))
            .equals((registry_certificate::Entity, Cert::ParticipantId)),
        )
        .inner_join(
            province::Entity,
            Expr::col((province::Entity, province::Column::Code))
                .equals((registry_certificate::Entity, Cert::ProvinceCode)),
        )
        .cond_where(visibility::condition(today))
        .to_owned()
}

fn card_columns(q: &mut SelectStatement) {
    use registry_certificate::Column as Cert;
    q.expr_as(
        Expr::col((listing::Entity, listing::Column::Pid)),
        "listing_id",
    )
    .column((listing::Entity, listing::Column::Slug))
    .column((registry_certificate::Entity, Cert::CertificateNo))
    .expr_as(
        Expr::col((registry_certificate::Entity, Cert::ProductNameVi)),
        "title_vi",
    )
    .expr_as(
        Expr::col((registry_certificate::Entity, Cert::ProductNameEn)),
        "title_en",
    )
    .column((registry_certificate::Entity, Cert::Stars))
    .column((registry_certificate::Entity, Cert::ProvinceCode))
    .expr_as(
        Expr::col((province::Entity, province::Column::NameVi)),
        "province_name_vi",
    )
    .expr_as(
        Expr::col((province::Entity, province::Column::NameEn)),
        "province_name_en",
    )
    .column((province::Entity, province::Column::RegionCode))
    .column((registry_certificate::Entity, Cert::GroupCode))
    .column((listing::Entity, listing::Column::PriceVnd))
    .expr_as(
        Expr::col((seller::Entity, seller::Column::DisplayName)),
        "seller_name",
    )
    .column((listing::Entity, listing::Column::Stock))
    .column((listing::Entity, listing::Column::Unit))
    .column((listing::Entity, listing::Column::RatingCount))
    .column((listing::Entity, listing::Column::RatingTotal))
    .expr_as(
        Expr::col((listing::Entity, listing::Column::Id)),
        "internal_id",
    );
}

/// Reads cards and fills what the query leaves out: the rating and the cover thumbnail.
async fn cards(db: &impl ConnectionTrait, q: &SelectStatement) -> Result<Vec<ListingCard>, DbErr> {
    let mut cards = db
        .query_all(q)
        .await?
        .iter()
        .map(|row| ListingCard::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let mut covers = super::photos::covers(db, cards.iter().map(|c| c.internal_id)).await?;
    for card in &mut cards {
        card.rating_tenths = crate::domain::rating::tenths(card.rating_count, card.rating_total);
        if let Some(cover) = covers.remove(&card.internal_id) {
            card.thumbnail_url = Some(cover.url);
            card.thumbnail_srcset = Some(cover.srcset);
        }
    }
    Ok(cards)
}

/// Visible listings, newest first.
pub async fn list_visible(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    filter: &ListingFilter,
    page: u64,
    per_page: u64,
) -> Result<Page<ListingCard>, DbErr> {
    use registry_certificate::Column as Cert;
    let mut base = visible_base(today);
    if let Some(id) = filter.seller_id {
        base.and_where(Expr::col((listing::Entity, listing::Column::SellerId)).eq(id));
    }
    if let Some(code) = &filter.province_code {
        base.and_where(
            Expr::col((registry_certificate::Entity, Cert::ProvinceCode)).eq(code.as_str()),
        );
    }
    if let Some(code) = &filter.group_code {
        base.and_where(
            Expr::col((registry_certificate::Entity, Cert::GroupCode)).eq(code.as_str()),
        );
    }
    if let Some(code) = &filter.region_code {
        base.and_where(
            Expr::col((province::Entity, province::Column::RegionCode)).eq(code.as_str()),
        );
    }
    if let Some(stars) = filter.stars {
        base.and_where(Expr::col((registry_certificate::Entity, Cert::Stars)).eq(stars));
    }

    let mut count = base.clone();
    count.expr_as(
        Func::count(Expr::col((listing::Entity, listing::Column::Id))),
        "n",
    );
    let total = match db.query_one(&count).await? {
        Some(row) => row.try_get::<i64>("", "n")?,
        None => 0,
    };

    let mut q = base;
    card_columns(&mut q);
    q.order_by((listing::Entity, listing::Column::PublishedAt), Order::Desc)
        .order_by((listing::Entity, listing::Column::Id), Order::Desc)
        .limit(per_page)
        .offset(page.saturating_sub(1) * per_page);
    let items = cards(db, &q).await?;
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or(0),
        page,
        per_page,
    })
}

/// The visible listings among `ids` (internal ids), in no particular order.
pub async fn visible_cards(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    ids: &[ListingId],
) -> Result<Vec<ListingCard>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = visible_base(today);
    q.and_where(Expr::col((listing::Entity, listing::Column::Id)).is_in(ids.iter().copied()));
    card_columns(&mut q);
    cards(db, &q).await
}

/// Number of visible listings per province code.
pub async fn count_visible_by_province(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<(String, i64)>, DbErr> {
    use registry_certificate::Column as Cert;
    let mut q = visible_base(today);
    q.column((registry_certificate::Entity, Cert::ProvinceCode))
        .expr_as(
            Func::count(Expr::col((listing::Entity, listing::Column::Id))),
            "n",
        )
        .group_by_col((registry_certificate::Entity, Cert::ProvinceCode));
    db.query_all(&q)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<String>("", "province_code")?,
                row.try_get::<i64>("", "n")?,
            ))
        })
        .collect()
}

/// One visible listing by slug, with its certificate.
pub async fn find_visible_by_slug(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    slug: &str,
) -> Result<Option<ListingDetail>, DbErr> {
    let mut q = visible_base(today);
    q.and_where(Expr::col((listing::Entity, listing::Column::Slug)).eq(slug));
    detail_columns(&mut q);
    db.query_one(&q)
        .await?
        .map(|row| ListingDetail::from_query_result(&row, ""))
        .transpose()
}

/// The visible listings of a seller or a province (`filter`'s seller and province), with
/// everything the product page shows, by title: at most `limit`.
pub async fn visible_details(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    filter: &ListingFilter,
    limit: u64,
) -> Result<Vec<ListingDetail>, DbErr> {
    use registry_certificate::Column as Cert;
    let mut q = visible_base(today);
    if let Some(id) = filter.seller_id {
        q.and_where(Expr::col((listing::Entity, listing::Column::SellerId)).eq(id));
    }
    if let Some(code) = &filter.province_code {
        q.and_where(
            Expr::col((registry_certificate::Entity, Cert::ProvinceCode)).eq(code.as_str()),
        );
    }
    detail_columns(&mut q);
    q.order_by(
        (registry_certificate::Entity, Cert::ProductNameVi),
        Order::Asc,
    )
    .order_by((listing::Entity, listing::Column::Id), Order::Asc)
    .limit(limit);
    db.query_all(&q)
        .await?
        .iter()
        .map(|row| ListingDetail::from_query_result(row, ""))
        .collect()
}

fn detail_columns(q: &mut SelectStatement) {
    use registry_certificate::Column as Cert;
    q.expr_as(
        Expr::col((listing::Entity, listing::Column::Pid)),
        "listing_id",
    )
    .column((listing::Entity, listing::Column::Slug))
    .expr_as(
        Expr::col((registry_certificate::Entity, Cert::ProductNameVi)),
        "title_vi",
    )
    .expr_as(
        Expr::col((registry_certificate::Entity, Cert::ProductNameEn)),
        "title_en",
    )
    .columns([
        (registry_certificate::Entity, Cert::Stars),
        (registry_certificate::Entity, Cert::GroupCode),
        (registry_certificate::Entity, Cert::SubgroupCode),
        (registry_certificate::Entity, Cert::ProvinceCode),
        (registry_certificate::Entity, Cert::Commune),
        (registry_certificate::Entity, Cert::CertificateNo),
        (registry_certificate::Entity, Cert::LegacyProvince),
        (registry_certificate::Entity, Cert::RecognitionDecisionNo),
        (registry_certificate::Entity, Cert::RecognizedOn),
        (registry_certificate::Entity, Cert::ExpiresOn),
    ])
    .expr_as(
        Expr::col((registry_certificate::Entity, Cert::Status)),
        "certificate_status",
    )
    .expr_as(
        Expr::col((province::Entity, province::Column::NameVi)),
        "province_name_vi",
    )
    .column((province::Entity, province::Column::RegionCode))
    .columns([
        (listing::Entity, listing::Column::PriceVnd),
        (listing::Entity, listing::Column::Stock),
        (listing::Entity, listing::Column::Unit),
        (listing::Entity, listing::Column::WeightGrams),
        (listing::Entity, listing::Column::DescriptionVi),
        (listing::Entity, listing::Column::DescriptionEn),
    ])
    .expr_as(
        Expr::col((seller::Entity, seller::Column::DisplayName)),
        "seller_name",
    )
    .expr_as(
        Expr::col((seller::Entity, seller::Column::Slug)),
        "seller_slug",
    )
    .column((
        registry_participant::Entity,
        registry_participant::Column::ParticipantType,
    ))
    .expr_as(
        Expr::col((listing::Entity, listing::Column::Id)),
        "internal_id",
    );
}

/// The slug of a certificate's listing, if a shopper may see it today.
pub async fn visible_slug_for_certificate(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    certificate_id: i64,
) -> Result<Option<String>, DbErr> {
    let mut q = visible_base(today);
    q.column((listing::Entity, listing::Column::Slug))
        .and_where(Expr::col((listing::Entity, listing::Column::CertificateId)).eq(certificate_id));
    match db.query_one(&q).await? {
        Some(row) => Ok(Some(row.try_get::<String>("", "slug")?)),
        None => Ok(None),
    }
}

/// The slugs of the sellers with at least one visible listing (their producer pages).
pub async fn visible_producer_slugs(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<String>, DbErr> {
    let mut q = visible_base(today);
    q.distinct()
        .column((seller::Entity, seller::Column::Slug))
        .order_by((seller::Entity, seller::Column::Slug), Order::Asc);
    db.query_all(&q)
        .await?
        .iter()
        .map(|row| row.try_get("", "slug"))
        .collect()
}

/// Slug and last change of every visible listing, for the sitemap.
pub async fn visible_slugs(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>, DbErr> {
    let mut q = visible_base(today);
    q.column((listing::Entity, listing::Column::Slug))
        .column((listing::Entity, listing::Column::UpdatedAt))
        .order_by((listing::Entity, listing::Column::Id), Order::Asc);
    db.query_all(&q)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "slug")?, row.try_get("", "updated_at")?)))
        .collect()
}
