use sea_orm::entity::prelude::*;

use crate::domain::ids::{ListingId, ShowId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "live_show_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub show_id: ShowId,
    pub listing_id: ListingId,
    pub position: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub clicks: i64,
}

impl ActiveModelBehavior for ActiveModel {}
