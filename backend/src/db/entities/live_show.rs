use sea_orm::entity::prelude::*;

use crate::domain::ids::{ListingId, SellerId, ShowId};
use crate::domain::states::ShowState;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "live_shows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: ShowId,
    #[sea_orm(unique)]
    pub pid: Uuid,
    pub seller_id: SellerId,
    pub title: String,
    pub platform: String,
    pub stream_url: String,
    pub scheduled_at: DateTimeUtc,
    pub state: ShowState,
    pub started_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub pinned_listing_id: Option<ListingId>,
    pub pin_version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
