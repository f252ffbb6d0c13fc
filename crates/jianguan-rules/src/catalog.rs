//! The supervision-item catalog's rules (监管事项清单, mission C1, C3, C11).
//!
//! "清单之外无监管": every inspection, penalty and coercive measure must cite
//! a published catalog item whose responsible department is the actor's
//! kind of department and whose object scope covers the entity. This module
//! holds that decision ([`check_action`]) and the pieces it rests on: legal
//! bases written the way documents cite them (《法》第八十七条第一款), object
//! scopes, and the arithmetic of plans and key-list coverage periods. The
//! application loads the facts; the rule is decided here, once.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::industry::section_of_division;

/// A legal basis as documents cite it: law, article, and optionally clause
/// (款) and item (项). Structured so that a notice can cite it exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LegalBasis {
    /// Full name without book-title marks, e.g. `中华人民共和国食品安全法`.
    pub law: String,
    pub article: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
}

impl fmt::Display for LegalBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "《{}》第{}条", self.law, to_chinese(self.article))?;
        if let Some(c) = self.clause {
            write!(f, "第{}款", to_chinese(c))?;
        }
        if let Some(i) = self.item {
            write!(f, "第{}项", to_chinese(i))?;
        }
        Ok(())
    }
}

impl LegalBasis {
    /// Parse `《中华人民共和国食品安全法》第八十七条第一款`; numbers may be
    /// Chinese or Arabic (`第87条`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let rest = s
            .strip_prefix('《')
            .ok_or_else(|| format!("{s:?}: a legal basis starts with the law's name in 《》"))?;
        let (law, rest) = rest
            .split_once('》')
            .ok_or_else(|| format!("{s:?}: the law's name is not closed with 》"))?;
        if law.trim().is_empty() {
            return Err(format!("{s:?}: the law's name is empty"));
        }
        let mut parts = Vec::new();
        let mut rest = rest.trim();
        while !rest.is_empty() {
            let body = rest
                .strip_prefix('第')
                .ok_or_else(|| format!("{s:?}: expected 第…条 after the law's name"))?;
            let end = body
                .char_indices()
                .find(|(_, c)| matches!(c, '条' | '款' | '项'))
                .ok_or_else(|| format!("{s:?}: 第… is not followed by 条, 款 or 项"))?;
            let n =
                from_chinese(&body[..end.0]).ok_or_else(|| format!("{s:?}: {:?} is not a number", &body[..end.0]))?;
            parts.push((end.1, n));
            rest = body[end.0 + end.1.len_utf8()..].trim();
        }
        let unit = |i: usize| parts.get(i).map(|p| p.0);
        let article = match parts.first() {
            Some(('条', n)) => *n,
            _ => return Err(format!("{s:?}: the article (第…条) is missing")),
        };
        let (mut clause, mut item) = (None, None);
        let mut i = 1;
        if unit(i) == Some('款') {
            clause = Some(parts[i].1);
            i += 1;
        }
        if unit(i) == Some('项') {
            item = Some(parts[i].1);
            i += 1;
        }
        if i != parts.len() {
            return Err(format!("{s:?}: expected 条, then 款, then 项"));
        }
        Ok(LegalBasis {
            law: law.trim().to_string(),
            article,
            clause,
            item,
        })
    }
}

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// 87 → 八十七, 10 → 十, 105 → 一百零五, 1200 → 一千二百: the way article
/// numbers are written in Chinese statutes.
pub fn to_chinese(n: u32) -> String {
    if n == 0 {
        return "零".into();
    }
    if (10..20).contains(&n) {
        // 十, 十一 … 十九: no leading 一.
        return format!(
            "十{}",
            if n == 10 {
                String::new()
            } else {
                DIGITS[(n - 10) as usize].to_string()
            }
        );
    }
    let units = [(1000, '千'), (100, '百'), (10, '十')];
    let mut out = String::new();
    let mut rest = n;
    let mut zero_pending = false;
    for (value, name) in units {
        let d = rest / value;
        rest %= value;
        if d > 0 {
            if zero_pending {
                out.push('零');
                zero_pending = false;
            }
            out.push(DIGITS[d as usize]);
            out.push(name);
        } else if !out.is_empty() {
            zero_pending = true;
        }
        if n >= 10_000 {
            return n.to_string();
        }
    }
    if rest > 0 {
        if zero_pending {
            out.push('零');
        }
        out.push(DIGITS[rest as usize]);
    }
    out
}

