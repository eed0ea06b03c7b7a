use sea_orm::entity::prelude::*;

/// Units of one order line a return asks back.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "return_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub return_id: i64,
    pub order_item_id: i64,
    pub quantity: i32,
}

impl ActiveModelBehavior for ActiveModel {}
