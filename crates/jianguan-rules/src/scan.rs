//! 扫码监管: "实行政府涉企监管执法现场扫码登记" (the provincial policy, item
//! 17, `../shared/seed`). An on-site inspection rests on a check-in at the
//! entity, made by scanning its code, by one of the team, on the day of the
//! inspection; or, when there was none (a damaged code, no signal), on a
//! recorded reason.

use chrono::NaiveDate;

/// Shortest reason for an on-site visit without a check-in.
pub const MIN_REASON_CHARS: usize = 4;

/// Refusal: no check-in cited and no reason.
pub const NO_CHECKIN: &str = "现场检查须先扫码签到，或填写未签到的原因（至少4个字）";
/// Refusal: the check-in cited is not this visit's (or does not exist).
pub const MISMATCH: &str = "签到记录与被检查主体、检查人员或检查日期不符";

/// A check-in as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckIn<'a> {
    pub uscc: &'a str,
    pub by: i64,
    pub day: NaiveDate,
}

/// Check an on-site inspection of `uscc` on `day` by `team` (member ids)
/// against its check-in (`None`: none cited) or its reason.
pub fn check_on_site(
    checkin: Option<CheckIn<'_>>,
    reason: &str,
    uscc: &str,
    team: &[i64],
    day: NaiveDate,
) -> Result<(), &'static str> {
    match checkin {
        None if reason.trim().chars().count() >= MIN_REASON_CHARS => Ok(()),
        None => Err(NO_CHECKIN),
        Some(c) if c.uscc == uscc && team.contains(&c.by) && c.day == day => Ok(()),
        Some(_) => Err(MISMATCH),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed policy item 17: the visit is registered on site by scanning.
    #[test]
    fn a_visit_rests_on_the_teams_check_in_that_day_or_on_a_reason() {
        let day: NaiveDate = "2026-11-24".parse().unwrap();
        let c = CheckIn {
            uscc: "91420102MA4K2B8Q7G",
            by: 7,
            day,
        };
        let code = "91420102MA4K2B8Q7G";
        assert!(check_on_site(Some(c), "", code, &[7, 8], day).is_ok());
        assert!(
            check_on_site(Some(c), "", code, &[8, 9], day).is_err(),
            "not one of the team"
        );
        assert!(
            check_on_site(Some(c), "", code, &[7, 8], day.pred_opt().unwrap()).is_err(),
            "another day"
        );
        assert!(
            check_on_site(Some(c), "", "91420102MA4K0100XX", &[7], day).is_err(),
            "another entity"
        );
        assert!(check_on_site(None, "二维码损毁", code, &[7], day).is_ok());
        assert!(
            check_on_site(None, " 坏 ", code, &[7], day).is_err(),
            "a reason must say something"
        );
    }
}
