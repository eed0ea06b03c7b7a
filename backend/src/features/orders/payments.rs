//! What payment notifications do to orders: a Stripe Checkout Session completed or expired, a
//! bank transfer received. Each is recorded once in `payment_events` ([`claim_notice`]) in the
//! transaction that applies it, so a replayed or duplicated notification changes nothing. The
//! providers themselves (signatures, Stripe's API) are `crate::payments`.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use super::{OrderError, OrderState, PaidBy, PaymentState, Step, apply_system, record_payment};
use crate::db::entities::{checkout, order, payment_event, seller};
use crate::domain::ids::{CheckoutId, OrderId};
use crate::domain::ledger::Rates;
use crate::domain::money::Vnd;
use crate::domain::orders::PaymentMethod;
use crate::payments::bank;
use crate::payments::stripe::{RefundEvent, SessionEvent, StripeEvent};

/// A notification as it arrives, before it is applied.
struct Notice<'a> {
    pub provider: &'static str,
    pub event_id: &'a str,
    pub kind: &'a str,
    pub amount_vnd: Option<Vnd>,
}

/// Records a provider's notification in the caller's transaction, first thing: `false` when
/// the same provider already sent this event id (a replay or a duplicate delivery), which the
/// caller then leaves alone. Concurrent deliveries of one event wait on the unique index; only
/// one gets `true`.
async fn claim_notice(
    txn: &impl ConnectionTrait,
    notice: &Notice<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let inserted = payment_event::Entity::insert(payment_event::ActiveModel {
        provider: Set(notice.provider.to_owned()),
        event_id: Set(notice.event_id.to_owned()),
        kind: Set(notice.kind.to_owned()),
        checkout_id: Set(None),
        order_id: Set(None),
        amount_vnd: Set(notice.amount_vnd),
        outcome: Set("received".into()),
        received_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            payment_event::Column::Provider,
            payment_event::Column::EventId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(inserted == 1)
}

/// Records what a claimed notification did, and what it was about.
async fn settle_notice(
    txn: &impl ConnectionTrait,
    notice: &Notice<'_>,
    outcome: &str,
    checkout_id: Option<CheckoutId>,
    order_id: Option<OrderId>,
) -> Result<(), DbErr> {
    payment_event::Entity::update_many()
        .col_expr(payment_event::Column::Outcome, Expr::value(outcome))
        .col_expr(payment_event::Column::CheckoutId, Expr::value(checkout_id))
        .col_expr(payment_event::Column::OrderId, Expr::value(order_id))
        .filter(payment_event::Column::Provider.eq(notice.provider))
        .filter(payment_event::Column::EventId.eq(notice.event_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// What a webhook delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The checkout's orders are now paid.
    Paid,
    /// The session completed but the money has not arrived (a delayed method), or was already
    /// recorded.
    Pending,
    /// The amount, currency or reference did not match a checkout: nothing changed.
    Unmatched,
    /// The session expired unpaid: its orders were cancelled and their stock returned.
    Expired,
    /// This event was already processed.
    Replayed,
    /// An event type the shop does not act on.
    Ignored,
    /// A refund succeeded: the money is back with the shopper.
    Refunded,
    /// Stripe failed a refund: its amount may be refunded again.
    RefundFailed,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::Pending => "pending",
            Self::Unmatched => "unmatched",
            Self::Expired => "expired",
            Self::Replayed => "replayed",
            Self::Ignored => "ignored",
            Self::Refunded => "refunded",
            Self::RefundFailed => "refund_failed",
        }
    }
}

/// Applies a verified Stripe event, once per event id.
pub async fn apply_stripe_event(
    db: &DatabaseConnection,
    event: &StripeEvent,
    rates: Rates,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    match event {
        StripeEvent::Session(session) => apply_session_event(db, session, rates, now).await,
        StripeEvent::Refund(refund) => apply_refund_event(db, refund, now).await,
    }
}

/// A `refund.*` event: settles or fails the refund it names.
async fn apply_refund_event(
    db: &DatabaseConnection,
    event: &RefundEvent,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let notice = Notice {
        provider: "stripe",
        event_id: &event.event_id,
        kind: "refund",
        amount_vnd: Some(Vnd::new(event.refund.amount)),
    };
    if !claim_notice(&txn, &notice, now).await? {
        txn.rollback().await?;
        return Ok(Outcome::Replayed);
    }
    let (outcome, o) = super::refunds::apply_stripe_event(&txn, &event.refund, now).await?;
    let outcome = match outcome {
        "refunded" => Outcome::Refunded,
        "refund_failed" => Outcome::RefundFailed,
        "pending" => Outcome::Pending,
        _ => Outcome::Unmatched,
    };
    let order = o.as_ref();
    settle_notice(
        &txn,
        &notice,
        outcome.as_str(),
        order.map(|o| o.checkout_id),
        order.map(|o| o.id),
    )
    .await?;
    txn.commit().await?;
    Ok(outcome)
}

/// A Checkout Session event: pays or expires its checkout.
async fn apply_session_event(
    db: &DatabaseConnection,
    event: &SessionEvent,
    rates: Rates,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    let session = event;
    let txn = crate::db::begin_write(db).await?;
    let notice = Notice {
        provider: "stripe",
        event_id: &event.event_id,
        kind: if event.completed {
            "checkout.session.completed"
        } else {
            "checkout.session.expired"
        },
        amount_vnd: session.amount_total.map(Vnd::new),
    };
    if !claim_notice(&txn, &notice, now).await? {
        txn.rollback().await?;
        return Ok(Outcome::Replayed);
    }
    let placed = match &session.reference {
        Some(reference) => {
            checkout::Entity::find()
                .filter(checkout::Column::Reference.eq(reference.as_str()))
                .one(&txn)
                .await?
        }
        None => {
            checkout::Entity::find()
                .filter(checkout::Column::StripeSessionId.eq(session.session_id.as_str()))
                .one(&txn)
                .await?
        }
    }
    .filter(|c| c.payment_method == PaymentMethod::Stripe.as_str());
    let outcome = match placed.as_ref() {
        None => Outcome::Unmatched,
        Some(placed) => apply_to_checkout(&txn, placed, session, rates, now).await?,
    };
    settle_notice(&txn, &notice, outcome.as_str(), placed.map(|c| c.id), None).await?;
    txn.commit().await?;
    Ok(outcome)
}

async fn apply_to_checkout(
    txn: &impl ConnectionTrait,
    placed: &checkout::Model,
    session: &SessionEvent,
    rates: Rates,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .all(txn)
        .await?;
    match session.completed {
        true => {
            if !session.in_vnd || session.amount_total != Some(placed.total_vnd.dong()) {
                tracing::warn!(reference = %placed.reference, amount = ?session.amount_total, "Stripe amount does not match the checkout");
                return Ok(Outcome::Unmatched);
            }
            if !session.paid {
                return Ok(Outcome::Pending);
            }
            // The payment refunds are made against.
            if let Some(intent) = &session.payment_intent {
                checkout::Entity::update_many()
                    .col_expr(
                        checkout::Column::StripePaymentIntent,
                        Expr::value(intent.clone()),
                    )
                    .filter(checkout::Column::Id.eq(placed.id))
                    .exec(txn)
                    .await?;
            }
            let newly = record_payment(txn, &orders, PaidBy::Stripe(rates), now).await?;
            Ok(if newly.is_empty() {
                Outcome::Pending
            } else {
                Outcome::Paid
            })
        }
        false => {
            // Only the checkout's current session releases the stock: an older one was
            // expired on purpose when the shopper opened a new one.
            if placed.stripe_session_id.as_deref() != Some(session.session_id.as_str()) {
                return Ok(Outcome::Ignored);
            }
            let open: Vec<&order::Model> = orders
                .iter()
                .filter(|o| {
                    (o.state == OrderState::Placed.as_str()
                        || o.state == OrderState::Confirmed.as_str())
                        && o.payment_state == PaymentState::Unpaid.as_str()
                })
                .collect();
            let mut cancelled = 0;
            for o in open {
                let reason = crate::i18n::lookup(
                    crate::i18n::Lang::parse(&placed.lang).unwrap_or(crate::i18n::Lang::Vi),
                    "orders.expired_reason",
                );
                match apply_system(txn, o, &Step::Cancel { reason }, now).await {
                    Ok(_) => cancelled += 1,
                    Err(OrderError::Database(e)) => return Err(e),
                    Err(_) => {}
                }
            }
            Ok(if cancelled > 0 {
                Outcome::Expired
            } else {
                Outcome::Ignored
            })
        }
    }
}

/// What a notification did: `paid`, `unmatched` or `replayed`.
pub async fn apply_bank_transfer(
    db: &DatabaseConnection,
    notification: &bank::Notification,
    now: DateTime<Utc>,
) -> Result<&'static str, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let notice = Notice {
        provider: "bank",
        event_id: &notification.id,
        kind: "transfer",
        amount_vnd: Some(notification.amount_vnd),
    };
    if !claim_notice(&txn, &notice, now).await? {
        txn.rollback().await?;
        return Ok("replayed");
    }
    // A transfer paying a refund back, or paying a seller out: its message holds the code.
    let coded = match super::refunds::apply_bank_transfer(&txn, notification, now).await? {
        Some((outcome, r)) => Some((outcome, Some(r.order_id))),
        None => super::ledger::apply_bank_transfer(&txn, notification, now)
            .await?
            .map(|(outcome, _)| (outcome, None)),
    };
    if let Some((outcome, order_id)) = coded {
        settle_notice(&txn, &notice, outcome, None, order_id).await?;
        txn.commit().await?;
        return Ok(outcome);
    }
    let found = match bank::find_order_code(&notification.description) {
        Some(code) => {
            order::Entity::find()
                .filter(order::Column::Code.eq(code))
                .one(&txn)
                .await?
        }
        None => None,
    };
    let mut outcome = "unmatched";
    if let Some(o) = &found {
        let method = checkout::Entity::find_by_id(o.checkout_id)
            .one(&txn)
            .await?
            .map(|c| c.payment_method);
        let account = seller::Entity::find_by_id(o.seller_id)
            .one(&txn)
            .await?
            .and_then(|s| s.bank_account_no);
        if method.as_deref() == Some(PaymentMethod::VietQr.as_str())
            && account.as_deref() == Some(notification.account_no.trim())
            && o.total_vnd() == notification.amount_vnd
        {
            let newly = record_payment(&txn, std::slice::from_ref(o), PaidBy::Bank, now).await?;
            outcome = if newly.is_empty() {
                "duplicate"
            } else {
                "paid"
            };
        }
    }
    settle_notice(&txn, &notice, outcome, None, found.as_ref().map(|o| o.id)).await?;
    txn.commit().await?;
    if outcome == "unmatched" {
        tracing::warn!(transaction = %notification.id, amount = notification.amount_vnd.dong(), "bank transfer matched no order");
    }
    Ok(outcome)
}
