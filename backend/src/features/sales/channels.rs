//! Other modern-trade channels (Decision 919): a seller declares each supermarket chain,
//! convenience chain, e-commerce platform or export market it sells through, with a link or a
//! photographed document as evidence; an officer of its participant's province verifies or
//! rejects it with a reason. A verified declaration counts its participant in the
//! modern-trade indicator on every day from the declared `since` up to the day before
//! `valid_until`, twelve months after the verification ([`VALID_MONTHS`]). A renewal is a new
//! declaration naming the one it renews (`renews_id`), decided in turn: each verified window
//! stays as it was decided, so past periods keep their figures.
//!
//! Deciding is one conditional update from `pending`, so two officers deciding at once decide
//! once. Every step is audited and the seller's members are told the decision by e-mail.
use std::collections::HashMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::db::entities::{channel_declaration, registry_participant, seller};
use crate::domain::ids::{SellerId, UserId};
use crate::domain::states::{ChannelKind, DeclarationState};
use crate::domain::time::format_vietnam;
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::i18n;
use crate::media::Stored;

/// How long a verification holds.
pub const VALID_MONTHS: u32 = 12;
/// A verified channel may be renewed this many days before it runs out (and any time after).
pub const RENEW_WITHIN_DAYS: i64 = 60;
const MAX_NAME: usize = 120;
const MAX_URL: usize = 500;
const MAX_REASON: usize = 1_000;
/// The earliest `since` a declaration may state.
const EARLIEST: (i32, u32, u32) = (2000, 1, 1);

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("{}", i18n::tr("channels.error.not_found"))]
    NotFound,
    #[error("{}", i18n::tr("channels.error.kind"))]
    BadKind,
    #[error("{}", i18n::tr("channels.error.name"))]
    BadName,
    #[error("{}", i18n::tr("channels.error.since"))]
    BadSince,
    #[error("{}", i18n::tr("channels.error.url"))]
    BadUrl,
    /// Neither a link nor a document.
    #[error("{}", i18n::tr("channels.error.evidence"))]
    NoEvidence,
    #[error("{}", i18n::tr("channels.error.reason"))]
    BadReason,
    /// The same channel is waiting for the officers already.
    #[error("{}", i18n::tr("channels.error.already_pending"))]
    AlreadyPending,
    /// Decided already, or (for a renewal) not a verified declaration.
    #[error("{}", i18n::tr("channels.error.closed"))]
    Closed,
    /// The seller's participant is not in the registry (it cannot count).
    #[error("{}", i18n::tr("channels.error.no_participant"))]
    NoParticipant,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// What a seller declares.
#[derive(Debug, Default)]
pub struct Declaration<'a> {
    pub kind: &'a str,
    pub channel_name: &'a str,
    /// `YYYY-MM-DD`.
    pub since: &'a str,
    pub evidence_url: &'a str,
    /// A document photographed or scanned, through the photo pipeline.
    pub document: Option<Stored>,
}

/// Evidence: an `http(s)` link of at most [`MAX_URL`] characters (empty: none).
fn evidence_url(raw: &str) -> Result<Option<String>, ChannelError> {
    let url = raw.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| ChannelError::BadUrl)?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || url.chars().count() > MAX_URL
    {
        return Err(ChannelError::BadUrl);
    }
    Ok(Some(url.to_owned()))
}

fn since(raw: &str, today: NaiveDate) -> Result<NaiveDate, ChannelError> {
    let day =
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| ChannelError::BadSince)?;
    let earliest = NaiveDate::from_ymd_opt(EARLIEST.0, EARLIEST.1, EARLIEST.2).unwrap_or(day);
    if day > today || day < earliest {
        return Err(ChannelError::BadSince);
    }
    Ok(day)
}

/// The day a verification made on `today` stops counting.
pub fn valid_until(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_months(Months::new(VALID_MONTHS))
        .unwrap_or(today)
}

