//! Answering an item's checklist on an inspection (检查表), and what the
//! answers allow the record to conclude.
//!
//! The on-site record (现场笔录) states time, place and what was found and
//! is signed by the officials (行政处罚法第五十五条 "询问或者检查应当制作笔录";
//! 市场监督管理行政处罚程序规定第二十八条). Each point of the checklist in
//! the item version cited is answered by kind: pass or fail, a measured value
//! judged against the point's limits, a text, or photos. A record whose
//! answers show a nonconformity cannot conclude "no problem found", and an
//! order to rectify carries its deadline (行政处罚法第二十八条 "责令当事人改正
//! 或者限期改正违法行为").

use chrono::NaiveDate;

/// What a point expects, as the catalog item's version states it.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    PassFail,
    Number { min: Option<f64>, max: Option<f64> },
    Text,
    Photo,
}

/// What the inspector gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    Pass(bool),
    Number(f64),
    Text(String),
    /// How many photos were attached.
    Photos(usize),
}

/// The judgement of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 符合
    Conform,
    /// 不符合
    NonConform,
    /// 已记录 (texts and photos are facts, not judgements)
    Noted,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Conform => "conform",
            Verdict::NonConform => "nonconform",
            Verdict::Noted => "noted",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Conform => "符合",
            Verdict::NonConform => "不符合",
            Verdict::Noted => "已记录",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Verdict::Conform, Verdict::NonConform, Verdict::Noted]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Longest free-text answer.
pub const MAX_TEXT: usize = 2000;

/// Judge one answer; the error says in Chinese what is wrong with it.
pub fn judge(expect: &Expect, given: &Given) -> Result<Verdict, String> {
    match (expect, given) {
        (Expect::PassFail, Given::Pass(true)) => Ok(Verdict::Conform),
        (Expect::PassFail, Given::Pass(false)) => Ok(Verdict::NonConform),
        (Expect::Number { min, max }, Given::Number(v)) => {
            if !v.is_finite() {
                return Err("测量值不是有效数字".into());
            }
            let low = min.is_some_and(|m| *v < m);
            let high = max.is_some_and(|m| *v > m);
            Ok(if low || high {
                Verdict::NonConform
            } else {
                Verdict::Conform
            })
        }
        (Expect::Text, Given::Text(t)) => {
            if t.trim().is_empty() {
                Err("请填写检查情况".into())
            } else if t.chars().count() > MAX_TEXT {
                Err(format!("不超过{MAX_TEXT}字"))
            } else {
                Ok(Verdict::Noted)
            }
        }
        (Expect::Photo, Given::Photos(n)) => {
            if *n == 0 {
                Err("须拍照上传".into())
            } else {
                Ok(Verdict::Noted)
            }
        }
        (Expect::PassFail, _) => Err("应回答“符合”或“不符合”".into()),
        (Expect::Number { .. }, _) => Err("应填写测量值".into()),
        (Expect::Text, _) => Err("应填写文字".into()),
        (Expect::Photo, _) => Err("须拍照上传".into()),
    }
}

/// The conclusion of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 未发现问题
    NoProblem,
    /// 发现问题，责令整改
    Rectify,
    /// 移送立案
    Case,
}

/// Longest rectification period an inspector may set on the spot; longer
/// ones are a decision for the department (a case), not a field order.
pub const MAX_RECTIFY_DAYS: i64 = 90;

/// Check that the conclusion agrees with the answers and that an order to
/// rectify has a deadline after the inspection (and none is set otherwise).
pub fn check_conclusion(
    verdicts: &[Verdict],
    outcome: Outcome,
    inspected_on: NaiveDate,
    rectify_by: Option<NaiveDate>,
) -> Result<(), String> {
    let failed = verdicts.contains(&Verdict::NonConform);
    if failed && outcome == Outcome::NoProblem {
        return Err("检查表中有“不符合”项，检查结果不能为“未发现问题”".into());
    }
    match (outcome, rectify_by) {
        (Outcome::Rectify, None) => Err("责令整改须写明整改期限（行政处罚法第二十八条）".into()),
        (Outcome::Rectify, Some(d)) if d <= inspected_on => Err("整改期限须晚于检查日期".into()),
        (Outcome::Rectify, Some(d)) if (d - inspected_on).num_days() > MAX_RECTIFY_DAYS => {
            Err(format!("整改期限不超过检查后{MAX_RECTIFY_DAYS}日"))
        }
        (Outcome::NoProblem | Outcome::Case, Some(_)) => Err("只有责令整改才设整改期限".into()),
        _ => Ok(()),
    }
}

/// Too many visits (无事不扰): `visits` distinct visits to one entity, by all
/// departments together, within the rule's period exceed its maximum.
pub fn too_frequent(visits: usize, max_visits: usize) -> bool {
    visits > max_visits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn measured_values_are_judged_against_the_points_limits() {
        let cold = Expect::Number {
            min: None,
            max: Some(8.0),
        };
        assert_eq!(judge(&cold, &Given::Number(4.5)), Ok(Verdict::Conform));
        assert_eq!(judge(&cold, &Given::Number(8.0)), Ok(Verdict::Conform));
        assert_eq!(judge(&cold, &Given::Number(8.1)), Ok(Verdict::NonConform));
        let band = Expect::Number {
            min: Some(2.0),
            max: Some(8.0),
        };
        assert_eq!(judge(&band, &Given::Number(1.9)), Ok(Verdict::NonConform));
        assert!(judge(&band, &Given::Number(f64::NAN)).is_err());
    }

    #[test]
    fn each_kind_takes_only_its_own_answer() {
        assert_eq!(judge(&Expect::PassFail, &Given::Pass(false)), Ok(Verdict::NonConform));
        assert!(judge(&Expect::PassFail, &Given::Text("是".into())).is_err());
        assert!(judge(&Expect::Photo, &Given::Photos(0)).is_err());
        assert_eq!(judge(&Expect::Photo, &Given::Photos(2)), Ok(Verdict::Noted));
        assert!(judge(&Expect::Text, &Given::Text("  ".into())).is_err());
        assert!(judge(&Expect::Text, &Given::Text("x".repeat(MAX_TEXT + 1))).is_err());
    }

    /// 行政处罚法第二十八条: an order to rectify names its deadline.
    #[test]
    fn a_nonconformity_cannot_conclude_no_problem_and_rectify_needs_a_deadline() {
        let on = d("2026-11-24");
        let v = [Verdict::Conform, Verdict::NonConform];
        assert!(check_conclusion(&v, Outcome::NoProblem, on, None).is_err());
        assert!(check_conclusion(&v, Outcome::Rectify, on, None).is_err());
        assert!(check_conclusion(&v, Outcome::Rectify, on, Some(on)).is_err());
        assert!(check_conclusion(&v, Outcome::Rectify, on, Some(d("2026-12-08"))).is_ok());
        assert!(check_conclusion(&v, Outcome::Rectify, on, Some(d("2027-03-01"))).is_err());
        assert!(check_conclusion(&v, Outcome::Case, on, None).is_ok());
        assert!(check_conclusion(&[Verdict::Conform], Outcome::NoProblem, on, Some(d("2026-12-01"))).is_err());
        assert!(check_conclusion(&[Verdict::Conform, Verdict::Noted], Outcome::NoProblem, on, None).is_ok());
    }

    #[test]
    fn an_alert_is_raised_only_above_the_maximum() {
        assert!(!too_frequent(3, 3));
        assert!(too_frequent(4, 3));
    }
}
