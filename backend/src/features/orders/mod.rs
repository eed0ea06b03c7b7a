//! The life of a seller's order after checkout: placed → confirmed → shipped (carrier and
//! tracking number) → delivered, or cancelled / refunded with a reason. Every change is one
//! conditional update (`WHERE state = <the state it was read in>`), one history entry, the
//! stock given back when goods never left, and the shopper's e-mail, in one transaction.
//!
//! Payments are recorded here too (from Stripe, a bank notification, or a person confirming a
//! transfer), and unpaid online payments expire: their orders are cancelled and their stock
//! returns.
pub mod completion;
pub mod ledger;
pub mod payments;
pub mod refunds;
pub mod returns;
pub mod reviews;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::db::entities::{
    checkout, listing, membership, order, order_event, order_item, registry_participant, seller,
    user,
};
use crate::domain::ids::{ListingId, OrderId, SellerId, UserId};
use crate::domain::money::Vnd;
pub use crate::domain::states::{OrderState, PaymentState};
use crate::domain::time::format_vietnam;
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::i18n::{self, Lang};
use crate::jobs::outbox;
use crate::mail;

/// A change a seller (or the system) asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Confirm,
    Ship {
        carrier: String,
        tracking_no: String,
    },
    Deliver,
    Cancel {
        reason: String,
    },
    Refund {
        reason: String,
    },
    /// The carrier could not deliver and brought the parcel back.
    Return {
        reason: String,
    },
}

impl Step {
    const fn name(&self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Ship { .. } => "ship",
            Self::Deliver => "deliver",
            Self::Cancel { .. } => "cancel",
            Self::Refund { .. } => "refund",
            Self::Return { .. } => "return",
        }
    }
}

/// Who changes an order.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    /// A member of the order's seller.
    Seller(&'a Principal),
    /// The platform itself (an expired payment).
    System,
}

impl Actor<'_> {
    fn user_id(&self) -> Option<UserId> {
        match self {
            Self::Seller(p) => Some(p.user.id),
            Self::System => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// No such order, or not one this user may see.
    NotFound,
    NotAllowed {
        step: &'static str,
        from: OrderState,
    },
    MissingShipping,
    MissingReason,
    PaidUseRefund,
    NotPaid,
    Changed,
    /// The buyer asked for no VAT invoice on this order.
    NoInvoiceAsked,
    /// The invoice number or link is not acceptable (the dictionary key says why).
    BadInvoice(&'static str),
    Database(#[from] DbErr),
}

/// The text shown to the person who asked, in the current language; a failure of the
/// database or a store describes itself for the log (routes show the error page instead).
impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Self::NotAllowed { step, from } => i18n::tr_with(
                "orders.error.not_allowed",
                &[
                    ("step", &i18n::tr(&format!("orders.step.{step}"))),
                    ("state", &i18n::tr(&format!("orders.state.{from}"))),
                ],
            ),
            Self::MissingShipping => i18n::tr("orders.error.missing_shipping"),
            Self::MissingReason => i18n::tr("orders.error.missing_reason"),
            Self::PaidUseRefund => i18n::tr("orders.error.paid_use_refund"),
            Self::NotPaid => i18n::tr("orders.error.not_paid"),
            Self::Changed => i18n::tr("orders.error.changed"),
            Self::NoInvoiceAsked => i18n::tr("invoice.error.not_asked"),
            Self::BadInvoice(key) => i18n::tr(key),
            Self::NotFound => i18n::tr("error.not_found"),
            Self::Database(e) => e.to_string(),
        };
        f.write_str(&text)
    }
}

fn vnd(amount: Vnd) -> String {
    amount.to_string()
}

fn trimmed(raw: &str, max: usize) -> Option<String> {
    let value = raw.trim();
    (!value.is_empty() && value.chars().count() <= max).then(|| value.to_owned())
}

/// The code of the order an order line belongs to.
pub async fn code_of_item(db: &impl ConnectionTrait, item: i64) -> Result<Option<String>, DbErr> {
    let Some(line) = order_item::Entity::find_by_id(item).one(db).await? else {
        return Ok(None);
    };
    Ok(order::Entity::find_by_id(line.order_id)
        .one(db)
        .await?
        .map(|o| o.code))
}

/// The order with `pid`, if `principal` may manage its seller's orders.
pub async fn find_for_seller(
    db: &impl ConnectionTrait,
    principal: &Principal,
    pid: Uuid,
) -> Result<order::Model, OrderError> {
    order::Entity::find()
        .filter(order::Column::Pid.eq(pid))
        .one(db)
        .await?
        .filter(|o| principal.can(Action::ManageSeller, &Scope::Seller(o.seller_id)))
        .ok_or(OrderError::NotFound)
}

