//! Quality reports to the programme (Decision 919's community supervision of products after
//! recognition). A signed-in user reports a quality or certificate problem on a product, with
//! up to [`MAX_PHOTOS`] photos; a review of one or two stars files a report by itself. Reports
//! go to the officers of the product's province (the province is fixed when filed), who
//! answer, ask the seller (who answers once asked), or delist the product with a reason. The
//! reporter is told the outcome by e-mail and on `/account/reports`; every step is audited.
//!
//! Closing a report (answered or delisted) is one conditional update from a state still open,
//! so two officers deciding at once close it once.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::db::entities::{
    listing, quality_report, quality_report_photo, registry_certificate, seller, user,
};
use crate::domain::ids::{ListingId, SellerId, UserId};
use crate::domain::states::{QualityKind, QualityState};
use crate::domain::time::format_vietnam;
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::features::catalog::lifecycle::{self, DelistedBy};
use crate::i18n;
use crate::media::Stored;

/// Most photos one report carries.
pub const MAX_PHOTOS: usize = 3;
const MAX_BODY: usize = 2_000;
const MAX_ANSWER: usize = 2_000;
/// Reviews of this many stars or fewer reach the officers.
pub const LOW_RATING: i16 = 2;
/// What a shopper may report (a low rating files itself).
pub const KINDS: [QualityKind; 5] = [
    QualityKind::Label,
    QualityKind::ExpiredStamp,
    QualityKind::FoodSafety,
    QualityKind::Certificate,
    QualityKind::Other,
];
const OPEN_STATES: [QualityState; 3] = [
    QualityState::Open,
    QualityState::AskedSeller,
    QualityState::SellerAnswered,
];

#[derive(Debug, thiserror::Error)]
pub enum QualityError {
    #[error("{}", i18n::tr("quality.error.not_found"))]
    NotFound,
    #[error("{}", i18n::tr("quality.error.kind"))]
    BadKind,
    #[error("{}", i18n::tr("quality.error.body"))]
    BadBody,
    #[error("{}", i18n::tr("quality.error.text"))]
    BadText,
    #[error("{}", i18n::tr("quality.error.photos"))]
    TooManyPhotos,
    /// The reporter has an open report on this product already.
    #[error("{}", i18n::tr("quality.error.already_open"))]
    AlreadyOpen,
    /// Decided already (or, for the seller, not asked).
    #[error("{}", i18n::tr("quality.error.closed"))]
    Closed,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// What a reporter writes.
#[derive(Debug)]
pub struct ReportAsk<'a> {
    pub kind: &'a str,
    pub body: &'a str,
    /// Photos already through the pipeline.
    pub photos: Vec<Stored>,
}

fn trimmed(raw: &str, min: usize, max: usize) -> Option<String> {
    let value = raw.trim();
    let n = value.chars().count();
    (n >= min && n <= max).then(|| value.to_owned())
}

/// The province of a listing's product (its certificate's).
pub async fn province_of(db: &impl ConnectionTrait, l: &listing::Model) -> Result<String, DbErr> {
    Ok(registry_certificate::Entity::find_by_id(l.certificate_id)
        .one(db)
        .await?
        .map(|c| c.province_code)
        .unwrap_or_default())
}

