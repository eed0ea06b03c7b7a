//! Storefront plumbing: templates, static assets and error pages.
pub mod assets;
pub mod auth;
pub mod error;
pub mod session;
pub mod templates;
