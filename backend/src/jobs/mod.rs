//! Background work's plumbing: the outbox and leases (the worker that drains the outbox sits
//! above the features, in `worker.rs`).
pub mod lease;
pub mod outbox;
pub mod versions;
