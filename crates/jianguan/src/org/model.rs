//! Domain types of the organisation context.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::{DivisionCode, Role, Uscc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::error::{AppError, ErrorCode};

/// The kind of a regulatory department. The catalog matches an item's
/// responsible department by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeptKind {
    MarketRegulation,
    DrugAdministration,
    EmergencyManagement,
    EcologyEnvironment,
    Transport,
    AgricultureRural,
    HealthCommission,
    Commerce,
    Other,
}

impl DeptKind {
    pub const ALL: [DeptKind; 9] = [
        DeptKind::MarketRegulation,
        DeptKind::DrugAdministration,
        DeptKind::EmergencyManagement,
        DeptKind::EcologyEnvironment,
        DeptKind::Transport,
        DeptKind::AgricultureRural,
        DeptKind::HealthCommission,
        DeptKind::Commerce,
        DeptKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeptKind::MarketRegulation => "market_regulation",
            DeptKind::DrugAdministration => "drug_administration",
            DeptKind::EmergencyManagement => "emergency_management",
            DeptKind::EcologyEnvironment => "ecology_environment",
            DeptKind::Transport => "transport",
            DeptKind::AgricultureRural => "agriculture_rural",
            DeptKind::HealthCommission => "health_commission",
            DeptKind::Commerce => "commerce",
            DeptKind::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DeptKind::MarketRegulation => "市场监管",
            DeptKind::DrugAdministration => "药品监管",
            DeptKind::EmergencyManagement => "应急管理",
            DeptKind::EcologyEnvironment => "生态环境",
            DeptKind::Transport => "交通运输",
            DeptKind::AgricultureRural => "农业农村",
            DeptKind::HealthCommission => "卫生健康",
            DeptKind::Commerce => "商务",
            DeptKind::Other => "其他",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A department as stored.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    /// Unique code chosen by the administrator, e.g. `420100-SCJG`.
    pub code: String,
    pub name: String,
    pub kind: DeptKind,
    /// GB/T 2260 code of the region the department is responsible for.
    pub division_code: String,
    /// Code of the parent department, if any.
    pub parent_code: Option<String>,
}

impl Department {
    pub fn division(&self) -> Option<DivisionCode> {
        DivisionCode::parse(&self.division_code).ok()
    }

    pub fn kind_zh(&self) -> &'static str {
        self.kind.label_zh()
    }
}

/// Input for a new department.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewDepartment {
    pub code: String,
    pub name: String,
    pub kind: DeptKind,
    pub division_code: String,
    pub parent_code: Option<String>,
}

impl NewDepartment {
    pub fn validate(&self) -> Result<DivisionCode, AppError> {
        let code = self.code.trim();
        if code.is_empty() || code.chars().count() > 32 || code.chars().any(char::is_whitespace) {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "code",
                "1–32 characters, no spaces",
            ));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(AppError::field(ErrorCode::ValidationFailed, "name", "1–100 characters"));
        }
        DivisionCode::parse(&self.division_code)
            .map_err(|e| AppError::field(ErrorCode::InvalidDivision, "division_code", e.to_string()))
    }
}

/// An account, without its password hash.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = String, example = "inspector")]
    pub role: Role,
    pub department_code: Option<String>,
    /// Unified social credit code of the entity an enterprise user acts for.
    pub uscc: Option<String>,
    /// Enforcement certificate number (inspectors).
    pub cert_no: Option<String>,
    pub cert_valid_until: Option<NaiveDate>,
    /// Fields of enforcement (执法领域) of an inspector, from [`SPECIALTIES`].
    pub specialties: Vec<String>,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn role_zh(&self) -> &'static str {
        self.role.label_zh()
    }

    /// Whether too many failed sign-ins keep the account locked at `now`.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        jianguan_rules::login::is_locked(self.locked_until, now)
    }

    /// Whether the inspector's certificate is valid on `day`.
    pub fn certificate_valid_on(&self, day: NaiveDate) -> bool {
        self.cert_no.is_some() && self.cert_valid_until.is_some_and(|d| d >= day)
    }
}

/// Fields of enforcement an inspector may be listed for in the inspector
/// directory (执法检查人员名录库), by the areas of the catalog.
pub const SPECIALTIES: [&str; 16] = [
    "登记注册",
    "食品",
    "特种设备",
    "工业产品",
    "计量",
    "标准",
    "认证认可",
    "价格",
    "广告",
    "反不正当竞争",
    "网络交易",
    "知识产权",
    "药品",
    "医疗器械",
    "化妆品",
    "疫苗",
];

/// Input for a new account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    #[schema(value_type = String, example = "inspector")]
    pub role: Role,
    pub department_code: Option<String>,
    pub uscc: Option<String>,
    pub cert_no: Option<String>,
    pub cert_valid_until: Option<NaiveDate>,
    pub password: String,
}

impl std::fmt::Display for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        write!(f, "NewUser({}, {})", self.username, self.role)
    }
}

impl NewUser {
    /// Check what can be checked without the database; returns the parsed
    /// credit code for enterprise users.
    pub fn validate(&self) -> Result<Option<Uscc>, AppError> {
        let u = self.username.trim();
        let ok = (3..=32).contains(&u.chars().count())
            && u.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "username",
                "3–32 letters, digits, '_', '-' or '.'",
            ));
        }
        jianguan_rules::login::check_password(&self.password)
            .map_err(|e| AppError::field(ErrorCode::WeakPassword, "password", e.to_string()))?;
        if self.role.needs_department() && self.department_code.as_deref().is_none_or(str::is_empty) {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "department_code",
                "required for this role",
            ));
        }
        if self.role.needs_certificate()
            && (self.cert_no.as_deref().is_none_or(str::is_empty) || self.cert_valid_until.is_none())
        {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "cert_no",
                "inspectors need an enforcement certificate number and its validity",
            ));
        }
        if self.role.needs_uscc() {
            let code = self.uscc.as_deref().unwrap_or("");
            return Uscc::parse(code)
                .map(Some)
                .map_err(|e| AppError::field(ErrorCode::InvalidUscc, "uscc", e.to_string()));
        }
        Ok(None)
    }
}
