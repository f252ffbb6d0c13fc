//! The command line: one file per subcommand.

mod audit;
mod demo;
mod draw;
mod export;
mod import;
mod migrate;
mod search;
mod serve;
mod user;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "jianguan",
    version,
    about = "互联网+监管 — Internet + Supervision platform for market regulators"
)]
pub struct Cli {
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, global = true, env = "JIANGUAN_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (UI, API, public portal).
    Serve(crate::platform::config::ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate(crate::platform::config::DbArgs),
    /// Run the server with a demo province (created on first run, reused after).
    Demo(demo::DemoArgs),
    /// Import spreadsheets (market entities ...).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export to spreadsheets.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Maintain the full-text search index.
    #[command(subcommand)]
    Search(search::SearchCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Check and sign the audit chain.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Random draws: verify a published draw bundle offline.
    #[command(subcommand)]
    Draw(draw::DrawCommand),
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("JIANGUAN_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Run one subcommand.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    crate::app::wire();
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::User(cmd) => user::run(cmd).await,
        Command::Import(cmd) => import::run(cmd).await,
        Command::Search(cmd) => search::run(cmd).await,
        Command::Export(cmd) => export::run(cmd).await,
        Command::Audit(cmd) => audit::run(cmd).await,
        Command::Draw(cmd) => draw::run(cmd),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
