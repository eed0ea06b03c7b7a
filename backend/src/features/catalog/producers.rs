//! Producer pages (`/producers/{slug}`): the participant behind a seller — its story as the
//! seller tells it, photos, where it is, its certificates with their validity, its products,
//! the outlets carrying them and its live shows. Only an active seller has a page.
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::db::entities::{
    listing, live_show, outlet, outlet_listing, producer_photo, registry_certificate,
    registry_participant, seller,
};
use crate::domain::states::{SellerState, ShowState};
use crate::media;

/// Most photos on a producer's page.
pub const MAX_PHOTOS: usize = 8;
/// Longest story, in characters, in each language.
pub const MAX_STORY: usize = 4_000;

#[derive(Clone, Debug, Serialize)]
pub struct ProducerPage {
    pub seller_id: crate::domain::ids::SellerId,
    pub slug: String,
    pub name: String,
    pub participant_name: String,
    pub participant_type: String,
    pub province_code: String,
    pub commune: String,
    pub story_vi: Option<String>,
    pub story_en: Option<String>,
    pub photos: Vec<ProducerPhotoView>,
    pub certificates: Vec<CertificateRow>,
    pub outlets: Vec<OutletLink>,
    pub shows: Vec<ShowLink>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProducerPhotoView {
    pub id: i64,
    pub url: String,
    pub thumb_url: String,
    pub width: i32,
    pub height: i32,
}

#[derive(Clone, Debug, Serialize)]
pub struct CertificateRow {
    pub certificate_no: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub stars: i16,
    pub recognized_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// Valid today: active in the registry and before its expiry date.
    pub valid: bool,
    pub status: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutletLink {
    pub slug: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShowLink {
    pub id: crate::domain::ids::ShowId,
    pub title: String,
    pub state: ShowState,
    pub scheduled_at: DateTime<Utc>,
}

/// The photo's URLs: the full picture and the narrowest variant (or the full one).
pub fn photo_view(p: &producer_photo::Model) -> ProducerPhotoView {
    let (url, thumb_url) = media::urls(&p.digest, p.width);
    ProducerPhotoView {
        id: p.id,
        url,
        thumb_url,
        width: p.width,
        height: p.height,
    }
}

/// A seller's producer photos, in order.
pub async fn photos_of(
    db: &impl ConnectionTrait,
    seller_id: crate::domain::ids::SellerId,
) -> Result<Vec<producer_photo::Model>, DbErr> {
    producer_photo::Entity::find()
        .filter(producer_photo::Column::SellerId.eq(seller_id))
        .order_by_asc(producer_photo::Column::Position)
        .order_by_asc(producer_photo::Column::Id)
        .all(db)
        .await
}

/// The page of the active seller with `slug`, as of `today`.
pub async fn producer(
    db: &impl ConnectionTrait,
    slug: &str,
    today: NaiveDate,
) -> Result<Option<ProducerPage>, DbErr> {
    let Some(s) = seller::Entity::find()
        .filter(seller::Column::Slug.eq(slug))
        .filter(seller::Column::State.eq(SellerState::Active.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(p) = registry_participant::Entity::find_by_id(s.participant_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let certificates = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::ParticipantId.eq(p.id))
        .order_by_desc(registry_certificate::Column::Stars)
        .order_by_asc(registry_certificate::Column::ProductNameVi)
        .all(db)
        .await?
        .into_iter()
        .map(|c| CertificateRow {
            valid: c.status == "active" && today < c.expires_on,
            certificate_no: c.certificate_no,
            product_name_vi: c.product_name_vi,
            product_name_en: c.product_name_en,
            stars: c.stars,
            recognized_on: c.recognized_on,
            expires_on: c.expires_on,
            status: c.status,
        })
        .collect();
    // Outlets with one of its products on the shelf.
    let listing_ids: Vec<_> = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(s.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let carried: Vec<_> = outlet_listing::Entity::find()
        .filter(outlet_listing::Column::ListingId.is_in(listing_ids))
        .filter(outlet_listing::Column::Stock.gt(0))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.outlet_id)
        .collect();
    let outlets: BTreeMap<String, OutletLink> = outlet::Entity::find()
        .filter(outlet::Column::Id.is_in(carried))
        .all(db)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.name.clone(),
                OutletLink {
                    slug: o.slug,
                    name: o.name,
                },
            )
        })
        .collect();
    let shows = live_show::Entity::find()
        .filter(live_show::Column::SellerId.eq(s.id))
        .filter(live_show::Column::State.ne(ShowState::Ended.as_str()))
        .order_by_asc(live_show::Column::ScheduledAt)
        .all(db)
        .await?
        .into_iter()
        .map(|show| ShowLink {
            id: show.id,
            title: show.title,
            state: show.state,
            scheduled_at: show.scheduled_at,
        })
        .collect();
    let photos = photos_of(db, s.id).await?.iter().map(photo_view).collect();
    Ok(Some(ProducerPage {
        seller_id: s.id,
        slug: s.slug,
        name: s.display_name,
        participant_name: p.name,
        participant_type: p.participant_type,
        province_code: p.province_code,
        commune: p.commune,
        story_vi: s.story_vi,
        story_en: s.story_en,
        photos,
        certificates,
        outlets: outlets.into_values().collect(),
        shows,
    }))
}
