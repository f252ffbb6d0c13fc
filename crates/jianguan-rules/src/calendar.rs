//! The working-day calendar (工作日) and how legal periods are counted.
//!
//! A period in working days skips weekends and official holidays but counts
//! the weekend days the State Council's yearly notice makes working days
//! (调休上班). A period in days (日) is counted in calendar days, except that
//! when its last day is not a working day the period ends on the next
//! working day. Both start counting the day after the triggering day
//! (市场监督管理行政处罚程序规定第八十条 "期间开始的时或者日不计算在内……期间
//! 届满的最后一日为法定节假日的，以法定节假日后的第一日为期间届满的日期";
//! the same rule as 民法典第二百零一条、第二百零三条). Days the law keeps out
//! of a period (检测、检验、鉴定…, 程序规定第十八条第二款、第六十四条第二款)
//! are skipped with [`Period::due_excluding`].
//!
//! The yearly schedules the platform knows are shipped here as data
//! ([`OFFICIAL`]); an administrator adds the next year when it is
//! published ([`Calendar::set_year`]). A date in a year nobody has entered is
//! counted by weekends alone, and a due date that depends on one says so
//! ([`Due::provisional`]).

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One year's schedule: ranges of days off and weekend days worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearSchedule {
    pub year: i32,
    /// Where the schedule comes from (the notice's name and number).
    pub source: String,
    /// Days off, each a named inclusive range.
    pub holidays: Vec<Holiday>,
    /// Weekend days worked (调休上班).
    pub workdays: Vec<NaiveDate>,
}

/// A named run of days off, first and last day inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub name: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// The schedules shipped with the platform: (year, source, holidays as
/// (name, first, last) in `MM-DD`, weekend days worked in `MM-DD`).
type Official = (
    i32,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
    &'static [&'static str],
);

pub const OFFICIAL: &[Official] = &[
    (
        2025,
        "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
        &[
            ("元旦", "01-01", "01-01"),
            ("春节", "01-28", "02-04"),
            ("清明节", "04-04", "04-06"),
            ("劳动节", "05-01", "05-05"),
            ("端午节", "05-31", "06-02"),
            ("国庆节、中秋节", "10-01", "10-08"),
        ],
        &["01-26", "02-08", "04-27", "09-28", "10-11"],
    ),
    (
        2026,
        "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
        &[
            ("元旦", "01-01", "01-03"),
            ("春节", "02-15", "02-23"),
            ("清明节", "04-04", "04-06"),
            ("劳动节", "05-01", "05-05"),
            ("端午节", "06-19", "06-21"),
            ("中秋节", "09-25", "09-27"),
            ("国庆节", "10-01", "10-07"),
        ],
        &["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"],
    ),
];

/// Why a schedule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{0} 不在 {1} 年内")]
    OutsideYear(NaiveDate, i32),
    #[error("假期“{0}”的结束日早于开始日")]
    Reversed(String),
    #[error("{0} 不是周末，不需要调休上班")]
    WorkdayNotWeekend(NaiveDate),
    #[error("{0} 既是假日又是调休上班日")]
    Both(NaiveDate),
}

