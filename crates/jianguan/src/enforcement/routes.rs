//! The enforcement API (`/api/v1/leads`, `/api/v1/cases`) and the route table of the context's pages. Reading
//! is for regulators whose region covers the department; registering a
//! lead for inspectors, administrators and heads of a department; the
//! decisions the rules give to the head (负责人: extend, file, decline,
//! close, keep time out of a period) for the administrators and leaders of
//! the department the lead or case belongs to — not those of another
//! department, even a superior one (程序规定第十八条、第六十四条: "市场监督
//! 管理部门负责人", the head of that department).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::cases::{self, Case, CaseDetail, Close, Extend, FileCase};
use super::clock::{PauseInput, ResumeInput};
use super::leads::{self, Lead, NewLead};
use crate::platform::auth::access::roles::REGULATORS;
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::ApiJson;
use crate::platform::web::routes::{RouteDef, api, def};

use jianguan_rules::Role;

/// Who registers leads: the department's inspectors, administrators and
/// heads.
pub const LEAD_MAKERS: &[Role] = &[Role::Inspector, Role::DeptAdmin, Role::Leader];

/// Who takes the head's decisions (市场监督管理部门负责人); whose matters:
/// `jianguan_rules::enforcement::decides`.
pub const HEADS: &[Role] = jianguan_rules::enforcement::HEAD_ROLES;

pub fn routes() -> Vec<RouteDef> {
    use super::pages;
    let r = Access::Roles(REGULATORS);
    let makers = Access::Roles(LEAD_MAKERS);
    let heads = Access::Roles(HEADS);
    vec![
        api(r, routes!(list_leads)),
        api(makers, routes!(create_lead)),
        api(r, routes!(get_lead)),
        api(heads, routes!(extend_lead)),
        api(heads, routes!(file_case)),
        api(heads, routes!(decline_lead)),
        api(heads, routes!(pause_lead)),
        api(heads, routes!(resume_lead)),
        api(r, routes!(list_cases)),
        api(r, routes!(get_case)),
        api(heads, routes!(extend_case)),
        api(heads, routes!(close_case)),
        api(heads, routes!(pause_case)),
        api(heads, routes!(resume_case)),
        def(Method::GET, "/enforcement", r, get(pages::index)),
        def(Method::POST, "/enforcement/leads", makers, post(pages::create_lead)),
        def(Method::GET, "/enforcement/leads/{id}", r, get(pages::lead)),
        def(
            Method::POST,
            "/enforcement/leads/{id}/{action}",
            heads,
            post(pages::lead_action),
        ),
        def(Method::GET, "/enforcement/cases/{id}", r, get(pages::case)),
        def(
            Method::POST,
            "/enforcement/cases/{id}/{action}",
            heads,
            post(pages::case_action),
        ),
    ]
}

/// Whether the caller is a head of this department.
pub fn is_head(user: &CurrentUser, department_id: i64) -> bool {
    jianguan_rules::enforcement::decides(user.role(), user.department.as_ref().map(|d| d.id), department_id)
}

/// Refuse a head's decision to anyone but a head of the department.
pub fn check_head(user: &CurrentUser, department_id: i64) -> AppResult<()> {
    if is_head(user, department_id) {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            "只有承办部门的负责人可以作出该决定",
        ))
    }
}

/// A lead the caller may see: its department's, or a same-kind lower
/// department's (`CurrentUser::check_work`).
pub async fn visible_lead(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<Lead> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found("线索"))?;
    let lead = leads::by_id(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("线索"))?;
    user.check_work(lead.owner().as_ref(), &[])?;
    Ok(lead)
}

/// A case the caller may see.
pub async fn visible_case(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<Case> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found("案件"))?;
    let case = cases::by_id(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("案件"))?;
    user.check_work(case.owner().as_ref(), &[])?;
    Ok(case)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Leads: `pending`, `filed`, `declined`; cases: `open`, `closed`.
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LeadList {
    pub leads: Vec<Lead>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub cases: Vec<Case>,
}

