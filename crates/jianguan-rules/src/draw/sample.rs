//! Drawing the entities: stratified, weighted, without replacement.
//!
//! The specification (what any reimplementation must compute):
//!
//! 1. Entities on the key-supervision list are selected first, in code
//!    order, and leave their strata's sampling pools.
//! 2. Rules are taken in ascending stratum order; the `r`-th (from 0) uses
//!    random stream `r`. Its pool is the stratum's remaining candidates in
//!    code order `c_0 … c_{P-1}` with weights `w_i`, and
//!    `k = min(count, P)` or `min(ceil(P × ratio_bp / 10000), P)`.
//! 3. `k` times: `W` = total weight of the candidates still in the pool,
//!    `x` = uniform in `[0, W)` from the stream; select the candidate whose
//!    interval `[w_0 + … + w_{j-1}, w_0 + … + w_j)` (sums over candidates
//!    still in the pool, in code order) contains `x`; take it out.
//!
//! Each draw picks candidate `i` with probability `w_i / W`; with equal
//! weights every `k`-subset of the pool is equally likely.
//!
//! How it is computed fast: candidates stay in one global code-ordered
//! array, cut into blocks of 64. Each rule keeps the remaining weight of its
//! stratum in every block, summed in a 16-ary tree, and one bit per
//! candidate marks those taken out. A draw walks the tree to the block that
//! holds `x` (about one cache miss), then scans the block's 64 slots.
//! Building is one pass over the stratum and weight columns, with no
//! gathering or sorting, so the whole draw is O(N + k log N) with about
//! N / 8 bytes of block sums per rule.

use super::compact::distinct_sorted;
use super::seed::{DrawStream, Seed};
use super::{CompactCandidates, DrawError, FULL_RATIO_BP, StratumRule, StratumSummary, check_text};
use std::collections::BTreeSet;

/// One selected candidate, by index into the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    pub index: u32,
    /// Taken from the key-supervision list.
    pub full: bool,
}

/// The entities of a draw, before teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// In the order of [`super::DrawResult::selected`].
    pub picks: Vec<Pick>,
    /// Every stratum that has candidates or a rule, ascending.
    pub strata: Vec<StratumSummary>,
}

const BLOCK: usize = 64;
const NO_RULE: u32 = u32::MAX;

/// Rules in stratum order, checked.
fn checked_rules(rules: &[StratumRule]) -> Result<Vec<&StratumRule>, DrawError> {
    let mut v: Vec<&StratumRule> = rules.iter().collect();
    v.sort_by(|a, b| a.stratum.cmp(&b.stratum));
    for (i, r) in v.iter().enumerate() {
        check_text("stratum", &r.stratum)?;
        if r.ratio_bp > FULL_RATIO_BP {
            return Err(DrawError::RatioOutOfRange {
                stratum: r.stratum.clone(),
                ratio_bp: r.ratio_bp,
            });
        }
        if i > 0 && v[i - 1].stratum == r.stratum {
            return Err(DrawError::DuplicateRule(r.stratum.clone()));
        }
    }
    Ok(v)
}

/// `k` for a pool of `pool` candidates.
fn quota(rule: &StratumRule, pool: u64) -> u64 {
    let k = match rule.count {
        Some(c) => u64::from(c),
        None => (pool * u64::from(rule.ratio_bp)).div_ceil(u64::from(FULL_RATIO_BP)),
    };
    k.min(pool)
}

/// Remaining weight per block, summed in a 16-ary tree: level 0 holds the
/// blocks, each level above the sums of 16 entries of the one below. A
/// draw reads at most 16 entries (two cache lines) per level, and the
/// upper levels are small enough to stay in cache, so the walk costs
/// about one miss where a binary tree costs one per level.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SumTree {
    levels: Vec<Vec<u64>>,
}

const FANOUT: usize = 16;

