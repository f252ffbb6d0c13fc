//! Tests of the whole draw: determinism, known answers, agreement with a
//! literal transcription of the specification, statistics, team rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const SECRET: &[u8] = b"jianguan test secret 0123456789";
const PUBLIC: &str = "2026-11-27 福彩3D 第2026318期 5 0 9";

fn cand(code: &str, stratum: &str, weight: u32) -> Candidate {
    Candidate {
        code: code.into(),
        stratum: stratum.into(),
        weight,
    }
}

fn rule(stratum: &str, ratio_bp: u32, count: Option<u32>) -> StratumRule {
    StratumRule {
        stratum: stratum.into(),
        ratio_bp,
        count,
    }
}

fn inspector(id: &str, department: &str, specialties: &[&str]) -> Inspector {
    Inspector {
        id: id.into(),
        department: department.into(),
        specialties: specialties.iter().map(|s| s.to_string()).collect(),
    }
}

fn recusal(inspector: &str, code: &str) -> Recusal {
    Recusal {
        inspector: inspector.into(),
        code: code.into(),
    }
}

/// The small fixed example of docs/draw-algorithm.md.
struct Example {
    candidates: Vec<Candidate>,
    compact: CompactCandidates,
    rules: Vec<StratumRule>,
    full: Vec<String>,
    inspectors: Vec<Inspector>,
    needs: TeamNeeds,
    recusals: Vec<Recusal>,
}

impl Example {
    fn new() -> Self {
        let candidates = vec![
            cand("E01", "A", 1),
            cand("E02", "A", 1),
            cand("E03", "B", 2),
            cand("E04", "A", 1),
            cand("E05", "B", 5),
            cand("E06", "B", 1),
            cand("E07", "A", 1),
            cand("E08", "B", 3),
            cand("E09", "A", 1),
            cand("E10", "B", 1),
            cand("E11", "D", 1),
            cand("E12", "A", 1),
        ];
        let compact = CompactCandidates::from_candidates(&candidates).unwrap();
        let mut needs = TeamNeeds {
            default: TeamNeed {
                departments: vec!["市场监管".into()],
                specialty: None,
                min_size: 2,
            },
            ..TeamNeeds::default()
        };
        needs.strata.insert(
            "B".into(),
            TeamNeed {
                departments: vec!["市场监管".into(), "卫健".into()],
                specialty: None,
                min_size: 2,
            },
        );
        Self {
            candidates,
            compact,
            rules: vec![rule("B", 0, Some(2)), rule("A", 3000, None)],
            full: vec!["E11".into()],
            inspectors: vec![
                inspector("P1", "市场监管", &[]),
                inspector("P2", "市场监管", &[]),
                inspector("P3", "市场监管", &[]),
                inspector("P4", "市场监管", &[]),
                inspector("W1", "卫健", &[]),
                inspector("W2", "卫健", &[]),
            ],
            needs,
            recusals: vec![recusal("P1", "E11")],
        }
    }

    fn input(&self) -> DrawInput<'_> {
        DrawInput {
            candidates: &self.compact,
            rules: &self.rules,
            full: &self.full,
            inspectors: &self.inspectors,
            needs: &self.needs,
            recusals: &self.recusals,
        }
    }

    fn bundle(&self, result: &DrawResult, replacements: Vec<Replacement>) -> Bundle {
        Bundle {
            recusal_commitments: Vec::new(),
            recusals_withheld: false,
            recusal_salt: String::new(),
            algorithm: ALGORITHM.into(),
            candidates: self.candidates.clone(),
            rules: self.rules.clone(),
            full: self.full.clone(),
            inspectors: self.inspectors.clone(),
            needs: self.needs.clone(),
            recusals: self.recusals.clone(),
            replacements,
            secret: hex::encode(SECRET),
            public_value: PUBLIC.into(),
            commitment: commitment(SECRET),
            snapshot_digest: snapshot_digest(&self.compact, &self.rules, &self.full),
            inspector_digest: inspector_digest(&self.inspectors, &self.needs, &self.recusals),
            result: result.clone(),
        }
    }
}

fn codes(r: &DrawResult) -> Vec<&str> {
    r.selected.iter().map(|s| s.code.as_str()).collect()
}

// ---------------------------------------------------------------- known answers

#[test]
fn known_answer_seed_and_stream() {
    // Vectors printed in docs/draw-algorithm.md, computed there by an
    // independent Python transcription of the specification.
    assert_eq!(
        commitment(SECRET),
        "0d719a7632ce5074fc2c8caea7fd822ce57f0441f788fd7624e5115e71bf7dc2"
    );
    let seed = derive_seed(SECRET, PUBLIC);
    assert_eq!(
        hex::encode(seed),
        "81f4c21046c9d7f8e4e8b0871bc86f20643c963bee48a2fc8c002287c4bc2b03"
    );
    let mut s = DrawStream::new(&seed, 0);
    let words: Vec<u64> = (0..4).map(|_| s.next_word()).collect();
    assert_eq!(
        words,
        [
            0xe2d38528269b2e28,
            0x6ef250f222e21bcb,
            0x64e04687bdd0ad1c,
            0x15b9a31435bf11ba
        ]
    );
    let mut t = DrawStream::new(&seed, TEAM_STREAM);
    let words: Vec<u64> = (0..4).map(|_| t.next_word()).collect();
    assert_eq!(
        words,
        [
            0x031dae0c4d14f29f,
            0xa01c3ff162296ffb,
            0x9cc90f9b64552a0c,
            0x7fbe08603ced5814
        ]
    );
    let mut u = DrawStream::new(&seed, 1);
    let below: Vec<u64> = (0..8).map(|_| u.below(10)).collect();
    assert_eq!(below, [5, 4, 1, 4, 7, 2, 9, 5]);
}

