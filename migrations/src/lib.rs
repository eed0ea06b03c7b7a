//! Database schema for OCOP Village. Every migration runs on SQLite and PostgreSQL.
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_reference_tables;
mod m20261122_000002_create_registry_tables;
mod m20261122_000003_create_catalog_tables;
mod m20261122_000004_create_outbox;
mod m20261122_000005_create_accounts;
mod m20261122_000006_create_verification_tokens;
mod m20261122_000007_create_roles_and_onboarding;
mod m20261122_000008_create_orders;
mod m20261122_000009_create_payments;
mod m20261122_000010_create_live_shows;
mod m20261122_000011_create_outlet_stock;
mod m20261201_000012_add_outlet_images_and_invitations;
mod m20261201_000013_add_order_completion;
mod m20261202_000014_create_leases_and_outbox_claims;
mod m20261203_000015_create_address_book;
mod m20261203_000016_add_shipping;
mod m20261203_000017_add_invoice_requests;
mod m20261203_000018_create_refunds;
mod m20261203_000019_create_ledger;
mod m20261203_000020_create_returns;
mod m20261203_000021_add_producer_stories;
mod m20261203_000022_create_reviews;
mod m20261203_000023_create_quality_reports;
mod m20261204_000024_create_vouchers;
mod m20261204_000025_create_listing_variants;
mod m20261204_000026_create_gift_combos;
mod m20261204_000027_add_variant_photos;
mod m20261205_000028_create_channel_declarations;
mod m20261206_000029_create_change_counters;
mod m20261206_000030_add_national_scale_indexes;
mod m20261207_000031_add_refunded_events_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_reference_tables::Migration),
            Box::new(m20261122_000002_create_registry_tables::Migration),
            Box::new(m20261122_000003_create_catalog_tables::Migration),
            Box::new(m20261122_000004_create_outbox::Migration),
            Box::new(m20261122_000005_create_accounts::Migration),
            Box::new(m20261122_000006_create_verification_tokens::Migration),
            Box::new(m20261122_000007_create_roles_and_onboarding::Migration),
            Box::new(m20261122_000008_create_orders::Migration),
            Box::new(m20261122_000009_create_payments::Migration),
            Box::new(m20261122_000010_create_live_shows::Migration),
            Box::new(m20261122_000011_create_outlet_stock::Migration),
            Box::new(m20261201_000012_add_outlet_images_and_invitations::Migration),
            Box::new(m20261201_000013_add_order_completion::Migration),
            Box::new(m20261202_000014_create_leases_and_outbox_claims::Migration),
            Box::new(m20261203_000015_create_address_book::Migration),
            Box::new(m20261203_000016_add_shipping::Migration),
            Box::new(m20261203_000017_add_invoice_requests::Migration),
            Box::new(m20261203_000018_create_refunds::Migration),
            Box::new(m20261203_000019_create_ledger::Migration),
            Box::new(m20261203_000020_create_returns::Migration),
            Box::new(m20261203_000021_add_producer_stories::Migration),
            Box::new(m20261203_000022_create_reviews::Migration),
            Box::new(m20261203_000023_create_quality_reports::Migration),
            Box::new(m20261204_000024_create_vouchers::Migration),
            Box::new(m20261204_000025_create_listing_variants::Migration),
            Box::new(m20261204_000026_create_gift_combos::Migration),
            Box::new(m20261204_000027_add_variant_photos::Migration),
            Box::new(m20261205_000028_create_channel_declarations::Migration),
            Box::new(m20261206_000029_create_change_counters::Migration),
            Box::new(m20261206_000030_add_national_scale_indexes::Migration),
            Box::new(m20261207_000031_add_refunded_events_index::Migration),
        ]
    }
}
