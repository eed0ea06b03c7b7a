//! Delivery: each seller's pick-up address, table rates and carrier account
//! ([`settings`]); the fee of each seller's order at checkout ([`quote`]); booking, cancelling
//! and labels with the seller's carrier, and the carriers' status updates moving orders
//! ([`tracking`]).
pub mod settings;
pub mod tracking;

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};

use crate::carriers::{
    Carrier, CarrierError, CarrierKind, Endpoints, Parcel, ParcelItem, Place, TableRates,
};
use crate::db::entities::{registry_participant, seller, shipping_rate};
use crate::domain::ids::SellerId;
use crate::domain::money::Vnd;
use crate::domain::reference::Reference;
use crate::domain::shipping::{Band, RateError, RateTable, Zone};

/// The official name of the commune of `province` that `raw` names, or what to tell the
/// person: which communes it may mean, and that districts are gone since 1 July 2025.
pub fn resolve_commune(reference: &Reference, province: &str, raw: &str) -> Result<String, String> {
    use crate::domain::communes::{Commune, CommuneMatch};
    use crate::i18n::{tr, tr_with};
    let names = |communes: &[&Commune]| {
        communes
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match reference.communes.resolve(province, raw) {
        CommuneMatch::Found(commune) => Ok(commune.name.clone()),
        CommuneMatch::Ambiguous(several) => Err(tr_with(
            "checkout.error.commune_ambiguous",
            &[("choices", &names(&several))],
        )),
        CommuneMatch::NotFound {
            district,
            suggestions,
        } => {
            let mut message = match district {
                Some(district) => tr_with(
                    "checkout.error.commune_district",
                    &[("district", &district)],
                ),
                None => tr("checkout.error.commune_unknown"),
            };
            if !suggestions.is_empty() {
                message.push(' ');
                message.push_str(&tr_with(
                    "checkout.error.commune_maybe",
                    &[("suggestions", &names(&suggestions))],
                ));
            }
            Err(message)
        }
    }
}

/// A seller's rates: its own bands, or the platform's standard table if it set none.
pub async fn rate_tables(
    db: &impl ConnectionTrait,
    sellers: &[seller::Model],
) -> Result<HashMap<SellerId, RateTable>, DbErr> {
    let rows = shipping_rate::Entity::find()
        .filter(shipping_rate::Column::SellerId.is_in(sellers.iter().map(|s| s.id)))
        .order_by_asc(shipping_rate::Column::MaxGrams)
        .all(db)
        .await?;
    Ok(sellers
        .iter()
        .map(|s| {
            let bands: Vec<Band> = rows
                .iter()
                .filter(|r| r.seller_id == s.id)
                .map(|r| Band {
                    max_grams: r.max_grams,
                    same_province: r.same_province_vnd,
                    same_region: r.same_region_vnd,
                    elsewhere: r.elsewhere_vnd,
                })
                .collect();
            let table = if bands.is_empty() {
                RateTable::standard()
            } else {
                RateTable {
                    bands,
                    free_over: None,
                }
            };
            (
                s.id,
                RateTable {
                    free_over: s.free_shipping_over_vnd,
                    ..table
                },
            )
        })
        .collect())
}

/// One seller's part of a cart: it becomes one order and one parcel.
#[derive(Clone, Debug)]
pub struct Consignment {
    pub seller_id: SellerId,
    pub subtotal: Vnd,
    pub items: Vec<ParcelItem>,
}

impl Consignment {
    /// The parcel's weight (saturating: an absurd cart is simply heavier than every band).
    pub fn grams(&self) -> i32 {
        self.items
            .iter()
            .map(|i| i.grams.saturating_mul(i.quantity))
            .fold(0, i32::saturating_add)
    }
}

/// Where the parcels go.
#[derive(Clone, Debug)]
pub enum Destination {
    /// Delivered to this address (a carrier quote needs the commune; the table, the province).
    Address(Place),
    /// Collected at an outlet: nothing to carry, nothing to pay.
    Pickup,
}

/// What the delivery of one seller's order costs the shopper.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Quote {
    pub seller_id: SellerId,
    pub grams: i32,
    pub subtotal: Vnd,
    pub fee: Vnd,
    /// Who priced it: table | ghn | ghtk | pickup.
    pub service: &'static str,
    /// The carrier's name, for the shopper.
    pub carrier: &'static str,
    pub zone: Option<Zone>,
    /// The seller's free-shipping threshold made it free.
    pub free: bool,
    /// The seller's carrier could not quote; this is the seller's table rate instead.
    pub fallback: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    /// No band of the seller's table holds the parcel, and no carrier quoted it.
    CannotShip {
        seller: String,
        grams: i32,
        max: i32,
    },
    Database(#[from] DbErr),
}

impl std::fmt::Display for QuoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CannotShip { seller, grams, max } => f.write_str(&crate::i18n::tr_with(
                "shipping.error.too_heavy",
                &[("seller", seller), ("grams", grams), ("max", max)],
            )),
            Self::Database(e) => write!(f, "{e}"),
        }
    }
}

