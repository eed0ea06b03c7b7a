//! Storefront plumbing: templates, static assets and error pages.
pub mod assets;
pub mod auth;
pub mod charts;
pub mod error;
pub mod i18n;
pub mod metrics;
pub mod security;
pub mod session;
pub mod templates;
