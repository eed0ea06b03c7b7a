//! Verified-buyer reviews. Whoever holds a delivered order's tracking link (or its signed-in
//! owner) rates each of its lines once, 1 to 5, with a text and up to three photos (through the
//! photo pipeline), and may rewrite it for [`EDIT_DAYS`] days. The seller replies once. A
//! signed-in user reports an abusive review; an officer of the product's province hides it (it
//! leaves the page, the structured data and the figures) or keeps it.
//!
//! `listings.rating_count` and `rating_total` hold the shown reviews' figures, changed by
//! column arithmetic in the transaction of each review, edit or hiding, so racing changes add
//! up; a second review of a line is refused by its unique index whatever the timing.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use super::{OrderError, OrderState, trimmed};
use crate::audit::{self, Entry};
use crate::db::entities::{
    checkout, listing, order, order_item, registry_certificate, review, review_photo, review_report,
};
use crate::domain::ids::{ListingId, UserId};
use crate::domain::time::format_vietnam;
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::i18n;
use crate::media::Stored;

/// Most photos one review carries.
pub const MAX_PHOTOS: usize = 3;
/// Days a buyer may rewrite a review.
pub const EDIT_DAYS: i64 = 30;
/// Reviews per page on a product page.
pub const PER_PAGE: u64 = 10;
const MAX_BODY: usize = 2_000;

/// What a buyer writes.
#[derive(Debug)]
pub struct ReviewAsk<'a> {
    pub rating: i16,
    pub body: &'a str,
    /// Photos already through the pipeline; on a rewrite, new ones replace the old.
    pub photos: Vec<Stored>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    Order(#[from] OrderError),
    NotDelivered,
    BadRating,
    BadBody,
    TooManyPhotos,
    /// This line has its review already.
    AlreadyReviewed,
    /// The days to rewrite it are over.
    EditClosed,
    /// The seller replied already.
    AlreadyReplied,
    Database(#[from] DbErr),
}

impl std::fmt::Display for ReviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Self::Order(e) => e.to_string(),
            Self::NotDelivered => i18n::tr("reviews.error.not_delivered"),
            Self::BadRating => i18n::tr("reviews.error.rating"),
            Self::BadBody => i18n::tr_with("reviews.error.body", &[("max", &MAX_BODY.to_string())]),
            Self::TooManyPhotos => {
                i18n::tr_with("reviews.error.photos", &[("max", &MAX_PHOTOS.to_string())])
            }
            Self::AlreadyReviewed => i18n::tr("reviews.error.already"),
            Self::EditClosed => i18n::tr_with(
                "reviews.error.edit_closed",
                &[("days", &EDIT_DAYS.to_string())],
            ),
            Self::AlreadyReplied => i18n::tr("reviews.error.replied"),
            Self::Database(e) => e.to_string(),
        };
        f.write_str(&text)
    }
}

pub use crate::domain::text::public_name as author_name;

fn check(ask: &ReviewAsk<'_>) -> Result<String, ReviewError> {
    if !(1..=5).contains(&ask.rating) {
        return Err(ReviewError::BadRating);
    }
    if ask.photos.len() > MAX_PHOTOS {
        return Err(ReviewError::TooManyPhotos);
    }
    trimmed(ask.body, MAX_BODY).ok_or(ReviewError::BadBody)
}

/// The order line `item` of the checkout `placed`, and its order, which must be delivered.
async fn delivered_line(
    db: &impl ConnectionTrait,
    placed: &checkout::Model,
    item: i64,
) -> Result<(order_item::Model, order::Model), ReviewError> {
    let line = order_item::Entity::find_by_id(item)
        .one(db)
        .await?
        .ok_or(OrderError::NotFound)?;
    let o = order::Entity::find_by_id(line.order_id)
        .one(db)
        .await?
        .filter(|o| o.checkout_id == placed.id)
        .ok_or(OrderError::NotFound)?;
    if o.state != OrderState::Delivered {
        return Err(ReviewError::NotDelivered);
    }
    Ok((line, o))
}

/// Adds `count` reviews and `total` stars to the listing's shown figures, and queues its
/// search document's update (cards and the rating sort show them).
async fn add_to_figures(
    db: &impl ConnectionTrait,
    listing_id: ListingId,
    count: i32,
    total: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    listing::Entity::update_many()
        .col_expr(
            listing::Column::RatingCount,
            Expr::col(listing::Column::RatingCount).add(count),
        )
        .col_expr(
            listing::Column::RatingTotal,
            Expr::col(listing::Column::RatingTotal).add(total),
        )
        .filter(listing::Column::Id.eq(listing_id))
        .exec(db)
        .await?;
    crate::jobs::outbox::enqueue_listing_sync(db, [listing_id], now).await
}

