//! Pages of enforcement: the desk (`/enforcement`: leads awaiting a
//! decision and open cases, each against its deadline, and a form to
//! register a lead), a lead's page with the head's decisions, and a case's
//! page with its officers, its chain of steps, extension and closure.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use jianguan_rules::enforcement::{ClosureGround, DeclineGround, LeadSource};
use serde::Deserialize;

use super::cases::{self, Case, CaseDetail, Close, Extend, FileCase};
use super::clock::{self, Pause, PauseInput, ResumeInput, Subject};
use super::leads::{self, Lead, NewLead};
use super::routes::{LEAD_MAKERS, check_head, is_head, visible_case, visible_lead};
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::platform::web::AppState;
use crate::platform::web::extract::{PageForm, date_field, list_field};
use crate::platform::web::templates::{Layout, form_error, layout, render};
use jianguan_rules::enforcement::PauseKind;

/// A lead or case with whether it is past its deadline.
pub struct Row<T> {
    pub item: T,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "enforcement/index.html")]
pub struct IndexPage {
    pub layout: Layout,
    pub can_make: bool,
    pub leads: Vec<Row<Lead>>,
    pub cases: Vec<Row<Case>>,
    pub sources: Vec<(&'static str, &'static str)>,
    pub today: NaiveDate,
    pub form: LeadForm,
    pub error: Option<String>,
}

/// The lead form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct LeadForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub found_on: String,
    #[serde(default)]
    pub act_ended_on: String,
    #[serde(default)]
    pub grave: Option<String>,
    #[serde(default)]
    pub ground: String,
    #[serde(default)]
    pub ground_place: String,
    #[serde(default)]
    pub ground_department: String,
    #[serde(default)]
    pub ground_reference: String,
}

async fn index_page(state: &AppState, user: &CurrentUser, form: LeadForm) -> AppResult<IndexPage> {
    let today = state.clock.today();
    let work = user.work_sql();
    let leads = leads::list(&state.db, &work, None, 200).await?;
    let cases = cases::list(&state.db, &work, None, 200).await?;
    Ok(IndexPage {
        layout: layout(Some(user), "执法办案", "/enforcement"),
        can_make: LEAD_MAKERS.contains(&user.role()) && user.department.is_some(),
        leads: leads
            .into_iter()
            .map(|l| Row {
                late: l.overdue(today),
                item: l,
            })
            .collect(),
        cases: cases
            .into_iter()
            .map(|c| Row {
                late: c.overdue(today),
                item: c,
            })
            .collect(),
        sources: LeadSource::ALL
            .into_iter()
            .filter(|s| *s != LeadSource::Inspection)
            .map(|s| (s.as_str(), s.label_zh()))
            .collect(),
        today,
        form,
        error: None,
    })
}

/// `GET /enforcement`.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&index_page(&state, &user, LeadForm::default()).await?))
}

/// `POST /enforcement/leads`: register a lead, then open it.
pub async fn create_lead(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<LeadForm>,
) -> AppResult<Response> {
    let result = async {
        let input = NewLead {
            uscc: f.uscc.clone(),
            source: f.source.clone(),
            summary: f.summary.clone(),
            found_on: date_field("found_on", &f.found_on)?,
            act_ended_on: date_field("act_ended_on", &f.act_ended_on)?,
            grave: f.grave.is_some(),
            ground: Some(f.ground.clone()),
            ground_place: Some(f.ground_place.clone()),
            ground_department: Some(f.ground_department.clone()),
            ground_reference: Some(f.ground_reference.clone()),
        };
        let dept = user
            .department
            .as_ref()
            .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "只有部门人员可以登记线索"))?;
        leads::create(&state.db, &user.actor(), state.clock.now(), dept, &input).await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/enforcement/leads/{id}")).into_response()),
        Err(e) => form_error(e, index_page(&state, &user, f).await?, |p, m| p.error = Some(m)),
    }
}

