//! Card payments through Stripe Checkout, with async-stripe.
//!
//! Placing a checkout reserves its stock; [`StripeGateway`]'s `begin` then creates a Checkout
//! Session in VND (a zero-decimal currency: amounts are whole đồng, as in our database) and
//! sends the shopper there. The session expires after 31 minutes; our reservation after 35
//! ([`crate::domain::orders::PaymentMethod::reservation`]), so a session can never be paid for
//! stock already released, except through Stripe's own delays, which the orders flag as a
//! refund due.
//!
//! Stripe confirms with the `checkout.session.completed` webhook. Its `Stripe-Signature` is
//! verified with the webhook secret against the app's clock (a signature more than 5 minutes
//! old is refused) by [`StripeGateway::verify_event`]; `features::orders::payments` applies
//! the event, once per event id.
//!
//! Refunds go through Stripe's refund API against the payment intent the session made, with
//! the refund's own id as the `Idempotency-Key` ([`StripeGateway::refund`]); `refund.created`,
//! `refund.updated` and `refund.failed` events settle them.
use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use stripe::StripeRequest;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    ExpireCheckoutSession, ProductData,
};
use stripe_shared::{CheckoutSessionLocale, CheckoutSessionMode};
use stripe_types::Currency;
use stripe_webhook::{EventObject, Webhook, WebhookError};

use super::{NextStep, PaymentError, Provider};
use crate::config::StripeSettings;
use crate::db::entities::{checkout, order, order_item};
use crate::domain::money::Vnd;
use crate::domain::orders::PaymentMethod;

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
        let line = |name: String, amount: Vnd, quantity: i32| {
            let mut price = CreateCheckoutSessionLineItemsPriceData::new(Currency::VND);
            // VND is zero-decimal: the amount is in đồng, not in hundredths.
            price.unit_amount = Some(amount.dong());
            price.product_data = Some(ProductData::new(name));
            let mut line = CreateCheckoutSessionLineItems::new();
            line.price_data = Some(price);
            line.quantity = Some(u64::try_from(quantity).unwrap_or(1));
            line
        };
        let mut line_items: Vec<CreateCheckoutSessionLineItems> = items
            .iter()
            .map(|item| {
                // A line a voucher lowered goes as one line of what it costs now, since its
                // units may no longer cost a whole number of đồng each.
                if item.discount_vnd > Vnd::ZERO {
                    line(
                        format!("{} × {}", item.title, item.quantity),
                        item.paid_for(item.quantity),
                        1,
                    )
                } else {
                    line(item.title.clone(), item.unit_price_vnd, item.quantity)
                }
            })
            .collect();
        // Each seller's delivery, as its own line: the session's total is the checkout's.
        let shipping = crate::i18n::lookup(
            crate::i18n::Lang::parse(&placed.lang).unwrap_or(crate::i18n::Lang::Vi),
            "mail.shipping",
        );
        for o in orders.iter().filter(|o| o.shipping_vnd > Vnd::ZERO) {
            line_items.push(line(
                format!("{} {}", shipping.trim_end_matches(':'), o.code),
                o.shipping_vnd,
                1,
            ));
        }
        let link = placed.tracking_link();
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

    /// Refunds `amount` of the card payment `payment_intent` (a whole or part of one seller's
    /// order). `key` is the refund's own id, sent as the `Idempotency-Key`: asking again after
    /// a lost answer returns the same refund, never a second one.
    pub async fn refund(
        &self,
        payment_intent: &str,
        amount: Vnd,
        key: &str,
        order_code: &str,
    ) -> Result<StripeRefund, RefundRefusal> {
        let idempotency = stripe::IdempotencyKey::new(key)
            .map_err(|e| RefundRefusal::Unavailable(e.to_string()))?;
        let created = stripe_core::refund::CreateRefund::new()
            .payment_intent(payment_intent)
            // VND is zero-decimal: the amount is in đồng.
            .amount(amount.dong())
            .reason(stripe_core::refund::CreateRefundReason::RequestedByCustomer)
            .metadata(HashMap::from([
                ("refund".to_owned(), key.to_owned()),
                ("order_code".to_owned(), order_code.to_owned()),
            ]))
            .customize()
            .request_strategy(stripe::RequestStrategy::Idempotent(idempotency))
            .send(&self.client)
            .await
            .map_err(|e| match e {
                // A request Stripe read and refused (not a conflict or a rate limit, which
                // may pass): this refund will not happen.
                stripe::StripeError::Stripe(api, status)
                    if (400..500).contains(&status) && status != 409 && status != 429 =>
                {
                    RefundRefusal::Refused(
                        api.message.clone().unwrap_or_else(|| status.to_string()),
                    )
                }
                e => RefundRefusal::Unavailable(e.to_string()),
            })?;
        Ok(StripeRefund::of(&created))
    }

    /// Verifies one webhook delivery: the signature against the webhook secret and the app's
    /// clock (more than 5 minutes old is stale), then reads the Checkout Session event it
    /// carries. `None`: an event type the shop does not act on.
    pub fn verify_event(
        &self,
        payload: &str,
        signature: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StripeEvent>, WebhookRefusal> {
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
        let event_id = event.id.as_str().to_owned();
        let (completed, session) = match event.data.object {
            EventObject::CheckoutSessionCompleted(s) => (true, s),
            EventObject::CheckoutSessionAsyncPaymentSucceeded(s) => (true, s),
            EventObject::CheckoutSessionExpired(s) => (false, s),
            EventObject::RefundCreated(r)
            | EventObject::RefundUpdated(r)
            | EventObject::RefundFailed(r) => {
                return Ok(Some(StripeEvent::Refund(RefundEvent {
                    event_id,
                    refund: StripeRefund::of(&r),
                })));
            }
            // Stripe sends what the endpoint subscribes to; anything else is acknowledged.
            _ => return Ok(None),
        };
        Ok(Some(StripeEvent::Session(SessionEvent {
            event_id,
            completed,
            session_id: session.id.as_str().to_owned(),
            reference: session.client_reference_id.clone(),
            amount_total: session.amount_total,
            in_vnd: session
                .currency
                .as_ref()
                .is_some_and(|c| *c == Currency::VND),
            paid: session.payment_status == stripe_shared::CheckoutSessionPaymentStatus::Paid,
            payment_intent: session
                .payment_intent
                .as_ref()
                .map(|p| p.id().as_str().to_owned()),
        })))
    }
}

