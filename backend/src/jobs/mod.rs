//! Background work's plumbing: the outbox and leases (the worker that drains the outbox is
//! [`crate::worker`]).
pub mod lease;
pub mod outbox;
