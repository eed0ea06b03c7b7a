use sea_orm::entity::prelude::*;

use crate::domain::ids::{CheckoutId, OrderId};
use crate::domain::money::Vnd;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: String,
    pub event_id: String,
    pub kind: String,
    pub checkout_id: Option<CheckoutId>,
    pub order_id: Option<OrderId>,
    pub amount_vnd: Option<Vnd>,
    pub outcome: String,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