async fn put_photos(
    db: &impl ConnectionTrait,
    review_id: i64,
    photos: &[Stored],
) -> Result<(), DbErr> {
    for (position, photo) in photos.iter().enumerate() {
        review_photo::ActiveModel {
            review_id: Set(review_id),
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

/// Reviews the order line `item` of `placed`, once.
pub async fn write(
    db: &DatabaseConnection,
    placed: &checkout::Model,
    item: i64,
    ask: ReviewAsk<'_>,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<review::Model, ReviewError> {
    let body = check(&ask)?;
    let txn = crate::db::begin_write(db).await?;
    let (line, _) = delivered_line(&txn, placed, item).await?;
    if review::Entity::find()
        .filter(review::Column::OrderItemId.eq(line.id))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(ReviewError::AlreadyReviewed);
    }
    let inserted = review::ActiveModel {
        pid: Set(Uuid::new_v4()),
        listing_id: Set(line.listing_id),
        order_item_id: Set(line.id),
        rating: Set(ask.rating),
        body: Set(body),
        author_name: Set(author_name(&placed.name)),
        user_id: Set(by),
        hidden: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        // The same line reviewed at the same moment: the other one stands.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ReviewError::AlreadyReviewed);
        }
        Err(e) => return Err(e.into()),
    };
    put_photos(&txn, created.id, &ask.photos).await?;
    add_to_figures(&txn, line.listing_id, 1, i32::from(ask.rating), now).await?;
    // One or two stars reach the province's officers as a quality report.
    crate::features::quality::from_review(&txn, &created, &placed.email, now).await?;
    txn.commit().await?;
    Ok(created)
}

/// Rewrites the review `review_pid` of a line of `placed`, within [`EDIT_DAYS`] days of its
/// first writing.
pub async fn rewrite(
    db: &DatabaseConnection,
    placed: &checkout::Model,
    review_pid: Uuid,
    ask: ReviewAsk<'_>,
    now: DateTime<Utc>,
) -> Result<review::Model, ReviewError> {
    let body = check(&ask)?;
    let txn = crate::db::begin_write(db).await?;
    let found = review::Entity::find()
        .filter(review::Column::Pid.eq(review_pid))
        .one(&txn)
        .await?
        .ok_or(OrderError::NotFound)?;
    delivered_line(&txn, placed, found.order_item_id).await?;
    if now > found.created_at + Duration::days(EDIT_DAYS) {
        return Err(ReviewError::EditClosed);
    }
    // Only over the rating read above (the database checks it again once the row is ours), so
    // the figures move by the right difference even when two rewrites race; the loser is
    // asked to try again.
    let changed = review::Entity::update_many()
        .col_expr(review::Column::Rating, Expr::value(ask.rating))
        .col_expr(review::Column::Body, Expr::value(body))
        .col_expr(review::Column::UpdatedAt, Expr::value(now))
        .filter(review::Column::Id.eq(found.id))
        .filter(review::Column::Rating.eq(found.rating))
        .filter(review::Column::Hidden.eq(found.hidden))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(OrderError::Changed.into());
    }
    if !found.hidden {
        let delta = i32::from(ask.rating) - i32::from(found.rating);
        add_to_figures(&txn, found.listing_id, 0, delta, now).await?;
    }
    if !ask.photos.is_empty() {
        review_photo::Entity::delete_many()
            .filter(review_photo::Column::ReviewId.eq(found.id))
            .exec(&txn)
            .await?;
        put_photos(&txn, found.id, &ask.photos).await?;
    }
    let rewritten = review::Entity::find_by_id(found.id)
        .one(&txn)
        .await?
        .unwrap_or(found);
    // Rewritten down to one or two stars: the officers hear of it (once per review).
    crate::features::quality::from_review(&txn, &rewritten, &placed.email, now).await?;
    txn.commit().await?;
    Ok(rewritten)
}

/// The seller's reply to a review of one of its products: once.
pub async fn reply(
    db: &DatabaseConnection,
    principal: &Principal,
    review_pid: Uuid,
    text: &str,
    now: DateTime<Utc>,
) -> Result<review::Model, ReviewError> {
    let text = trimmed(text, MAX_BODY).ok_or(ReviewError::BadBody)?;
    let (found, l) = with_listing(db, review_pid).await?;
    if !principal.can(Action::ManageSeller, &Scope::Seller(l.seller_id)) {
        return Err(OrderError::NotFound.into());
    }
    let done = review::Entity::update_many()
        .col_expr(review::Column::Reply, Expr::value(text))
        .col_expr(review::Column::RepliedBy, Expr::value(principal.user.id))
        .col_expr(review::Column::RepliedAt, Expr::value(now))
        .filter(review::Column::Id.eq(found.id))
        .filter(review::Column::Reply.is_null())
        .exec(db)
        .await?;
    if done.rows_affected != 1 {
        return Err(ReviewError::AlreadyReplied);
    }
    Ok(review::Entity::find_by_id(found.id)
        .one(db)
        .await?
        .unwrap_or(found))
}

