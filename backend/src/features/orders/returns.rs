//! Returns asked by shoppers. Within a set number of days of delivery, whoever holds the
//! order's tracking link (or its signed-in owner) asks to send units back, per order line,
//! with a reason and photos (through the photo pipeline). The seller accepts it (the units
//! are restocked or written off) or refuses it with a reason; a refusal the shopper disputes
//! goes to the province's officer, who accepts it or rejects it for good.
//!
//! Each unit can be asked back once: `order_items.return_asked_qty` is raised only while it
//! stays within the line's quantity, so two requests racing cannot ask for more than was
//! bought. Accepting is one transaction, claimed by a conditional state change (a second
//! click, or a seller and an officer at once, accept once): the units are counted as
//! returned (sell-through leaves them out; an order whose every unit came back is
//! `returned`, no sale), restocked if so decided, and their value refunded through the
//! refunds ([`super::refunds`]: to the card, or owed to the shopper's account).
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::refunds::{self, RefundAsk, RefundError, ShopperAccount};
use super::{
    OrderError, OrderState, PaymentState, find_for_seller, give_back_units, notify_shopper_with,
    record_event, trimmed,
};
use crate::db::entities::{
    checkout, order, order_event, order_item, registry_participant, return_item, return_photo,
    return_request, seller,
};
use crate::domain::ids::{OrderId, UserId};
use crate::domain::money::Vnd;
use crate::domain::orders::PaymentMethod;
use crate::domain::states::{Disposition, ReturnState};
use crate::domain::time::format_vietnam;
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::i18n;
use crate::media::Stored;
use crate::payments::stripe::StripeGateway;

/// Most photos one return carries.
pub const MAX_PHOTOS: usize = 3;

/// What a shopper asks.
#[derive(Debug)]
pub struct ReturnAsk<'a> {
    /// `(order line id, units)`; lines with 0 units are left out.
    pub items: Vec<(i64, i32)>,
    pub reason: &'a str,
    /// Where the refund goes when the order was not paid by card.
    pub account: Option<ShopperAccount>,
    /// Photos already through the pipeline.
    pub photos: Vec<Stored>,
}

/// The seller's or the officer's answer.
#[derive(Clone, Debug)]
pub enum Decision {
    Accept(Disposition),
    /// Why not (shown to the shopper).
    Refuse(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ReturnError {
    Order(#[from] OrderError),
    /// Only a delivered order can be returned.
    NotDelivered,
    /// The days to ask are over.
    TooLate {
        days: i64,
    },
    NoItems,
    /// More units of a line than bought and not yet asked back.
    TooMany {
        title: String,
        left: i32,
    },
    MissingReason,
    NeedsPhoto,
    TooManyPhotos,
    NeedsAccount,
    /// Someone decided (or disputed) it first.
    NotOpen,
    Refund(#[from] RefundError),
    Database(#[from] DbErr),
}

impl std::fmt::Display for ReturnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Self::Order(e) => e.to_string(),
            Self::NotDelivered => i18n::tr("returns.error.not_delivered"),
            Self::TooLate { days } => {
                i18n::tr_with("returns.error.too_late", &[("days", &days.to_string())])
            }
            Self::NoItems => i18n::tr("returns.error.no_items"),
            Self::TooMany { title, left } => i18n::tr_with(
                "returns.error.too_many",
                &[("title", title), ("left", &left.to_string())],
            ),
            Self::MissingReason => i18n::tr("returns.error.reason"),
            Self::NeedsPhoto => i18n::tr("returns.error.photo"),
            Self::TooManyPhotos => i18n::tr_with(
                "returns.error.too_many_photos",
                &[("max", &MAX_PHOTOS.to_string())],
            ),
            Self::NeedsAccount => i18n::tr("refunds.error.account"),
            Self::NotOpen => i18n::tr("returns.error.not_open"),
            Self::Refund(e) => e.to_string(),
            Self::Database(e) => e.to_string(),
        };
        f.write_str(&text)
    }
}

/// When the order was delivered (its last move to `delivered`).
async fn delivered_at(
    db: &impl ConnectionTrait,
    order_id: OrderId,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(order_id))
        .filter(order_event::Column::State.eq(OrderState::Delivered.as_str()))
        .order_by_desc(order_event::Column::At)
        .one(db)
        .await?
        .map(|e| e.at))
}

