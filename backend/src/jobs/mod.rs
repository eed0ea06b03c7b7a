//! Background work: the outbox and the worker that drains it.
pub mod lease;
pub mod outbox;
pub mod worker;
