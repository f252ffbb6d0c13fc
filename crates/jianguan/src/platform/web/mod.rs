//! The web shell: application state, the router assembled from every
//! context's route table, middleware (authentication, access, metrics,
//! HTML error pages), templates, embedded assets and the OpenAPI document.

pub mod assets;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod routes;
pub mod system;
pub mod templates;

use ed25519_dalek::SigningKey;
use std::ops::Deref;
use std::sync::Arc;

use crate::platform::auth::login::LoginLimiter;
use crate::platform::clock::Clock;
use crate::platform::db::Db;

pub use routes::{RouteDef, assemble};

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
    /// What the contexts keep in the state (the search index, …), put in
    /// by the composition root and found by type: the shell names none of
    /// them.
    pub parts: axum::http::Extensions,
}

impl AppState {
    pub fn new(db: Db, clock: Clock, key: SigningKey, settings: WebSettings, parts: axum::http::Extensions) -> Self {
        AppState(Arc::new(StateInner {
            db,
            clock,
            key,
            settings,
            metrics: metrics::Metrics::new(),
            limiter: LoginLimiter::default(),
            parts,
        }))
    }

    /// A part of the state a context put in, by its type.
    pub fn part<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.0.parts.get::<T>()
    }
}

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}
