use sea_orm::entity::prelude::*;

/// A photo sent with a quality report, stored by the photo pipeline under its digest.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "quality_report_photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_id: i64,
    pub digest: String,
    pub width: i32,
    pub height: i32,
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
