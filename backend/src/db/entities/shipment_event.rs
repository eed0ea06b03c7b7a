use sea_orm::entity::prelude::*;

use crate::domain::ids::OrderId;

/// A carrier's status update for an order's parcel, as received (the tracking history).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "shipment_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: OrderId,
    pub carrier: String,
    pub status: String,
    pub note: Option<String>,
    pub happened_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
