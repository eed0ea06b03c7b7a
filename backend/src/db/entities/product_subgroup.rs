use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_subgroups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub group_code: String,
    pub set_no: i32,
    pub name_vi: String,
    pub name_en: String,
}

impl ActiveModelBehavior for ActiveModel {}
