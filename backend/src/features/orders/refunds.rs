//! Refunds that move money. A seller refunds all or part of a paid order:
//!
//! - paid by card: through Stripe's refund API, against the payment intent Stripe reported
//!   ([`crate::payments::stripe::StripeGateway::refund`]), with the refund's id as the
//!   idempotency key; Stripe's answer or its `refund.*` events settle it;
//! - paid by transfer or in cash: as the seller's obligation to pay the shopper's bank account,
//!   shown with a VietQR code whose message is the refund's code; settled by a signed bank
//!   notification of that transfer or by the seller confirming it.
//!
//! A refund is first reserved in one transaction: its row (unique per form, so a second
//! click is the same refund) and `orders.refunded_vnd` raised only while it stays within the
//! order's total (one conditional update, so two refunds racing cannot return more than was
//! paid). Once the refunds that succeeded cover the whole total, the order is refunded (its
//! stock returns if it never left). A refund Stripe refuses gives its amount back.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use uuid::Uuid;

use super::{
    OrderError, OrderState, PaymentState, Step, apply_system, find_for_seller, notify_shopper_with,
    record_event, trimmed,
};
use crate::db::entities::{checkout, order, refund};
use crate::domain::ids::{OrderId, UserId};
use crate::domain::money::Vnd;
use crate::domain::orders::PaymentMethod;
use crate::domain::states::{RefundMethod, RefundState};
use crate::domain::time::format_vietnam;
use crate::features::accounts::auth::Principal;
use crate::i18n;
use crate::payments::stripe::{RefundRefusal, StripeGateway, StripeRefund};
use crate::payments::vietqr;

/// The shopper's bank account a transfer refund is paid to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopperAccount {
    pub bank_bin: String,
    pub account_no: String,
    pub account_name: String,
}

impl ShopperAccount {
    /// Checks the fields as a VietQR transfer needs them: a bank the codes know, an account
    /// number of 1–19 letters or digits, the holder's name.
    pub fn parse(bank_bin: &str, account_no: &str, account_name: &str) -> Option<Self> {
        let bank_bin = bank_bin.trim();
        let account_no: String = account_no.chars().filter(|c| !c.is_whitespace()).collect();
        let account_name = trimmed(account_name, 100)?;
        (vietqr::bank(bank_bin).is_some()
            && (1..=19).contains(&account_no.len())
            && account_no.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| Self {
            bank_bin: bank_bin.to_owned(),
            account_no,
            account_name,
        })
    }
}

/// What a seller asks for.
#[derive(Clone, Debug)]
pub struct RefundAsk<'a> {
    /// `None`: everything not yet refunded.
    pub amount: Option<Vnd>,
    pub reason: &'a str,
    /// One per refund form.
    pub key: &'a str,
    /// Needed when the order was not paid by card.
    pub account: Option<ShopperAccount>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    Order(#[from] OrderError),
    NotPaid,
    MissingReason,
    /// More than what is left to refund (or nothing).
    BadAmount {
        left: Vnd,
    },
    /// A transfer refund needs the shopper's bank account.
    NeedsAccount,
    /// A card order without the payment Stripe reported, or Stripe is not configured.
    NoCardPayment,
    /// Stripe said no; nothing was refunded.
    Refused(String),
    /// Only an open transfer refund can be confirmed paid.
    NotOwed,
    Database(#[from] DbErr),
}

impl std::fmt::Display for RefundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Self::Order(e) => e.to_string(),
            Self::NotPaid => i18n::tr("orders.error.not_paid"),
            Self::MissingReason => i18n::tr("orders.error.missing_reason"),
            Self::BadAmount { left } => {
                i18n::tr_with("refunds.error.amount", &[("left", &left.to_string())])
            }
            Self::NeedsAccount => i18n::tr("refunds.error.account"),
            Self::NoCardPayment => i18n::tr("refunds.error.no_card_payment"),
            Self::Refused(why) => i18n::tr_with("refunds.error.refused", &[("why", why)]),
            Self::NotOwed => i18n::tr("refunds.error.not_owed"),
            Self::Database(e) => e.to_string(),
        };
        f.write_str(&text)
    }
}

