//! Registry pages: search and list, entity detail with its information
//! chain, create and edit forms, and file import with live progress.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use jianguan_rules::Role;
use jianguan_rules::access::DataScope;
use serde::Deserialize;

use super::chain::{ChainEvent, chain_for};
use super::jobs::{self, ImportJob};
use super::model::{Entity, EntityDraft, EntityStatus, EntityType, Licence};
use super::refdata::{DIVISIONS, INDUSTRIES};
use super::routes::{WRITERS, validate, visible_entity};
use super::store::{self, EntityFilter, EntityVersion};
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::platform::web::AppState;
use crate::platform::web::extract::PageForm;
use crate::platform::web::templates::{Layout, layout, render, render_with_status};

/// (value, label) pairs for a select.
type Options = Vec<(String, String)>;

fn region_options(scope: &DataScope) -> Options {
    let root = match scope {
        DataScope::Region(d) => Some(d.as_str().to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    match &root {
        Some(r) => {
            for c in DIVISIONS.children(r) {
                out.push((c.code.clone(), c.name.clone()));
                for g in DIVISIONS.children(&c.code) {
                    out.push((g.code.clone(), format!("　{}", g.name)));
                }
            }
        }
        None => {
            for p in DIVISIONS.rows.iter().filter(|r| r.level == "province") {
                out.push((p.code.clone(), p.name.clone()));
                // The demo province is shown down to its cities.
                if p.code == "420000" {
                    for c in DIVISIONS.children(&p.code) {
                        out.push((c.code.clone(), format!("　{}", c.name)));
                    }
                }
            }
        }
    }
    out
}

fn section_options() -> Options {
    INDUSTRIES
        .rows
        .iter()
        .filter(|r| r.level == "section")
        .map(|r| (r.code.clone(), format!("{} {}", r.code, r.name)))
        .collect()
}

fn type_options() -> Options {
    EntityType::ALL
        .iter()
        .map(|t| (t.as_str().to_string(), t.label_zh().to_string()))
        .collect()
}

fn status_options() -> Options {
    EntityStatus::ALL
        .iter()
        .map(|t| (t.as_str().to_string(), t.label_zh().to_string()))
        .collect()
}

/// An entity row as the list shows it.
pub struct ListRow {
    pub e: Entity,
    pub region: String,
    pub industry: String,
}

fn list_row(e: Entity) -> ListRow {
    ListRow {
        region: DIVISIONS.full_name(&e.division_code),
        industry: e
            .industry_code
            .as_deref()
            .and_then(|c| INDUSTRIES.name(c))
            .unwrap_or("")
            .to_string(),
        e,
    }
}

#[derive(Template)]
#[template(path = "registry/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub f: EntityFilter,
    pub rows: Vec<ListRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub query: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub regions: Options,
    pub sections: Options,
    pub types: Options,
    pub statuses: Options,
    pub can_write: bool,
}

fn with_page(f: &EntityFilter, page: i64) -> String {
    let mut g = f.clone();
    g.page = Some(page);
    serde_urlencoded::to_string(FilterQs::from(&g)).unwrap_or_default()
}

/// The filter as a query string (without empty fields).
#[derive(serde::Serialize)]
struct FilterQs<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    division: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    industry: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<i64>,
}

impl<'a> From<&'a EntityFilter> for FilterQs<'a> {
    fn from(f: &'a EntityFilter) -> Self {
        let s = |o: &'a Option<String>| o.as_deref().filter(|s| !s.is_empty());
        FilterQs {
            q: s(&f.q),
            division: s(&f.division),
            industry: s(&f.industry),
            entity_type: s(&f.entity_type),
            status: s(&f.status),
            page: f.page.filter(|p| *p > 1),
        }
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<EntityFilter>,
) -> AppResult<Response> {
    let scope = user.scope();
    let (entities, total) = super::routes::search(&state, &f, &scope).await?;
    let pages = ((total + f.per_page() - 1) / f.per_page()).max(1);
    let page = f.page();
    let mut q = f.clone();
    q.page = None;
    Ok(render(&ListPage {
        layout: layout(Some(&user), "市场主体", "/registry/entities"),
        query: serde_urlencoded::to_string(FilterQs::from(&q)).unwrap_or_default(),
        prev: (page > 1).then(|| with_page(&f, page - 1)),
        next: (page < pages).then(|| with_page(&f, page + 1)),
        rows: entities.into_iter().map(list_row).collect(),
        total,
        page,
        pages,
        regions: region_options(&scope),
        sections: section_options(),
        types: type_options(),
        statuses: status_options(),
        can_write: WRITERS.contains(&user.role()),
        f,
    }))
}

