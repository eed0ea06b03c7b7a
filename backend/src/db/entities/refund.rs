use sea_orm::entity::prelude::*;

use crate::domain::ids::{OrderId, UserId};
use crate::domain::money::Vnd;
use crate::domain::states::{RefundMethod, RefundState};

/// Money going back to a shopper for (part of) an order: a card refund through Stripe, or a
/// transfer the seller owes to the shopper's bank account.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// `HT` and 8 characters: the message of the transfer that pays it back.
    #[sea_orm(unique)]
    pub code: String,
    pub order_id: OrderId,
    pub amount_vnd: Vnd,
    pub reason: String,
    pub method: RefundMethod,
    pub state: RefundState,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    #[sea_orm(unique)]
    pub stripe_refund_id: Option<String>,
    pub bank_bin: Option<String>,
    pub account_no: Option<String>,
    pub account_name: Option<String>,
    /// Why Stripe refused it, or why it could not be sent yet.
    pub failure: Option<String>,
    pub requested_by: Option<UserId>,
    /// `stripe`, `bank` or `confirmed`.
    pub settled_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub settled_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