impl SumTree {
    fn new(blocks: Vec<u64>) -> Self {
        let mut levels = vec![blocks];
        while let Some(top) = levels.last()
            && top.len() > FANOUT
        {
            let up = top.chunks(FANOUT).map(|c| c.iter().sum()).collect();
            levels.push(up);
        }
        Self { levels }
    }

    fn total(&self) -> u64 {
        self.levels.last().map_or(0, |top| top.iter().sum())
    }

    /// The block whose weight interval holds `x` (which must be below the
    /// total), and the offset of `x` inside it.
    fn find(&self, mut x: u64) -> Option<(usize, u64)> {
        let mut node = 0usize;
        for level in self.levels.iter().rev() {
            let start = node * FANOUT;
            let end = (start + FANOUT).min(level.len());
            let mut next = None;
            for (i, &v) in level.get(start..end)?.iter().enumerate() {
                if x < v {
                    next = Some(start + i);
                    break;
                }
                x -= v;
            }
            node = next?;
        }
        Some((node, x))
    }

    fn subtract(&mut self, block: usize, w: u64) {
        let mut i = block;
        for level in &mut self.levels {
            if let Some(v) = level.get_mut(i) {
                *v -= w;
            }
            i /= FANOUT;
        }
    }
}

/// One counted candidate in a packed accumulator: counts live above bit
/// 40, weights below (a block's weight is under 64 × 2^32 = 2^38).
const COUNT_ONE: u64 = 1 << 40;
const WEIGHT_BITS: u64 = COUNT_ONE - 1;
/// Independent accumulator tables, so that runs of one stratum do not
/// wait on each other's store (the pass is otherwise latency-bound).
const LANES: usize = 4;
/// Unserved labels accumulate counts only; flushing them every 4,096
/// blocks keeps each lane's count far below 2^24.
const FLUSH_BLOCKS: usize = 4096;

/// Per-block weights of the served labels into `blocks_of[r][b]` and the
/// population of every label, in one pass.
fn block_sums(
    strata: &[u16],
    weights: &[u32],
    labels: usize,
    served: &[(usize, usize)],
    blocks_of: &mut [Vec<u64>],
) -> Vec<u64> {
    let mut population = vec![0u64; labels];
    let mut weight_mask = vec![0u64; labels];
    for &(_, l) in served {
        weight_mask[l] = u64::from(u32::MAX);
    }
    let mut acc = vec![0u64; LANES * labels];
    let take = |acc: &mut [u64], l: usize| -> u64 {
        let mut sum = 0;
        for lane in 0..LANES {
            sum += std::mem::take(&mut acc[lane * labels + l]);
        }
        sum
    };
    let blocks = strata.len().div_ceil(BLOCK);
    for (b, (sb, wb)) in strata.chunks(BLOCK).zip(weights.chunks(BLOCK)).enumerate() {
        let (s4, w4) = (sb.chunks_exact(LANES), wb.chunks_exact(LANES));
        let (s_rest, w_rest) = (s4.remainder(), w4.remainder());
        for (s, w) in s4.zip(w4) {
            for lane in 0..LANES {
                let l = usize::from(s[lane]);
                acc[lane * labels + l] += COUNT_ONE | (u64::from(w[lane]) & weight_mask[l]);
            }
        }
        for (&s, &w) in s_rest.iter().zip(w_rest) {
            let l = usize::from(s);
            acc[l] += COUNT_ONE | (u64::from(w) & weight_mask[l]);
        }
        for &(r, l) in served {
            let sum = take(&mut acc, l);
            blocks_of[r][b] = sum & WEIGHT_BITS;
            population[l] += sum >> 40;
        }
        if (b + 1) % FLUSH_BLOCKS == 0 || b + 1 == blocks {
            for (l, p) in population.iter_mut().enumerate() {
                *p += take(&mut acc, l) >> 40;
            }
        }
    }
    population
}

