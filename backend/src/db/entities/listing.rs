use sea_orm::entity::prelude::*;

use crate::domain::ids::{ListingId, SellerId};
use crate::domain::money::Vnd;
use crate::domain::states::ListingState;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "listings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: ListingId,
    #[sea_orm(unique)]
    pub pid: Uuid,
    pub seller_id: SellerId,
    #[sea_orm(unique)]
    pub certificate_id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub price_vnd: Vnd,
    pub currency: String,
    pub stock: i32,
    pub unit: String,
    pub weight_grams: i32,
    #[sea_orm(column_type = "Text")]
    pub description_vi: String,
    #[sea_orm(column_type = "Text")]
    pub description_en: String,
    pub state: ListingState,
    pub state_reason: Option<String>,
    pub delisted_by: Option<String>,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The shown reviews: how many, and the sum of their ratings.
    pub rating_count: i32,
    pub rating_total: i32,
}

impl ActiveModelBehavior for ActiveModel {}
