use sea_orm::entity::prelude::*;

use crate::domain::ids::{ListingId, UserId};
use crate::domain::states::{QualityKind, QualityState};

/// A quality or certificate problem reported on a product, or a review of one or two stars,
/// in the queue of the officers of the product's province.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "quality_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pid: Uuid,
    pub listing_id: ListingId,
    pub province_code: String,
    pub kind: QualityKind,
    pub body: String,
    pub reporter_id: Option<UserId>,
    pub reporter_email: Option<String>,
    pub reporter_name: String,
    #[sea_orm(unique)]
    pub review_id: Option<i64>,
    pub state: QualityState,
    pub question: Option<String>,
    pub seller_answer: Option<String>,
    pub seller_answered_at: Option<DateTimeUtc>,
    pub outcome: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
