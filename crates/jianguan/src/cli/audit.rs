//! `jianguan audit ...`: verify the chain, sign a checkpoint.

use clap::{Args, Subcommand};
use std::process::ExitCode;

use crate::audit::store::{VerifyOutcome, checkpoint_today, verify};
use crate::platform::clock::Clock;
use crate::platform::config::{Config, DbArgs};
use crate::platform::db::{Db, DbOptions};
use crate::platform::keys;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every hash and check every signed checkpoint. Exits 0 when
    /// intact, 1 naming the first bad entry otherwise.
    Verify(VerifyArgs),
    /// Sign today's checkpoint now (the server also does this daily).
    Checkpoint(DbArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Require checkpoints to be signed by this hex ed25519 public key
    /// (otherwise each checkpoint's own key is used and listed).
    #[arg(long)]
    pub public_key: Option<String>,
}

pub async fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify(a) => {
            let config = Config::for_db(&a.db)?;
            // Pin the server's own key when its data folder is at hand, so
            // that checkpoints re-signed with another key are refused.
            let pinned = match a.public_key.clone() {
                Some(k) => Some(k),
                None => keys::public_key_hex(&config.data_dir)?,
            };
            match &pinned {
                Some(k) => println!("checking checkpoint signatures against public key {k}"),
                None => println!(
                    "no server key in {}: checking each checkpoint against the key it names (pin one with --public-key)",
                    config.data_dir.display()
                ),
            }
            // Read-only: do not create or migrate anything.
            let db = Db::connect(&config.database_url, &DbOptions::default()).await?;
            let outcome = verify(&db, pinned.as_deref()).await?;
            db.close().await;
            match outcome {
                VerifyOutcome::Intact { entries, checkpoints } => {
                    println!("audit chain intact: {entries} entries, {checkpoints} signed checkpoints verified");
                    Ok(ExitCode::SUCCESS)
                }
                VerifyOutcome::Broken(problem) => {
                    println!("audit chain BROKEN: {problem}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Checkpoint(args) => {
            let config = Config::for_db(&args)?;
            let db = crate::server::open_db(&config).await?;
            let key = keys::load_or_create(&config.data_dir)?;
            let cp = checkpoint_today(&db, &key, Clock::System.now()).await?;
            db.close().await;
            match cp {
                Some(cp) => println!(
                    "signed checkpoint {} at entry {} ({})",
                    cp.day, cp.head_seq, cp.head_hash
                ),
                None => println!("today's checkpoint already exists"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