/// Applies `step` to the order `pid`, in one transaction. Sellers reach only their own
/// orders (another seller's answers [`OrderError::NotFound`]).
pub async fn advance(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    pid: Uuid,
    step: Step,
    now: DateTime<Utc>,
) -> Result<order::Model, OrderError> {
    let txn = crate::db::begin_write(db).await?;
    let current = match actor {
        Actor::Seller(principal) => find_for_seller(&txn, principal, pid).await?,
        Actor::System => order::Entity::find()
            .filter(order::Column::Pid.eq(pid))
            .one(&txn)
            .await?
            .ok_or(OrderError::NotFound)?,
    };
    let changed = apply(&txn, actor, &current, &step, now).await?;
    txn.commit().await?;
    Ok(changed)
}

/// Records the e-invoice a seller issued for an order whose buyer asked for one (its number
/// and link, shown on the buyer's order page); recording again replaces it.
pub async fn record_invoice(
    db: &DatabaseConnection,
    principal: &Principal,
    pid: Uuid,
    number: &str,
    link: &str,
    now: DateTime<Utc>,
) -> Result<order::Model, OrderError> {
    let txn = crate::db::begin_write(db).await?;
    let current = find_for_seller(&txn, principal, pid).await?;
    let asked = checkout::Entity::find_by_id(current.checkout_id)
        .one(&txn)
        .await?
        .is_some_and(|c| c.invoice_tax_code.is_some());
    if !asked {
        return Err(OrderError::NoInvoiceAsked);
    }
    let (number, link) =
        crate::domain::invoice::parse_issued(number, link).map_err(OrderError::BadInvoice)?;
    let mut changed: order::ActiveModel = current.clone().into();
    changed.invoice_no = Set(Some(number.clone()));
    changed.invoice_url = Set(Some(link));
    changed.updated_at = Set(now);
    let saved = changed.update(&txn).await?;
    record_event(
        &txn,
        current.id,
        current.state.as_str(),
        Some(i18n::tr_with("invoice.note", &[("number", &number)])),
        Some(principal.user.id),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A step the platform takes (an expired payment), in the caller's transaction.
pub async fn apply_system(
    txn: &impl ConnectionTrait,
    current: &order::Model,
    step: &Step,
    now: DateTime<Utc>,
) -> Result<order::Model, OrderError> {
    apply(txn, Actor::System, current, step, now).await
}

/// The checks and writes of one step, in the caller's transaction.
async fn apply(
    txn: &impl ConnectionTrait,
    actor: Actor<'_>,
    current: &order::Model,
    step: &Step,
    now: DateTime<Utc>,
) -> Result<order::Model, OrderError> {
    use OrderState as S;
    let from = current.state;
    let paid = current.payment_state == PaymentState::Paid;
    let mut next: order::ActiveModel = current.clone().into();
    let mut restock = false;
    let note;
    let to = match step {
        Step::Confirm if from == S::Placed => {
            note = None;
            S::Confirmed
        }
        Step::Ship {
            carrier,
            tracking_no,
        } if from == S::Confirmed => {
            let (Some(carrier), Some(tracking_no)) =
                (trimmed(carrier, 60), trimmed(tracking_no, 60))
            else {
                return Err(OrderError::MissingShipping);
            };
            note = Some(format!("{carrier} · {tracking_no}"));
            next.carrier = Set(Some(carrier));
            next.tracking_no = Set(Some(tracking_no));
            S::Shipped
        }
        Step::Deliver if from == S::Shipped => {
            note = None;
            // Cash on delivery: the carrier collected the money on handing over the goods. An
            // online payment that never arrived stays unpaid.
            let cash = checkout::Entity::find_by_id(current.checkout_id)
                .one(txn)
                .await?
                .is_some_and(|c| {
                    c.payment_method
                        == crate::domain::orders::PaymentMethod::CashOnDelivery.as_str()
                });
            if !paid && cash {
                next.payment_state = Set(PaymentState::Paid);
                next.paid_at = Set(Some(now));
            }
            S::Delivered
        }
        Step::Cancel { reason } if matches!(from, S::Placed | S::Confirmed) => {
            if paid {
                return Err(OrderError::PaidUseRefund);
            }
            let reason = trimmed(reason, 500).ok_or(OrderError::MissingReason)?;
            next.reason = Set(Some(reason.clone()));
            note = Some(reason);
            restock = true;
            S::Cancelled
        }
        Step::Refund { reason } if from != S::Refunded => {
            if !paid {
                return Err(OrderError::NotPaid);
            }
            let reason = trimmed(reason, 500).ok_or(OrderError::MissingReason)?;
            next.reason = Set(Some(reason.clone()));
            next.payment_state = Set(PaymentState::Refunded);
            note = Some(reason);
            // Goods that never left go back on the shelf (a cancelled order's already did).
            restock = matches!(from, S::Placed | S::Confirmed);
            S::Refunded
        }
        Step::Return { reason } if from == S::Shipped => {
            let reason = trimmed(reason, 500).ok_or(OrderError::MissingReason)?;
            next.reason = Set(Some(reason.clone()));
            note = Some(reason);
            // The parcel is back on the seller's shelf; money paid online is owed back (a
            // refund), cash on delivery was never collected.
            restock = true;
            S::Returned
        }
        _ => {
            return Err(OrderError::NotAllowed {
                step: step.name(),
                from: current.state,
            });
        }
    };
    next.state = Set(to);
    next.updated_at = Set(now);
    // Only if nobody changed it since it was read.
    let done = order::Entity::update_many()
        .set(next)
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::State.eq(current.state))
        .filter(order::Column::PaymentState.eq(current.payment_state))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(OrderError::Changed);
    }
    record_event(txn, current.id, to.as_str(), note, actor.user_id(), now).await?;
    completion::note_completion(txn, current.id, now).await?;
    if restock {
        give_back_stock(txn, current, now).await?;
    }
    if to == S::Cancelled {
        crate::features::offers::give_back(txn, current.checkout_id).await?;
    }
    let changed = order::Entity::find_by_id(current.id)
        .one(txn)
        .await?
        .ok_or(OrderError::NotFound)?;
    notify_shopper(txn, &changed, "order_status", now).await?;
    Ok(changed)
}