/// Draw the entities (see the module documentation).
pub fn sample(
    candidates: &CompactCandidates,
    rules: &[StratumRule],
    full: &[String],
    seed: &Seed,
) -> Result<Sample, DrawError> {
    let rules = checked_rules(rules)?;
    let labels = candidates.labels();
    let strata = candidates.strata_column();
    let weights = candidates.weights_column();
    let n = candidates.len();
    let nb = n.div_ceil(BLOCK);

    // Which rule (if any) serves each label, and which label each rule.
    let mut rule_of_label = vec![NO_RULE; labels.len()];
    let mut label_of_rule: Vec<Option<usize>> = Vec::with_capacity(rules.len());
    for (r, rule) in rules.iter().enumerate() {
        let l = labels.iter().position(|l| *l == rule.stratum);
        if let Some(l) = l {
            rule_of_label[l] = u32::try_from(r).map_err(|_| DrawError::Internal("rule count"))?;
        }
        label_of_rule.push(l);
    }
    let served: Vec<(usize, usize)> = label_of_rule
        .iter()
        .enumerate()
        .filter_map(|(r, l)| l.map(|l| (r, l)))
        .collect();

    // One pass over the stratum and weight columns: the population of
    // every label and, for served labels, the weight in every block.
    let mut blocks_of: Vec<Vec<u64>> = label_of_rule
        .iter()
        .map(|l| if l.is_some() { vec![0u64; nb] } else { Vec::new() })
        .collect();
    let population = block_sums(strata, weights, labels.len(), &served, &mut blocks_of);

    // Key-supervision entities: selected first, out of their pools.
    let mut removed = vec![0u64; nb];
    let mut full_count = vec![0u64; labels.len()];
    let mut picks = Vec::new();
    for code in distinct_sorted(full) {
        let i = candidates
            .position(code)
            .ok_or_else(|| DrawError::UnknownFullCode(code.to_string()))?;
        let l = usize::from(strata[i]);
        full_count[l] += 1;
        removed[i / BLOCK] |= 1u64 << (i % BLOCK);
        let r = rule_of_label[l];
        if r != NO_RULE {
            blocks_of[r as usize][i / BLOCK] -= u64::from(weights[i]);
        }
        picks.push(Pick {
            index: i as u32,
            full: true,
        });
    }

    let mut drawn = vec![0u64; rules.len()];
    for &(r, l) in &served {
        let pool = population[l] - full_count[l];
        let k = quota(rules[r], pool);
        if k == 0 {
            continue;
        }
        let mut tree = SumTree::new(std::mem::take(&mut blocks_of[r]));
        let mut total = tree.total();
        let label = l as u16;
        let mut stream = DrawStream::new(seed, r as u64);
        for _ in 0..k {
            let x = stream.below(total);
            let (b, mut rest) = tree
                .find(x)
                .ok_or(DrawError::Internal("weight tree shorter than its total"))?;
            let lo = b * BLOCK;
            let hi = (lo + BLOCK).min(n);
            let taken = removed[b];
            let mut chosen = None;
            for (j, (&s, &w)) in strata[lo..hi].iter().zip(&weights[lo..hi]).enumerate() {
                if s == label && taken & (1u64 << j) == 0 {
                    let w = u64::from(w);
                    if rest < w {
                        chosen = Some((j, w));
                        break;
                    }
                    rest -= w;
                }
            }
            let (j, w) = chosen.ok_or(DrawError::Internal("weight tree out of step with the block"))?;
            removed[b] |= 1u64 << j;
            tree.subtract(b, w);
            total -= w;
            picks.push(Pick {
                index: (lo + j) as u32,
                full: false,
            });
        }
        drawn[r] = k;
    }

    // Summary over every stratum named by a candidate or a rule.
    let names: BTreeSet<&str> = labels
        .iter()
        .map(String::as_str)
        .chain(rules.iter().map(|r| r.stratum.as_str()))
        .collect();
    let summary = names
        .into_iter()
        .map(|name| {
            let l = labels.iter().position(|l| l == name);
            let r = rules.iter().position(|r| r.stratum == name);
            StratumSummary {
                stratum: name.to_string(),
                population: l.map_or(0, |l| population[l]),
                full: l.map_or(0, |l| full_count[l]),
                drawn: r.map_or(0, |r| drawn[r]),
                stream: r.map(|r| r as u64),
            }
        })
        .collect();
    Ok(Sample { picks, strata: summary })
}

