//! Errors at the HTTP boundary: one type, a table of stable codes, RFC 9457
//! problem details for the API and Chinese error pages for the UI.
//!
//! Handlers return [`AppError`]; it always renders as `application/problem+json`
//! with a stable `code`. The web shell's middleware turns such responses into
//! an HTML page when a browser asked for a page (see `platform::web`), using
//! [`ErrorCode::message_zh`]. Database and other internal errors are logged
//! and become an opaque 500.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every error code the API can answer with. The strings are a promise to
/// clients: never rename one; add new ones instead. `docs/api.md` lists them
/// (a test checks it does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadRequest,
    ValidationFailed,
    Unauthenticated,
    InvalidCredentials,
    AccountLocked,
    RateLimited,
    Forbidden,
    OutOfScope,
    CsrfFailed,
    NotFound,
    MethodNotAllowed,
    Conflict,
    UsernameTaken,
    DepartmentExists,
    EntityExists,
    InvalidUscc,
    InvalidDivision,
    WeakPassword,
    PayloadTooLarge,
    UnsupportedFile,
    Internal,
    Unavailable,
    CatalogItemNotPublished,
    DepartmentNotResponsible,
    EntityOutOfScope,
    CatalogItemExists,
    InspectionTeamInvalid,
    QrSignatureInvalid,
    EvidenceTampered,
    CheckinRequired,
    ChecklistInvalid,
    InspectionSigned,
    LeadDecided,
    CaseClosed,
    CaseOfficersInvalid,
    BeyondLimitation,
    EntityNotRegistered,
    NoJurisdiction,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 38] = [
        ErrorCode::BadRequest,
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountLocked,
        ErrorCode::RateLimited,
        ErrorCode::Forbidden,
        ErrorCode::OutOfScope,
        ErrorCode::CsrfFailed,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::UsernameTaken,
        ErrorCode::DepartmentExists,
        ErrorCode::EntityExists,
        ErrorCode::InvalidUscc,
        ErrorCode::InvalidDivision,
        ErrorCode::WeakPassword,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedFile,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
        ErrorCode::CatalogItemNotPublished,
        ErrorCode::DepartmentNotResponsible,
        ErrorCode::EntityOutOfScope,
        ErrorCode::CatalogItemExists,
        ErrorCode::InspectionTeamInvalid,
        ErrorCode::QrSignatureInvalid,
        ErrorCode::EvidenceTampered,
        ErrorCode::CheckinRequired,
        ErrorCode::ChecklistInvalid,
        ErrorCode::InspectionSigned,
        ErrorCode::LeadDecided,
        ErrorCode::CaseClosed,
        ErrorCode::CaseOfficersInvalid,
        ErrorCode::BeyondLimitation,
        ErrorCode::EntityNotRegistered,
        ErrorCode::NoJurisdiction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::OutOfScope => "out_of_scope",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::DepartmentExists => "department_exists",
            ErrorCode::EntityExists => "entity_exists",
            ErrorCode::InvalidUscc => "invalid_uscc",
            ErrorCode::InvalidDivision => "invalid_division",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedFile => "unsupported_file",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::CatalogItemNotPublished => "catalog_item_not_published",
            ErrorCode::DepartmentNotResponsible => "department_not_responsible",
            ErrorCode::EntityOutOfScope => "entity_out_of_scope",
            ErrorCode::CatalogItemExists => "catalog_item_exists",
            ErrorCode::InspectionTeamInvalid => "inspection_team_invalid",
            ErrorCode::QrSignatureInvalid => "qr_signature_invalid",
            ErrorCode::EvidenceTampered => "evidence_tampered",
            ErrorCode::CheckinRequired => "checkin_required",
            ErrorCode::ChecklistInvalid => "checklist_invalid",
            ErrorCode::InspectionSigned => "inspection_signed",
            ErrorCode::LeadDecided => "lead_decided",
            ErrorCode::CaseClosed => "case_closed",
            ErrorCode::CaseOfficersInvalid => "case_officers_invalid",
            ErrorCode::BeyondLimitation => "beyond_limitation",
            ErrorCode::EntityNotRegistered => "entity_not_registered",
            ErrorCode::NoJurisdiction => "no_jurisdiction",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed
            | ErrorCode::InvalidUscc
            | ErrorCode::InvalidDivision
            | ErrorCode::WeakPassword => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::AccountLocked => StatusCode::LOCKED,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Forbidden | ErrorCode::OutOfScope | ErrorCode::CsrfFailed => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict | ErrorCode::UsernameTaken | ErrorCode::DepartmentExists | ErrorCode::EntityExists => {
                StatusCode::CONFLICT
            }
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedFile => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::CatalogItemNotPublished => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::DepartmentNotResponsible => StatusCode::FORBIDDEN,
            ErrorCode::EntityOutOfScope => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::CatalogItemExists => StatusCode::CONFLICT,
            ErrorCode::InspectionTeamInvalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::QrSignatureInvalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::EvidenceTampered => StatusCode::CONFLICT,
            ErrorCode::CheckinRequired => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ChecklistInvalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InspectionSigned | ErrorCode::LeadDecided | ErrorCode::CaseClosed => StatusCode::CONFLICT,
            ErrorCode::CaseOfficersInvalid | ErrorCode::BeyondLimitation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::EntityNotRegistered => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::NoJurisdiction => StatusCode::FORBIDDEN,
        }
    }

    /// Short English title for the problem document.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "The request could not be read",
            ErrorCode::ValidationFailed => "Some fields are invalid",
            ErrorCode::Unauthenticated => "Sign-in required",
            ErrorCode::InvalidCredentials => "Wrong username or password",
            ErrorCode::AccountLocked => "Account temporarily locked",
            ErrorCode::RateLimited => "Too many attempts",
            ErrorCode::Forbidden => "Not allowed for this role",
            ErrorCode::OutOfScope => "Outside your data scope",
            ErrorCode::CsrfFailed => "Form token missing or invalid",
            ErrorCode::NotFound => "Not found",
            ErrorCode::MethodNotAllowed => "Method not allowed",
            ErrorCode::Conflict => "Conflicts with stored data",
            ErrorCode::UsernameTaken => "Username already exists",
            ErrorCode::DepartmentExists => "Department code already exists",
            ErrorCode::EntityExists => "Entity already registered",
            ErrorCode::InvalidUscc => "Invalid unified social credit code",
            ErrorCode::InvalidDivision => "Invalid division code",
            ErrorCode::WeakPassword => "Password too weak",
            ErrorCode::PayloadTooLarge => "Request body too large",
            ErrorCode::UnsupportedFile => "Unsupported file type",
            ErrorCode::Internal => "Internal error",
            ErrorCode::Unavailable => "Service unavailable",
            ErrorCode::CatalogItemNotPublished => "The cited catalog item is not published",
            ErrorCode::DepartmentNotResponsible => "The catalog item belongs to another department",
            ErrorCode::EntityOutOfScope => "The entity is outside the catalog item's object scope",
            ErrorCode::CatalogItemExists => "Catalog item code already exists",
            ErrorCode::InspectionTeamInvalid => "The inspection team does not meet the legal requirements",
            ErrorCode::QrSignatureInvalid => "The QR code's signature does not match",
            ErrorCode::EvidenceTampered => "The evidence file does not match its recorded hash",
            ErrorCode::CheckinRequired => "An on-site inspection needs a check-in at the entity or a recorded reason",
            ErrorCode::ChecklistInvalid => "A checklist point of a cited item is unanswered or wrongly answered",
            ErrorCode::InspectionSigned => "The inspection record is signed; correct it with a new, linked record",
            ErrorCode::LeadDecided => "The lead has already been decided",
            ErrorCode::CaseClosed => "The case is closed",
            ErrorCode::CaseOfficersInvalid => "A case needs two or more certified officers of its department",
            ErrorCode::BeyondLimitation => "The act is beyond the limitation period for a penalty",
            ErrorCode::EntityNotRegistered => "No market entity is registered under this code",
            ErrorCode::NoJurisdiction => {
                "The matter lies outside the department's jurisdiction and no ground is recorded"
            }
        }
    }

    /// The message a Chinese-speaking user sees on an error page or form.
    pub fn message_zh(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "请求格式有误，无法处理。",
            ErrorCode::ValidationFailed => "填写的内容有误，请检查后重试。",
            ErrorCode::Unauthenticated => "请先登录。",
            ErrorCode::InvalidCredentials => "用户名或密码错误。连续输错5次后，须15分钟后再试。",
            ErrorCode::AccountLocked => "连续登录失败次数过多，账号已临时锁定，请15分钟后再试。",
            ErrorCode::RateLimited => "尝试过于频繁，请稍后再试。",
            ErrorCode::Forbidden => "您的角色无权进行此操作。",
            ErrorCode::OutOfScope => "该数据不在您的管辖范围内。",
            ErrorCode::CsrfFailed => "页面已过期，请刷新后重试。",
            ErrorCode::NotFound => "您访问的页面或数据不存在。",
            ErrorCode::MethodNotAllowed => "不支持该请求方式。",
            ErrorCode::Conflict => "与已有数据冲突。",
            ErrorCode::UsernameTaken => "用户名已存在。",
            ErrorCode::DepartmentExists => "部门编码已存在。",
            ErrorCode::EntityExists => "该统一社会信用代码的市场主体已登记。",
            ErrorCode::InvalidUscc => "统一社会信用代码无效。",
            ErrorCode::InvalidDivision => "行政区划代码无效。",
            ErrorCode::WeakPassword => "密码强度不足：至少8位，并包含大写字母、小写字母、数字、符号中的三类。",
            ErrorCode::PayloadTooLarge => "提交的内容过大。",
            ErrorCode::UnsupportedFile => "不支持的文件类型，请上传 .xlsx 或 .csv 文件。",
            ErrorCode::Internal => "系统内部错误，请稍后再试或联系管理员。",
            ErrorCode::Unavailable => "服务暂不可用，请稍后再试。",
            ErrorCode::CatalogItemNotPublished => {
                "所引用的监管事项未发布或已废止，不能据此实施监管（清单之外无监管）。"
            }
            ErrorCode::DepartmentNotResponsible => "该监管事项不属于本部门的职责范围。",
            ErrorCode::EntityOutOfScope => "该市场主体不在所引用监管事项的检查对象范围内。",
            ErrorCode::CatalogItemExists => "该事项编码已存在。",
            ErrorCode::InspectionTeamInvalid => "检查人员不符合要求：现场检查须有两名以上持有效执法证的执法人员。",
            ErrorCode::QrSignatureInvalid => "二维码无效：签名不符，可能是伪造或被篡改的二维码。",
            ErrorCode::EvidenceTampered => "证据文件与登记的哈希值不符或已缺失，已停止提供，请联系管理员核查。",
            ErrorCode::CheckinRequired => "现场检查须先扫码签到，或填写未签到的原因。",
            ErrorCode::ChecklistInvalid => "检查表有未回答或填写有误的检查要点。",
            ErrorCode::InspectionSigned => "检查记录已签名，不能修改；如需更正，请登记更正记录。",
            ErrorCode::LeadDecided => "该线索已作出立案或不予立案决定。",
            ErrorCode::CaseClosed => "该案件已结案，不能再办理。",
            ErrorCode::CaseOfficersInvalid => "立案须指定本部门两名以上具有行政执法资格的办案人员。",
            ErrorCode::BeyondLimitation => "违法行为已超过给予行政处罚的期限（行政处罚法第三十六条），不能立案。",
            ErrorCode::EntityNotRegistered => "没有以该统一社会信用代码登记的市场主体。",
            ErrorCode::NoJurisdiction => {
                "该事项不在本部门管辖范围内，须载明管辖依据（违法行为发生地、移送或上级指定）。"
            }
        }
    }
}

