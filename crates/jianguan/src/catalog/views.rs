//! Catalog pages: the list and an item with its versions, the item form
//! (its fields are the spreadsheet's columns, parsed by the same code as an
//! import), import, the key list with coverage, tolerance lists, annual
//! plans with progress charts, and their public portal counterparts.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianguan_rules::catalog::ItemStatus;
use serde::Deserialize;
use std::collections::HashMap;

use super::io::{self, CatalogImportReport, HEADER};
use super::keylist::{self, Coverage, KeyItem, NewKeyEntity};
use super::model::{CatalogItem, ItemContent, Level, Method};
use super::plans::{self, LineProgress, NewPlan, Plan};
use super::store::{self, CatalogFilter, Editor, ItemVersion};
use super::tolerance::{self, Entry};
use crate::org::model::DeptKind;
use crate::platform::auth::CurrentUser;
use crate::platform::auth::access::MaybeUser;
use crate::platform::auth::access::roles::ADMINS;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::platform::web::AppState;
use crate::platform::web::extract::{PageForm, upload_file};
use crate::platform::web::templates::{Layout, form_error, layout, render};
use crate::registry::tabular::{extension, read_bytes};

type Options = Vec<(String, String)>;

fn kind_options() -> Options {
    DeptKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.label_zh().to_string()))
        .collect()
}

fn status_options() -> Options {
    ItemStatus::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.label_zh().to_string()))
        .collect()
}

fn method_options() -> Options {
    Method::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.label_zh().to_string()))
        .collect()
}

fn is_admin(user: Option<&CurrentUser>) -> bool {
    user.is_some_and(|u| ADMINS.contains(&u.role()))
}

#[derive(Template)]
#[template(path = "catalog/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub f: CatalogFilter,
    pub items: Vec<CatalogItem>,
    pub kinds: Options,
    pub statuses: Options,
    pub methods: Options,
    pub can_write: bool,
    /// The portal's list: published items only, links to the portal.
    pub public: bool,
}

pub async fn list_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<CatalogFilter>,
) -> AppResult<Response> {
    let items = store::list(&state.db, &f).await?;
    Ok(render(&ListPage {
        layout: layout(Some(&user), "监管事项", "/catalog"),
        items,
        kinds: kind_options(),
        statuses: status_options(),
        methods: method_options(),
        can_write: is_admin(Some(&user)),
        public: false,
        f,
    }))
}

pub async fn portal_catalog(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(mut f): Query<CatalogFilter>,
) -> AppResult<Response> {
    f.status = Some("published".into());
    let items = store::list(&state.db, &f).await?;
    Ok(render(&ListPage {
        layout: layout(user.as_ref(), "监管事项清单", "/portal/catalog"),
        items,
        kinds: kind_options(),
        statuses: Vec::new(),
        methods: method_options(),
        can_write: false,
        public: true,
        f,
    }))
}

#[derive(Template)]
#[template(path = "catalog/detail.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub item: CatalogItem,
    /// The version shown, when it is not the current one.
    pub shown: Option<ItemVersion>,
    pub versions: Vec<ItemVersion>,
    pub can_write: bool,
    pub public: bool,
}

impl DetailPage {
    /// The content on display: an older version if asked for.
    pub fn content(&self) -> &ItemContent {
        self.shown.as_ref().map(|v| &v.content).unwrap_or(&self.item.content)
    }

    pub fn shown_version(&self) -> i64 {
        self.shown.as_ref().map(|v| v.version).unwrap_or(self.item.version)
    }

    pub fn ratio_zh(&self) -> String {
        self.content()
            .ratio_bp
            .map(jianguan_rules::catalog::format_ratio_bp)
            .unwrap_or_else(|| "—".into())
    }