#[test]
fn known_answer_tiny_draw() {
    let ex = Example::new();
    let r = draw(&ex.input(), SECRET, PUBLIC).unwrap();
    assert_eq!(
        r.snapshot_digest,
        "9a3ccf190f4f71a93ef67dca058e1f081100b21c299e3ad085e05e9e00f4f84e"
    );
    assert_eq!(
        r.inspector_digest,
        "c6f33288be62241b3c8bacb1d874a01e205988fa9793869aa3bc5eca0fd34170"
    );
    assert_eq!(codes(&r), ["E11", "E09", "E12", "E05", "E10"]);
    let teams: Vec<String> = r
        .teams
        .iter()
        .map(|t| format!("{}:{}", t.code, t.inspectors.join(",")))
        .collect();
    assert_eq!(teams, ["E11:P4,P3", "E09:P1,P2", "E12:P4,P1", "E05:P2,W2", "E10:P3,W1"]);
    let seats: Vec<Option<&str>> = r.teams[0].seats.iter().map(|s| s.as_deref()).collect();
    assert_eq!(seats, [Some("市场监管"), None]);
    assert_eq!(r.team_stream_position, 10);
    assert!(r.shortages.is_empty());
    let strata: Vec<(&str, u64, u64, u64, Option<u64>)> = r
        .strata
        .iter()
        .map(|s| (s.stratum.as_str(), s.population, s.full, s.drawn, s.stream))
        .collect();
    assert_eq!(
        strata,
        [("A", 6, 0, 2, Some(0)), ("B", 5, 0, 2, Some(1)), ("D", 1, 1, 0, None)]
    );
}

// ---------------------------------------------------------------- determinism and digests

#[test]
fn same_inputs_give_the_same_result() {
    let ex = Example::new();
    let a = draw(&ex.input(), SECRET, PUBLIC).unwrap();
    let b = draw(&ex.input(), SECRET, PUBLIC).unwrap();
    assert_eq!(a, b);
    // Input order does not matter: the snapshot is canonical.
    let mut rev = ex.candidates.clone();
    rev.reverse();
    let compact = CompactCandidates::from_candidates(&rev).unwrap();
    let mut rules = ex.rules.clone();
    rules.reverse();
    let mut inspectors = ex.inspectors.clone();
    inspectors.reverse();
    let input = DrawInput {
        candidates: &compact,
        rules: &rules,
        inspectors: &inspectors,
        ..ex.input()
    };
    assert_eq!(draw(&input, SECRET, PUBLIC).unwrap(), a);
}

#[test]
fn a_different_public_value_gives_a_different_result() {
    let ex = Example::new();
    let a = draw(&ex.input(), SECRET, PUBLIC).unwrap();
    let mut differ = 0;
    for i in 0..20 {
        let b = draw(&ex.input(), SECRET, &format!("{PUBLIC} #{i}")).unwrap();
        assert_eq!(a.snapshot_digest, b.snapshot_digest);
        assert_ne!(a.public_value, b.public_value);
        if (&a.selected, &a.teams) != (&b.selected, &b.teams) {
            differ += 1;
        }
    }
    // 4 of 6 in A times 2 of 5 weighted in B: coincidences are possible
    // but rare; all twenty alike would mean the value is ignored.
    assert!(differ >= 15, "only {differ} of 20 differ");
}

#[test]
fn changing_any_one_candidate_changes_the_digest() {
    let ex = Example::new();
    let base = snapshot_digest(&ex.compact, &ex.rules, &ex.full);
    let mut seen = BTreeSet::from([base.clone()]);
    for i in 0..ex.candidates.len() {
        for change in 0..3 {
            let mut c = ex.candidates.clone();
            match change {
                0 => c[i].code.push('X'),
                1 => c[i].stratum.push('X'),
                _ => c[i].weight += 1,
            }
            let d = snapshot_digest(&CompactCandidates::from_candidates(&c).unwrap(), &ex.rules, &ex.full);
            assert!(seen.insert(d), "candidate {i} change {change} kept a digest");
        }
    }
    let mut rules = ex.rules.clone();
    rules[1].ratio_bp += 1;
    assert_ne!(snapshot_digest(&ex.compact, &rules, &ex.full), base);
    assert_ne!(snapshot_digest(&ex.compact, &ex.rules, &["E01".to_string()]), base);
    // Removing a candidate changes it too.
    let d = snapshot_digest(
        &CompactCandidates::from_candidates(&ex.candidates[1..]).unwrap(),
        &ex.rules,
        &ex.full,
    );
    assert_ne!(d, base);

    let ib = inspector_digest(&ex.inspectors, &ex.needs, &ex.recusals);
    let mut insp = ex.inspectors.clone();
    insp[0].department = "卫健".into();
    assert_ne!(inspector_digest(&insp, &ex.needs, &ex.recusals), ib);
    assert_ne!(inspector_digest(&ex.inspectors, &ex.needs, &[]), ib);
    let mut needs = ex.needs.clone();
    needs.default.min_size = 3;
    assert_ne!(inspector_digest(&ex.inspectors, &needs, &ex.recusals), ib);
}

