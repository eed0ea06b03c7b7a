use sea_orm::entity::prelude::*;

use crate::domain::ids::SellerId;
use crate::domain::money::Vnd;
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
    /// Where carriers pick parcels up, on the 2025 map (province code, commune's official name).
    pub pickup_province_code: Option<String>,
    pub pickup_commune: Option<String>,
    pub pickup_street: Option<String>,
    pub pickup_phone: Option<String>,
    /// A seller's order at least this large ships free.
    pub free_shipping_over_vnd: Option<Vnd>,
    /// Who quotes and carries this seller's parcels (`features::shipping::CarrierKind`).
    pub carrier: String,
    /// The seller's own account with that carrier.
    pub carrier_token: Option<String>,
    pub carrier_shop_id: Option<String>,
    /// The producer's story, told by the seller (producer page).
    pub story_vi: Option<String>,
    pub story_en: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