async fn record_event(
    db: &impl ConnectionTrait,
    order_id: OrderId,
    state: &str,
    note: Option<String>,
    actor: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    order_event::ActiveModel {
        order_id: Set(order_id),
        state: Set(state.to_owned()),
        note: Set(note),
        actor_user_id: Set(actor),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Puts an order's units back where they were taken from: the outlet's shelf for a pick-up
/// order, else the listing's stock (queueing the listings' search updates).
async fn give_back_stock(
    db: &impl ConnectionTrait,
    o: &order::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let units: Vec<Units> = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.listing_id, i.variant_id, i.quantity))
        .collect();
    give_back_units(db, o, &units, now).await
}

/// Units of a listing (of one of its pack sizes, if any) going back on sale.
pub(crate) type Units = (ListingId, Option<i64>, i32);

/// Puts `units` (listing, quantity) of the order `o` back: on the outlet's shelf for a
/// pick-up order, else in the listing's stock (queueing the listings' search updates).
async fn give_back_units(
    db: &impl ConnectionTrait,
    o: &order::Model,
    units: &[Units],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // In listing order, like a checkout takes them, so the two cannot deadlock.
    let mut units = units.to_vec();
    units.sort_unstable();
    let outlet = checkout::Entity::find_by_id(o.checkout_id)
        .one(db)
        .await?
        .and_then(|c| c.outlet_id);
    if let Some(outlet_id) = outlet {
        use crate::db::entities::outlet_listing;
        for (listing_id, _, quantity) in &units {
            outlet_listing::Entity::update_many()
                .col_expr(
                    outlet_listing::Column::Stock,
                    Expr::col(outlet_listing::Column::Stock).add(*quantity),
                )
                .filter(outlet_listing::Column::OutletId.eq(outlet_id))
                .filter(outlet_listing::Column::ListingId.eq(*listing_id))
                .exec(db)
                .await?;
        }
        return Ok(());
    }
    for (listing_id, variant, quantity) in &units {
        listing::Entity::update_many()
            .col_expr(
                listing::Column::Stock,
                Expr::col(listing::Column::Stock).add(*quantity),
            )
            .col_expr(listing::Column::UpdatedAt, Expr::value(now))
            .filter(listing::Column::Id.eq(*listing_id))
            .exec(db)
            .await?;
        // The pack size's own stock after the listing's row, as a checkout takes them (a
        // pack size removed since is simply gone; the listing's sum is set again below).
        if let Some(variant) = variant {
            use crate::db::entities::listing_variant;
            let back = listing_variant::Entity::update_many()
                .col_expr(
                    listing_variant::Column::Stock,
                    Expr::col(listing_variant::Column::Stock).add(*quantity),
                )
                .filter(listing_variant::Column::Id.eq(*variant))
                .exec(db)
                .await?;
            if back.rows_affected == 0 {
                crate::features::selling::variants::sum_up(db, *listing_id, now).await?;
            }
        }
    }
    let ids: Vec<_> = units.iter().map(|(id, _, _)| *id).collect();
    outbox::enqueue_listing_sync(db, ids, now).await
}

