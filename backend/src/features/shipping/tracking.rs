//! Parcels with a carrier: "Ship" books the pick-up with the seller's carrier and keeps its
//! order code (the order stays confirmed until the carrier picks it up); cancelling an order
//! cancels its booking first; the label comes from the carrier. The carriers' signed status
//! updates are recorded once each (a replay changes nothing) and move the order: picked up →
//! shipped, delivered → delivered (cash on delivery collected), returned → returned with its
//! units back in stock.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::carriers::{
    CarrierError, CarrierKind, Endpoints, Label, Meaning, Parcel, ParcelItem, Place, StatusUpdate,
};
use crate::db::entities::{
    checkout, listing, order, order_event, order_item, registry_participant, seller, shipment_event,
};
use crate::domain::ids::OrderId;
use crate::domain::money::Vnd;
use crate::domain::orders::PaymentMethod;
use crate::domain::reference::Reference;
use crate::domain::states::{OrderState, PaymentState};
use crate::domain::time::format_vietnam;
use crate::features::accounts::auth::Principal;
use crate::features::orders::{self, OrderError, Step};
use crate::i18n::{tr, tr_with};

#[derive(Debug, thiserror::Error)]
pub enum ShipmentError {
    Order(#[from] OrderError),
    /// The seller books with no carrier (it ships by itself, with the table rates).
    NoCarrier,
    /// Booked already, or not confirmed.
    NotBookable,
    /// Booked with this carrier, whose account the seller no longer uses here.
    CarrierLeft(&'static str),
    Carrier(#[from] CarrierError),
    /// No order has this carrier's code.
    UnknownParcel(String),
    Database(#[from] DbErr),
}

impl std::fmt::Display for ShipmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Self::Order(e) => e.to_string(),
            Self::NoCarrier => tr("shipping.error.no_carrier"),
            Self::NotBookable => tr("shipping.error.not_bookable"),
            Self::CarrierLeft(carrier) => {
                tr_with("shipping.error.carrier_left", &[("carrier", carrier)])
            }
            Self::Carrier(CarrierError::Refused(why)) => {
                tr_with("shipping.error.carrier_refused", &[("why", why)])
            }
            Self::Carrier(e) => tr_with(
                "shipping.error.carrier_unavailable",
                &[("why", &e.to_string())],
            ),
            Self::UnknownParcel(code) => format!("no order has the parcel {code}"),
            Self::Database(e) => e.to_string(),
        };
        f.write_str(&text)
    }
}

/// The carrier whose name an order keeps (`GHN`, `GHTK`), if it is one with an API.
fn booked_with(o: &order::Model) -> Option<CarrierKind> {
    let name = o.carrier.as_deref()?;
    CarrierKind::ALL
        .into_iter()
        .find(|k| *k != CarrierKind::Table && k.label() == name)
}

/// Where a checkout's parcels go.
fn destination(reference: &Reference, c: &checkout::Model) -> Place {
    Place::new(
        reference,
        &c.province_code,
        &c.commune,
        &c.street,
        &c.name,
        &c.phone,
    )
}

/// An order's parcel: its items with their listings' weights; the carrier collects the
/// order's total on delivery when the shopper pays cash and has not paid.
async fn parcel_of(
    db: &impl ConnectionTrait,
    o: &order::Model,
    c: &checkout::Model,
) -> Result<Parcel, DbErr> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    let weights: HashMap<_, _> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(items.iter().map(|i| i.listing_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.weight_grams))
        .collect();
    let items: Vec<ParcelItem> = items
        .into_iter()
        .map(|i| ParcelItem {
            grams: weights.get(&i.listing_id).copied().unwrap_or(0),
            name: i.title,
            quantity: i.quantity,
            price: i.unit_price_vnd,
        })
        .collect();
    let cash = c.payment_method == PaymentMethod::CashOnDelivery.as_str()
        && o.payment_state == PaymentState::Unpaid;
    Ok(Parcel {
        grams: items
            .iter()
            .map(|i| i.grams.saturating_mul(i.quantity))
            .fold(0, i32::saturating_add),
        value: o.subtotal_vnd,
        cod: if cash { o.total_vnd() } else { Vnd::ZERO },
        items,
    })
}