    pub fn types_zh(&self) -> String {
        let t = &self.content().scope.entity_types;
        if t.is_empty() {
            return "全部类型".into();
        }
        t.iter()
            .map(|t| {
                crate::registry::model::EntityType::parse(t)
                    .map(|t| t.label_zh())
                    .unwrap_or(t.as_str())
            })
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn industries_zh(&self) -> String {
        let t = &self.content().scope.industries;
        if t.is_empty() {
            return "全部行业".into();
        }
        t.iter()
            .map(|c| format!("{c} {}", crate::registry::refdata::INDUSTRIES.name(c).unwrap_or("")))
            .collect::<Vec<_>>()
            .join("；")
    }
}

#[derive(Deserialize)]
pub struct VersionQuery {
    pub version: Option<i64>,
}

async fn detail(
    state: &AppState,
    user: Option<&CurrentUser>,
    code: &str,
    version: Option<i64>,
    public: bool,
) -> AppResult<Response> {
    let item = store::get(&state.db, code)
        .await?
        .filter(|i| !public || i.status == ItemStatus::Published)
        .ok_or_else(|| AppError::not_found("catalog item"))?;
    let versions = store::versions(&state.db, code).await?;
    let shown = match version.filter(|v| *v != item.version) {
        Some(v) => Some(
            versions
                .iter()
                .find(|x| x.version == v)
                .cloned()
                .ok_or_else(|| AppError::not_found("version"))?,
        ),
        None => None,
    };
    let (title, active) = if public {
        ("监管事项清单", "/portal/catalog")
    } else {
        ("监管事项", "/catalog")
    };
    Ok(render(&DetailPage {
        layout: layout(user, &format!("{} · {title}", item.content.name), active),
        can_write: !public && is_admin(user),
        item,
        shown,
        versions,
        public,
    }))
}

pub async fn detail_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Response> {
    detail(&state, Some(&user), &code, q.version, false).await
}

pub async fn portal_item(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Response> {
    detail(&state, user.as_ref(), &code, q.version, true).await
}

/// The item form: one field per spreadsheet column, in its words.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub department_kind: String,
    #[serde(default)]
    pub co_kinds: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub entity_types: String,
    #[serde(default)]
    pub industries: String,
    #[serde(default)]
    pub licence_types: String,
    #[serde(default)]
    pub methods: String,
    #[serde(default)]
    pub ratio: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub checklist: String,
    #[serde(default)]
    pub penalties: String,
}

impl ItemForm {
    fn cells(&self) -> Vec<String> {
        vec![
            self.code.clone(),
            self.name.clone(),
            self.level.clone(),
            self.department_kind.clone(),
            self.co_kinds.clone(),
            self.legal_basis.clone(),
            self.entity_types.clone(),
            self.industries.clone(),
            self.licence_types.clone(),
            self.methods.clone(),
            self.ratio.clone(),
            self.frequency.clone(),
            self.checklist.clone(),
            self.penalties.clone(),
            String::new(),
        ]
    }

    fn from_item(i: &CatalogItem) -> Self {
        let r = io::to_row(i);
        let at = |n: usize| r.get(n).cloned().unwrap_or_default();
        ItemForm {
            code: at(0),
            name: at(1),
            level: at(2),
            department_kind: at(3),
            co_kinds: at(4),
            legal_basis: at(5),
            entity_types: at(6),
            industries: at(7),
            licence_types: at(8),
            methods: at(9),
            ratio: at(10),
            frequency: at(11),
            checklist: at(12),
            penalties: at(13),
        }
    }

    /// Parse with the import's own row parser.
    fn content(&self) -> AppResult<ItemContent> {
        let cols: HashMap<usize, usize> = (0..HEADER.len()).map(|i| (i, i)).collect();
        io::from_row(&cols, &self.cells())
            .map(|(_, c, _)| c)
            .map_err(|m| AppError::field(ErrorCode::ValidationFailed, "item", m))
    }
}

#[derive(Template)]
#[template(path = "catalog/form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub form: ItemForm,
    pub editing: bool,
    pub error: Option<String>,
    pub levels: Vec<&'static str>,
    pub kinds: Vec<&'static str>,
}