/// The pick-up place of a seller: its address if it set one, else its registry commune.
pub fn pickup_place(
    reference: &Reference,
    s: &seller::Model,
    participant: Option<&registry_participant::Model>,
) -> Place {
    let province_code = s
        .pickup_province_code
        .clone()
        .or_else(|| participant.map(|p| p.province_code.clone()))
        .unwrap_or_default();
    let commune = s
        .pickup_commune
        .clone()
        .or_else(|| participant.map(|p| p.commune.clone()))
        .unwrap_or_default();
    Place::new(
        reference,
        &province_code,
        &commune,
        s.pickup_street.as_deref().unwrap_or_default(),
        &s.display_name,
        s.pickup_phone.as_deref().unwrap_or_default(),
    )
}

/// Whether any seller in the cart quotes through its own carrier account (then the quotes are
/// asked before the checkout's transaction).
pub async fn cart_uses_carriers(db: &impl ConnectionTrait, cart_id: i64) -> Result<bool, DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    // The cart's products and its gift combos' parts.
    let sql = "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM listings l \
               JOIN sellers s ON s.id = l.seller_id \
               WHERE l.id IN (SELECT ci.listing_id FROM cart_items ci WHERE ci.cart_id = ? \
                              UNION SELECT cp.listing_id FROM cart_combos cc \
                              JOIN combo_parts cp ON cp.combo_id = cc.combo_id \
                              WHERE cc.cart_id = ?) \
                 AND s.carrier <> 'table' AND s.carrier_token IS NOT NULL";
    let found = Count::find_by_statement(crate::db::statement(
        db.get_database_backend(),
        sql,
        vec![cart_id.into(), cart_id.into()],
    ))
    .one(db)
    .await?;
    Ok(found.is_some_and(|c| c.n > 0))
}

/// The carrier adapter of a seller with its own carrier account, if any.
pub fn carrier_of(endpoints: &Endpoints, s: &seller::Model) -> Option<Box<dyn Carrier>> {
    let kind = CarrierKind::parse(&s.carrier)?;
    let token = s.carrier_token.as_deref().filter(|t| !t.is_empty())?;
    endpoints.account(kind, token, s.carrier_shop_id.as_deref())
}

