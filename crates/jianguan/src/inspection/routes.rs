//! HTTP API and pages of inspections: record one (through the catalog's
//! guard), list an entity's or one's department's inspections.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::{self, Inspection, METHODS, NewInspection, OUTCOMES, SOURCES, label};
use crate::catalog::model::CatalogItem;
use crate::catalog::store as catalog;
use crate::platform::auth::access::roles::{REGULATORS, REGULATORS_AND_ENTERPRISE};
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::{AppError, AppResult, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::{ApiJson, PageForm};
use crate::platform::web::routes::{RouteDef, def};
use crate::platform::web::templates::{Layout, form_error, layout, render};
use crate::registry::routes::visible_entity;

/// The enterprise user, for its own entity.
pub const ENTERPRISE: &[jianguan_rules::Role] = &[jianguan_rules::Role::Enterprise];

/// Inspectors and department administrators record inspections.
pub const RECORDERS: &[jianguan_rules::Role] = &[
    jianguan_rules::Role::Inspector,
    jianguan_rules::Role::DeptAdmin,
    jianguan_rules::Role::SysAdmin,
];

pub fn routes() -> Vec<RouteDef> {
    vec![
        def(
            Method::POST,
            "/api/v1/inspections",
            Access::Roles(RECORDERS),
            post(create),
        ),
        def(Method::GET, "/api/v1/inspections", Access::Roles(REGULATORS), get(list)),
        def(Method::GET, "/inspections", Access::Roles(REGULATORS), get(page)),
        def(Method::POST, "/inspections", Access::Roles(RECORDERS), post(submit)),
        def(
            Method::GET,
            "/entities/{uscc}/qr.svg",
            Access::Roles(REGULATORS_AND_ENTERPRISE),
            get(super::qr::qr_svg),
        ),
        def(
            Method::GET,
            "/entities/{uscc}/qr.png",
            Access::Roles(REGULATORS_AND_ENTERPRISE),
            get(super::qr::qr_png),
        ),
        def(
            Method::GET,
            "/entities/{uscc}/qr",
            Access::Roles(REGULATORS_AND_ENTERPRISE),
            get(super::qr::poster),
        ),
        def(Method::GET, "/q/{uscc}", Access::Public, get(super::qr::scan)),
        def(
            Method::POST,
            "/api/v1/checkins",
            Access::Roles(RECORDERS),
            post(checkin_api),
        ),
        def(
            Method::POST,
            "/api/v1/inspections/{id}/confirm",
            Access::Roles(ENTERPRISE),
            post(super::receipt::confirm_api),
        ),
        def(
            Method::GET,
            "/api/v1/inspections/{id}/feedback",
            Access::Roles(super::receipt::SUPERVISORS),
            get(super::receipt::feedback_api),
        ),
        def(
            Method::GET,
            "/enterprise/inspections",
            Access::Roles(ENTERPRISE),
            get(super::receipt::visits),
        ),
        def(
            Method::POST,
            "/enterprise/inspections/{id}/confirm",
            Access::Roles(ENTERPRISE),
            post(super::receipt::confirm_submit),
        ),
        def(
            Method::GET,
            "/inspections/{id}/receipt",
            Access::Roles(REGULATORS_AND_ENTERPRISE),
            get(super::receipt::receipt),
        ),
        def(
            Method::POST,
            "/inspections/checkin",
            Access::Roles(RECORDERS),
            post(checkin_submit),
        ),
        def(
            Method::POST,
            "/api/v1/inspections/{id}/evidence",
            Access::Roles(RECORDERS),
            post(super::evidence::upload).layer(axum::extract::DefaultBodyLimit::max(
                super::evidence::MAX_BYTES + 64 * 1024,
            )),
        ),
        def(
            Method::GET,
            "/api/v1/evidence/{id}",
            Access::Roles(REGULATORS),
            get(super::evidence::read),
        ),
    ]
}

#[derive(Serialize, ToSchema)]
pub struct InspectionOne {
    pub inspection: Inspection,
}

/// Record an inspection. Every cited item must be a published item of the
/// caller's kind of department whose scope covers the entity; an on-site
/// inspection needs two certified inspectors.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspection", security(("bearer" = [])), request_body = NewInspection,
    responses((status = 201, body = InspectionOne),
              (status = 403, description = "department_not_responsible, out_of_scope", body = Problem),
              (status = 422, description = "catalog_item_not_published, entity_out_of_scope, inspection_team_invalid, invalid_uscc", body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<NewInspection>,
) -> AppResult<(StatusCode, Json<InspectionOne>)> {
    let inspection = store::create(&state.db, &user, state.clock.now(), &input).await?;
    Ok((StatusCode::CREATED, Json(InspectionOne { inspection })))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// An entity's credit code; without it, the caller's department's latest.
    pub uscc: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InspectionList {
    pub inspections: Vec<Inspection>,
}

/// Inspections of an entity, or the latest of the caller's department.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspection", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = InspectionList)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<InspectionList>> {
    let inspections = match q.uscc.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => {
            let e = visible_entity(&state, &user, code).await?;
            store::for_entity(&state.db, &e.uscc).await?
        }
        None => match &user.department {
            Some(d) => store::for_department(&state.db, d.id, 200).await?,
            None => Vec::new(),
        },
    };
    Ok(Json(InspectionList { inspections }))
}

/// A row of the list page.
pub struct Row {
    pub i: Inspection,
}

impl Row {
    pub fn method_zh(&self) -> &'static str {
        label(&METHODS, &self.i.method)
    }
    pub fn source_zh(&self) -> &'static str {
        label(&SOURCES, &self.i.source)
    }
    pub fn outcome_zh(&self) -> &'static str {
        label(&OUTCOMES, &self.i.outcome)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InspectionForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub item_code: String,
    #[serde(default)]
    pub more_items: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub inspected_on: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub checkin_id: String,
    #[serde(default)]
    pub no_checkin_reason: String,
}