/// How a payment was received.
#[derive(Clone, Copy, Debug)]
pub enum PaidBy<'a> {
    /// A card payment the platform collected: it enters the settlement ledger at these rates.
    Stripe(crate::domain::ledger::Rates),
    /// A bank notification (VietQR transfer).
    Bank,
    /// A seller or officer confirmed the transfer arrived.
    Person(&'a Principal),
}

impl PaidBy<'_> {
    const fn label(self) -> &'static str {
        match self {
            Self::Stripe(_) => "stripe",
            Self::Bank => "bank",
            Self::Person(_) => "confirmed",
        }
    }
}

/// Records that `orders` (of one checkout) were paid, in the caller's transaction. Orders
/// already paid are left alone, so a repeated notification changes nothing. An order the
/// platform already cancelled (its payment came too late) is marked paid all the same, so the
/// seller sees a refund is due. Returns the orders newly marked paid.
pub async fn record_payment(
    txn: &impl ConnectionTrait,
    orders: &[order::Model],
    by: PaidBy<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<order::Model>, DbErr> {
    let mut newly = Vec::new();
    for o in orders {
        let done = order::Entity::update_many()
            .col_expr(order::Column::PaymentState, Expr::value(PaymentState::Paid))
            .col_expr(order::Column::PaidAt, Expr::value(now))
            .col_expr(order::Column::UpdatedAt, Expr::value(now))
            .filter(order::Column::Id.eq(o.id))
            .filter(order::Column::PaymentState.eq(PaymentState::Unpaid))
            .exec(txn)
            .await?;
        if done.rows_affected == 1 {
            let actor = match by {
                PaidBy::Person(p) => Some(p.user.id),
                _ => None,
            };
            // Stored as a code, shown translated (see `history`).
            let note = if o.state == OrderState::Cancelled {
                format!("@paid_late:{}", by.label())
            } else {
                format!("@paid:{}", by.label())
            };
            record_event(txn, o.id, o.state.as_str(), Some(note), actor, now).await?;
            completion::note_completion(txn, o.id, now).await?;
            let mut paid = o.clone();
            paid.payment_state = PaymentState::Paid;
            paid.paid_at = Some(now);
            notify_shopper(txn, &paid, "payment_received", now).await?;
            if let PaidBy::Stripe(rates) = by {
                ledger::record_card_sale(txn, &paid, rates, now).await?;
            }
            newly.push(paid);
        }
    }
    Ok(newly)
}

/// A seller member (or the province's officer, or an administrator) confirms a bank
/// transfer for one order arrived.
pub async fn confirm_transfer(
    db: &DatabaseConnection,
    principal: &Principal,
    pid: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, OrderError> {
    let txn = crate::db::begin_write(db).await?;
    let found = order::Entity::find()
        .filter(order::Column::Pid.eq(pid))
        .one(&txn)
        .await?
        .ok_or(OrderError::NotFound)?;
    if !may_confirm_payment(&txn, principal, &found).await? {
        return Err(OrderError::NotFound);
    }
    let newly = record_payment(
        &txn,
        std::slice::from_ref(&found),
        PaidBy::Person(principal),
        now,
    )
    .await?;
    crate::audit::record(
        &txn,
        crate::audit::Entry {
            actor: Some(principal.user.id),
            action: "order.payment_confirmed",
            subject_type: "order",
            subject_id: found.code.clone(),
            province_code: None,
            reason: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(!newly.is_empty())
}

async fn may_confirm_payment(
    db: &impl ConnectionTrait,
    principal: &Principal,
    o: &order::Model,
) -> Result<bool, DbErr> {
    if principal.can(Action::ManageSeller, &Scope::Seller(o.seller_id)) {
        return Ok(true);
    }
    let Some(participant_id) = seller::Entity::find_by_id(o.seller_id)
        .one(db)
        .await?
        .map(|s| s.participant_id)
    else {
        return Ok(false);
    };
    let province = registry_participant::Entity::find_by_id(participant_id)
        .one(db)
        .await?
        .map(|p| p.province_code);
    Ok(province.is_some_and(|code| principal.can(Action::ReviewProvince, &Scope::Province(&code))))
}

/// Cancels the orders whose online payment did not arrive in time, giving their stock back.
/// Returns how many were cancelled.
pub async fn expire_unpaid(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let expired = Query::select()
        .column(checkout::Column::Id)
        .from(checkout::Entity)
        .and_where(Expr::col(checkout::Column::ExpiresAt).lt(now))
        .to_owned();
    let due: Vec<Uuid> = order::Entity::find()
        // Confirmed but still unpaid holds stock too.
        .filter(
            order::Column::State
                .is_in([OrderState::Placed.as_str(), OrderState::Confirmed.as_str()]),
        )
        .filter(order::Column::PaymentState.eq(PaymentState::Unpaid))
        .filter(order::Column::CheckoutId.in_subquery(expired))
        .select_only()
        .column(order::Column::Pid)
        .into_tuple()
        .all(db)
        .await?;
    let mut cancelled = 0;
    for pid in due {
        let reason = i18n::tr("orders.expired_reason");
        match advance(db, Actor::System, pid, Step::Cancel { reason }, now).await {
            Ok(_) => cancelled += 1,
            // Paid or changed meanwhile: nothing to expire.
            Err(OrderError::Database(e)) => return Err(e),
            Err(_) => {}
        }
    }
    Ok(cancelled)
}

/// The display names of sellers, by id.
async fn seller_names(
    db: &impl ConnectionTrait,
    ids: &[SellerId],
) -> Result<HashMap<SellerId, String>, DbErr> {
    Ok(seller::Entity::find()
        .filter(seller::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect())
}

/// Mail data shared by the shopper's order e-mails.
fn order_mail_data(
    placed: &checkout::Model,
    o: &order::Model,
    items: &[order_item::Model],
    seller_name: &str,
) -> serde_json::Value {
    let lang = Lang::parse(&placed.lang).unwrap_or(Lang::Vi);
    let t = |key: &str| i18n::lookup(lang, key);
    serde_json::json!({
        "reference": placed.reference,
        "name": placed.name,
        "code": o.code,
        "seller": seller_name,
        "state": o.state,
        "state_label": t(&format!("orders.state.{}", o.state)),
        "payment_label": t(&format!("orders.payment.{}", o.payment_state)),
        "carrier": o.carrier,
        "tracking_no": o.tracking_no,
        "reason": o.reason,
        "subtotal": vnd(o.subtotal_vnd),
        "discount": (o.discount_vnd > Vnd::ZERO).then(|| vnd(o.discount_vnd)),
        "voucher": placed.voucher_code,
        "shipping": vnd(o.shipping_vnd),
        "order_total": vnd(o.total_vnd()),
        "items": items.iter().map(|i| serde_json::json!({
            "title": i.title,
            "quantity": i.quantity,
            "unit": i.unit,
            "total": vnd(i.unit_price_vnd * i64::from(i.quantity)),
        })).collect::<Vec<_>>(),
        "link": tracking_link(placed),
    })
}

/// The private link to a checkout's order page.
pub fn tracking_link(placed: &checkout::Model) -> String {
    placed.tracking_link()
}

/// Queues `template` about one order to its shopper, in the shopper's language.
async fn notify_shopper(
    db: &impl ConnectionTrait,
    o: &order::Model,
    template: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    notify_shopper_with(db, o, template, serde_json::Value::Null, now).await
}

/// [`notify_shopper`] with more fields for the template (`extra`, an object).
async fn notify_shopper_with(
    db: &impl ConnectionTrait,
    o: &order::Model,
    template: &str,
    extra: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let placed = checkout::Entity::find_by_id(o.checkout_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("checkout {}", o.checkout_id)))?;
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .all(db)
        .await?;
    let seller_name = seller::Entity::find_by_id(o.seller_id)
        .one(db)
        .await?
        .map(|s| s.display_name)
        .unwrap_or_default();
    let lang = Lang::parse(&placed.lang).unwrap_or(Lang::Vi);
    let mut data = order_mail_data(&placed, o, &items, &seller_name);
    if let (Some(data), serde_json::Value::Object(extra)) = (data.as_object_mut(), extra) {
        data.extend(extra);
    }
    mail::queue_in(db, lang, template, &placed.email, &data, now).await
}

/// At checkout, in its transaction: the confirmation to the shopper (every order, in the
/// shopper's language) and a new-order notice to each seller's members.
pub async fn notify_placed(
    db: &impl ConnectionTrait,
    placed: &checkout::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?;
    let mut items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .all(db)
        .await?;
    let seller_ids: Vec<_> = orders.iter().map(|o| o.seller_id).collect();
    let sellers = seller_names(db, &seller_ids).await?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::SellerId.is_in(orders.iter().map(|o| o.seller_id)))
        .all(db)
        .await?;
    let emails: HashMap<_, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(memberships.iter().map(|m| m.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let members: Vec<(Option<SellerId>, String)> = memberships
        .iter()
        .filter_map(|m| Some((m.seller_id, emails.get(&m.user_id)?.clone())))
        .collect();
    let lang = Lang::parse(&placed.lang).unwrap_or(Lang::Vi);
    let mut shown = Vec::with_capacity(orders.len());
    for o in &orders {
        let (mine, rest): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| i.order_id == o.id);
        items = rest;
        let seller_name = sellers.get(&o.seller_id).map_or("", String::as_str);
        let data = order_mail_data(placed, o, &mine, seller_name);
        // Sellers read the notice in Vietnamese; it links to the seller area.
        let notice = serde_json::json!({
            "code": o.code,
            "seller": seller_name,
            "subtotal": vnd(o.subtotal_vnd),
            "discount": data["discount"],
            "voucher": placed.voucher_code,
            "shipping": vnd(o.shipping_vnd),
            "items": data["items"],
            "payment_method": i18n::lookup(Lang::Vi, &format!("checkout.method.{}", placed.payment_method)),
            "province": placed.province_code,
            "invoice": placed.invoice_tax_code.as_ref().map(|tax_code| serde_json::json!({
                "company": placed.invoice_company,
                "tax_code": tax_code,
                "address": placed.invoice_address,
            })),
            "link": format!("{}/seller/orders/{}", placed.site, o.pid),
        });
        let recipients: Vec<String> = members
            .iter()
            .filter(|(s, _)| *s == Some(o.seller_id))
            .map(|(_, email)| email.clone())
            .collect();
        for email in &recipients {
            mail::queue_in(db, Lang::Vi, "order_new", email, &notice, now).await?;
        }
        shown.push(data);
    }
    let data = serde_json::json!({
        "reference": placed.reference,
        "name": placed.name,
        "orders": shown,
        "total": vnd(placed.total_vnd),
        "payment_method": i18n::lookup(lang, &format!("checkout.method.{}", placed.payment_method)),
        "expires_at": placed.expires_at.map(format_vietnam),
        "link": tracking_link(placed),
    });
    mail::queue_in(db, lang, "order_placed", &placed.email, &data, now).await
}

/// One row of a seller's order list.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SellerOrderRow {
    pub pid: Uuid,
    pub code: String,
    pub state: OrderState,
    pub payment_state: PaymentState,
    pub payment_method: String,
    pub channel: String,
    pub buyer: String,
    pub province_code: String,
    pub subtotal_vnd: Vnd,
    pub shipping_vnd: Vnd,
    pub units: i64,
    pub placed_at: String,
}

/// A seller's orders, newest first, optionally in one state, in one query (the order, its
/// checkout's columns the list shows, its units summed). The caller checks the scope.
pub async fn for_seller(
    db: &impl ConnectionTrait,
    seller_id: SellerId,
    state: Option<OrderState>,
    limit: u64,
) -> Result<Vec<SellerOrderRow>, DbErr> {
    use sea_orm::FromQueryResult;

    #[derive(FromQueryResult)]
    struct Line {
        pid: Uuid,
        code: String,
        state: OrderState,
        payment_state: PaymentState,
        payment_method: String,
        channel: String,
        name: String,
        province_code: String,
        subtotal_vnd: Vnd,
        shipping_vnd: Vnd,
        created_at: DateTime<Utc>,
        units: i64,
    }
    let units = Query::select()
        .expr(Expr::cust("COALESCE(SUM(order_items.quantity), 0)"))
        .from(order_item::Entity)
        .and_where(
            Expr::col((order_item::Entity, order_item::Column::OrderId))
                .equals((order::Entity, order::Column::Id)),
        )
        .to_owned();
    let mut query = Query::select();
    query
        .columns([
            (order::Entity, order::Column::Pid),
            (order::Entity, order::Column::Code),
            (order::Entity, order::Column::State),
            (order::Entity, order::Column::PaymentState),
            (order::Entity, order::Column::SubtotalVnd),
            (order::Entity, order::Column::ShippingVnd),
            (order::Entity, order::Column::CreatedAt),
        ])
        .columns([
            (checkout::Entity, checkout::Column::PaymentMethod),
            (checkout::Entity, checkout::Column::Channel),
            (checkout::Entity, checkout::Column::Name),
            (checkout::Entity, checkout::Column::ProvinceCode),
        ])
        .expr_as(units, "units")
        .from(order::Entity)
        .inner_join(
            checkout::Entity,
            Expr::col((checkout::Entity, checkout::Column::Id))
                .equals((order::Entity, order::Column::CheckoutId)),
        )
        .and_where(Expr::col((order::Entity, order::Column::SellerId)).eq(seller_id))
        .order_by((order::Entity, order::Column::Id), sea_orm::Order::Desc)
        .limit(limit);
    if let Some(state) = state {
        query.and_where(Expr::col((order::Entity, order::Column::State)).eq(state));
    }
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| {
            let line = Line::from_query_result(row, "")?;
            Ok(SellerOrderRow {
                pid: line.pid,
                code: line.code,
                state: line.state,
                payment_state: line.payment_state,
                payment_method: line.payment_method,
                channel: line.channel,
                buyer: line.name,
                province_code: line.province_code,
                subtotal_vnd: line.subtotal_vnd,
                shipping_vnd: line.shipping_vnd,
                units: line.units,
                placed_at: format_vietnam(line.created_at),
            })
        })
        .collect()
}

/// How many orders of a seller are in each state.
pub async fn counts_for_seller(
    db: &impl ConnectionTrait,
    seller_id: SellerId,
) -> Result<HashMap<String, i64>, DbErr> {
    let rows: Vec<(String, i64)> = order::Entity::find()
        .filter(order::Column::SellerId.eq(seller_id))
        .select_only()
        .column(order::Column::State)
        .column_as(order::Column::Id.count(), "n")
        .group_by(order::Column::State)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// A history note as people read it: payment notes are stored as codes (`@paid:bank`) and
/// translated here; reasons and shipping details are shown as written.
fn shown_note(note: &str) -> String {
    let payment = |kind: &str, by: &str| {
        i18n::tr_with(
            &format!("orders.note.{kind}"),
            &[("by", &i18n::tr(&format!("orders.paid_by.{by}")))],
        )
    };
    match note.split_once(':') {
        Some(("@paid", by)) => payment("paid", by),
        Some(("@paid_late", by)) => payment("paid_late", by),
        Some(("@counter", outlet)) => i18n::tr_with("orders.note.counter", &[("outlet", &outlet)]),
        Some((code @ ("@refund_asked" | "@refunded" | "@refund_failed"), amount)) => {
            let amount = amount.parse().map(Vnd::new).unwrap_or(Vnd::ZERO);
            i18n::tr_with(
                &format!("orders.note.{}", &code[1..]),
                &[("amount", &amount.to_string())],
            )
        }
        Some((code, ret)) if code.starts_with("@return_") => {
            i18n::tr_with(&format!("orders.note.{}", &code[1..]), &[("code", &ret)])
        }
        _ => note.to_owned(),
    }
}

/// One history entry as pages show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EventView {
    pub state: String,
    pub note: Option<String>,
    pub at: String,
}

/// Everything the seller's order page shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SellerOrder {
    pub order: order::Model,
    #[serde(skip)]
    pub checkout: checkout::Model,
    pub items: Vec<order_item::Model>,
    pub events: Vec<EventView>,
}

/// What a seller may do with an order now: the buttons of its page. The steps themselves
/// check the same rules in their conditional updates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SellerActions {
    pub can_confirm: bool,
    pub can_ship: bool,
    pub can_deliver: bool,
    /// Only an unpaid order is cancelled; a paid one is refunded.
    pub can_cancel: bool,
    pub can_refund: bool,
    /// A bank transfer the seller saw arrive.
    pub can_confirm_paid: bool,
    /// The carrier brought the parcel back.
    pub can_return: bool,
    /// Cancelled or returned after it was paid, and not all refunded yet: the money is owed
    /// back.
    pub refund_due: bool,
}