/// Split `total` over strata in proportion to their sizes, integer-exact:
/// each gets `floor(total × size / Σ size)`, and what is left goes one by
/// one to the largest remainders (ties to the earlier stratum). Used to
/// turn "draw 10,000 in all" into per-stratum [`StratumRule::count`]s.
pub fn proportional_counts(total: u64, sizes: &[u64]) -> Vec<u64> {
    let sum: u128 = sizes.iter().map(|&s| u128::from(s)).sum();
    if sum == 0 {
        return vec![0; sizes.len()];
    }
    let mut counts = Vec::with_capacity(sizes.len());
    let mut rests = Vec::with_capacity(sizes.len());
    for (i, &s) in sizes.iter().enumerate() {
        let p = u128::from(total) * u128::from(s);
        counts.push(u64::try_from(p / sum).unwrap_or(u64::MAX));
        rests.push((p % sum, i));
    }
    let given: u64 = counts.iter().sum();
    rests.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rests.iter().take(total.saturating_sub(given) as usize) {
        counts[i] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_tree_finds_the_block_of_every_offset() {
        // 300 blocks: three levels (300, 19, 2), some blocks empty.
        let sums: Vec<u64> = (0..300u64).map(|i| (i * 7919) % 5).collect();
        let mut tree = SumTree::new(sums.clone());
        assert_eq!(tree.levels.iter().map(Vec::len).collect::<Vec<_>>(), [300, 19, 2]);
        assert_eq!(tree.total(), sums.iter().sum::<u64>());
        let mut x = 0u64;
        for (b, &s) in sums.iter().enumerate() {
            for off in 0..s {
                assert_eq!(tree.find(x), Some((b, off)));
                x += 1;
            }
        }
        assert_eq!(tree.find(x), None);
        // Emptying a block moves the offsets after it down.
        let (b, _) = tree.find(0).unwrap();
        tree.subtract(b, sums[b]);
        assert_eq!(tree.total(), x - sums[b]);
        assert_eq!(
            tree.find(0).unwrap().0,
            sums.iter().enumerate().skip(b + 1).find(|(_, s)| **s > 0).unwrap().0
        );
        let single = SumTree::new(vec![4]);
        assert_eq!(single.find(3), Some((0, 3)));
        assert_eq!(SumTree::new(vec![]).total(), 0);
    }

    #[test]
    fn quota_rounds_up_and_caps() {
        let r = |ratio_bp, count| StratumRule {
            stratum: "A".into(),
            ratio_bp,
            count,
        };
        assert_eq!(quota(&r(300, None), 100), 3);
        assert_eq!(quota(&r(300, None), 101), 4);
        assert_eq!(quota(&r(1, None), 1), 1);
        assert_eq!(quota(&r(0, None), 1000), 0);
        assert_eq!(quota(&r(10_000, None), 7), 7);
        assert_eq!(quota(&r(0, Some(5)), 3), 3);
        assert_eq!(quota(&r(9_999, Some(2)), 30), 2);
        assert_eq!(quota(&r(300, None), 0), 0);
    }

    #[test]
    fn proportional_counts_add_up() {
        assert_eq!(
            proportional_counts(10_000, &[1_400_000, 4_200_000, 1_050_000, 350_000]),
            [2000, 6000, 1500, 500]
        );
        assert_eq!(proportional_counts(10, &[1, 1, 1]), [4, 3, 3]);
        assert_eq!(proportional_counts(2, &[1, 5, 0]), [0, 2, 0]);
        assert_eq!(proportional_counts(5, &[0, 0]), [0, 0]);
        let c = proportional_counts(1000, &[7, 13, 29, 51]);
        assert_eq!(c.iter().sum::<u64>(), 1000);
    }
}