impl YearSchedule {
    /// Check that every date lies in the year, ranges run forward, and
    /// weekend days worked are weekend days that are not also days off.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        let off = self.days_off()?;
        for d in &self.workdays {
            if d.year() != self.year {
                return Err(ScheduleError::OutsideYear(*d, self.year));
            }
            if !is_weekend(*d) {
                return Err(ScheduleError::WorkdayNotWeekend(*d));
            }
            if off.contains(d) {
                return Err(ScheduleError::Both(*d));
            }
        }
        Ok(())
    }

    fn days_off(&self) -> Result<BTreeSet<NaiveDate>, ScheduleError> {
        let mut off = BTreeSet::new();
        for h in &self.holidays {
            for d in [h.first, h.last] {
                if d.year() != self.year {
                    return Err(ScheduleError::OutsideYear(d, self.year));
                }
            }
            if h.last < h.first {
                return Err(ScheduleError::Reversed(h.name.clone()));
            }
            off.extend(h.first.iter_days().take_while(|d| *d <= h.last));
        }
        Ok(off)
    }

    /// The shipped schedules.
    pub fn official() -> Vec<YearSchedule> {
        OFFICIAL
            .iter()
            .map(|(year, source, holidays, workdays)| {
                // The shipped tables are checked by the tests below; a date
                // that did not parse would fall back to the year's first day
                // and fail them.
                let day = |md: &str| {
                    NaiveDate::parse_from_str(&format!("{year}-{md}"), "%Y-%m-%d")
                        .ok()
                        .or_else(|| NaiveDate::from_ymd_opt(*year, 1, 1))
                        .unwrap_or_default()
                };
                YearSchedule {
                    year: *year,
                    source: (*source).into(),
                    holidays: holidays
                        .iter()
                        .map(|(name, first, last)| Holiday {
                            name: (*name).into(),
                            first: day(first),
                            last: day(last),
                        })
                        .collect(),
                    workdays: workdays.iter().map(|d| day(d)).collect(),
                }
            })
            .collect()
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Which days are working days.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>)>,
}

impl Calendar {
    /// The calendar of the shipped schedules.
    pub fn official() -> Self {
        let mut c = Calendar::default();
        for y in YearSchedule::official() {
            // The shipped tables are tested below (every year valid and
            // entered), so nothing is skipped here in practice.
            let _ = c.set_year(&y);
        }
        c
    }

    /// Enter (or replace) one year's schedule.
    pub fn set_year(&mut self, y: &YearSchedule) -> Result<(), ScheduleError> {
        y.validate()?;
        let off = y.days_off()?;
        self.years.insert(y.year, (off, y.workdays.iter().copied().collect()));
        Ok(())
    }

    /// Whether a schedule for the year of `d` is known.
    pub fn knows(&self, d: NaiveDate) -> bool {
        self.years.contains_key(&d.year())
    }

    /// The years with a schedule.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.years.get(&d.year()) {
            Some((off, on)) => on.contains(&d) || (!off.contains(&d) && !is_weekend(d)),
            None => !is_weekend(d),
        }
    }

    /// The `n`th working day after `start` (`start` itself never counts).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = next_day(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 if `to` is
    /// not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }

    /// The first working day on or after `d`.
    pub fn on_or_next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut d = d;
        while !self.is_working_day(d) {
            d = next_day(d);
        }
        d
    }
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX)
}

/// How a period is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 工作日.
    WorkingDays,
    /// 日, ending on a working day.
    Days,
}

/// A legal period: its length, unit and the article that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub length: u32,
    pub unit: Unit,
    pub article: &'static str,
}

/// A due date and whether it rests on a year nobody has entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub date: NaiveDate,
    /// The count crossed a year with no schedule: weekends alone were
    /// skipped, and the date may move when the year is entered.
    pub provisional: bool,
}

impl Period {
    /// The last day of the period that starts counting after `start`.
    pub fn due(&self, cal: &Calendar, start: NaiveDate) -> Due {
        let date = match self.unit {
            Unit::WorkingDays => cal.add_working_days(start, self.length),
            Unit::Days => cal.on_or_next_working_day(
                start
                    .checked_add_days(Days::new(u64::from(self.length)))
                    .unwrap_or(NaiveDate::MAX),
            ),
        };
        let provisional = (start.year()..=date.year()).any(|y| !cal.years.contains_key(&y));
        Due { date, provisional }
    }

