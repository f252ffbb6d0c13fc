//! HTTP API of the catalog: items and versions, import and export, the key
//! list and its coverage, tolerance lists, annual plans, and the public
//! open-data endpoints.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jianguan_rules::catalog::ItemStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::io::{self, CatalogImportReport};
use super::keylist::{self, Coverage, KeyItem, NewKeyEntity, NewKeyItem};
use super::model::{CatalogItem, ItemContent, ItemInput};
use super::plans::{self, LineProgress, NewPlan, Plan};
use super::store::{self, CatalogFilter, Editor, ItemVersion};
use super::tolerance::{self, Entry, NewEntry};
use super::views;
use crate::platform::auth::access::roles::{ADMINS, REGULATORS};
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::{ApiJson, upload_file};
use crate::platform::web::routes::{RouteDef, api, def};
use crate::registry::tabular::{extension, read_bytes};

/// Leaders approve plans.
pub const APPROVERS: &[jianguan_rules::Role] = &[jianguan_rules::Role::Leader, jianguan_rules::Role::SysAdmin];

pub fn routes() -> Vec<RouteDef> {
    let upload_limit = axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024);
    let r = Access::Roles(REGULATORS);
    let w = Access::Roles(ADMINS);
    vec![
        api(r, routes!(list)),
        api(w, routes!(create)),
        api(r, routes!(export)),
        api(w, routes!(import)).map(|h| h.layer(upload_limit)),
        api(r, routes!(one)),
        api(w, routes!(update)),
        api(w, routes!(publish)),
        api(w, routes!(retire)),
        api(r, routes!(item_versions)),
        api(r, routes!(key_coverage)),
        api(w, routes!(key_add_item)),
        api(w, routes!(key_add_entity)),
        api(w, routes!(tolerance_add)),
        api(r, routes!(plan_list)),
        api(w, routes!(plan_create)),
        api(r, routes!(plan_one)),
        api(Access::Roles(APPROVERS), routes!(plan_approve)),
        api(w, routes!(plan_publish)),
        api(Access::Public, routes!(public_catalog)),
        api(Access::Public, routes!(public_item)),
        api(Access::Public, routes!(public_key_items)),
        api(Access::Public, routes!(public_tolerance)),
        api(Access::Public, routes!(public_plans)),
        api(Access::Public, routes!(public_plan)),
        // Pages.
        def(Method::GET, "/catalog", r, get(views::list_page)),
        def(Method::GET, "/catalog/new", w, get(views::new_page)),
        def(Method::POST, "/catalog", w, post(views::create_submit)),
        def(Method::GET, "/catalog/import", w, get(views::import_page)),
        def(
            Method::POST,
            "/catalog/import",
            w,
            post(views::import_submit).layer(upload_limit),
        ),
        def(Method::GET, "/catalog/{code}", r, get(views::detail_page)),
        def(Method::GET, "/catalog/{code}/edit", w, get(views::edit_page)),
        def(Method::POST, "/catalog/{code}", w, post(views::edit_submit)),
        def(Method::POST, "/catalog/{code}/status", w, post(views::status_submit)),
        def(Method::GET, "/key-list", r, get(views::key_page)),
        def(Method::POST, "/key-list/entities", w, post(views::key_entity_submit)),
        def(Method::GET, "/tolerance", r, get(views::tolerance_page)),
        def(Method::POST, "/tolerance", w, post(views::tolerance_submit)),
        def(Method::POST, "/key-list/items", w, post(views::key_item_submit)),
        def(Method::GET, "/plans", r, get(views::plans_page)),
        def(Method::POST, "/plans", w, post(views::plan_create_submit)),
        def(Method::GET, "/plans/{id}", r, get(views::plan_page)),
        def(
            Method::POST,
            "/plans/{id}/status",
            Access::Roles(&[
                jianguan_rules::Role::SysAdmin,
                jianguan_rules::Role::DeptAdmin,
                jianguan_rules::Role::Leader,
            ]),
            post(views::plan_status_submit),
        ),
        def(
            Method::GET,
            "/portal/catalog",
            Access::Public,
            get(views::portal_catalog),
        ),
        def(
            Method::GET,
            "/portal/catalog/{code}",
            Access::Public,
            get(views::portal_item),
        ),
        def(Method::GET, "/portal/lists", Access::Public, get(views::portal_lists)),
        def(Method::GET, "/portal/plans", Access::Public, get(views::portal_plans)),
        def(
            Method::GET,
            "/portal/plans/{id}",
            Access::Public,
            get(views::portal_plan),
        ),
    ]
}