fn form_page(user: &CurrentUser, form: ItemForm, editing: bool, error: Option<String>) -> FormPage {
    FormPage {
        layout: layout(
            Some(user),
            if editing {
                "修改监管事项"
            } else {
                "新增监管事项"
            },
            "/catalog",
        ),
        form,
        editing,
        error,
        levels: Level::ALL.iter().map(|l| l.label_zh()).collect(),
        kinds: DeptKind::ALL.iter().map(|k| k.label_zh()).collect(),
    }
}

pub async fn new_page(user: CurrentUser) -> AppResult<Response> {
    let form = ItemForm {
        level: "省级".into(),
        department_kind: "市场监管".into(),
        methods: "双随机抽查".into(),
        ..Default::default()
    };
    Ok(render(&form_page(&user, form, false, None)))
}

pub async fn create_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(form): PageForm<ItemForm>,
) -> AppResult<Response> {
    let result = async {
        let content = form.content()?;
        let mut tx = state.db.begin().await?;
        store::upsert(
            &mut tx,
            &Editor::of(&user),
            state.clock.now(),
            form.code.trim(),
            &content,
            None,
            true,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/catalog/{}", form.code.trim())).into_response()),
        Err(e) => form_error(e, form_page(&user, form, false, None), |p, m| p.error = Some(m)),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let item = store::editable(&state.db, &Editor::of(&user), &code).await?;
    Ok(render(&form_page(&user, ItemForm::from_item(&item), true, None)))
}

pub async fn edit_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    PageForm(mut form): PageForm<ItemForm>,
) -> AppResult<Response> {
    store::editable(&state.db, &Editor::of(&user), &code).await?;
    form.code = code.clone();
    let result = async {
        let content = form.content()?;
        let mut tx = state.db.begin().await?;
        store::upsert(
            &mut tx,
            &Editor::of(&user),
            state.clock.now(),
            &code,
            &content,
            None,
            false,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/catalog/{code}")).into_response()),
        Err(e) => form_error(e, form_page(&user, form, true, None), |p, m| p.error = Some(m)),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    pub to: String,
}

pub async fn status_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    PageForm(f): PageForm<StatusForm>,
) -> AppResult<Response> {
    let to =
        ItemStatus::parse(&f.to).ok_or_else(|| AppError::field(ErrorCode::ValidationFailed, "status", "unknown"))?;
    store::set_status(&state.db, &Editor::of(&user), state.clock.now(), &code, to).await?;
    Ok(Redirect::to(&format!("/catalog/{code}")).into_response())
}

#[derive(Template)]
#[template(path = "catalog/import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub report: Option<CatalogImportReport>,
    pub error: Option<String>,
}

pub async fn import_page(user: CurrentUser) -> AppResult<Response> {
    Ok(render(&ImportPage {
        layout: layout(Some(&user), "导入监管事项", "/catalog"),
        report: None,
        error: None,
    }))
}

pub async fn import_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let result = async {
        let (name, bytes) = upload_file(&mut multipart).await?;
        let table = read_bytes(&bytes, &extension(std::path::Path::new(&name)))
            .map_err(|e| AppError::new(ErrorCode::UnsupportedFile, format!("{name}: {e:#}")))?;
        io::import(&state.db, &Editor::of(&user), state.clock.now(), &table).await
    }
    .await;
    let page = ImportPage {
        layout: layout(Some(&user), "导入监管事项", "/catalog"),
        report: None,
        error: None,
    };
    match result {
        Ok(report) => Ok(render(&ImportPage {
            report: Some(report),
            ..page
        })),
        Err(e) => form_error(e, page, |p, m| p.error = Some(m)),
    }
}

/// Chart data for the data-chart attribute (see assets/charts.js).
fn chart(categories: Vec<String>, series: Vec<(&str, Vec<i64>)>, unit: &str) -> String {
    serde_json::json!({
        "categories": categories,
        "series": series.into_iter().map(|(n, d)| serde_json::json!({"name": n, "data": d})).collect::<Vec<_>>(),
        "unit": unit,
    })
    .to_string()
}

