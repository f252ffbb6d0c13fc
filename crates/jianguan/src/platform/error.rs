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

/// Declares [`ErrorCode`] from one table: variant, stable code, HTTP
/// status, English title, Chinese message. Adding a code is one row.
macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:ident, $title:literal, $zh:literal;)*) => {
        /// Every error code the API can answer with. The strings are a promise to
        /// clients: never rename one; add new ones instead. `docs/api.md` lists them
        /// (a test checks it does).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            pub fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                }
            }

            /// Short English title for the problem document.
            pub fn title(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $title,)*
                }
            }

            /// The message a Chinese-speaking user sees on an error page or form.
            pub fn message_zh(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $zh,)*
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.as_str() == code)
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request", BAD_REQUEST,
        "The request could not be read",
        "请求格式有误，无法处理。";
    ValidationFailed = "validation_failed", UNPROCESSABLE_ENTITY,
        "Some fields are invalid",
        "填写的内容有误，请检查后重试。";
    Unauthenticated = "unauthenticated", UNAUTHORIZED,
        "Sign-in required",
        "请先登录。";
    InvalidCredentials = "invalid_credentials", UNAUTHORIZED,
        "Wrong username or password",
        "用户名或密码错误。连续输错5次后，须15分钟后再试。";
    AccountLocked = "account_locked", LOCKED,
        "Account temporarily locked",
        "连续登录失败次数过多，账号已临时锁定，请15分钟后再试。";
    RateLimited = "rate_limited", TOO_MANY_REQUESTS,
        "Too many attempts",
        "尝试过于频繁，请稍后再试。";
    Forbidden = "forbidden", FORBIDDEN,
        "Not allowed for this role",
        "您的角色无权进行此操作。";
    OutOfScope = "out_of_scope", FORBIDDEN,
        "Outside your data scope",
        "该数据不在您的管辖范围内。";
    CsrfFailed = "csrf_failed", FORBIDDEN,
        "Form token missing or invalid",
        "页面已过期，请刷新后重试。";
    NotFound = "not_found", NOT_FOUND,
        "Not found",
        "您访问的页面或数据不存在。";
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED,
        "Method not allowed",
        "不支持该请求方式。";
    Conflict = "conflict", CONFLICT,
        "Conflicts with stored data",
        "与已有数据冲突。";
    UsernameTaken = "username_taken", CONFLICT,
        "Username already exists",
        "用户名已存在。";
    DepartmentExists = "department_exists", CONFLICT,
        "Department code already exists",
        "部门编码已存在。";
    EntityExists = "entity_exists", CONFLICT,
        "Entity already registered",
        "该统一社会信用代码的市场主体已登记。";
    InvalidUscc = "invalid_uscc", UNPROCESSABLE_ENTITY,
        "Invalid unified social credit code",
        "统一社会信用代码无效。";
    InvalidDivision = "invalid_division", UNPROCESSABLE_ENTITY,
        "Invalid division code",
        "行政区划代码无效。";
    WeakPassword = "weak_password", UNPROCESSABLE_ENTITY,
        "Password too weak",
        "密码强度不足：至少8位，并包含大写字母、小写字母、数字、符号中的三类。";
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE,
        "Request body too large",
        "提交的内容过大。";
    UnsupportedFile = "unsupported_file", UNSUPPORTED_MEDIA_TYPE,
        "Unsupported file type",
        "不支持的文件类型，请上传 .xlsx 或 .csv 文件。";
    Internal = "internal", INTERNAL_SERVER_ERROR,
        "Internal error",
        "系统内部错误，请稍后再试或联系管理员。";
    Unavailable = "unavailable", SERVICE_UNAVAILABLE,
        "Service unavailable",
        "服务暂不可用，请稍后再试。";
    CatalogItemNotPublished = "catalog_item_not_published", UNPROCESSABLE_ENTITY,
        "The cited catalog item is not published",
        "所引用的监管事项未发布或已废止，不能据此实施监管（清单之外无监管）。";
    DepartmentNotResponsible = "department_not_responsible", FORBIDDEN,
        "The catalog item belongs to another department",
        "该监管事项不属于本部门的职责范围。";
    EntityOutOfScope = "entity_out_of_scope", UNPROCESSABLE_ENTITY,
        "The entity is outside the catalog item's object scope",
        "该市场主体不在所引用监管事项的检查对象范围内。";
    CatalogItemExists = "catalog_item_exists", CONFLICT,
        "Catalog item code already exists",
        "该事项编码已存在。";
    InspectionTeamInvalid = "inspection_team_invalid", UNPROCESSABLE_ENTITY,
        "The inspection team does not meet the legal requirements",
        "检查人员不符合要求：现场检查须有两名以上持有效执法证的执法人员。";
    QrSignatureInvalid = "qr_signature_invalid", UNPROCESSABLE_ENTITY,
        "The QR code's signature does not match",
        "二维码无效：签名不符，可能是伪造或被篡改的二维码。";
    EvidenceTampered = "evidence_tampered", CONFLICT,
        "The evidence file does not match its recorded hash",
        "证据文件与登记的哈希值不符或已缺失，已停止提供，请联系管理员核查。";
    CheckinRequired = "checkin_required", UNPROCESSABLE_ENTITY,
        "An on-site inspection needs a check-in at the entity or a recorded reason",
        "现场检查须先扫码签到，或填写未签到的原因。";
    ChecklistInvalid = "checklist_invalid", UNPROCESSABLE_ENTITY,
        "A checklist point of a cited item is unanswered or wrongly answered",
        "检查表有未回答或填写有误的检查要点。";
    InspectionSigned = "inspection_signed", CONFLICT,
        "The inspection record is signed; correct it with a new, linked record",
        "检查记录已签名，不能修改；如需更正，请登记更正记录。";
    LeadDecided = "lead_decided", CONFLICT,
        "The lead has already been decided",
        "该线索已作出立案或不予立案决定。";
    CaseClosed = "case_closed", CONFLICT,
        "The case is closed",
        "该案件已结案，不能再办理。";
    CaseOfficersInvalid = "case_officers_invalid", UNPROCESSABLE_ENTITY,
        "A case needs two or more certified officers of its department",
        "立案须指定本部门两名以上具有行政执法资格的办案人员。";
    BeyondLimitation = "beyond_limitation", UNPROCESSABLE_ENTITY,
        "The act is beyond the limitation period for a penalty",
        "违法行为已超过给予行政处罚的期限（行政处罚法第三十六条），不能立案。";
    EntityNotRegistered = "entity_not_registered", UNPROCESSABLE_ENTITY,
        "No market entity is registered under this code",
        "没有以该统一社会信用代码登记的市场主体。";
    NoJurisdiction = "no_jurisdiction", FORBIDDEN,
        "The matter lies outside the department's jurisdiction and no ground is recorded",
        "该事项不在本部门管辖范围内，须载明管辖依据（违法行为发生地、移送或上级指定）。";
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
