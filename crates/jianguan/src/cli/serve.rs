//! `jianguan serve`: run the web server.

use std::process::ExitCode;

use crate::platform::config::{Config, ServeArgs};
use crate::server;

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = Config::resolve(&args)?;
    tracing::info!(config = %config.describe(), "starting");
    let db = server::open_db(&config).await?;
    let state = server::state(&config, db).await?;
    server::run(&config, state, |addr| println!("jianguan listening on http://{addr}")).await?;
    Ok(ExitCode::SUCCESS)
}