#[derive(Template)]
#[template(path = "catalog/key.html")]
pub struct KeyPage {
    /// Published items the user may put on the key list (provincial keepers).
    pub keepable: Vec<CatalogItem>,
    pub layout: Layout,
    pub coverage: Vec<Coverage>,
    pub items: Vec<KeyItem>,
    pub chart: String,
    pub can_write: bool,
    pub error: Option<String>,
    pub notice: Option<String>,
}

async fn key_page_for(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
    notice: Option<String>,
) -> AppResult<KeyPage> {
    let coverage = keylist::coverage(&state.db, state.clock.today(), &user.scope()).await?;
    let chart = chart(
        coverage.iter().map(|c| c.item_name.clone()).collect(),
        vec![
            ("列入主体", coverage.iter().map(|c| c.listed).collect()),
            ("本期已检查", coverage.iter().map(|c| c.covered).collect()),
        ],
        "户",
    );
    let editor = Editor::of(user);
    let keepable = store::published_for(&state.db, None)
        .await?
        .into_iter()
        .filter(|i| editor.may_keep(i.content.department_kind, "provincial"))
        .collect();
    Ok(KeyPage {
        keepable,
        layout: layout(Some(user), "重点监管清单", "/key-list"),
        items: keylist::items(&state.db).await?,
        coverage,
        chart,
        can_write: is_admin(Some(user)),
        error,
        notice,
    })
}

pub async fn key_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&key_page_for(&state, &user, None, None).await?))
}

pub async fn key_entity_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<NewKeyEntity>,
) -> AppResult<Response> {
    match keylist::add_entity(
        &state.db,
        &user.actor(),
        user.department.as_ref().map(|d| d.kind),
        state.clock.now(),
        &user.scope(),
        &f,
    )
    .await
    {
        Ok(()) => Ok(render(
            &key_page_for(
                &state,
                &user,
                None,
                Some(format!("已将 {} 列入重点监管。", f.uscc.trim())),
            )
            .await?,
        )),
        Err(e) => {
            let page = key_page_for(&state, &user, None, None).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

#[derive(Template)]
#[template(path = "catalog/tolerance.html")]
pub struct TolerancePage {
    pub layout: Layout,
    pub entries: Vec<Entry>,
    pub public: bool,
    pub key_items: Vec<KeyItem>,
    /// Published items of the user's department kind, when they may add entries.
    pub own_items: Vec<CatalogItem>,
    pub error: Option<String>,
}

async fn tolerance_page_for(state: &AppState, user: &CurrentUser, error: Option<String>) -> AppResult<TolerancePage> {
    let own_items = match (&user.department, is_admin(Some(user))) {
        (Some(d), true) => store::published_for(&state.db, Some(d.kind)).await?,
        _ => Vec::new(),
    };
    Ok(TolerancePage {
        layout: layout(Some(user), "包容审慎清单", "/key-list"),
        entries: tolerance::list(&state.db, None).await?,
        public: false,
        key_items: Vec::new(),
        own_items,
        error,
    })
}

pub async fn tolerance_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&tolerance_page_for(&state, &user, None).await?))
}

