//! The verifiable random draw of 双随机、一公开, algorithm `jianguan-draw/1`:
//! which entities are inspected, and which inspectors inspect each of them.
//!
//! The draw is a pure, deterministic function of published inputs, so that
//! anyone holding the bundle (snapshot, rules, inspectors, the revealed
//! secret and the public value) can recompute it bit for bit and see that
//! nobody chose the result. The selection path uses integer arithmetic only
//! (no floating point), so every machine gets the same answer. The full
//! specification, with known-answer vectors and a reference implementation
//! in Python, is `docs/draw-algorithm.md`; in short:
//!
//! 1. **Seed, commit–reveal** ([`commitment`], [`derive_seed`]): before the
//!    draw the regulator publishes `SHA-256(secret)` together with the
//!    snapshot digests; afterwards it reveals the secret, and the seed is
//!    `SHA-256(secret ‖ 0x00 ‖ public_value)` where the public value is
//!    something nobody knew in advance (a lottery result, an index close).
//!    Neither side alone can steer the seed.
//! 2. **Random streams** ([`DrawStream`]): ChaCha20 with the djb layout
//!    (64-bit block counter, 64-bit stream id) keyed by the seed; stream `r`
//!    serves the `r`-th stratum rule, stream [`TEAM_STREAM`] the teams.
//! 3. **Entities** ([`sample`]): per stratum, `k` successive weighted draws
//!    without replacement over the candidates in code order, each draw an
//!    unbiased integer in `[0, remaining weight)`. Entities on the
//!    key-supervision list ([`DrawInput::full`]) are taken in full.
//! 4. **Teams** ([`assign_teams`]): seats per entity (one per required
//!    department, then filled up to the minimum size), each seat given to an
//!    eligible inspector with the lowest workload so far, ties broken by the
//!    team stream. Conflicts of interest are never paired; a seat nobody can
//!    fill is reported as a [`Shortage`].
//! 5. **Verification** ([`verify`]): recompute everything from a [`Bundle`]
//!    and name the first thing that differs.
//!
//! Legal anchors: 行政处罚法 (2021) 第四十二条 (执法人员不得少于两人, hence
//! [`MIN_TEAM_SIZE`]), 第四十三条 (回避: recusals are never paired, and a
//! late recusal is replaced by [`replace`]); SAMR's 双随机、一公开 rules
//! (random entities from the 检查对象名录库, random inspectors from the
//! 执法检查人员名录库, results published).

mod compact;
mod sample;
mod seed;
mod teams;
mod verify;

#[cfg(test)]
mod tests;

pub use compact::{CompactBuilder, CompactCandidates, inspector_digest, snapshot_digest};
pub use sample::{Pick, Sample, proportional_counts, sample};
pub use seed::{DrawStream, MIN_SECRET_LEN, Seed, TEAM_STREAM, commitment, derive_seed};
pub use teams::{TeamAssignment, assign_teams};
pub use verify::{
    Bundle, Checked, Replacement, VerifyError, compare, recusal_commitment, verify, verify_public, withhold_recusals,
};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version tag of this algorithm. Any change to the result for the same
/// inputs needs a new tag, so that old bundles keep verifying.
pub const ALGORITHM: &str = "jianguan-draw/1";

/// 行政处罚法第四十二条: 执法人员不得少于两人.
pub const MIN_TEAM_SIZE: u8 = 2;

/// Basis points in 100 %.
pub const FULL_RATIO_BP: u32 = 10_000;

/// One entity in the 检查对象名录库 snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The entity's unified social credit code (any unique text works).
    pub code: String,
    /// Its stratum, e.g. `"B/2"` for credit class B, risk level 2.
    pub stratum: String,
    /// Relative chance of being drawn within its stratum; at least 1.
    pub weight: u32,
}

/// How many entities to draw in one stratum.
///
/// With `pool` = the stratum's candidates minus those taken in full:
/// `k = min(count, pool)` when `count` is given, otherwise
/// `k = min(ceil(pool × ratio_bp / 10000), pool)`. Strata without a rule
/// draw nothing (their key-supervision entities are still taken).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumRule {
    pub stratum: String,
    /// Sampling ratio in basis points (10000 = 100 %), at most 10000.
    pub ratio_bp: u32,
    /// A fixed number to draw instead of the ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

/// One person in the 执法检查人员名录库.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspector {
    pub id: String,
    pub department: String,
    #[serde(default)]
    pub specialties: Vec<String>,
}

