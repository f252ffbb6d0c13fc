//! The composition root: the one module that names every context. It
//! assembles the route table and the OpenAPI document and hands them to the
//! shell (`platform::web`), so that no layer below names a layer above it
//! (`docs/architecture.md`). A new context adds its `routes()` here and
//! nowhere else.

pub mod openapi;
pub mod routes;

pub use routes::{build_router, route_table};

use crate::platform::clock::Clock;
use crate::platform::db::Db;
use crate::platform::web::{AppState, WebSettings};
use ed25519_dalek::SigningKey;

/// Plug every port into its implementation. Idempotent; called before
/// anything signs a record (the server's state, the command line).
pub fn wire() {
    crate::inspection::ports::wire_case_transfer(crate::enforcement::leads::case_transfer());
    crate::calendar::wire_recounts(vec![crate::enforcement::clock::recount]);
}

/// The sources of an entity's information chain, in the order shown: the
/// register's own, then each context's. A new context adds its source here.
pub fn chain_sources() -> crate::registry::chain::Sources {
    crate::registry::chain::Sources(vec![
        crate::registry::chain::registry_events,
        crate::inspection::store::chain_events,
        crate::enforcement::cases::chain_events,
    ])
}

/// The application state with every context's part: the search index of
/// the data folder (when it opens) and the chain's sources.
pub fn state(db: Db, clock: Clock, key: SigningKey, settings: WebSettings) -> AppState {
    wire();
    let mut parts = axum::http::Extensions::new();
    if let Some(index) = crate::registry::search::Shared::open(&settings.data_dir) {
        parts.insert(index);
    }
    parts.insert(chain_sources());
    AppState::new(db, clock, key, settings, parts)
}
