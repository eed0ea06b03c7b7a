use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate_reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub certificate_id: i64,
    pub expires_on: Date,
    pub days_before: i32,
    pub sent_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
