//! OCOP Village: the online "e-commerce village" of Vietnam's One Commune One Product programme.
//!
//! `main.rs` is a thin command line over this library: configuration ([`config`]), then
//! [`telemetry`], then the [`startup::Application`] (HTTP server) or a one-off command.
pub mod app;
pub mod audit;
pub mod carriers;
pub mod config;
pub mod db;
pub mod domain;
pub mod features;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod ops;
pub mod payments;
pub mod render;
pub mod routes;
pub mod search;
pub mod startup;
pub mod telemetry;
pub mod web;
pub mod worker;
