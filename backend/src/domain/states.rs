//! The states of listings, sellers, orders, payments and live shows. Each is stored as its
//! snake_case name in a text column and read back as the enum (`DeriveValueType`: an unknown
//! name in the database is a read error, never a silent default), so the code compares and
//! sets states by name of variant, never by string literal. The rules about which state may
//! follow which live with the features that change them.

/// A state read from a column that holds none of the known names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown state {0:?}")]
pub struct UnknownState(pub String);

macro_rules! states {
    ($($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal,)* })*) => {$(
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, sea_orm::DeriveValueType,
        )]
        #[sea_orm(value_type = "String")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The name stored in the database and shown to programs.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)* }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|s| s.as_str() == raw)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownState;

            fn from_str(raw: &str) -> Result<Self, UnknownState> {
                Self::parse(raw).ok_or_else(|| UnknownState(raw.to_owned()))
            }
        }

        /// For comparisons with a name read from elsewhere (a form, a query result).
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    )*};
}

states! {
    /// Life cycle of a listing. Only `Published` listings can be visible; `Delisted` is set by
    /// the system (certificate expired or revoked) or an officer, always with a reason.
    pub enum ListingState {
        Draft => "draft",
        Published => "published",
        Paused => "paused",
        Delisted => "delisted",
    }

    /// A seller is `Pending` until verified against the registry, `Active` once verified, and
    /// `Suspended` by an officer (its listings then leave the shop).
    pub enum SellerState {
        Pending => "pending",
        Active => "active",
        Suspended => "suspended",
    }

    /// Where an order is on its way from the seller to the shopper.
    pub enum OrderState {
        Placed => "placed",
        Confirmed => "confirmed",
        Shipped => "shipped",
        Delivered => "delivered",
        Cancelled => "cancelled",
        Refunded => "refunded",
        /// The carrier could not deliver and brought the parcel back: the units are on the
        /// shelf again.
        Returned => "returned",
    }

    pub enum PaymentState {
        Unpaid => "unpaid",
        Paid => "paid",
        Refunded => "refunded",
    }

    /// A refund is `Pending` until the money is back with the shopper (Stripe says so, the
    /// bank reports the seller's transfer, or the seller confirms it), then `Succeeded`;
    /// `Failed` when Stripe refused it (its amount may be refunded again).
    pub enum RefundState {
        Pending => "pending",
        Succeeded => "succeeded",
        Failed => "failed",
    }

    /// How a refund reaches the shopper.
    pub enum RefundMethod {
        /// Back to the card, through Stripe's refund API.
        Stripe => "stripe",
        /// The seller transfers it to the shopper's bank account (a VietQR code helps).
        Transfer => "transfer",
    }

    /// A shopper's return: `Requested` until the seller accepts or refuses it; a refusal the
    /// shopper disputes is `Disputed` until the province's officer accepts it or `Rejected`
    /// it for good.
    pub enum ReturnState {
        Requested => "requested",
        Accepted => "accepted",
        Refused => "refused",
        Disputed => "disputed",
        Rejected => "rejected",
    }

    /// What becomes of the units an accepted return brings back.
    pub enum Disposition {
        /// Back on sale: the listing's stock grows.
        Restock => "restock",
        /// Broken or spoiled: written off.
        WriteOff => "write_off",
    }

    /// A quality report: `Open` until an officer acts; `AskedSeller` while the seller is
    /// asked, `SellerAnswered` once it replied; closed as `Answered` (the officer's word) or
    /// `Delisted` (the product taken off sale).
    pub enum QualityState {
        Open => "open",
        AskedSeller => "asked_seller",
        SellerAnswered => "seller_answered",
        Answered => "answered",
        Delisted => "delisted",
    }

    /// What a quality report is about; `LowRating` is a review of one or two stars.
    pub enum QualityKind {
        Label => "label",
        ExpiredStamp => "expired_stamp",
        FoodSafety => "food_safety",
        Certificate => "certificate",
        Other => "other",
        LowRating => "low_rating",
    }

    /// Another modern-trade channel a seller declares: `Pending` until an officer of its
    /// province decides; `Verified` counts in the indicator until its `valid_until`;
    /// `Rejected` (with the reason) never counts.
    pub enum DeclarationState {
        Pending => "pending",
        Verified => "verified",
        Rejected => "rejected",
    }

    /// The kinds of modern-trade channel of Decision 919 besides this marketplace.
    pub enum ChannelKind {
        SupermarketChain => "supermarket_chain",
        ConvenienceChain => "convenience_chain",
        EcommercePlatform => "ecommerce_platform",
        Export => "export",
    }

    pub enum ShowState {
        Scheduled => "scheduled",
        Live => "live",
        Ended => "ended",
    }
}

impl OrderState {
    /// Cancelled, refunded and returned orders are not sales: they count nowhere and hold no
    /// stock.
    pub const fn is_void(self) -> bool {
        matches!(self, Self::Cancelled | Self::Refunded | Self::Returned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for state in OrderState::ALL {
            assert_eq!(state.as_str().parse::<OrderState>(), Ok(*state));
            assert_eq!(
                serde_json::to_value(state).expect("serializes"),
                serde_json::json!(state.as_str())
            );
        }
        assert_eq!(
            ListingState::parse("delisted"),
            Some(ListingState::Delisted)
        );
        assert_eq!(
            "shipping".parse::<OrderState>(),
            Err(UnknownState("shipping".into()))
        );
        assert!(ShowState::Live == "live" && ShowState::Live != "ended");
    }
}
