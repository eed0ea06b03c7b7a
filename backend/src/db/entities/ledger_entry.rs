use sea_orm::entity::prelude::*;

use crate::domain::ids::{OrderId, SellerId};
use crate::domain::money::Vnd;

/// One movement of a seller's money held by the platform (see `features::orders::ledger`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: SellerId,
    pub order_id: Option<OrderId>,
    pub refund_id: Option<i64>,
    pub payout_id: Option<i64>,
    /// sale, stripe_fee, commission, refund, commission_back, vat, pit
    pub kind: String,
    /// Signed: what it adds to (or takes from) the seller's balance.
    pub amount_vnd: Vnd,
    /// The goods amount a commission or a tax was worked out on (the sale's goods, a
    /// refund's goods part, the period's net goods).
    pub base_vnd: Vnd,
    /// The rate, in hundredths of a percent (100 = 1 %).
    pub rate_bps: i32,
    /// `YYYY-MM` in Vietnam's time.
    pub period: String,
    #[sea_orm(unique)]
    pub dedup_key: String,
    pub occurred_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
