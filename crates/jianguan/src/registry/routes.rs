//! HTTP API of the registry: entities, their chain, versions and licences,
//! export, imports, and the reference tables.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jianguan_rules::{Role, Uscc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::chain::{ChainEvent, chain_for};
use super::model::{Entity, EntityDraft, EntityInput, Licence};
use super::refdata::{DIVISIONS, INDUSTRIES};
use super::store::{self, EntityFilter, EntityVersion};
use super::{jobs, views};
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::platform::web::AppState;
use crate::platform::web::extract::ApiJson;
use crate::platform::web::routes::{RouteDef, api, def};

/// Regulators read the registry; enterprise users read their own entity;
/// administrators maintain it.
pub use crate::platform::auth::access::roles::{
    ADMINS as WRITERS, REGULATORS as READERS, REGULATORS_AND_ENTERPRISE as READERS_AND_OWNER,
};

pub fn routes() -> Vec<RouteDef> {
    let upload_limit = axum::extract::DefaultBodyLimit::max(512 * 1024 * 1024);
    vec![
        api(Access::Roles(READERS), routes!(list)),
        api(Access::Roles(WRITERS), routes!(create)),
        api(Access::Roles(READERS), routes!(export)),
        api(Access::Roles(READERS_AND_OWNER), routes!(one)),
        api(Access::Roles(WRITERS), routes!(update)),
        api(Access::Roles(READERS_AND_OWNER), routes!(entity_chain)),
        api(Access::Roles(READERS), routes!(entity_versions)),
        api(Access::Roles(WRITERS), routes!(add_licence)),
        api(Access::Roles(WRITERS), routes!(upload)).map(|h| h.layer(upload_limit)),
        api(Access::Roles(WRITERS), routes!(import_status)),
        api(Access::Roles(WRITERS), routes!(import_errors)),
        api(Access::Public, routes!(divisions)),
        api(Access::Public, routes!(industries)),
        def(
            Method::GET,
            "/registry/entities",
            Access::Roles(READERS),
            get(views::list_page),
        ),
        def(
            Method::GET,
            "/registry/entities/new",
            Access::Roles(WRITERS),
            get(views::new_page),
        ),
        def(
            Method::POST,
            "/registry/entities",
            Access::Roles(WRITERS),
            post(views::create_submit),
        ),
        def(
            Method::GET,
            "/registry/entities/{uscc}",
            Access::Roles(READERS_AND_OWNER),
            get(views::detail_page),
        ),
        def(
            Method::GET,
            "/registry/entities/{uscc}/edit",
            Access::Roles(WRITERS),
            get(views::edit_page),
        ),
        def(
            Method::POST,
            "/registry/entities/{uscc}",
            Access::Roles(WRITERS),
            post(views::edit_submit),
        ),
        def(
            Method::GET,
            "/registry/import",
            Access::Roles(WRITERS),
            get(views::import_page),
        ),
        def(
            Method::POST,
            "/registry/import",
            Access::Roles(WRITERS),
            post(views::import_submit).layer(upload_limit),
        ),
        def(
            Method::GET,
            "/registry/imports/{id}",
            Access::Roles(WRITERS),
            get(views::import_progress),
        ),
    ]
}

/// Parse a code from a path, or answer 422 `invalid_uscc`.
pub fn parse_uscc(code: &str) -> AppResult<Uscc> {
    Uscc::parse(code).map_err(|e| AppError::field(ErrorCode::InvalidUscc, "uscc", e.to_string()))
}

/// Load an entity the caller may see: regulators within their region,
/// enterprise users their own.
pub async fn visible_entity(state: &AppState, user: &CurrentUser, code: &str) -> AppResult<Entity> {
    let uscc = parse_uscc(code)?;
    let entity = store::get(&state.db, uscc.as_str())
        .await?
        .ok_or_else(|| AppError::not_found("entity"))?;
    let ok = match user.role() {
        Role::Enterprise => user.user.uscc.as_deref() == Some(uscc.as_str()),
        _ => user.reads_territory(&entity.division_code),
    };
    if !ok {
        return Err(AppError::out_of_scope());
    }
    Ok(entity)
}

/// The register is kept by the registration authorities, the market
/// regulation departments (市场主体登记管理条例实施细则第三条、第四条:
/// 登记机关); other departments read it and add the licences they issue.
pub fn check_registrar(user: &CurrentUser) -> AppResult<()> {
    let registrar = user
        .viewer()
        .keeps_register(crate::org::model::DeptKind::MarketRegulation);
    if registrar {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            "市场主体登记由市场监督管理部门办理；本部门可查阅并登记本部门核发的许可",
        ))
    }
}

/// Validate a draft against the reference tables and the caller's region.
pub fn validate(user: &CurrentUser, draft: &EntityDraft) -> AppResult<EntityInput> {
    check_registrar(user)?;
    let input = draft.validate(|c| DIVISIONS.contains(c), |c| INDUSTRIES.contains(c))?;
    if !user.scope().covers(&input.division) {
        return Err(AppError::out_of_scope());
    }
    Ok(input)
}

