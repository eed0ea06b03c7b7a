use sea_orm::entity::prelude::*;

use crate::domain::ids::{OutletId, SellerId, UserId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: UserId,
    pub role: String,
    pub seller_id: Option<SellerId>,
    pub outlet_id: Option<OutletId>,
    pub province_code: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