pub async fn tolerance_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<tolerance::NewEntry>,
) -> AppResult<Response> {
    let result = async {
        let dept = user.department.as_ref().ok_or_else(AppError::forbidden)?;
        tolerance::add(&state.db, &user.actor(), state.clock.now(), dept.id, &f).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/tolerance").into_response()),
        Err(e) => {
            let page = tolerance_page_for(&state, &user, None).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

pub async fn key_item_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<keylist::NewKeyItem>,
) -> AppResult<Response> {
    match keylist::add_item(&state.db, &Editor::of(&user), state.clock.now(), &f).await {
        Ok(()) => Ok(Redirect::to("/key-list").into_response()),
        Err(e) => {
            let page = key_page_for(&state, &user, None, None).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

pub async fn portal_lists(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> AppResult<Response> {
    Ok(render(&TolerancePage {
        layout: layout(user.as_ref(), "重点监管事项与包容审慎清单", "/portal/lists"),
        entries: tolerance::list(&state.db, None).await?,
        public: true,
        key_items: keylist::items(&state.db).await?,
        own_items: Vec::new(),
        error: None,
    }))
}

#[derive(Template)]
#[template(path = "catalog/plans.html")]
pub struct PlansPage {
    pub layout: Layout,
    pub plans: Vec<Plan>,
    /// (planned, done) of each plan, summed over its lines.
    pub totals: Vec<(i64, i64)>,
    /// The region shown (all departments in it), and the choices.
    pub region: String,
    pub regions: Options,
    pub public: bool,
    pub can_write: bool,
    pub error: Option<String>,
    pub form_year: String,
    pub form_title: String,
    pub form_lines: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlansQuery {
    /// A division code: the plans of every department in that region.
    pub region: Option<String>,
}

/// The LIKE pattern of the region asked for, within `scope`.
fn region_like(region: Option<&str>, scope: &jianguan_rules::access::DataScope) -> (String, String) {
    match region.and_then(|r| jianguan_rules::DivisionCode::parse(r).ok()) {
        Some(d) if scope.covers(&d) => (d.like_pattern(), d.as_str().to_string()),
        _ => (scope.like_pattern(), String::new()),
    }
}

/// Cities of the provinces the plans are in, for the region filter.
fn plan_regions(plans: &[Plan]) -> Options {
    let mut provinces: Vec<String> = plans
        .iter()
        .map(|p| format!("{}0000", &p.division_code[..2.min(p.division_code.len())]))
        .collect();
    provinces.sort();
    provinces.dedup();
    let mut out = Vec::new();
    for p in provinces {
        if let Some(name) = crate::registry::refdata::DIVISIONS.name(&p) {
            out.push((p.clone(), name.to_string()));
        }
        for c in crate::registry::refdata::DIVISIONS.children(&p) {
            out.push((c.code.clone(), format!("　{}", c.name)));
        }
    }
    out
}

async fn totals(state: &AppState, plans: &[Plan]) -> AppResult<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for p in plans {
        let lines = plans::progress(&state.db, p).await?;
        out.push((
            lines.iter().map(|l| l.planned).sum(),
            lines.iter().map(|l| l.done.min(l.planned)).sum(),
        ));
    }
    Ok(out)
}

impl PlansPage {
    pub fn sum_planned(&self) -> i64 {
        self.totals.iter().map(|t| t.0).sum()
    }

    pub fn total_of(&self, i: &usize) -> String {
        self.totals
            .get(*i)
            .map(|t| format!("{} / {}", t.0, t.1))
            .unwrap_or_default()
    }

    pub fn sum_done(&self) -> i64 {
        self.totals.iter().map(|t| t.1).sum()
    }
}

async fn plans_page_for(
    state: &AppState,
    user: &CurrentUser,
    f: PlanForm,
    error: Option<String>,
) -> AppResult<PlansPage> {
    let year = state.clock.today().format("%Y").to_string();
    let plans = plans::readable(&state.db, user, &user.scope().like_pattern()).await?;
    Ok(PlansPage {
        layout: layout(Some(user), "年度监管计划", "/plans"),
        totals: totals(state, &plans).await?,
        regions: plan_regions(&plans),
        region: String::new(),
        plans,
        public: false,
        can_write: is_admin(Some(user)) && user.department.is_some(),
        error,
        form_year: if f.year.is_empty() { year } else { f.year },
        form_title: f.title,
        form_lines: f.lines,
    })
}

pub async fn plans_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PlansQuery>,
) -> AppResult<Response> {
    let mut page = plans_page_for(&state, &user, PlanForm::default(), None).await?;
    let (like, region) = region_like(q.region.as_deref(), &user.scope());
    page.plans = plans::readable(&state.db, &user, &like).await?;
    page.totals = totals(&state, &page.plans).await?;
    page.region = region;
    Ok(render(&page))
}

pub async fn portal_plans(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<PlansQuery>,
) -> AppResult<Response> {
    let all = plans::list(&state.db, "%", true).await?;
    let (like, region) = region_like(q.region.as_deref(), &jianguan_rules::access::DataScope::All);
    let plans = plans::list(&state.db, &like, true).await?;
    Ok(render(&PlansPage {
        layout: layout(user.as_ref(), "年度监管计划", "/portal/plans"),
        totals: totals(&state, &plans).await?,
        regions: plan_regions(&all),
        region,
        plans,
        public: true,
        can_write: false,
        error: None,
        form_year: String::new(),
        form_title: String::new(),
        form_lines: String::new(),
    }))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub lines: String,
}

pub async fn plan_create_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<PlanForm>,
) -> AppResult<Response> {
    let result = async {
        let dept = user.department.as_ref().ok_or_else(AppError::forbidden)?;
        let year: i32 = f
            .year
            .trim()
            .parse()
            .map_err(|_| AppError::field(ErrorCode::ValidationFailed, "year", "a year such as 2026"))?;
        let lines =
            plans::parse_lines(&f.lines).map_err(|m| AppError::field(ErrorCode::ValidationFailed, "lines", m))?;
        let p = NewPlan {
            year,
            title: f.title.clone(),
            lines,
        };
        plans::create(&state.db, &user.actor(), state.clock.now(), dept, &p).await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/plans/{id}")).into_response()),
        Err(e) => {
            let page = plans_page_for(&state, &user, f, None).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

#[derive(Template)]
#[template(path = "catalog/plan.html")]
pub struct PlanPage {
    pub layout: Layout,
    pub plan: Plan,
    pub progress: Vec<LineProgress>,
    pub chart: String,
    pub public: bool,
    pub can_approve: bool,
    pub can_publish: bool,
    pub lines_text: String,
}

async fn plan_view(state: &AppState, user: Option<&CurrentUser>, id: i64, public: bool) -> AppResult<Response> {
    let plan = plans::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("plan"))?;
    if public && plan.status != "published" {
        return Err(AppError::not_found("plan"));
    }
    if let Some(u) = user.filter(|_| !public)
        && plan.status != "published"
    {
        let offices = crate::platform::auth::jurisdiction::offices(&state.db).await?;
        u.check_work(offices.get(&plan.department_id), &[])?;
    }
    let progress = plans::progress(&state.db, &plan).await?;
    let chart = chart(
        progress
            .iter()
            .map(|p| format!("{} {}", p.item_code, p.item_name))
            .collect(),
        vec![
            ("计划", progress.iter().map(|p| p.planned).collect()),
            ("已完成", progress.iter().map(|p| p.done).collect()),
        ],
        "户",
    );
    let (mut can_approve, mut can_publish) = (false, false);
    if let Some(u) = user.filter(|_| !public) {
        can_approve = plan.status == "draft" && plans::may_advance(&state.db, u, &plan, "approved").await.is_ok();
        can_publish = plan.status == "approved" && plans::may_advance(&state.db, u, &plan, "published").await.is_ok();
    }
    Ok(render(&PlanPage {
        layout: layout(user, &plan.title, if public { "/portal/plans" } else { "/plans" }),
        can_approve,
        can_publish,
        lines_text: plans::lines_text(&plan.lines),
        plan,
        progress,
        chart,
        public,
    }))
}

pub async fn plan_page(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    plan_view(&state, Some(&user), id, false).await
}

pub async fn portal_plan(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    plan_view(&state, user.as_ref(), id, true).await
}

#[derive(Deserialize)]
pub struct PlanStatusForm {
    pub to: String,
}

pub async fn plan_status_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    PageForm(f): PageForm<PlanStatusForm>,
) -> AppResult<Response> {
    let plan = plans::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("plan"))?;
    plans::may_advance(&state.db, &user, &plan, &f.to).await?;
    plans::advance(&state.db, &user.actor(), state.clock.now(), id, &f.to).await?;
    Ok(Redirect::to(&format!("/plans/{id}")).into_response())
}