impl SellerOrder {
    pub fn actions(&self) -> SellerActions {
        use OrderState as O;
        let state = self.order.state;
        let unpaid = self.order.payment_state == PaymentState::Unpaid;
        let paid = self.order.payment_state == PaymentState::Paid;
        SellerActions {
            can_confirm: state == O::Placed,
            can_ship: state == O::Confirmed,
            can_deliver: state == O::Shipped,
            can_cancel: matches!(state, O::Placed | O::Confirmed) && unpaid,
            can_refund: state != O::Refunded
                && paid
                && self.order.refunded_vnd < self.order.total_vnd(),
            can_confirm_paid: unpaid
                && self.checkout.payment_method
                    == crate::domain::orders::PaymentMethod::VietQr.as_str(),
            can_return: state == O::Shipped,
            refund_due: matches!(state, O::Cancelled | O::Returned)
                && paid
                && self.order.refunded_vnd < self.order.total_vnd(),
        }
    }
}

pub async fn history(
    db: &impl ConnectionTrait,
    order_ids: &[OrderId],
) -> Result<HashMap<OrderId, Vec<EventView>>, DbErr> {
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<_, Vec<EventView>> = HashMap::new();
    for e in events {
        out.entry(e.order_id).or_default().push(EventView {
            state: e.state,
            note: e.note.as_deref().map(shown_note),
            at: format_vietnam(e.at),
        });
    }
    Ok(out)
}