async fn put_photos(
    db: &impl ConnectionTrait,
    report_id: i64,
    photos: &[Stored],
) -> Result<(), DbErr> {
    for (position, photo) in photos.iter().enumerate() {
        quality_report_photo::ActiveModel {
            report_id: Set(report_id),
            digest: Set(photo.digest.clone()),
            width: Set(i32::try_from(photo.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(photo.height).unwrap_or(i32::MAX)),
            position: Set(i32::try_from(position).unwrap_or(0)),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A signed-in user reports a problem on the product `slug`. One open report per reporter
/// and product (besides what its low review filed): a second gets
/// [`QualityError::AlreadyOpen`].
pub async fn file(
    db: &DatabaseConnection,
    reporter: &user::Model,
    slug: &str,
    ask: ReportAsk<'_>,
    now: DateTime<Utc>,
) -> Result<quality_report::Model, QualityError> {
    let kind: QualityKind = ask.kind.parse().map_err(|_| QualityError::BadKind)?;
    if !KINDS.contains(&kind) {
        return Err(QualityError::BadKind);
    }
    let body = trimmed(ask.body, 10, MAX_BODY).ok_or(QualityError::BadBody)?;
    if ask.photos.len() > MAX_PHOTOS {
        return Err(QualityError::TooManyPhotos);
    }
    let txn = crate::db::begin_write(db).await?;
    let l = listing::Entity::find()
        .filter(listing::Column::Slug.eq(slug))
        .one(&txn)
        .await?
        .ok_or(QualityError::NotFound)?;
    let open = quality_report::Entity::find()
        .filter(quality_report::Column::ListingId.eq(l.id))
        .filter(quality_report::Column::ReporterId.eq(reporter.id))
        .filter(quality_report::Column::ReviewId.is_null())
        .filter(quality_report::Column::State.is_in(OPEN_STATES))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(QualityError::AlreadyOpen);
    }
    let province = province_of(&txn, &l).await?;
    let created = quality_report::ActiveModel {
        pid: Set(Uuid::new_v4()),
        listing_id: Set(l.id),
        province_code: Set(province.clone()),
        kind: Set(kind),
        body: Set(body),
        reporter_id: Set(Some(reporter.id)),
        reporter_email: Set(Some(reporter.email.clone())),
        reporter_name: Set(crate::domain::text::public_name(&reporter.display_name)),
        state: Set(QualityState::Open),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    put_photos(&txn, created.id, &ask.photos).await?;
    audit::record(
        &txn,
        Entry {
            actor: Some(reporter.id),
            action: "quality.reported",
            subject_type: "quality_report",
            subject_id: created.pid.to_string(),
            province_code: Some(&province),
            reason: Some(kind.as_str()),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// A review of [`LOW_RATING`] stars or fewer files a report (once per review), in the
/// review's transaction. `email` is where the outcome is told (the order's address).
pub async fn from_review(
    db: &impl ConnectionTrait,
    review: &crate::db::entities::review::Model,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if review.rating > LOW_RATING {
        return Ok(());
    }
    let filed = quality_report::Entity::find()
        .filter(quality_report::Column::ReviewId.eq(review.id))
        .one(db)
        .await?;
    if filed.is_some() {
        return Ok(());
    }
    let Some(l) = listing::Entity::find_by_id(review.listing_id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let province = province_of(db, &l).await?;
    let created = quality_report::ActiveModel {
        pid: Set(Uuid::new_v4()),
        listing_id: Set(l.id),
        province_code: Set(province.clone()),
        kind: Set(QualityKind::LowRating),
        body: Set(review.body.clone()),
        reporter_id: Set(review.user_id),
        reporter_email: Set(Some(email.to_owned())),
        reporter_name: Set(review.author_name.clone()),
        review_id: Set(Some(review.id)),
        state: Set(QualityState::Open),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Entry {
            actor: review.user_id,
            action: "quality.low_rating",
            subject_type: "quality_report",
            subject_id: created.pid.to_string(),
            province_code: Some(&province),
            reason: Some(&review.rating.to_string()),
        },
        now,
    )
    .await
}

/// What an officer does with a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Closes it with the officer's answer to the reporter.
    Answer,
    /// Asks the seller a question; the report stays open.
    AskSeller,
    /// Takes the product off sale with the reason, and closes the report.
    Delist,
}

impl Decision {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "answer" => Self::Answer,
            "ask" => Self::AskSeller,
            "delist" => Self::Delist,
            _ => return None,
        })
    }
}

async fn find(db: &impl ConnectionTrait, pid: Uuid) -> Result<quality_report::Model, QualityError> {
    quality_report::Entity::find()
        .filter(quality_report::Column::Pid.eq(pid))
        .one(db)
        .await?
        .ok_or(QualityError::NotFound)
}

/// An officer of the report's province acts on it. Others get [`QualityError::NotFound`].
pub async fn decide(
    db: &DatabaseConnection,
    officer: &Principal,
    pid: Uuid,
    decision: Decision,
    text: &str,
    site: &str,
    now: DateTime<Utc>,
) -> Result<(), QualityError> {
    let txn = crate::db::begin_write(db).await?;
    let report = find(&txn, pid).await?;
    if !officer.can(
        Action::ReviewProvince,
        &Scope::Province(&report.province_code),
    ) {
        return Err(QualityError::NotFound);
    }
    let text = trimmed(text, 5, MAX_ANSWER).ok_or(QualityError::BadText)?;
    let update = quality_report::Entity::update_many()
        .col_expr(quality_report::Column::UpdatedAt, Expr::value(now))
        .filter(quality_report::Column::Id.eq(report.id));
    let changed = match decision {
        Decision::AskSeller => {
            update
                .col_expr(
                    quality_report::Column::State,
                    Expr::value(QualityState::AskedSeller),
                )
                .col_expr(quality_report::Column::Question, Expr::value(text.clone()))
                .filter(
                    quality_report::Column::State
                        .is_in([QualityState::Open, QualityState::SellerAnswered]),
                )
                .exec(&txn)
                .await?
        }
        Decision::Answer | Decision::Delist => {
            let state = if decision == Decision::Answer {
                QualityState::Answered
            } else {
                QualityState::Delisted
            };
            update
                .col_expr(quality_report::Column::State, Expr::value(state))
                .col_expr(quality_report::Column::Outcome, Expr::value(text.clone()))
                .col_expr(
                    quality_report::Column::DecidedBy,
                    Expr::value(officer.user.id),
                )
                .col_expr(quality_report::Column::DecidedAt, Expr::value(now))
                .filter(quality_report::Column::State.is_in(OPEN_STATES))
                .exec(&txn)
                .await?
        }
    };
    if changed.rows_affected != 1 {
        return Err(QualityError::Closed);
    }
    let l = listing::Entity::find_by_id(report.listing_id)
        .one(&txn)
        .await?
        .ok_or(QualityError::NotFound)?;
    if decision == Decision::Delist {
        lifecycle::delist(&txn, &[l.id], DelistedBy::Officer, &text, now).await?;
        audit::record(
            &txn,
            Entry {
                actor: Some(officer.user.id),
                action: "listing.delisted",
                subject_type: "listing",
                subject_id: l.pid.to_string(),
                province_code: Some(&report.province_code),
                reason: Some(&text),
            },
            now,
        )
        .await?;
    }
    audit::record(
        &txn,
        Entry {
            actor: Some(officer.user.id),
            action: match decision {
                Decision::Answer => "quality.answered",
                Decision::AskSeller => "quality.asked_seller",
                Decision::Delist => "quality.delisted",
            },
            subject_type: "quality_report",
            subject_id: report.pid.to_string(),
            province_code: Some(&report.province_code),
            reason: Some(&text),
        },
        now,
    )
    .await?;
    let product = product_name(&txn, &l).await?;
    match decision {
        Decision::AskSeller => {
            let notice = serde_json::json!({
                "product": product,
                "question": text,
                "link": format!("{site}/seller/quality?seller={}", l.seller_id),
            });
            for (email, _) in crate::features::selling::member_addresses(&txn, l.seller_id).await? {
                crate::mail::queue_in(
                    &txn,
                    i18n::Lang::Vi,
                    "quality_question",
                    &email,
                    &notice,
                    now,
                )
                .await?;
            }
        }
        Decision::Answer | Decision::Delist => {
            if let Some(email) = &report.reporter_email {
                let notice = serde_json::json!({
                    "name": report.reporter_name,
                    "product": product,
                    "delisted": decision == Decision::Delist,
                    "outcome": text,
                    "link": format!("{site}/account/reports"),
                });
                let lang = reporter_lang(&txn, report.reporter_id).await?;
                crate::mail::queue_in(&txn, lang, "quality_outcome", email, &notice, now).await?;
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// The seller, once asked, answers the officers (once per question).
pub async fn seller_answer(
    db: &DatabaseConnection,
    principal: &Principal,
    pid: Uuid,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), QualityError> {
    let txn = crate::db::begin_write(db).await?;
    let report = find(&txn, pid).await?;
    let l = listing::Entity::find_by_id(report.listing_id)
        .one(&txn)
        .await?
        .ok_or(QualityError::NotFound)?;
    if !principal.can(Action::ManageSeller, &Scope::Seller(l.seller_id)) {
        return Err(QualityError::NotFound);
    }
    let text = trimmed(text, 5, MAX_ANSWER).ok_or(QualityError::BadText)?;
    let changed = quality_report::Entity::update_many()
        .col_expr(
            quality_report::Column::State,
            Expr::value(QualityState::SellerAnswered),
        )
        .col_expr(
            quality_report::Column::SellerAnswer,
            Expr::value(text.clone()),
        )
        .col_expr(quality_report::Column::SellerAnsweredAt, Expr::value(now))
        .col_expr(quality_report::Column::UpdatedAt, Expr::value(now))
        .filter(quality_report::Column::Id.eq(report.id))
        .filter(quality_report::Column::State.eq(QualityState::AskedSeller))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(QualityError::Closed);
    }
    audit::record(
        &txn,
        Entry {
            actor: Some(principal.user.id),
            action: "quality.seller_answered",
            subject_type: "quality_report",
            subject_id: report.pid.to_string(),
            province_code: Some(&report.province_code),
            reason: Some(&text),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn product_name(db: &impl ConnectionTrait, l: &listing::Model) -> Result<String, DbErr> {
    Ok(registry_certificate::Entity::find_by_id(l.certificate_id)
        .one(db)
        .await?
        .map(|c| c.product_name_vi)
        .unwrap_or_default())
}

async fn reporter_lang(db: &impl ConnectionTrait, id: Option<UserId>) -> Result<i18n::Lang, DbErr> {
    let Some(id) = id else {
        return Ok(i18n::Lang::Vi);
    };
    Ok(user::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(|u| i18n::Lang::parse(&u.locale))
        .unwrap_or(i18n::Lang::Vi))
}

/// A report as the pages show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReportView {
    pub pid: Uuid,
    pub kind: QualityKind,
    pub state: QualityState,
    pub open: bool,
    pub body: String,
    pub reporter_name: String,
    pub province_code: String,
    pub product: String,
    pub slug: String,
    pub seller_id: SellerId,
    pub seller_name: String,
    /// The review that filed it, for a low rating.
    pub rating: Option<i16>,
    pub question: Option<String>,
    pub seller_answer: Option<String>,
    pub outcome: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub photos: Vec<PhotoView>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PhotoView {
    pub url: String,
    pub thumb_url: String,
}

async fn views(
    db: &impl ConnectionTrait,
    reports: Vec<quality_report::Model>,
) -> Result<Vec<ReportView>, DbErr> {
    let listings: HashMap<ListingId, listing::Model> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(reports.iter().map(|r| r.listing_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let listed: Vec<listing::Model> = listings.values().cloned().collect();
    let names = crate::features::selling::titles_of(db, &listed).await?;
    let sellers: HashMap<SellerId, String> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(listings.values().map(|l| l.seller_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let ratings: HashMap<i64, i16> = crate::db::entities::review::Entity::find()
        .filter(
            crate::db::entities::review::Column::Id
                .is_in(reports.iter().filter_map(|r| r.review_id)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.rating))
        .collect();
    let mut photos: HashMap<i64, Vec<PhotoView>> = HashMap::new();
    for p in quality_report_photo::Entity::find()
        .filter(quality_report_photo::Column::ReportId.is_in(reports.iter().map(|r| r.id)))
        .order_by_asc(quality_report_photo::Column::Position)
        .all(db)
        .await?
    {
        let (url, thumb_url) = crate::media::urls(&p.digest, p.width);
        photos
            .entry(p.report_id)
            .or_default()
            .push(PhotoView { url, thumb_url });
    }
    Ok(reports
        .into_iter()
        .map(|r| {
            let l = listings.get(&r.listing_id);
            ReportView {
                pid: r.pid,
                kind: r.kind,
                state: r.state,
                open: OPEN_STATES.contains(&r.state),
                body: r.body,
                reporter_name: r.reporter_name,
                province_code: r.province_code,
                product: names.get(&r.listing_id).cloned().unwrap_or_default(),
                slug: l.map(|l| l.slug.clone()).unwrap_or_default(),
                seller_id: l.map_or(SellerId::new(0), |l| l.seller_id),
                seller_name: l
                    .and_then(|l| sellers.get(&l.seller_id))
                    .cloned()
                    .unwrap_or_default(),
                rating: r.review_id.and_then(|id| ratings.get(&id).copied()),
                question: r.question,
                seller_answer: r.seller_answer,
                outcome: r.outcome,
                created_at: format_vietnam(r.created_at),
                decided_at: r.decided_at.map(format_vietnam),
                photos: photos.remove(&r.id).unwrap_or_default(),
            }
        })
        .collect())
}

/// The reports of the officer's provinces (every province for an administrator): those
/// still open first, oldest first, then the latest 100 closed.
pub async fn queue(
    db: &impl ConnectionTrait,
    officer: &Principal,
) -> Result<Vec<ReportView>, DbErr> {
    let scoped = |q: sea_orm::Select<quality_report::Entity>| match officer.reviewed_provinces() {
        None => q,
        Some(codes) => q.filter(quality_report::Column::ProvinceCode.is_in(codes)),
    };
    let mut found = scoped(quality_report::Entity::find())
        .filter(quality_report::Column::State.is_in(OPEN_STATES))
        .order_by_asc(quality_report::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    found.extend(
        scoped(quality_report::Entity::find())
            .filter(quality_report::Column::State.is_not_in(OPEN_STATES))
            .order_by_desc(quality_report::Column::Id)
            .limit(100)
            .all(db)
            .await?,
    );
    views(db, found).await
}

/// The reports the officers asked the seller about (and their outcomes), newest first. The
/// reporter's name is left out: the seller sees the problem, not who raised it.
pub async fn for_seller(
    db: &impl ConnectionTrait,
    seller: SellerId,
) -> Result<Vec<ReportView>, DbErr> {
    let listings: Vec<ListingId> = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(seller))
        .select_only()
        .column(listing::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let found = quality_report::Entity::find()
        .filter(quality_report::Column::ListingId.is_in(listings))
        .filter(quality_report::Column::Question.is_not_null())
        .order_by_desc(quality_report::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let mut rows = views(db, found).await?;
    for row in &mut rows {
        row.reporter_name.clear();
    }
    Ok(rows)
}

/// A user's own reports (and those their low reviews filed), newest first.
pub async fn for_reporter(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<ReportView>, DbErr> {
    let found = quality_report::Entity::find()
        .filter(quality_report::Column::ReporterId.eq(user))
        .order_by_desc(quality_report::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    views(db, found).await
}
