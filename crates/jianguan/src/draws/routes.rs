//! HTTP API and pages of random-inspection tasks, and their public side:
//! `GET /api/v1/public/draws` and `GET /api/v1/public/draws/{id}/bundle`.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use jianguan_rules::draw::Bundle;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::store::{self, Task, TaskSpec};
use crate::catalog::model::CatalogItem;
use crate::platform::auth::access::MaybeUser;
use crate::platform::auth::access::roles::{ADMINS, REGULATORS};
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::{ApiJson, PageForm, list_field};
use crate::platform::web::routes::{RouteDef, api, def};
use crate::platform::web::templates::{Layout, form_error, layout, render};

pub fn routes() -> Vec<RouteDef> {
    vec![
        api(Access::Roles(REGULATORS), routes!(list)),
        api(Access::Roles(ADMINS), routes!(schedule)),
        api(Access::Roles(REGULATORS), routes!(one)),
        api(Access::Roles(REGULATORS), routes!(bundle)),
        api(Access::Roles(PARTNER_HEADS), routes!(accept)),
        api(Access::Roles(PARTNER_HEADS), routes!(decline)),
        api(Access::Roles(ADMINS), routes!(run)),
        api(Access::Roles(ADMINS), routes!(recuse)),
        api(Access::Roles(INSPECTORS), routes!(declare)),
        api(Access::Public, routes!(public_list)),
        api(Access::Public, routes!(public_results)),
        api(Access::Public, routes!(public_bundle)),
        def(Method::GET, "/draws", Access::Roles(REGULATORS), get(list_page)),
        def(Method::POST, "/draws", Access::Roles(ADMINS), post(schedule_submit)),
        def(Method::GET, "/draws/{id}", Access::Roles(REGULATORS), get(detail_page)),
        def(
            Method::POST,
            "/draws/{id}/answer",
            Access::Roles(PARTNER_HEADS),
            post(answer_submit),
        ),
        def(
            Method::POST,
            "/draws/{id}/draw",
            Access::Roles(ADMINS),
            post(draw_submit),
        ),
        def(Method::GET, "/portal/draws", Access::Public, get(portal_list)),
        def(Method::GET, "/portal/draws/{id}", Access::Public, get(portal_detail)),
    ]
}

/// Who answers for a partner department: its administrators and heads.
const PARTNER_HEADS: &[jianguan_rules::Role] = &[jianguan_rules::Role::DeptAdmin, jianguan_rules::Role::Leader];

/// A task the caller reads: its department's, a same-kind lower
/// department's, or one it was asked to join (`CurrentUser::check_work`).
async fn visible(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Task> {
    let task = store::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("draw task"))?;
    user.check_work(task.owner().as_ref(), &task.partner_ids())?;
    Ok(task)
}

/// Only the lead department's administrators (or the system
/// administrator) draw a task.
async fn may_draw(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<()> {
    let task = store::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("draw task"))?;
    let own = user.department.as_ref().is_some_and(|d| d.code == task.department_code);
    if own || user.role() == jianguan_rules::Role::SysAdmin {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            "only the lead department draws its task",
        ))
    }
}

const INSPECTORS: &[jianguan_rules::Role] = &[jianguan_rules::Role::Inspector];

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConflictRequest {
    pub uscc: String,
    pub reason: String,
}

/// Declare a conflict of interest with an entity: the caller is never drawn
/// to inspect it.
#[utoipa::path(post, path = "/api/v1/conflicts", tag = "draw", security(("bearer" = [])), request_body = ConflictRequest,
    responses((status = 204), (status = 422, body = Problem)))]
pub async fn declare(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(r): ApiJson<ConflictRequest>,
) -> AppResult<StatusCode> {
    store::declare_conflict(&state.db, &user, state.clock.now(), &r.uscc, &r.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TaskList {
    pub tasks: Vec<Task>,
}

#[derive(Serialize, ToSchema)]
pub struct TaskOne {
    pub task: Task,
}

/// The tasks the caller reads: its department's, same-kind lower
/// departments', and joint tasks it was asked to join.
#[utoipa::path(get, path = "/api/v1/draws", tag = "draw", security(("bearer" = [])), responses((status = 200, body = TaskList)))]
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<TaskList>> {
    Ok(Json(TaskList {
        tasks: store::list(&state.db, &user.work_sql()).await?,
    }))
}

/// A partner department accepts a proposed joint task; when the last
/// partner has, the directories are frozen and the commitment published.
#[utoipa::path(post, path = "/api/v1/draws/{id}/accept", tag = "draw", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TaskOne), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn accept(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<TaskOne>> {
    Ok(Json(TaskOne {
        task: answer_for(&state, &user, id, true).await?,
    }))
}

/// The caller's department answers task `id`.
async fn answer_for(state: &AppState, user: &CurrentUser, id: i64, accept: bool) -> AppResult<Task> {
    let dept = user.department.as_ref().ok_or_else(AppError::forbidden)?;
    super::schedule::answer(&state.db, &user.actor(), state.clock.now(), id, dept, accept).await
}

/// A partner department declines a proposed joint task; the proposal ends.
#[utoipa::path(post, path = "/api/v1/draws/{id}/decline", tag = "draw", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TaskOne), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn decline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<TaskOne>> {
    Ok(Json(TaskOne {
        task: answer_for(&state, &user, id, false).await?,
    }))
}

