//! OCOP Village: the online "e-commerce village" of Vietnam's One Commune One Product programme.
//!
//! `main.rs` is a thin command line over this library: configuration ([`config`]), then
//! [`telemetry`], then the [`startup::Application`] (HTTP server) or a one-off command.
pub mod accounts;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod db;
pub mod domain;
pub mod i18n;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod media;
pub mod onboarding;
pub mod ops;
pub mod orders;
pub mod outlets;
pub mod payments;
pub mod registry;
pub mod render;
pub mod routes;
pub mod sales;
pub mod search;
pub mod selling;
pub mod shop;
pub mod startup;
pub mod telemetry;
pub mod web;
pub mod worker;