#[derive(Template)]
#[template(path = "enforcement/lead.html")]
pub struct LeadPage {
    pub layout: Layout,
    pub lead: Lead,
    /// Who decided, by name.
    pub decided_by: String,
    pub late: bool,
    pub is_head: bool,
    /// Certified inspectors of the lead's department: (username, name, certificate valid until).
    pub officers: Vec<(String, String, Option<NaiveDate>)>,
    pub grounds: Vec<(&'static str, &'static str)>,
    pub pauses: Vec<Pause>,
    pub pause_kinds: Vec<(&'static str, &'static str)>,
    pub form: ActionForm,
    pub error: Option<String>,
}

/// The fields of the head's forms, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub officers: String,
    /// 核查情况 of a filing.
    #[serde(default)]
    pub file_note: String,
    #[serde(default)]
    pub act_ended_on: String,
    #[serde(default)]
    pub grave: Option<String>,
    /// Reasons not to file.
    #[serde(default)]
    pub decline_note: String,
    /// 结案情况.
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub ground: String,
    #[serde(default)]
    pub collective_until: String,
    #[serde(default)]
    pub pause_kind: String,
    #[serde(default)]
    pub pause_reason: String,
    #[serde(default)]
    pub pause_from: String,
    #[serde(default)]
    pub resume_on: String,
}

impl ActionForm {
    fn pause(&self) -> AppResult<PauseInput> {
        Ok(PauseInput {
            kind: self.pause_kind.clone(),
            reason: self.pause_reason.clone(),
            from_on: date_field("from_on", &self.pause_from)?,
        })
    }

    fn resume(&self) -> AppResult<ResumeInput> {
        Ok(ResumeInput {
            to_on: date_field("to_on", &self.resume_on)?,
        })
    }
}

fn kinds(for_leads: bool) -> Vec<(&'static str, &'static str)> {
    PauseKind::ALL
        .into_iter()
        .filter(|k| !for_leads || k.applies_to_leads())
        .map(|k| (k.as_str(), k.label_zh()))
        .collect()
}

async fn lead_page(state: &AppState, user: &CurrentUser, lead: Lead, form: ActionForm) -> AppResult<LeadPage> {
    let officers = crate::org::store::inspectors_of(&state.db, lead.department_id).await?;
    let names = crate::audit::store::actor_names(&state.db, lead.decided_by.as_slice()).await?;
    Ok(LeadPage {
        layout: layout(Some(user), "线索核查", "/enforcement"),
        decided_by: lead
            .decided_by
            .as_ref()
            .and_then(|a| names.get(a))
            .cloned()
            .unwrap_or_default(),
        late: lead.overdue(state.clock.today()),
        is_head: is_head(user, lead.department_id),
        pauses: clock::pauses(&state.db, Subject::Lead(lead.id)).await?,
        pause_kinds: kinds(true),
        lead,
        officers,
        grounds: DeclineGround::ALL
            .into_iter()
            .map(|g| (g.as_str(), g.label_zh()))
            .collect(),
        form,
        error: None,
    })
}

/// `GET /enforcement/leads/{id}`.
pub async fn lead(State(state): State<AppState>, user: CurrentUser, Path(id): Path<String>) -> AppResult<Response> {
    let lead = visible_lead(&state, &user, &id).await?;
    Ok(render(&lead_page(&state, &user, lead, ActionForm::default()).await?))
}

