//! The web shell: application state, the router assembled from every
//! context's route table, middleware (authentication, access, metrics,
//! HTML error pages), templates, embedded assets and the OpenAPI document.

pub mod assets;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod system;
pub mod templates;

use ed25519_dalek::SigningKey;
use std::ops::Deref;
use std::sync::Arc;

use crate::platform::auth::login::LoginLimiter;
use crate::platform::clock::Clock;
use crate::platform::db::Db;

pub use routes::{RouteDef, build_router, route_table};

/// Settings the web layer needs at run time.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// The data folder: uploaded files and import error reports live here.
    pub data_dir: std::path::PathBuf,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from the last `X-Forwarded-For` entry (set
    /// when a reverse proxy terminates HTTPS in front of jianguan).
    pub trust_forwarded_for: bool,
    /// Where evidence files live (a folder, or an S3-compatible bucket).
    pub evidence: crate::platform::blobs::Blobs,
    /// The portal's public address for printed links (QR posters).
    pub public_base_url: Option<String>,
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

pub struct StateInner {
    pub db: Db,
    pub clock: Clock,
    pub key: SigningKey,
    pub settings: WebSettings,
    pub metrics: metrics::Metrics,
    pub limiter: LoginLimiter,
    /// The entity search index, when one could be opened.
    pub search: Option<std::sync::Arc<crate::registry::search::SearchIndex>>,
}

impl AppState {
    pub fn new(db: Db, clock: Clock, key: SigningKey, settings: WebSettings) -> Self {
        // One process owns the index writer; a second server on the same
        // data folder searches with SQL instead.
        let search =
            match crate::registry::search::SearchIndex::open(&settings.data_dir.join("search").join("entities")) {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "search index unavailable; searching with SQL");
                    None
                }
            };
        AppState(Arc::new(StateInner {
            search,
            db,
            clock,
            key,
            settings,
            metrics: metrics::Metrics::new(),
            limiter: LoginLimiter::default(),
        }))
    }
}

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}
