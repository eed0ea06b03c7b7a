use sea_orm::entity::prelude::*;

use crate::domain::ids::{ListingId, UserId};

/// A verified buyer's review of one order line.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pid: Uuid,
    pub listing_id: ListingId,
    #[sea_orm(unique)]
    pub order_item_id: i64,
    pub rating: i16,
    pub body: String,
    pub author_name: String,
    pub user_id: Option<UserId>,
    pub reply: Option<String>,
    pub replied_by: Option<UserId>,
    pub replied_at: Option<DateTimeUtc>,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
    pub hidden_by: Option<UserId>,
    pub hidden_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