/// Who must inspect one entity.
///
/// Seats are one per entry of `departments`, in that order (a joint
/// inspection by several departments, 进一次门、查多项事), then as many seats
/// open to any of those departments as it takes to reach `min_size`. When
/// `departments` is empty every seat is open to every department. When
/// `specialty` is given every member must have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamNeed {
    #[serde(default)]
    pub departments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    /// At least [`MIN_TEAM_SIZE`].
    pub min_size: u8,
}

impl Default for TeamNeed {
    fn default() -> Self {
        Self {
            departments: Vec::new(),
            specialty: None,
            min_size: MIN_TEAM_SIZE,
        }
    }
}

impl TeamNeed {
    /// Number of seats: the required departments, topped up to `min_size`.
    pub fn seats(&self) -> usize {
        self.departments.len().max(usize::from(self.min_size))
    }
}

/// The team needs of a draw: the first of `codes[code]`, `strata[stratum]`
/// and `default` that exists applies to an entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamNeeds {
    pub default: TeamNeed,
    #[serde(default)]
    pub strata: BTreeMap<String, TeamNeed>,
    #[serde(default)]
    pub codes: BTreeMap<String, TeamNeed>,
}

impl TeamNeeds {
    pub fn resolve(&self, code: &str, stratum: &str) -> &TeamNeed {
        self.codes
            .get(code)
            .or_else(|| self.strata.get(stratum))
            .unwrap_or(&self.default)
    }
}

/// An inspector who must never be paired with an entity (行政处罚法第四十三条
/// 回避: a declared interest, or having inspected the same item there last
/// time).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Recusal {
    pub inspector: String,
    pub code: String,
}

/// Everything the draw reads besides the secret and the public value.
#[derive(Debug, Clone, Copy)]
pub struct DrawInput<'a> {
    pub candidates: &'a CompactCandidates,
    pub rules: &'a [StratumRule],
    /// Key-supervision entities, taken in full whatever the sampling says;
    /// a set (order and repeats do not matter).
    pub full: &'a [String],
    pub inspectors: &'a [Inspector],
    pub needs: &'a TeamNeeds,
    pub recusals: &'a [Recusal],
}

/// One selected entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selected {
    pub code: String,
    pub stratum: String,
    /// Taken because it is on the key-supervision list, not by sampling.
    pub full: bool,
}

/// The inspectors of one selected entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub code: String,
    /// Inspector ids in seat order (unfilled seats are left out and
    /// reported in [`DrawResult::shortages`]).
    pub inspectors: Vec<String>,
    /// For each inspector, the department its seat required, or `None` for
    /// a seat open to every participating department.
    pub seats: Vec<Option<String>>,
}

/// A seat no eligible inspector was left for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortage {
    pub code: String,
    /// The department the seat required, or `None` for an open seat.
    pub department: Option<String>,
}

/// Per-stratum figures, for publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumSummary {
    pub stratum: String,
    /// Candidates in the stratum.
    pub population: u64,
    /// Of which taken in full.
    pub full: u64,
    /// Of which sampled.
    pub drawn: u64,
    /// Random stream that served the stratum, `None` without a rule.
    pub stream: Option<u64>,
}

/// Something that happened to a draw after it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LogEntry {
    /// An inspector recused after the draw (行政处罚法第四十三条) and was
    /// replaced by `added`, or by nobody when no one eligible was left.
    Replaced {
        code: String,
        removed: String,
        added: Option<String>,
        department: Option<String>,
        /// Team-stream positions before and after the replacement draw.
        stream_from: u64,
        stream_to: u64,
    },
}

/// The outcome of a draw; everything in it can be recomputed by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawResult {
    pub algorithm: String,
    pub snapshot_digest: String,
    pub inspector_digest: String,
    pub seed_commitment: String,
    pub public_value: String,
    pub strata: Vec<StratumSummary>,
    /// Key-supervision entities first (in code order), then each stratum's
    /// draws in stratum order and draw order. Teams follow this order.
    pub selected: Vec<Selected>,
    pub teams: Vec<Team>,
    pub shortages: Vec<Shortage>,
    /// 64-bit words used so far from the team stream; a replacement
    /// continues from here.
    pub team_stream_position: u64,
    pub log: Vec<LogEntry>,
}