async fn with_listing(
    db: &impl ConnectionTrait,
    review_pid: Uuid,
) -> Result<(review::Model, listing::Model), ReviewError> {
    let found = review::Entity::find()
        .filter(review::Column::Pid.eq(review_pid))
        .one(db)
        .await?
        .ok_or(OrderError::NotFound)?;
    let l = listing::Entity::find_by_id(found.listing_id)
        .one(db)
        .await?
        .ok_or(OrderError::NotFound)?;
    Ok((found, l))
}

/// A signed-in user reports a shown review as abusive (a second report by the same user is
/// the same report).
pub async fn report(
    db: &DatabaseConnection,
    by: UserId,
    review_pid: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), ReviewError> {
    let reason = trimmed(reason, 500).ok_or(ReviewError::BadBody)?;
    let found = review::Entity::find()
        .filter(review::Column::Pid.eq(review_pid))
        .filter(review::Column::Hidden.eq(false))
        .one(db)
        .await?
        .ok_or(OrderError::NotFound)?;
    let inserted = review_report::ActiveModel {
        review_id: Set(found.id),
        reported_by: Set(by),
        reason: Set(reason),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// An officer of the product's province hides a review (`hide`) or keeps it, closing its
/// reports; a hidden review leaves the listing's figures. Audited.
pub async fn moderate(
    db: &DatabaseConnection,
    principal: &Principal,
    review_pid: Uuid,
    hide: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), ReviewError> {
    let txn = crate::db::begin_write(db).await?;
    let (found, l) = with_listing(&txn, review_pid).await?;
    let province = crate::features::quality::province_of(&txn, &l).await?;
    if !principal.can(Action::ReviewProvince, &Scope::Province(&province)) {
        return Err(OrderError::NotFound.into());
    }
    let reason = if hide {
        Some(trimmed(reason, 500).ok_or(ReviewError::BadBody)?)
    } else {
        trimmed(reason, 500)
    };
    if hide {
        let hidden = review::Entity::update_many()
            .col_expr(review::Column::Hidden, Expr::value(true))
            .col_expr(review::Column::HiddenReason, Expr::value(reason.clone()))
            .col_expr(review::Column::HiddenBy, Expr::value(principal.user.id))
            .col_expr(review::Column::HiddenAt, Expr::value(now))
            .filter(review::Column::Id.eq(found.id))
            .filter(review::Column::Hidden.eq(false))
            .exec(&txn)
            .await?;
        if hidden.rows_affected == 1 {
            // Its current rating, read under the row's lock.
            let rating = review::Entity::find_by_id(found.id)
                .one(&txn)
                .await?
                .map_or(found.rating, |r| r.rating);
            add_to_figures(&txn, found.listing_id, -1, -i32::from(rating), now).await?;
        }
    }
    review_report::Entity::update_many()
        .col_expr(
            review_report::Column::Outcome,
            Expr::value(if hide { "hidden" } else { "kept" }),
        )
        .col_expr(
            review_report::Column::ResolvedBy,
            Expr::value(principal.user.id),
        )
        .col_expr(review_report::Column::ResolvedAt, Expr::value(now))
        .filter(review_report::Column::ReviewId.eq(found.id))
        .filter(review_report::Column::Outcome.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Entry {
            actor: Some(principal.user.id),
            action: if hide { "review.hidden" } else { "review.kept" },
            subject_type: "review",
            subject_id: found.pid.to_string(),
            province_code: Some(&province),
            reason: reason.as_deref(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A review as pages show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReviewView {
    pub pid: Uuid,
    pub rating: i16,
    pub body: String,
    pub author_name: String,
    pub created_at: String,
    /// For structured data: the day it was written.
    pub date: String,
    pub edited: bool,
    pub reply: Option<String>,
    pub replied_at: Option<String>,
    pub photos: Vec<ReviewPhotoView>,
    /// The buyer may still rewrite it (order pages only).
    pub editable: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReviewPhotoView {
    pub url: String,
    pub thumb_url: String,
}

fn photo_view(p: &review_photo::Model) -> ReviewPhotoView {
    let (url, thumb_url) = crate::media::urls(&p.digest, p.width);
    ReviewPhotoView { url, thumb_url }
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<review::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<ReviewView>, DbErr> {
    let photos = review_photo::Entity::find()
        .filter(review_photo::Column::ReviewId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(review_photo::Column::Position)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewView {
            pid: r.pid,
            rating: r.rating,
            editable: now <= r.created_at + Duration::days(EDIT_DAYS),
            edited: r.updated_at > r.created_at,
            created_at: format_vietnam(r.created_at),
            date: crate::domain::time::vietnam_date(r.created_at).to_string(),
            photos: photos
                .iter()
                .filter(|p| p.review_id == r.id)
                .map(photo_view)
                .collect(),
            body: r.body,
            author_name: r.author_name,
            reply: r.reply,
            replied_at: r.replied_at.map(format_vietnam),
        })
        .collect())
}

/// A product's figures: how many shown reviews, their average and how many of each rating.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Summary {
    pub count: i64,
    /// One decimal, e.g. 4.3; `None` without reviews.
    pub average: Option<f64>,
    /// 5 stars first.
    pub distribution: Vec<Bucket>,
}

/// How many shown reviews gave `stars`, and their share in whole percent.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Bucket {
    pub stars: i16,
    pub count: i64,
    pub percent: i64,
}

/// The shown reviews of a listing, newest first, one page of them, with the figures.
pub async fn for_listing(
    db: &impl ConnectionTrait,
    listing_id: ListingId,
    page: u64,
    now: DateTime<Utc>,
) -> Result<(Summary, Vec<ReviewView>, u64), DbErr> {
    let counts: Vec<(i16, i64)> = review::Entity::find()
        .select_only()
        .column(review::Column::Rating)
        .column_as(
            sea_orm::sea_query::SimpleExpr::from(sea_orm::sea_query::Func::count(Expr::col(
                review::Column::Id,
            ))),
            "n",
        )
        .filter(review::Column::ListingId.eq(listing_id))
        .filter(review::Column::Hidden.eq(false))
        .group_by(review::Column::Rating)
        .into_tuple()
        .all(db)
        .await?;
    let by_rating: HashMap<i16, i64> = counts.into_iter().collect();
    let count: i64 = by_rating.values().sum();
    let total: i64 = by_rating.iter().map(|(r, n)| i64::from(*r) * n).sum();
    let average = (count > 0).then(|| (total as f64 / count as f64 * 10.0).round() / 10.0);
    let distribution = (1..=5)
        .rev()
        .map(|stars| {
            let n = by_rating.get(&stars).copied().unwrap_or(0);
            let percent = if count > 0 { n * 100 / count } else { 0 };
            Bucket {
                stars,
                count: n,
                percent,
            }
        })
        .collect();
    let pages = std::cmp::max(u64::try_from(count).unwrap_or(0).div_ceil(PER_PAGE), 1);
    let rows = review::Entity::find()
        .filter(review::Column::ListingId.eq(listing_id))
        .filter(review::Column::Hidden.eq(false))
        .order_by_desc(review::Column::CreatedAt)
        .order_by_desc(review::Column::Id)
        .paginate(db, PER_PAGE)
        .fetch_page(page.saturating_sub(1))
        .await?;
    Ok((
        Summary {
            count,
            average,
            distribution,
        },
        views(db, rows, now).await?,
        pages,
    ))
}

/// [`for_listing`] for the listing with this public id.
pub async fn for_listing_pid(
    db: &impl ConnectionTrait,
    pid: Uuid,
    page: u64,
    now: DateTime<Utc>,
) -> Result<(Summary, Vec<ReviewView>, u64), DbErr> {
    let id: Option<ListingId> = listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .select_only()
        .column(listing::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    match id {
        Some(id) => for_listing(db, id, page, now).await,
        None => Err(DbErr::RecordNotFound(format!("listing {pid}"))),
    }
}

/// One order line on the buyer's order page: its review, or whether it may be reviewed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReviewLine {
    pub item_id: i64,
    pub title: String,
    pub review: Option<ReviewView>,
}

/// The review lines of a checkout's delivered orders, by order code.
pub async fn lines_of_checkout(
    db: &impl ConnectionTrait,
    checkout_id: crate::domain::ids::CheckoutId,
    now: DateTime<Utc>,
) -> Result<HashMap<String, Vec<ReviewLine>>, DbErr> {
    let orders: Vec<order::Model> = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(checkout_id))
        .filter(order::Column::State.eq(OrderState::Delivered.as_str()))
        .all(db)
        .await?;
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    let written = review::Entity::find()
        .filter(review::Column::OrderItemId.is_in(items.iter().map(|i| i.id)))
        .all(db)
        .await?;
    let reviewed: Vec<i64> = written.iter().map(|r| r.order_item_id).collect();
    let mut shown: HashMap<i64, ReviewView> = reviewed
        .into_iter()
        .zip(views(db, written, now).await?)
        .collect();
    let codes: HashMap<_, _> = orders.iter().map(|o| (o.id, o.code.clone())).collect();
    let mut out: HashMap<String, Vec<ReviewLine>> = HashMap::new();
    for item in items {
        let Some(code) = codes.get(&item.order_id) else {
            continue;
        };
        out.entry(code.clone()).or_default().push(ReviewLine {
            item_id: item.id,
            review: shown.remove(&item.id),
            title: item.title,
        });
    }
    Ok(out)
}

/// A review as the seller or an officer sees it, with its product.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReviewRow {
    #[serde(flatten)]
    pub view: ReviewView,
    pub product: String,
    pub slug: String,
    pub hidden: bool,
    /// Open reports' reasons (officers' queue).
    pub reports: Vec<String>,
}

async fn rows(
    db: &impl ConnectionTrait,
    found: Vec<review::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<ReviewRow>, DbErr> {
    let listings: HashMap<ListingId, listing::Model> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(found.iter().map(|r| r.listing_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let certificates: HashMap<i64, registry_certificate::Model> =
        registry_certificate::Entity::find()
            .filter(
                registry_certificate::Column::Id.is_in(listings.values().map(|l| l.certificate_id)),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let open = review_report::Entity::find()
        .filter(review_report::Column::ReviewId.is_in(found.iter().map(|r| r.id)))
        .filter(review_report::Column::Outcome.is_null())
        .order_by_asc(review_report::Column::Id)
        .all(db)
        .await?;
    let meta: Vec<(i64, ListingId, bool)> = found
        .iter()
        .map(|r| (r.id, r.listing_id, r.hidden))
        .collect();
    let shown = views(db, found, now).await?;
    Ok(shown
        .into_iter()
        .zip(meta)
        .map(|(view, (id, listing_id, hidden))| {
            let l = listings.get(&listing_id);
            let cert = l.and_then(|l| certificates.get(&l.certificate_id));
            ReviewRow {
                view,
                product: cert.map(|c| c.product_name_vi.clone()).unwrap_or_default(),
                slug: l.map(|l| l.slug.clone()).unwrap_or_default(),
                hidden,
                reports: open
                    .iter()
                    .filter(|r| r.review_id == id)
                    .map(|r| r.reason.clone())
                    .collect(),
            }
        })
        .collect())
}

/// The reviews of a seller's products, newest first (at most 200).
pub async fn for_seller(
    db: &impl ConnectionTrait,
    seller_id: crate::domain::ids::SellerId,
    now: DateTime<Utc>,
) -> Result<Vec<ReviewRow>, DbErr> {
    let listing_ids: Vec<ListingId> = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(seller_id))
        .select_only()
        .column(listing::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let found = review::Entity::find()
        .filter(review::Column::ListingId.is_in(listing_ids))
        .order_by_desc(review::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?;
    rows(db, found, now).await
}

/// Reviews with open reports in the officer's provinces (every province for an
/// administrator), oldest report first.
pub async fn reported(
    db: &impl ConnectionTrait,
    principal: &Principal,
    now: DateTime<Utc>,
) -> Result<Vec<ReviewRow>, DbErr> {
    let open: Vec<i64> = review_report::Entity::find()
        .filter(review_report::Column::Outcome.is_null())
        .order_by_asc(review_report::Column::Id)
        .select_only()
        .column(review_report::Column::ReviewId)
        .into_tuple()
        .all(db)
        .await?;
    let mut found = review::Entity::find()
        .filter(review::Column::Id.is_in(open.iter().copied()))
        .all(db)
        .await?;
    found.sort_by_key(|r| open.iter().position(|id| *id == r.id));
    // Each review's province (its product's certificate's), in two queries.
    let listings: HashMap<ListingId, i64> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(found.iter().map(|r| r.listing_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.certificate_id))
        .collect();
    let certificates: HashMap<i64, String> = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::Id.is_in(listings.values().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.province_code))
        .collect();
    let provinces: HashMap<ListingId, &String> = listings
        .iter()
        .filter_map(|(listing, cert)| Some((*listing, certificates.get(cert)?)))
        .collect();
    found.retain(|r| {
        provinces
            .get(&r.listing_id)
            .is_some_and(|code| principal.can(Action::ReviewProvince, &Scope::Province(code)))
    });
    rows(db, found, now).await
}
