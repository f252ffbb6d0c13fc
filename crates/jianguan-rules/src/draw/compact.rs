//! The candidate snapshot in compact columns, and the canonical encodings
//! whose SHA-256 digests are published before the draw.
//!
//! Seven million candidates as `Vec<Candidate>` would be fourteen million
//! small allocations; here the codes share one `String` with end offsets,
//! the stratum is a `u16` index into a label table, and the weight a `u32`.
//! The snapshot is kept in ascending code order (by UTF-8 bytes), which is
//! the canonical order both the digest and the sampling use.
//!
//! Snapshot digest: lower-case hex SHA-256 of
//!
//! ```text
//! "jianguan-draw/1 snapshot\n"
//! "candidates\t" N "\n"     then per candidate, ascending code:  code "\t" stratum "\t" weight "\n"
//! "rules\t" R "\n"          then per rule, ascending stratum:    stratum "\t" ratio_bp "\t" [count] "\n"
//! "full\t" F "\n"           then per distinct full code, ascending: code "\n"
//! ```
//!
//! Inspector digest: lower-case hex SHA-256 of
//!
//! ```text
//! "jianguan-draw/1 inspectors\n"
//! "inspectors\t" I "\n"     then per inspector, ascending id: id "\t" department ("\t" specialty)* "\n"
//!                           (distinct specialties, ascending)
//! "needs\t" S "\t" C "\n"   then "default\t" need "\n",
//!                           per stratum need, ascending: "stratum\t" name "\t" need "\n",
//!                           per code need, ascending:    "code\t" code "\t" need "\n"
//! "recusals\t" X "\n"       then per distinct pair, ascending: inspector "\t" code "\n"
//! need = min_size "\t" [specialty] ("\t" department)*     (departments in their given order)
//! ```
//!
//! Numbers are decimal without leading zeros; `[x]` is empty when absent.
//! Text fields cannot be empty or hold control characters, so tabs and
//! newlines delimit them unambiguously.

use super::{ALGORITHM, Candidate, DrawError, Inspector, Recusal, StratumRule, TeamNeed, TeamNeeds, check_text};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The candidate snapshot, validated and in ascending code order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactCandidates {
    codes: String,
    /// End offset of each code in `codes`; code `i` starts where `i - 1` ends.
    ends: Vec<u32>,
    labels: Vec<String>,
    strata: Vec<u16>,
    weights: Vec<u32>,
}

impl CompactCandidates {
    /// Take prepared columns: `codes` concatenated in ascending order, the
    /// end offset of each, the stratum labels and each candidate's index
    /// into them, the weights. Checks everything (order, uniqueness,
    /// weights ≥ 1, text) in one pass; nothing is copied.
    pub fn from_columns(
        codes: String,
        ends: Vec<u32>,
        labels: Vec<String>,
        strata: Vec<u16>,
        weights: Vec<u32>,
    ) -> Result<Self, DrawError> {
        let n = ends.len();
        if strata.len() != n || weights.len() != n {
            return Err(DrawError::BadColumns(
                "ends, strata and weights need one entry per candidate",
            ));
        }
        if u32::try_from(n).is_err() {
            return Err(DrawError::TooManyCandidates(n));
        }
        if labels.len() > usize::from(u16::MAX) + 1 {
            return Err(DrawError::TooManyStrata);
        }
        for (i, l) in labels.iter().enumerate() {
            check_text("stratum", l)?;
            if labels[..i].contains(l) {
                return Err(DrawError::BadColumns("stratum labels must be distinct"));
            }
        }
        let mut start = 0usize;
        let mut prev = "";
        for (i, ((&end, &s), &w)) in ends.iter().zip(&strata).zip(&weights).enumerate() {
            let end = end as usize;
            let code = codes.get(start..end).ok_or(DrawError::BadColumns(
                "code offsets must ascend within the buffer on character boundaries",
            ))?;
            check_text("candidate code", code)?;
            if i > 0 && code <= prev {
                return Err(if code == prev {
                    DrawError::DuplicateCode(code.to_string())
                } else {
                    DrawError::Unsorted(code.to_string())
                });
            }
            if w == 0 {
                return Err(DrawError::ZeroWeight(code.to_string()));
            }
            if usize::from(s) >= labels.len() {
                return Err(DrawError::BadColumns("stratum index beyond the label table"));
            }
            prev = code;
            start = end;
        }
        if start != codes.len() {
            return Err(DrawError::BadColumns("the code buffer has bytes after the last code"));
        }
        Ok(Self {
            codes,
            ends,
            labels,
            strata,
            weights,
        })
    }

