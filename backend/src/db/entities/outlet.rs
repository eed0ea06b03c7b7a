use sea_orm::entity::prelude::*;

use crate::domain::ids::OutletId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outlets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: OutletId,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub province_code: String,
    pub created_at: DateTimeUtc,
    pub tagline: String,
    pub address: String,
    pub opening_hours: String,
    pub map_url: Option<String>,
    pub color: String,
    /// Digest of the logo picture (see `media::key`) and its variant widths.
    pub logo_key: Option<String>,
    pub logo_variants: String,
    pub banner_key: Option<String>,
    pub banner_variants: String,
    /// The commune's official name on the 2025 map.
    pub commune: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
