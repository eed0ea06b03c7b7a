use sea_orm::entity::prelude::*;

use crate::domain::states::{OrderState, PaymentState};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pid: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub checkout_id: i64,
    pub seller_id: i64,
    pub state: OrderState,
    pub payment_state: PaymentState,
    pub subtotal_vnd: i64,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub reason: Option<String>,
    /// When the order first became a completed sale (delivered, or paid and neither
    /// cancelled nor refunded): the moment sell-through and the indicator date it.
    pub completed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
