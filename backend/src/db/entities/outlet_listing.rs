use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outlet_listings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub outlet_id: i64,
    pub listing_id: i64,
    pub stock: i32,
    pub added_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