/// `POST /enforcement/leads/{id}/{extend|file|decline}`.
pub async fn lead_action(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(String, String)>,
    PageForm(f): PageForm<ActionForm>,
) -> AppResult<Response> {
    let lead = visible_lead(&state, &user, &id).await?;
    check_head(&user, lead.department_id)?;
    let (db, actor, now) = (&state.db, user.actor(), state.clock.now());
    let result = match action.as_str() {
        "extend" => leads::extend(db, &actor, now, &lead, &f.reason).await.map(|_| None),
        "decline" => leads::decline(db, &actor, now, &lead, &f.ground, &f.decline_note)
            .await
            .map(|_| None),
        "pause" => match f.pause() {
            Ok(input) => leads::pause(db, &actor, now, &lead, &input).await.map(|_| None),
            Err(e) => Err(e),
        },
        "resume" => match f.resume() {
            Ok(input) => leads::resume(db, &actor, now, &lead, &input).await.map(|_| None),
            Err(e) => Err(e),
        },
        "file" => match date_field("act_ended_on", &f.act_ended_on) {
            Ok(act_ended_on) => {
                let input = FileCase {
                    cause: f.cause.clone(),
                    officers: list_field(&f.officers),
                    note: f.file_note.clone(),
                    act_ended_on,
                    grave: f.grave.as_ref().map(|_| true),
                };
                cases::file(db, &actor, now, &lead, &input).await.map(Some)
            }
            Err(e) => Err(e),
        },
        _ => return Err(AppError::not_found("操作")),
    };
    match result {
        Ok(Some(case_id)) => Ok(Redirect::to(&format!("/enforcement/cases/{case_id}")).into_response()),
        Ok(None) => Ok(Redirect::to(&format!("/enforcement/leads/{}", lead.id)).into_response()),
        Err(e) => form_error(e, lead_page(&state, &user, lead, f).await?, |p, m| p.error = Some(m)),
    }
}

#[derive(Template)]
#[template(path = "enforcement/case.html")]
pub struct CasePage {
    pub layout: Layout,
    pub detail: CaseDetail,
    pub late: bool,
    pub is_head: bool,
    pub grounds: Vec<(&'static str, &'static str)>,
    pub pauses: Vec<Pause>,
    pub pause_kinds: Vec<(&'static str, &'static str)>,
    pub form: ActionForm,
    pub error: Option<String>,
}

async fn case_page(state: &AppState, user: &CurrentUser, case: Case, form: ActionForm) -> AppResult<CasePage> {
    Ok(CasePage {
        layout: layout(Some(user), "案件", "/enforcement"),
        late: case.overdue(state.clock.today()),
        is_head: is_head(user, case.department_id),
        pauses: clock::pauses(&state.db, Subject::Case(case.id)).await?,
        pause_kinds: kinds(false),
        detail: cases::detail(&state.db, case).await?,
        grounds: ClosureGround::ALL
            .into_iter()
            .map(|g| (g.as_str(), g.label_zh()))
            .collect(),
        form,
        error: None,
    })
}

/// `GET /enforcement/cases/{id}`.
pub async fn case(State(state): State<AppState>, user: CurrentUser, Path(id): Path<String>) -> AppResult<Response> {
    let case = visible_case(&state, &user, &id).await?;
    Ok(render(&case_page(&state, &user, case, ActionForm::default()).await?))
}

/// `POST /enforcement/cases/{id}/{extend|close}`.
pub async fn case_action(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(String, String)>,
    PageForm(f): PageForm<ActionForm>,
) -> AppResult<Response> {
    let case = visible_case(&state, &user, &id).await?;
    check_head(&user, case.department_id)?;
    let (db, actor, now) = (&state.db, user.actor(), state.clock.now());
    let result = match action.as_str() {
        "pause" => match f.pause() {
            Ok(input) => cases::pause(db, &actor, now, &case, &input).await,
            Err(e) => Err(e),
        },
        "resume" => match f.resume() {
            Ok(input) => cases::resume(db, &actor, now, &case, &input).await,
            Err(e) => Err(e),
        },
        "extend" => match date_field("collective_until", &f.collective_until) {
            Ok(collective_until) => {
                let input = Extend {
                    reason: f.reason.clone(),
                    collective_until,
                };
                cases::extend(db, &actor, now, &case, &input).await.map(|_| ())
            }
            Err(e) => Err(e),
        },
        "close" => {
            let input = Close {
                ground: f.ground.clone(),
                note: f.note.clone(),
            };
            cases::close(db, &actor, now, &case, &input).await
        }
        _ => return Err(AppError::not_found("操作")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/enforcement/cases/{}", case.id)).into_response()),
        Err(e) => form_error(e, case_page(&state, &user, case, f).await?, |p, m| p.error = Some(m)),
    }
}