/// One order of the principal's sellers, with its checkout, items and history.
pub async fn seller_order(
    db: &impl ConnectionTrait,
    principal: &Principal,
    pid: Uuid,
) -> Result<SellerOrder, OrderError> {
    let found = find_for_seller(db, principal, pid).await?;
    let placed = checkout::Entity::find_by_id(found.checkout_id)
        .one(db)
        .await?
        .ok_or(OrderError::NotFound)?;
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(found.id))
        .all(db)
        .await?;
    let events = history(db, &[found.id])
        .await?
        .remove(&found.id)
        .unwrap_or_default();
    Ok(SellerOrder {
        order: found,
        checkout: placed,
        items,
        events,
    })
}

/// One checkout in a shopper's account.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AccountCheckout {
    pub reference: String,
    pub placed_at: String,
    pub total_vnd: Vnd,
    pub payment_method: String,
    pub orders: Vec<AccountOrder>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AccountOrder {
    pub code: String,
    pub state: OrderState,
    pub payment_state: PaymentState,
    pub seller_name: String,
}

/// A user's checkouts, newest first, with their orders' states.
pub async fn for_account(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Vec<AccountCheckout>, DbErr> {
    let checkouts = checkout::Entity::find()
        .filter(checkout::Column::UserId.eq(user_id))
        .order_by_desc(checkout::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.is_in(checkouts.iter().map(|c| c.id)))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?;
    let seller_ids: Vec<_> = orders.iter().map(|o| o.seller_id).collect();
    let sellers = seller_names(db, &seller_ids).await?;
    Ok(checkouts
        .into_iter()
        .map(|c| AccountCheckout {
            orders: orders
                .iter()
                .filter(|o| o.checkout_id == c.id)
                .map(|o| AccountOrder {
                    code: o.code.clone(),
                    state: o.state,
                    payment_state: o.payment_state,
                    seller_name: sellers.get(&o.seller_id).cloned().unwrap_or_default(),
                })
                .collect(),
            reference: c.reference,
            placed_at: format_vietnam(c.created_at),
            total_vnd: c.total_vnd,
            payment_method: c.payment_method,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_step_method_and_channel_has_a_label_in_both_languages() {
        use crate::domain::orders::PaymentMethod;
        let mut keys: Vec<String> = Vec::new();
        for state in OrderState::ALL {
            keys.push(format!("orders.state.{}", state.as_str()));
        }
        for payment in [
            PaymentState::Unpaid,
            PaymentState::Paid,
            PaymentState::Refunded,
        ] {
            keys.push(format!("orders.payment.{}", payment.as_str()));
        }
        for step in ["confirm", "ship", "deliver", "cancel", "refund"] {
            keys.push(format!("orders.step.{step}"));
        }
        for method in PaymentMethod::ALL {
            for group in ["checkout.method", "checkout.method_short", "checkout.hint"] {
                keys.push(format!("{group}.{}", method.as_str()));
            }
        }
        for channel in ["web", "outlet", "livestream"] {
            keys.push(format!("orders.channels.{channel}"));
        }
        for key in keys {
            for lang in [Lang::Vi, Lang::En] {
                assert_ne!(i18n::lookup(lang, &key), key, "{key} in {lang:?}");
            }
        }
    }

    #[test]
    fn payment_notes_are_shown_in_words_and_reasons_as_written() {
        assert_eq!(
            shown_note("@paid:bank"),
            "Đã nhận thanh toán (thông báo của ngân hàng)"
        );
        assert!(shown_note("@paid_late:stripe").contains("cần hoàn tiền"));
        assert_eq!(shown_note("Hết hàng: xin lỗi"), "Hết hàng: xin lỗi");
        assert_eq!(
            shown_note("paid: by hand"),
            "paid: by hand",
            "a seller's words stay"
        );
    }

    #[test]
    fn blank_or_overlong_text_is_refused() {
        assert_eq!(trimmed("  GHN  ", 60).as_deref(), Some("GHN"));
        assert_eq!(trimmed("   ", 60), None);
        assert_eq!(trimmed(&"x".repeat(61), 60), None);
    }
}
