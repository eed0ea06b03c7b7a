use sea_orm::entity::prelude::*;

use crate::domain::ids::{OrderId, UserId};
use crate::domain::money::Vnd;
use crate::domain::states::{Disposition, ReturnState};

/// A shopper's request to send units of a delivered order back (table `returns`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "returns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// `TH` and 8 characters.
    #[sea_orm(unique)]
    pub code: String,
    pub order_id: OrderId,
    pub state: ReturnState,
    pub reason: String,
    /// The goods' value of the units asked back.
    pub amount_vnd: Vnd,
    pub disposition: Option<Disposition>,
    pub refusal_reason: Option<String>,
    pub dispute_reason: Option<String>,
    /// The officer's word on a dispute.
    pub decision: Option<String>,
    pub bank_bin: Option<String>,
    pub account_no: Option<String>,
    pub account_name: Option<String>,
    pub refund_id: Option<i64>,
    pub requested_by: Option<UserId>,
    pub decided_by: Option<UserId>,
    pub created_at: DateTimeUtc,
    pub disputed_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
