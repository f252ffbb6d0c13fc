//! Authentication and authorisation: password hashing, sign-in with lock-out,
//! browser sessions with CSRF tokens, bearer tokens for machines, and the
//! per-route access check.

pub mod access;
pub mod jurisdiction;
pub mod login;
pub mod password;
pub mod routes;
pub mod session;

pub use access::{Access, CurrentUser};
