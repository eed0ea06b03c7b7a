use sea_orm::entity::prelude::*;

use crate::domain::ids::{ListingId, OrderId};
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
}

impl ActiveModelBehavior for ActiveModel {}