#[derive(Template)]
#[template(path = "inspection/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    pub items: Vec<CatalogItem>,
    pub form: InspectionForm,
    /// Scanned but not yet checked in: offer the check-in.
    pub offer_checkin: bool,
    pub can_record: bool,
    pub error: Option<String>,
    pub methods: Vec<(&'static str, &'static str)>,
    pub sources: Vec<(&'static str, &'static str)>,
    pub outcomes: Vec<(&'static str, &'static str)>,
}

async fn page_for(state: &AppState, user: &CurrentUser, form: InspectionForm) -> AppResult<ListPage> {
    let rows = match &user.department {
        Some(d) => store::for_department(&state.db, d.id, 50).await?,
        None => Vec::new(),
    };
    let items = catalog::published_for(&state.db, user.department.as_ref().map(|d| d.kind)).await?;
    Ok(ListPage {
        layout: layout(Some(user), "检查记录", "/inspections"),
        rows: rows.into_iter().map(|i| Row { i }).collect(),
        items,
        offer_checkin: false,
        form,
        can_record: RECORDERS.contains(&user.role()) && user.department.is_some(),
        error: None,
        methods: METHODS.to_vec(),
        sources: SOURCES.to_vec(),
        outcomes: OUTCOMES.to_vec(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Prefilled entity (after scanning its QR code).
    pub uscc: Option<String>,
    /// The check-in just made.
    pub checkin: Option<i64>,
    /// Came here by scanning the entity's code.
    pub scanned: Option<u8>,
}

pub async fn page(State(state): State<AppState>, user: CurrentUser, Query(q): Query<PageQuery>) -> AppResult<Response> {
    let form = InspectionForm {
        uscc: q.uscc.clone().unwrap_or_default(),
        checkin_id: q.checkin.map(|c| c.to_string()).unwrap_or_default(),
        inspected_on: crate::audit::store::china_day(state.clock.now()).to_string(),
        team: if user.role() == jianguan_rules::Role::Inspector {
            user.user.username.clone()
        } else {
            String::new()
        },
        method: "on_site".into(),
        source: "adhoc".into(),
        outcome: "no_problem".into(),
        ..Default::default()
    };
    let mut page = page_for(&state, &user, form).await?;
    page.offer_checkin = q.scanned == Some(1) && q.checkin.is_none() && q.uscc.is_some();
    Ok(render(&page))
}

pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(form): PageForm<InspectionForm>,
) -> AppResult<Response> {
    let result = async {
        let split = |s: &str| -> Vec<String> {
            s.split([',', '，', '；', ';', '、', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut items = split(&form.item_code);
        items.extend(split(&form.more_items));
        let inspected_on = form.inspected_on.parse().map_err(|_| {
            AppError::field(
                crate::platform::error::ErrorCode::ValidationFailed,
                "inspected_on",
                "a date",
            )
        })?;
        let input = NewInspection {
            uscc: form.uscc.trim().to_string(),
            items,
            method: form.method.clone(),
            source: form.source.clone(),
            inspected_on,
            team: split(&form.team),
            outcome: form.outcome.clone(),
            notes: form.notes.clone(),
            checkin_id: form.checkin_id.trim().parse().ok(),
            no_checkin_reason: form.no_checkin_reason.clone(),
        };
        store::create(&state.db, &user, state.clock.now(), &input).await
    }
    .await;
    match result {
        Ok(i) => Ok(Redirect::to(&format!("/registry/entities/{}", i.uscc)).into_response()),
        Err(e) => {
            let page = page_for(&state, &user, form).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckInRequest {
    pub uscc: String,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// Check in at an entity (on site, after scanning its QR code).
#[utoipa::path(post, path = "/api/v1/checkins", tag = "inspection", security(("bearer" = [])), request_body = CheckInRequest,
    responses((status = 201, body = store::CheckIn), (status = 422, body = Problem)))]
pub async fn checkin_api(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(r): ApiJson<CheckInRequest>,
) -> AppResult<(StatusCode, Json<store::CheckIn>)> {
    let c = store::check_in(&state.db, &user, state.clock.now(), &r.uscc, r.latitude, r.longitude).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Debug, Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub latitude: String,
    #[serde(default)]
    pub longitude: String,
}

pub async fn checkin_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<CheckInForm>,
) -> AppResult<Response> {
    let c = store::check_in(
        &state.db,
        &user,
        state.clock.now(),
        &f.uscc,
        f.latitude.trim().parse().ok(),
        f.longitude.trim().parse().ok(),
    )
    .await?;
    Ok(Redirect::to(&format!("/inspections?uscc={}&checkin={}", c.uscc, c.id)).into_response())
}
