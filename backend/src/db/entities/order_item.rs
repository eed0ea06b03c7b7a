use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub listing_id: i64,
    pub title: String,
    pub certificate_no: String,
    pub unit: String,
    pub unit_price_vnd: i64,
    pub quantity: i32,
}

impl ActiveModelBehavior for ActiveModel {}
