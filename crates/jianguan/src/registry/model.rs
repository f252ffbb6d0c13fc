//! Domain types of the registry: the market entity and its licences.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::{DivisionCode, IndustryCode, Uscc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::error::{AppError, ErrorCode, FieldError};

/// Kind of market entity (市场主体类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    /// 公司 (有限责任公司、股份有限公司)
    Company,
    /// 非公司企业法人、个人独资企业等其他企业
    OtherEnterprise,
    /// 合伙企业
    Partnership,
    /// 分公司、分支机构
    Branch,
    /// 个体工商户
    Individual,
    /// 农民专业合作社
    Cooperative,
    /// 外商投资企业
    ForeignInvested,
}

impl EntityType {
    pub const ALL: [EntityType; 7] = [
        EntityType::Company,
        EntityType::OtherEnterprise,
        EntityType::Partnership,
        EntityType::Branch,
        EntityType::Individual,
        EntityType::Cooperative,
        EntityType::ForeignInvested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Company => "company",
            EntityType::OtherEnterprise => "other_enterprise",
            EntityType::Partnership => "partnership",
            EntityType::Branch => "branch",
            EntityType::Individual => "individual",
            EntityType::Cooperative => "cooperative",
            EntityType::ForeignInvested => "foreign_invested",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EntityType::Company => "公司",
            EntityType::OtherEnterprise => "其他企业",
            EntityType::Partnership => "合伙企业",
            EntityType::Branch => "分支机构",
            EntityType::Individual => "个体工商户",
            EntityType::Cooperative => "农民专业合作社",
            EntityType::ForeignInvested => "外商投资企业",
        }
    }

    /// Accept the code or the Chinese words regulators' spreadsheets use.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        if let Some(e) = Self::ALL.into_iter().find(|e| e.as_str() == t || e.label_zh() == t) {
            return Some(e);
        }
        Some(match t {
            _ if t.contains("个体") => EntityType::Individual,
            _ if t.contains("合作社") => EntityType::Cooperative,
            _ if t.contains("分公司") || t.contains("分支") || t.contains("分店") => EntityType::Branch,
            _ if t.contains("外商") || t.contains("外资") || t.contains("台港澳") || t.contains("中外合") => {
                EntityType::ForeignInvested
            }
            _ if t.contains("合伙") => EntityType::Partnership,
            _ if t.contains("公司") => EntityType::Company,
            _ if t.contains("企业") || t.contains("独资") || t.contains("全民所有制") || t.contains("集体所有制") => {
                EntityType::OtherEnterprise
            }
            _ => return None,
        })
    }
}

/// Registration status (登记状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityStatus {
    /// 存续（在营、开业、在册）
    Active,
    /// 吊销
    Revoked,
    /// 注销
    Cancelled,
    /// 迁出
    MovedOut,
    /// 歇业
    Suspended,
}

impl EntityStatus {
    pub const ALL: [EntityStatus; 5] = [
        EntityStatus::Active,
        EntityStatus::Revoked,
        EntityStatus::Cancelled,
        EntityStatus::MovedOut,
        EntityStatus::Suspended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityStatus::Active => "active",
            EntityStatus::Revoked => "revoked",
            EntityStatus::Cancelled => "cancelled",
            EntityStatus::MovedOut => "moved_out",
            EntityStatus::Suspended => "suspended",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EntityStatus::Active => "存续",
            EntityStatus::Revoked => "吊销",
            EntityStatus::Cancelled => "注销",
            EntityStatus::MovedOut => "迁出",
            EntityStatus::Suspended => "歇业",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        if let Some(e) = Self::ALL.into_iter().find(|e| e.as_str() == t || e.label_zh() == t) {
            return Some(e);
        }
        Some(match t {
            _ if t.contains("吊销") => EntityStatus::Revoked,
            _ if t.contains("注销") => EntityStatus::Cancelled,
            _ if t.contains("迁出") => EntityStatus::MovedOut,
            _ if t.contains("歇业") || t.contains("停业") => EntityStatus::Suspended,
            _ if ["存续", "在营", "开业", "在业", "在册", "正常"]
                .iter()
                .any(|w| t.contains(w)) =>
            {
                EntityStatus::Active
            }
            _ => return None,
        })
    }
}

