use sea_orm::entity::prelude::*;

use crate::domain::ids::{SellerId, UserId};
use crate::domain::states::{ChannelKind, DeclarationState};

/// Another modern-trade channel a seller sells through, declared with evidence for its
/// province's officers to verify (`features::channels`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "channel_declarations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pid: Uuid,
    pub seller_id: SellerId,
    pub participant_id: i64,
    pub province_code: String,
    pub kind: ChannelKind,
    pub channel_name: String,
    pub since: Date,
    pub evidence_url: Option<String>,
    pub evidence_digest: Option<String>,
    pub evidence_width: Option<i32>,
    pub evidence_height: Option<i32>,
    pub renews_id: Option<i64>,
    pub state: DeclarationState,
    pub reason: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTimeUtc>,
    pub valid_until: Option<Date>,
    pub declared_by: UserId,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
