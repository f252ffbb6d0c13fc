//! The integration tests: one binary, a module per context. Every store and
//! HTTP test runs on SQLite, and on PostgreSQL when
//! `JIANGUAN_TEST_POSTGRES_URL` is set (under `CI=true` it must be).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod audit_chain;
mod auth;
mod catalog;
mod checklists;
mod cli;
mod draws;
mod enforcement;
mod evidence;
mod jurisdiction;
mod layers;
mod org;
mod pages;
mod qr;
mod registry;
mod routes_matrix;
mod schema;
mod snapshots;
mod visits;