#[derive(Template)]
#[template(path = "registry/detail.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub e: Entity,
    pub region: String,
    pub industry: String,
    pub licences: Vec<Licence>,
    pub events: Vec<ChainEvent>,
    pub versions: Vec<EntityVersion>,
    pub can_write: bool,
    pub org_check_ok: bool,
}

pub async fn detail_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let e = visible_entity(&state, &user, &code).await?;
    let org_check_ok = jianguan_rules::Uscc::parse(&e.uscc).is_ok_and(|u| u.org_check_ok());
    Ok(render(&DetailPage {
        layout: layout(Some(&user), &e.name, "/registry/entities"),
        region: DIVISIONS.full_name(&e.division_code),
        industry: e
            .industry_code
            .as_deref()
            .map(|c| format!("{c} {}", INDUSTRIES.name(c).unwrap_or("")))
            .unwrap_or_else(|| "—".into()),
        licences: store::licences(&state.db, &e.uscc).await?,
        events: chain_for(&state, &user, &e.uscc).await?,
        versions: if user.role() == Role::Enterprise {
            Vec::new()
        } else {
            store::versions(&state.db, &e.uscc).await?
        },
        can_write: WRITERS.contains(&user.role()),
        org_check_ok,
        e,
    }))
}

/// The entity form, for both create and edit.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntityForm {
    #[serde(default)]
    pub uscc: String,
    pub name: String,
    pub entity_type: String,
    pub legal_rep: String,
    #[serde(default)]
    pub capital_wan: String,
    #[serde(default)]
    pub established_on: String,
    pub status: String,
    pub address: String,
    pub division_code: String,
    #[serde(default)]
    pub industry_code: String,
    #[serde(default)]
    pub business_scope: String,
    #[serde(default)]
    pub authority: String,
}

impl EntityForm {
    fn from_entity(e: &Entity) -> Self {
        EntityForm {
            uscc: e.uscc.clone(),
            name: e.name.clone(),
            entity_type: e.entity_type.as_str().into(),
            legal_rep: e.legal_rep.clone(),
            capital_wan: e
                .registered_capital_fen
                .map(|f| format!("{}", f as f64 / 1_000_000.0))
                .unwrap_or_default(),
            established_on: e.established_on.map(|d| d.to_string()).unwrap_or_default(),
            status: e.status.as_str().into(),
            address: e.address.clone(),
            division_code: e.division_code.clone(),
            industry_code: e.industry_code.clone().unwrap_or_default(),
            business_scope: e.business_scope.clone(),
            authority: e.authority.clone(),
        }
    }

    fn draft(&self, former: Vec<String>) -> AppResult<EntityDraft> {
        let capital = super::import::parse_capital(&self.capital_wan, true)
            .map_err(|m| AppError::field(ErrorCode::ValidationFailed, "registered_capital_fen", m))?;
        let established = super::import::parse_date(&self.established_on)
            .map_err(|m| AppError::field(ErrorCode::ValidationFailed, "established_on", m))?;
        Ok(EntityDraft {
            uscc: self.uscc.clone(),
            name: self.name.clone(),
            former_names: former,
            entity_type: self.entity_type.clone(),
            legal_rep: self.legal_rep.clone(),
            registered_capital_fen: capital,
            established_on: established,
            status: self.status.clone(),
            address: self.address.clone(),
            division_code: self.division_code.clone(),
            industry_code: Some(self.industry_code.clone()).filter(|s| !s.trim().is_empty()),
            business_scope: self.business_scope.clone(),
            authority: self.authority.clone(),
            latitude: None,
            longitude: None,
        })
    }
}

