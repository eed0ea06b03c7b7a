use sea_orm::entity::prelude::*;

use crate::domain::ids::SellerId;
use crate::domain::states::SellerState;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sellers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: SellerId,
    #[sea_orm(unique)]
    pub pid: Uuid,
    #[sea_orm(unique)]
    pub participant_id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub display_name: String,
    pub state: SellerState,
    pub state_reason: Option<String>,
    pub bank_bin: Option<String>,
    pub bank_account_no: Option<String>,
    pub bank_account_name: Option<String>,
    pub verified_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