#[derive(Serialize, ToSchema)]
pub struct ItemList {
    pub items: Vec<CatalogItem>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemOne {
    pub item: CatalogItem,
}

/// Catalog items, filtered.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog", security(("bearer" = [])), params(CatalogFilter),
    responses((status = 200, body = ItemList)))]
pub async fn list(State(state): State<AppState>, Query(f): Query<CatalogFilter>) -> AppResult<Json<ItemList>> {
    Ok(Json(ItemList {
        items: store::list(&state.db, &f).await?,
    }))
}

/// Create an item, as a draft (items are published explicitly, with
/// `POST /api/v1/catalog/{code}/publish`).
#[utoipa::path(post, path = "/api/v1/catalog", tag = "catalog", security(("bearer" = [])), request_body = ItemInput,
    responses((status = 201, body = ItemOne), (status = 409, description = "catalog_item_exists", body = Problem),
              (status = 422, description = "validation_failed", body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ItemInput>,
) -> AppResult<(StatusCode, Json<ItemOne>)> {
    let mut tx = state.db.begin().await?;
    store::upsert(
        &mut tx,
        &Editor::of(&user),
        state.clock.now(),
        input.code.trim(),
        &input.content,
        None,
        true,
    )
    .await?;
    tx.commit().await?;
    let item = store::get(&state.db, input.code.trim())
        .await?
        .ok_or_else(|| AppError::not_found("catalog item"))?;
    Ok((StatusCode::CREATED, Json(ItemOne { item })))
}

/// One item in its current version.
#[utoipa::path(get, path = "/api/v1/catalog/{code}", tag = "catalog", security(("bearer" = [])),
    params(("code" = String, Path)), responses((status = 200, body = ItemOne), (status = 404, body = Problem)))]
pub async fn one(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<ItemOne>> {
    let item = store::get(&state.db, &code)
        .await?
        .ok_or_else(|| AppError::not_found("catalog item"))?;
    Ok(Json(ItemOne { item }))
}

/// Change an item's content. A published item gets a new version; earlier
/// versions stay readable at `/versions`.
#[utoipa::path(put, path = "/api/v1/catalog/{code}", tag = "catalog", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = ItemContent,
    responses((status = 200, body = ItemOne), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(content): ApiJson<ItemContent>,
) -> AppResult<Json<ItemOne>> {
    store::editable(&state.db, &Editor::of(&user), &code).await?;
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
    one(State(state), Path(code)).await
}

async fn move_to(state: &AppState, user: &CurrentUser, code: &str, to: ItemStatus) -> AppResult<Json<ItemOne>> {
    let item = store::set_status(&state.db, &Editor::of(user), state.clock.now(), code, to).await?;
    Ok(Json(ItemOne { item }))
}

/// Publish a draft (or re-instate a retired item).
#[utoipa::path(post, path = "/api/v1/catalog/{code}/publish", tag = "catalog", security(("bearer" = [])),
    params(("code" = String, Path)), responses((status = 200, body = ItemOne), (status = 409, description = "conflict", body = Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<ItemOne>> {
    move_to(&state, &user, &code, ItemStatus::Published).await
}

/// Retire a published item: no new action may cite it.
#[utoipa::path(post, path = "/api/v1/catalog/{code}/retire", tag = "catalog", security(("bearer" = [])),
    params(("code" = String, Path)), responses((status = 200, body = ItemOne), (status = 409, description = "conflict", body = Problem)))]
pub async fn retire(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<ItemOne>> {
    move_to(&state, &user, &code, ItemStatus::Retired).await
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    pub versions: Vec<ItemVersion>,
}

/// Every version of an item, newest first.
#[utoipa::path(get, path = "/api/v1/catalog/{code}/versions", tag = "catalog", security(("bearer" = [])),
    params(("code" = String, Path)), responses((status = 200, body = VersionList)))]
