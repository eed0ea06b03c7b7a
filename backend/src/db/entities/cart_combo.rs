use sea_orm::entity::prelude::*;

use crate::domain::ids::ComboId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "cart_combos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cart_id: i64,
    pub combo_id: ComboId,
    pub quantity: i32,
    pub added_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
