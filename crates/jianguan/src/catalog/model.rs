//! Domain types of the catalog: a supervision item's content (legal bases,
//! scope, methods, checklist, related penalties) and its validation.

use chrono::{DateTime, Utc};
use jianguan_rules::catalog::{ItemStatus, LegalBasis, ObjectScope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::org::model::DeptKind;
use crate::platform::error::{AppError, ErrorCode, FieldError};
use crate::registry::model::EntityType;
use crate::registry::refdata::INDUSTRIES;

/// Administrative level that set the item (事项层级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    National,
    Provincial,
    City,
    County,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::National, Level::Provincial, Level::City, Level::County];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Provincial => "provincial",
            Level::City => "city",
            Level::County => "county",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::National => "国家级",
            Level::Provincial => "省级",
            Level::City => "市级",
            Level::County => "县级",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s || k.label_zh() == s)
    }
}

/// Supervision method (监管方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 双随机抽查
    Random,
    /// 重点监管
    Key,
    /// 信用监管
    Credit,
    /// 非现场监管
    Remote,
    /// 投诉举报处置
    Complaint,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Random,
        Method::Key,
        Method::Credit,
        Method::Remote,
        Method::Complaint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Random => "random",
            Method::Key => "key",
            Method::Credit => "credit",
            Method::Remote => "remote",
            Method::Complaint => "complaint",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Method::Random => "双随机抽查",
            Method::Key => "重点监管",
            Method::Credit => "信用监管",
            Method::Remote => "非现场监管",
            Method::Complaint => "投诉举报处置",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s || k.label_zh() == s)
    }
}

/// What answer a checklist point takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResultType {
    /// 是否
    PassFail,
    /// 数值: a measurement with its unit and limits.
    Number {
        unit: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// 文本
    Text,
    /// 照片: a photo is required.
    Photo,
}

impl ResultType {
    pub fn label_zh(&self) -> &'static str {
        match self {
            ResultType::PassFail => "是否",
            ResultType::Number { .. } => "数值",
            ResultType::Text => "文本",
            ResultType::Photo => "照片",
        }
    }

    /// Unit and limits as an inspector reads them: `℃ ≤ 8`.
    pub fn limits_zh(&self) -> String {
        match self {
            ResultType::Number { unit, min, max } => {
                let mut s = unit.clone();
                if let Some(a) = min {
                    s.push_str(&format!(" ≥ {a}"));
                }
                if let Some(b) = max {
                    s.push_str(&format!(" ≤ {b}"));
                }
                s
            }
            _ => "—".into(),
        }
    }
}

/// One point of an item's checklist (检查要点).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckPoint {
    pub text: String,
    pub result: ResultType,
}

/// A penalty item an inspection under this item may lead to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PenaltyRef {
    pub name: String,
    #[schema(value_type = Object)]
    pub basis: LegalBasis,
}

/// Everything an item says, as one version of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemContent {
    pub name: String,
    pub level: Level,
    /// Lead (responsible) department kind; only it may act under the item.
    #[schema(value_type = String)]
    pub department_kind: DeptKind,
    /// Co-operating department kinds (配合部门).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub co_kinds: Vec<DeptKind>,
    #[schema(value_type = Vec<Object>)]
    pub legal_basis: Vec<LegalBasis>,
    #[schema(value_type = Object)]
    pub scope: ObjectScope,
    pub methods: Vec<Method>,
    /// Sampling ratio guidance in basis points (500 = 5%).
    #[serde(default)]
    pub ratio_bp: Option<u32>,
    /// Frequency guidance, e.g. 每年不少于1次.
    #[serde(default)]
    pub frequency: String,
    pub checklist: Vec<CheckPoint>,
    #[serde(default)]
    pub penalties: Vec<PenaltyRef>,
}

/// A catalog item as stored: its code, current version and status, and the
/// content of that version.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CatalogItem {
    pub code: String,
    pub version: i64,
    #[schema(value_type = String)]
    pub status: ItemStatus,
    #[serde(flatten)]
    pub content: ItemContent,
    pub updated_at: DateTime<Utc>,
}

impl CatalogItem {
    pub fn status_zh(&self) -> &'static str {
        self.status.label_zh()
    }

    pub fn bases_zh(&self) -> String {
        self.content
            .legal_basis
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("；")
    }

    pub fn methods_zh(&self) -> String {
        self.content
            .methods
            .iter()
            .map(|m| m.label_zh())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// Item codes: letters, digits and hyphens, as regulators number them.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 40 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn err(errors: &mut Vec<FieldError>, field: &str, message: impl Into<String>) {
    errors.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}

impl ItemContent {
    /// Check every field; collects all problems. Texts that the tabular
    /// format uses as separators (`|`, line breaks) are refused in checklist
    /// and penalty names so that an export re-imports unchanged.
    pub fn validate(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            err(&mut errors, "name", "必填，不超过200字");
        }
        if self.legal_basis.is_empty() {
            err(&mut errors, "legal_basis", "至少填写一条实施依据（《法律名称》第…条）");
        }
        if self.methods.is_empty() {
            err(&mut errors, "methods", "至少选择一种监管方式");
        }
        for t in &self.scope.entity_types {
            if EntityType::parse(t).is_none() {
                err(&mut errors, "entity_types", format!("无法识别的主体类型 {t:?}"));
            }
        }
        for c in &self.scope.industries {
            if !INDUSTRIES.contains(c) {
                err(&mut errors, "industries", format!("{c} 不是 GB/T 4754-2017 行业代码"));
            }
        }
        if self.ratio_bp.is_some_and(|bp| bp > 10_000) {
            err(&mut errors, "ratio", "不能超过100%");
        }
        if self.checklist.is_empty() {
            err(&mut errors, "checklist", "至少填写一条检查要点");
        }
        let bad_text = |s: &str| s.trim().is_empty() || s.contains(['|', '\n', '\r']);
        for (i, p) in self.checklist.iter().enumerate() {
            if bad_text(&p.text) {
                err(
                    &mut errors,
                    "checklist",
                    format!("第{}条：内容为空或含有“|”、换行", i + 1),
                );
            }
            if let ResultType::Number { unit, min, max } = &p.result {
                if unit.contains(['|', '\n']) {
                    err(&mut errors, "checklist", format!("第{}条：单位有误", i + 1));
                }
                if let (Some(a), Some(b)) = (min, max)
                    && a > b
                {
                    err(&mut errors, "checklist", format!("第{}条：下限大于上限", i + 1));
                }
            }
        }
        for p in &self.penalties {
            if bad_text(&p.name) {
                err(&mut errors, "penalties", "处罚事项名称为空或含有“|”、换行");
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError {
                code: ErrorCode::ValidationFailed,
                detail: errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                errors,
            })
        }
    }
}

/// The body of create and update: the code and the content.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ItemInput {
    pub code: String,
    #[serde(flatten)]
    pub content: ItemContent,
}
