use sea_orm::entity::prelude::*;

use crate::domain::ids::UserId;

/// A signed-in user's report of an abusive review, until an officer hides or keeps it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "review_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub review_id: i64,
    pub reported_by: UserId,
    pub reason: String,
    pub created_at: DateTimeUtc,
    /// `hidden` or `kept`.
    pub outcome: Option<String>,
    pub resolved_by: Option<UserId>,
    pub resolved_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