const LIST_LIMIT: i64 = 500;

/// Leads the caller reads (its department's and same-kind lower
/// departments'), pending first by deadline.
#[utoipa::path(get, path = "/api/v1/leads", tag = "enforcement", security(("bearer" = [])),
    params(("status" = Option<String>, Query)), responses((status = 200, body = LeadList)))]
pub async fn list_leads(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<LeadList>> {
    Ok(Json(LeadList {
        leads: leads::list(&state.db, &user.work_sql(), q.status.as_deref(), LIST_LIMIT).await?,
    }))
}

/// The caller's department, which a lead is registered for.
fn own_department(user: &CurrentUser) -> AppResult<&crate::org::model::Department> {
    user.department
        .as_ref()
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "只有部门人员可以登记线索"))
}

/// Register a lead for the caller's department; its verification deadline
/// is 15 working days after it was found.
#[utoipa::path(post, path = "/api/v1/leads", tag = "enforcement", security(("bearer" = [])),
    request_body = NewLead, responses((status = 201, body = Lead), (status = 422, body = Problem)))]
pub async fn create_lead(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<NewLead>,
) -> AppResult<(axum::http::StatusCode, Json<Lead>)> {
    let dept = own_department(&user)?;
    let id = leads::create(&state.db, &user.actor(), state.clock.now(), dept, &input).await?;
    let lead = leads::by_id(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("线索"))?;
    Ok((axum::http::StatusCode::CREATED, Json(lead)))
}

#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Lead), (status = 404, body = Problem)))]
pub async fn get_lead(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Lead>> {
    Ok(Json(visible_lead(&state, &user, &id).await?))
}

/// The body of a lead extension.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Reason {
    pub reason: String,
}

/// Extend verification once by 15 working days (程序规定第十八条).
#[utoipa::path(post, path = "/api/v1/leads/{id}/extend", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Reason,
    responses((status = 200, body = Lead), (status = 409, body = Problem)))]
pub async fn extend_lead(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Reason>,
) -> AppResult<Json<Lead>> {
    let lead = visible_lead(&state, &user, &id).await?;
    check_head(&user, lead.department_id)?;
    leads::extend(&state.db, &user.actor(), state.clock.now(), &lead, &input.reason).await?;
    Ok(Json(visible_lead(&state, &user, &id).await?))
}

/// File a case from the lead (程序规定第十九条).
#[utoipa::path(post, path = "/api/v1/leads/{id}/file", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FileCase,
    responses((status = 201, body = CaseDetail), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn file_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FileCase>,
) -> AppResult<(axum::http::StatusCode, Json<CaseDetail>)> {
    let lead = visible_lead(&state, &user, &id).await?;
    check_head(&user, lead.department_id)?;
    let case_id = cases::file(&state.db, &user.actor(), state.clock.now(), &lead, &input).await?;
    let case = visible_case(&state, &user, &case_id.to_string()).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(cases::detail(&state.db, case).await?),
    ))
}

/// The body of a decision not to file.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Decline {
    /// `minor_corrected`, `first_minor`, `no_fault` or `other` (第二十条).
    pub ground: String,
    pub note: String,
}

/// Decline to file (程序规定第二十条).
#[utoipa::path(post, path = "/api/v1/leads/{id}/decline", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Decline,
    responses((status = 200, body = Lead), (status = 409, body = Problem)))]
pub async fn decline_lead(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Decline>,
) -> AppResult<Json<Lead>> {
    let lead = visible_lead(&state, &user, &id).await?;
    check_head(&user, lead.department_id)?;
    leads::decline(
        &state.db,
        &user.actor(),
        state.clock.now(),
        &lead,
        &input.ground,
        &input.note,
    )
    .await?;
    Ok(Json(visible_lead(&state, &user, &id).await?))
}

