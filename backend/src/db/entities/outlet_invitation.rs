use sea_orm::entity::prelude::*;

use crate::domain::ids::{OutletId, UserId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outlet_invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub outlet_id: OutletId,
    pub email: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub invited_by: Option<UserId>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub accepted_by: Option<UserId>,
}

impl ActiveModelBehavior for ActiveModel {}
