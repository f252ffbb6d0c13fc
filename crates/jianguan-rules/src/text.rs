//! What text and dates the platform accepts from anyone, before any rule of
//! a context looks at them.
//!
//! - No control characters (NUL and the other C0/C1 codes but tab, line
//!   feed and carriage return): PostgreSQL cannot store NUL in text, and
//!   controls in a record printed or exported (GB/T 2312 and GB 18030 have
//!   no use for them) only hide or forge content.
//! - No bidirectional controls in names (U+202A–U+202E, U+2066–U+2069,
//!   U+200E/U+200F, U+061C): they make a name display as another one
//!   ("Trojan Source", CVE-2021-42574), which on a signed record or a
//!   published list is a forgery.
//! - Dates between 1900 and 2199: a supervisory record, a registration or
//!   a licence outside those years is a typing error (0001-01-01,
//!   9999-12-31), and accepting it breaks every period counted from it.

use chrono::NaiveDate;

/// The first control character in `s` (tab, LF and CR allowed).
pub fn control_char(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The first bidirectional formatting character in `s`.
pub fn bidi_control(s: &str) -> Option<char> {
    s.chars().find(|c| {
        matches!(
            *c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
    })
}

/// Earliest date accepted.
pub fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Latest date accepted.
pub fn latest() -> NaiveDate {
    NaiveDate::from_ymd_opt(2199, 12, 31).unwrap_or(NaiveDate::MAX)
}

pub fn plausible_date(d: NaiveDate) -> bool {
    (earliest()..=latest()).contains(&d)
}

/// A string that is exactly an ISO date (`YYYY-MM-DD`), parsed.
pub fn as_iso_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-')
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_found_but_line_breaks_and_tabs_are_text() {
        assert_eq!(control_char("江岸\u{0}区"), Some('\u{0}'));
        assert_eq!(control_char("a\u{7f}"), Some('\u{7f}'));
        assert_eq!(control_char("a\u{85}"), Some('\u{85}'));
        assert_eq!(control_char("第一行\n第二行\t备注\r"), None);
    }

    /// CVE-2021-42574: an override (U+202E) makes a name read as another.
    #[test]
    fn bidi_overrides_and_isolates_are_found() {
        assert_eq!(bidi_control("张敏\u{202E}gnaw"), Some('\u{202E}'));
        assert_eq!(bidi_control("a\u{2067}b"), Some('\u{2067}'));
        assert_eq!(bidi_control("武汉市江岸区市场监督管理局"), None);
    }

    #[test]
    fn dates_are_plausible_between_1900_and_2199() {
        for bad in ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"] {
            assert!(!plausible_date(as_iso_date(bad).unwrap()), "{bad}");
        }
        for good in ["1900-01-01", "1984-10-01", "2026-12-03", "2199-12-31"] {
            assert!(plausible_date(as_iso_date(good).unwrap()), "{good}");
        }
        assert_eq!(as_iso_date("2026-12-03T00:00:00Z"), None);
        assert_eq!(as_iso_date("2026-13-03"), None);
    }
}
