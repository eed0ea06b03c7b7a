//! A listing's photos as pages and search show them: the full picture and its sized variants,
//! all served from `/media/…` (uploads and their processing are `features::selling`).
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::db::entities::{listing, listing_photo};
use crate::domain::ids::ListingId;
use crate::media;

/// A stored photo with the URLs of its sizes.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PhotoView {
    pub id: i64,
    pub position: i32,
    pub width: i32,
    pub height: i32,
    /// The full-size picture.
    pub url: String,
    /// `(width, url)` of each resized variant, narrowest first.
    pub variants: Vec<PhotoVariant>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PhotoVariant {
    pub width: u32,
    pub url: String,
}

/// The photos of the listing with this public id, in order (for the product page).
pub async fn photos_of_pid(db: &impl ConnectionTrait, pid: Uuid) -> Result<Vec<PhotoView>, DbErr> {
    let Some(found) = listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    Ok(photos_of(db, found.id)
        .await?
        .iter()
        .map(photo_view)
        .collect())
}

impl PhotoView {
    /// A `srcset` of every stored size, for `<img srcset>`.
    pub fn srcset(&self) -> String {
        let mut parts: Vec<String> = self
            .variants
            .iter()
            .map(|v| format!("{} {}w", v.url, v.width))
            .collect();
        parts.push(format!("{} {}w", self.url, self.width));
        parts.join(", ")
    }

    /// The size to show at most 800 px wide: the 800 px variant, or the full picture.
    pub fn display_url(&self) -> &str {
        self.variants
            .iter()
            .rev()
            .find(|v| v.width <= 800)
            .map_or(self.url.as_str(), |v| v.url.as_str())
    }
}

pub fn photo_view(p: &listing_photo::Model) -> PhotoView {
    let digest = p.storage_key.as_str();
    PhotoView {
        id: p.id,
        position: p.position,
        width: p.width,
        height: p.height,
        url: format!("/media/{}", media::key(digest, None)),
        variants: p
            .variants
            .split(',')
            .filter_map(|w| w.parse::<u32>().ok())
            .map(|w| PhotoVariant {
                width: w,
                url: format!("/media/{}", media::key(digest, Some(w))),
            })
            .collect(),
    }
}

pub async fn photos_of(
    db: &impl ConnectionTrait,
    listing_id: ListingId,
) -> Result<Vec<listing_photo::Model>, DbErr> {
    listing_photo::Entity::find()
        .filter(listing_photo::Column::ListingId.eq(listing_id))
        .order_by_asc(listing_photo::Column::Position)
        .order_by_asc(listing_photo::Column::Id)
        .all(db)
        .await
}

/// A listing's cover as cards show it: the narrowest size, and the sizes up to 800 px wide
/// for `srcset` (a phone's one-column card is about 700 device pixels wide).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cover {
    pub url: String,
    pub srcset: String,
}

impl PhotoView {
    fn cover(&self) -> Cover {
        let mut sizes: Vec<(i64, &str)> = self
            .variants
            .iter()
            .map(|v| (i64::from(v.width), v.url.as_str()))
            .filter(|(w, _)| *w <= 800)
            .collect();
        if self.width <= 800 {
            sizes.push((i64::from(self.width), self.url.as_str()));
        }
        Cover {
            url: sizes.first().map_or(self.url.as_str(), |s| s.1).to_owned(),
            srcset: sizes
                .iter()
                .map(|(w, url)| format!("{url} {w}w"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Each listing's cover photo (its first).
pub async fn covers(
    db: &impl ConnectionTrait,
    listing_ids: impl Iterator<Item = ListingId>,
) -> Result<HashMap<ListingId, Cover>, DbErr> {
    let ids: Vec<ListingId> = listing_ids.collect();
    let mut covers: HashMap<ListingId, (i32, Cover)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let photos = listing_photo::Entity::find()
            .filter(listing_photo::Column::ListingId.is_in(chunk.iter().copied()))
            .order_by_asc(listing_photo::Column::Id)
            .all(db)
            .await?;
        for photo in photos {
            let better = covers
                .get(&photo.listing_id)
                .is_none_or(|(position, _)| photo.position < *position);
            if better {
                covers.insert(
                    photo.listing_id,
                    (photo.position, photo_view(&photo).cover()),
                );
            }
        }
    }
    Ok(covers
        .into_iter()
        .map(|(id, (_, cover))| (id, cover))
        .collect())
}
