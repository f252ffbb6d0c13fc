//! GB/T 2260 administrative division codes: six digits, province (1–2),
//! prefecture (3–4) and county (5–6), and the "covers" relation that data
//! scope is built on (a provincial department sees its whole province).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The level of a division code in the GB/T 2260 hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    Province,
    City,
    County,
}

impl DivisionLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            DivisionLevel::Province => "省级",
            DivisionLevel::City => "市级",
            DivisionLevel::County => "县级",
        }
    }
}

/// A well-formed six-digit GB/T 2260 code. Whether it exists in the current
/// national table is a question for the reference data, not for the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionError {
    #[error("division code must have 6 digits, found {0} characters")]
    Length(usize),
    #[error("division code has a non-digit {ch:?} at position {pos}")]
    NotDigit { pos: usize, ch: char },
    #[error("division code cannot start with 00")]
    NoProvince,
}

impl DivisionCode {
    pub fn parse(input: &str) -> Result<Self, DivisionError> {
        let s = input.trim();
        let n = s.chars().count();
        if n != 6 {
            return Err(DivisionError::Length(n));
        }
        let mut out = [0u8; 6];
        for (i, ch) in s.chars().enumerate() {
            if !ch.is_ascii_digit() {
                return Err(DivisionError::NotDigit { pos: i + 1, ch });
            }
            out[i] = ch as u8;
        }
        if &out[..2] == b"00" {
            return Err(DivisionError::NoProvince);
        }
        Ok(Self(out))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("000000")
    }

    /// Province when digits 3–6 are zero, city when digits 5–6 are zero,
    /// county otherwise (GB/T 2260-2007 §3.2).
    pub fn level(&self) -> DivisionLevel {
        if &self.0[2..] == b"0000" {
            DivisionLevel::Province
        } else if &self.0[4..] == b"00" {
            DivisionLevel::City
        } else {
            DivisionLevel::County
        }
    }

    /// The code one level up, if any: county → its city, city → province.
    /// For county-level units directly under a province (prefecture digits
    /// `90`) the parent is the province.
    pub fn parent(&self) -> Option<DivisionCode> {
        let mut p = self.0;
        match self.level() {
            DivisionLevel::Province => None,
            DivisionLevel::City => {
                p[2..].copy_from_slice(b"0000");
                Some(Self(p))
            }
            DivisionLevel::County if &self.0[2..4] == b"90" => {
                p[2..].copy_from_slice(b"0000");
                Some(Self(p))
            }
            DivisionLevel::County => {
                p[4..].copy_from_slice(b"00");
                Some(Self(p))
            }
        }
    }

    /// Whether `other` lies within this division (or is it).
    pub fn covers(&self, other: &DivisionCode) -> bool {
        match self.level() {
            DivisionLevel::Province => self.0[..2] == other.0[..2],
            DivisionLevel::City => self.0[..4] == other.0[..4],
            DivisionLevel::County => self.0 == other.0,
        }
    }

    /// SQL `LIKE` pattern matching every code this division covers; lets a
    /// store filter by scope on an indexed text column.
    pub fn like_pattern(&self) -> String {
        let s = self.as_str();
        match self.level() {
            DivisionLevel::Province => format!("{}%", &s[..2]),
            DivisionLevel::City => format!("{}%", &s[..4]),
            DivisionLevel::County => s.to_string(),
        }
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_and_parents_of_hubei() {
        assert_eq!(d("420000").level(), DivisionLevel::Province);
        assert_eq!(d("420100").level(), DivisionLevel::City);
        assert_eq!(d("420102").level(), DivisionLevel::County);
        assert_eq!(d("420102").parent(), Some(d("420100")));
        assert_eq!(d("420100").parent(), Some(d("420000")));
        assert_eq!(d("420000").parent(), None);
        // 仙桃市 is a county-level city directly under the province.
        assert_eq!(d("429004").parent(), Some(d("420000")));
    }

    #[test]
    fn covers_is_hierarchical() {
        assert!(d("420000").covers(&d("420102")));
        assert!(d("420100").covers(&d("420102")));
        assert!(!d("420100").covers(&d("420502")));
        assert!(!d("420102").covers(&d("420100")));
        assert!(!d("420000").covers(&d("430100")));
        assert_eq!(d("420100").like_pattern(), "4201%");
    }

    #[test]
    fn bad_codes_are_explained() {
        assert_eq!(DivisionCode::parse("42010"), Err(DivisionError::Length(5)));
        assert_eq!(
            DivisionCode::parse("4201a2"),
            Err(DivisionError::NotDigit { pos: 5, ch: 'a' })
        );
        assert_eq!(DivisionCode::parse("000100"), Err(DivisionError::NoProvince));
    }
}