/// Books the pick-up of a confirmed order with its seller's carrier and keeps the carrier's
/// code as the tracking number. The carrier is called outside any transaction; if the order
/// changed meanwhile, the booking is cancelled again.
pub async fn book(
    db: &DatabaseConnection,
    reference: &Reference,
    endpoints: &Endpoints,
    principal: &Principal,
    pid: Uuid,
    now: DateTime<Utc>,
) -> Result<order::Model, ShipmentError> {
    let current = orders::find_for_seller(db, principal, pid).await?;
    if current.state != OrderState::Confirmed || current.tracking_no.is_some() {
        return Err(ShipmentError::NotBookable);
    }
    let shop = seller::Entity::find_by_id(current.seller_id)
        .one(db)
        .await?
        .ok_or(ShipmentError::NoCarrier)?;
    let carrier = super::carrier_of(endpoints, &shop).ok_or(ShipmentError::NoCarrier)?;
    let placed = checkout::Entity::find_by_id(current.checkout_id)
        .one(db)
        .await?
        .ok_or(DbErr::RecordNotFound("checkout".into()))?;
    let participant = registry_participant::Entity::find_by_id(shop.participant_id)
        .one(db)
        .await?;
    let from = super::pickup_place(reference, &shop, participant.as_ref());
    let parcel = parcel_of(db, &current, &placed).await?;
    let booking = carrier
        .book(
            &current.code,
            &from,
            &destination(reference, &placed),
            &parcel,
        )
        .await?;
    let label = carrier.kind().label();
    let txn = crate::db::begin_write(db).await?;
    let done = order::Entity::update_many()
        .col_expr(order::Column::Carrier, label.into())
        .col_expr(order::Column::TrackingNo, booking.code.clone().into())
        .col_expr(order::Column::UpdatedAt, now.into())
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::State.eq(OrderState::Confirmed))
        .filter(order::Column::TrackingNo.is_null())
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        drop(txn);
        if let Err(e) = carrier.cancel(&booking.code).await {
            tracing::error!(order = %current.code, code = %booking.code, error = %e, "a booking for a changed order could not be cancelled");
        }
        return Err(OrderError::Changed.into());
    }
    order_event::ActiveModel {
        order_id: Set(current.id),
        state: Set(OrderState::Confirmed.as_str().to_owned()),
        note: Set(Some(format!("{label} · {}", booking.code))),
        actor_user_id: Set(Some(principal.user.id)),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    tracing::info!(order = %current.code, carrier = label, code = %booking.code, fee = booking.fee.dong(), "shipment booked");
    Ok(order::Entity::find_by_id(current.id)
        .one(db)
        .await?
        .ok_or(OrderError::NotFound)?)
}

/// Cancels an order; one booked with a carrier is cancelled there first (a carrier that
/// already picked the parcel up refuses, and the order stays as it is).
pub async fn cancel(
    db: &DatabaseConnection,
    endpoints: &Endpoints,
    principal: &Principal,
    pid: Uuid,
    reason: String,
    now: DateTime<Utc>,
) -> Result<order::Model, ShipmentError> {
    let current = orders::find_for_seller(db, principal, pid).await?;
    if matches!(current.state, OrderState::Placed | OrderState::Confirmed)
        && !reason.trim().is_empty()
        && let Some((carrier, code)) = booking(db, endpoints, &current).await?
    {
        carrier.cancel(&code).await?;
    }
    Ok(orders::advance(
        db,
        orders::Actor::Seller(principal),
        pid,
        Step::Cancel { reason },
        now,
    )
    .await?)
}

/// The carrier's label for a booked order.
pub async fn label(
    db: &DatabaseConnection,
    endpoints: &Endpoints,
    principal: &Principal,
    pid: Uuid,
) -> Result<Label, ShipmentError> {
    let current = orders::find_for_seller(db, principal, pid).await?;
    let (carrier, code) = booking(db, endpoints, &current)
        .await?
        .ok_or(ShipmentError::NoCarrier)?;
    Ok(carrier.label(&code).await?)
}

/// The carrier an order was booked with and its code, through the seller's account with that
/// carrier; None when the order was not booked through a carrier's API. A seller who has since
/// left that carrier cannot act on the booking here (it must at the carrier).
async fn booking(
    db: &impl ConnectionTrait,
    endpoints: &Endpoints,
    o: &order::Model,
) -> Result<Option<(Box<dyn crate::carriers::Carrier>, String)>, ShipmentError> {
    let (Some(kind), Some(code)) = (booked_with(o), o.tracking_no.clone()) else {
        return Ok(None);
    };
    let shop = seller::Entity::find_by_id(o.seller_id).one(db).await?;
    let carrier = shop
        .and_then(|s| super::carrier_of(endpoints, &s))
        .filter(|c| c.kind() == kind)
        .ok_or(ShipmentError::CarrierLeft(kind.label()))?;
    Ok(Some((carrier, code)))
}

/// What a status update did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Recorded; the order is now in this state.
    Recorded(OrderState),
    /// The same update came before: nothing changed.
    Duplicate,
}