/// A market entity as stored and served.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Entity {
    /// Unified social credit code (GB 32100), the key.
    pub uscc: String,
    pub name: String,
    /// Earlier names, newest first.
    pub former_names: Vec<String>,
    pub entity_type: EntityType,
    /// 法定代表人 / 负责人 / 经营者
    pub legal_rep: String,
    /// Registered capital in fen (1/100 yuan); none for individual businesses.
    pub registered_capital_fen: Option<i64>,
    pub established_on: Option<NaiveDate>,
    pub status: EntityStatus,
    pub address: String,
    /// GB/T 2260 county-level code of the registered address.
    pub division_code: String,
    /// GB/T 4754-2017 code (usually a 4-digit class).
    pub industry_code: Option<String>,
    pub business_scope: String,
    /// 登记机关
    pub authority: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Entity {
    pub fn type_zh(&self) -> &'static str {
        self.entity_type.label_zh()
    }

    pub fn status_zh(&self) -> &'static str {
        self.status.label_zh()
    }

    /// Capital as yuan text, e.g. "500.00 万元".
    pub fn capital_text(&self) -> String {
        match self.registered_capital_fen {
            Some(f) if f >= 1_000_000 => format!("{:.2} 万元", f as f64 / 1_000_000.0),
            Some(f) => format!("{:.2} 元", f as f64 / 100.0),
            None => "—".into(),
        }
    }
}

/// What a person or a file says about an entity; validated into an
/// [`EntityInput`] before anything is stored.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EntityDraft {
    pub uscc: String,
    pub name: String,
    #[serde(default)]
    pub former_names: Vec<String>,
    /// A type code (`company`, `individual` ...) or its Chinese name.
    pub entity_type: String,
    pub legal_rep: String,
    pub registered_capital_fen: Option<i64>,
    pub established_on: Option<NaiveDate>,
    /// A status code (`active`, `revoked` ...) or its Chinese name.
    pub status: String,
    pub address: String,
    pub division_code: String,
    pub industry_code: Option<String>,
    #[serde(default)]
    pub business_scope: String,
    #[serde(default)]
    pub authority: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A validated entity, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityInput {
    pub uscc: Uscc,
    pub name: String,
    pub former_names: Vec<String>,
    pub entity_type: EntityType,
    pub legal_rep: String,
    pub registered_capital_fen: Option<i64>,
    pub established_on: Option<NaiveDate>,
    pub status: EntityStatus,
    pub address: String,
    pub division: DivisionCode,
    pub industry: Option<IndustryCode>,
    pub business_scope: String,
    pub authority: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

fn required(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError {
            field: field.into(),
            message: "required".into(),
        });
    } else if v.chars().count() > max {
        errors.push(FieldError {
            field: field.into(),
            message: format!("at most {max} characters"),
        });
    }
    v.to_string()
}

