//! Card payments through Stripe Checkout, with async-stripe.
//!
//! Placing a checkout reserves its stock; [`StripeGateway::begin`] then creates a Checkout
//! Session in VND (a zero-decimal currency: amounts are whole đồng, as in our database) and
//! sends the shopper there. The session expires after 31 minutes; our reservation after 35
//! ([`crate::shop::PaymentMethod::reservation`]), so a session can never be paid for stock
//! already released, except through Stripe's own delays, which [`crate::orders::record_payment`]
//! flags as a refund due.
//!
//! Stripe confirms with the `checkout.session.completed` webhook. Its `Stripe-Signature` is
//! verified with the webhook secret against the app's clock (a signature more than 5 minutes
//! old is refused), and each event id is recorded once in `payment_events`: a replayed or
//! duplicated event changes nothing.
use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    ExpireCheckoutSession, ProductData,
};
use stripe_shared::{CheckoutSession, CheckoutSessionLocale, CheckoutSessionMode};
use stripe_types::Currency;
use stripe_webhook::{EventObject, Webhook, WebhookError};

use super::{NextStep, Notice, PaymentError, Provider, claim_notice, settle_notice};
use crate::config::StripeSettings;
use crate::db::entities::{checkout, order, order_item};
use crate::orders::{self, OrderState, PaidBy, PaymentState};
use crate::shop::PaymentMethod;

/// How long a Checkout Session stays open (Stripe's minimum is 30 minutes).
const SESSION_MINUTES: i64 = 31;

pub struct StripeGateway {
    client: stripe::Client,
    webhook_secret: String,
}

impl StripeGateway {
    pub fn new(settings: &StripeSettings) -> anyhow::Result<Self> {
        // A slow Stripe must not hold a checkout request forever; the reservation stays and
        // the shopper can retry from the order page.
        let mut builder = stripe::ClientBuilder::new(settings.secret_key.expose())
            .timeout(std::time::Duration::from_secs(20));
        if let Some(base) = &settings.api_base {
            // async-stripe appends `v1/…` to the base, which must end with a slash.
            builder = builder.url(format!("{}/", base.trim_end_matches('/')));
        }
        Ok(Self {
            client: builder.build()?,
            webhook_secret: settings.webhook_secret.expose().to_owned(),
        })
    }

    /// Opens a Checkout Session for the checkout's unpaid total and remembers it on the
    /// checkout. A session opened before for this checkout is expired first, so two sessions
    /// can never both be paid.
    pub async fn open_session(
        &self,
        db: &DatabaseConnection,
        placed: &checkout::Model,
        now: DateTime<Utc>,
    ) -> Result<String, PaymentError> {
        if let Some(previous) = &placed.stripe_session_id {
            // Already expired or completed: Stripe refuses, and that is fine.
            if let Err(e) = ExpireCheckoutSession::new(previous.as_str())
                .send(&self.client)
                .await
            {
                tracing::info!(session = %previous, error = %e, "previous Stripe session not expired");
            }
        }
        let orders = order::Entity::find()
            .filter(order::Column::CheckoutId.eq(placed.id))
            .order_by_asc(order::Column::Id)
            .all(db)
            .await?;
        let items = order_item::Entity::find()
            .filter(order_item::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
            .order_by_asc(order_item::Column::Id)
            .all(db)
            .await?;
        let line_items: Vec<CreateCheckoutSessionLineItems> = items
            .iter()
            .map(|item| {
                let mut price = CreateCheckoutSessionLineItemsPriceData::new(Currency::VND);
                // VND is zero-decimal: the amount is in đồng, not in hundredths.
                price.unit_amount = Some(item.unit_price_vnd);
                price.product_data = Some(ProductData::new(item.title.clone()));
                let mut line = CreateCheckoutSessionLineItems::new();
                line.price_data = Some(price);
                line.quantity = Some(u64::try_from(item.quantity).unwrap_or(1));
                line
            })
            .collect();
        let link = orders::tracking_link(placed);
        let locale = if placed.lang == "en" {
            CheckoutSessionLocale::En
        } else {
            CheckoutSessionLocale::Vi
        };
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .currency(Currency::VND)
            .line_items(line_items)
            .client_reference_id(placed.reference.clone())
            .customer_email(placed.email.clone())
            .locale(locale)
            .metadata(HashMap::from([(
                "checkout_reference".to_owned(),
                placed.reference.clone(),
            )]))
            .success_url(format!("{link}&paid=1"))
            .cancel_url(link)
            .expires_at((now + chrono::Duration::minutes(SESSION_MINUTES)).timestamp())
            .send(&self.client)
            .await
            .map_err(|e| PaymentError::Unavailable(e.to_string()))?;
        let mut remembered: checkout::ActiveModel = placed.clone().into();
        remembered.stripe_session_id = Set(Some(session.id.as_str().to_owned()));
        remembered.update(db).await?;
        session
            .url
            .ok_or_else(|| PaymentError::Unavailable("Stripe returned no session URL".into()))
    }

    /// Verifies and applies one webhook delivery.
    pub async fn handle_webhook(
        &self,
        db: &DatabaseConnection,
        payload: &str,
        signature: &str,
        now: DateTime<Utc>,
    ) -> Result<Outcome, WebhookRefusal> {
        let event = Webhook::construct_event_with_timestamp(
            payload,
            signature,
            &self.webhook_secret,
            now.timestamp(),
        )
        .map_err(|e| match e {
            WebhookError::BadTimestamp(_) => WebhookRefusal::Stale,
            WebhookError::BadParse(why) => WebhookRefusal::BadPayload(why),
            _ => WebhookRefusal::BadSignature,
        })?;
        let (kind, session) = match event.data.object {
            EventObject::CheckoutSessionCompleted(s) => (Kind::Completed, s),
            EventObject::CheckoutSessionAsyncPaymentSucceeded(s) => (Kind::Completed, s),
            EventObject::CheckoutSessionExpired(s) => (Kind::Expired, s),
            // Stripe sends what the endpoint subscribes to; anything else is acknowledged.
            _ => return Ok(Outcome::Ignored),
        };
        apply_event(db, event.id.as_str(), kind, &session, now)
            .await
            .map_err(WebhookRefusal::Database)
    }
}

#[async_trait]
impl Provider for StripeGateway {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Stripe
    }
    async fn begin(
        &self,
        db: &DatabaseConnection,
        placed: &checkout::Model,
        now: DateTime<Utc>,
    ) -> Result<NextStep, PaymentError> {
        self.open_session(db, placed, now)
            .await
            .map(NextStep::Redirect)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Completed,
    Expired,
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
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("the Stripe-Signature header does not match the payload")]
    BadSignature,
    #[error("the signature is more than 5 minutes old")]
    Stale,
    #[error("the payload is not a Stripe event: {0}")]
    BadPayload(String),
    #[error(transparent)]
    Database(DbErr),
}