pub async fn item_versions(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<VersionList>> {
    Ok(Json(VersionList {
        versions: store::versions(&state.db, &code).await?,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// The whole catalog as a spreadsheet with the usual Chinese headers.
#[utoipa::path(get, path = "/api/v1/catalog/export", tag = "catalog", security(("bearer" = [])), params(ExportQuery),
    responses((status = 200, content_type = "text/csv")))]
pub async fn export(State(state): State<AppState>, Query(q): Query<ExportQuery>) -> AppResult<Response> {
    let xlsx = q.format.as_deref() == Some("xlsx");
    let bytes = io::export(&state.db, xlsx).await?;
    Ok(download(bytes, xlsx, "catalog"))
}

pub fn download(bytes: Vec<u8>, xlsx: bool, stem: &str) -> Response {
    let (ctype, ext) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    (
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{stem}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Import a catalog workbook (multipart field `file`, .xlsx or .csv). Good
/// rows are applied in one transaction; bad rows are listed with line and
/// reason.
#[utoipa::path(post, path = "/api/v1/catalog/import", tag = "catalog", security(("bearer" = [])),
    responses((status = 200, body = CatalogImportReport), (status = 415, description = "unsupported_file", body = Problem)))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> AppResult<Json<CatalogImportReport>> {
    let (name, bytes) = upload_file(&mut multipart).await?;
    let table = read_bytes(&bytes, &extension(std::path::Path::new(&name)))
        .map_err(|e| AppError::new(ErrorCode::UnsupportedFile, format!("{name}: {e:#}")))?;
    Ok(Json(
        io::import(&state.db, &Editor::of(&user), state.clock.now(), &table).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct KeyCoverage {
    pub items: Vec<KeyItem>,
    pub coverage: Vec<Coverage>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct OnQuery {
    /// The day whose coverage period is shown (default today).
    pub on: Option<chrono::NaiveDate>,
}

/// The key-supervision list and its coverage in the current period, with
/// the listed entities not yet inspected (within the caller's region).
#[utoipa::path(get, path = "/api/v1/key-list", tag = "catalog", security(("bearer" = [])), params(OnQuery),
    responses((status = 200, body = KeyCoverage)))]
pub async fn key_coverage(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OnQuery>,
) -> AppResult<Json<KeyCoverage>> {
    let on = q.on.unwrap_or_else(|| state.clock.today());
    Ok(Json(KeyCoverage {
        items: keylist::items(&state.db).await?,
        coverage: keylist::coverage(&state.db, on, &user.scope()).await?,
    }))
}

/// Put a published item under key supervision.
#[utoipa::path(post, path = "/api/v1/key-list/items", tag = "catalog", security(("bearer" = [])), request_body = NewKeyItem,
    responses((status = 204), (status = 422, description = "catalog_item_not_published, validation_failed", body = Problem)))]
pub async fn key_add_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<NewKeyItem>,
) -> AppResult<StatusCode> {
    keylist::add_item(&state.db, &Editor::of(&user), state.clock.now(), &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List an entity under a key item (the item's scope must cover it).
#[utoipa::path(post, path = "/api/v1/key-list/entities", tag = "catalog", security(("bearer" = [])), request_body = NewKeyEntity,
    responses((status = 204), (status = 422, description = "entity_out_of_scope, invalid_uscc", body = Problem)))]
pub async fn key_add_entity(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<NewKeyEntity>,
) -> AppResult<StatusCode> {
    keylist::add_entity(
        &state.db,
        &user.actor(),
        user.department.as_ref().map(|d| d.kind),
        state.clock.now(),
        &user.scope(),
        &input,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct EntryId {
    pub id: i64,
}

/// Add an entry to the caller's department's tolerance list.
#[utoipa::path(post, path = "/api/v1/tolerance", tag = "catalog", security(("bearer" = [])), request_body = NewEntry,
    responses((status = 201, body = EntryId), (status = 422, body = Problem)))]
pub async fn tolerance_add(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<NewEntry>,
) -> AppResult<(StatusCode, Json<EntryId>)> {
    let dept = user.department.as_ref().ok_or_else(AppError::forbidden)?;
    let id = tolerance::add(&state.db, &user.actor(), state.clock.now(), dept.id, &input).await?;
    Ok((StatusCode::CREATED, Json(EntryId { id })))
}

#[derive(Serialize, ToSchema)]
pub struct PlanList {
    pub plans: Vec<Plan>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanOne {
    pub plan: Plan,
    pub progress: Vec<LineProgress>,
}

/// Plans of the departments in the caller's region.
#[utoipa::path(get, path = "/api/v1/plans", tag = "catalog", security(("bearer" = [])), responses((status = 200, body = PlanList)))]
pub async fn plan_list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<PlanList>> {
    Ok(Json(PlanList {
        plans: plans::readable(&state.db, &user, &user.scope().like_pattern()).await?,
    }))
}

/// Draft the caller's department's plan for a year.
#[utoipa::path(post, path = "/api/v1/plans", tag = "catalog", security(("bearer" = [])), request_body = NewPlan,
    responses((status = 201, body = PlanOne), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn plan_create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<NewPlan>,
) -> AppResult<(StatusCode, Json<PlanOne>)> {
    let dept = user.department.as_ref().ok_or_else(AppError::forbidden)?;
    let id = plans::create(&state.db, &user.actor(), state.clock.now(), dept, &input).await?;
    Ok((StatusCode::CREATED, plan_json(&state, id, None).await?))
}

async fn plan_json(state: &AppState, id: i64, reader: Option<&CurrentUser>) -> AppResult<Json<PlanOne>> {
    let plan = plans::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("plan"))?;
    // Published plans are public; others are read by the planning
    // department and its same-kind superiors.
    if let Some(user) = reader
        && plan.status != "published"
    {
        let offices = crate::platform::auth::jurisdiction::offices(&state.db).await?;
        user.check_work(offices.get(&plan.department_id), &[])?;
    }
    let progress = plans::progress(&state.db, &plan).await?;
    Ok(Json(PlanOne { plan, progress }))
}

/// One plan with its progress against the inspections recorded.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = PlanOne), (status = 404, body = Problem)))]
pub async fn plan_one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<PlanOne>> {
    plan_json(&state, id, Some(&user)).await
}

/// Move plan `id` to state `to` if the caller may.
async fn plan_move(state: &AppState, user: &CurrentUser, id: i64, to: &str) -> AppResult<StatusCode> {
    let plan = plans::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("plan"))?;
    plans::may_advance(&state.db, user, &plan, to).await?;
    plans::advance(&state.db, &user.actor(), state.clock.now(), id, to).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Approve a drafted plan (a leader).
#[utoipa::path(post, path = "/api/v1/plans/{id}/approve", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 409, body = Problem)))]
pub async fn plan_approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    plan_move(&state, &user, id, "approved").await
}

/// Publish an approved plan on the portal.
#[utoipa::path(post, path = "/api/v1/plans/{id}/publish", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 409, body = Problem)))]
pub async fn plan_publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    plan_move(&state, &user, id, "published").await
}

/// A published item as open data: what it is, its legal bases and its
/// responsible department.
#[derive(Serialize, ToSchema)]
pub struct PublicItem {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub level: String,
    pub department_kind: String,
    pub department_kind_zh: String,
    pub co_departments_zh: Vec<String>,
    /// Citations as written, e.g. 《中华人民共和国食品安全法》第八十七条.
    pub legal_basis: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub legal_basis_structured: Vec<jianguan_rules::catalog::LegalBasis>,
    pub methods: Vec<String>,
    pub checklist: Vec<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<&CatalogItem> for PublicItem {
    fn from(i: &CatalogItem) -> Self {
        let c = &i.content;
        PublicItem {
            code: i.code.clone(),
            version: i.version,
            name: c.name.clone(),
            level: c.level.label_zh().into(),
            department_kind: c.department_kind.as_str().into(),
            department_kind_zh: c.department_kind.label_zh().into(),
            co_departments_zh: c.co_kinds.iter().map(|k| k.label_zh().to_string()).collect(),
            legal_basis: c.legal_basis.iter().map(ToString::to_string).collect(),
            legal_basis_structured: c.legal_basis.clone(),
            methods: c.methods.iter().map(|m| m.label_zh().to_string()).collect(),
            checklist: c.checklist.iter().map(|p| p.text.clone()).collect(),
            updated_at: i.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicCatalog {
    pub items: Vec<PublicItem>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PublicQuery {
    /// A fragment of the code, name or legal basis.
    pub q: Option<String>,
    /// Responsible department kind.
    pub department_kind: Option<String>,
}

/// Every published catalog item with its legal basis and department. No
/// sign-in.
#[utoipa::path(get, path = "/api/v1/public/catalog", tag = "public", params(PublicQuery),
    responses((status = 200, body = PublicCatalog)))]
pub async fn public_catalog(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> AppResult<Json<PublicCatalog>> {
    let f = CatalogFilter {
        q: q.q,
        status: Some("published".into()),
        department_kind: q.department_kind,
        method: None,
    };
    let items = store::list(&state.db, &f).await?;
    Ok(Json(PublicCatalog {
        items: items.iter().map(PublicItem::from).collect(),
    }))
}

/// One published item.
#[utoipa::path(get, path = "/api/v1/public/catalog/{code}", tag = "public", params(("code" = String, Path)),
    responses((status = 200, body = PublicItem), (status = 404, body = Problem)))]
pub async fn public_item(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<PublicItem>> {
    let item = store::get(&state.db, &code)
        .await?
        .filter(|i| i.status == ItemStatus::Published)
        .ok_or_else(|| AppError::not_found("catalog item"))?;
    Ok(Json(PublicItem::from(&item)))
}

#[derive(Serialize, ToSchema)]
pub struct PublicKeyItems {
    /// Items under key supervision (the listed entities are not public).
    pub items: Vec<KeyItem>,
}

/// Items under key supervision (not the entities).
#[utoipa::path(get, path = "/api/v1/public/key-items", tag = "public", responses((status = 200, body = PublicKeyItems)))]
pub async fn public_key_items(State(state): State<AppState>) -> AppResult<Json<PublicKeyItems>> {
    Ok(Json(PublicKeyItems {
        items: keylist::items(&state.db).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PublicTolerance {
    pub entries: Vec<Entry>,
}

/// Tolerance lists of every department.
#[utoipa::path(get, path = "/api/v1/public/tolerance", tag = "public", responses((status = 200, body = PublicTolerance)))]
pub async fn public_tolerance(State(state): State<AppState>) -> AppResult<Json<PublicTolerance>> {
    Ok(Json(PublicTolerance {
        entries: tolerance::list(&state.db, None).await?,
    }))
}

/// Published annual plans.
#[utoipa::path(get, path = "/api/v1/public/plans", tag = "public", responses((status = 200, body = PlanList)))]
pub async fn public_plans(State(state): State<AppState>) -> AppResult<Json<PlanList>> {
    Ok(Json(PlanList {
        plans: plans::list(&state.db, "%", true).await?,
    }))
}

/// One published plan with its progress.
#[utoipa::path(get, path = "/api/v1/public/plans/{id}", tag = "public", params(("id" = i64, Path)),
    responses((status = 200, body = PlanOne), (status = 404, body = Problem)))]
pub async fn public_plan(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<PlanOne>> {
    let j = plan_json(&state, id, None).await?;
    if j.plan.status != "published" {
        return Err(AppError::not_found("plan"));
    }
    Ok(j)
}
