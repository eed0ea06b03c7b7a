//! The web layer's plumbing: static assets, the request's principal and language, sessions and
//! CSRF, error pages and JSON errors, charts, security headers and rate limits, metrics.
pub mod assets;
pub mod auth;
pub mod charts;
pub mod desk;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod json;
pub mod metrics;
pub mod page_cache;
pub mod security;
pub mod session;
