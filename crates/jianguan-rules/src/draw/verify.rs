//! Recomputing a published draw from its bundle, and naming the first
//! thing that does not match.
//!
//! The checks run in the order a reader would want them: the algorithm
//! version, the revealed secret against the commitment published before the
//! draw, the snapshot and inspector digests published before the draw, then
//! the draw itself (with any later replacements replayed in order) against
//! the published result, field by field and position by position.

use super::{
    ALGORITHM, Candidate, CompactCandidates, DrawError, DrawInput, DrawResult, Inspector, Recusal, StratumRule,
    TeamNeeds, commitment, draw, inspector_digest, replace, snapshot_digest,
};
use serde::{Deserialize, Serialize};

/// A recusal after the draw, replayed by [`super::replace`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    pub code: String,
    pub inspector: String,
}

/// Everything needed to recompute a draw: what was published before it
/// (digests, commitment), the inputs, the revealed secret and the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub algorithm: String,
    pub candidates: Vec<Candidate>,
    pub rules: Vec<StratumRule>,
    #[serde(default)]
    pub full: Vec<String>,
    pub inspectors: Vec<Inspector>,
    pub needs: TeamNeeds,
    #[serde(default)]
    pub recusals: Vec<Recusal>,
    /// In a public bundle the recusals are withheld (who inspected an
    /// entity last time, who declared a conflict with it, are not public):
    /// each is published as [`recusal_commitment`] under a salt the
    /// regulator keeps, and the teams are verified with the regulator's
    /// bundle. Empty in a regulator's bundle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recusal_commitments: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recusals_withheld: bool,
    /// The salt of the commitments (hex), in the regulator's bundle only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recusal_salt: String,
    /// Replacements after the draw, in the order they were made.
    #[serde(default)]
    pub replacements: Vec<Replacement>,
    /// The revealed secret, lower-case hex.
    pub secret: String,
    pub public_value: String,
    /// Published before the draw.
    pub commitment: String,
    pub snapshot_digest: String,
    pub inspector_digest: String,
    pub result: DrawResult,
}

/// What does not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("unknown algorithm {0:?}; this verifier implements {ALGORITHM}")]
    UnknownAlgorithm(String),
    #[error("the revealed secret is not hexadecimal")]
    BadSecret,
    #[error("the revealed secret does not match the commitment: published {published}, secret hashes to {computed}")]
    CommitmentMismatch { published: String, computed: String },
    #[error("the candidate snapshot or rules changed: published digest {published}, recomputed {computed}")]
    SnapshotDigestMismatch { published: String, computed: String },
    #[error("the inspectors, needs or recusals changed: published digest {published}, recomputed {computed}")]
    InspectorDigestMismatch { published: String, computed: String },
    #[error("this public bundle withholds the recusals: its teams are verified with the regulator's bundle")]
    RecusalsWithheld,
    #[error("the inputs are not a valid draw: {0}")]
    Invalid(#[from] DrawError),
    #[error("the result differs at {field}{}: published {published}, recomputed {computed}", index.map(|i| format!("[{i}]")).unwrap_or_default())]
    ResultMismatch {
        field: &'static str,
        index: Option<usize>,
        published: String,
        computed: String,
    },
}

fn show<T: Serialize>(v: Option<&T>) -> String {
    match v {
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
        None => "(nothing)".to_string(),
    }
}

fn same<T: PartialEq + Serialize>(field: &'static str, published: &T, computed: &T) -> Result<(), VerifyError> {
    if published == computed {
        return Ok(());
    }
    Err(VerifyError::ResultMismatch {
        field,
        index: None,
        published: show(Some(published)),
        computed: show(Some(computed)),
    })
}

fn same_list<T: PartialEq + Serialize>(
    field: &'static str,
    published: &[T],
    computed: &[T],
) -> Result<(), VerifyError> {
    for i in 0..published.len().max(computed.len()) {
        let (p, c) = (published.get(i), computed.get(i));
        if p != c {
            return Err(VerifyError::ResultMismatch {
                field,
                index: Some(i),
                published: show(p),
                computed: show(c),
            });
        }
    }
    Ok(())
}

/// The first difference between a published and a recomputed result.
pub fn compare(published: &DrawResult, computed: &DrawResult) -> Result<(), VerifyError> {
    same("algorithm", &published.algorithm, &computed.algorithm)?;
    same("snapshot_digest", &published.snapshot_digest, &computed.snapshot_digest)?;
    same(
        "inspector_digest",
        &published.inspector_digest,
        &computed.inspector_digest,
    )?;
    same("seed_commitment", &published.seed_commitment, &computed.seed_commitment)?;
    same("public_value", &published.public_value, &computed.public_value)?;
    same_list("strata", &published.strata, &computed.strata)?;
    same_list("selected", &published.selected, &computed.selected)?;
    same_list("teams", &published.teams, &computed.teams)?;
    same_list("shortages", &published.shortages, &computed.shortages)?;
    same_list("log", &published.log, &computed.log)?;
    same(
        "team_stream_position",
        &published.team_stream_position,
        &computed.team_stream_position,
    )
}