/// The Chinese label of an input field named in a [`FieldError`], for forms
/// and for the error files of imports.
pub fn field_label_zh(field: &str) -> &str {
    match field {
        "code" => "部门编码",
        "name" => "名称",
        "parent_code" => "上级部门",
        "username" => "用户名",
        "password" => "密码",
        "role" => "角色",
        "department_code" => "所属部门",
        "uscc" => "统一社会信用代码",
        "cert_no" => "执法证号",
        "cert_valid_until" => "执法证有效期",
        "entity_type" => "主体类型",
        "legal_rep" => "法定代表人",
        "registered_capital_fen" => "注册资本",
        "established_on" => "成立日期",
        "status" => "登记状态",
        "address" => "住所",
        "division_code" => "行政区划代码",
        "industry_code" => "行业代码",
        "latitude" | "longitude" => "经纬度",
        "item_code" => "事项编码",
        "item" => "事项内容",
        "lines" => "计划事项",
        "title" => "名称",
        "year" => "年度",
        "period" => "覆盖周期",
        "reason" => "理由",
        "public_value" => "现场输入值",
        "period_start" => "开始日期",
        "period_end" => "结束日期",
        "list_kind" => "清单类型",
        "behaviour" => "违法行为",
        "conditions" => "适用条件",
        "treatment" => "处理方式",
        "method" => "方式",
        "outcome" => "检查结果",
        "source" => "检查来源",
        "level" => "事项层级",
        "department_kind" => "责任部门类型",
        "legal_basis" => "实施依据",
        "methods" => "监管方式",
        "ratio" => "抽查比例",
        "checklist" => "检查要点",
        "penalties" => "相关处罚事项",
        "entity_types" => "检查对象类型",
        "industries" => "行业代码",
        "team" => "检查人员",
        "inspected_on" => "检查日期",
        other => other,
    }
}