/// `HT` and 8 characters without look-alikes: the transfer's message.
fn new_code() -> String {
    crate::domain::orders::random_code("HT")
}

/// Refunds (part of) the seller's order `pid`: reserves it, then sends a card refund to
/// Stripe. The same form submitted twice (or at once) is one refund.
pub async fn request(
    db: &DatabaseConnection,
    stripe: Option<&StripeGateway>,
    principal: &Principal,
    pid: Uuid,
    ask: &RefundAsk<'_>,
    now: DateTime<Utc>,
) -> Result<refund::Model, RefundError> {
    let reserved = reserve(db, principal, pid, ask, now).await?;
    send_if_unsent(db, stripe, reserved, now).await
}

/// Sends a card refund Stripe has not acknowledged yet (again: the idempotency key makes a
/// second sending the same refund).
pub async fn send_again(
    db: &DatabaseConnection,
    stripe: Option<&StripeGateway>,
    principal: &Principal,
    order_pid: Uuid,
    refund_pid: Uuid,
    now: DateTime<Utc>,
) -> Result<refund::Model, RefundError> {
    let found = find_refund(db, principal, order_pid, refund_pid).await?;
    send_if_unsent(db, stripe, found, now).await
}

pub(super) async fn send_if_unsent(
    db: &DatabaseConnection,
    stripe: Option<&StripeGateway>,
    reserved: refund::Model,
    now: DateTime<Utc>,
) -> Result<refund::Model, RefundError> {
    if reserved.method != RefundMethod::Stripe
        || reserved.state != RefundState::Pending
        || reserved.stripe_refund_id.is_some()
    {
        return Ok(reserved);
    }
    let o = order::Entity::find_by_id(reserved.order_id)
        .one(db)
        .await?
        .ok_or(OrderError::NotFound)?;
    let intent = checkout::Entity::find_by_id(o.checkout_id)
        .one(db)
        .await?
        .and_then(|c| c.stripe_payment_intent)
        .ok_or(RefundError::NoCardPayment)?;
    let gateway = stripe.ok_or(RefundError::NoCardPayment)?;
    let key = reserved.pid.to_string();
    match gateway
        .refund(&intent, reserved.amount_vnd, &key, &o.code)
        .await
    {
        Ok(answer) => {
            let txn = crate::db::begin_write(db).await?;
            apply_stripe_refund(&txn, &reserved, &answer, now).await?;
            txn.commit().await?;
        }
        Err(RefundRefusal::Refused(why)) => {
            let txn = crate::db::begin_write(db).await?;
            fail(&txn, &reserved, &why, now).await?;
            txn.commit().await?;
            return Err(RefundError::Refused(why));
        }
        Err(RefundRefusal::Unavailable(why)) => {
            // It may or may not have reached Stripe: it stays pending, to be sent again (or
            // settled by Stripe's event).
            tracing::warn!(refund = %reserved.pid, error = %why, "card refund not sent");
            refund::Entity::update_many()
                .col_expr(refund::Column::Failure, Expr::value(why))
                .filter(refund::Column::Id.eq(reserved.id))
                .exec(db)
                .await?;
        }
    }
    Ok(refund::Entity::find_by_id(reserved.id)
        .one(db)
        .await?
        .unwrap_or(reserved))
}

