use sea_orm::entity::prelude::*;

use crate::domain::ids::{CheckoutId, OrderId, SellerId};
use crate::domain::money::Vnd;
use crate::domain::states::{OrderState, PaymentState};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: OrderId,
    #[sea_orm(unique)]
    pub pid: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub checkout_id: CheckoutId,
    pub seller_id: SellerId,
    pub state: OrderState,
    pub payment_state: PaymentState,
    pub subtotal_vnd: Vnd,
    /// What the shopper pays for delivery on top of the subtotal.
    pub shipping_vnd: Vnd,
    /// Who priced the delivery: table | ghn | ghtk | pickup.
    pub shipping_service: String,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub reason: Option<String>,
    /// When the order first became a completed sale (delivered, or paid and neither
    /// cancelled nor refunded): the moment sell-through and the indicator date it.
    pub completed_at: Option<DateTimeUtc>,
    /// The e-invoice the seller issued for it: its number and where the buyer reads it.
    pub invoice_no: Option<String>,
    pub invoice_url: Option<String>,
    /// Refunded or being refunded (pending refunds included): never above the total.
    pub refunded_vnd: Vnd,
    /// What vouchers took off the goods; `subtotal_vnd` is after it.
    pub discount_vnd: Vnd,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// What the shopper pays for this order: the goods and their delivery.
    pub fn total_vnd(&self) -> Vnd {
        self.subtotal_vnd + self.shipping_vnd
    }
}
