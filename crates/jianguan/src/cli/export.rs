//! `jianguan export ...`: write registry data to a spreadsheet.

use clap::{Args, Subcommand};
use jianguan_rules::access::DataScope;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::platform::config::{Config, DbArgs};
use crate::registry::export;
use crate::registry::store::EntityFilter;
use crate::server;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export market entities matching the filters to FILE (.xlsx or .csv).
    Entities(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub file: PathBuf,
    /// Text in name, former name, legal representative, address or code.
    #[arg(long)]
    pub q: Option<String>,
    /// Division code (the region and everything below it).
    #[arg(long)]
    pub division: Option<String>,
    /// Industry code or section letter.
    #[arg(long)]
    pub industry: Option<String>,
    #[arg(long)]
    pub entity_type: Option<String>,
    #[arg(long)]
    pub status: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(cmd: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Entities(a) = cmd;
    let config = Config::for_db(&a.db)?;
    let db = server::open_db(&config).await?;
    let filter = EntityFilter {
        q: a.q,
        division: a.division,
        industry: a.industry,
        entity_type: a.entity_type,
        status: a.status,
        page: None,
        per_page: None,
    };
    let entities = export::collect(&db, &filter, &DataScope::All).await?;
    db.close().await;
    let file = a.file.clone();
    let n = entities.len();
    tokio::task::spawn_blocking(move || export::write(&file, &entities)).await??;
    println!("wrote {n} entities to {}", a.file.display());
    Ok(ExitCode::SUCCESS)
}