/// The inverse of [`to_chinese`]; Arabic digits are accepted as well.
/// Strict: a Chinese numeral must be written exactly as statutes write it
/// (八十七, not 八七 or 八十七十), and article numbers start at one.
pub fn from_chinese(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok().filter(|n| *n > 0);
    }
    let n = lenient_from_chinese(s)?;
    (n > 0 && to_chinese(n) == s).then_some(n)
}

fn lenient_from_chinese(s: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut digit: Option<u32> = None;
    for c in s.chars() {
        if let Some(d) = DIGITS.iter().position(|&x| x == c) {
            digit = Some(d as u32);
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        // A bare 十 at the start means 一十.
        total += digit.take().unwrap_or(1) * unit;
    }
    Some(total + digit.unwrap_or(0))
}

/// The state of a catalog item. Only published items may be cited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Draft,
    Published,
    Retired,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 3] = [ItemStatus::Draft, ItemStatus::Published, ItemStatus::Retired];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Draft => "draft",
            ItemStatus::Published => "published",
            ItemStatus::Retired => "retired",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ItemStatus::Draft => "草稿",
            ItemStatus::Published => "已发布",
            ItemStatus::Retired => "已废止",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s || k.label_zh() == s)
    }
}

/// The facts about an entity that decide whether an item's scope covers it.
#[derive(Debug, Clone, Copy)]
pub struct EntityFacts<'a> {
    /// Entity type as stored (`company`, `individual` ...).
    pub entity_type: &'a str,
    /// GB/T 4754 code, at whatever level was registered.
    pub industry: Option<&'a str>,
    /// Types of the licences the entity holds and that are valid on the
    /// action's date.
    pub licences: &'a [String],
}

/// To whom an item applies. An empty list means "no restriction" on that
/// dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectScope {
    #[serde(default)]
    pub entity_types: Vec<String>,
    /// GB/T 4754 codes at any level: a section letter (`C`), a division
    /// (`14`), a group (`149`) or a class (`1491`).
    #[serde(default)]
    pub industries: Vec<String>,
    /// Licence types one of which the entity must hold.
    #[serde(default)]
    pub licence_types: Vec<String>,
}

/// Whether `scope_code` (any level) contains the entity's `code`.
pub fn industry_covers(scope_code: &str, code: &str) -> bool {
    if let Some(letter) = scope_code.chars().next().filter(|c| c.is_ascii_uppercase()) {
        return code == scope_code
            || code
                .get(..2)
                .and_then(|d| d.parse::<u8>().ok())
                .and_then(section_of_division)
                == Some(letter);
    }
    code.starts_with(scope_code)
}

impl ObjectScope {
    /// `Ok` when the scope covers the entity, otherwise the dimension that
    /// excludes it, in Chinese for the user.
    pub fn covers(&self, e: &EntityFacts<'_>) -> Result<(), String> {
        if !self.entity_types.is_empty() && !self.entity_types.iter().any(|t| t == e.entity_type) {
            return Err("主体类型不在该事项的检查对象范围内".into());
        }
        if !self.industries.is_empty() {
            let inside = e
                .industry
                .is_some_and(|code| self.industries.iter().any(|s| industry_covers(s, code)));
            if !inside {
                return Err("所属行业不在该事项的检查对象范围内".into());
            }
        }
        if !self.licence_types.is_empty() && !e.licences.iter().any(|l| self.licence_types.contains(l)) {
            return Err(format!("未持有该事项所涉许可（{}）", self.licence_types.join("、")));
        }
        Ok(())
    }
}

/// Why a supervisory action is refused by the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The cited item is a draft, retired, or unknown.
    NotPublished,
    /// The item belongs to another kind of department.
    DepartmentNotResponsible { responsible: String, actor: String },
    /// The item's object scope does not cover the entity.
    EntityOutOfScope(String),
}

