use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub topic: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub attempts: i32,
    pub available_at_ms: i64,
    pub locked_until_ms: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
    /// Set by the claim that holds the entry: see [`crate::jobs::outbox::claim`].
    pub claim_token: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
