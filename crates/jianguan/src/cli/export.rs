//! `jianguan export ...`: write registry data or the catalog to a spreadsheet.

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
    /// Export the whole supervision-item catalog to FILE (.xlsx or .csv),
    /// in the columns `import catalog` reads.
    Catalog(CatalogExportArgs),
}

#[derive(Debug, Args)]
pub struct CatalogExportArgs {
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

async fn run_catalog(a: CatalogExportArgs) -> anyhow::Result<ExitCode> {
    let config = Config::for_db(&a.db)?;
    let db = server::open_db(&config).await?;
    let xlsx = crate::registry::tabular::extension(&a.file) == "xlsx";
    let bytes = crate::catalog::io::export(&db, xlsx).await;
    let n = crate::catalog::store::list(&db, &Default::default())
        .await
        .map(|v| v.len())
        .unwrap_or(0);
    db.close().await;
    let bytes = bytes?;
    std::fs::write(&a.file, bytes)?;
    println!("wrote {n} catalog items to {}", a.file.display());
    Ok(ExitCode::SUCCESS)
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
    let a = match cmd {
        ExportCommand::Entities(a) => a,
        ExportCommand::Catalog(a) => return run_catalog(a).await,
    };
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