/// One invalid field in a `validation_failed` problem.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// RFC 9457 problem details, with jianguan's stable `code`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:jianguan:problem:<code>`
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code; see docs/api.md.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The error type of every handler.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            code,
            detail: format!("{field}: {message}"),
            errors: vec![FieldError {
                field: field.to_string(),
                message,
            }],
        }
    }

    /// A field is missing or invalid (`validation_failed`), with the
    /// message in Chinese.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::field(ErrorCode::ValidationFailed, field, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "this role may not do this")
    }

    /// A record of another department's work (程序规定第七条至第十六条).
    pub fn out_of_jurisdiction() -> Self {
        Self::new(
            ErrorCode::OutOfScope,
            "the record belongs to a department outside your jurisdiction",
        )
    }

    pub fn out_of_scope() -> Self {
        Self::new(
            ErrorCode::OutOfScope,
            "the object lies outside your department's region",
        )
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "sign in or send a bearer token")
    }

    /// Log an internal error with its cause and hide it from the client.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::new(ErrorCode::Internal, "internal error; see the server log")
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:jianguan:problem:{}", self.code.as_str()),
            title: self.code.title().to_string(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code.as_str().to_string(),
            errors: self.errors.clone(),
        }
    }
}

impl AppError {
    /// What a form shows: the code's Chinese message and every field at fault.
    pub fn form_message_zh(&self) -> String {
        let fields: Vec<String> = self
            .errors
            .iter()
            .map(|f| format!("{}：{}", field_label_zh(&f.field), f.message))
            .collect();
        if fields.is_empty() {
            self.code.message_zh().to_string()
        } else {
            format!("{}（{}）", self.code.message_zh(), fields.join("；"))
        }
    }
}

/// `code: detail`, so that command-line callers can pass an [`AppError`] on
/// with `?` into `anyhow`.
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for AppError {}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::internal(err)
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::internal(format!("{err:#}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut res = (
            self.code.status(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        // Lets the HTML middleware find the code without parsing JSON.
        res.extensions_mut().insert(self.code);
        res
    }
}
