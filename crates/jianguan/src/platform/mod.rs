//! Cross-cutting platform services: configuration, database, clock, keys,
//! errors, authentication and the web shell every context plugs into.

pub mod auth;
pub mod blobs;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod keys;
pub mod web;