// ---------------------------------------------------------------- rules of the draw

#[test]
fn key_supervision_entities_are_taken_first_and_leave_the_pool() {
    let candidates: Vec<Candidate> = (0..10).map(|i| cand(&format!("C{i}"), "A", 1)).collect();
    let compact = CompactCandidates::from_candidates(&candidates).unwrap();
    let full = vec!["C7".to_string(), "C2".to_string(), "C7".to_string()];
    let seed = derive_seed(SECRET, PUBLIC);
    // 30 % of the 8 left is ceil(2.4) = 3.
    let s = sample(&compact, &[rule("A", 3000, None)], &full, &seed).unwrap();
    let picked: Vec<(&str, bool)> = s
        .picks
        .iter()
        .map(|p| (compact.code(p.index as usize), p.full))
        .collect();
    assert_eq!(&picked[..2], [("C2", true), ("C7", true)]);
    assert_eq!(picked.len(), 5);
    assert!(picked[2..].iter().all(|&(c, f)| !f && c != "C2" && c != "C7"));
    assert_eq!(
        s.strata,
        [StratumSummary {
            stratum: "A".into(),
            population: 10,
            full: 2,
            drawn: 3,
            stream: Some(0),
        }]
    );
    // A stratum without a rule draws nothing but keeps its full entities.
    let s = sample(&compact, &[], &full, &seed).unwrap();
    assert_eq!(s.picks.len(), 2);
    assert_eq!(s.strata[0].stream, None);
    let unknown = sample(&compact, &[], &["X".to_string()], &seed);
    assert_eq!(unknown, Err(DrawError::UnknownFullCode("X".into())));
}

#[test]
fn bad_inputs_are_refused_not_panicked_on() {
    let ex = Example::new();
    let seed = derive_seed(SECRET, PUBLIC);
    let dup = [rule("A", 100, None), rule("A", 200, None)];
    assert_eq!(
        sample(&ex.compact, &dup, &[], &seed),
        Err(DrawError::DuplicateRule("A".into()))
    );
    assert!(matches!(
        sample(&ex.compact, &[rule("A", 10_001, None)], &[], &seed),
        Err(DrawError::RatioOutOfRange { .. })
    ));
    assert_eq!(
        draw(&ex.input(), b"short", PUBLIC),
        Err(DrawError::SecretTooShort { len: 5 })
    );
    let dup = [inspector("P1", "x", &[]), inspector("P1", "y", &[])];
    let input = DrawInput {
        inspectors: &dup,
        ..ex.input()
    };
    assert_eq!(
        draw(&input, SECRET, PUBLIC),
        Err(DrawError::DuplicateInspector("P1".into()))
    );
    let rec = [recusal("nobody", "E01")];
    let input = DrawInput {
        recusals: &rec,
        ..ex.input()
    };
    assert_eq!(
        draw(&input, SECRET, PUBLIC),
        Err(DrawError::UnknownInspector("nobody".into()))
    );
}

#[test]
fn a_one_person_team_cannot_be_configured_art_42() {
    // 行政处罚法第四十二条: 执法人员不得少于两人, for any need, however given.
    let ex = Example::new();
    for min_size in [0, 1] {
        let mut needs = ex.needs.clone();
        needs.default.min_size = min_size;
        let input = DrawInput {
            needs: &needs,
            ..ex.input()
        };
        assert_eq!(draw(&input, SECRET, PUBLIC), Err(DrawError::TeamTooSmall { min_size }));
        let mut needs = ex.needs.clone();
        needs.codes.insert(
            "E01".into(),
            TeamNeed {
                min_size,
                ..TeamNeed::default()
            },
        );
        let input = DrawInput {
            needs: &needs,
            ..ex.input()
        };
        assert_eq!(draw(&input, SECRET, PUBLIC), Err(DrawError::TeamTooSmall { min_size }));
    }
    // Two required departments with min_size 2 make a two-person team.
    let r = draw(&ex.input(), SECRET, PUBLIC).unwrap();
    assert!(r.teams.iter().all(|t| t.inspectors.len() >= 2));
}

#[test]
fn recused_inspector_is_never_paired_art_43() {
    // 行政处罚法第四十三条 回避: P1 declared an interest in E11 (taken in full).
    let ex = Example::new();
    for i in 0..50 {
        let r = draw(&ex.input(), SECRET, &format!("v{i}")).unwrap();
        let t = r.teams.iter().find(|t| t.code == "E11").unwrap();
        assert!(!t.inspectors.contains(&"P1".to_string()));
        assert_eq!(t.inspectors.len(), 2, "第四十二条: two inspectors");
    }
}

#[test]
fn a_department_nobody_can_fill_is_a_reported_shortage() {
    let ex = Example::new();
    let inspectors = vec![inspector("P1", "市场监管", &[]), inspector("P2", "市场监管", &[])];
    let input = DrawInput {
        inspectors: &inspectors,
        ..ex.input()
    };
    let r = draw(&input, SECRET, PUBLIC).unwrap();
    // Every B entity needs a 卫健 seat, which nobody can take.
    let b: Vec<&Selected> = r.selected.iter().filter(|s| s.stratum == "B").collect();
    assert_eq!(b.len(), 2);
    for s in b {
        let t = r.teams.iter().find(|t| t.code == s.code).unwrap();
        assert_eq!(t.inspectors.len(), 1);
        assert!(r.shortages.contains(&Shortage {
            code: s.code.clone(),
            department: Some("卫健".into()),
        }));
    }
    // E11: P1 is recused, only P2 is left for two seats.
    assert!(r.shortages.contains(&Shortage {
        code: "E11".into(),
        department: None,
    }));
}

