//! `jianguan search reindex`: rebuild the entity search index from the database.

use clap::Subcommand;
use std::process::ExitCode;

use crate::platform::config::{Config, DbArgs};
use crate::registry::search::SearchIndex;
use crate::server;

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Rebuild the index from the database (stop the server first: one
    /// process writes the index at a time).
    Reindex(DbArgs),
}

pub async fn run(cmd: SearchCommand) -> anyhow::Result<ExitCode> {
    let SearchCommand::Reindex(args) = cmd;
    let config = Config::for_db(&args)?;
    let db = server::open_db(&config).await?;
    let index = SearchIndex::open(&config.data_dir.join("search").join("entities"))?;
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new_spinner();
    let n = index.reindex(&db, |n| bar.set_message(format!("{n} entities"))).await?;
    bar.finish_and_clear();
    db.close().await;
    println!("indexed {n} entities in {:.1}s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
