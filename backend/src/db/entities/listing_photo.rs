use sea_orm::entity::prelude::*;

use crate::domain::ids::ListingId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "listing_photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub listing_id: ListingId,
    pub position: i32,
    pub storage_key: String,
    pub alt_vi: String,
    pub alt_en: String,
    pub width: i32,
    pub height: i32,
    pub variants: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
