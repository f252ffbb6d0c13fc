//! Strata of a random-inspection task: the credit class (企业信用风险分类,
//! 国市监信发〔2022〕6号: A 低, B 一般, C 较高, D 高) crossed with the risk
//! level a professional field graded the entity at (专业领域风险分级, e.g.
//! food businesses A–D from low to high). Differentiated supervision: "对信用
//! 较好、风险较低的市场主体，可合理降低抽查比例和频次…对违法失信、风险较高
//! 的市场主体，适当提高抽查比例和频次" (国办发〔2019〕35号; wording marked
//! unverified in DOMAIN.md §2.3), and for class D "大幅提高抽查比例和频次"
//! (§2.1). So the higher of the two ratios applies: neither a good credit
//! class lowers the ratio of a high-risk entity, nor a low risk level that of
//! a class-D one.

/// Levels of a professional field's risk grading, low to high.
pub const RISK_LEVELS: [&str; 4] = ["A", "B", "C", "D"];

/// The stratum of an entity: its credit class, and its risk level when the
/// task sets a ratio for that level (`B` or `B/D`).
pub fn stratum(credit: &str, risk: Option<&str>) -> String {
    match risk {
        Some(r) => format!("{credit}/{r}"),
        None => credit.to_string(),
    }
}

/// The sampling ratio of a stratum in basis points: the higher of the
/// credit class's and the risk level's.
pub fn ratio_bp(credit_bp: u32, risk_bp: Option<u32>) -> u32 {
    credit_bp.max(risk_bp.unwrap_or(0)).min(10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 国办发〔2019〕35号: higher risk raises the ratio, good credit does
    /// not lower it for a high-risk entity.
    #[test]
    fn the_higher_ratio_applies() {
        assert_eq!(ratio_bp(300, Some(8000)), 8000, "class A, risk D");
        assert_eq!(ratio_bp(8000, Some(300)), 8000, "class D, risk A");
        assert_eq!(ratio_bp(500, None), 500, "not graded");
        assert_eq!(ratio_bp(500, Some(20_000)), 10_000, "never above 100%");
    }

    #[test]
    fn strata_are_named_by_class_and_level() {
        assert_eq!(stratum("B", None), "B");
        assert_eq!(stratum("B", Some("D")), "B/D");
    }
}
