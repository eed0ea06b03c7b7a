use sea_orm::entity::prelude::*;

use crate::domain::ids::ListingId;
use crate::domain::money::Vnd;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "listing_variants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub listing_id: ListingId,
    pub label: String,
    pub price_vnd: Vnd,
    pub stock: i32,
    pub weight_grams: i32,
    pub position: i32,
    /// The listing's photo this size shows, if any.
    pub photo_id: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
