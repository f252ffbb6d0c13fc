//! Roles and data scope.
//!
//! 行政执法三项制度 and the SAMR procedure rules tie every enforcement act to
//! a competent department and its territory: 市场监督管理行政处罚程序规定
//! 第六条 (territorial jurisdiction, 县级以上 by region) and 第七条 (county
//! bureaus handle cases in their area). The platform mirrors that: a user
//! sees and acts on data of its own department's region and the regions
//! below it, unless its role says otherwise.

use crate::division::DivisionCode;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a signed-in account may be. The anonymous public has no role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: runs the installation; sees everything.
    SysAdmin,
    /// 部门管理员: manages its department's accounts and settings.
    DeptAdmin,
    /// 执法人员: holds an enforcement certificate; inspects and investigates.
    Inspector,
    /// 法制审核人员: reviews major enforcement decisions.
    LegalReviewer,
    /// 领导: the department's head (负责人): reads its department's work and
    /// takes the head's decisions (程序规定第十八条、第二十条、第六十四条),
    /// approves plans; keeps no register.
    Leader,
    /// 企业用户: acts for one market entity, bound to its credit code.
    Enterprise,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::SysAdmin,
        Role::DeptAdmin,
        Role::Inspector,
        Role::LegalReviewer,
        Role::Leader,
        Role::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SysAdmin => "sys_admin",
            Role::DeptAdmin => "dept_admin",
            Role::Inspector => "inspector",
            Role::LegalReviewer => "legal_reviewer",
            Role::Leader => "leader",
            Role::Enterprise => "enterprise",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::SysAdmin => "系统管理员",
            Role::DeptAdmin => "部门管理员",
            Role::Inspector => "执法人员",
            Role::LegalReviewer => "法制审核人员",
            Role::Leader => "领导",
            Role::Enterprise => "企业用户",
        }
    }

    /// Regulators belong to a department; enterprise users to an entity.
    pub fn needs_department(self) -> bool {
        !matches!(self, Role::Enterprise | Role::SysAdmin)
    }

    pub fn needs_uscc(self) -> bool {
        matches!(self, Role::Enterprise)
    }

    /// An inspector must hold an enforcement certificate
    /// (行政处罚法 第四十二条: 执法人员不得少于两人 and must hold 执法证件).
    pub fn needs_certificate(self) -> bool {
        matches!(self, Role::Inspector)
    }

    /// Whether accounts of this role see across all regions.
    pub fn is_global(self) -> bool {
        matches!(self, Role::SysAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; expected one of sys_admin, dept_admin, inspector, legal_reviewer, leader, enterprise")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// The region a user may see and act in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataScope {
    /// Everything (system administrators).
    All,
    /// A division and everything below it.
    Region(DivisionCode),
    /// Nothing regional (enterprise users see only their own entity).
    None,
}

impl DataScope {
    pub fn for_user(role: Role, department_division: Option<DivisionCode>) -> Self {
        if role.is_global() {
            return DataScope::All;
        }
        match (role, department_division) {
            (Role::Enterprise, _) | (_, None) => DataScope::None,
            (_, Some(d)) => DataScope::Region(d),
        }
    }

    /// SQL `LIKE` pattern on a division-code column that keeps exactly the
    /// rows in scope (`%` for all, a pattern no code matches for none).
    pub fn like_pattern(&self) -> String {
        match self {
            DataScope::All => "%".to_string(),
            DataScope::Region(d) => d.like_pattern(),
            DataScope::None => "-".to_string(),
        }
    }

    pub fn covers(&self, target: &DivisionCode) -> bool {
        match self {
            DataScope::All => true,
            DataScope::Region(d) => d.covers(target),
            DataScope::None => false,
        }
    }

    /// [`DataScope::covers`] for a stored division code; a code that does
    /// not parse is in no one's scope.
    pub fn covers_code(&self, code: &str) -> bool {
        DivisionCode::parse(code).is_ok_and(|d| self.covers(&d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("public".parse::<Role>().is_err());
    }

    #[test]
    fn scope_follows_the_region_tree() {
        let wuhan = DivisionCode::parse("420100").unwrap();
        let jiangan = DivisionCode::parse("420102").unwrap();
        let yichang = DivisionCode::parse("420500").unwrap();
        let s = DataScope::for_user(Role::Inspector, Some(wuhan));
        assert!(s.covers(&jiangan));
        assert!(s.covers(&wuhan));
        assert!(!s.covers(&yichang));
        assert!(DataScope::for_user(Role::SysAdmin, None).covers(&yichang));
        assert!(!DataScope::for_user(Role::Enterprise, Some(wuhan)).covers(&wuhan));
        // A county user cannot look up.
        let county = DataScope::for_user(Role::Leader, Some(jiangan));
        assert!(!county.covers(&wuhan));
        assert_eq!(s.like_pattern(), "4201%");
        assert_eq!(DataScope::None.like_pattern(), "-");
    }
}