/// The one gate every inspection, penalty and coercive measure passes
/// ("清单之外无监管", mission C1; 行政处罚法第三十八条: a penalty without a
/// legal basis or by a body without the power is void). `responsible_kind`
/// is the item's lead department kind; `actor_kind` the acting department's.
pub fn check_action(
    status: Option<ItemStatus>,
    responsible_kind: &str,
    scope: &ObjectScope,
    actor_kind: &str,
    entity: &EntityFacts<'_>,
) -> Result<(), Refusal> {
    if status != Some(ItemStatus::Published) {
        return Err(Refusal::NotPublished);
    }
    if responsible_kind != actor_kind {
        return Err(Refusal::DepartmentNotResponsible {
            responsible: responsible_kind.to_string(),
            actor: actor_kind.to_string(),
        });
    }
    scope.covers(entity).map_err(Refusal::EntityOutOfScope)
}

/// The administrative level of the department acting on the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorLevel {
    /// 系统管理员: maintains everything.
    System,
    Province,
    City,
    County,
}

/// Whether a department of kind `actor_kind` at `actor` level may create,
/// change, publish or retire an item of `item_kind` set at `item_level`
/// (`national`, `provincial`, `city`, `county`): only a department of the
/// item's own kind, and only at or above the item's level (national and
/// provincial items are kept by the province's department).
pub fn may_maintain(actor: ActorLevel, actor_kind: &str, item_kind: &str, item_level: &str) -> bool {
    if actor == ActorLevel::System {
        return true;
    }
    if actor_kind != item_kind {
        return false;
    }
    match item_level {
        "national" | "provincial" => actor == ActorLevel::Province,
        "city" => matches!(actor, ActorLevel::Province | ActorLevel::City),
        "county" => true,
        _ => false,
    }
}

/// How often each key-listed entity must be inspected under each key item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoveragePeriod {
    Year,
    HalfYear,
    Quarter,
}

impl CoveragePeriod {
    pub const ALL: [CoveragePeriod; 3] = [CoveragePeriod::Year, CoveragePeriod::HalfYear, CoveragePeriod::Quarter];

    pub fn as_str(self) -> &'static str {
        match self {
            CoveragePeriod::Year => "year",
            CoveragePeriod::HalfYear => "half_year",
            CoveragePeriod::Quarter => "quarter",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CoveragePeriod::Year => "年度",
            CoveragePeriod::HalfYear => "半年",
            CoveragePeriod::Quarter => "季度",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s || k.label_zh() == s)
    }

    fn months(self) -> u32 {
        match self {
            CoveragePeriod::Year => 12,
            CoveragePeriod::HalfYear => 6,
            CoveragePeriod::Quarter => 3,
        }
    }

    /// The calendar period containing `day`: first and last day inclusive.
    /// Full coverage means one inspection inside each such period.
    pub fn bounds(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let m = self.months();
        let first_month = (day.month0() / m) * m + 1;
        let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
        let next = if first_month + m > 12 {
            NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(day.year(), first_month + m, 1)
        };
        let end = next.and_then(|d| d.pred_opt()).unwrap_or(day);
        (start, end)
    }
}

/// Entities a plan line means to inspect: a fixed number if given, else
/// the ratio (basis points, 10000 = 100%) of the object directory, rounded
/// up so that a positive ratio never plans zero inspections of a non-empty
/// directory.
pub fn planned_count(count: Option<i64>, ratio_bp: Option<u32>, directory: i64) -> i64 {
    match (count, ratio_bp) {
        (Some(c), _) => c.max(0),
        (None, Some(bp)) => {
            let d = directory.max(0) as i128;
            ((d * bp as i128 + 9_999) / 10_000).min(d) as i64
        }
        (None, None) => 0,
    }
}

