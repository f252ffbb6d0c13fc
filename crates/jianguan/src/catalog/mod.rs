//! The catalog context: "the one list" (mission C1, C3, C11, C12). The
//! supervision-item catalog with versions, the guard every supervisory
//! action passes, import and export, the key-supervision list with its
//! coverage, tolerance lists, and annual plans with their progress.

pub mod guard;
pub mod io;
pub mod keylist;
pub mod model;
pub mod plans;
pub mod routes;
pub mod sample;
pub mod store;
pub mod tolerance;
pub mod views;
