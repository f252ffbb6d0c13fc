//! The rules of supervision as pure functions and types.
//!
//! Nothing here does I/O, awaits, touches a database or speaks HTTP: each
//! module encodes what a law, a standard or an algorithm says, so that it can
//! be read and tested in isolation and reused by anyone who wants to check
//! the platform's work (for example, recomputing the audit chain).

pub mod access;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod checklist;
pub mod directory;
pub mod division;
pub mod draw;
pub mod enforcement;
pub mod industry;
pub mod jurisdiction;
pub mod login;
pub mod scan;
pub mod strata;
pub mod team;
pub mod text;
pub mod uscc;

pub use access::Role;
pub use division::{DivisionCode, DivisionLevel};
pub use industry::{IndustryCode, IndustryLevel};
pub use uscc::Uscc;
