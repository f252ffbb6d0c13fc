//! The registry context: market entities keyed by their unified social
//! credit code, their licences and history, the division and industry
//! reference tables, import and export, the demo generator, and the start
//! of each entity's supervision information chain.

pub mod chain;
pub mod export;
pub mod generate;
pub mod import;
pub mod jobs;
pub mod model;
pub mod refdata;
pub mod routes;
pub mod search;
pub mod store;
pub mod tabular;
pub mod views;
