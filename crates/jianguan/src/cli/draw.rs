//! `jianguan draw verify FILE`: recompute a published draw from its bundle
//! (`GET /api/v1/public/draws/{id}/bundle`), offline, without a database.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum DrawCommand {
    /// Check a draw bundle (JSON): the revealed secret against the
    /// commitment, the snapshot and inspector digests, then the draw itself.
    /// Exits 0 when everything matches, 1 naming the first difference.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle file (`-` for standard input).
    pub file: PathBuf,
}

pub fn run(cmd: DrawCommand) -> anyhow::Result<ExitCode> {
    let DrawCommand::Verify(a) = cmd;
    let text = if a.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(&a.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", a.file.display()))?
    };
    let bundle: jianguan_rules::draw::Bundle =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("not a draw bundle: {e}"))?;
    match jianguan_rules::draw::verify_public(&bundle) {
        Ok((result, checked)) => {
            let full = result.selected.iter().filter(|s| s.full).count();
            println!("OK: {} ({})", bundle.algorithm, result.snapshot_digest);
            println!(
                "  {} candidates; {} entities selected ({} taken in full from the key list), {} teams, {} shortages",
                bundle.candidates.len(),
                result.selected.len(),
                full,
                result.teams.len(),
                result.shortages.len()
            );
            println!("  commitment {} matches the revealed secret", bundle.commitment);
            println!("  value supplied at the draw: {}", bundle.public_value);
            if checked == jianguan_rules::draw::Checked::Objects {
                println!(
                    "  teams not checked: this public bundle withholds the {} recusals (published as commitments); \
                     the regulator's bundle verifies them",
                    bundle.recusal_commitments.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("MISMATCH: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
