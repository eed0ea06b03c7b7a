//! The features: each a folder with its rules, queries and view models, usable without actix,
//! with its HTTP handlers in the route file of the same name (`routes/{feature}.rs`). A feature
//! may call a lower one in this list, never a higher one; all of them stand on the
//! infrastructure (db, search engines, mail, media, jobs, payment providers) and the domain.
//!
//! accounts → catalog → registry → onboarding → selling → quality → live → offers → orders →
//! shipping → cart → outlets → sales
pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod live;
pub mod offers;
pub mod onboarding;
pub mod orders;
pub mod outlets;
pub mod quality;
pub mod registry;
pub mod sales;
pub mod selling;
pub mod shipping;
