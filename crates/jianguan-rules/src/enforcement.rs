//! Enforcement cases from lead to closure: the periods, the grounds and the
//! checks of 市场监督管理行政处罚程序规定 (SAMR Order No. 2 of 2018, as
//! amended 2022) and 行政处罚法 (2021).
//!
//! - A lead (违法行为线索) is verified within 15 working days of being found,
//!   extendable once by 15 working days; the head then files a case or
//!   declines to (第十八条).
//! - Filing needs a violation within the limitation period (第十九条;
//!   行政处罚法第三十六条) and at least two certified case officers.
//! - A case is decided within 90 days of filing, extendable by 30 days with
//!   the head's approval, and beyond that only by the heads' collective
//!   discussion, which sets the period (第六十四条).
//! - Closure rests on one of the grounds of 第七十七条.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::calendar::{Calendar, Due, Period, Unit};

/// 核查 of a lead (第十八条).
pub const VERIFY: Period = Period {
    length: 15,
    unit: Unit::WorkingDays,
    article: "市场监督管理行政处罚程序规定第十八条",
};

/// The one extension of 核查 the head may approve (第十八条).
pub const VERIFY_EXTENSION: Period = VERIFY;

/// Deciding a case under the ordinary procedure (第六十四条).
pub const DECIDE: Period = Period {
    length: 90,
    unit: Unit::Days,
    article: "市场监督管理行政处罚程序规定第六十四条",
};

/// The extension the head may approve (第六十四条).
pub const DECIDE_EXTENSION: Period = Period {
    length: 30,
    unit: Unit::Days,
    article: "市场监督管理行政处罚程序规定第六十四条",
};

/// Where a lead came from (第十八条: 监督检查、投诉、举报、其他部门移送、
/// 上级交办; 国市监信发〔2022〕6号 adds big-data monitoring).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSource {
    Inspection,
    Complaint,
    Report,
    Transfer,
    Assigned,
    Monitoring,
    Other,
}

