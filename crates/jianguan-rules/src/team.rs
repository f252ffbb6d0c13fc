//! Who may carry out an inspection: at least two enforcement officials,
//! each holding an enforcement certificate valid on the day (行政处罚法第四十二条,
//! 第五十五条; 市场监督管理行政处罚程序规定第二十二条: "办案人员调查或者进行
//! 检查时不得少于两人"). Remote (non-on-site) checks on documents are not
//! visits, but the record still names who did it.

use chrono::NaiveDate;

/// The facts about one team member the rule needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    /// Holds the inspector role (执法人员) and an active account.
    pub is_inspector: bool,
    pub cert_valid_until: Option<NaiveDate>,
}

/// Minimum team size for an on-site inspection.
pub const MIN_ON_SITE: usize = 2;

/// Check a team; the error says in Chinese what is missing.
pub fn check_team(members: &[Member], on: NaiveDate, on_site: bool) -> Result<(), String> {
    let mut ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != members.len() {
        return Err("检查人员重复".into());
    }
    if members.is_empty() {
        return Err("至少须有一名检查人员".into());
    }
    for m in members {
        if !m.is_inspector {
            return Err("检查人员须为执法人员".into());
        }
        if m.cert_valid_until.is_none_or(|d| d < on) {
            return Err("检查人员的执法证在检查日期无效".into());
        }
    }
    if on_site && members.len() < MIN_ON_SITE {
        return Err(format!(
            "现场检查须有{MIN_ON_SITE}名以上执法人员（行政处罚法第四十二条）"
        ));
    }
    Ok(())
}

/// Check that a member acts for the recording agency: administrative
/// penalties and the inspections behind them are carried out by the
/// agency's own officials (行政处罚法第四十二条 "行政处罚应当由具有行政执法
/// 资格的执法人员实施"). Officials of several departments inspecting
/// together (联合检查) sign each their own department's part, so a joint
/// record may name officials of other departments — but only of departments
/// whose region includes the entity (`in_territory`: a department acts in
/// its own area, 程序规定第八条), and they confirm being named
/// (the application's co-signature).
pub fn check_agency(
    member: &str,
    member_dept: Option<&str>,
    recording_dept: &str,
    joint: bool,
    in_territory: bool,
) -> Result<(), String> {
    if member_dept == Some(recording_dept) || (joint && in_territory) {
        Ok(())
    } else if joint {
        Err(format!("{member} 所在部门的辖区不含该市场主体，不能列入联合检查"))
    } else {
        Err(format!("{member} 不是本部门的执法人员；多部门共同检查请选择“联合检查”"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 行政处罚法第四十二条: the agency's own officials, unless joint.
    #[test]
    fn members_act_for_the_recording_agency_unless_the_inspection_is_joint() {
        assert!(check_agency("a", Some("420102-SCJG"), "420102-SCJG", false, true).is_ok());
        assert!(check_agency("b", Some("420500-SCJG"), "420102-SCJG", false, false).is_err());
        assert!(check_agency("c", None, "420102-SCJG", false, false).is_err());
        assert!(check_agency("b", Some("420000-YJJ"), "420102-SCJG", true, true).is_ok());
    }

    /// 程序规定第八条: a joint record names officials of departments whose
    /// region includes the entity, not of another city's bureau.
    #[test]
    fn joint_records_name_only_officials_of_departments_of_the_entitys_territory() {
        let e = check_agency("yc", Some("420500-SCJG"), "420102-SCJG", true, false).unwrap_err();
        assert!(e.contains("辖区"), "{e}");
    }

    fn m(id: i64, valid: Option<(i32, u32, u32)>) -> Member {
        Member {
            id,
            is_inspector: true,
            cert_valid_until: valid.and_then(|(y, mo, d)| NaiveDate::from_ymd_opt(y, mo, d)),
        }
    }

    #[test]
    fn two_certified_inspectors_per_visit_art_42() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let ok = [m(1, Some((2027, 1, 1))), m(2, Some((2026, 11, 24)))];
        assert_eq!(check_team(&ok, day, true), Ok(()));
        // One official alone may not inspect on site.
        assert!(check_team(&ok[..1], day, true).is_err());
        // ... but may record a remote (document) check.
        assert_eq!(check_team(&ok[..1], day, false), Ok(()));
        // The same person twice is not two officials.
        assert!(check_team(&[m(1, Some((2027, 1, 1))), m(1, Some((2027, 1, 1)))], day, true).is_err());
        // A certificate expired the day before, or none, does not count.
        assert!(check_team(&[m(1, Some((2027, 1, 1))), m(2, Some((2026, 11, 23)))], day, true).is_err());
        assert!(check_team(&[m(1, Some((2027, 1, 1))), m(2, None)], day, true).is_err());
        let mut clerk = m(3, Some((2027, 1, 1)));
        clerk.is_inspector = false;
        assert!(check_team(&[m(1, Some((2027, 1, 1))), clerk], day, true).is_err());
        assert!(check_team(&[], day, false).is_err());
    }
}
