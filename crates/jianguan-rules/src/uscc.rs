//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters: registration authority (1), entity type (2), the
//! registering authority's GB/T 2260 division code (3–8), the GB 11714
//! organisation code with its own check character (9–17), and a mod-31 check
//! character (18) per GB/T 17710. See DOMAIN.md §1.
//!
//! Following DOMAIN.md's advice, a failed GB 11714 check (position 17) is
//! flagged on the parsed code, not refused: every real code seen passes it,
//! but legacy exceptions may exist. Format errors and a wrong position-18
//! check character are refused.

use crate::division::DivisionCode;
use std::fmt;

/// The 31 characters of GB 32100; I, O, S, V and Z are never used.
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// W_i = 3^(i-1) mod 31 for i = 1..17.
pub const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// GB 11714-1997 weights for the 8-character organisation-code body.
pub const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn value(ch: u8) -> Option<u32> {
    CHARSET.bytes().position(|c| c == ch).map(|p| p as u32)
}

/// The position-18 check character for the first 17 characters.
fn check18(first17: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (ch, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*ch)? * w;
    }
    let c = (31 - sum % 31) % 31;
    CHARSET.as_bytes().get(c as usize).copied()
}

/// GB 11714 check character for an 8-character organisation-code body
/// (Annex A values: 0–9 → 0–9, A–Z → 10–35; 10 → 'X', 11 → '0').
fn check_org(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (ch, w) in body.iter().zip(ORG_WEIGHTS) {
        let v = match ch {
            b'0'..=b'9' => u32::from(ch - b'0'),
            b'A'..=b'Z' => u32::from(ch - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        r => b'0' + r as u8,
    })
}

/// Why a string is not a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("a unified social credit code has 18 characters, found {0}")]
    Length(usize),
    #[error("character {ch:?} at position {pos} is not allowed (I, O, S, V, Z and symbols never appear)")]
    BadChar { pos: usize, ch: char },
    #[error("positions 3–8 must be a division code; position {pos} is {ch:?}")]
    DivisionNotDigits { pos: usize, ch: char },
    #[error("check character (position 18) expected {expected} found {found}")]
    CheckChar { expected: char, found: char },
}

/// A parsed, valid unified social credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc {
    code: [u8; 18],
    org_check_ok: bool,
}

impl Uscc {
    /// Parse a code, accepting lower case and surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let s = input.trim();
        let n = s.chars().count();
        if n != 18 {
            return Err(UsccError::Length(n));
        }
        let mut code = [0u8; 18];
        for (i, ch) in s.chars().enumerate() {
            let up = ch.to_ascii_uppercase();
            if !up.is_ascii() || value(up as u8).is_none() {
                return Err(UsccError::BadChar { pos: i + 1, ch });
            }
            if (2..8).contains(&i) && !up.is_ascii_digit() {
                return Err(UsccError::DivisionNotDigits { pos: i + 1, ch });
            }
            code[i] = up as u8;
        }
        let expected = check18(&code[..17]).unwrap_or(b'?');
        if expected != code[17] {
            return Err(UsccError::CheckChar {
                expected: expected as char,
                found: code[17] as char,
            });
        }
        let org_check_ok = check_org(&code[8..16]) == Some(code[16]);
        Ok(Self { code, org_check_ok })
    }

    /// Complete 17 characters with their check character; for generators.
    pub fn with_check_char(first17: &str) -> Result<Self, UsccError> {
        let mut s = first17.trim().to_ascii_uppercase();
        let expected = check18(s.as_bytes()).map(char::from).unwrap_or('0');
        s.push(expected);
        Self::parse(&s)
    }

    /// The GB 11714 check character for an organisation-code body of 8
    /// characters; for generators building positions 9–17.
    pub fn org_check_char(body8: &str) -> Option<char> {
        if body8.len() != 8 {
            return None;
        }
        check_org(body8.as_bytes()).map(char::from)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("")
    }

    pub fn registration_authority(&self) -> char {
        self.code[0] as char
    }

    pub fn entity_type(&self) -> char {
        self.code[1] as char
    }

    /// The registering authority's division code (positions 3–8).
    pub fn division(&self) -> Option<DivisionCode> {
        DivisionCode::parse(&self.as_str()[2..8]).ok()
    }

    /// The embedded GB 11714 organisation code (positions 9–17).
    pub fn organisation_code(&self) -> &str {
        &self.as_str()[8..17]
    }

    /// False when position 17 fails the GB 11714 check: the code is accepted
    /// but should be shown with a warning.
    pub fn org_check_ok(&self) -> bool {
        self.org_check_ok
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Real published codes from DOMAIN.md §1.5.
    const REAL: [&str; 7] = [
        "914403001922038216",
        "9144030071526726XG",
        "91440300708461136T",
        "91110000710926094P",
        "91310000631696382C",
        "91100000100003962T",
        "91330100799655058B",
    ];

    #[test]
    fn standard_worked_example() {
        // GB 32100-2015 explanatory text: 91350100M000100Y4 → check char 3.
        assert_eq!(check18(b"91350100M000100Y4"), Some(b'3'));
    }

    #[test]
    fn real_codes_parse_with_both_checks() {
        for c in REAL {
            let u = Uscc::parse(c).unwrap();
            assert!(u.org_check_ok(), "{c}");
            assert_eq!(u.as_str(), c);
        }
        assert_eq!(
            Uscc::parse(REAL[0]).unwrap().division().map(|d| d.to_string()),
            Some("440300".into())
        );
    }

    #[test]
    fn any_single_change_to_a_real_code_is_rejected() {
        for c in REAL {
            for pos in 0..18 {
                for repl in CHARSET.chars() {
                    let mut chars: Vec<char> = c.chars().collect();
                    if chars[pos] == repl {
                        continue;
                    }
                    chars[pos] = repl;
                    let changed: String = chars.into_iter().collect();
                    assert!(Uscc::parse(&changed).is_err(), "{changed} accepted");
                }
            }
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(Uscc::parse("91440300192203821"), Err(UsccError::Length(17)));
        assert_eq!(
            Uscc::parse("9144030071526726XI"),
            Err(UsccError::BadChar { pos: 18, ch: 'I' })
        );
        assert_eq!(
            Uscc::parse("914403001922038217"),
            Err(UsccError::CheckChar {
                expected: '6',
                found: '7'
            })
        );
        assert_eq!(
            Uscc::parse("9144A3001922038216"),
            Err(UsccError::DivisionNotDigits { pos: 5, ch: 'A' })
        );
    }

    #[test]
    fn fake_codes_from_domain_md() {
        // Position 18 valid but GB 11714 fails: accepted with a flag.
        let u = Uscc::parse("91310000631295002H").unwrap();
        assert!(!u.org_check_ok());
        assert!(matches!(
            Uscc::parse("91110000710920838N"),
            Err(UsccError::CheckChar { expected: '0', .. })
        ));
        assert!(Uscc::parse("91350203M0001QAY9B").is_err());
    }

    #[test]
    fn lower_case_and_spaces_are_accepted() {
        assert_eq!(
            Uscc::parse(" 9144030071526726xg ").unwrap().as_str(),
            "9144030071526726XG"
        );
    }

    proptest! {
        #[test]
        fn generated_codes_round_trip(body in "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}") {
            let u = Uscc::with_check_char(&body).unwrap();
            prop_assert_eq!(&u.as_str()[..17], body.as_str());
            prop_assert!(Uscc::parse(u.as_str()).is_ok());
        }

        #[test]
        fn garbage_never_panics(s in "\\PC{0,24}") {
            let _ = Uscc::parse(&s);
        }
    }
}
