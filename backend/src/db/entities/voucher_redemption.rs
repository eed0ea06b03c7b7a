use sea_orm::entity::prelude::*;

use crate::domain::ids::{CheckoutId, VoucherId};
use crate::domain::money::Vnd;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_redemptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub voucher_id: VoucherId,
    #[sea_orm(unique)]
    pub checkout_id: CheckoutId,
    pub shopper: String,
    pub discount_vnd: Vnd,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
