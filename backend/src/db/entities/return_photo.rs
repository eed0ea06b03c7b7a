use sea_orm::entity::prelude::*;

/// A photo the shopper sent with a return, stored by the photo pipeline under its digest.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "return_photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub return_id: i64,
    pub digest: String,
    pub width: i32,
    pub height: i32,
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
