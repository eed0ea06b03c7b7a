use sea_orm::entity::prelude::*;

/// Every name a province is known by (current names, aliases, the 63 former provinces), keyed
/// by its accent-folded form, so SQL can resolve legacy names too.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "province_names")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name_key: String,
    pub name: String,
    pub province_code: String,
    pub legacy: bool,
}

impl ActiveModelBehavior for ActiveModel {}