/// The last moment the shopper may ask to return `o`, if it is delivered.
pub async fn open_until(
    db: &impl ConnectionTrait,
    o: &order::Model,
    days: i64,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    if o.state != OrderState::Delivered {
        return Ok(None);
    }
    Ok(delivered_at(db, o.id)
        .await?
        .map(|at| at + Duration::days(days)))
}

/// Asks to return units of the order `code` of the checkout `placed`. Photos are stored
/// before (a failure leaves at worst unreferenced files); everything else in one transaction.
pub async fn request(
    db: &DatabaseConnection,
    placed: &checkout::Model,
    code: &str,
    ask: ReturnAsk<'_>,
    by: Option<UserId>,
    days: i64,
    now: DateTime<Utc>,
) -> Result<return_request::Model, ReturnError> {
    let reason = trimmed(ask.reason, 500).ok_or(ReturnError::MissingReason)?;
    let asked: Vec<(i64, i32)> = ask.items.into_iter().filter(|(_, q)| *q > 0).collect();
    if asked.is_empty() {
        return Err(ReturnError::NoItems);
    }
    if ask.photos.is_empty() {
        return Err(ReturnError::NeedsPhoto);
    }
    if ask.photos.len() > MAX_PHOTOS {
        return Err(ReturnError::TooManyPhotos);
    }
    let by_card = placed.payment_method == PaymentMethod::Stripe.as_str();
    if !by_card && ask.account.is_none() {
        return Err(ReturnError::NeedsAccount);
    }
    let txn = crate::db::begin_write(db).await?;
    let o = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .filter(order::Column::Code.eq(code))
        .one(&txn)
        .await?
        .ok_or(OrderError::NotFound)?;
    let Some(until) = open_until(&txn, &o, days).await? else {
        return Err(ReturnError::NotDelivered);
    };
    if now > until {
        return Err(ReturnError::TooLate { days });
    }
    let lines: HashMap<i64, order_item::Model> = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut amount = Vnd::ZERO;
    for (line_id, quantity) in &asked {
        let line = lines.get(line_id).ok_or(ReturnError::NoItems)?;
        // Within what was bought, whatever other requests asked meanwhile.
        let raised = order_item::Entity::update_many()
            .col_expr(
                order_item::Column::ReturnAskedQty,
                Expr::col(order_item::Column::ReturnAskedQty).add(*quantity),
            )
            .filter(order_item::Column::Id.eq(line.id))
            .filter(
                Expr::col(order_item::Column::ReturnAskedQty)
                    .add(*quantity)
                    .lte(Expr::col(order_item::Column::Quantity)),
            )
            .exec(&txn)
            .await?;
        if raised.rows_affected != 1 {
            let now_asked = order_item::Entity::find_by_id(line.id)
                .one(&txn)
                .await?
                .map_or(line.quantity, |l| l.return_asked_qty);
            return Err(ReturnError::TooMany {
                title: line.title.clone(),
                left: std::cmp::max(line.quantity - now_asked, 0),
            });
        }
        amount += line.paid_for(*quantity);
    }
    let account = if by_card { None } else { ask.account };
    let created = return_request::ActiveModel {
        pid: Set(Uuid::new_v4()),
        code: Set(crate::domain::orders::random_code("TH")),
        order_id: Set(o.id),
        state: Set(ReturnState::Requested),
        reason: Set(reason),
        amount_vnd: Set(amount),
        bank_bin: Set(account.as_ref().map(|a| a.bank_bin.clone())),
        account_no: Set(account.as_ref().map(|a| a.account_no.clone())),
        account_name: Set(account.as_ref().map(|a| a.account_name.clone())),
        requested_by: Set(by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (line_id, quantity) in &asked {
        return_item::ActiveModel {
            return_id: Set(created.id),
            order_item_id: Set(*line_id),
            quantity: Set(*quantity),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    for (position, photo) in ask.photos.iter().enumerate() {
        return_photo::ActiveModel {
            return_id: Set(created.id),
            digest: Set(photo.digest.clone()),
            width: Set(i32::try_from(photo.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(photo.height).unwrap_or(i32::MAX)),
            position: Set(i32::try_from(position).unwrap_or(0)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    record_event(
        &txn,
        o.id,
        o.state.as_str(),
        Some(format!("@return_asked:{}", created.code)),
        by,
        now,
    )
    .await?;
    let units: Vec<serde_json::Value> = asked
        .iter()
        .filter_map(|(line_id, quantity)| {
            let line = lines.get(line_id)?;
            Some(
                serde_json::json!({ "title": line.title, "quantity": quantity, "unit": line.unit }),
            )
        })
        .collect();
    notify_seller(&txn, placed, &o, &created, &units, now).await?;
    txn.commit().await?;
    Ok(created)
}

/// Tells the members of the order's seller (in Vietnamese, like every seller notice) that a
/// return waits for their answer.
async fn notify_seller(
    db: &impl ConnectionTrait,
    placed: &checkout::Model,
    o: &order::Model,
    asked: &return_request::Model,
    units: &[serde_json::Value],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use crate::db::entities::{membership, user};
    let members = membership::Entity::find()
        .filter(membership::Column::SellerId.eq(o.seller_id))
        .all(db)
        .await?;
    let emails = user::Entity::find()
        .filter(user::Column::Id.is_in(members.iter().map(|m| m.user_id)))
        .all(db)
        .await?;
    let notice = serde_json::json!({
        "code": o.code,
        "return_code": asked.code,
        "return_reason": asked.reason,
        "return_amount": super::vnd(asked.amount_vnd),
        "items": units,
        "link": format!("{}/seller/orders/{}#return-{}", placed.site, o.pid, asked.code),
    });
    for member in emails {
        crate::mail::queue_in(
            db,
            i18n::Lang::Vi,
            "return_asked",
            &member.email,
            &notice,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The shopper disputes the seller's refusal: the province's officer decides. Allowed within
/// the return window counted from the refusal.
pub async fn dispute(
    db: &DatabaseConnection,
    placed: &checkout::Model,
    return_pid: Uuid,
    why: &str,
    days: i64,
    now: DateTime<Utc>,
) -> Result<return_request::Model, ReturnError> {
    let why = trimmed(why, 500).ok_or(ReturnError::MissingReason)?;
    let txn = crate::db::begin_write(db).await?;
    let (found, o) = of_checkout(&txn, placed, return_pid).await?;
    if found.state != ReturnState::Refused {
        return Err(ReturnError::NotOpen);
    }
    if found
        .decided_at
        .is_some_and(|at| now > at + Duration::days(days))
    {
        return Err(ReturnError::TooLate { days });
    }
    let moved = return_request::Entity::update_many()
        .col_expr(
            return_request::Column::State,
            Expr::value(ReturnState::Disputed.as_str()),
        )
        .col_expr(return_request::Column::DisputeReason, Expr::value(why))
        .col_expr(return_request::Column::DisputedAt, Expr::value(now))
        .filter(return_request::Column::Id.eq(found.id))
        .filter(return_request::Column::State.eq(ReturnState::Refused.as_str()))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ReturnError::NotOpen);
    }
    record_event(
        &txn,
        o.id,
        o.state.as_str(),
        Some(format!("@return_disputed:{}", found.code)),
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(reload(db, found.id).await?)
}

/// A return of an order of the checkout `placed`.
async fn of_checkout(
    db: &impl ConnectionTrait,
    placed: &checkout::Model,
    return_pid: Uuid,
) -> Result<(return_request::Model, order::Model), ReturnError> {
    let found = return_request::Entity::find()
        .filter(return_request::Column::Pid.eq(return_pid))
        .one(db)
        .await?
        .ok_or(OrderError::NotFound)?;
    let o = order::Entity::find_by_id(found.order_id)
        .one(db)
        .await?
        .filter(|o| o.checkout_id == placed.id)
        .ok_or(OrderError::NotFound)?;
    Ok((found, o))
}

/// The code of the order a return belongs to.
pub async fn order_code_of(
    db: &impl ConnectionTrait,
    return_pid: Uuid,
) -> Result<Option<String>, DbErr> {
    let Some(found) = return_request::Entity::find()
        .filter(return_request::Column::Pid.eq(return_pid))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(order::Entity::find_by_id(found.order_id)
        .one(db)
        .await?
        .map(|o| o.code))
}

async fn reload(db: &impl ConnectionTrait, id: i64) -> Result<return_request::Model, DbErr> {
    return_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("return {id}")))
}

/// The seller of the order `order_pid` answers its return `return_pid`.
pub async fn seller_decides(
    db: &DatabaseConnection,
    stripe: Option<&StripeGateway>,
    principal: &Principal,
    order_pid: Uuid,
    return_pid: Uuid,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<return_request::Model, ReturnError> {
    let txn = crate::db::begin_write(db).await?;
    let o = find_for_seller(&txn, principal, order_pid).await?;
    let found = return_request::Entity::find()
        .filter(return_request::Column::Pid.eq(return_pid))
        .filter(return_request::Column::OrderId.eq(o.id))
        .one(&txn)
        .await?
        .ok_or(OrderError::NotFound)?;
    decide(
        db,
        txn,
        stripe,
        principal.user.id,
        found,
        o,
        ReturnState::Requested,
        ReturnState::Refused,
        decision,
        now,
    )
    .await
}

/// The province's officer settles a disputed return: `Accept` takes it back; `Refuse` rejects
/// it for good. Officers reach the returns of their provinces' sellers only.
pub async fn officer_decides(
    db: &DatabaseConnection,
    stripe: Option<&StripeGateway>,
    principal: &Principal,
    return_pid: Uuid,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<return_request::Model, ReturnError> {
    let txn = crate::db::begin_write(db).await?;
    let found = return_request::Entity::find()
        .filter(return_request::Column::Pid.eq(return_pid))
        .one(&txn)
        .await?
        .ok_or(OrderError::NotFound)?;
    let o = order::Entity::find_by_id(found.order_id)
        .one(&txn)
        .await?
        .ok_or(OrderError::NotFound)?;
    let province = province_of(&txn, &o).await?;
    if !principal.can(Action::ReviewProvince, &Scope::Province(&province)) {
        return Err(OrderError::NotFound.into());
    }
    decide(
        db,
        txn,
        stripe,
        principal.user.id,
        found,
        o,
        ReturnState::Disputed,
        ReturnState::Rejected,
        decision,
        now,
    )
    .await
}

/// The province of the order's seller (its registry participant's).
async fn province_of(db: &impl ConnectionTrait, o: &order::Model) -> Result<String, DbErr> {
    let s = seller::Entity::find_by_id(o.seller_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("seller {}", o.seller_id)))?;
    Ok(registry_participant::Entity::find_by_id(s.participant_id)
        .one(db)
        .await?
        .map(|p| p.province_code)
        .unwrap_or_default())
}

/// Moves the return from `from` to accepted or to `refused_to`, once, in `txn`; on acceptance
/// takes the units back and reserves their refund, then (after the commit) sends a card
/// refund to Stripe.
#[allow(clippy::too_many_arguments)]
async fn decide(
    db: &DatabaseConnection,
    txn: sea_orm::DatabaseTransaction,
    stripe: Option<&StripeGateway>,
    by: UserId,
    found: return_request::Model,
    o: order::Model,
    from: ReturnState,
    refused_to: ReturnState,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<return_request::Model, ReturnError> {
    if found.state != from {
        return Err(ReturnError::NotOpen);
    }
    let mut update = return_request::Entity::update_many()
        .col_expr(return_request::Column::DecidedBy, Expr::value(by))
        .col_expr(return_request::Column::DecidedAt, Expr::value(now));
    let (to, note) = match &decision {
        Decision::Accept(disposition) => {
            update = update.col_expr(
                return_request::Column::Disposition,
                Expr::value(disposition.as_str()),
            );
            (ReturnState::Accepted, None)
        }
        Decision::Refuse(why) => {
            let why = trimmed(why, 500).ok_or(ReturnError::MissingReason)?;
            let column = if from == ReturnState::Disputed {
                return_request::Column::Decision
            } else {
                return_request::Column::RefusalReason
            };
            update = update.col_expr(column, Expr::value(why.clone()));
            (refused_to, Some(why))
        }
    };
    let moved = update
        .col_expr(return_request::Column::State, Expr::value(to.as_str()))
        .filter(return_request::Column::Id.eq(found.id))
        .filter(return_request::Column::State.eq(from.as_str()))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ReturnError::NotOpen);
    }
    let mut refund = None;
    if let Decision::Accept(disposition) = decision {
        refund = take_back(&txn, &found, &o, disposition, by, now).await?;
    }
    record_outcome(&txn, &found, &o, to, note.as_deref(), by, now).await?;
    txn.commit().await?;
    if let Some(reserved) = refund {
        // A card refund goes to Stripe now; one Stripe does not answer stays pending for the
        // seller's "send again" (same idempotency key).
        refunds::send_if_unsent(db, stripe, reserved, now).await?;
    }
    Ok(reload(db, found.id).await?)
}

/// The accepted units: counted as returned, restocked if so decided, their value refunded
/// (within what is left to refund), and the order `returned` once every unit came back.
async fn take_back(
    txn: &impl ConnectionTrait,
    found: &return_request::Model,
    o: &order::Model,
    disposition: Disposition,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<Option<crate::db::entities::refund::Model>, ReturnError> {
    let items = return_item::Entity::find()
        .filter(return_item::Column::ReturnId.eq(found.id))
        .all(txn)
        .await?;
    let lines: HashMap<i64, order_item::Model> = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut units = Vec::with_capacity(items.len());
    for item in &items {
        order_item::Entity::update_many()
            .col_expr(
                order_item::Column::ReturnedQty,
                Expr::col(order_item::Column::ReturnedQty).add(item.quantity),
            )
            .filter(order_item::Column::Id.eq(item.order_item_id))
            .exec(txn)
            .await?;
        if let Some(line) = lines.get(&item.order_item_id) {
            units.push((line.listing_id, line.variant_id, item.quantity));
        }
    }
    if disposition == Disposition::Restock {
        give_back_units(txn, o, &units, now).await?;
    }
    let left = o.total_vnd() - o.refunded_vnd;
    let amount = std::cmp::min(found.amount_vnd, left);
    let mut reserved = None;
    if amount > Vnd::ZERO && o.payment_state == PaymentState::Paid {
        let account = match (&found.bank_bin, &found.account_no, &found.account_name) {
            (Some(bin), Some(no), Some(name)) => ShopperAccount::parse(bin, no, name),
            _ => None,
        };
        let reason = i18n::tr_with("returns.refund_reason", &[("code", &found.code)]);
        let key = format!("return-{}", found.pid);
        let ask = RefundAsk {
            amount: Some(amount),
            reason: &reason,
            key: &key,
            account,
        };
        let created = refunds::reserve_in(txn, o, &ask, by, now).await?;
        return_request::Entity::update_many()
            .col_expr(return_request::Column::RefundId, Expr::value(created.id))
            .filter(return_request::Column::Id.eq(found.id))
            .exec(txn)
            .await?;
        reserved = Some(created);
    }
    let all_back = lines.values().all(|l| {
        let now_returned = l.returned_qty
            + items
                .iter()
                .filter(|i| i.order_item_id == l.id)
                .map(|i| i.quantity)
                .sum::<i32>();
        now_returned >= l.quantity
    });
    if all_back {
        // No sale after all: every unit came back.
        order::Entity::update_many()
            .col_expr(
                order::Column::State,
                Expr::value(OrderState::Returned.as_str()),
            )
            .col_expr(order::Column::UpdatedAt, Expr::value(now))
            .filter(order::Column::Id.eq(o.id))
            .filter(order::Column::State.eq(OrderState::Delivered.as_str()))
            .exec(txn)
            .await?;
    }
    Ok(reserved)
}

/// The order's history notes the decision and the shopper is told.
async fn record_outcome(
    txn: &impl ConnectionTrait,
    found: &return_request::Model,
    o: &order::Model,
    to: ReturnState,
    note: Option<&str>,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let current = order::Entity::find_by_id(o.id)
        .one(txn)
        .await?
        .map_or(o.state, |o| o.state);
    record_event(
        txn,
        o.id,
        current.as_str(),
        Some(format!("@return_{}:{}", to.as_str(), found.code)),
        Some(by),
        now,
    )
    .await?;
    notify_shopper_with(
        txn,
        o,
        "return_decided",
        serde_json::json!({
            "return_code": found.code,
            "return_state": to.as_str(),
            "return_note": note,
            "return_amount": super::vnd(found.amount_vnd),
        }),
        now,
    )
    .await
}

/// A return as pages show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReturnView {
    pub pid: Uuid,
    pub code: String,
    pub order_code: String,
    pub state: ReturnState,
    pub reason: String,
    pub amount_vnd: Vnd,
    pub disposition: Option<Disposition>,
    pub refusal_reason: Option<String>,
    pub dispute_reason: Option<String>,
    pub decision: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub items: Vec<ReturnLine>,
    pub photos: Vec<ReturnPhotoView>,
    /// Open for the seller (requested) or the officer (disputed).
    pub awaits_seller: bool,
    pub awaits_officer: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReturnLine {
    pub title: String,
    pub quantity: i32,
    pub unit: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReturnPhotoView {
    pub url: String,
    pub thumb_url: String,
}

fn photo_view(p: &return_photo::Model) -> ReturnPhotoView {
    let (url, thumb_url) = crate::media::urls(&p.digest, p.width);
    ReturnPhotoView { url, thumb_url }
}

/// The returns of these orders, oldest first, by order.
pub async fn of_orders(
    db: &impl ConnectionTrait,
    orders: &[order::Model],
) -> Result<HashMap<OrderId, Vec<ReturnView>>, DbErr> {
    let rows = return_request::Entity::find()
        .filter(return_request::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .order_by_asc(return_request::Column::Id)
        .all(db)
        .await?;
    let codes: HashMap<OrderId, String> = orders.iter().map(|o| (o.id, o.code.clone())).collect();
    let views = views(db, rows, &codes).await?;
    let mut out: HashMap<OrderId, Vec<ReturnView>> = HashMap::new();
    for (order_id, view) in views {
        out.entry(order_id).or_default().push(view);
    }
    Ok(out)
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<return_request::Model>,
    codes: &HashMap<OrderId, String>,
) -> Result<Vec<(OrderId, ReturnView)>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let items = return_item::Entity::find()
        .filter(return_item::Column::ReturnId.is_in(ids.iter().copied()))
        .order_by_asc(return_item::Column::Id)
        .all(db)
        .await?;
    let lines: HashMap<i64, order_item::Model> = order_item::Entity::find()
        .filter(order_item::Column::Id.is_in(items.iter().map(|i| i.order_item_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let photos = return_photo::Entity::find()
        .filter(return_photo::Column::ReturnId.is_in(ids.iter().copied()))
        .order_by_asc(return_photo::Column::Position)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let view = ReturnView {
                pid: r.pid,
                order_code: codes.get(&r.order_id).cloned().unwrap_or_default(),
                awaits_seller: r.state == ReturnState::Requested,
                awaits_officer: r.state == ReturnState::Disputed,
                items: items
                    .iter()
                    .filter(|i| i.return_id == r.id)
                    .filter_map(|i| {
                        let line = lines.get(&i.order_item_id)?;
                        Some(ReturnLine {
                            title: line.title.clone(),
                            quantity: i.quantity,
                            unit: line.unit.clone(),
                        })
                    })
                    .collect(),
                photos: photos
                    .iter()
                    .filter(|p| p.return_id == r.id)
                    .map(photo_view)
                    .collect(),
                code: r.code,
                state: r.state,
                reason: r.reason,
                amount_vnd: r.amount_vnd,
                disposition: r.disposition,
                refusal_reason: r.refusal_reason,
                dispute_reason: r.dispute_reason,
                decision: r.decision,
                created_at: format_vietnam(r.created_at),
                decided_at: r.decided_at.map(format_vietnam),
            };
            (r.order_id, view)
        })
        .collect())
}

/// What the shopper's order page needs for one order: its returns, and while the window is
/// open, the lines with units left to ask back.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ReturnPanel {
    pub returns: Vec<ReturnView>,
    /// Set while a return may be asked.
    pub open_until: Option<String>,
    pub lines: Vec<ReturnableLine>,
    /// A refusal may be disputed until then.
    pub dispute_days: i64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReturnableLine {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub left: i32,
}

/// The return panels of a checkout's orders, by order code.
pub async fn panels(
    db: &impl ConnectionTrait,
    checkout_id: crate::domain::ids::CheckoutId,
    days: i64,
    now: DateTime<Utc>,
) -> Result<HashMap<String, ReturnPanel>, DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(checkout_id))
        .all(db)
        .await?;
    let mut returns = of_orders(db, &orders).await?;
    let mut out = HashMap::new();
    for o in &orders {
        let mut panel = ReturnPanel {
            returns: returns.remove(&o.id).unwrap_or_default(),
            dispute_days: days,
            ..Default::default()
        };
        if let Some(until) = open_until(db, o, days).await?.filter(|u| *u >= now) {
            panel.lines = order_item::Entity::find()
                .filter(order_item::Column::OrderId.eq(o.id))
                .order_by_asc(order_item::Column::Id)
                .all(db)
                .await?
                .into_iter()
                .filter(|l| l.quantity > l.return_asked_qty)
                .map(|l| ReturnableLine {
                    id: l.id,
                    left: l.quantity - l.return_asked_qty,
                    title: l.title,
                    unit: l.unit,
                })
                .collect();
            if !panel.lines.is_empty() {
                panel.open_until = Some(format_vietnam(until));
            }
        }
        out.insert(o.code.clone(), panel);
    }
    Ok(out)
}

/// A disputed return as the officer sees it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DisputeView {
    #[serde(flatten)]
    pub view: ReturnView,
    pub seller_name: String,
    pub province_code: String,
}

/// The disputed returns of the officer's provinces (every province for an administrator),
/// oldest first.
pub async fn disputes(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<Vec<DisputeView>, DbErr> {
    let rows = return_request::Entity::find()
        .filter(return_request::Column::State.eq(ReturnState::Disputed.as_str()))
        .order_by_asc(return_request::Column::DisputedAt)
        .all(db)
        .await?;
    let orders = order::Entity::find()
        .filter(order::Column::Id.is_in(rows.iter().map(|r| r.order_id)))
        .all(db)
        .await?;
    let sellers: HashMap<_, seller::Model> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(orders.iter().map(|o| o.seller_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let provinces: HashMap<_, String> = registry_participant::Entity::find()
        .filter(registry_participant::Column::Id.is_in(sellers.values().map(|s| s.participant_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.province_code))
        .collect();
    let codes: HashMap<OrderId, String> = orders.iter().map(|o| (o.id, o.code.clone())).collect();
    let by_order: HashMap<OrderId, &order::Model> = orders.iter().map(|o| (o.id, o)).collect();
    Ok(views(db, rows, &codes)
        .await?
        .into_iter()
        .filter_map(|(order_id, view)| {
            let s = sellers.get(&by_order.get(&order_id)?.seller_id)?;
            let province_code = provinces
                .get(&s.participant_id)
                .cloned()
                .unwrap_or_default();
            principal
                .can(Action::ReviewProvince, &Scope::Province(&province_code))
                .then(|| DisputeView {
                    view,
                    seller_name: s.display_name.clone(),
                    province_code,
                })
        })
        .collect())
}