/// Parse a ratio as written in a plan or list: `5%`, `0.5%`, `5`, `100%`,
/// into basis points.
pub fn parse_ratio_bp(s: &str) -> Result<Option<u32>, String> {
    let t = s.trim().trim_end_matches(['%', '％']).trim();
    if t.is_empty() {
        return Ok(None);
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
    {
        return Err(format!("{s:?} is not a percentage"));
    }
    let int: u32 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| format!("{s:?} is too large"))?
    };
    let frac: u32 = format!("{frac:0<2}").parse().unwrap_or(0);
    let bp = int
        .checked_mul(100)
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(|| format!("{s:?} is too large"))?;
    if bp > 10_000 {
        return Err(format!("{s:?} is more than 100%"));
    }
    Ok(Some(bp))
}

/// Basis points as a percentage for display: 500 → `5%`, 50 → `0.5%`.
pub fn format_ratio_bp(bp: u32) -> String {
    if bp.is_multiple_of(100) {
        format!("{}%", bp / 100)
    } else if bp.is_multiple_of(10) {
        format!("{}.{}%", bp / 100, (bp % 100) / 10)
    } else {
        format!("{}.{:02}%", bp / 100, bp % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chinese_numerals_as_statutes_write_them() {
        for (n, s) in [
            (1, "一"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (35, "三十五"),
            (87, "八十七"),
            (100, "一百"),
            (105, "一百零五"),
            (110, "一百一十"),
            (122, "一百二十二"),
            (1001, "一千零一"),
            (1200, "一千二百"),
        ] {
            assert_eq!(to_chinese(n), s);
            assert_eq!(from_chinese(s), Some(n), "{s}");
        }
        assert_eq!(from_chinese("87"), Some(87));
        assert_eq!(from_chinese("八十七a"), None);
        // Malformed numerals are refused, not guessed.
        for bad in ["八七", "十十", "零", "0", "一十二", "二百五", "百"] {
            assert_eq!(from_chinese(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn numerals_round_trip(n in 1u32..9999) {
            prop_assert_eq!(from_chinese(&to_chinese(n)), Some(n));
        }
    }

    #[test]
    fn legal_basis_parses_as_cited() {
        // 食品安全法第八十七条: the sampling-inspection duty of the food
        // safety supervision department.
        let b = LegalBasis::parse("《中华人民共和国食品安全法》第八十七条").unwrap();
        assert_eq!(b.law, "中华人民共和国食品安全法");
        assert_eq!((b.article, b.clause, b.item), (87, None, None));
        assert_eq!(b.to_string(), "《中华人民共和国食品安全法》第八十七条");
        // 行政处罚法第三十三条第一款: first minor violations not penalised.
        let b = LegalBasis::parse("《中华人民共和国行政处罚法》第33条第1款").unwrap();
        assert_eq!(b.to_string(), "《中华人民共和国行政处罚法》第三十三条第一款");
        let b = LegalBasis::parse("《药品管理法》第九十九条第一款第二项").unwrap();
        assert_eq!((b.article, b.clause, b.item), (99, Some(1), Some(2)));
        for bad in [
            "食品安全法第八十七条",
            "《食品安全法》",
            "《》第一条",
            "《法》第一款",
            "《法》第一条第二项第一款",
        ] {
            assert!(LegalBasis::parse(bad).is_err(), "{bad}");
        }
    }

    fn facts<'a>(t: &'a str, ind: Option<&'a str>, lic: &'a [String]) -> EntityFacts<'a> {
        EntityFacts {
            entity_type: t,
            industry: ind,
            licences: lic,
        }
    }

    #[test]
    fn industry_scope_at_every_level() {
        assert!(industry_covers("C", "1491"));
        assert!(industry_covers("14", "1491"));
        assert!(industry_covers("149", "1491"));
        assert!(!industry_covers("F", "1491"));
        assert!(!industry_covers("15", "1491"));
        assert!(industry_covers("H", "6210"));
    }

    #[test]
    fn the_gate_refuses_with_the_reason() {
        // 行政处罚法第三十八条: an action without a basis, or by a body
        // without the power, is void; so the catalog refuses it up front.
        let scope = ObjectScope {
            entity_types: vec!["company".into(), "individual".into()],
            industries: vec!["14".into(), "H".into()],
            licence_types: vec!["食品生产许可证".into()],
        };
        let lic = vec!["食品生产许可证".to_string()];
        let ok = facts("company", Some("1491"), &lic);
        assert_eq!(
            check_action(
                Some(ItemStatus::Published),
                "market_regulation",
                &scope,
                "market_regulation",
                &ok
            ),
            Ok(())
        );
        for s in [None, Some(ItemStatus::Draft), Some(ItemStatus::Retired)] {
            assert_eq!(
                check_action(s, "market_regulation", &scope, "market_regulation", &ok),
                Err(Refusal::NotPublished)
            );
        }
        assert!(matches!(
            check_action(
                Some(ItemStatus::Published),
                "market_regulation",
                &scope,
                "drug_administration",
                &ok
            ),
            Err(Refusal::DepartmentNotResponsible { .. })
        ));
        let none: Vec<String> = Vec::new();
        for e in [
            facts("branch", Some("1491"), &lic),
            facts("company", Some("5251"), &lic),
            facts("company", None, &lic),
            facts("company", Some("1491"), &none),
        ] {
            assert!(matches!(
                check_action(
                    Some(ItemStatus::Published),
                    "market_regulation",
                    &scope,
                    "market_regulation",
                    &e
                ),
                Err(Refusal::EntityOutOfScope(_))
            ));
        }
        // An empty scope covers everyone.
        assert_eq!(ObjectScope::default().covers(&facts("branch", None, &none)), Ok(()));
    }

    #[test]
    fn items_are_kept_by_their_own_kind_at_their_level() {
        use ActorLevel::*;
        let m = "market_regulation";
        let d = "drug_administration";
        assert!(may_maintain(System, "", d, "national"));
        assert!(may_maintain(Province, m, m, "provincial"));
        assert!(!may_maintain(City, m, m, "provincial"));
        assert!(!may_maintain(County, m, m, "city"));
        assert!(may_maintain(City, m, m, "county"));
        // A market-regulation bureau never edits a drug administration item.
        assert!(!may_maintain(Province, m, d, "county"));
        assert!(!may_maintain(Province, m, m, "unknown"));
    }

    #[test]
    fn coverage_periods_are_calendar_periods() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(
            CoveragePeriod::Year.bounds(d(2026, 11, 24)),
            (d(2026, 1, 1), d(2026, 12, 31))
        );
        assert_eq!(
            CoveragePeriod::HalfYear.bounds(d(2026, 11, 24)),
            (d(2026, 7, 1), d(2026, 12, 31))
        );
        assert_eq!(
            CoveragePeriod::HalfYear.bounds(d(2026, 6, 30)),
            (d(2026, 1, 1), d(2026, 6, 30))
        );
        assert_eq!(
            CoveragePeriod::Quarter.bounds(d(2026, 2, 28)),
            (d(2026, 1, 1), d(2026, 3, 31))
        );
        assert_eq!(
            CoveragePeriod::Quarter.bounds(d(2026, 10, 1)),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
    }

    #[test]
    fn planned_counts_round_up() {
        // A 3% plan over 101 entities is 4 inspections, never 3.03 → 3.
        assert_eq!(planned_count(None, Some(300), 101), 4);
        assert_eq!(planned_count(None, Some(300), 100), 3);
        assert_eq!(planned_count(None, Some(10_000), 7), 7);
        assert_eq!(planned_count(None, Some(1), 0), 0);
        assert_eq!(planned_count(Some(12), Some(300), 1000), 12);
        assert_eq!(planned_count(None, None, 1000), 0);
    }

    #[test]
    fn ratios_as_written() {
        assert_eq!(parse_ratio_bp("5%"), Ok(Some(500)));
        assert_eq!(parse_ratio_bp("0.5%"), Ok(Some(50)));
        assert_eq!(parse_ratio_bp("100％"), Ok(Some(10_000)));
        assert_eq!(parse_ratio_bp("3"), Ok(Some(300)));
        assert_eq!(parse_ratio_bp(""), Ok(None));
        assert!(parse_ratio_bp("120%").is_err());
        assert!(parse_ratio_bp("abc").is_err());
        assert!(parse_ratio_bp("0.125%").is_err());
        for bp in [1, 50, 300, 1250, 10_000] {
            assert_eq!(parse_ratio_bp(&format_ratio_bp(bp)), Ok(Some(bp)));
        }
    }
}
