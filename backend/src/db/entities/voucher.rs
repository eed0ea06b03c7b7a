use sea_orm::entity::prelude::*;

use crate::domain::ids::{OutletId, SellerId, ShowId, UserId, VoucherId};
use crate::domain::money::Vnd;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "vouchers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: VoucherId,
    #[sea_orm(unique)]
    pub code: String,
    pub title: String,
    pub issuer: String,
    pub seller_id: Option<SellerId>,
    pub outlet_id: Option<OutletId>,
    pub live_show_id: Option<ShowId>,
    pub percent: Option<i32>,
    pub amount_vnd: Option<Vnd>,
    pub max_discount_vnd: Option<Vnd>,
    pub min_spend_vnd: Vnd,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub total_cap: Option<i32>,
    pub per_shopper_cap: Option<i32>,
    pub used: i32,
    pub active: bool,
    pub created_by: Option<UserId>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
