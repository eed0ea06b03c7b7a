//! sea-orm entities, one module per table, mirroring `migrations/`. Query functions live in
//! the modules that own the rules (`registry`, `catalog`, …), not here.
pub mod api_token;
pub mod audit_log;
pub mod cart;
pub mod cart_item;
pub mod certificate_reminder;
pub mod checkout;
pub mod listing;
pub mod listing_photo;
pub mod membership;
pub mod order;
pub mod order_event;
pub mod order_item;
pub mod outbox;
pub mod outlet;
pub mod product_group;
pub mod product_subgroup;
pub mod province;
pub mod province_name;
pub mod region;
pub mod registry_certificate;
pub mod registry_import;
pub mod registry_participant;
pub mod seller;
pub mod seller_application;
pub mod user;
pub mod verification_token;
