//! The audit context: the tamper-evident log every state change writes to,
//! its daily signed checkpoints, and their verification.
//!
//! Other contexts call [`record`] inside their own transaction; nothing else
//! writes the `audit_*` tables.

pub mod routes;
pub mod store;

pub use store::{Actor, record};