/// Cases the caller reads, open ones first by deadline.
#[utoipa::path(get, path = "/api/v1/cases", tag = "enforcement", security(("bearer" = [])),
    params(("status" = Option<String>, Query)), responses((status = 200, body = CaseList)))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<CaseList>> {
    Ok(Json(CaseList {
        cases: cases::list(&state.db, &user.work_sql(), q.status.as_deref(), LIST_LIMIT).await?,
    }))
}

/// A case with its officers and its own chain of steps.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = CaseDetail), (status = 404, body = Problem)))]
pub async fn get_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<CaseDetail>> {
    let case = visible_case(&state, &user, &id).await?;
    Ok(Json(cases::detail(&state.db, case).await?))
}

/// Extend the decision deadline (程序规定第六十四条).
#[utoipa::path(post, path = "/api/v1/cases/{id}/extend", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Extend,
    responses((status = 200, body = CaseDetail), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn extend_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Extend>,
) -> AppResult<Json<CaseDetail>> {
    let case = visible_case(&state, &user, &id).await?;
    check_head(&user, case.department_id)?;
    cases::extend(&state.db, &user.actor(), state.clock.now(), &case, &input).await?;
    get_case(State(state), user, Path(id)).await
}

/// Close the case (程序规定第七十七条).
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Close,
    responses((status = 200, body = CaseDetail), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Close>,
) -> AppResult<Json<CaseDetail>> {
    let case = visible_case(&state, &user, &id).await?;
    check_head(&user, case.department_id)?;
    cases::close(&state.db, &user.actor(), state.clock.now(), &case, &input).await?;
    get_case(State(state), user, Path(id)).await
}

/// Keep testing or identification time out of the lead's 15 working days
/// (程序规定第十八条第二款); one pause runs at a time.
#[utoipa::path(post, path = "/api/v1/leads/{id}/pause", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PauseInput,
    responses((status = 200, body = Lead), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn pause_lead(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PauseInput>,
) -> AppResult<Json<Lead>> {
    let lead = visible_lead(&state, &user, &id).await?;
    check_head(&user, lead.department_id)?;
    leads::pause(&state.db, &user.actor(), state.clock.now(), &lead, &input).await?;
    Ok(Json(visible_lead(&state, &user, &id).await?))
}

/// End the running pause; the last day moves by the days kept out.
#[utoipa::path(post, path = "/api/v1/leads/{id}/resume", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ResumeInput,
    responses((status = 200, body = Lead), (status = 409, body = Problem)))]
pub async fn resume_lead(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResumeInput>,
) -> AppResult<Json<Lead>> {
    let lead = visible_lead(&state, &user, &id).await?;
    check_head(&user, lead.department_id)?;
    leads::resume(&state.db, &user.actor(), state.clock.now(), &lead, &input).await?;
    Ok(Json(visible_lead(&state, &user, &id).await?))
}

/// Keep time out of the case's 90 days (程序规定第六十四条第二款: 中止、听证、
/// 公告、检测检验检疫鉴定、权利人辨认鉴别、责令退还多收价款).
#[utoipa::path(post, path = "/api/v1/cases/{id}/pause", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PauseInput,
    responses((status = 200, body = CaseDetail), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn pause_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PauseInput>,
) -> AppResult<Json<CaseDetail>> {
    let case = visible_case(&state, &user, &id).await?;
    check_head(&user, case.department_id)?;
    cases::pause(&state.db, &user.actor(), state.clock.now(), &case, &input).await?;
    get_case(State(state), user, Path(id)).await
}

/// End the running pause; the deadline moves by the days kept out.
#[utoipa::path(post, path = "/api/v1/cases/{id}/resume", tag = "enforcement", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ResumeInput,
    responses((status = 200, body = CaseDetail), (status = 409, body = Problem)))]
pub async fn resume_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResumeInput>,
) -> AppResult<Json<CaseDetail>> {
    let case = visible_case(&state, &user, &id).await?;
    check_head(&user, case.department_id)?;
    cases::resume(&state.db, &user.actor(), state.clock.now(), &case, &input).await?;
    get_case(State(state), user, Path(id)).await
}