async fn apply_event(
    db: &DatabaseConnection,
    event_id: &str,
    kind: Kind,
    session: &CheckoutSession,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let notice = Notice {
        provider: "stripe",
        event_id,
        kind: match kind {
            Kind::Completed => "checkout.session.completed",
            Kind::Expired => "checkout.session.expired",
        },
        amount_vnd: session.amount_total,
    };
    if !claim_notice(&txn, &notice, now).await? {
        txn.rollback().await?;
        return Ok(Outcome::Replayed);
    }
    let placed = match &session.client_reference_id {
        Some(reference) => {
            checkout::Entity::find()
                .filter(checkout::Column::Reference.eq(reference.as_str()))
                .one(&txn)
                .await?
        }
        None => {
            checkout::Entity::find()
                .filter(checkout::Column::StripeSessionId.eq(session.id.as_str()))
                .one(&txn)
                .await?
        }
    }
    .filter(|c| c.payment_method == PaymentMethod::Stripe.as_str());
    let outcome = match placed.as_ref() {
        None => Outcome::Unmatched,
        Some(placed) => apply_to_checkout(&txn, placed, kind, session, now).await?,
    };
    settle_notice(&txn, &notice, outcome.as_str(), placed.map(|c| c.id), None).await?;
    txn.commit().await?;
    Ok(outcome)
}

async fn apply_to_checkout(
    txn: &impl ConnectionTrait,
    placed: &checkout::Model,
    kind: Kind,
    session: &CheckoutSession,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .all(txn)
        .await?;
    match kind {
        Kind::Completed => {
            let vnd = session
                .currency
                .as_ref()
                .is_some_and(|c| *c == Currency::VND);
            if !vnd || session.amount_total != Some(placed.total_vnd) {
                tracing::warn!(reference = %placed.reference, amount = ?session.amount_total, "Stripe amount does not match the checkout");
                return Ok(Outcome::Unmatched);
            }
            if session.payment_status != stripe_shared::CheckoutSessionPaymentStatus::Paid {
                return Ok(Outcome::Pending);
            }
            let newly = orders::record_payment(txn, &orders, PaidBy::Stripe, now).await?;
            Ok(if newly.is_empty() {
                Outcome::Pending
            } else {
                Outcome::Paid
            })
        }
        Kind::Expired => {
            // Only the checkout's current session releases the stock: an older one was
            // expired on purpose when the shopper opened a new one.
            if placed.stripe_session_id.as_deref() != Some(session.id.as_str()) {
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
                match orders::apply_system(txn, o, &orders::Step::Cancel { reason }, now).await {
                    Ok(_) => cancelled += 1,
                    Err(orders::OrderError::Database(e)) => return Err(e),
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
