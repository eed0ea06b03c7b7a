//! `ocop-village bench …`: benchmarks that print figures.
pub mod checkout;
pub mod indicator;
pub mod photo;
pub mod search;
