//! The audit log: who decided what, when and why. Written in the same transaction as the
//! decision it records.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::db::entities::audit_log;
use crate::domain::ids::UserId;

/// One audit entry; `actor` is `None` when the system acted.
pub struct Entry<'a> {
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: String,
    pub province_code: Option<&'a str>,
    pub reason: Option<&'a str>,
}

pub async fn record(
    db: &impl ConnectionTrait,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        actor_user_id: Set(entry.actor),
        action: Set(entry.action.to_owned()),
        subject_type: Set(entry.subject_type.to_owned()),
        subject_id: Set(entry.subject_id),
        province_code: Set(entry.province_code.map(str::to_owned)),
        reason: Set(entry.reason.map(str::to_owned)),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The entries about one subject, oldest first.
pub async fn for_subject(
    db: &impl ConnectionTrait,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<audit_log::Model>, DbErr> {
    audit_log::Entity::find()
        .filter(audit_log::Column::SubjectType.eq(subject_type))
        .filter(audit_log::Column::SubjectId.eq(subject_id))
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await
}

/// The latest entries in the given provinces (`None`: everywhere), newest first.
pub async fn recent(
    db: &impl ConnectionTrait,
    provinces: Option<&[String]>,
    limit: u64,
) -> Result<Vec<audit_log::Model>, DbErr> {
    let mut query = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(limit);
    if let Some(codes) = provinces {
        query = query.filter(audit_log::Column::ProvinceCode.is_in(codes.iter().cloned()));
    }
    query.all(db).await
}
