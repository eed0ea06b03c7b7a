use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "registry_certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub certificate_no: String,
    pub participant_id: i64,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub group_code: String,
    pub subgroup_code: String,
    pub stars: i16,
    pub province_code: String,
    pub legacy_province: Option<String>,
    pub commune: String,
    pub recognition_decision_no: String,
    pub recognized_on: Date,
    pub expires_on: Date,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
