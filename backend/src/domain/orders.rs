//! Values of an order that every layer names: how it is paid and where it was sold.
use crate::domain::ids::{OutletId, ShowId};

/// How the shopper pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentMethod {
    /// Cash to the carrier on delivery (the most used method in Vietnam).
    CashOnDelivery,
    /// A card, on a Stripe Checkout page.
    Stripe,
    /// A bank transfer to the seller's account, by scanning a VietQR code.
    VietQr,
}

impl PaymentMethod {
    pub const ALL: [Self; 3] = [Self::CashOnDelivery, Self::Stripe, Self::VietQr];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CashOnDelivery => "cod",
            Self::Stripe => "stripe",
            Self::VietQr => "vietqr",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }

    /// How long stock stays reserved for an unpaid online payment; `None`: no deadline (cash
    /// is paid on delivery). A Stripe Checkout Session lives 30 minutes; a bank transfer can
    /// take a day.
    pub fn reservation(self) -> Option<chrono::Duration> {
        match self {
            Self::CashOnDelivery => None,
            Self::Stripe => Some(chrono::Duration::minutes(35)),
            Self::VietQr => Some(chrono::Duration::hours(24)),
        }
    }
}

/// Where a sale was made, for the indicator and the livestream reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Web,
    /// An order a live show brought in.
    Livestream {
        show_id: ShowId,
    },
    /// A sale at a provincial outlet's counter.
    Outlet {
        outlet_id: OutletId,
    },
}

/// The kind of a channel, as stored in a checkout's `channel` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    Web,
    Livestream,
    Outlet,
}

impl ChannelKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Livestream => "livestream",
            Self::Outlet => "outlet",
        }
    }
}

impl Channel {
    pub const fn kind(self) -> ChannelKind {
        match self {
            Self::Web => ChannelKind::Web,
            Self::Livestream { .. } => ChannelKind::Livestream,
            Self::Outlet { .. } => ChannelKind::Outlet,
        }
    }

    pub const fn as_str(self) -> &'static str {
        self.kind().as_str()
    }

    pub const fn show_id(self) -> Option<ShowId> {
        match self {
            Self::Livestream { show_id } => Some(show_id),
            Self::Web | Self::Outlet { .. } => None,
        }
    }
}

/// A Vietnamese phone number: `0` and 9 digits, or `+84` and 9 digits; spaces, dots and
/// dashes allowed. Returned as `0xxxxxxxxx`.
pub fn parse_phone(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let national = match digits.strip_prefix("+84") {
        Some(rest) => format!("0{rest}"),
        None => digits,
    };
    let ok = national.len() == 10
        && national.starts_with('0')
        && !national.starts_with("00")
        && national.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(national)
}

/// `prefix` and 8 random characters without look-alikes (no 0/O, 1/I): checkout references
/// (`OV-`) and refund codes (`HT`), read out on the phone and typed into bank messages.
pub fn random_code(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let code: String = bytes[..8]
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{code}")
}

/// The first code made by [`random_code`] with `prefix` (letters only, `HT` or `TT`) in a
/// transfer's message, whatever its case: banks often change it.
pub fn find_code(description: &str, prefix: &str) -> Option<String> {
    description
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_uppercase)
        .find(|word| {
            word.len() == prefix.len() + 8
                && word.starts_with(prefix)
                && word
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn a_code_is_found_in_a_bank_message_whatever_its_case() {
        assert_eq!(
            find_code("CK hoan tien ht2345abcd cho don OV-ABCDEFGH-1", "HT").as_deref(),
            Some("HT2345ABCD")
        );
        assert_eq!(find_code("OV-ABCDEFGH-1 thanh toan", "HT"), None);
        assert_eq!(find_code("HT123", "HT"), None);
        assert_eq!(find_code("HT2345ABCD", "TT"), None);
        let code = random_code("TT");
        assert_eq!(
            find_code(&format!("OCOP Village {code} 2026-11"), "TT"),
            Some(code)
        );
    }
}
