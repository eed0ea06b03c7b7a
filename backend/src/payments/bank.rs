//! Bank transfer notifications: the bank (or an aggregator watching the sellers' accounts)
//! posts each incoming transfer to `/webhooks/bank`, signed like Stripe's webhooks:
//!
//! `X-Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`
//!
//! with the body `{"id": "<bank transaction id>", "amount_vnd": 150000,
//! "account_no": "0011001234567", "description": "OV-ABCDEFGH-1 …"}`. A transfer pays an order
//! when its description holds the order code (the VietQR code puts it there), the amount
//! equals the order's subtotal and it went to the seller's account
//! (`features::orders::payments::apply_bank_transfer`). Each transaction id is recorded once: a
//! replayed notification changes nothing. A transfer whose description holds a refund's code
//! (`HT` and 8 characters) to the shopper's account pays that refund back instead
//! (`features::orders::refunds::apply_bank_transfer`).
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::domain::money::Vnd;

/// How far the signature's time may be from the app's clock.
const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Deserialize)]
pub struct Notification {
    pub id: String,
    pub amount_vnd: Vnd,
    pub account_no: String,
    pub description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the signature header is missing or does not match the body")]
    BadSignature,
    #[error("the signature is more than 5 minutes old")]
    Stale,
    #[error("the body is not a transfer notification: {0}")]
    BadPayload(String),
}

/// The header value for `body` at `timestamp` (for the bank's side, and tests).
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let digest = keyed(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(digest))
}

/// The HMAC of `"<timestamp>.<body>"`, before finalising.
fn keyed(secret: &str, timestamp: i64, body: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("{timestamp}.{body}").as_bytes());
    mac
}

/// Checks the signature (in constant time) and its age.
pub fn verify(secret: &str, header: &str, body: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(Refusal::BadSignature)?;
    let matches = candidates.iter().any(|candidate| {
        hex::decode(candidate)
            .is_ok_and(|given| keyed(secret, timestamp, body).verify_slice(&given).is_ok())
    });
    if !matches {
        return Err(Refusal::BadSignature);
    }
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(Refusal::Stale);
    }
    Ok(())
}

/// The first order code (`OV-XXXXXXXX-n`) in a transfer description. Banks often drop the
/// dashes or change the case, so those are accepted too.
pub fn find_order_code(description: &str) -> Option<String> {
    let upper: String = description
        .to_ascii_uppercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || c.is_whitespace())
        .collect();
    upper.split_whitespace().find_map(|word| {
        let rest = word.strip_prefix("OV")?;
        if rest.len() < 9 {
            return None;
        }
        let (code, number) = rest.split_at(8);
        let alphabet_ok = code
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
        let number_ok = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
        (alphabet_ok && number_ok).then(|| format!("OV-{code}-{number}"))
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn order_codes_are_found_even_when_the_bank_mangles_them() {
        for (description, expected) in [
            ("OV-ABCDEFGH-1", Some("OV-ABCDEFGH-1")),
            ("CT DEN: ovabcdefgh2 thanh toan", Some("OV-ABCDEFGH-2")),
            (
                "MBVCB.123 OV-K7M2P9QX-12 NGUYEN VAN A",
                Some("OV-K7M2P9QX-12"),
            ),
            ("OV-ABCDEFGH", None),
            ("thanh toan don hang", None),
        ] {
            assert_eq!(
                find_order_code(description).as_deref(),
                expected,
                "{description}"
            );
        }
    }

    #[test]
    fn signatures_are_checked_and_must_be_fresh() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 22, 8, 0, 0)
            .single()
            .expect("time");
        let body = r#"{"id":"T1","amount_vnd":1000,"account_no":"123456","description":"x"}"#;
        let good = sign("s3cret", now.timestamp(), body);
        assert!(verify("s3cret", &good, body, now).is_ok());
        assert!(matches!(
            verify("other", &good, body, now),
            Err(Refusal::BadSignature)
        ));
        assert!(matches!(
            verify("s3cret", &good, &body.replace("1000", "9000"), now),
            Err(Refusal::BadSignature)
        ));
        let old = sign("s3cret", now.timestamp() - 301, body);
        assert!(matches!(
            verify("s3cret", &old, body, now),
            Err(Refusal::Stale)
        ));
        assert!(matches!(
            verify("s3cret", "garbage", body, now),
            Err(Refusal::BadSignature)
        ));
    }
}