/// Records a carrier's status update for the order it names and moves the order, in one
/// transaction. The update is recorded once (order, status, time are unique), so a replayed
/// or concurrent duplicate changes nothing.
pub async fn apply_update(
    db: &DatabaseConnection,
    kind: CarrierKind,
    update: &StatusUpdate,
    now: DateTime<Utc>,
) -> Result<Applied, ShipmentError> {
    let txn = crate::db::begin_write(db).await?;
    let Some(current) = order::Entity::find()
        .filter(order::Column::Carrier.eq(kind.label()))
        .filter(order::Column::TrackingNo.eq(update.code.as_str()))
        .one(&txn)
        .await?
    else {
        return Err(ShipmentError::UnknownParcel(update.code.clone()));
    };
    let inserted = shipment_event::Entity::insert(shipment_event::ActiveModel {
        order_id: Set(current.id),
        carrier: Set(kind.as_str().to_owned()),
        status: Set(update.status.clone()),
        note: Set(update.note.clone()),
        happened_at: Set(update.at),
        received_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            shipment_event::Column::OrderId,
            shipment_event::Column::Status,
            shipment_event::Column::HappenedAt,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return Ok(Applied::Duplicate);
    }
    let ship = || Step::Ship {
        carrier: kind.label().to_owned(),
        tracking_no: update.code.clone(),
    };
    let reason = update
        .note
        .clone()
        .unwrap_or_else(|| tr("shipping.returned_reason"));
    let steps: Vec<Step> = match (update.meaning, current.state) {
        (
            Meaning::PickedUp | Meaning::InTransit | Meaning::DeliveryFailed,
            OrderState::Confirmed,
        ) => {
            vec![ship()]
        }
        (Meaning::Delivered | Meaning::CodCollected, OrderState::Confirmed) => {
            vec![ship(), Step::Deliver]
        }
        (Meaning::Delivered | Meaning::CodCollected, OrderState::Shipped) => vec![Step::Deliver],
        (Meaning::Returned, OrderState::Confirmed) => vec![ship(), Step::Return { reason }],
        (Meaning::Returned, OrderState::Shipped) => vec![Step::Return { reason }],
        _ => Vec::new(),
    };
    let mut now_state = current.state;
    let mut at = current;
    for step in steps {
        at = orders::apply_system(&txn, &at, &step, now).await?;
        now_state = at.state;
    }
    txn.commit().await?;
    Ok(Applied::Recorded(now_state))
}

/// What the seller's order page shows about the parcel.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ParcelView {
    /// The carrier the seller books with, if it has an account with one.
    pub books_with: Option<&'static str>,
    /// Confirmed and not booked yet: "Ship" books the pick-up.
    pub can_book: bool,
    /// Booked with that carrier: its label can be printed.
    pub booked: bool,
    pub tracking: Vec<TrackView>,
}

pub async fn parcel_view(
    db: &impl ConnectionTrait,
    endpoints: &Endpoints,
    o: &order::Model,
) -> Result<ParcelView, DbErr> {
    let shop = seller::Entity::find_by_id(o.seller_id).one(db).await?;
    let books_with = shop
        .as_ref()
        .and_then(|s| super::carrier_of(endpoints, s))
        .map(|c| c.kind().label());
    Ok(ParcelView {
        books_with,
        can_book: books_with.is_some()
            && o.state == OrderState::Confirmed
            && o.tracking_no.is_none(),
        booked: o.tracking_no.is_some()
            && books_with.is_some()
            && booked_with(o).map(CarrierKind::label) == books_with,
        tracking: tracking(db, &[o.id])
            .await?
            .remove(&o.id)
            .unwrap_or_default(),
    })
}

/// One tracking entry as the order page shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TrackView {
    pub carrier: String,
    pub status: String,
    /// The status in the shopper's words, when the carrier's is one we know.
    pub label: String,
    pub note: Option<String>,
    pub at: String,
}

/// The tracking history of orders, oldest first.
pub async fn tracking(
    db: &impl ConnectionTrait,
    order_ids: &[OrderId],
) -> Result<HashMap<OrderId, Vec<TrackView>>, DbErr> {
    let events = shipment_event::Entity::find()
        .filter(shipment_event::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(shipment_event::Column::HappenedAt)
        .order_by_asc(shipment_event::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<OrderId, Vec<TrackView>> = HashMap::new();
    for e in events {
        let meaning = CarrierKind::parse(&e.carrier)
            .map_or(Meaning::Other, |k| crate::carriers::meaning(k, &e.status));
        out.entry(e.order_id).or_default().push(TrackView {
            label: tr(&format!("shipping.meaning.{}", meaning_key(meaning))),
            carrier: CarrierKind::parse(&e.carrier)
                .map_or(e.carrier.clone(), |k| k.label().to_owned()),
            status: e.status,
            note: e.note,
            at: format_vietnam(e.happened_at),
        });
    }
    Ok(out)
}

const fn meaning_key(meaning: Meaning) -> &'static str {
    match meaning {
        Meaning::PickedUp => "picked_up",
        Meaning::InTransit => "in_transit",
        Meaning::Delivered => "delivered",
        Meaning::CodCollected => "cod_collected",
        Meaning::DeliveryFailed => "delivery_failed",
        Meaning::Returned => "returned",
        Meaning::Cancelled => "cancelled",
        Meaning::Other => "other",
    }
}
