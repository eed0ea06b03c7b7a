use sea_orm::entity::prelude::*;

use crate::domain::ids::SellerId;

/// A photo on a producer's page, stored by the photo pipeline under its digest.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "producer_photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: SellerId,
    pub digest: String,
    pub width: i32,
    pub height: i32,
    pub position: i32,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
