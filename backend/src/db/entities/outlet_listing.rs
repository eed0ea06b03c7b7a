use sea_orm::entity::prelude::*;

use crate::domain::ids::{ListingId, OutletId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outlet_listings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub outlet_id: OutletId,
    pub listing_id: ListingId,
    pub stock: i32,
    pub added_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