impl EntityDraft {
    /// Check every field; collects all problems rather than the first.
    /// `division_known` and `industry_known` check codes against the
    /// reference tables.
    pub fn validate(
        &self,
        division_known: impl Fn(&str) -> bool,
        industry_known: impl Fn(&str) -> bool,
    ) -> Result<EntityInput, AppError> {
        let uscc =
            Uscc::parse(&self.uscc).map_err(|e| AppError::field(ErrorCode::InvalidUscc, "uscc", e.to_string()))?;
        let mut errors = Vec::new();
        let name = required(&mut errors, "name", &self.name, 200);
        let legal_rep = required(&mut errors, "legal_rep", &self.legal_rep, 100);
        let address = required(&mut errors, "address", &self.address, 300);
        let entity_type = EntityType::parse(&self.entity_type);
        if entity_type.is_none() {
            errors.push(FieldError {
                field: "entity_type".into(),
                message: format!("unknown type {:?}", self.entity_type),
            });
        }
        let status = EntityStatus::parse(&self.status);
        if status.is_none() {
            errors.push(FieldError {
                field: "status".into(),
                message: format!("unknown status {:?}", self.status),
            });
        }
        let division = match DivisionCode::parse(&self.division_code) {
            Ok(d) if division_known(d.as_str()) => Some(d),
            Ok(d) => {
                errors.push(FieldError {
                    field: "division_code".into(),
                    message: format!("{d} is not in the division table"),
                });
                None
            }
            Err(e) => {
                errors.push(FieldError {
                    field: "division_code".into(),
                    message: e.to_string(),
                });
                None
            }
        };
        let industry = match self.industry_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match IndustryCode::parse(s) {
                Ok(c) if industry_known(c.as_str()) => Some(c),
                Ok(c) => {
                    errors.push(FieldError {
                        field: "industry_code".into(),
                        message: format!("{c} is not in GB/T 4754-2017"),
                    });
                    None
                }
                Err(e) => {
                    errors.push(FieldError {
                        field: "industry_code".into(),
                        message: e.to_string(),
                    });
                    None
                }
            },
        };
        if self.registered_capital_fen.is_some_and(|c| c < 0) {
            errors.push(FieldError {
                field: "registered_capital_fen".into(),
                message: "cannot be negative".into(),
            });
        }
        let coords_ok = |v: Option<f64>, lim: f64| v.is_none_or(|x| x.is_finite() && x.abs() <= lim);
        if !coords_ok(self.latitude, 90.0) || !coords_ok(self.longitude, 180.0) {
            errors.push(FieldError {
                field: "latitude".into(),
                message: "coordinates out of range".into(),
            });
        }
        match (entity_type, status, division) {
            (Some(entity_type), Some(status), Some(division)) if errors.is_empty() => Ok(EntityInput {
                uscc,
                name,
                former_names: self
                    .former_names
                    .iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
                entity_type,
                legal_rep,
                registered_capital_fen: self.registered_capital_fen,
                established_on: self.established_on,
                status,
                address,
                division,
                industry,
                business_scope: self.business_scope.trim().to_string(),
                authority: self.authority.trim().to_string(),
                latitude: self.latitude,
                longitude: self.longitude,
            }),
            _ => {
                let detail = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                Err(AppError {
                    code: ErrorCode::ValidationFailed,
                    detail,
                    errors,
                })
            }
        }
    }
}

/// A licence an entity holds (许可证).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Licence {
    /// e.g. 食品经营许可证, 药品经营许可证
    pub licence_type: String,
    pub number: String,
    pub issuer: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> EntityDraft {
        EntityDraft {
            uscc: "91420102MA4K2B8Q7G".into(),
            name: "武汉江岸示范餐饮有限公司".into(),
            entity_type: "有限责任公司（自然人投资或控股）".into(),
            legal_rep: "刘洋".into(),
            status: "存续（在营、开业、在册）".into(),
            address: "武汉市江岸区沿江大道100号".into(),
            division_code: "420102".into(),
            industry_code: Some("6210".into()),
            ..Default::default()
        }
    }

    #[test]
    fn spreadsheet_words_are_understood() {
        let e = draft().validate(|_| true, |_| true).unwrap();
        assert_eq!(e.entity_type, EntityType::Company);
        assert_eq!(e.status, EntityStatus::Active);
        assert_eq!(EntityType::parse("个体工商户"), Some(EntityType::Individual));
        assert_eq!(EntityType::parse("有限责任公司分公司"), Some(EntityType::Branch));
        assert_eq!(EntityStatus::parse("吊销，未注销"), Some(EntityStatus::Revoked));
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let mut d = draft();
        d.name = " ".into();
        d.status = "unknown".into();
        d.division_code = "999999".into();
        let err = d.validate(|c| c == "420102", |_| true).unwrap_err();
        let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "status", "division_code"]);
        let mut d = draft();
        d.uscc = "91420102MA4K2B8Q7H".into();
        assert_eq!(d.validate(|_| true, |_| true).unwrap_err().code, ErrorCode::InvalidUscc);
    }
}
