//! `jianguan migrate`: bring the schema up to date.

use std::process::ExitCode;

use crate::platform::config::{Config, DbArgs};
use crate::server;

pub async fn run(args: DbArgs) -> anyhow::Result<ExitCode> {
    let config = Config::for_db(&args)?;
    let db = server::open_db(&config).await?;
    db.close().await;
    println!(
        "database is up to date ({})",
        crate::platform::db::redact_url(&config.database_url)
    );
    Ok(ExitCode::SUCCESS)
}