#[derive(Serialize, ToSchema)]
pub struct EntityPage {
    pub entities: Vec<Entity>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Search entities in the caller's region.
#[utoipa::path(get, path = "/api/v1/entities", tag = "registry", security(("bearer" = [])), params(EntityFilter),
    responses((status = 200, body = EntityPage), (status = 403, body = crate::platform::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<EntityFilter>,
) -> AppResult<Json<EntityPage>> {
    let (entities, total) = search(&state, &f, &user.scope()).await?;
    Ok(Json(EntityPage {
        entities,
        total,
        page: f.page(),
        per_page: f.per_page(),
    }))
}

/// Search entities: with text, through the full-text index (brought up to
/// date with the database first, so a change is found at once); filters
/// alone, or without an index, through SQL.
pub async fn search(
    state: &AppState,
    f: &EntityFilter,
    scope: &jianguan_rules::access::DataScope,
) -> AppResult<(Vec<Entity>, i64)> {
    f.check()?;
    let has_text = f.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    if let (true, Some(super::search::Shared(index))) = (has_text, state.part::<super::search::Shared>()) {
        index.catch_up(&state.db).await?;
        let (codes, total) = index.search(f, scope)?;
        return Ok((store::get_many(&state.db, &codes).await?, total));
    }
    Ok(store::list(&state.db, f, scope).await?)
}

#[derive(Serialize, ToSchema)]
pub struct EntityOne {
    pub entity: Entity,
    pub licences: Vec<Licence>,
}

/// Register an entity.
#[utoipa::path(post, path = "/api/v1/entities", tag = "registry", security(("bearer" = [])), request_body = EntityDraft,
    responses((status = 201, body = EntityOne), (status = 409, description = "entity_exists", body = crate::platform::error::Problem),
              (status = 422, description = "invalid_uscc, validation_failed", body = crate::platform::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(draft): ApiJson<EntityDraft>,
) -> AppResult<(StatusCode, Json<EntityOne>)> {
    let input = validate(&user, &draft)?;
    let entity = store::create(&state.db, &user.actor(), state.clock.now(), &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(EntityOne {
            entity,
            licences: Vec::new(),
        }),
    ))
}

/// One entity with its licences.
#[utoipa::path(get, path = "/api/v1/entities/{uscc}", tag = "registry", security(("bearer" = [])),
    params(("uscc" = String, Path, description = "Unified social credit code")),
    responses((status = 200, body = EntityOne), (status = 404, body = crate::platform::error::Problem),
              (status = 422, description = "invalid_uscc", body = crate::platform::error::Problem)))]
pub async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<EntityOne>> {
    let entity = visible_entity(&state, &user, &code).await?;
    let licences = store::licences(&state.db, &entity.uscc).await?;
    Ok(Json(EntityOne { entity, licences }))
}

/// Change an entity; the previous state is kept as a version.
#[utoipa::path(put, path = "/api/v1/entities/{uscc}", tag = "registry", security(("bearer" = [])), request_body = EntityDraft,
    params(("uscc" = String, Path)),
    responses((status = 200, body = EntityOne), (status = 422, description = "invalid_uscc, validation_failed", body = crate::platform::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(mut draft): ApiJson<EntityDraft>,
) -> AppResult<Json<EntityOne>> {
    let existing = visible_entity(&state, &user, &code).await?;
    // The code in the path is the key; a body cannot move the record.
    draft.uscc = existing.uscc.clone();
    let input = validate(&user, &draft)?;
    let entity = store::update(&state.db, &user.actor(), state.clock.now(), &input).await?;
    let licences = store::licences(&state.db, &entity.uscc).await?;
    Ok(Json(EntityOne { entity, licences }))
}

#[derive(Serialize, ToSchema)]
pub struct ChainOut {
    pub events: Vec<ChainEvent>,
}

/// The entity's supervision information chain, newest first.
#[utoipa::path(get, path = "/api/v1/entities/{uscc}/chain", tag = "registry", security(("bearer" = [])),
    params(("uscc" = String, Path)), responses((status = 200, body = ChainOut)))]