    /// Like [`Period::due`], with the days in `excluded` (inclusive spans,
    /// e.g. time for testing or a suspension) not counted: they neither use
    /// up working days nor calendar days of the period.
    pub fn due_excluding(&self, cal: &Calendar, start: NaiveDate, excluded: &[(NaiveDate, NaiveDate)]) -> Due {
        let out = |d: NaiveDate| excluded.iter().any(|(a, b)| *a <= d && d <= *b);
        let mut d = start;
        let mut left = self.length;
        while left > 0 {
            d = next_day(d);
            if out(d) {
                continue;
            }
            if self.unit == Unit::Days || cal.is_working_day(d) {
                left -= 1;
            }
        }
        if self.unit == Unit::Days {
            while !cal.is_working_day(d) || out(d) {
                d = next_day(d);
            }
        }
        let provisional = (start.year()..=d.year()).any(|y| !cal.years.contains_key(&y));
        Due { date: d, provisional }
    }

    /// The period in words, e.g. "15个工作日".
    pub fn label_zh(&self) -> String {
        match self.unit {
            Unit::WorkingDays => format!("{}个工作日", self.length),
            Unit::Days => format!("{}日", self.length),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const FIFTEEN_WORKING: Period = Period {
        length: 15,
        unit: Unit::WorkingDays,
        article: "市场监督管理行政处罚程序规定第十八条",
    };

    #[test]
    fn the_shipped_schedules_are_valid_and_match_the_notices() {
        for y in YearSchedule::official() {
            assert_eq!(y.validate(), Ok(()), "{}", y.year);
            // No date fell back to January 1st, which is never a weekend
            // day worked.
            assert!(y.workdays.iter().all(|d| d.ordinal() > 1), "{}", y.year);
        }
        let cal = Calendar::official();
        assert_eq!(cal.years().collect::<Vec<_>>(), vec![2025, 2026]);
        // 2026 notice: 春节 Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked.
        assert!(!cal.is_working_day(d("2026-02-16")));
        assert!(cal.is_working_day(d("2026-02-14")));
        assert!(cal.is_working_day(d("2026-02-28")));
        assert!(!cal.is_working_day(d("2026-03-01")));
        // 国庆 Oct 1–7 off, Sun Sep 20 and Sat Oct 10 worked.
        assert!(!cal.is_working_day(d("2026-10-05")));
        assert!(cal.is_working_day(d("2026-09-20")));
        assert!(cal.is_working_day(d("2026-10-10")));
        assert!(cal.is_working_day(d("2026-10-08")));
        // 2025: 国庆、中秋 Oct 1–8 off, Sun Sep 28 worked.
        assert!(!cal.is_working_day(d("2025-10-08")));
        assert!(cal.is_working_day(d("2025-09-28")));
    }

    #[test]
    fn fifteen_working_days_across_the_national_day_holiday() {
        // 程序规定第十八条: a clue found on Wed 2026-09-23 must be verified
        // within 15 working days. Counting from Thu 24 (1), Sep 25–27 中秋
        // off, 28, 29, 30 (4), Oct 1–7 off, 8, 9, Sat 10 worked (7), 12–16
        // (12), 19, 20, 21 (15).
        let cal = Calendar::official();
        let due = FIFTEEN_WORKING.due(&cal, d("2026-09-23"));
        assert_eq!(due.date, d("2026-10-21"));
        assert!(!due.provisional);
        assert_eq!(cal.working_days_between(d("2026-09-23"), due.date), 15);
        // Without the holidays it would be three weeks.
        let bare = Calendar::default();
        assert_eq!(FIFTEEN_WORKING.due(&bare, d("2026-09-23")).date, d("2026-10-14"));
    }

    #[test]
    fn the_starting_day_never_counts() {
        // 民法典第二百零一条: a clue found on a working Monday; the 1st
        // working day is Tuesday.
        let cal = Calendar::official();
        let one = Period {
            length: 1,
            unit: Unit::WorkingDays,
            article: "",
        };
        assert_eq!(one.due(&cal, d("2026-11-23")).date, d("2026-11-24"));
        // Found on a Saturday: the first working day is Monday.
        assert_eq!(one.due(&cal, d("2026-11-21")).date, d("2026-11-23"));
    }

    #[test]
    fn a_period_in_days_ending_on_a_holiday_ends_on_the_next_working_day() {
        // 程序规定第六十四条: 90 days from 立案. Filed 2026-07-03 → day 90 is
        // Thu 2026-10-01, in the National Day holiday → due Thu 2026-10-08
        // (民法典第二百零三条).
        let cal = Calendar::official();
        let ninety = Period {
            length: 90,
            unit: Unit::Days,
            article: "市场监督管理行政处罚程序规定第六十四条",
        };
        assert_eq!(ninety.due(&cal, d("2026-07-03")).date, d("2026-10-08"));
        // Ending on a working day it stays put: filed 2026-06-01 → Aug 30
        // is a Sunday → Mon Aug 31.
        assert_eq!(ninety.due(&cal, d("2026-06-01")).date, d("2026-08-31"));
        assert_eq!(ninety.due(&cal, d("2026-06-03")).date, d("2026-09-01"));
    }

    #[test]
    fn a_count_into_an_unentered_year_is_provisional_until_the_year_is_set() {
        let mut cal = Calendar::official();
        let due = FIFTEEN_WORKING.due(&cal, d("2026-12-21"));
        assert!(due.provisional);
        // Weekends alone: Dec 22–31 (8), Jan 1 (9), Jan 4–8 (14), Jan 11 (15).
        assert_eq!(due.date, d("2027-01-11"));
        let y2027 = YearSchedule {
            year: 2027,
            source: "test".into(),
            holidays: vec![Holiday {
                name: "元旦".into(),
                first: d("2027-01-01"),
                last: d("2027-01-03"),
            }],
            workdays: vec![],
        };
        cal.set_year(&y2027).unwrap();
        let due = FIFTEEN_WORKING.due(&cal, d("2026-12-21"));
        assert!(!due.provisional);
        assert_eq!(due.date, d("2027-01-12"));
    }

    #[test]
    fn days_kept_out_of_a_period_do_not_count() {
        // 程序规定第十八条第二款: testing from Mon 2026-11-30 to Fri
        // 2026-12-04 is not counted. Found Tue 2026-11-24: without it due
        // Tue 12-15; with it one working week later, Tue 12-22.
        let cal = Calendar::official();
        let test = [(d("2026-11-30"), d("2026-12-04"))];
        assert_eq!(
            FIFTEEN_WORKING.due_excluding(&cal, d("2026-11-24"), &[]).date,
            d("2026-12-15")
        );
        assert_eq!(
            FIFTEEN_WORKING.due_excluding(&cal, d("2026-11-24"), &test).date,
            d("2026-12-22")
        );
        // 第六十四条第二款: a hearing of 10 calendar days moves 90 days by 10.
        let ninety = Period {
            length: 90,
            unit: Unit::Days,
            article: "",
        };
        let hearing = [(d("2026-07-10"), d("2026-07-19"))];
        assert_eq!(
            ninety.due_excluding(&cal, d("2026-06-03"), &[]),
            ninety.due(&cal, d("2026-06-03"))
        );
        assert_eq!(
            ninety.due_excluding(&cal, d("2026-06-03"), &hearing).date,
            d("2026-09-11")
        );
    }

    #[test]
    fn a_malformed_schedule_is_refused() {
        let mut y = YearSchedule {
            year: 2027,
            source: "test".into(),
            holidays: vec![Holiday {
                name: "春节".into(),
                first: d("2027-02-10"),
                last: d("2027-02-06"),
            }],
            workdays: vec![],
        };
        assert_eq!(y.validate(), Err(ScheduleError::Reversed("春节".into())));
        y.holidays.clear();
        y.workdays = vec![d("2027-02-03")];
        assert_eq!(y.validate(), Err(ScheduleError::WorkdayNotWeekend(d("2027-02-03"))));
        y.workdays = vec![d("2026-02-14")];
        assert!(matches!(y.validate(), Err(ScheduleError::OutsideYear(..))));
    }
}