// ---------------------------------------------------------------- replacement and verification

#[test]
fn replacement_after_the_draw_is_reproducible_and_verifies() {
    let ex = Example::new();
    let mut r = draw(&ex.input(), SECRET, PUBLIC).unwrap();
    let team = r.teams[1].clone();
    let out = team.inspectors[0].clone();
    // Known answer (docs/draw-algorithm.md): P1 recuses from E09; P3 and P4
    // tie at the lowest load (P2 is in the team), word 10 of the team
    // stream picks P4.
    assert_eq!((team.code.as_str(), out.as_str()), ("E09", "P1"));
    let entry = replace(&mut r, &ex.input(), SECRET, &team.code, &out).unwrap();
    assert_eq!(
        entry,
        LogEntry::Replaced {
            code: "E09".into(),
            removed: "P1".into(),
            added: Some("P4".into()),
            department: Some("市场监管".into()),
            stream_from: 10,
            stream_to: 11,
        }
    );
    let LogEntry::Replaced {
        added,
        stream_from,
        stream_to,
        department,
        ..
    } = &entry;
    let added = added.clone().unwrap();
    assert_ne!(added, out);
    assert_eq!(department, &team.seats[0]);
    assert!(stream_to > stream_from);
    let now = r.teams[1].clone();
    assert_eq!(now.inspectors[0], added);
    assert!(!now.inspectors.contains(&out));
    assert_eq!(r.log, [entry]);

    // The bundle with the replacement replays to the same result.
    let bundle = ex.bundle(
        &r,
        vec![Replacement {
            code: team.code.clone(),
            inspector: out.clone(),
        }],
    );
    let json = serde_json::to_string(&bundle).unwrap();
    let back: Bundle = serde_json::from_str(&json).unwrap();
    assert_eq!(verify(&back), Ok(r.clone()));

    // Errors name the problem.
    assert_eq!(
        replace(&mut r, &ex.input(), b"another secret 1234", &team.code, &added),
        Err(DrawError::WrongSecret)
    );
    assert_eq!(
        replace(&mut r, &ex.input(), SECRET, "E99", &added),
        Err(DrawError::NotSelected("E99".into()))
    );
    assert!(matches!(
        replace(&mut r, &ex.input(), SECRET, &team.code, &out),
        Err(DrawError::NotInTeam { .. })
    ));
}

