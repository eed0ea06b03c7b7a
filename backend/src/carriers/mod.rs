//! Carriers behind one interface, [`Carrier`]: quote a parcel, book its pick-up, cancel the
//! booking, fetch its label. The built-in [`TableRates`] needs no account (it only quotes: the
//! seller hands the parcel over and types the tracking number); [`ghn::Ghn`] and
//! [`ghtk::Ghtk`] talk to Giao Hàng Nhanh and Giao Hàng Tiết Kiệm with the seller's own
//! account token. Each adapter also reads its carrier's status callbacks into a
//! [`StatusUpdate`]; what an update does to the order is `features::shipping`.
//!
//! Status callbacks reach `/webhooks/carriers/{ghn|ghtk}` signed like the bank's
//! notifications (`X-Carrier-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<raw body>")>`, the secret being `CARRIER_WEBHOOK_SECRET`): the relay that receives
//! the carriers' callbacks signs them, so an unsigned or stale one is refused.
pub mod ghn;
pub mod ghtk;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::money::Vnd;
use crate::domain::reference::Reference;
use crate::domain::shipping::{RateError, RateTable, Zone};

/// Who carries a seller's parcels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CarrierKind {
    /// The seller's table rates; the seller arranges the delivery.
    Table,
    Ghn,
    Ghtk,
}

impl CarrierKind {
    pub const ALL: [Self; 3] = [Self::Table, Self::Ghn, Self::Ghtk];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Ghn => "ghn",
            Self::Ghtk => "ghtk",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// The name shoppers know the carrier by.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Table => "OCOP Village",
            Self::Ghn => "GHN",
            Self::Ghtk => "GHTK",
        }
    }
}

/// One end of a delivery, on the 2025 map.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    pub province_code: String,
    /// The province's official name (carriers match names, not our codes).
    pub province_name: String,
    pub commune: String,
    pub street: String,
    pub name: String,
    pub phone: String,
}

impl Place {
    /// A place on the 2025 map: `province_code` is one of today's 34 (its official name is
    /// what carriers are sent), `commune` the commune's official name.
    pub fn new(
        reference: &Reference,
        province_code: &str,
        commune: &str,
        street: &str,
        name: &str,
        phone: &str,
    ) -> Self {
        Self {
            province_name: reference
                .province(province_code)
                .map(|p| p.name_vi.clone())
                .unwrap_or_default(),
            province_code: province_code.to_owned(),
            commune: commune.to_owned(),
            street: street.to_owned(),
            name: name.to_owned(),
            phone: phone.to_owned(),
        }
    }
}

/// What goes in the box.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Parcel {
    pub grams: i32,
    /// The goods' value (for insurance).
    pub value: Vnd,
    /// What the carrier collects from the shopper (cash on delivery), or nothing.
    pub cod: Vnd,
    pub items: Vec<ParcelItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ParcelItem {
    pub name: String,
    pub quantity: i32,
    pub grams: i32,
    pub price: Vnd,
}

/// A booked pick-up: the carrier's order code (the tracking number) and its fee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    pub code: String,
    pub fee: Vnd,
}

/// A shipping label: the PDF itself, or where the carrier prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Label {
    Pdf(Vec<u8>),
    Url(String),
}

#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    /// The carrier answered and said no (an address it does not serve, a weight it will not
    /// take, a booking it can no longer cancel): its message.
    #[error("{0}")]
    Refused(String),
    /// The carrier could not be reached, or answered something unreadable.
    #[error("the carrier is unavailable: {0}")]
    Unavailable(String),
    /// The table rates cannot price this parcel.
    #[error(transparent)]
    Rates(#[from] RateError),
    /// The table-rate carrier books nothing: the seller ships the parcel itself.
    #[error("this carrier does not book pick-ups")]
    Manual,
}

impl From<reqwest::Error> for CarrierError {
    fn from(e: reqwest::Error) -> Self {
        Self::Unavailable(e.to_string())
    }
}

#[async_trait]
pub trait Carrier: Send + Sync {
    fn kind(&self) -> CarrierKind;
    /// The fee for sending `parcel` from `from` to `to`.
    async fn quote(&self, from: &Place, to: &Place, parcel: &Parcel) -> Result<Vnd, CarrierError>;
    /// Books the pick-up of `parcel` for the order `order_code`.
    async fn book(
        &self,
        order_code: &str,
        from: &Place,
        to: &Place,
        parcel: &Parcel,
    ) -> Result<Booking, CarrierError>;
    async fn cancel(&self, code: &str) -> Result<(), CarrierError>;
    async fn label(&self, code: &str) -> Result<Label, CarrierError>;
}

