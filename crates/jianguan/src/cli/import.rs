//! `jianguan import ...`: load spreadsheets into the registry and the catalog.

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use jianguan_rules::access::DataScope;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::audit::Actor;
use crate::platform::clock::Clock;
use crate::platform::config::{Config, DbArgs};
use crate::registry::import::{ImportOptions, import_table};
use crate::registry::tabular::read_file;
use crate::server;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import market entities from a .csv (UTF-8 or GB18030) or .xlsx file.
    /// Exits 0 when every row was imported, 3 when some rows were rejected
    /// (listed in the error file), 1 on failure.
    Entities(ImportArgs),
    /// Import the supervision-item catalog from a .xlsx or .csv workbook
    /// (the columns of `export catalog`). Items are upserted by code; a
    /// changed published item gets a new version. Exits 3 when some rows
    /// were rejected (listed in the error file).
    Catalog(CatalogImportArgs),
}

#[derive(Debug, Args)]
pub struct CatalogImportArgs {
    pub file: PathBuf,
    /// Where to write rejected rows (default: FILE.errors.csv beside the file).
    #[arg(long)]
    pub errors: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

fn errors_path_for(file: &std::path::Path, given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| {
        let mut p = file.to_path_buf().into_os_string();
        p.push(".errors.csv");
        PathBuf::from(p)
    })
}

async fn run_catalog(a: CatalogImportArgs) -> anyhow::Result<ExitCode> {
    let config = Config::for_db(&a.db)?;
    let db = server::open_db(&config).await?;
    let file = a.file.clone();
    let table = tokio::task::spawn_blocking(move || read_file(&file)).await??;
    let report = crate::catalog::io::import(
        &db,
        &crate::catalog::store::Editor::system(Actor::Cli),
        Clock::System.now(),
        &table,
    )
    .await;
    db.close().await;
    let report = report?;
    println!(
        "{} rows: {} created, {} updated, {} new versions, {} unchanged, {} rejected",
        report.total_rows,
        report.created,
        report.updated,
        report.new_versions,
        report.unchanged,
        report.errors.len()
    );
    if report.errors.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let path = errors_path_for(&a.file, a.errors);
    std::fs::write(&path, crate::catalog::io::errors_csv(&report.errors)?)?;
    println!("rejected rows with line and reason: {}", path.display());
    Ok(ExitCode::from(3))
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Where to write rejected rows (default: FILE.errors.csv beside the file).
    #[arg(long)]
    pub errors: Option<PathBuf>,
    /// Rows per transaction.
    #[arg(long, default_value_t = 5000)]
    pub batch_size: usize,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let a = match cmd {
        ImportCommand::Entities(a) => a,
        ImportCommand::Catalog(a) => return run_catalog(a).await,
    };
    let config = Config::for_db(&a.db)?;
    let db = server::open_db(&config).await?;
    let file = a.file.clone();
    let (table, bytes) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let bytes = std::fs::read(&file)?;
        Ok((std::sync::Arc::new(read_file(&file)?), bytes))
    })
    .await??;
    let errors_path = errors_path_for(&a.file, a.errors.clone());
    let opts = ImportOptions {
        job: None,
        actor: Actor::Cli,
        scope: DataScope::All,
        batch_size: a.batch_size.max(1),
        errors_path,
        file_name: a
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let bar = ProgressBar::new(table.rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = import_table(
        &db,
        table.clone(),
        &bytes,
        &opts,
        || Clock::System.now(),
        |done, _| bar.set_position(done as u64),
    )
    .await;
    bar.finish_and_clear();
    db.close().await;
    let report = report?;
    println!(
        "{} rows ({}): {} inserted, {} updated, {} unchanged, {} rejected{}",
        report.total_rows,
        report.encoding,
        report.outcome.inserted,
        report.outcome.updated,
        report.outcome.unchanged,
        report.bad_rows,
        if report.resumed_after > 0 {
            format!("; resumed after row {}", report.resumed_after)
        } else {
            String::new()
        }
    );
    match &report.errors_file {
        Some(p) => {
            println!("rejected rows with line and reason: {p}");
            Ok(ExitCode::from(3))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}
