//! GB/T 4754-2017 national economic industry classification codes
//! (国民经济行业分类, with amendment No. 1 of 2019): 门类 section (one letter
//! A–T), 大类 division (2 digits), 中类 group (3 digits), 小类 class (4
//! digits). Which codes exist is a question for the shipped table
//! (`data/industries.csv`); the format and the hierarchy are rules.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndustryLevel {
    Section,
    Division,
    Group,
    Class,
}

impl IndustryLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            IndustryLevel::Section => "section",
            IndustryLevel::Division => "division",
            IndustryLevel::Group => "group",
            IndustryLevel::Class => "class",
        }
    }
}

/// The section each division belongs to in GB/T 4754-2017: (section,
/// first division, last division). The 2017 edition renumbered divisions,
/// so 2011 codes must not be mixed in.
pub const SECTIONS: [(char, u8, u8); 20] = [
    ('A', 1, 5),
    ('B', 6, 12),
    ('C', 13, 43),
    ('D', 44, 46),
    ('E', 47, 50),
    ('F', 51, 52),
    ('G', 53, 60),
    ('H', 61, 62),
    ('I', 63, 65),
    ('J', 66, 69),
    ('K', 70, 70),
    ('L', 71, 72),
    ('M', 73, 75),
    ('N', 76, 79),
    ('O', 80, 82),
    ('P', 83, 83),
    ('Q', 84, 85),
    ('R', 86, 90),
    ('S', 91, 96),
    ('T', 97, 97),
];

/// A well-formed industry code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndustryCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndustryError {
    #[error("industry code must be a section letter A–T or 2, 3 or 4 digits, found {0:?}")]
    Format(String),
    #[error("industry division {0:02} does not exist in GB/T 4754-2017 (divisions run 01–97)")]
    NoSuchDivision(u8),
}

impl IndustryCode {
    pub fn parse(input: &str) -> Result<Self, IndustryError> {
        let s = input.trim().to_ascii_uppercase();
        match s.len() {
            1 if SECTIONS.iter().any(|(c, _, _)| s.starts_with(*c)) => Ok(Self(s)),
            2..=4 if s.bytes().all(|b| b.is_ascii_digit()) => {
                let division: u8 = s[..2].parse().map_err(|_| IndustryError::Format(s.clone()))?;
                if section_of_division(division).is_none() {
                    return Err(IndustryError::NoSuchDivision(division));
                }
                Ok(Self(s))
            }
            _ => Err(IndustryError::Format(input.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> IndustryLevel {
        match self.0.len() {
            1 => IndustryLevel::Section,
            2 => IndustryLevel::Division,
            3 => IndustryLevel::Group,
            _ => IndustryLevel::Class,
        }
    }

    /// The code one level up: class → group → division → section.
    pub fn parent(&self) -> Option<IndustryCode> {
        match self.level() {
            IndustryLevel::Section => None,
            IndustryLevel::Division => {
                let d: u8 = self.0.parse().ok()?;
                section_of_division(d).map(|c| IndustryCode(c.to_string()))
            }
            _ => Some(IndustryCode(self.0[..self.0.len() - 1].to_string())),
        }
    }

    /// The section letter this code belongs to.
    pub fn section(&self) -> char {
        match self.level() {
            IndustryLevel::Section => self.0.chars().next().unwrap_or('A'),
            _ => self.0[..2].parse().ok().and_then(section_of_division).unwrap_or('A'),
        }
    }
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn section_of_division(division: u8) -> Option<char> {
    SECTIONS
        .iter()
        .find(|(_, lo, hi)| (*lo..=*hi).contains(&division))
        .map(|(c, _, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_cover_97_divisions_without_gaps() {
        let mut next = 1;
        for (_, lo, hi) in SECTIONS {
            assert_eq!(lo, next);
            next = hi + 1;
        }
        assert_eq!(next, 98);
    }

    #[test]
    fn hierarchy() {
        let c = IndustryCode::parse("6513").unwrap();
        assert_eq!(c.level(), IndustryLevel::Class);
        assert_eq!(c.parent().unwrap().as_str(), "651");
        assert_eq!(IndustryCode::parse("65").unwrap().parent().unwrap().as_str(), "I");
        assert_eq!(c.section(), 'I');
        assert_eq!(IndustryCode::parse("5211").unwrap().section(), 'F');
        assert_eq!(IndustryCode::parse("6210").unwrap().section(), 'H');
        assert_eq!(IndustryCode::parse("h").unwrap().level(), IndustryLevel::Section);
        assert!(IndustryCode::parse("H").unwrap().parent().is_none());
    }

    #[test]
    fn bad_codes() {
        assert_eq!(IndustryCode::parse("98"), Err(IndustryError::NoSuchDivision(98)));
        assert_eq!(IndustryCode::parse("00"), Err(IndustryError::NoSuchDivision(0)));
        assert!(IndustryCode::parse("U").is_err());
        assert!(IndustryCode::parse("65131").is_err());
        assert!(IndustryCode::parse("6a").is_err());
    }
}