/// A verified event the shop acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StripeEvent {
    Session(SessionEvent),
    Refund(RefundEvent),
}

/// A refund as Stripe reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StripeRefund {
    pub id: String,
    pub amount: i64,
    /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`.
    pub status: String,
    /// Our refund's id, sent in its metadata.
    pub ours: Option<String>,
    pub failure: Option<String>,
}

impl StripeRefund {
    fn of(refund: &stripe_shared::Refund) -> Self {
        Self {
            id: refund.id.as_str().to_owned(),
            amount: refund.amount,
            status: refund.status.clone().unwrap_or_else(|| "pending".into()),
            ours: refund
                .metadata
                .as_ref()
                .and_then(|m| m.get("refund").cloned()),
            failure: refund.failure_reason.clone(),
        }
    }
}

/// A verified `refund.created`, `refund.updated` or `refund.failed` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundEvent {
    pub event_id: String,
    pub refund: StripeRefund,
}

/// Why a refund did not reach Stripe.
#[derive(Debug, thiserror::Error)]
pub enum RefundRefusal {
    /// Stripe read the request and said no (the payment cannot be refunded that much).
    #[error("Stripe refused the refund: {0}")]
    Refused(String),
    /// Stripe could not be reached or did not answer: asking again with the same key is safe.
    #[error("Stripe is unavailable: {0}")]
    Unavailable(String),
}

/// A verified Checkout Session event, as the orders need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionEvent {
    pub event_id: String,
    /// `checkout.session.completed` (or its delayed payment succeeded); else expired.
    pub completed: bool,
    pub session_id: String,
    /// The checkout's reference, set when the session was opened.
    pub reference: Option<String>,
    pub amount_total: Option<i64>,
    pub in_vnd: bool,
    /// Stripe says the money arrived (not a delayed method still pending).
    pub paid: bool,
    /// The payment it made, which refunds are made against.
    pub payment_intent: Option<String>,
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

#[derive(Debug, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("the Stripe-Signature header does not match the payload")]
    BadSignature,
    #[error("the signature is more than 5 minutes old")]
    Stale,
    #[error("the payload is not a Stripe event: {0}")]
    BadPayload(String),
}