pub async fn entity_chain(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<ChainOut>> {
    let entity = visible_entity(&state, &user, &code).await?;
    Ok(Json(ChainOut {
        events: chain_for(&state, &user, &entity.uscc).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct VersionsOut {
    pub versions: Vec<EntityVersion>,
}

/// Superseded versions of an entity, newest first.
#[utoipa::path(get, path = "/api/v1/entities/{uscc}/versions", tag = "registry", security(("bearer" = [])),
    params(("uscc" = String, Path)), responses((status = 200, body = VersionsOut)))]
pub async fn entity_versions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<VersionsOut>> {
    let entity = visible_entity(&state, &user, &code).await?;
    Ok(Json(VersionsOut {
        versions: store::versions(&state.db, &entity.uscc).await?,
    }))
}

/// Record a licence the entity holds.
#[utoipa::path(post, path = "/api/v1/entities/{uscc}/licences", tag = "registry", security(("bearer" = [])),
    params(("uscc" = String, Path)), request_body = Licence, responses((status = 201, body = EntityOne)))]
pub async fn add_licence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(l): ApiJson<Licence>,
) -> AppResult<(StatusCode, Json<EntityOne>)> {
    let entity = visible_entity(&state, &user, &code).await?;
    store::add_licence(&state.db, &user.actor(), state.clock.now(), &entity.uscc, &l).await?;
    let licences = store::licences(&state.db, &entity.uscc).await?;
    Ok((StatusCode::CREATED, Json(EntityOne { entity, licences })))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// Every entity matching the filters, as CSV (UTF-8 with BOM) or XLSX.
#[utoipa::path(get, path = "/api/v1/entities/export", tag = "registry", security(("bearer" = [])), params(EntityFilter, ExportQuery),
    responses((status = 200, description = "the file", content_type = "text/csv")))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<EntityFilter>,
    Query(x): Query<ExportQuery>,
) -> AppResult<Response> {
    let entities = super::export::collect(&state.db, &f, &user.scope()).await?;
    // A bulk export carries names, representatives and addresses of a
    // region: who took which, and how many, is on the audit chain.
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    crate::audit::record(
        &mut tx,
        now,
        &user.actor(),
        "registry.exported",
        ("entities", "export"),
        &serde_json::json!({"filter": {"q": f.q, "division": f.division, "industry": f.industry,
                            "entity_type": f.entity_type, "status": f.status},
                            "format": x.format.as_deref().unwrap_or("csv"), "rows": entities.len()}),
    )
    .await?;
    tx.commit().await?;
    let xlsx = x.format.as_deref() == Some("xlsx");
    let dir = tempfile_dir(&state)?;
    let path = dir.join(if xlsx { "export.xlsx" } else { "export.csv" });
    let p = path.clone();
    tokio::task::spawn_blocking(move || super::export::write(&p, &entities))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::new(ErrorCode::ValidationFailed, format!("{e:#}")))?;
    let bytes = tokio::fs::read(&path).await.map_err(AppError::internal)?;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    let (ct, name) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "entities.xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", "entities.csv")
    };
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

fn tempfile_dir(state: &AppState) -> AppResult<std::path::PathBuf> {
    let token = crate::platform::keys::random_token(9).map_err(AppError::internal)?;
    let dir = state.settings.data_dir.join("tmp").join(token);
    std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
    Ok(dir)
}

#[derive(Serialize, ToSchema)]
pub struct ImportAccepted {
    pub job_id: String,
    /// Poll this for progress.
    pub status_url: String,
}

/// Upload a CSV or XLSX file of entities (multipart field `file`); the import
/// runs in the background.
#[utoipa::path(post, path = "/api/v1/imports/entities", tag = "registry", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "field `file`: .csv (UTF-8 or GB18030) or .xlsx"),
    responses((status = 202, body = ImportAccepted), (status = 415, description = "unsupported_file", body = crate::platform::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> AppResult<(StatusCode, Json<ImportAccepted>)> {
    let job_id = jobs::start_upload(&state, &user, multipart).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ImportAccepted {
            status_url: format!("/api/v1/imports/{job_id}"),
            job_id,
        }),
    ))
}

/// Progress and outcome of an import.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "registry", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = jobs::ImportJob), (status = 404, body = crate::platform::error::Problem)))]
pub async fn import_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<jobs::ImportJob>> {
    Ok(Json(jobs::visible(&state, &user, &id).await?))
}

/// The rejected rows of an import, with line and reason (CSV).
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors.csv", tag = "registry", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "text/csv"), (status = 404, body = crate::platform::error::Problem)))]
pub async fn import_errors(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let job = jobs::visible(&state, &user, &id).await?;
    let path = job.errors_file.ok_or_else(|| AppError::not_found("error file"))?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| AppError::not_found("error file"))?;
    let mut res = bytes.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"import-errors.csv\""),
    );
    Ok(res)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RefQuery {
    /// Only the children of this code (omit for the top level).
    pub parent: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RefItem {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RefList {
    pub items: Vec<RefItem>,
}

fn ref_list(t: &super::refdata::RefTable, parent: Option<&str>) -> RefList {
    RefList {
        items: t
            .rows
            .iter()
            .filter(|r| r.parent.as_deref() == parent)
            .map(|r| RefItem {
                code: r.code.clone(),
                name: r.name.clone(),
                level: r.level.clone(),
                parent: r.parent.clone(),
            })
            .collect(),
    }
}

/// GB/T 2260 divisions: provinces, or the children of `parent` (public).
#[utoipa::path(get, path = "/api/v1/refdata/divisions", tag = "registry", params(RefQuery), responses((status = 200, body = RefList)))]
pub async fn divisions(Query(q): Query<RefQuery>) -> Json<RefList> {
    Json(ref_list(&DIVISIONS, q.parent.as_deref().filter(|s| !s.is_empty())))
}

/// GB/T 4754-2017 industries: sections, or the children of `parent` (public).
#[utoipa::path(get, path = "/api/v1/refdata/industries", tag = "registry", params(RefQuery), responses((status = 200, body = RefList)))]
pub async fn industries(Query(q): Query<RefQuery>) -> Json<RefList> {
    Json(ref_list(&INDUSTRIES, q.parent.as_deref().filter(|s| !s.is_empty())))
}
