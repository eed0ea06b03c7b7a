//! Validated domain types and rules. Nothing here knows about actix or sea-orm.
pub mod digest;
pub mod money;
pub mod orders;
pub mod reference;
pub mod refusal;
pub mod registry;
pub mod text;
pub mod time;
