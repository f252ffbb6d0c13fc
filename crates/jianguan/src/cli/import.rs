//! `jianguan import ...`: load spreadsheets into the registry.

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
    let ImportCommand::Entities(a) = cmd;
    let config = Config::for_db(&a.db)?;
    let db = server::open_db(&config).await?;
    let file = a.file.clone();
    let (table, bytes) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let bytes = std::fs::read(&file)?;
        Ok((std::sync::Arc::new(read_file(&file)?), bytes))
    })
    .await??;
    let errors_path = a.errors.clone().unwrap_or_else(|| {
        let mut p = a.file.clone().into_os_string();
        p.push(".errors.csv");
        PathBuf::from(p)
    });
    let opts = ImportOptions {
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