    /// From plain rows, in any order.
    pub fn from_candidates(rows: &[Candidate]) -> Result<Self, DrawError> {
        let mut b = CompactBuilder::with_capacity(rows.len(), rows.iter().map(|r| r.code.len()).sum());
        for r in rows {
            b.push(&r.code, &r.stratum, r.weight)?;
        }
        b.finish()
    }

    pub fn builder() -> CompactBuilder {
        CompactBuilder::default()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Code of candidate `i` (empty when out of range).
    pub fn code(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).map_or(0, |&e| e as usize)
        };
        let end = self.ends.get(i).map_or(start, |&e| e as usize);
        self.codes.get(start..end).unwrap_or_default()
    }

    /// Stratum label of candidate `i` (empty when out of range).
    pub fn stratum(&self, i: usize) -> &str {
        self.strata
            .get(i)
            .and_then(|&s| self.labels.get(usize::from(s)))
            .map_or("", String::as_str)
    }

    /// Weight of candidate `i` (0 when out of range).
    pub fn weight(&self, i: usize) -> u32 {
        self.weights.get(i).copied().unwrap_or(0)
    }

    /// The stratum label table the [`CompactCandidates::strata_column`] indexes.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn strata_column(&self) -> &[u16] {
        &self.strata
    }

    pub fn weights_column(&self) -> &[u32] {
        &self.weights
    }

    /// Index of the candidate with this code, by binary search.
    pub fn position(&self, code: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0usize, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.code(mid).cmp(code) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The rows back as plain values (for bundles and tests).
    pub fn to_candidates(&self) -> Vec<Candidate> {
        (0..self.len())
            .map(|i| Candidate {
                code: self.code(i).to_string(),
                stratum: self.stratum(i).to_string(),
                weight: self.weight(i),
            })
            .collect()
    }
}

/// Builds [`CompactCandidates`] row by row without an allocation per row.
/// Rows may come in any order; [`CompactBuilder::finish`] sorts them if
/// needed (already sorted input, e.g. `ORDER BY code`, costs one check).
#[derive(Debug, Default)]
pub struct CompactBuilder {
    codes: String,
    ends: Vec<u32>,
    labels: Vec<String>,
    label_index: HashMap<String, u16>,
    strata: Vec<u16>,
    weights: Vec<u32>,
}

