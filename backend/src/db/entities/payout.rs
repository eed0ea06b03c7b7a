use sea_orm::entity::prelude::*;

use crate::domain::ids::SellerId;
use crate::domain::money::Vnd;

/// What the platform owes a seller for a settled period, paid to its bank account.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// `TT` and 8 characters: the transfer's message.
    #[sea_orm(unique)]
    pub code: String,
    pub seller_id: SellerId,
    pub period: String,
    pub amount_vnd: Vnd,
    pub bank_bin: String,
    pub account_no: String,
    pub account_name: String,
    /// `pending` or `paid`.
    pub state: String,
    /// `bank` or `confirmed`.
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
