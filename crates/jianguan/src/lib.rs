//! jianguan (监管): the "Internet + Supervision" platform for market
//! regulators. The binary in `main.rs` is a thin shim over [`cli::run`].
//!
//! Layout: `platform/` holds what every context shares (database, auth,
//! audit wiring, web shell); each other folder is one bounded context with
//! its own model, store, routes and views. See docs/architecture.md.

pub mod app;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod cli;
pub mod demo;
pub mod draws;
pub mod enforcement;
pub mod inspection;
pub mod org;
pub mod platform;
pub mod portal;
pub mod registry;
pub mod risk;
pub mod server;
