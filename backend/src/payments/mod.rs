//! Payment providers behind one interface, [`Provider`]: what happens once a checkout is
//! placed. Cash on delivery needs nothing more; a VietQR transfer is shown on the order page
//! ([`vietqr`]) and confirmed by the seller or a signed bank notification ([`bank`]); a card
//! payment goes to a Stripe Checkout page and is confirmed by Stripe's signed webhook
//! ([`stripe`]). This layer talks to the providers and checks their signatures; what a
//! notification does to orders is `features::orders::payments`.
pub mod bank;
pub mod stripe;
pub mod vietqr;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::db::entities::checkout;
use crate::domain::orders::PaymentMethod;

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
    /// What the settlement ledger takes from a card sale.
    pub rates: crate::domain::ledger::Rates,
    /// Days after delivery a shopper may ask to return goods (and dispute a refusal).
    pub return_days: i64,
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
            rates: settings.rates,
            return_days: settings.return_days,
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
