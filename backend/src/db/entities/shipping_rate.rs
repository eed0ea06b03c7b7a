use sea_orm::entity::prelude::*;

use crate::domain::ids::SellerId;
use crate::domain::money::Vnd;

/// One weight band of a seller's table rates: parcels up to `max_grams` (and above the band
/// before), priced by zone.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipping_rates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: SellerId,
    pub max_grams: i32,
    pub same_province_vnd: Vnd,
    pub same_region_vnd: Vnd,
    pub elsewhere_vnd: Vnd,
}

impl ActiveModelBehavior for ActiveModel {}
