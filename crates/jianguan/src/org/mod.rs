//! The organisation: departments as a tree (province → city → county, each
//! with a GB/T 2260 division code and a kind) and the accounts that work in
//! them, with their roles, certificates and bound entities.

pub mod model;
pub mod routes;
pub mod store;
pub mod views;
