use sea_orm::entity::prelude::*;

use crate::domain::ids::VoucherId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_shoppers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub voucher_id: VoucherId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shopper: String,
    pub uses: i32,
}

impl ActiveModelBehavior for ActiveModel {}
