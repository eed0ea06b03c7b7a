use sea_orm::entity::prelude::*;

use crate::domain::ids::{OrderId, UserId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: OrderId,
    pub state: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub actor_user_id: Option<UserId>,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