impl CompactBuilder {
    pub fn with_capacity(rows: usize, code_bytes: usize) -> Self {
        Self {
            codes: String::with_capacity(code_bytes),
            ends: Vec::with_capacity(rows),
            strata: Vec::with_capacity(rows),
            weights: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    pub fn push(&mut self, code: &str, stratum: &str, weight: u32) -> Result<(), DrawError> {
        let label = match self.label_index.get(stratum) {
            Some(&l) => l,
            None => {
                check_text("stratum", stratum)?;
                let l = u16::try_from(self.labels.len()).map_err(|_| DrawError::TooManyStrata)?;
                self.labels.push(stratum.to_string());
                self.label_index.insert(stratum.to_string(), l);
                l
            }
        };
        self.codes.push_str(code);
        let end = u32::try_from(self.codes.len()).map_err(|_| DrawError::BadColumns("codes exceed 4 GiB in total"))?;
        self.ends.push(end);
        self.strata.push(label);
        self.weights.push(weight);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Sort by code when needed, then validate.
    pub fn finish(self) -> Result<CompactCandidates, DrawError> {
        let Self {
            codes,
            ends,
            labels,
            strata,
            weights,
            ..
        } = self;
        let code_at = |i: usize| -> &str {
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            codes.get(start..ends[i] as usize).unwrap_or_default()
        };
        let sorted = (1..ends.len()).all(|i| code_at(i - 1) < code_at(i));
        if sorted {
            return CompactCandidates::from_columns(codes, ends, labels, strata, weights);
        }
        let mut order: Vec<u32> = (0..ends.len()).filter_map(|i| u32::try_from(i).ok()).collect();
        order.sort_unstable_by(|&a, &b| code_at(a as usize).cmp(code_at(b as usize)));
        let mut s_codes = String::with_capacity(codes.len());
        let mut s_ends = Vec::with_capacity(ends.len());
        for &i in &order {
            s_codes.push_str(code_at(i as usize));
            s_ends.push(u32::try_from(s_codes.len()).unwrap_or(u32::MAX));
        }
        let s_strata = order.iter().map(|&i| strata[i as usize]).collect();
        let s_weights = order.iter().map(|&i| weights[i as usize]).collect();
        CompactCandidates::from_columns(s_codes, s_ends, labels, s_strata, s_weights)
    }
}

/// Feeds SHA-256 through a buffer so that millions of short fields cost
/// one `update` per 64 KiB.
struct Hasher {
    sha: Sha256,
    buf: Vec<u8>,
}

impl Hasher {
    const CAP: usize = 1 << 16;

    fn new(title: &str) -> Self {
        let mut h = Self {
            sha: Sha256::new(),
            buf: Vec::with_capacity(Self::CAP + 256),
        };
        h.text(ALGORITHM);
        h.text(" ");
        h.text(title);
        h.text("\n");
        h
    }

    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= Self::CAP {
            self.sha.update(&self.buf);
            self.buf.clear();
        }
    }

    fn text(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn num(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.bytes(&digits[i..]);
    }

    fn tab(&mut self) {
        self.bytes(b"\t");
    }

    fn nl(&mut self) {
        self.bytes(b"\n");
    }

    fn header(&mut self, name: &str, count: usize) {
        self.text(name);
        self.tab();
        self.num(count as u64);
        self.nl();
    }

    fn finish(mut self) -> String {
        self.sha.update(&self.buf);
        hex::encode(self.sha.finalize())
    }
}

fn sorted_rules(rules: &[StratumRule]) -> Vec<&StratumRule> {
    let mut v: Vec<&StratumRule> = rules.iter().collect();
    v.sort_by(|a, b| (&a.stratum, a.ratio_bp, a.count).cmp(&(&b.stratum, b.ratio_bp, b.count)));
    v
}

pub(crate) fn distinct_sorted(codes: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = codes.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Digest of what the entity draw reads: candidates, stratum rules and the
/// key-supervision list (see the module documentation for the encoding).
pub fn snapshot_digest(candidates: &CompactCandidates, rules: &[StratumRule], full: &[String]) -> String {
    let mut h = Hasher::new("snapshot");
    h.header("candidates", candidates.len());
    let labels: Vec<&[u8]> = candidates.labels.iter().map(|l| l.as_bytes()).collect();
    let mut start = 0usize;
    for ((&end, &s), &w) in candidates.ends.iter().zip(&candidates.strata).zip(&candidates.weights) {
        let end = end as usize;
        h.bytes(candidates.codes.as_bytes().get(start..end).unwrap_or_default());
        h.tab();
        h.bytes(labels.get(usize::from(s)).copied().unwrap_or_default());
        h.tab();
        h.num(u64::from(w));
        h.nl();
        start = end;
    }
    h.header("rules", rules.len());
    for r in sorted_rules(rules) {
        h.text(&r.stratum);
        h.tab();
        h.num(u64::from(r.ratio_bp));
        h.tab();
        if let Some(c) = r.count {
            h.num(u64::from(c));
        }
        h.nl();
    }
    let full = distinct_sorted(full);
    h.header("full", full.len());
    for code in full {
        h.text(code);
        h.nl();
    }
    h.finish()
}

fn need_fields(h: &mut Hasher, need: &TeamNeed) {
    h.num(u64::from(need.min_size));
    h.tab();
    if let Some(s) = &need.specialty {
        h.text(s);
    }
    for d in &need.departments {
        h.tab();
        h.text(d);
    }
    h.nl();
}

/// Digest of what team formation reads: inspectors, team needs, recusals
/// (see the module documentation for the encoding).
pub fn inspector_digest(inspectors: &[Inspector], needs: &TeamNeeds, recusals: &[Recusal]) -> String {
    let mut h = Hasher::new("inspectors");
    h.header("inspectors", inspectors.len());
    let mut sorted: Vec<&Inspector> = inspectors.iter().collect();
    sorted.sort_by(|a, b| (&a.id, &a.department).cmp(&(&b.id, &b.department)));
    for i in sorted {
        h.text(&i.id);
        h.tab();
        h.text(&i.department);
        for s in distinct_sorted(&i.specialties) {
            h.tab();
            h.text(s);
        }
        h.nl();
    }
    h.text("needs\t");
    h.num(needs.strata.len() as u64);
    h.tab();
    h.num(needs.codes.len() as u64);
    h.nl();
    h.text("default\t");
    need_fields(&mut h, &needs.default);
    // BTreeMap iterates in ascending key order.
    for (name, need) in &needs.strata {
        h.text("stratum\t");
        h.text(name);
        h.tab();
        need_fields(&mut h, need);
    }
    for (code, need) in &needs.codes {
        h.text("code\t");
        h.text(code);
        h.tab();
        need_fields(&mut h, need);
    }
    let mut pairs: Vec<&Recusal> = recusals.iter().collect();
    pairs.sort();
    pairs.dedup();
    h.header("recusals", pairs.len());
    for r in pairs {
        h.text(&r.inspector);
        h.tab();
        h.text(&r.code);
        h.nl();
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Candidate> {
        [("C3", "B", 2), ("A1", "A", 1), ("B2", "A", 3)]
            .iter()
            .map(|&(c, s, w)| Candidate {
                code: c.into(),
                stratum: s.into(),
                weight: w,
            })
            .collect()
    }

    #[test]
    fn builder_sorts_and_round_trips() {
        let c = CompactCandidates::from_candidates(&rows()).unwrap();
        let back = c.to_candidates();
        let codes: Vec<&str> = back.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["A1", "B2", "C3"]);
        assert_eq!(back[2].stratum, "B");
        assert_eq!(back[2].weight, 2);
        assert_eq!(c.position("B2"), Some(1));
        assert_eq!(c.position("B3"), None);
        assert_eq!(c.code(9), "");
    }

    #[test]
    fn bad_snapshots_are_refused() {
        let mut r = rows();
        r[0].weight = 0;
        assert_eq!(
            CompactCandidates::from_candidates(&r),
            Err(DrawError::ZeroWeight("C3".into()))
        );
        let mut r = rows();
        r[0].code = "A1".into();
        assert_eq!(
            CompactCandidates::from_candidates(&r),
            Err(DrawError::DuplicateCode("A1".into()))
        );
        let mut r = rows();
        r[0].code = "A\t1".into();
        assert!(matches!(
            CompactCandidates::from_candidates(&r),
            Err(DrawError::BadText { .. })
        ));
        let unsorted =
            CompactCandidates::from_columns("BA".into(), vec![1, 2], vec!["x".into()], vec![0, 0], vec![1, 1]);
        assert_eq!(unsorted, Err(DrawError::Unsorted("A".into())));
        let short = CompactCandidates::from_columns("AB".into(), vec![1], vec!["x".into()], vec![0], vec![1]);
        assert!(matches!(short, Err(DrawError::BadColumns(_))));
        let label = CompactCandidates::from_columns("A".into(), vec![1], vec!["x".into()], vec![1], vec![1]);
        assert!(matches!(label, Err(DrawError::BadColumns(_))));
    }

    #[test]
    fn snapshot_encoding_is_as_documented() {
        // Recompute the digest from the documented text by hand.
        let c = CompactCandidates::from_candidates(&rows()).unwrap();
        let rules = vec![
            StratumRule {
                stratum: "B".into(),
                ratio_bp: 5000,
                count: Some(1),
            },
            StratumRule {
                stratum: "A".into(),
                ratio_bp: 300,
                count: None,
            },
        ];
        let full = vec!["C3".to_string(), "A1".to_string(), "C3".to_string()];
        let text = "jianguan-draw/1 snapshot\ncandidates\t3\nA1\tA\t1\nB2\tA\t3\nC3\tB\t2\n\
                    rules\t2\nA\t300\t\nB\t5000\t1\nfull\t2\nA1\nC3\n";
        assert_eq!(snapshot_digest(&c, &rules, &full), hex::encode(Sha256::digest(text)));
    }

    #[test]
    fn inspector_encoding_is_as_documented() {
        let inspectors = vec![
            Inspector {
                id: "i2".into(),
                department: "质监".into(),
                specialties: vec!["特种设备".into(), "食品".into(), "特种设备".into()],
            },
            Inspector {
                id: "i1".into(),
                department: "市场".into(),
                specialties: vec![],
            },
        ];
        let mut needs = TeamNeeds::default();
        needs.strata.insert(
            "D".into(),
            TeamNeed {
                departments: vec!["质监".into(), "市场".into()],
                specialty: Some("食品".into()),
                min_size: 3,
            },
        );
        let recusals = vec![
            Recusal {
                inspector: "i2".into(),
                code: "A1".into(),
            },
            Recusal {
                inspector: "i1".into(),
                code: "B2".into(),
            },
        ];
        let text = "jianguan-draw/1 inspectors\ninspectors\t2\ni1\t市场\ni2\t质监\t特种设备\t食品\n\
                    needs\t1\t0\ndefault\t2\t\nstratum\tD\t3\t食品\t质监\t市场\n\
                    recusals\t2\ni1\tB2\ni2\tA1\n";
        assert_eq!(
            inspector_digest(&inspectors, &needs, &recusals),
            hex::encode(Sha256::digest(text))
        );
    }

    #[test]
    fn digest_numbers_have_no_leading_zeros() {
        let mut h = Hasher::new("t");
        for n in [0u64, 7, 10, 4_294_967_295, u64::MAX] {
            h.num(n);
            h.nl();
        }
        let text = format!("jianguan-draw/1 t\n0\n7\n10\n4294967295\n{}\n", u64::MAX);
        assert_eq!(h.finish(), hex::encode(Sha256::digest(text)));
    }
}
