//! What a seller writes on its producer page: the story in Vietnamese and English, and up to
//! [`MAX_PHOTOS`] photos through the photo pipeline. Members of the seller only; the story's
//! changes are audited.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};

use super::SellingError;
use crate::audit::{self, Entry};
use crate::db::entities::{producer_photo, seller};
use crate::domain::ids::SellerId;
use crate::features::accounts::auth::{Action, Principal, Scope};
pub use crate::features::catalog::producers::{MAX_PHOTOS, MAX_STORY};
use crate::features::catalog::producers::{ProducerPhotoView, photo_view, photos_of};
use crate::media::{self, store::MediaStore};

fn member(principal: &Principal, seller_id: SellerId) -> Result<(), SellingError> {
    if principal.can(Action::ManageSeller, &Scope::Seller(seller_id)) {
        Ok(())
    } else {
        Err(SellingError::NotMember)
    }
}

/// A story as kept: trimmed, empty as none, at most [`MAX_STORY`] characters.
fn story(raw: &str) -> Result<Option<String>, SellingError> {
    let text = raw.trim().replace("\r\n", "\n");
    if text.chars().count() > MAX_STORY {
        return Err(SellingError::Invalid(crate::i18n::tr_with(
            "producer.error.too_long",
            &[("max", &MAX_STORY)],
        )));
    }
    Ok((!text.is_empty()).then_some(text))
}

/// Saves the producer's story in both languages.
pub async fn save_story(
    db: &DatabaseConnection,
    principal: &Principal,
    seller_id: SellerId,
    story_vi: &str,
    story_en: &str,
    now: DateTime<Utc>,
) -> Result<seller::Model, SellingError> {
    member(principal, seller_id)?;
    let (vi, en) = (story(story_vi)?, story(story_en)?);
    let txn = crate::db::begin_write(db).await?;
    let found = seller::Entity::find_by_id(seller_id)
        .one(&txn)
        .await?
        .ok_or(SellingError::NotFound)?;
    let mut changed = found.into_active_model();
    changed.story_vi = Set(vi);
    changed.story_en = Set(en);
    changed.updated_at = Set(now);
    let saved = changed.update(&txn).await?;
    audit::record(
        &txn,
        Entry {
            actor: Some(principal.user.id),
            action: "seller.story_saved",
            subject_type: "seller",
            subject_id: saved.pid.to_string(),
            province_code: None,
            reason: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The seller's producer photos, as pages show them.
pub async fn photos(
    db: &DatabaseConnection,
    seller_id: SellerId,
) -> Result<Vec<ProducerPhotoView>, SellingError> {
    Ok(photos_of(db, seller_id)
        .await?
        .iter()
        .map(photo_view)
        .collect())
}

/// Adds a photo (the pipeline first: files are written before the row that points at them).
pub async fn add_photo(
    db: &DatabaseConnection,
    store: &Arc<dyn MediaStore>,
    principal: &Principal,
    seller_id: SellerId,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<ProducerPhotoView, SellingError> {
    member(principal, seller_id)?;
    if photos_of(db, seller_id).await?.len() >= MAX_PHOTOS {
        return Err(SellingError::TooManyPhotos);
    }
    let stored = media::ingest(store, bytes).await.map_err(|e| match e {
        media::IngestError::Photo(e) => SellingError::Photo(e),
        media::IngestError::Store(e) => SellingError::Store(e),
    })?;
    let txn = crate::db::begin_write(db).await?;
    let existing = photos_of(&txn, seller_id).await?;
    if existing.len() >= MAX_PHOTOS {
        return Err(SellingError::TooManyPhotos);
    }
    let position = existing.iter().map(|p| p.position + 1).max().unwrap_or(0);
    let row = producer_photo::ActiveModel {
        seller_id: Set(seller_id),
        digest: Set(stored.digest),
        width: Set(i32::try_from(stored.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(stored.height).unwrap_or(i32::MAX)),
        position: Set(position),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(photo_view(&row))
}

/// Removes one of the seller's producer photos.
pub async fn delete_photo(
    db: &DatabaseConnection,
    principal: &Principal,
    seller_id: SellerId,
    photo_id: i64,
) -> Result<(), SellingError> {
    member(principal, seller_id)?;
    let deleted = producer_photo::Entity::delete_many()
        .filter(producer_photo::Column::Id.eq(photo_id))
        .filter(producer_photo::Column::SellerId.eq(seller_id))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(SellingError::NotFound);
    }
    Ok(())
}
