use sea_orm::entity::prelude::*;

use crate::domain::ids::{CheckoutId, OutletId, ShowId, UserId};
use crate::domain::money::Vnd;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: CheckoutId,
    #[sea_orm(unique)]
    pub reference: String,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub user_id: Option<UserId>,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub province_code: String,
    pub commune: String,
    pub street: String,
    pub payment_method: String,
    pub channel: String,
    pub live_show_id: Option<ShowId>,
    pub total_vnd: Vnd,
    #[sea_orm(unique)]
    pub tracking_token: Uuid,
    pub created_at: DateTimeUtc,
    pub lang: String,
    pub expires_at: Option<DateTimeUtc>,
    pub stripe_session_id: Option<String>,
    /// The card payment Stripe received for it (refunds are made against it).
    pub stripe_payment_intent: Option<String>,
    pub site: String,
    pub outlet_id: Option<OutletId>,
    /// A VAT invoice asked for: the buyer's company, tax code and address.
    pub invoice_company: Option<String>,
    pub invoice_tax_code: Option<String>,
    pub invoice_address: Option<String>,
    /// The voucher redeemed by this checkout, if any.
    pub voucher_code: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The checkout's order page, with the private token that opens it without signing in.
    pub fn tracking_link(&self) -> String {
        format!(
            "{}/orders/{}?t={}",
            self.site, self.reference, self.tracking_token
        )
    }
}