impl LeadSource {
    pub const ALL: [LeadSource; 7] = [
        LeadSource::Inspection,
        LeadSource::Complaint,
        LeadSource::Report,
        LeadSource::Transfer,
        LeadSource::Assigned,
        LeadSource::Monitoring,
        LeadSource::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadSource::Inspection => "inspection",
            LeadSource::Complaint => "complaint",
            LeadSource::Report => "report",
            LeadSource::Transfer => "transfer",
            LeadSource::Assigned => "assigned",
            LeadSource::Monitoring => "monitoring",
            LeadSource::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LeadSource::Inspection => "监督检查发现",
            LeadSource::Complaint => "投诉",
            LeadSource::Report => "举报",
            LeadSource::Transfer => "其他部门移送",
            LeadSource::Assigned => "上级交办",
            LeadSource::Monitoring => "大数据监测发现",
            LeadSource::Other => "其他途径",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Grounds for not filing a case (第二十条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineGround {
    /// 违法行为轻微并及时改正，没有造成危害后果.
    MinorCorrected,
    /// 初次违法且危害后果轻微并及时改正 (首违不罚).
    FirstMinor,
    /// 当事人有证据足以证明没有主观过错.
    NoFault,
    /// 依法可以不予立案的其他情形 — including no violation found, outside
    /// jurisdiction, or beyond the limitation period (第十九条 unmet).
    Other,
}

impl DeclineGround {
    pub const ALL: [DeclineGround; 4] = [
        DeclineGround::MinorCorrected,
        DeclineGround::FirstMinor,
        DeclineGround::NoFault,
        DeclineGround::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeclineGround::MinorCorrected => "minor_corrected",
            DeclineGround::FirstMinor => "first_minor",
            DeclineGround::NoFault => "no_fault",
            DeclineGround::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DeclineGround::MinorCorrected => "违法行为轻微并及时改正，没有造成危害后果（第二十条第一项）",
            DeclineGround::FirstMinor => "初次违法且危害后果轻微并及时改正（第二十条第二项）",
            DeclineGround::NoFault => "当事人有证据足以证明没有主观过错（第二十条第三项）",
            DeclineGround::Other => "依法可以不予立案的其他情形（第二十条第四项）",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Grounds for closing a case (第七十七条, with 第六十条第一款第二项至第五项).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureGround {
    /// 行政处罚决定执行完毕.
    Executed,
    /// 人民法院裁定终结执行.
    CourtTerminated,
    /// 案件终止调查.
    InvestigationTerminated,
    /// 确有违法行为，但有依法不予行政处罚情形.
    NoPenalty,
    /// 违法事实不能成立.
    NotEstablished,
    /// 不属于市场监督管理部门管辖，移送其他行政管理部门.
    TransferredAgency,
    /// 涉嫌犯罪，移送司法机关.
    TransferredJudicial,
    /// 其他应予结案的情形.
    Other,
}

impl ClosureGround {
    pub const ALL: [ClosureGround; 8] = [
        ClosureGround::Executed,
        ClosureGround::CourtTerminated,
        ClosureGround::InvestigationTerminated,
        ClosureGround::NoPenalty,
        ClosureGround::NotEstablished,
        ClosureGround::TransferredAgency,
        ClosureGround::TransferredJudicial,
        ClosureGround::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClosureGround::Executed => "executed",
            ClosureGround::CourtTerminated => "court_terminated",
            ClosureGround::InvestigationTerminated => "investigation_terminated",
            ClosureGround::NoPenalty => "no_penalty",
            ClosureGround::NotEstablished => "not_established",
            ClosureGround::TransferredAgency => "transferred_agency",
            ClosureGround::TransferredJudicial => "transferred_judicial",
            ClosureGround::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ClosureGround::Executed => "行政处罚决定执行完毕",
            ClosureGround::CourtTerminated => "人民法院裁定终结执行",
            ClosureGround::InvestigationTerminated => "案件终止调查",
            ClosureGround::NoPenalty => "确有违法行为，但依法不予行政处罚",
            ClosureGround::NotEstablished => "违法事实不能成立，不予行政处罚",
            ClosureGround::TransferredAgency => "不属于本部门管辖，移送其他行政管理部门",
            ClosureGround::TransferredJudicial => "涉嫌犯罪，移送司法机关",
            ClosureGround::Other => "其他应予结案的情形",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The roles that act as a department's head (负责人) for the decisions the
/// rules give to "市场监督管理部门负责人": filing or not (第十八条), extending
/// (第十八条, 第六十四条), keeping time out, closing (第七十七条).
pub const HEAD_ROLES: &[Role] = &[Role::DeptAdmin, Role::Leader];

/// Whether someone takes the head's decisions on a matter: a head of the
/// department the lead or case belongs to, not of another department,
/// however senior.
pub fn decides(role: Role, own_department: Option<i64>, matter_department: i64) -> bool {
    HEAD_ROLES.contains(&role) && own_department == Some(matter_department)
}

/// Whether an act can still be penalised when it is found (行政处罚法第三十六条):
/// not if it went undiscovered for 2 years, or 5 years where it endangered
/// citizens' life and health or financial security and caused harm. The
/// period runs from the day the act ended (continuing acts) or was done.
pub fn within_limitation(act_ended_on: NaiveDate, found_on: NaiveDate, grave: bool) -> bool {
    let years = if grave { 5 } else { 2 };
    act_ended_on
        .checked_add_months(Months::new(12 * years))
        .is_none_or(|end| found_on <= end)
}

/// Check the case officers designated on filing (第十九条 "指定两名以上具有
/// 行政执法资格的办案人员"): distinct, at least two, each an active inspector
/// with a certificate valid on the filing day.
pub fn check_officers(officers: &[crate::team::Member], filed_on: NaiveDate) -> Result<(), String> {
    let mut ids: Vec<i64> = officers.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != officers.len() {
        return Err("办案人员重复".into());
    }
    if officers.len() < 2 {
        return Err("立案须指定两名以上具有行政执法资格的办案人员（程序规定第十九条）".into());
    }
    for m in officers {
        if !m.is_inspector {
            return Err("办案人员须为本部门在职的执法人员".into());
        }
        if m.cert_valid_until.is_none_or(|d| d < filed_on) {
            return Err("办案人员的执法证在立案之日无效".into());
        }
    }
    Ok(())
}

/// Kinds of time kept out of a period: for a lead's verification only
/// testing and identification (第十八条第二款); for a case also suspension,
/// hearing, public notice and ordering a refund (第六十四条第二款).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// 检测、检验、检疫、鉴定.
    Testing,
    /// 权利人辨认或者鉴别.
    Identification,
    /// 中止 (案件中止调查).
    Suspension,
    /// 听证.
    Hearing,
    /// 公告.
    Notice,
    /// 责令退还多收价款.
    Refund,
}

impl PauseKind {
    pub const ALL: [PauseKind; 6] = [
        PauseKind::Testing,
        PauseKind::Identification,
        PauseKind::Suspension,
        PauseKind::Hearing,
        PauseKind::Notice,
        PauseKind::Refund,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PauseKind::Testing => "testing",
            PauseKind::Identification => "identification",
            PauseKind::Suspension => "suspension",
            PauseKind::Hearing => "hearing",
            PauseKind::Notice => "notice",
            PauseKind::Refund => "refund",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PauseKind::Testing => "检测、检验、检疫、鉴定",
            PauseKind::Identification => "权利人辨认或者鉴别",
            PauseKind::Suspension => "案件中止",
            PauseKind::Hearing => "听证",
            PauseKind::Notice => "公告",
            PauseKind::Refund => "责令退还多收价款",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the kind stops a lead's verification clock (第十八条第二款).
    pub fn applies_to_leads(self) -> bool {
        matches!(self, PauseKind::Testing | PauseKind::Identification)
    }
}

/// A lead's last day to verify and decide: 15 working days after it was
/// found, plus 15 more if the head extended it, with kept-out days skipped
/// (第十八条).
pub fn lead_deadline(cal: &Calendar, found_on: NaiveDate, extended: bool, excluded: &[(NaiveDate, NaiveDate)]) -> Due {
    let base = VERIFY.due_excluding(cal, found_on, excluded);
    if !extended {
        return base;
    }
    let ext = VERIFY_EXTENSION.due_excluding(cal, base.date, excluded);
    Due {
        date: ext.date,
        provisional: base.provisional || ext.provisional,
    }
}

/// The heads' collective decision to extend a case further: when it was
/// taken and the date it set (第六十四条).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collective {
    pub decided_on: NaiveDate,
    pub until: NaiveDate,
}

/// A case's decision deadline: 90 days after filing; +30 days after the
/// first extension; after a further one the date the heads set. Kept-out
/// days are skipped, those after the collective decision moving its date
/// by as many days (第六十四条).
pub fn case_deadline(
    cal: &Calendar,
    filed_on: NaiveDate,
    extensions: u32,
    collective: Option<Collective>,
    excluded: &[(NaiveDate, NaiveDate)],
) -> Due {
    let base = DECIDE.due_excluding(cal, filed_on, excluded);
    if extensions == 0 {
        return base;
    }
    let first = DECIDE_EXTENSION.due_excluding(cal, base.date, excluded);
    let Some(c) = collective.filter(|_| extensions > 1) else {
        return Due {
            date: first.date,
            provisional: base.provisional || first.provisional,
        };
    };
    let later: i64 = excluded
        .iter()
        .map(|(a, b)| {
            let from = (*a).max(c.decided_on.succ_opt().unwrap_or(c.decided_on));
            if *b < from { 0 } else { (*b - from).num_days() + 1 }
        })
        .sum();
    let date = cal.on_or_next_working_day(
        c.until
            .checked_add_days(chrono::Days::new(later.max(0) as u64))
            .unwrap_or(c.until),
    );
    Due {
        date,
        provisional: !cal.knows(date),
    }
}

/// Whether an extension may still be approved (第十八条, 第六十四条: the
/// period is extended because the matter "cannot be decided within it";
/// once the period has run out there is nothing left to extend).
pub fn check_in_time(today: NaiveDate, due: NaiveDate) -> Result<(), String> {
    if today > due {
        Err(format!("期限已于 {due} 届满，不能再批准延长"))
    } else {
        Ok(())
    }
}

/// Whether a case extension may be approved now ([`check_in_time`]), and
/// the collective decision a second or later one needs (第六十四条).
pub fn check_extension(
    today: NaiveDate,
    due: NaiveDate,
    extensions_so_far: u32,
    collective_until: Option<NaiveDate>,
) -> Result<(), String> {
    check_in_time(today, due)?;
    match (extensions_so_far, collective_until) {
        (0, None) => Ok(()),
        (0, Some(_)) => Err("首次延期由负责人批准延长三十日，不需集体讨论确定期限".into()),
        (_, None) => Err("已延期一次；继续延期须经负责人集体讨论并确定合理期限（程序规定第六十四条）".into()),
        (_, Some(until)) if until <= due => Err("继续延期的期限须晚于现在的办案期限".into()),
        (_, Some(_)) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::team::Member;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn officer(id: i64, until: &str) -> Member {
        Member {
            id,
            is_inspector: true,
            cert_valid_until: Some(d(until)),
        }
    }

    #[test]
    fn a_lead_is_verified_within_fifteen_working_days_extendable_by_fifteen() {
        // 程序规定第十八条. Found Fri 2026-02-06, before the Spring Festival:
        // Feb 9–13 (5), Sat 14 worked (6), 15–23 off, 24–27 (10), Sat 28
        // worked (11), Mar 2–5 (15).
        let cal = Calendar::official();
        let due = VERIFY.due(&cal, d("2026-02-06")).date;
        assert_eq!(due, d("2026-03-05"));
        // Extended from that day: Mar 6 (1), 9–13 (6), 16–20 (11), 23–26 (15).
        assert_eq!(VERIFY_EXTENSION.due(&cal, due).date, d("2026-03-26"));
    }

    #[test]
    fn a_case_is_decided_within_ninety_days_then_thirty_then_only_collectively() {
        // 程序规定第六十四条. Filed 2026-03-02: day 90 is Sun 2026-05-31 →
        // Mon 2026-06-01.
        let cal = Calendar::official();
        let filed = d("2026-03-02");
        assert_eq!(DECIDE.due(&cal, filed).date, d("2026-06-01"));
        assert_eq!(case_deadline(&cal, filed, 0, None, &[]).date, d("2026-06-01"));
        // +30 days: Wed 2026-07-01.
        assert_eq!(case_deadline(&cal, filed, 1, None, &[]).date, d("2026-07-01"));
        let on = d("2026-05-20");
        assert_eq!(check_extension(on, d("2026-06-01"), 0, None), Ok(()));
        assert!(check_extension(on, d("2026-06-01"), 0, Some(d("2026-09-01"))).is_err());
        assert!(check_extension(on, d("2026-07-01"), 1, None).is_err());
        assert!(check_extension(on, d("2026-07-01"), 1, Some(d("2026-06-30"))).is_err());
        assert_eq!(check_extension(on, d("2026-07-01"), 1, Some(d("2026-09-01"))), Ok(()));
        let c = Collective {
            decided_on: d("2026-06-25"),
            until: d("2026-09-01"),
        };
        assert_eq!(case_deadline(&cal, filed, 2, Some(c), &[]).date, d("2026-09-01"));
        // A hearing before the collective decision already moved the
        // earlier deadlines; one after it moves the set date by its days.
        let hearing = [(d("2026-07-06"), d("2026-07-08"))];
        assert_eq!(case_deadline(&cal, filed, 2, Some(c), &hearing).date, d("2026-09-04"));
        assert_eq!(case_deadline(&cal, filed, 1, None, &hearing).date, d("2026-07-01"));
    }

    #[test]
    fn an_extension_is_approved_only_while_the_period_runs() {
        // 第十八条、第六十四条: "不能在规定期限内……可以延长".
        assert!(check_extension(d("2026-06-01"), d("2026-06-01"), 0, None).is_ok());
        let late = check_extension(d("2026-06-02"), d("2026-06-01"), 0, None).unwrap_err();
        assert!(late.contains("届满"), "{late}");
    }

    #[test]
    fn kept_out_days_move_the_lead_and_case_deadlines() {
        // 第十八条第二款: testing Nov 30 – Dec 4 is not counted.
        let cal = Calendar::official();
        let testing = [(d("2026-11-30"), d("2026-12-04"))];
        assert_eq!(lead_deadline(&cal, d("2026-11-24"), false, &[]).date, d("2026-12-15"));
        assert_eq!(
            lead_deadline(&cal, d("2026-11-24"), false, &testing).date,
            d("2026-12-22")
        );
        // 第六十四条第二款: filed 2026-06-03, due 09-01; 5 days of testing
        // in July → 09-06 is a Sunday → Mon 09-07.
        let july = [(d("2026-07-06"), d("2026-07-10"))];
        assert_eq!(
            case_deadline(&cal, d("2026-06-03"), 0, None, &july).date,
            d("2026-09-07")
        );
        assert!(PauseKind::Testing.applies_to_leads() && !PauseKind::Hearing.applies_to_leads());
    }

    #[test]
    fn the_limitation_period_is_two_years_or_five_for_grave_harm() {
        // 行政处罚法第三十六条.
        assert!(within_limitation(d("2024-11-24"), d("2026-11-24"), false));
        assert!(!within_limitation(d("2024-11-23"), d("2026-11-24"), false));
        assert!(within_limitation(d("2022-01-01"), d("2026-11-24"), true));
        assert!(!within_limitation(d("2021-11-23"), d("2026-11-24"), true));
    }

    #[test]
    fn filing_needs_two_certified_case_officers() {
        // 程序规定第十九条.
        let on = d("2026-11-24");
        assert!(check_officers(&[officer(1, "2027-01-01")], on).is_err());
        assert!(check_officers(&[officer(1, "2027-01-01"), officer(2, "2027-01-01")], on).is_ok());
        let expired = check_officers(&[officer(1, "2027-01-01"), officer(2, "2026-11-23")], on).unwrap_err();
        assert!(expired.contains("立案之日"), "{expired}");
        assert!(check_officers(&[officer(1, "2027-01-01"), officer(1, "2027-01-01")], on).is_err());
    }

    #[test]
    fn only_the_head_of_the_matters_own_department_decides() {
        // 程序规定第十八条、第六十四条: "市场监督管理部门负责人".
        assert!(decides(Role::Leader, Some(7), 7));
        assert!(decides(Role::DeptAdmin, Some(7), 7));
        assert!(!decides(Role::Leader, Some(1), 7), "a superior bureau's head");
        assert!(!decides(Role::Inspector, Some(7), 7));
        assert!(!decides(Role::SysAdmin, None, 7));
    }

    #[test]
    fn grounds_and_sources_round_trip() {
        for s in LeadSource::ALL {
            assert_eq!(LeadSource::parse(s.as_str()), Some(s));
        }
        for g in DeclineGround::ALL {
            assert_eq!(DeclineGround::parse(g.as_str()), Some(g));
        }
        for g in ClosureGround::ALL {
            assert_eq!(ClosureGround::parse(g.as_str()), Some(g));
        }
        for k in PauseKind::ALL {
            assert_eq!(PauseKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(LeadSource::parse("rumour"), None);
    }
}