/// Schedule a task for the caller's department over regions in its own
/// region: freeze the object and inspector directories and publish the
/// commitment, or, with partners, propose it to them (`proposed` until each
/// accepts).
#[utoipa::path(post, path = "/api/v1/draws", tag = "draw", security(("bearer" = [])), request_body = TaskSpec,
    responses((status = 201, body = TaskOne), (status = 403, description = "no_jurisdiction: a region outside the department's", body = Problem), (status = 422, description = "validation_failed, catalog_item_not_published", body = Problem)))]
pub async fn schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(spec): ApiJson<TaskSpec>,
) -> AppResult<(StatusCode, Json<TaskOne>)> {
    let dept = user.department.as_ref().ok_or_else(AppError::forbidden)?;
    let id = super::schedule::schedule(&state.db, &user.actor(), state.clock.now(), dept, &spec).await?;
    let task = store::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("draw task"))?;
    Ok((StatusCode::CREATED, Json(TaskOne { task })))
}

/// One task (the secret only once drawn).
#[utoipa::path(get, path = "/api/v1/draws/{id}", tag = "draw", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TaskOne), (status = 404, body = Problem)))]
pub async fn one(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<TaskOne>> {
    Ok(Json(TaskOne {
        task: visible(&state, &user, id).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DrawRequest {
    /// The value supplied at the draw, e.g. by the observer present.
    pub public_value: String,
}

/// Draw a scheduled task and publish the result with the revealed secret.
#[utoipa::path(post, path = "/api/v1/draws/{id}/draw", tag = "draw", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = DrawRequest, responses((status = 200, body = TaskOne), (status = 409, description = "conflict", body = Problem)))]
pub async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<DrawRequest>,
) -> AppResult<Json<TaskOne>> {
    may_draw(&state, &user, id).await?;
    let task = store::run(&state.db, &user.actor(), state.clock.now(), id, &r.public_value).await?;
    Ok(Json(TaskOne { task }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RecusalRequest {
    /// The drawn entity's credit code.
    pub code: String,
    /// The inspector (username) who must step aside.
    pub inspector: String,
}

/// Record a recusal after the draw: the inspector is replaced by a new
/// draw from the same stream, logged in the result and in the bundle.
#[utoipa::path(post, path = "/api/v1/draws/{id}/recusals", tag = "draw", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = RecusalRequest, responses((status = 200, body = TaskOne), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn recuse(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<RecusalRequest>,
) -> AppResult<Json<TaskOne>> {
    may_draw(&state, &user, id).await?;
    let task = store::recuse(
        &state.db,
        &user.actor(),
        state.clock.now(),
        id,
        r.code.trim(),
        r.inspector.trim(),
    )
    .await?;
    Ok(Json(TaskOne { task }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ResultsQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DrawResults {
    pub task_id: i64,
    pub title: String,
    pub results: Vec<store::DrawnResult>,
}

/// The drawn entities and the results of their inspections, as open data
/// (JSON or CSV).
#[utoipa::path(get, path = "/api/v1/public/draws/{id}/results", tag = "public", params(("id" = i64, Path), ResultsQuery),
    responses((status = 200, body = DrawResults), (status = 404, body = Problem)))]
pub async fn public_results(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<ResultsQuery>,
) -> AppResult<Response> {
    let task = store::get(&state.db, id)
        .await?
        .filter(Task::is_published)
        .ok_or_else(|| AppError::not_found("draw task"))?;
    let results = store::results(&state.db, &task).await?;
    if q.format.as_deref() == Some("csv") {
        let mut out = Vec::new();
        crate::registry::tabular::write_csv(
            &mut out,
            &["统一社会信用代码", "名称", "检查日期", "检查结果"],
            results.iter().map(|r| {
                vec![
                    r.uscc.clone(),
                    r.name.clone(),
                    r.inspected_on.map(|d| d.to_string()).unwrap_or_default(),
                    r.outcome_zh.clone(),
                ]
            }),
        )?;
        return Ok(crate::catalog::routes::download(
            out,
            false,
            &format!("draw-{id}-results"),
        ));
    }
    Ok(Json(DrawResults {
        task_id: id,
        title: task.title,
        results,
    })
    .into_response())
}

/// Published draws: scheduled ones with their commitment, drawn ones with
/// the revealed values and the result. No sign-in.
#[utoipa::path(get, path = "/api/v1/public/draws", tag = "public", responses((status = 200, body = TaskList)))]
pub async fn public_list(State(state): State<AppState>) -> AppResult<Json<TaskList>> {
    Ok(Json(TaskList {
        tasks: store::list_published(&state.db)
            .await?
            .into_iter()
            .map(|t| store::public_view(t, state.clock.today()))
            .collect(),
    }))
}

/// Everything needed to verify one drawn task (snapshot, ratios, algorithm
/// version, commitment, revealed values, result) as one JSON document, for
/// `jianguan draw verify FILE`.
#[utoipa::path(get, path = "/api/v1/public/draws/{id}/bundle", tag = "public", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem), (status = 409, description = "not drawn yet", body = Problem)))]
/// A task stratified by internal risk grades is verified by regulators and
/// the observer of the draw (`GET /api/v1/draws/{id}/bundle`): its bundle
/// would publish every candidate's grade.
pub async fn public_bundle(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<Bundle>> {
    let task = store::get(&state.db, id)
        .await?
        .filter(Task::is_published)
        .ok_or_else(|| AppError::not_found("draw task"))?;
    if store::uses_internal_grades(&task) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "本任务按风险等级分层抽取，风险分级结果不公开；核验包向监管部门和抽取现场的监督人员提供",
        ));
    }
    Ok(Json(store::public_bundle(&state.db, id, state.clock.today()).await?))
}

/// The verification bundle of a drawn task the caller reads (including
/// tasks stratified by internal risk grades), for regulators of the
/// departments that ran it and their same-kind superiors.
#[utoipa::path(get, path = "/api/v1/draws/{id}/bundle", tag = "draw", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem), (status = 409, description = "not drawn yet", body = Problem)))]
pub async fn bundle(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<Bundle>> {
    visible(&state, &user, id).await?;
    Ok(Json(store::bundle(&state.db, id).await?))
}

#[derive(Template)]
#[template(path = "draws/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub tasks: Vec<Task>,
    pub public: bool,
    pub can_write: bool,
    pub items: Vec<CatalogItem>,
    pub form: ScheduleForm,
    pub error: Option<String>,
    pub specialties: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub items: String,
    #[serde(default)]
    pub partners: String,
    #[serde(default)]
    pub period_start: String,
    #[serde(default)]
    pub period_end: String,
    #[serde(default)]
    pub ratio_b: String,
    #[serde(default)]
    pub specialty: String,
    /// Ratio for entities the field graded at risk level D (high).
    #[serde(default)]
    pub ratio_risk_d: String,
}

async fn list_page_for(
    state: &AppState,
    user: Option<&CurrentUser>,
    public: bool,
    form: ScheduleForm,
) -> AppResult<ListPage> {
    let can_write = !public && user.is_some_and(|u| ADMINS.contains(&u.role()) && u.department.is_some());
    let items = if can_write {
        crate::catalog::store::published_for(&state.db, None).await?
    } else {
        Vec::new()
    };
    Ok(ListPage {
        layout: layout(user, "双随机抽查", if public { "/portal/draws" } else { "/draws" }),
        tasks: match user {
            Some(u) if !public => store::list(&state.db, &u.work_sql()).await?,
            _ => store::list_published(&state.db).await?,
        },
        public,
        can_write,
        items,
        form,
        error: None,
        specialties: crate::org::model::SPECIALTIES.to_vec(),
    })
}

pub async fn list_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let today = state.clock.today();
    let form = ScheduleForm {
        period_start: today.to_string(),
        period_end: (today + chrono::Duration::days(30)).to_string(),
        ratio_b: "5%".into(),
        ..Default::default()
    };
    Ok(render(&list_page_for(&state, Some(&user), false, form).await?))
}

pub async fn portal_list(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> AppResult<Response> {
    Ok(render(
        &list_page_for(&state, user.as_ref(), true, ScheduleForm::default()).await?,
    ))
}

pub async fn schedule_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<ScheduleForm>,
) -> AppResult<Response> {
    let result = async {
        let dept = user.department.as_ref().ok_or_else(AppError::forbidden)?;
        let date = |s: &str, field: &str| {
            s.parse::<NaiveDate>()
                .map_err(|_| AppError::field(ErrorCode::ValidationFailed, field, "a date"))
        };
        let mut ratios = BTreeMap::new();
        if let Some(bp) = jianguan_rules::catalog::parse_ratio_bp(&f.ratio_b)
            .map_err(|m| AppError::field(ErrorCode::ValidationFailed, "ratio", m))?
        {
            ratios.insert("B".to_string(), bp);
        }
        let mut risk_ratios = BTreeMap::new();
        if let Some(bp) = jianguan_rules::catalog::parse_ratio_bp(&f.ratio_risk_d)
            .map_err(|m| AppError::field(ErrorCode::ValidationFailed, "ratio_risk_d", m))?
        {
            risk_ratios.insert("D".to_string(), bp);
        }
        let spec = TaskSpec {
            title: f.title.clone(),
            items: list_field(&f.items),
            regions: Vec::new(),
            partners: list_field(&f.partners),
            period_start: date(&f.period_start, "period_start")?,
            period_end: date(&f.period_end, "period_end")?,
            ratios,
            exclude_recent_months: 12,
            risk_ratios,
            plan_id: None,
            specialty: Some(f.specialty.trim().to_string()).filter(|s| !s.is_empty()),
        };
        super::schedule::schedule(&state.db, &user.actor(), state.clock.now(), dept, &spec).await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/draws/{id}")).into_response()),
        Err(e) => {
            let page = list_page_for(&state, Some(&user), false, f).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

#[derive(Template)]
#[template(path = "draws/detail.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub task: Task,
    pub public: bool,
    pub can_draw: bool,
    /// The caller answers for a partner department asked to join.
    pub may_answer: bool,
    pub error: Option<String>,
    /// code → name
    pub names: HashMap<String, String>,
    /// code → result of the inspection, in Chinese
    pub outcomes: HashMap<String, String>,
}

impl DetailPage {
    pub fn name_of(&self, code: &str) -> String {
        self.names.get(code).cloned().unwrap_or_default()
    }

    pub fn outcome_of(&self, code: &str) -> String {
        self.outcomes.get(code).cloned().unwrap_or_else(|| "待检查".into())
    }
}

async fn detail(
    state: &AppState,
    user: Option<&CurrentUser>,
    id: i64,
    public: bool,
    error: Option<String>,
) -> AppResult<DetailPage> {
    let task = match (public, user) {
        (false, Some(u)) => visible(state, u, id).await?,
        _ => store::get(&state.db, id)
            .await?
            .filter(Task::is_published)
            .map(|t| store::public_view(t, state.clock.today()))
            .ok_or_else(|| AppError::not_found("draw task"))?,
    };
    let mut names = HashMap::new();
    let mut outcomes = HashMap::new();
    for r in store::results(&state.db, &task).await? {
        if let Some(d) = r.inspected_on {
            outcomes.insert(r.uscc.clone(), format!("{}（{d}）", r.outcome_zh));
        }
        names.insert(r.uscc, r.name);
    }
    let may_answer = !public
        && task.status == store::TaskStatus::Proposed
        && user.is_some_and(|u| {
            PARTNER_HEADS.contains(&u.role())
                && u.department.as_ref().is_some_and(|d| {
                    task.partner_answers
                        .iter()
                        .any(|p| p.department_id == d.id && p.answer == "pending")
                })
        });
    Ok(DetailPage {
        may_answer,
        layout: layout(user, &task.title, if public { "/portal/draws" } else { "/draws" }),
        can_draw: !public
            && task.status == store::TaskStatus::Scheduled
            && user.is_some_and(|u| {
                u.role() == jianguan_rules::Role::SysAdmin
                    || (ADMINS.contains(&u.role())
                        && u.department.as_ref().is_some_and(|d| d.code == task.department_code))
            }),
        task,
        public,
        error,
        names,
        outcomes,
    })
}

pub async fn detail_page(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(render(&detail(&state, Some(&user), id, false, None).await?))
}

pub async fn portal_detail(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    Ok(render(&detail(&state, user.as_ref(), id, true, None).await?))
}

#[derive(Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    pub public_value: String,
}

pub async fn draw_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    PageForm(f): PageForm<DrawForm>,
) -> AppResult<Response> {
    may_draw(&state, &user, id).await?;
    match store::run(&state.db, &user.actor(), state.clock.now(), id, &f.public_value).await {
        Ok(_) => Ok(Redirect::to(&format!("/draws/{id}")).into_response()),
        Err(e) => {
            let page = detail(&state, Some(&user), id, false, None).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    /// `accept` or `decline`.
    #[serde(default)]
    pub answer: String,
}

/// `POST /draws/{id}/answer`: a partner department's answer from the page.
pub async fn answer_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    PageForm(f): PageForm<AnswerForm>,
) -> AppResult<Response> {
    let result = answer_for(&state, &user, id, f.answer == "accept").await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/draws/{id}")).into_response()),
        Err(e) => {
            let page = detail(&state, Some(&user), id, false, None).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}
