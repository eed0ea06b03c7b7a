use sea_orm::entity::prelude::*;

use crate::domain::ids::{ComboId, ListingId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "combo_parts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub combo_id: ComboId,
    pub listing_id: ListingId,
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