/// The commitment to one recusal: SHA-256 over a domain tag, the salt (hex)
/// and the pair, each on its own line. Without the salt nobody can test a
/// guessed pair; with it (the regulator's bundle) anyone can check that a
/// disclosed recusal was in the list frozen before the draw.
pub fn recusal_commitment(salt: &str, r: &Recusal) -> String {
    let text = format!("jianguan-recusal/1\n{salt}\n{}\n{}\n", r.inspector, r.code);
    crate::audit::sha256_hex(text.as_bytes())
}

/// The public form of a regulator's bundle: recusals replaced by their
/// commitments under the bundle's salt (which is dropped), sorted so that
/// their order tells nothing.
pub fn withhold_recusals(mut bundle: Bundle) -> Bundle {
    let salt = std::mem::take(&mut bundle.recusal_salt);
    let mut c: Vec<String> = bundle.recusals.iter().map(|r| recusal_commitment(&salt, r)).collect();
    c.sort();
    bundle.recusal_commitments = c;
    bundle.recusals = Vec::new();
    bundle.recusals_withheld = true;
    bundle
}

/// How much of a bundle [`verify_public`] could check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// Everything: objects, teams, replacements.
    Full,
    /// The commitment, the snapshot and the drawn entities; the teams rest
    /// on recusals the public bundle withholds.
    Objects,
}

/// Check any bundle: a regulator's in full ([`verify`]); a public one as
/// far as it can be without the withheld recusals — the secret against the
/// commitment, the candidate snapshot, and every drawn entity.
pub fn verify_public(bundle: &Bundle) -> Result<(DrawResult, Checked), VerifyError> {
    if !bundle.recusals_withheld {
        return verify(bundle).map(|r| (r, Checked::Full));
    }
    let (secret, candidates) = check_before_draw(bundle)?;
    let seed = super::derive_seed(&secret, &bundle.public_value);
    let (selected, strata) = super::select(&candidates, &bundle.rules, &bundle.full, &seed)?;
    same("seed_commitment", &bundle.result.seed_commitment, &commitment(&secret))?;
    same("public_value", &bundle.result.public_value, &bundle.public_value)?;
    same_list("strata", &bundle.result.strata, &strata)?;
    same_list("selected", &bundle.result.selected, &selected)?;
    Ok((bundle.result.clone(), Checked::Objects))
}

/// The algorithm, the revealed secret against the commitment, and the
/// snapshot digest: what every bundle can check.
fn check_before_draw(bundle: &Bundle) -> Result<(Vec<u8>, CompactCandidates), VerifyError> {
    if bundle.algorithm != ALGORITHM {
        return Err(VerifyError::UnknownAlgorithm(bundle.algorithm.clone()));
    }
    if bundle.result.algorithm != ALGORITHM {
        return Err(VerifyError::UnknownAlgorithm(bundle.result.algorithm.clone()));
    }
    let secret = hex::decode(&bundle.secret).map_err(|_| VerifyError::BadSecret)?;
    let computed = commitment(&secret);
    if computed != bundle.commitment {
        return Err(VerifyError::CommitmentMismatch {
            published: bundle.commitment.clone(),
            computed,
        });
    }
    let candidates = CompactCandidates::from_candidates(&bundle.candidates)?;
    let computed = snapshot_digest(&candidates, &bundle.rules, &bundle.full);
    if computed != bundle.snapshot_digest {
        return Err(VerifyError::SnapshotDigestMismatch {
            published: bundle.snapshot_digest.clone(),
            computed,
        });
    }
    Ok((secret, candidates))
}

/// Recompute the draw in `bundle` and check it against everything that was
/// published. Returns the recomputed result. A public bundle, whose
/// recusals are withheld, is refused: see [`verify_public`].
pub fn verify(bundle: &Bundle) -> Result<DrawResult, VerifyError> {
    if bundle.recusals_withheld {
        return Err(VerifyError::RecusalsWithheld);
    }
    let (secret, candidates) = check_before_draw(bundle)?;
    let computed = inspector_digest(&bundle.inspectors, &bundle.needs, &bundle.recusals);
    if computed != bundle.inspector_digest {
        return Err(VerifyError::InspectorDigestMismatch {
            published: bundle.inspector_digest.clone(),
            computed,
        });
    }
    let input = DrawInput {
        candidates: &candidates,
        rules: &bundle.rules,
        full: &bundle.full,
        inspectors: &bundle.inspectors,
        needs: &bundle.needs,
        recusals: &bundle.recusals,
    };
    let mut result = draw(&input, &secret, &bundle.public_value)?;
    for r in &bundle.replacements {
        replace(&mut result, &input, &secret, &r.code, &r.inspector)?;
    }
    compare(&bundle.result, &result)?;
    Ok(result)
}
