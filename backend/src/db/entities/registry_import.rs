use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registry_imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub imported_by: String,
    pub rows: i32,
    pub certificates_inserted: i32,
    pub certificates_updated: i32,
    pub certificates_unchanged: i32,
    pub participants_inserted: i32,
    pub participants_updated: i32,
    pub listings_delisted: i32,
    pub imported_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