/// The refund's row and the order's refunded amount, in one transaction.
async fn reserve(
    db: &DatabaseConnection,
    principal: &Principal,
    pid: Uuid,
    ask: &RefundAsk<'_>,
    now: DateTime<Utc>,
) -> Result<refund::Model, RefundError> {
    // The form's key is ours (a UUID); anything else is a stale or forged form.
    if ask.key.is_empty() || ask.key.len() > 64 {
        return Err(RefundError::Order(OrderError::Changed));
    }
    let txn = crate::db::begin_write(db).await?;
    let o = find_for_seller(&txn, principal, pid).await?;
    if let Some(done) = by_key(&txn, ask.key).await? {
        txn.rollback().await?;
        return same_order(done, &o);
    }
    let created = match reserve_in(&txn, &o, ask, principal.user.id, now).await {
        Ok(created) => created,
        // The same form submitted at the same moment: the other submit made it.
        Err(RefundError::Database(e))
            if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
        {
            txn.rollback().await?;
            let done = by_key(db, ask.key).await?.ok_or(RefundError::Database(e))?;
            return same_order(done, &o);
        }
        Err(e) => return Err(e),
    };
    txn.commit().await?;
    Ok(created)
}

/// Reserves a refund of the order `o` in the caller's transaction: its row and the order's
/// refunded amount, raised only within the total. The caller commits (or drops the
/// transaction on an error).
pub(super) async fn reserve_in(
    txn: &impl ConnectionTrait,
    o: &order::Model,
    ask: &RefundAsk<'_>,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<refund::Model, RefundError> {
    if o.payment_state != PaymentState::Paid {
        return Err(RefundError::NotPaid);
    }
    let reason = trimmed(ask.reason, 500).ok_or(RefundError::MissingReason)?;
    let left = o.total_vnd() - o.refunded_vnd;
    let amount = ask.amount.unwrap_or(left);
    if amount <= Vnd::ZERO || amount > left {
        return Err(RefundError::BadAmount { left });
    }
    let placed = checkout::Entity::find_by_id(o.checkout_id)
        .one(txn)
        .await?
        .ok_or(OrderError::NotFound)?;
    let by_card = placed.payment_method == PaymentMethod::Stripe.as_str();
    if by_card && placed.stripe_payment_intent.is_none() {
        return Err(RefundError::NoCardPayment);
    }
    let account = match (&ask.account, by_card) {
        (_, true) => None,
        (Some(account), false) => Some(account.clone()),
        (None, false) => return Err(RefundError::NeedsAccount),
    };
    let created = refund::ActiveModel {
        pid: Set(Uuid::new_v4()),
        code: Set(new_code()),
        order_id: Set(o.id),
        amount_vnd: Set(amount),
        reason: Set(reason),
        method: Set(if by_card {
            RefundMethod::Stripe
        } else {
            RefundMethod::Transfer
        }),
        state: Set(RefundState::Pending),
        idempotency_key: Set(ask.key.to_owned()),
        bank_bin: Set(account.as_ref().map(|a| a.bank_bin.clone())),
        account_no: Set(account.as_ref().map(|a| a.account_no.clone())),
        account_name: Set(account.as_ref().map(|a| a.account_name.clone())),
        requested_by: Set(Some(by)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    // Within the total, whatever refunds were reserved since the order was read.
    let raised = order::Entity::update_many()
        .col_expr(
            order::Column::RefundedVnd,
            Expr::col(order::Column::RefundedVnd).add(amount.dong()),
        )
        .filter(order::Column::Id.eq(o.id))
        .filter(
            Expr::col(order::Column::RefundedVnd)
                .add(amount.dong())
                .lte(
                    Expr::col(order::Column::SubtotalVnd)
                        .add(Expr::col(order::Column::ShippingVnd)),
                ),
        )
        .exec(txn)
        .await?;
    if raised.rows_affected != 1 {
        let now_left = order::Entity::find_by_id(o.id)
            .one(txn)
            .await?
            .map_or(Vnd::ZERO, |o| o.total_vnd() - o.refunded_vnd);
        return Err(RefundError::BadAmount { left: now_left });
    }
    record_event(
        txn,
        o.id,
        o.state.as_str(),
        Some(format!("@refund_asked:{}", amount.dong())),
        Some(by),
        now,
    )
    .await?;
    Ok(created)
}

/// A refund found by its form's key is this order's (a key sent again); a key of another
/// order's refund is refused.
fn same_order(done: refund::Model, o: &order::Model) -> Result<refund::Model, RefundError> {
    if done.order_id == o.id {
        Ok(done)
    } else {
        Err(RefundError::Order(OrderError::Changed))
    }
}

async fn by_key(db: &impl ConnectionTrait, key: &str) -> Result<Option<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
}

/// A refund of one of the principal's sellers' orders.
async fn find_refund(
    db: &impl ConnectionTrait,
    principal: &Principal,
    order_pid: Uuid,
    refund_pid: Uuid,
) -> Result<refund::Model, RefundError> {
    let o = find_for_seller(db, principal, order_pid).await?;
    refund::Entity::find()
        .filter(refund::Column::Pid.eq(refund_pid))
        .filter(refund::Column::OrderId.eq(o.id))
        .one(db)
        .await?
        .ok_or(RefundError::Order(OrderError::NotFound))
}

/// What Stripe said about a refund (its answer or an event), in the caller's transaction:
/// `Some(true)` settled now, `Some(false)` failed now, `None` nothing changed.
async fn apply_stripe_refund(
    txn: &impl ConnectionTrait,
    ours: &refund::Model,
    answer: &StripeRefund,
    now: DateTime<Utc>,
) -> Result<Option<bool>, DbErr> {
    if ours.stripe_refund_id.is_none() {
        refund::Entity::update_many()
            .col_expr(
                refund::Column::StripeRefundId,
                Expr::value(answer.id.clone()),
            )
            .col_expr(refund::Column::Failure, Expr::value(Option::<String>::None))
            .filter(refund::Column::Id.eq(ours.id))
            .filter(refund::Column::StripeRefundId.is_null())
            .exec(txn)
            .await?;
    }
    match answer.status.as_str() {
        "succeeded" => settle(txn, ours, "stripe", now)
            .await
            .map(|done| done.then_some(true)),
        "failed" | "canceled" => {
            let why = answer
                .failure
                .clone()
                .unwrap_or_else(|| answer.status.clone());
            fail(txn, ours, &why, now)
                .await
                .map(|done| done.then_some(false))
        }
        _ => Ok(None),
    }
}

/// Moves a pending refund to `to`, once: `false` when it was not pending any more.
async fn close_pending(
    txn: &impl ConnectionTrait,
    r: &refund::Model,
    to: RefundState,
    settled_by: Option<&str>,
    failure: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = refund::Entity::update_many()
        .col_expr(refund::Column::State, Expr::value(to.as_str()))
        .col_expr(refund::Column::SettledAt, Expr::value(now));
    if let Some(by) = settled_by {
        update = update.col_expr(refund::Column::SettledBy, Expr::value(by));
    }
    if let Some(why) = failure {
        update = update.col_expr(refund::Column::Failure, Expr::value(why));
    }
    let done = update
        .filter(refund::Column::Id.eq(r.id))
        .filter(refund::Column::State.eq(RefundState::Pending.as_str()))
        .exec(txn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The money is back with the shopper: the refund succeeds (once), the shopper is told, and
/// the order is refunded when the refunds that succeeded cover its total.
async fn settle(
    txn: &impl ConnectionTrait,
    r: &refund::Model,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if !close_pending(txn, r, RefundState::Succeeded, Some(by), None, now).await? {
        return Ok(false);
    }
    let o = order::Entity::find_by_id(r.order_id)
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("order {}", r.order_id)))?;
    // Money the platform held goes back: the seller's balance in the ledger drops.
    if r.method == RefundMethod::Stripe {
        super::ledger::record_card_refund(txn, r, &o, now).await?;
    }
    record_event(
        txn,
        o.id,
        o.state.as_str(),
        Some(format!("@refunded:{}", r.amount_vnd.dong())),
        None,
        now,
    )
    .await?;
    let refunded: Vnd = refund::Entity::find()
        .filter(refund::Column::OrderId.eq(o.id))
        .filter(refund::Column::State.eq(RefundState::Succeeded.as_str()))
        .all(txn)
        .await?
        .iter()
        .map(|r| r.amount_vnd)
        .sum();
    notify_shopper_with(
        txn,
        &o,
        "refund_sent",
        serde_json::json!({
            "refund_amount": r.amount_vnd.to_string(),
            "refund_method": r.method,
            "refund_reason": r.reason,
            "refunded_total": refunded.to_string(),
        }),
        now,
    )
    .await?;
    if refunded >= o.total_vnd() && o.state != OrderState::Refunded {
        let step = Step::Refund {
            reason: r.reason.clone(),
        };
        match apply_system(txn, &o, &step, now).await {
            Ok(_) => {}
            Err(OrderError::Database(e)) => return Err(e),
            Err(e) => tracing::warn!(order = %o.code, error = %e, "fully refunded order not moved"),
        }
    }
    Ok(true)
}

/// Stripe refused (or failed) the refund: its amount may be refunded again.
async fn fail(
    txn: &impl ConnectionTrait,
    r: &refund::Model,
    why: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if !close_pending(txn, r, RefundState::Failed, None, Some(why), now).await? {
        return Ok(false);
    }
    order::Entity::update_many()
        .col_expr(
            order::Column::RefundedVnd,
            Expr::col(order::Column::RefundedVnd).sub(r.amount_vnd.dong()),
        )
        .filter(order::Column::Id.eq(r.order_id))
        .exec(txn)
        .await?;
    let state = order::Entity::find_by_id(r.order_id)
        .one(txn)
        .await?
        .map(|o| o.state.as_str())
        .unwrap_or_default();
    record_event(
        txn,
        r.order_id,
        state,
        Some(format!("@refund_failed:{}", r.amount_vnd.dong())),
        None,
        now,
    )
    .await?;
    Ok(true)
}

/// The seller says it transferred an open transfer refund.
pub async fn confirm_paid(
    db: &DatabaseConnection,
    principal: &Principal,
    order_pid: Uuid,
    refund_pid: Uuid,
    now: DateTime<Utc>,
) -> Result<refund::Model, RefundError> {
    let txn = crate::db::begin_write(db).await?;
    let r = find_refund(&txn, principal, order_pid, refund_pid).await?;
    if r.method != RefundMethod::Transfer || !settle(&txn, &r, "confirmed", now).await? {
        return Err(RefundError::NotOwed);
    }
    txn.commit().await?;
    Ok(refund::Entity::find_by_id(r.id).one(db).await?.unwrap_or(r))
}

/// A Stripe `refund.*` event, in the caller's transaction (already claimed once): what it
/// did to the refund it names.
pub async fn apply_stripe_event(
    txn: &impl ConnectionTrait,
    answer: &StripeRefund,
    now: DateTime<Utc>,
) -> Result<(&'static str, Option<order::Model>), DbErr> {
    let by_id = refund::Entity::find()
        .filter(refund::Column::StripeRefundId.eq(answer.id.as_str()))
        .one(txn)
        .await?;
    let found = match by_id {
        Some(found) => Some(found),
        None => match answer.ours.as_deref().and_then(|p| p.parse::<Uuid>().ok()) {
            Some(pid) => {
                refund::Entity::find()
                    .filter(refund::Column::Pid.eq(pid))
                    .one(txn)
                    .await?
            }
            None => None,
        },
    };
    let Some(ours) = found.filter(|r| r.amount_vnd.dong() == answer.amount) else {
        return Ok(("unmatched", None));
    };
    let o = order::Entity::find_by_id(ours.order_id).one(txn).await?;
    let outcome = match apply_stripe_refund(txn, &ours, answer, now).await? {
        Some(true) => "refunded",
        Some(false) => "refund_failed",
        None => "pending",
    };
    Ok((outcome, o))
}

/// A bank notification whose message holds a refund's code, in the caller's transaction:
/// `None` when it names no refund; else what it did.
pub async fn apply_bank_transfer(
    txn: &impl ConnectionTrait,
    notice: &crate::payments::bank::Notification,
    now: DateTime<Utc>,
) -> Result<Option<(&'static str, refund::Model)>, DbErr> {
    let Some(code) = crate::domain::orders::find_code(&notice.description, "HT") else {
        return Ok(None);
    };
    let Some(r) = refund::Entity::find()
        .filter(refund::Column::Code.eq(code))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let matches = r.method == RefundMethod::Transfer
        && r.account_no.as_deref() == Some(notice.account_no.trim())
        && r.amount_vnd == notice.amount_vnd;
    let outcome = match matches {
        false => "unmatched",
        true if settle(txn, &r, "bank", now).await? => "refunded",
        true => "duplicate",
    };
    Ok(Some((outcome, r)))
}

/// One refund as the order pages show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RefundView {
    pub pid: Uuid,
    pub code: String,
    pub amount_vnd: Vnd,
    pub reason: String,
    pub method: RefundMethod,
    pub state: RefundState,
    pub failure: Option<String>,
    pub created_at: String,
    pub settled_at: Option<String>,
    /// An open transfer refund: the bank, account and the VietQR code that pays it.
    pub bank_name: Option<String>,
    pub account_no: Option<String>,
    pub account_name: Option<String>,
    pub qr_svg: Option<String>,
    /// A card refund not acknowledged by Stripe yet: it can be sent again.
    pub unsent: bool,
}

