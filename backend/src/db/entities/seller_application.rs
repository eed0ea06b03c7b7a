use sea_orm::entity::prelude::*;

use crate::domain::ids::UserId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seller_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pid: Uuid,
    pub user_id: UserId,
    pub participant_id: i64,
    pub province_code: String,
    pub state: String,
    pub review_reason: Option<String>,
    pub code_hash: Option<String>,
    pub code_expires_at: Option<DateTimeUtc>,
    pub code_attempts: i32,
    pub code_used_at: Option<DateTimeUtc>,
    pub decided_by: Option<UserId>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
