//! Payment providers behind one interface, [`Provider`]: what happens once a checkout is
//! placed. Cash on delivery needs nothing more; a VietQR transfer is shown on the order page
//! ([`vietqr`]) and confirmed by the seller or a signed bank notification ([`bank`]); a card
//! payment goes to a Stripe Checkout page and is confirmed by Stripe's signed webhook
//! ([`stripe`]). Notifications are recorded in `payment_events`, one row per provider event,
//! so a replayed one changes nothing.
pub mod bank;
pub mod stripe;
pub mod vietqr;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::db::entities::{checkout, payment_event};
use crate::shop::PaymentMethod;

/// A notification as it arrives, before it is applied.
pub(crate) struct Notice<'a> {
    pub provider: &'static str,
    pub event_id: &'a str,
    pub kind: &'a str,
    pub amount_vnd: Option<i64>,
}

/// Records a provider's notification in the caller's transaction, first thing: `false` when
/// the same provider already sent this event id (a replay or a duplicate delivery), which the
/// caller then leaves alone. Concurrent deliveries of one event wait on the unique index; only
/// one gets `true`.
pub(crate) async fn claim_notice(
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
pub(crate) async fn settle_notice(
    txn: &impl ConnectionTrait,
    notice: &Notice<'_>,
    outcome: &str,
    checkout_id: Option<i64>,
    order_id: Option<i64>,
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

/// Where the shopper goes after placing a checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The order page (cash on delivery; the VietQR code is shown there).
    OrderPage,
    /// A provider's payment page.
    Redirect(String),
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider could not be reached or refused the request; the checkout stays unpaid
    /// until its reservation expires, and the shopper can try again from the order page.
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

#[async_trait]
pub trait Provider: Send + Sync {
    fn method(&self) -> PaymentMethod;
    /// Starts paying for `placed` (already committed with its stock reserved).
    async fn begin(
        &self,
        db: &DatabaseConnection,
        placed: &checkout::Model,
        now: DateTime<Utc>,
    ) -> Result<NextStep, PaymentError>;
}

/// Cash to the carrier: nothing to do until delivery.
pub struct CashOnDelivery;

#[async_trait]
impl Provider for CashOnDelivery {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::CashOnDelivery
    }
    async fn begin(
        &self,
        _: &DatabaseConnection,
        _: &checkout::Model,
        _: DateTime<Utc>,
    ) -> Result<NextStep, PaymentError> {
        Ok(NextStep::OrderPage)
    }
}

/// A transfer to each seller's account: the order page shows the codes.
pub struct VietQrTransfer;

#[async_trait]
impl Provider for VietQrTransfer {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::VietQr
    }
    async fn begin(
        &self,
        _: &DatabaseConnection,
        _: &checkout::Model,
        _: DateTime<Utc>,
    ) -> Result<NextStep, PaymentError> {
        Ok(NextStep::OrderPage)
    }
}

/// The providers this deployment offers.
#[derive(Clone)]
pub struct Payments {
    providers: Vec<Arc<dyn Provider>>,
    pub stripe: Option<Arc<stripe::StripeGateway>>,
    pub bank_webhook_secret: Option<String>,
}

impl Payments {
    pub fn new(settings: &crate::config::PaymentSettings) -> anyhow::Result<Self> {
        let mut providers: Vec<Arc<dyn Provider>> =
            vec![Arc::new(CashOnDelivery), Arc::new(VietQrTransfer)];
        let stripe = match &settings.stripe {
            Some(s) => Some(Arc::new(stripe::StripeGateway::new(s)?)),
            None => None,
        };
        if let Some(gateway) = &stripe {
            providers.push(gateway.clone());
        }
        Ok(Self {
            providers,
            stripe,
            bank_webhook_secret: settings
                .bank_webhook_secret
                .as_ref()
                .map(|s| s.expose().to_owned()),
        })
    }

    /// The provider for `method`, if offered.
    pub fn provider(&self, method: PaymentMethod) -> Option<&Arc<dyn Provider>> {
        self.providers.iter().find(|p| p.method() == method)
    }

    pub fn offers(&self, method: PaymentMethod) -> bool {
        self.provider(method).is_some()
    }
}
