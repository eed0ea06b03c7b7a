use sea_orm::entity::prelude::*;

use crate::domain::ids::ListingId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cart_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cart_id: i64,
    pub listing_id: ListingId,
    pub quantity: i32,
    pub added_at: DateTimeUtc,
    /// The pack size chosen (`listing_variants.id`); 0 when the listing has none.
    pub variant_id: i64,
}

impl ActiveModelBehavior for ActiveModel {}
