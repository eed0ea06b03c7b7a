//! Integration tests: each test starts the real application on a random port against its own
//! fresh database (a SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set).
mod accounts;
mod checkout;
mod concurrency;
mod faults;
mod health;
mod helpers;
mod live;
mod mail_smtp;
mod media_store;
mod onboarding;
mod ops;
mod orders;
mod outlets;
mod payments;
mod photos;
mod provinces;
mod registry_import;
mod route_matrix;
mod sales;
mod search;
mod search_conformance;
mod security;
mod seed;
mod selling;
mod seo;
mod storefront;
