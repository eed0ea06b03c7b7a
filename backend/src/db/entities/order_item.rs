use sea_orm::entity::prelude::*;

use crate::domain::ids::{ComboId, ListingId, OrderId};
use crate::domain::money::Vnd;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: OrderId,
    pub listing_id: ListingId,
    pub title: String,
    pub certificate_no: String,
    pub unit: String,
    pub unit_price_vnd: Vnd,
    pub quantity: i32,
    /// Units a shopper asked to return (each unit at most once).
    pub return_asked_qty: i32,
    /// Units taken back by an accepted return: not sold after all.
    pub returned_qty: i32,
    /// What a voucher took off this line (all its units together).
    pub discount_vnd: Vnd,
    /// The pack size bought, when the listing had several.
    pub variant_id: Option<i64>,
    pub variant_label: Option<String>,
    /// The gift combo this line is a part of (its price is the part's share).
    pub combo_id: Option<ComboId>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The line's goods before any voucher.
    pub fn gross_vnd(&self) -> Vnd {
        self.unit_price_vnd * i64::from(self.quantity)
    }

    /// What `units` of this line were paid for: their share of the line after its discount
    /// (the rounding left on the last units, so all of them add up to the line).
    pub fn paid_for(&self, units: i32) -> Vnd {
        crate::domain::vouchers::paid_for(
            self.unit_price_vnd,
            self.quantity,
            self.discount_vnd,
            units,
        )
    }
}
