//! Typed ids: a listing's id is a `ListingId`, a seller's a `SellerId`, so a function that
//! takes both cannot be called with them swapped. Each is the table's `BIGINT` key as it is in
//! the database, in JSON (a plain number) and in a URL path; `new` and `get` are the only ways
//! between an id and a bare number (a number read from a raw query, a counter in a test).

macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident,)*) => {$(
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, sea_orm::DeriveValueType,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                raw.parse().map(Self)
            }
        }
    )*};
}

ids! {
    /// A signed-up account (`users`).
    UserId,
    /// A verified OCOP participant selling here (`sellers`).
    SellerId,
    /// A certified product on sale (`listings`).
    ListingId,
    /// One seller's part of a checkout (`orders`).
    OrderId,
    /// One submitted cart: the orders of all its sellers under one reference (`checkouts`).
    CheckoutId,
    /// A provincial OCOP outlet (`outlets`).
    OutletId,
    /// A live show (`live_shows`).
    ShowId,
    /// A discount code (`vouchers`).
    VoucherId,
    /// A gift combo of several products (`combos`).
    ComboId,
}

#[cfg(test)]
mod tests {
    use super::{ListingId, SellerId};

    #[test]
    fn an_id_is_a_bare_number_in_json_and_text() {
        let id = ListingId::new(42);
        assert_eq!(serde_json::to_string(&id).expect("serialises"), "42");
        assert_eq!(
            serde_json::from_str::<ListingId>("42").expect("a number"),
            id
        );
        assert_eq!(id.to_string(), "42");
        assert_eq!("42".parse::<ListingId>().expect("digits"), id);
        assert!("4x".parse::<SellerId>().is_err());
        assert!(serde_json::from_str::<SellerId>("\"42\"").is_err());
    }
}