#[test]
fn verify_names_what_differs() {
    let ex = Example::new();
    let r = draw(&ex.input(), SECRET, PUBLIC).unwrap();
    let good = ex.bundle(&r, vec![]);
    assert_eq!(verify(&good), Ok(r.clone()));

    let mut b = good.clone();
    b.algorithm = "jianguan-draw/2".into();
    assert_eq!(verify(&b), Err(VerifyError::UnknownAlgorithm("jianguan-draw/2".into())));

    let mut b = good.clone();
    b.secret = hex::encode(b"jianguan test secret 0123456780");
    assert!(matches!(verify(&b), Err(VerifyError::CommitmentMismatch { .. })));

    let mut b = good.clone();
    b.secret = "zz".into();
    assert_eq!(verify(&b), Err(VerifyError::BadSecret));

    let mut b = good.clone();
    b.candidates[3].weight = 9;
    assert!(matches!(verify(&b), Err(VerifyError::SnapshotDigestMismatch { .. })));

    let mut b = good.clone();
    b.recusals.clear();
    assert!(matches!(verify(&b), Err(VerifyError::InspectorDigestMismatch { .. })));

    // A published result with one entity swapped for another.
    let mut b = good.clone();
    let other = ex
        .candidates
        .iter()
        .find(|c| c.stratum == "A" && !codes(&r).contains(&c.code.as_str()))
        .unwrap();
    let pos = r.selected.iter().position(|s| s.stratum == "A").unwrap();
    b.result.selected[pos].code = other.code.clone();
    match verify(&b) {
        Err(VerifyError::ResultMismatch { field, index, .. }) => {
            assert_eq!((field, index), ("selected", Some(pos)));
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // A team member changed.
    let mut b = good.clone();
    b.result.teams[2].inspectors[0] = "P9".into();
    let err = verify(&b).unwrap_err();
    assert_eq!(
        err,
        VerifyError::ResultMismatch {
            field: "teams",
            index: Some(2),
            published: serde_json::to_string(&b.result.teams[2]).unwrap(),
            computed: serde_json::to_string(&r.teams[2]).unwrap(),
        }
    );
    assert!(err.to_string().contains("teams[2]"));
    // A dropped entity is reported where the lists part.
    let mut b = good.clone();
    b.result.selected.pop();
    assert!(matches!(
        verify(&b),
        Err(VerifyError::ResultMismatch {
            field: "selected",
            index: Some(i),
            ..
        }) if i == r.selected.len() - 1
    ));
}

// ---------------------------------------------------------------- the specification, transcribed

/// A literal, slow transcription of the sampling specification: used to
/// check the fast implementation (blocks, Fenwick trees, bitsets).
fn reference_sample(
    candidates: &[Candidate],
    rules: &[StratumRule],
    full: &[String],
    seed: &Seed,
) -> Vec<(String, bool)> {
    let mut cands = candidates.to_vec();
    cands.sort_by(|a, b| a.code.cmp(&b.code));
    let full: BTreeSet<&str> = full.iter().map(String::as_str).collect();
    let mut out: Vec<(String, bool)> = full.iter().map(|c| (c.to_string(), true)).collect();
    let mut rules = rules.to_vec();
    rules.sort_by(|a, b| a.stratum.cmp(&b.stratum));
    for (r, rule) in rules.iter().enumerate() {
        let mut pool: Vec<(&str, u64)> = cands
            .iter()
            .filter(|c| c.stratum == rule.stratum && !full.contains(c.code.as_str()))
            .map(|c| (c.code.as_str(), u64::from(c.weight)))
            .collect();
        let p = pool.len() as u64;
        let k = match rule.count {
            Some(c) => u64::from(c).min(p),
            None => (p * u64::from(rule.ratio_bp)).div_ceil(10000).min(p),
        };
        let mut stream = DrawStream::new(seed, r as u64);
        for _ in 0..k {
            let total: u64 = pool.iter().map(|x| x.1).sum();
            let x = stream.below(total);
            let mut acc = 0;
            let j = pool
                .iter()
                .position(|&(_, w)| {
                    acc += w;
                    x < acc
                })
                .unwrap();
            out.push((pool[j].0.to_string(), false));
            pool.remove(j);
        }
    }
    out
}

fn population() -> impl Strategy<Value = (Vec<Candidate>, Vec<StratumRule>, Vec<String>)> {
    (
        proptest::collection::vec((0u8..4, 1u32..20), 0..400),
        proptest::collection::vec((0u32..=10_000, proptest::option::of(0u32..50)), 4),
        proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
        0u8..16,
    )
        .prop_map(|(rows, ratios, full, with_rule)| {
            let strata = ["A/1", "B/2", "C", "D"];
            let candidates: Vec<Candidate> = rows
                .iter()
                .enumerate()
                .map(|(i, &(s, w))| cand(&format!("91{:06}", i * 7 % 1000 + i * 1000), strata[s as usize], w))
                .collect();
            let rules = strata
                .iter()
                .zip(ratios)
                .enumerate()
                .filter(|(i, _)| with_rule & (1 << i) != 0)
                .map(|(_, (s, (ratio, count)))| rule(s, ratio, count))
                .collect();
            let full = if candidates.is_empty() {
                vec![]
            } else {
                full.iter()
                    .map(|ix| candidates[ix.index(candidates.len())].code.clone())
                    .collect()
            };
            (candidates, rules, full)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn fast_sampler_matches_the_specification((candidates, rules, full) in population(), v in 0u32..1000) {
        let seed = derive_seed(SECRET, &v.to_string());
        let compact = CompactCandidates::from_candidates(&candidates).unwrap();
        let fast = sample(&compact, &rules, &full, &seed).unwrap();
        let fast: Vec<(String, bool)> = fast
            .picks
            .iter()
            .map(|p| (compact.code(p.index as usize).to_string(), p.full))
            .collect();
        prop_assert_eq!(fast, reference_sample(&candidates, &rules, &full, &seed));
    }
}

#[test]
fn fast_sampler_matches_the_specification_on_deep_trees() {
    // 40,000 candidates are 625 blocks: a three-level sum tree, which the
    // small property-test pools never reach.
    let mut r = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        r
    };
    let strata = ["A", "B", "C"];
    let candidates: Vec<Candidate> = (0..40_000)
        .map(|i| {
            let h = next();
            cand(
                &format!("91{i:08}"),
                strata[(h % 3) as usize],
                1 + (h >> 8) as u32 % 1000,
            )
        })
        .collect();
    let full: Vec<String> = (0..40).map(|i| candidates[i * 997].code.clone()).collect();
    let rules = [rule("A", 0, Some(120)), rule("B", 45, None), rule("C", 0, Some(30))];
    let compact = CompactCandidates::from_candidates(&candidates).unwrap();
    for v in 0..3 {
        let seed = derive_seed(SECRET, &format!("deep {v}"));
        let fast = sample(&compact, &rules, &full, &seed).unwrap();
        let fast: Vec<(String, bool)> = fast
            .picks
            .iter()
            .map(|p| (compact.code(p.index as usize).to_string(), p.full))
            .collect();
        // 40 in full, 120 + 30 by count, ceil(0.45 % of B's pool) ≈ 60.
        assert!((245..=255).contains(&fast.len()), "{}", fast.len());
        assert_eq!(fast, reference_sample(&candidates, &rules, &full, &seed));
    }
}

// ---------------------------------------------------------------- statistics

/// Upper critical value of χ² with `df` degrees of freedom at p = 0.001
/// (Wilson–Hilferty; accurate to a fraction of a percent for df ≥ 3).
fn chi2_crit_001(df: f64) -> f64 {
    let z = 3.090_232;
    let a = 2.0 / (9.0 * df);
    df * (1.0 - a + z * a.sqrt()).powi(3)
}

#[test]
fn equal_weights_give_every_candidate_k_over_n() {
    // Three strata with different ratios; 2,000 seeded draws. Each
    // candidate's inclusion count is Binomial(T, k/N) with the
    // negative covariance of sampling without replacement, so
    // Σ (O − E)² / (T p (1 − p)) × (N − 1) / N is χ² with N − 1 df.
    let spec = [("A", 50usize, 1000u32), ("B", 30, 3000), ("C", 20, 5000)];
    let mut candidates = Vec::new();
    for (s, n, _) in spec {
        for i in 0..n {
            candidates.push(cand(&format!("{s}{i:03}"), s, 1));
        }
    }
    let compact = CompactCandidates::from_candidates(&candidates).unwrap();
    let rules: Vec<StratumRule> = spec.iter().map(|&(s, _, bp)| rule(s, bp, None)).collect();
    let trials = 2000u32;
    let mut counts = vec![0u32; compact.len()];
    for t in 0..trials {
        let seed = derive_seed(b"statistics: equal weights", &t.to_string());
        for p in sample(&compact, &rules, &[], &seed).unwrap().picks {
            counts[p.index as usize] += 1;
        }
    }
    for (s, n, bp) in spec {
        let k = (n as u64 * u64::from(bp)).div_ceil(10_000) as f64;
        let p = k / n as f64;
        let e = f64::from(trials) * p;
        let var = e * (1.0 - p);
        let obs: Vec<f64> = (0..compact.len())
            .filter(|&i| compact.stratum(i) == s)
            .map(|i| f64::from(counts[i]))
            .collect();
        assert_eq!(obs.len(), n);
        assert_eq!(
            obs.iter().sum::<f64>(),
            f64::from(trials) * k,
            "exactly k per draw in {s}"
        );
        let x: f64 = obs.iter().map(|o| (o - e).powi(2) / var).sum::<f64>() * (n as f64 - 1.0) / n as f64;
        let crit = chi2_crit_001(n as f64 - 1.0);
        assert!(x < crit, "stratum {s}: χ² = {x:.1} ≥ {crit:.1}");
        // And no single candidate is far off (5 σ).
        let worst = obs.iter().map(|o| (o - e).abs() / var.sqrt()).fold(0.0, f64::max);
        assert!(worst < 5.0, "stratum {s}: a candidate is {worst:.1} σ off");
    }
}

#[test]
fn first_draw_probability_is_weight_over_total() {
    // One draw from weights 1..=10: P(i) = w_i / 55, χ² with 9 df.
    let candidates: Vec<Candidate> = (1..=10).map(|w| cand(&format!("W{w:02}"), "X", w)).collect();
    let compact = CompactCandidates::from_candidates(&candidates).unwrap();
    let trials = 5500u32;
    let mut counts = [0u32; 10];
    for t in 0..trials {
        let seed = derive_seed(b"statistics: first draw", &t.to_string());
        let s = sample(&compact, &[rule("X", 0, Some(1))], &[], &seed).unwrap();
        counts[s.picks[0].index as usize] += 1;
    }
    let x: f64 = counts
        .iter()
        .enumerate()
        .map(|(i, &o)| {
            let e = f64::from(trials) * (i as f64 + 1.0) / 55.0;
            (f64::from(o) - e).powi(2) / e
        })
        .sum();
    assert!(x < chi2_crit_001(9.0), "χ² = {x:.1}: {counts:?}");
}

#[test]
fn heavier_candidates_are_included_more_often() {
    // k = 3 of 10 with weights 1..=10: inclusion grows with weight.
    let candidates: Vec<Candidate> = (1..=10).map(|w| cand(&format!("W{w:02}"), "X", w)).collect();
    let compact = CompactCandidates::from_candidates(&candidates).unwrap();
    let mut counts = [0u32; 10];
    for t in 0..2000u32 {
        let seed = derive_seed(b"statistics: inclusion", &t.to_string());
        for p in sample(&compact, &[rule("X", 3000, None)], &[], &seed).unwrap().picks {
            counts[p.index as usize] += 1;
        }
    }
    // Compare weights three apart, far beyond the noise.
    for i in 0..7 {
        assert!(counts[i] < counts[i + 3], "weight {} vs {}: {counts:?}", i + 1, i + 4);
    }
}

// ---------------------------------------------------------------- teams, property-based

#[derive(Debug, Clone)]
struct TeamCase {
    inspectors: Vec<Inspector>,
    needs: TeamNeeds,
    recusals: Vec<Recusal>,
    selected: Vec<Selected>,
}

fn team_case() -> impl Strategy<Value = TeamCase> {
    let inspectors = proptest::collection::vec((0usize..3, 0u8..4), 2..14);
    let needs = proptest::collection::vec(
        (
            proptest::collection::vec(0usize..3, 0..3),
            proptest::option::of(0usize..2),
            2u8..5,
        ),
        1..14,
    );
    let recusals = proptest::collection::vec((0usize..14, 0usize..14), 0..12);
    (inspectors, needs, recusals).prop_map(|(ins, needs, rec)| {
        let depts = ["市场监管", "卫健", "农业农村"];
        let specs = ["食品", "特种设备"];
        let inspectors: Vec<Inspector> = ins
            .iter()
            .enumerate()
            .map(|(i, &(d, s))| Inspector {
                id: format!("I{i:02}"),
                department: depts[d].into(),
                specialties: specs
                    .iter()
                    .enumerate()
                    .filter(|(b, _)| s & (1 << b) != 0)
                    .map(|(_, x)| x.to_string())
                    .collect(),
            })
            .collect();
        let mut team_needs = TeamNeeds::default();
        let mut selected = Vec::new();
        for (e, (ds, sp, min)) in needs.iter().enumerate() {
            let code = format!("E{e:02}");
            team_needs.codes.insert(
                code.clone(),
                TeamNeed {
                    departments: ds.iter().map(|&d| depts[d].to_string()).collect(),
                    specialty: sp.map(|s| specs[s].to_string()),
                    min_size: *min,
                },
            );
            selected.push(Selected {
                code,
                stratum: "S".into(),
                full: false,
            });
        }
        let recusals = rec
            .iter()
            .filter(|&&(i, e)| i < inspectors.len() && e < selected.len())
            .map(|&(i, e)| recusal(&inspectors[i].id, &selected[e].code))
            .collect();
        TeamCase {
            inspectors,
            needs: team_needs,
            recusals,
            selected,
        }
    })
}

/// A literal, slow transcription of the team specification.
fn reference_teams(case: &TeamCase, seed: &Seed) -> (Vec<Team>, Vec<Shortage>, u64) {
    let mut ins = case.inspectors.clone();
    ins.sort_by(|a, b| a.id.cmp(&b.id));
    let mut load: HashMap<String, u32> = ins.iter().map(|i| (i.id.clone(), 0)).collect();
    let mut stream = DrawStream::new(seed, TEAM_STREAM);
    let (mut teams, mut shortages) = (Vec::new(), Vec::new());
    for s in &case.selected {
        let need = case.needs.resolve(&s.code, &s.stratum);
        let mut seats: Vec<Option<String>> = need.departments.iter().cloned().map(Some).collect();
        while seats.len() < usize::from(need.min_size) {
            seats.push(None);
        }
        let mut team = Team {
            code: s.code.clone(),
            inspectors: vec![],
            seats: vec![],
        };
        for seat in seats {
            let ok: Vec<&Inspector> = ins
                .iter()
                .filter(|i| match &seat {
                    Some(d) => &i.department == d,
                    None => need.departments.is_empty() || need.departments.contains(&i.department),
                })
                .filter(|i| need.specialty.as_ref().is_none_or(|sp| i.specialties.contains(sp)))
                .filter(|i| !case.recusals.contains(&recusal(&i.id, &s.code)))
                .filter(|i| !team.inspectors.contains(&i.id))
                .collect();
            if ok.is_empty() {
                shortages.push(Shortage {
                    code: s.code.clone(),
                    department: seat,
                });
                continue;
            }
            let low = ok.iter().map(|i| load[&i.id]).min().unwrap();
            let best: Vec<&&Inspector> = ok.iter().filter(|i| load[&i.id] == low).collect();
            let pick = best[stream.below(best.len() as u64) as usize].id.clone();
            *load.get_mut(&pick).unwrap() += 1;
            team.inspectors.push(pick);
            team.seats.push(seat);
        }
        teams.push(team);
    }
    (teams, shortages, stream.position())
}

/// Every rule a formed team must keep, given the recusals in force.
fn check_teams(case: &TeamCase, recusals: &[Recusal], teams: &[Team], shortages: &[Shortage]) {
    let by_id: HashMap<&str, &Inspector> = case.inspectors.iter().map(|i| (i.id.as_str(), i)).collect();
    let recused: BTreeSet<(&str, &str)> = recusals
        .iter()
        .map(|r| (r.inspector.as_str(), r.code.as_str()))
        .collect();
    assert_eq!(teams.len(), case.selected.len());
    for (team, sel) in teams.iter().zip(&case.selected) {
        assert_eq!(team.code, sel.code);
        let need = case.needs.resolve(&sel.code, &sel.stratum);
        let short: Vec<&Shortage> = shortages.iter().filter(|s| s.code == team.code).collect();
        // Never a smaller team without a reported shortage (第四十二条).
        assert_eq!(team.inspectors.len() + short.len(), need.seats(), "{team:?} {short:?}");
        assert!(team.inspectors.len() >= usize::from(MIN_TEAM_SIZE) || !short.is_empty());
        let distinct: BTreeSet<&String> = team.inspectors.iter().collect();
        assert_eq!(distinct.len(), team.inspectors.len(), "someone sits twice");
        assert_eq!(team.seats.len(), team.inspectors.len());
        for (id, seat) in team.inspectors.iter().zip(&team.seats) {
            let p = by_id[id.as_str()];
            // 第四十三条: never a recused pair.
            assert!(
                !recused.contains(&(id.as_str(), team.code.as_str())),
                "{id} recused for {}",
                team.code
            );
            if let Some(s) = &need.specialty {
                assert!(p.specialties.contains(s));
            }
            match seat {
                Some(d) => assert_eq!(&p.department, d),
                None if need.departments.is_empty() => {}
                None => assert!(need.departments.contains(&p.department)),
            }
        }
        // Every required department is represented, or reported short.
        let mut required: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &need.departments {
            *required.entry(d.as_str()).or_default() += 1;
        }
        for (d, n) in required {
            let seated = team.seats.iter().filter(|s| s.as_deref() == Some(d)).count();
            let missing = short.iter().filter(|s| s.department.as_deref() == Some(d)).count();
            assert_eq!(seated + missing, n, "department {d} in {}", team.code);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn teams_keep_every_rule(case in team_case(), v in 0u32..1000) {
        let seed = derive_seed(SECRET, &v.to_string());
        let a = assign_teams(&case.inspectors, &case.needs, &case.recusals, &case.selected, &seed).unwrap();
        check_teams(&case, &case.recusals, &a.teams, &a.shortages);
        let (teams, shortages, position) = reference_teams(&case, &seed);
        prop_assert_eq!(a.teams, teams);
        prop_assert_eq!(a.shortages, shortages);
        prop_assert_eq!(a.stream_position, position);
    }

    #[test]
    fn replacement_keeps_every_rule(case in team_case(), v in 0u32..1000, picks in proptest::collection::vec((any::<proptest::sample::Index>(), any::<proptest::sample::Index>()), 1..4)) {
        let seed = derive_seed(SECRET, &v.to_string());
        let a = assign_teams(&case.inspectors, &case.needs, &case.recusals, &case.selected, &seed).unwrap();
        let mut result = DrawResult {
            algorithm: ALGORITHM.into(),
            snapshot_digest: String::new(),
            inspector_digest: String::new(),
            seed_commitment: String::new(),
            public_value: String::new(),
            strata: vec![],
            selected: case.selected.clone(),
            teams: a.teams,
            shortages: a.shortages,
            team_stream_position: a.stream_position,
            log: vec![],
        };
        let mut in_force = case.recusals.clone();
        for (t, m) in picks {
            let team = &result.teams[t.index(result.teams.len())];
            if team.inspectors.is_empty() {
                continue;
            }
            let code = team.code.clone();
            let before: Vec<String> = team.inspectors.clone();
            let out = before[m.index(before.len())].clone();
            let position = result.team_stream_position;
            let entry = teams::replace(&mut result, &case.inspectors, &case.needs, &case.recusals, &seed, &code, &out).unwrap();
            in_force.push(recusal(&out, &code));
            let LogEntry::Replaced { added, stream_from, .. } = &entry;
            prop_assert_eq!(*stream_from, position);
            if let Some(added) = added {
                // Never the recused one, never someone already in the team.
                prop_assert_ne!(added, &out);
                prop_assert!(!before.contains(added));
            }
            check_teams(&case, &in_force, &result.teams, &result.shortages);
        }
    }

    #[test]
    fn unconstrained_workload_is_even(n in 2usize..12, sizes in proptest::collection::vec(2u8..5, 1..60), v in 0u32..1000) {
        // One department, no specialty, no recusals: loads never differ by
        // more than one, so nobody exceeds ceil(seats / inspectors) (the
        // brief allows one more).
        let inspectors: Vec<Inspector> = (0..n).map(|i| inspector(&format!("I{i:02}"), "市场监管", &[])).collect();
        let mut needs = TeamNeeds::default();
        let mut selected = Vec::new();
        for (e, &s) in sizes.iter().enumerate() {
            let code = format!("E{e:02}");
            needs.codes.insert(code.clone(), TeamNeed { min_size: s.min(n as u8), ..TeamNeed::default() });
            selected.push(Selected { code, stratum: "S".into(), full: false });
        }
        let seed = derive_seed(SECRET, &v.to_string());
        let a = assign_teams(&inspectors, &needs, &[], &selected, &seed).unwrap();
        prop_assert!(a.shortages.is_empty());
        let mut loads: HashMap<&str, usize> = HashMap::new();
        let mut slots = 0usize;
        for t in &a.teams {
            for i in &t.inspectors {
                *loads.entry(i.as_str()).or_default() += 1;
                slots += 1;
            }
        }
        let max = loads.values().copied().max().unwrap_or(0);
        let min = if loads.len() < n { 0 } else { loads.values().copied().min().unwrap_or(0) };
        prop_assert!(max <= slots.div_ceil(n), "max {} > ceil({}/{})", max, slots, n);
        prop_assert!(max - min <= 1);
    }
}

/// A public bundle withholds the recusals (who inspected or declared a
/// conflict with an entity): the drawn entities still verify, a forged
/// one is named, the teams are left to the regulator's bundle, and the
/// commitments check against the salt the regulator keeps.
#[test]
fn a_public_bundle_withholds_recusals_and_still_verifies_the_entities() {
    let ex = Example::new();
    let r = draw(&ex.input(), SECRET, PUBLIC).unwrap();
    let mut full = ex.bundle(&r, vec![]);
    assert_eq!(verify_public(&full).map(|(_, c)| c), Ok(Checked::Full));
    let salt = "00ff".repeat(8);
    full.recusal_salt = salt.clone();
    let public = withhold_recusals(full.clone());
    assert!(public.recusal_salt.is_empty(), "the salt stays with the regulator");
    assert!(public.recusals.is_empty());
    assert_eq!(
        public.recusal_commitments,
        vec![recusal_commitment(&salt, &full.recusals[0])]
    );
    assert_ne!(
        recusal_commitment("other", &full.recusals[0]),
        public.recusal_commitments[0]
    );
    assert_eq!(verify(&public), Err(VerifyError::RecusalsWithheld));
    let (_, checked) = verify_public(&public).unwrap();
    assert_eq!(checked, Checked::Objects);
    let mut forged = public.clone();
    forged.result.selected[0].code = "X".into();
    assert!(matches!(
        verify_public(&forged),
        Err(VerifyError::ResultMismatch { field: "selected", .. })
    ));
}