/// The built-in carrier: the seller's table rates, by zone between the two provinces.
pub struct TableRates {
    pub table: RateTable,
    pub zone: Zone,
    /// The order's goods (free shipping above the seller's threshold).
    pub subtotal: Vnd,
}

#[async_trait]
impl Carrier for TableRates {
    fn kind(&self) -> CarrierKind {
        CarrierKind::Table
    }
    async fn quote(&self, _: &Place, _: &Place, parcel: &Parcel) -> Result<Vnd, CarrierError> {
        Ok(self.table.price(parcel.grams, self.zone, self.subtotal)?)
    }
    async fn book(
        &self,
        _: &str,
        _: &Place,
        _: &Place,
        _: &Parcel,
    ) -> Result<Booking, CarrierError> {
        Err(CarrierError::Manual)
    }
    async fn cancel(&self, _: &str) -> Result<(), CarrierError> {
        Err(CarrierError::Manual)
    }
    async fn label(&self, _: &str) -> Result<Label, CarrierError> {
        Err(CarrierError::Manual)
    }
}

/// Where the carriers' APIs are (their production addresses unless set: tests point them at
/// local stand-ins) and the HTTP client that calls them, with a short timeout so a slow
/// carrier cannot hold a checkout.
#[derive(Clone, Debug)]
pub struct Endpoints {
    pub ghn: String,
    pub ghtk: String,
    pub http: reqwest::Client,
}

impl Endpoints {
    pub const GHN: &'static str = "https://online-gateway.ghn.vn/shiip/public-api";
    pub const GHTK: &'static str = "https://services.giaohangtietkiem.vn";

    pub fn new(ghn: Option<String>, ghtk: Option<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(4))
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_default();
        Self {
            ghn: ghn.unwrap_or_else(|| Self::GHN.to_owned()),
            ghtk: ghtk.unwrap_or_else(|| Self::GHTK.to_owned()),
            http,
        }
    }

    /// The adapter for a seller's own account with `kind` (None for the table rates).
    pub fn account(
        &self,
        kind: CarrierKind,
        token: &str,
        shop_id: Option<&str>,
    ) -> Option<Box<dyn Carrier>> {
        match kind {
            CarrierKind::Table => None,
            CarrierKind::Ghn => Some(Box::new(ghn::Ghn {
                http: self.http.clone(),
                base: self.ghn.trim_end_matches('/').to_owned(),
                token: token.to_owned(),
                shop_id: shop_id.unwrap_or_default().to_owned(),
            })),
            CarrierKind::Ghtk => Some(Box::new(ghtk::Ghtk {
                http: self.http.clone(),
                base: self.ghtk.trim_end_matches('/').to_owned(),
                token: token.to_owned(),
                partner_code: shop_id.unwrap_or_default().to_owned(),
            })),
        }
    }
}

/// What a carrier's status means for the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// The carrier has the parcel: the order is shipped.
    PickedUp,
    /// On its way (history only).
    InTransit,
    Delivered,
    /// The carrier has settled the cash it collected on delivery.
    CodCollected,
    /// A delivery attempt failed; the carrier will try again or send it back (history only).
    DeliveryFailed,
    /// The parcel is back with the seller: the units return to stock.
    Returned,
    /// The booking was cancelled at the carrier (history only).
    Cancelled,
    /// Anything else the carrier reports (history only).
    Other,
}

/// One status callback, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The carrier's order code (our tracking number).
    pub code: String,
    /// The carrier's own status, as it names it.
    pub status: String,
    pub meaning: Meaning,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// Reads a status callback of `kind`'s format.
pub fn read_status(kind: CarrierKind, body: &str) -> Result<StatusUpdate, String> {
    match kind {
        CarrierKind::Ghn => ghn::read_status(body),
        CarrierKind::Ghtk => ghtk::read_status(body),
        CarrierKind::Table => Err("the table-rate carrier sends no status updates".into()),
    }
}

/// What `kind`'s status (as it names it) means for the order.
pub fn meaning(kind: CarrierKind, status: &str) -> Meaning {
    match kind {
        CarrierKind::Ghn => ghn::meaning(status),
        CarrierKind::Ghtk => status.parse().map_or(Meaning::Other, ghtk::meaning),
        CarrierKind::Table => Meaning::Other,
    }
}