/// The fee of each consignment, in their order. With `endpoints`, a seller with its own
/// carrier account asks the carrier (all sellers at once); a carrier that refuses or does not
/// answer in time is replaced by the seller's table rate, so the shopper always sees a price
/// or a clear reason. Without (`None`, inside a transaction) only the table rates are used:
/// no carrier is ever called while rows are held.
pub async fn quote(
    db: &impl ConnectionTrait,
    reference: &Reference,
    endpoints: Option<&Endpoints>,
    consignments: &[Consignment],
    destination: &Destination,
) -> Result<Vec<Quote>, QuoteError> {
    let sellers = seller::Entity::find()
        .filter(seller::Column::Id.is_in(consignments.iter().map(|c| c.seller_id)))
        .all(db)
        .await?;
    // The registry's address stands in for a pick-up address not set yet.
    let unset: Vec<i64> = sellers
        .iter()
        .filter(|s| s.pickup_province_code.is_none())
        .map(|s| s.participant_id)
        .collect();
    let participants: HashMap<i64, registry_participant::Model> = if unset.is_empty() {
        HashMap::new()
    } else {
        registry_participant::Entity::find()
            .filter(registry_participant::Column::Id.is_in(unset))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    let tables = rate_tables(db, &sellers).await?;
    let asks = consignments.iter().map(|c| {
        let shop = sellers.iter().find(|s| s.id == c.seller_id);
        let table = tables
            .get(&c.seller_id)
            .cloned()
            .unwrap_or_else(RateTable::standard);
        let from = shop.map(|s| pickup_place(reference, s, participants.get(&s.participant_id)));
        async move { quote_one(reference, endpoints, c, shop, table, from, destination).await }
    });
    futures::future::join_all(asks).await.into_iter().collect()
}

async fn quote_one(
    reference: &Reference,
    endpoints: Option<&Endpoints>,
    consignment: &Consignment,
    shop: Option<&seller::Model>,
    table: RateTable,
    from: Option<Place>,
    destination: &Destination,
) -> Result<Quote, QuoteError> {
    let grams = consignment.grams();
    let mut quote = Quote {
        seller_id: consignment.seller_id,
        grams,
        subtotal: consignment.subtotal,
        fee: Vnd::ZERO,
        service: "pickup",
        carrier: "",
        zone: None,
        free: false,
        fallback: false,
    };
    let Destination::Address(to) = destination else {
        return Ok(quote);
    };
    let from = from.unwrap_or_else(|| to.clone());
    let zone = Zone::between(reference, &from.province_code, &to.province_code);
    quote.zone = Some(zone);
    quote.free = table
        .free_over
        .is_some_and(|limit| consignment.subtotal >= limit);
    let parcel = Parcel {
        grams,
        value: consignment.subtotal,
        cod: Vnd::ZERO,
        items: consignment.items.clone(),
    };
    if let Some(carrier) = endpoints.zip(shop).and_then(|(e, s)| carrier_of(e, s)) {
        match carrier.quote(&from, to, &parcel).await {
            Ok(fee) => {
                quote.fee = if quote.free { Vnd::ZERO } else { fee };
                quote.service = carrier.kind().as_str();
                quote.carrier = carrier.kind().label();
                return Ok(quote);
            }
            Err(e) => {
                tracing::warn!(
                    seller = %consignment.seller_id, carrier = carrier.kind().as_str(), error = %e,
                    "carrier quote failed; using the seller's table rate"
                );
                quote.fallback = true;
            }
        }
    }
    let table_rates = TableRates {
        table,
        zone,
        subtotal: consignment.subtotal,
    };
    match table_rates.quote(&from, to, &parcel).await {
        Ok(fee) => {
            quote.fee = fee;
            quote.service = CarrierKind::Table.as_str();
            quote.carrier = CarrierKind::Table.label();
            Ok(quote)
        }
        // The table only fails on weight.
        Err(e) => Err(QuoteError::CannotShip {
            seller: shop.map(|s| s.display_name.clone()).unwrap_or_default(),
            grams,
            max: match e {
                CarrierError::Rates(RateError::TooHeavy { max, .. }) => max,
                _ => 0,
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parcel_weighs_its_lines_and_an_absurd_one_saturates_instead_of_overflowing() {
        let item = |grams, quantity| ParcelItem {
            name: "Trà".into(),
            quantity,
            grams,
            price: Vnd::new(50_000),
        };
        let parcel = |items| Consignment {
            seller_id: SellerId::new(1),
            subtotal: Vnd::new(100_000),
            items,
        };
        assert_eq!(parcel(vec![item(250, 2), item(1_000, 1)]).grams(), 1_500);
        let absurd = parcel((0..300).map(|_| item(100_000, 99)).collect());
        assert_eq!(absurd.grams(), i32::MAX);
        // Heavier than every band: refused with a clear reason, never a wrapped weight.
        assert!(
            RateTable::standard()
                .price(absurd.grams(), Zone::Elsewhere, Vnd::ZERO)
                .is_err()
        );
    }
}
