use sea_orm::entity::prelude::*;

/// A settled period: its withholding recorded and its payouts made.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "settlements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub period: String,
    pub settled_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
