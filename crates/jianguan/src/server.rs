//! Starting the server: open and migrate the database, load the key, build
//! the router, run the daily checkpoint job, and shut down cleanly.

use anyhow::Context as _;
use std::net::SocketAddr;
use std::time::Duration;

use crate::app::build_router;
use crate::audit::store::checkpoint_today;
use crate::platform::clock::Clock;
use crate::platform::config::Config;
use crate::platform::db::{Db, DbOptions};
use crate::platform::keys;
use crate::platform::web::{AppState, WebSettings};

/// Open the database named by the configuration and bring its schema up to date.
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    }
    let db = Db::connect(&config.database_url, &DbOptions::default()).await?;
    db.migrate().await.context("migration failed")?;
    crate::registry::refdata::ensure_loaded(&db)
        .await
        .context("loading reference tables failed")?;
    Ok(db)
}

/// Build the application state for a configuration.
pub async fn state(config: &Config, db: Db) -> anyhow::Result<AppState> {
    let key = keys::load_or_create(&config.data_dir)?;
    Ok(crate::app::state(
        db,
        Clock::System,
        key,
        WebSettings {
            data_dir: config.data_dir.clone(),
            secure_cookies: config.secure_cookies,
            trust_forwarded_for: config.trust_forwarded_for,
            evidence: crate::platform::blobs::Blobs::open(&config.evidence_store)?,
            public_base_url: config.public_base_url.clone(),
        },
    ))
}

/// Serve until Ctrl-C or SIGTERM. `on_ready` runs once the socket is bound.
pub async fn run(config: &Config, state: AppState, on_ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    on_ready(addr);
    let job = tokio::spawn(checkpoint_job(state.clone()));
    let indexer = tokio::spawn(index_job(state.clone()));
    let app = build_router(state.clone());
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    job.abort();
    indexer.abort();
    state.db.close().await;
    Ok(())
}

/// Sign the day's checkpoint at start and then whenever a new day (China
/// Standard Time) has begun.
async fn checkpoint_job(state: AppState) {
    loop {
        match checkpoint_today(&state.db, &state.key, state.clock.now()).await {
            Ok(Some(cp)) => {
                tracing::info!(day = %cp.day, head_seq = cp.head_seq, "signed audit checkpoint")
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
        }
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
}

/// Keep the search index within a second of the database, whoever wrote.
async fn index_job(state: AppState) {
    let Some(crate::registry::search::Shared(index)) = state.part::<crate::registry::search::Shared>().cloned() else {
        return;
    };
    loop {
        match index.catch_up(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(entries = n, "search index caught up"),
            Err(e) => tracing::error!(error = %format!("{e:#}"), "search index update failed"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
