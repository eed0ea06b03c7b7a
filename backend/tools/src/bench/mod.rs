//! `ocop-village bench …`: benchmarks that print figures.
pub mod checkout;
pub mod indicator;
pub mod pages;
pub mod photo;
pub mod relevance;
pub mod search;
pub mod suggest;