/// The refunds of an order, oldest first.
pub async fn of_order(
    db: &impl ConnectionTrait,
    o: &order::Model,
) -> Result<Vec<RefundView>, DbErr> {
    Ok(of_orders(db, &[o.id])
        .await?
        .remove(&o.id)
        .unwrap_or_default())
}

/// The refunds of several orders (one query), each order's oldest first.
pub async fn of_orders(
    db: &impl ConnectionTrait,
    ids: &[OrderId],
) -> Result<HashMap<OrderId, Vec<RefundView>>, DbErr> {
    let rows = refund::Entity::find()
        .filter(refund::Column::OrderId.is_in(ids.iter().copied()))
        .order_by_asc(refund::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<_, Vec<_>> = HashMap::new();
    for r in rows {
        out.entry(r.order_id).or_default().push(view(r));
    }
    Ok(out)
}

fn view(r: refund::Model) -> RefundView {
    let open_transfer = r.method == RefundMethod::Transfer && r.state == RefundState::Pending;
    let qr_svg = match (&r.bank_bin, &r.account_no) {
        (Some(bin), Some(account)) if open_transfer => vietqr::Transfer {
            bank_bin: bin.clone(),
            account_no: account.clone(),
            amount_vnd: r.amount_vnd,
            message: r.code.clone(),
        }
        .payload()
        .ok()
        .and_then(|payload| vietqr::svg(&payload)),
        _ => None,
    };
    RefundView {
        pid: r.pid,
        unsent: r.method == RefundMethod::Stripe
            && r.state == RefundState::Pending
            && r.stripe_refund_id.is_none(),
        bank_name: r
            .bank_bin
            .as_deref()
            .and_then(vietqr::bank)
            .map(|b| b.name.to_owned()),
        code: r.code,
        amount_vnd: r.amount_vnd,
        reason: r.reason,
        method: r.method,
        state: r.state,
        failure: r.failure,
        created_at: format_vietnam(r.created_at),
        settled_at: r.settled_at.map(format_vietnam),
        account_no: r.account_no,
        account_name: r.account_name,
        qr_svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shopper_account_needs_a_known_bank_a_plain_number_and_a_name() {
        let ok = ShopperAccount::parse("970436", "0011 0012 3456", " Nguyễn Thị Lan ");
        assert_eq!(
            ok,
            Some(ShopperAccount {
                bank_bin: "970436".into(),
                account_no: "001100123456".into(),
                account_name: "Nguyễn Thị Lan".into(),
            })
        );
        assert_eq!(ShopperAccount::parse("123456", "0011", "Lan"), None);
        assert_eq!(ShopperAccount::parse("970436", "00-11", "Lan"), None);
        assert_eq!(ShopperAccount::parse("970436", "0011", " "), None);
    }
}
