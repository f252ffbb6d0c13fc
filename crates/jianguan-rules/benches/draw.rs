//! Benchmark: the entity draw of 双随机 (`jianguan_rules::draw::sample`) at
//! 7,000,000 candidates in four strata, against
//! `rand::seq::index::sample_weighted` over the same weights in the same
//! process.
//!
//! - population: A 20 %, B 60 %, C 15 %, D 5 % (assigned pseudo-randomly),
//!   weights 1, 2, 3 or 5 per candidate, codes ascending;
//! - k = 10,000 in all (split over the strata in proportion to their size
//!   with `proportional_counts`) and k = 3 % of each stratum (ratio 300 bp);
//! - ours: `sample` on the compact snapshot, everything included: checking
//!   the rules, the pass over the stratum and weight columns, building the
//!   Fenwick trees, the k draws;
//! - baseline: one `sample_weighted` call per stratum (A-ExpJ, floating
//!   point, same ChaCha20 generator) on that stratum's weights already
//!   gathered into its own vector (the gathering is not timed, which
//!   favours the baseline);
//! - rounds alternate which side runs first; the table shows medians.
//!
//! Also printed, once: building the validated snapshot, its digest, and
//! team formation for the 3 % draw. Generating the synthetic rows is never
//! timed.
//!
//! Run: `cargo bench -p jianguan-rules --bench draw [-- N [ROUNDS]]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chacha20::ChaCha20Rng;
use chacha20::rand_core::SeedableRng;
use jianguan_rules::draw::{
    CompactCandidates, Inspector, Selected, StratumRule, TeamNeed, TeamNeeds, assign_teams, derive_seed,
    proportional_counts, sample, snapshot_digest,
};
use rand::seq::index::sample_weighted;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

