use sea_orm::entity::prelude::*;

use crate::domain::ids::{ComboId, OutletId, SellerId, UserId};
use crate::domain::money::Vnd;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "combos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: ComboId,
    #[sea_orm(unique)]
    pub pid: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    /// `seller` or `outlet`.
    pub issuer: String,
    pub seller_id: Option<SellerId>,
    pub outlet_id: Option<OutletId>,
    pub title: String,
    pub description: String,
    pub price_vnd: Vnd,
    /// The photo's digest in the media store, and the widths of its resized copies.
    pub photo_key: Option<String>,
    pub photo_variants: String,
    /// The issuer took it off sale.
    pub active: bool,
    pub created_by: Option<UserId>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
