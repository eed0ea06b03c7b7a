//! Validated domain types and rules. Nothing here knows about actix or runs a query; the
//! states derive sea-orm's value traits so entities can hold them.
pub mod communes;
pub mod digest;
pub mod ids;
pub mod invoice;
pub mod ledger;
pub mod money;
pub mod orders;
pub mod rating;
pub mod reference;
pub mod refusal;
pub mod registry;
pub mod shipping;
pub mod states;
pub mod text;
pub mod time;
pub mod vouchers;