const STRATA: [&str; 4] = ["A", "B", "C", "D"];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1).filter_map(|a| a.parse::<usize>().ok());
    let n = args.next().unwrap_or(7_000_000);
    let rounds = args.next().unwrap_or(5).max(1);

    // Synthetic population (not timed).
    let t = Instant::now();
    let mut rng = SplitMix(2026);
    let mut b = CompactCandidates::builder();
    let mut code = String::new();
    let mut by_stratum: [Vec<u32>; 4] = Default::default();
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let h = rng.next();
        let s = match h % 100 {
            0..20 => 0,
            20..80 => 1,
            80..95 => 2,
            _ => 3,
        };
        let w = [1, 2, 3, 5][((h >> 32) % 4) as usize];
        code.clear();
        write!(code, "9142{i:014}").unwrap();
        rows.push((s, w));
        b.push(&code, STRATA[s], w).unwrap();
        by_stratum[s].push(w);
    }
    eprintln!("generated {n} candidates in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let compact = b.finish().unwrap();
    let build_ms = ms(t.elapsed());
    let t = Instant::now();
    let sizes: Vec<u64> = by_stratum.iter().map(|v| v.len() as u64).collect();
    let counts = proportional_counts(10_000, &sizes);
    let rules_10k: Vec<StratumRule> = STRATA
        .iter()
        .zip(&counts)
        .map(|(s, &c)| StratumRule {
            stratum: s.to_string(),
            ratio_bp: 0,
            count: Some(c as u32),
        })
        .collect();
    let digest = snapshot_digest(&compact, &rules_10k, &[]);
    let digest_ms = ms(t.elapsed());
    eprintln!("snapshot digest {digest}");

    let rules_3pct: Vec<StratumRule> = STRATA
        .iter()
        .map(|s| StratumRule {
            stratum: s.to_string(),
            ratio_bp: 300,
            count: None,
        })
        .collect();
    // k = 0 times our fixed part alone, the column pass (the baseline has
    // nothing to do for amount 0).
    let rules_0: Vec<StratumRule> = STRATA
        .iter()
        .map(|s| StratumRule {
            stratum: s.to_string(),
            ratio_bp: 0,
            count: None,
        })
        .collect();
    let configs: [(&str, &[StratumRule]); 3] = [("0", &rules_0), ("10,000", &rules_10k), ("3 %", &rules_3pct)];

    let mut table = String::new();
    table.push_str("| k | candidates | drawn | ours (median ms) | baseline (median ms) | ours / baseline | ours min | baseline min |\n");
    table.push_str("|---|---|---|---|---|---|---|---|\n");
    let mut last_sample = None;
    for (name, rules) in configs {
        let ks: Vec<usize> = by_stratum
            .iter()
            .zip(rules)
            .map(|(v, r)| match r.count {
                Some(c) => (c as usize).min(v.len()),
                None => (v.len() * r.ratio_bp as usize).div_ceil(10_000),
            })
            .collect();
        let total_k: usize = ks.iter().sum();
        let (mut ours, mut base) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let seed = derive_seed(b"benchmark secret 0123456789", &format!("{name} {round}"));
            let run_ours = || {
                let t = Instant::now();
                let s = sample(&compact, rules, &[], &seed).unwrap();
                let d = t.elapsed();
                assert_eq!(s.picks.len(), total_k);
                (d, s)
            };
            let run_base = || {
                let mut rng = ChaCha20Rng::from_seed(seed);
                let t = Instant::now();
                let mut got = 0;
                for (w, &k) in by_stratum.iter().zip(&ks) {
                    let idx = sample_weighted(&mut rng, w.len(), |i| w[i], k).unwrap();
                    got += black_box(idx).len();
                }
                let d = t.elapsed();
                assert_eq!(got, total_k);
                d
            };
            if total_k == 0 {
                ours.push(ms(run_ours().0));
            } else if round % 2 == 0 {
                let (d, s) = run_ours();
                ours.push(ms(d));
                base.push(ms(run_base()));
                last_sample = Some(s);
            } else {
                base.push(ms(run_base()));
                let (d, s) = run_ours();
                ours.push(ms(d));
                last_sample = Some(s);
            }
        }
        let omin = ours.iter().copied().fold(f64::MAX, f64::min);
        let om = median(&mut ours);
        if total_k == 0 {
            writeln!(
                table,
                "| 0 (column pass only) | {n} | 0 | {om:.1} | — | — | {omin:.1} | — |"
            )
            .unwrap();
            continue;
        }
        let bmin = base.iter().copied().fold(f64::MAX, f64::min);
        let bm = median(&mut base);
        writeln!(
            table,
            "| {name} | {n} | {total_k} | {om:.1} | {bm:.1} | {:.2} | {omin:.1} | {bmin:.1} |",
            om / bm
        )
        .unwrap();
    }

    // Teams for the last (3 %) draw: 1,000 inspectors in two departments,
    // pairs from one department, a joint team for stratum D.
    let picks = last_sample.map(|s| s.picks).unwrap_or_default();
    let selected: Vec<Selected> = picks
        .iter()
        .map(|p| Selected {
            code: compact.code(p.index as usize).to_string(),
            stratum: compact.stratum(p.index as usize).to_string(),
            full: false,
        })
        .collect();
    let inspectors: Vec<Inspector> = (0..1000)
        .map(|i| Inspector {
            id: format!("P{i:04}"),
            department: if i % 5 == 0 { "卫健" } else { "市场监管" }.to_string(),
            specialties: vec![],
        })
        .collect();
    let mut needs = TeamNeeds {
        default: TeamNeed {
            departments: vec!["市场监管".into()],
            specialty: None,
            min_size: 2,
        },
        ..TeamNeeds::default()
    };
    needs.strata.insert(
        "D".into(),
        TeamNeed {
            departments: vec!["市场监管".into(), "卫健".into()],
            specialty: None,
            min_size: 3,
        },
    );
    let t = Instant::now();
    let teams = assign_teams(&inspectors, &needs, &[], &selected, &[7u8; 32]).unwrap();
    let teams_ms = ms(t.elapsed());
    assert!(teams.shortages.is_empty());

    println!("{table}");
    println!("- validated snapshot from {n} rows (sortedness check, no sort needed): {build_ms:.0} ms");
    println!("- snapshot digest (SHA-256 over the canonical text): {digest_ms:.0} ms");
    println!(
        "- teams for the {} entities of the last 3 % draw, 1,000 inspectors: {teams_ms:.0} ms",
        selected.len()
    );
    drop(rows);
}
