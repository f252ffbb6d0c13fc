//! The states of leads and cases, typed: stored as the text the
//! migrations' `check` constraints allow, compared as enums, each with its
//! Chinese label. A stored value outside them fails to load (an error,
//! never a silent default).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A lead: 待核查, 已立案, 不予立案 (程序规定第十八条至第二十条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    Pending,
    Filed,
    Declined,
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Pending => "pending",
            LeadStatus::Filed => "filed",
            LeadStatus::Declined => "declined",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LeadStatus::Pending => "待核查",
            LeadStatus::Filed => "已立案",
            LeadStatus::Declined => "不予立案",
        }
    }
}

impl TryFrom<String> for LeadStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        [LeadStatus::Pending, LeadStatus::Filed, LeadStatus::Declined]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown lead status {s:?}"))
    }
}

/// A case: 办理中 or 已结案 (第七十七条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CaseStatus::Open => "办理中",
            CaseStatus::Closed => "已结案",
        }
    }
}

impl TryFrom<String> for CaseStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        [CaseStatus::Open, CaseStatus::Closed]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown case status {s:?}"))
    }
}

crate::platform::db::text_state!(LeadStatus);
crate::platform::db::text_state!(CaseStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_states_round_trip_and_unknown_ones_are_errors() {
        for s in [LeadStatus::Pending, LeadStatus::Filed, LeadStatus::Declined] {
            assert_eq!(LeadStatus::try_from(s.as_str().to_string()), Ok(s));
        }
        for s in [CaseStatus::Open, CaseStatus::Closed] {
            assert_eq!(CaseStatus::try_from(s.as_str().to_string()), Ok(s));
        }
        assert!(LeadStatus::try_from("Pending".to_string()).is_err());
        assert!(CaseStatus::try_from(String::new()).is_err());
    }
}