/// The seller declares a channel. Refused with why: an unknown kind, a name not 2–120
/// letters, a `since` in the future or before 2000, a bad link, no evidence at all, or the
/// same channel (kind and name, any case) already waiting.
pub async fn declare(
    db: &DatabaseConnection,
    by: UserId,
    shop: &seller::Model,
    ask: Declaration<'_>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<channel_declaration::Model, ChannelError> {
    let kind = ChannelKind::parse(ask.kind.trim()).ok_or(ChannelError::BadKind)?;
    let name = ask.channel_name.trim();
    let letters = name.chars().count();
    if !(2..=MAX_NAME).contains(&letters) {
        return Err(ChannelError::BadName);
    }
    let since = since(ask.since, today)?;
    let url = evidence_url(ask.evidence_url)?;
    if url.is_none() && ask.document.is_none() {
        return Err(ChannelError::NoEvidence);
    }
    let txn = crate::db::begin_write(db).await?;
    let created = insert(
        &txn,
        by,
        shop,
        Fresh {
            kind,
            name: name.to_owned(),
            since,
            url,
            document: ask.document,
            renews: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

struct Fresh {
    kind: ChannelKind,
    name: String,
    since: NaiveDate,
    url: Option<String>,
    document: Option<Stored>,
    renews: Option<i64>,
}

async fn insert(
    txn: &impl ConnectionTrait,
    by: UserId,
    shop: &seller::Model,
    fresh: Fresh,
    now: DateTime<Utc>,
) -> Result<channel_declaration::Model, ChannelError> {
    let participant = registry_participant::Entity::find_by_id(shop.participant_id)
        .one(txn)
        .await?
        .ok_or(ChannelError::NoParticipant)?;
    let waiting = channel_declaration::Entity::find()
        .filter(channel_declaration::Column::SellerId.eq(shop.id))
        .filter(channel_declaration::Column::Kind.eq(fresh.kind))
        .filter(channel_declaration::Column::State.eq(DeclarationState::Pending))
        .all(txn)
        .await?;
    if waiting
        .iter()
        .any(|d| d.channel_name.to_lowercase() == fresh.name.to_lowercase())
    {
        return Err(ChannelError::AlreadyPending);
    }
    let created = channel_declaration::ActiveModel {
        pid: Set(Uuid::new_v4()),
        seller_id: Set(shop.id),
        participant_id: Set(participant.id),
        province_code: Set(participant.province_code.clone()),
        kind: Set(fresh.kind),
        channel_name: Set(fresh.name),
        since: Set(fresh.since),
        evidence_url: Set(fresh.url),
        evidence_digest: Set(fresh.document.as_ref().map(|d| d.digest.clone())),
        evidence_width: Set(fresh
            .document
            .as_ref()
            .map(|d| i32::try_from(d.width).unwrap_or(i32::MAX))),
        evidence_height: Set(fresh
            .document
            .as_ref()
            .map(|d| i32::try_from(d.height).unwrap_or(i32::MAX))),
        renews_id: Set(fresh.renews),
        state: Set(DeclarationState::Pending),
        declared_by: Set(by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        Entry {
            actor: Some(by),
            action: if fresh.renews.is_some() {
                "channel.renewal_declared"
            } else {
                "channel.declared"
            },
            subject_type: "channel_declaration",
            subject_id: created.pid.to_string(),
            province_code: Some(&created.province_code),
            reason: Some(created.kind.as_str()),
        },
        now,
    )
    .await?;
    Ok(created)
}

/// The seller asks to renew a verified declaration of its own with fresh evidence: a new
/// pending declaration of the same channel and `since`, naming the one it renews.
pub async fn renew(
    db: &DatabaseConnection,
    by: UserId,
    shop: &seller::Model,
    pid: Uuid,
    evidence: &str,
    document: Option<Stored>,
    now: DateTime<Utc>,
) -> Result<channel_declaration::Model, ChannelError> {
    let url = evidence_url(evidence)?;
    if url.is_none() && document.is_none() {
        return Err(ChannelError::NoEvidence);
    }
    let txn = crate::db::begin_write(db).await?;
    let old = find(&txn, pid).await?;
    if old.seller_id != shop.id {
        return Err(ChannelError::NotFound);
    }
    if old.state != DeclarationState::Verified {
        return Err(ChannelError::Closed);
    }
    let created = insert(
        &txn,
        by,
        shop,
        Fresh {
            kind: old.kind,
            name: old.channel_name.clone(),
            since: old.since,
            url,
            document,
            renews: Some(old.id),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

async fn find(
    db: &impl ConnectionTrait,
    pid: Uuid,
) -> Result<channel_declaration::Model, ChannelError> {
    channel_declaration::Entity::find()
        .filter(channel_declaration::Column::Pid.eq(pid))
        .one(db)
        .await?
        .ok_or(ChannelError::NotFound)
}

/// What an officer decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Verify,
    Reject,
}

impl Verdict {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "verify" => Some(Self::Verify),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }
}

/// An officer of the declaration's province verifies it (valid for [`VALID_MONTHS`] from
/// `now`'s day in Vietnam; a note is optional) or rejects it (the reason, 5–1,000 letters, is required).
/// Others get [`ChannelError::NotFound`]; a declaration decided already,
/// [`ChannelError::Closed`].
pub async fn decide(
    db: &DatabaseConnection,
    officer: &Principal,
    pid: Uuid,
    verdict: Verdict,
    reason: &str,
    site: &str,
    now: DateTime<Utc>,
) -> Result<channel_declaration::Model, ChannelError> {
    let today = crate::domain::time::vietnam_date(now);
    let txn = crate::db::begin_write(db).await?;
    let found = find(&txn, pid).await?;
    if !officer.can(
        Action::ReviewProvince,
        &Scope::Province(&found.province_code),
    ) {
        return Err(ChannelError::NotFound);
    }
    let reason = reason.trim();
    let letters = reason.chars().count();
    let reason = match verdict {
        Verdict::Reject if !(5..=MAX_REASON).contains(&letters) => {
            return Err(ChannelError::BadReason);
        }
        Verdict::Verify if letters > MAX_REASON => return Err(ChannelError::BadReason),
        _ => (!reason.is_empty()).then(|| reason.to_owned()),
    };
    let (state, until) = match verdict {
        Verdict::Verify => (DeclarationState::Verified, Some(valid_until(today))),
        Verdict::Reject => (DeclarationState::Rejected, None),
    };
    let changed = channel_declaration::Entity::update_many()
        .col_expr(channel_declaration::Column::State, Expr::value(state))
        .col_expr(
            channel_declaration::Column::Reason,
            Expr::value(reason.clone()),
        )
        .col_expr(
            channel_declaration::Column::DecidedBy,
            Expr::value(officer.user.id),
        )
        .col_expr(channel_declaration::Column::DecidedAt, Expr::value(now))
        .col_expr(channel_declaration::Column::ValidUntil, Expr::value(until))
        .filter(channel_declaration::Column::Id.eq(found.id))
        .filter(channel_declaration::Column::State.eq(DeclarationState::Pending))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(ChannelError::Closed);
    }
    audit::record(
        &txn,
        Entry {
            actor: Some(officer.user.id),
            action: match verdict {
                Verdict::Verify => "channel.verified",
                Verdict::Reject => "channel.rejected",
            },
            subject_type: "channel_declaration",
            subject_id: found.pid.to_string(),
            province_code: Some(&found.province_code),
            reason: reason.as_deref(),
        },
        now,
    )
    .await?;
    let notice = serde_json::json!({
        "channel": found.channel_name,
        "verified": verdict == Verdict::Verify,
        "valid_until": until.map(|d| (d - chrono::Duration::days(1)).format("%d/%m/%Y").to_string()),
        "reason": reason,
        "link": format!("{site}/seller/channels?seller={}", found.seller_id),
    });
    for (email, locale) in crate::features::selling::member_addresses(&txn, found.seller_id).await?
    {
        let lang = i18n::Lang::parse(&locale).unwrap_or(i18n::Lang::Vi);
        crate::mail::queue_in(&txn, lang, "channel_decided", &email, &notice, now).await?;
    }
    let decided = find(&txn, pid).await?;
    txn.commit().await?;
    Ok(decided)
}

/// Where a declaration stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Pending,
    /// Verified and counting today.
    Valid,
    /// Verified, but its twelve months are over.
    Expired,
    Rejected,
}

impl Standing {
    pub fn of(d: &channel_declaration::Model, today: NaiveDate) -> Self {
        match d.state {
            DeclarationState::Pending => Self::Pending,
            DeclarationState::Rejected => Self::Rejected,
            DeclarationState::Verified if d.valid_until.is_some_and(|u| u > today) => Self::Valid,
            DeclarationState::Verified => Self::Expired,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::Rejected => "rejected",
        }
    }
}

/// A declaration as its pages show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DeclarationView {
    pub pid: Uuid,
    pub kind: ChannelKind,
    pub kind_label: String,
    pub channel_name: String,
    /// `dd/mm/yyyy`.
    pub since: String,
    pub evidence_url: Option<String>,
    pub document_url: Option<String>,
    pub document_thumb_url: Option<String>,
    pub standing: Standing,
    pub standing_label: String,
    pub pending: bool,
    pub reason: Option<String>,
    pub valid_until: Option<String>,
    /// Verified, within [`RENEW_WITHIN_DAYS`] of its end or past it, with no renewal waiting.
    pub renewable: bool,
    pub renewal: bool,
    pub seller_id: SellerId,
    pub seller_name: String,
    pub province_code: String,
    pub created_at: String,
    pub decided_at: Option<String>,
}

fn kind_label(kind: ChannelKind) -> String {
    i18n::tr(&format!("channels.kinds.{}", kind.as_str()))
}

/// The kinds a seller chooses from, labelled.
pub fn kind_options() -> Vec<serde_json::Value> {
    ChannelKind::ALL
        .iter()
        .map(|k| serde_json::json!({ "value": k.as_str(), "label": kind_label(*k) }))
        .collect()
}

async fn views(
    db: &impl ConnectionTrait,
    found: Vec<channel_declaration::Model>,
    today: NaiveDate,
) -> Result<Vec<DeclarationView>, DbErr> {
    let sellers: HashMap<SellerId, String> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(found.iter().map(|d| d.seller_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    // Declarations some pending renewal names: not offered for renewal again.
    let renewing: Vec<Option<i64>> = channel_declaration::Entity::find()
        .filter(channel_declaration::Column::RenewsId.is_in(found.iter().map(|d| d.id)))
        .filter(channel_declaration::Column::State.eq(DeclarationState::Pending))
        .select_only()
        .column(channel_declaration::Column::RenewsId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .map(|d| {
            let standing = Standing::of(&d, today);
            let near_end = d
                .valid_until
                .is_some_and(|u| (u - today).num_days() <= RENEW_WITHIN_DAYS);
            let (document_url, document_thumb_url) = match (&d.evidence_digest, d.evidence_width) {
                (Some(digest), Some(width)) => {
                    let (full, thumb) = crate::media::urls(digest, width);
                    (Some(full), Some(thumb))
                }
                _ => (None, None),
            };
            DeclarationView {
                pid: d.pid,
                kind: d.kind,
                kind_label: kind_label(d.kind),
                since: d.since.format("%d/%m/%Y").to_string(),
                evidence_url: d.evidence_url,
                document_url,
                document_thumb_url,
                standing,
                standing_label: i18n::tr(&format!("channels.standing.{}", standing.as_str())),
                pending: standing == Standing::Pending,
                reason: d.reason,
                valid_until: d.valid_until.map(|u| {
                    (u - chrono::Duration::days(1))
                        .format("%d/%m/%Y")
                        .to_string()
                }),
                renewable: d.state == DeclarationState::Verified
                    && near_end
                    && !renewing.contains(&Some(d.id)),
                renewal: d.renews_id.is_some(),
                seller_name: sellers.get(&d.seller_id).cloned().unwrap_or_default(),
                seller_id: d.seller_id,
                province_code: d.province_code,
                channel_name: d.channel_name,
                created_at: format_vietnam(d.created_at),
                decided_at: d.decided_at.map(format_vietnam),
            }
        })
        .collect())
}

/// The seller's declarations, newest first.
pub async fn for_seller(
    db: &impl ConnectionTrait,
    seller: SellerId,
    today: NaiveDate,
) -> Result<Vec<DeclarationView>, DbErr> {
    let found = channel_declaration::Entity::find()
        .filter(channel_declaration::Column::SellerId.eq(seller))
        .order_by_desc(channel_declaration::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    views(db, found, today).await
}

/// The officer's queue: pending declarations of its provinces, oldest first, then the last
/// hundred decided.
pub async fn queue(
    db: &impl ConnectionTrait,
    officer: &Principal,
    today: NaiveDate,
) -> Result<Vec<DeclarationView>, DbErr> {
    let scoped =
        |q: sea_orm::Select<channel_declaration::Entity>| match officer.reviewed_provinces() {
            None => q,
            Some(codes) => q.filter(channel_declaration::Column::ProvinceCode.is_in(codes)),
        };
    let mut found = scoped(channel_declaration::Entity::find())
        .filter(channel_declaration::Column::State.eq(DeclarationState::Pending))
        .order_by_asc(channel_declaration::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    found.extend(
        scoped(channel_declaration::Entity::find())
            .filter(channel_declaration::Column::State.ne(DeclarationState::Pending))
            .order_by_desc(channel_declaration::Column::DecidedAt)
            .limit(100)
            .all(db)
            .await?,
    );
    views(db, found, today).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_verification_holds_twelve_months() {
        assert_eq!(valid_until(day("2026-03-15")), day("2027-03-15"));
        assert_eq!(valid_until(day("2028-02-29")), day("2029-02-28"));
    }

    #[test]
    fn evidence_links_are_web_addresses() {
        assert_eq!(evidence_url("  ").expect("none"), None);
        assert!(evidence_url("https://shopee.vn/shop/123").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x.vn/a",
            "shopee.vn",
            "http://",
        ] {
            assert!(
                matches!(evidence_url(bad), Err(ChannelError::BadUrl)),
                "{bad}"
            );
        }
    }

    #[test]
    fn since_is_a_past_day() {
        let today = day("2026-12-04");
        assert_eq!(since("2026-12-04", today).expect("today"), today);
        for bad in ["2026-12-05", "1999-12-31", "04/12/2026"] {
            assert!(matches!(since(bad, today), Err(ChannelError::BadSince)));
        }
    }
}