/// Why a draw cannot be made from the given inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("{what} {value:?} is empty or contains a control character")]
    BadText { what: &'static str, value: String },
    #[error("candidate columns are inconsistent: {0}")]
    BadColumns(&'static str),
    #[error("candidate code {0:?} appears more than once")]
    DuplicateCode(String),
    #[error("candidate codes are not in ascending order at {0:?}")]
    Unsorted(String),
    #[error("candidate {0:?} has weight 0; weights start at 1")]
    ZeroWeight(String),
    #[error("{0} candidates is more than a draw can take (4,294,967,295)")]
    TooManyCandidates(usize),
    #[error("more than 65,536 distinct strata")]
    TooManyStrata,
    #[error("stratum {0:?} has more than one rule")]
    DuplicateRule(String),
    #[error("stratum {stratum:?} has ratio {ratio_bp} bp; the most is 10000 (100 %)")]
    RatioOutOfRange { stratum: String, ratio_bp: u32 },
    #[error("key-supervision entity {0:?} is not in the candidate snapshot")]
    UnknownFullCode(String),
    #[error("inspector {0:?} appears more than once")]
    DuplicateInspector(String),
    #[error("inspector {0:?} is not in the inspector list")]
    UnknownInspector(String),
    #[error("a team needs at least two inspectors (行政处罚法第四十二条), not {min_size}")]
    TeamTooSmall { min_size: u8 },
    #[error("the secret has {len} bytes; at least {MIN_SECRET_LEN} are needed so that it cannot be guessed")]
    SecretTooShort { len: usize },
    #[error("the secret does not match the draw's commitment")]
    WrongSecret,
    #[error("the inspectors, needs or recusals differ from those the draw was made with")]
    InputsChanged,
    #[error("entity {0:?} has no team in this draw")]
    NotSelected(String),
    #[error("inspector {inspector:?} is not in the team of {code:?}")]
    NotInTeam { code: String, inspector: String },
    #[error("internal inconsistency: {0}")]
    Internal(&'static str),
}

/// Empty text, or text with control characters (the canonical encodings
/// separate fields with tabs and lines with newlines), is refused.
pub(crate) fn check_text(what: &'static str, value: &str) -> Result<(), DrawError> {
    if value.is_empty() || value.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(DrawError::BadText {
            what,
            value: value.to_string(),
        });
    }
    Ok(())
}

/// The entities drawn with `seed`, in order, and the per-stratum counts:
/// the half of the draw that does not depend on inspectors.
pub fn select(
    c: &CompactCandidates,
    rules: &[StratumRule],
    full: &[String],
    seed: &Seed,
) -> Result<(Vec<Selected>, Vec<StratumSummary>), DrawError> {
    let picked = sample(c, rules, full, seed)?;
    let selected = picked
        .picks
        .iter()
        .map(|p| {
            let i = p.index as usize;
            Selected {
                code: c.code(i).to_string(),
                stratum: c.stratum(i).to_string(),
                full: p.full,
            }
        })
        .collect();
    Ok((selected, picked.strata))
}

/// Make the whole draw: check the secret, derive the seed, draw the
/// entities, form the teams.
pub fn draw(input: &DrawInput<'_>, secret: &[u8], public_value: &str) -> Result<DrawResult, DrawError> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(DrawError::SecretTooShort { len: secret.len() });
    }
    let seed = derive_seed(secret, public_value);
    let c = input.candidates;
    let (selected, strata) = select(c, input.rules, input.full, &seed)?;
    let assignment = assign_teams(input.inspectors, input.needs, input.recusals, &selected, &seed)?;
    Ok(DrawResult {
        algorithm: ALGORITHM.to_string(),
        snapshot_digest: snapshot_digest(c, input.rules, input.full),
        inspector_digest: inspector_digest(input.inspectors, input.needs, input.recusals),
        seed_commitment: commitment(secret),
        public_value: public_value.to_string(),
        strata,
        selected,
        teams: assignment.teams,
        shortages: assignment.shortages,
        team_stream_position: assignment.stream_position,
        log: Vec::new(),
    })
}

/// An inspector recuses after the draw (行政处罚法第四十三条): record the
/// conflict, take the inspector out of the entity's team and draw a
/// replacement for the same seat, continuing the team stream where it
/// stopped so that the replacement is as reproducible as the draw.
///
/// Returns the log entry, which is also appended to `result.log`. When
/// nobody eligible is left the seat stays empty and a [`Shortage`] is added.
pub fn replace(
    result: &mut DrawResult,
    input: &DrawInput<'_>,
    secret: &[u8],
    code: &str,
    inspector: &str,
) -> Result<LogEntry, DrawError> {
    if commitment(secret) != result.seed_commitment {
        return Err(DrawError::WrongSecret);
    }
    if inspector_digest(input.inspectors, input.needs, input.recusals) != result.inspector_digest {
        return Err(DrawError::InputsChanged);
    }
    let seed = derive_seed(secret, &result.public_value);
    teams::replace(
        result,
        input.inspectors,
        input.needs,
        input.recusals,
        &seed,
        code,
        inspector,
    )
}
