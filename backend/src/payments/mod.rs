//! Payment providers. Cash on delivery needs no code here; bank transfers use VietQR codes
//! ([`vietqr`]). Stripe arrives with the rest of issue 6.
pub mod vietqr;