#[derive(Template)]
#[template(path = "registry/form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub form: EntityForm,
    pub editing: bool,
    pub error: Option<String>,
    pub types: Options,
    pub statuses: Options,
}

fn form_page(user: &CurrentUser, form: EntityForm, editing: bool, error: Option<String>) -> FormPage {
    FormPage {
        layout: layout(
            Some(user),
            if editing {
                "变更市场主体"
            } else {
                "新增市场主体"
            },
            "/registry/entities",
        ),
        form,
        editing,
        error,
        types: type_options(),
        statuses: status_options(),
    }
}

fn form_error(user: &CurrentUser, form: EntityForm, editing: bool, e: AppError) -> AppResult<Response> {
    crate::platform::web::templates::form_error(e, form_page(user, form, editing, None), |p, m| p.error = Some(m))
}

pub async fn new_page(user: CurrentUser) -> Response {
    let form = EntityForm {
        entity_type: "company".into(),
        status: "active".into(),
        ..Default::default()
    };
    render(&form_page(&user, form, false, None))
}

pub async fn create_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(form): PageForm<EntityForm>,
) -> AppResult<Response> {
    let result = async {
        let input = validate(&user, &form.draft(Vec::new())?)?;
        store::create(&state.db, &user.actor(), state.clock.now(), &input).await
    }
    .await;
    match result {
        Ok(e) => Ok(Redirect::to(&format!("/registry/entities/{}", e.uscc)).into_response()),
        Err(e) => form_error(&user, form, false, e),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    super::routes::check_registrar(&user)?;
    let e = visible_entity(&state, &user, &code).await?;
    Ok(render(&form_page(&user, EntityForm::from_entity(&e), true, None)))
}

pub async fn edit_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    PageForm(mut form): PageForm<EntityForm>,
) -> AppResult<Response> {
    let existing = visible_entity(&state, &user, &code).await?;
    form.uscc = existing.uscc.clone();
    let result = async {
        let input = validate(&user, &form.draft(existing.former_names.clone())?)?;
        store::update(&state.db, &user.actor(), state.clock.now(), &input).await
    }
    .await;
    match result {
        Ok(e) => Ok(Redirect::to(&format!("/registry/entities/{}", e.uscc)).into_response()),
        Err(e) => form_error(&user, form, true, e),
    }
}

#[derive(Template)]
#[template(path = "registry/import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub jobs: Vec<ImportJob>,
    pub error: Option<String>,
}

pub async fn import_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&ImportPage {
        layout: layout(Some(&user), "导入市场主体", "/registry/entities"),
        jobs: jobs::recent(&state, &user, 10).await?,
        error: None,
    }))
}

pub async fn import_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> AppResult<Response> {
    match jobs::start_upload(&state, &user, multipart).await {
        Ok(id) => Ok(Redirect::to(&format!("/registry/imports/{id}")).into_response()),
        Err(e) if e.code != ErrorCode::Internal => {
            let page = ImportPage {
                layout: layout(Some(&user), "导入市场主体", "/registry/entities"),
                jobs: jobs::recent(&state, &user, 10).await?,
                error: Some(format!("{}（{}）", e.code.message_zh(), e.detail)),
            };
            Ok(render_with_status(e.code.status(), &page))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "registry/progress.html")]
pub struct ProgressPage {
    pub layout: Layout,
    pub job: ImportJob,
}

#[derive(Template)]
#[template(path = "registry/progress_part.html")]
pub struct ProgressPart {
    pub job: ImportJob,
}

pub async fn import_progress(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let job = jobs::visible(&state, &user, &id).await?;
    if headers.contains_key("hx-request") {
        return Ok(render(&ProgressPart { job }));
    }
    Ok(render(&ProgressPage {
        layout: layout(Some(&user), "导入进度", "/registry/entities"),
        job,
    }))
}
