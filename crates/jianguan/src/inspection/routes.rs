//! HTTP API and pages of inspections: record one (through the catalog's
//! guard), list an entity's or one's department's inspections.

use askama::Template;
use axum::Json;
use axum::extract::{Query, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::store::{self, Inspection, NewInspection};
use crate::platform::auth::access::roles::{REGULATORS, REGULATORS_AND_ENTERPRISE};
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::{AppResult, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::{ApiJson, PageForm};
use crate::platform::web::routes::{RouteDef, api, def};
use crate::platform::web::templates::{Layout, layout, render};
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
        api(Access::Roles(RECORDERS), routes!(create)),
        api(Access::Roles(REGULATORS), routes!(list)),
        def(Method::GET, "/inspections", Access::Roles(REGULATORS), get(page)),
        def(
            Method::GET,
            "/inspections/new",
            Access::Roles(RECORDERS),
            get(super::form::new_page),
        ),
        def(
            Method::POST,
            "/inspections/new",
            Access::Roles(RECORDERS),
            post(super::form::submit).layer(axum::extract::DefaultBodyLimit::max(4 * super::evidence::MAX_BYTES)),
        ),
        def(
            Method::GET,
            "/inspections/{id}",
            Access::Roles(REGULATORS),
            get(super::detail::page),
        ),
        api(Access::Roles(REGULATORS), routes!(super::detail::get_api)),
        api(Access::Roles(REGULATORS), routes!(super::detail::rectifications_api)),
        api(
            Access::Roles(super::receipt::SUPERVISORS),
            routes!(super::detail::alerts_api),
        ),
        api(
            Access::Roles(&[jianguan_rules::Role::SysAdmin]),
            routes!(super::detail::set_rule_api),
        ),
        api(Access::Roles(RECORDERS), routes!(super::evidence::upload_staged)).map(|h| {
            h.layer(axum::extract::DefaultBodyLimit::max(
                super::evidence::MAX_BYTES + 64 * 1024,
            ))
        }),
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
        api(Access::Roles(RECORDERS), routes!(checkin_api)),
        api(
            Access::Roles(&[jianguan_rules::Role::Inspector]),
            routes!(super::cosign::cosign_api),
        ),
        def(
            Method::POST,
            "/inspections/{id}/cosign",
            Access::Roles(&[jianguan_rules::Role::Inspector]),
            post(super::cosign::cosign_submit),
        ),
        api(Access::Roles(ENTERPRISE), routes!(super::receipt::confirm_api)),
        api(
            Access::Roles(super::receipt::SUPERVISORS),
            routes!(super::receipt::feedback_api),
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
        api(Access::Roles(RECORDERS), routes!(super::evidence::upload)).map(|h| {
            h.layer(axum::extract::DefaultBodyLimit::max(
                super::evidence::MAX_BYTES + 64 * 1024,
            ))
        }),
        api(Access::Roles(REGULATORS), routes!(super::evidence::read)),
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
            let offices = crate::platform::auth::jurisdiction::offices(&state.db).await?;
            let mut out = Vec::new();
            for i in store::for_entity(&state.db, &e.uscc).await? {
                let partners = store::work_partners(&state.db, &i).await?;
                if user.reads_work(offices.get(&i.department_id), &partners) {
                    out.push(i);
                }
            }
            out
        }
        None => match &user.department {
            Some(d) => store::for_department(&state.db, d.id, 200).await?,
            None => Vec::new(),
        },
    };
    Ok(Json(InspectionList { inspections }))
}

#[derive(Template)]
#[template(path = "inspection/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<Inspection>,
    pub rectifications: Vec<super::links::Rectification>,
    pub alerts: Vec<super::alerts::Alert>,
    pub rule: super::alerts::AlertRule,
    pub can_record: bool,
    pub supervisor: bool,
}

/// `GET /inspections`: the department's records, its orders to rectify and,
/// for supervisors, the too-frequent-visit alerts of their region. The
/// old `?uscc=&checkin=` links of earlier scans lead to the new form.
pub async fn page(State(state): State<AppState>, user: CurrentUser, RawQuery(raw): RawQuery) -> AppResult<Response> {
    if let Some(q) = raw.filter(|q| q.contains("uscc=")) {
        return Ok(Redirect::to(&format!("/inspections/new?{q}")).into_response());
    }
    let today = state.clock.today();
    let (rows, rectifications) = match &user.department {
        Some(d) => (
            store::for_department(&state.db, d.id, 50).await?,
            super::links::rectifications(&state.db, d.id, today).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let supervisor = super::receipt::SUPERVISORS.contains(&user.role());
    let alerts = if supervisor {
        super::detail::alerts_for(&state, &user).await?
    } else {
        Vec::new()
    };
    Ok(render(&ListPage {
        layout: layout(Some(&user), "检查记录", "/inspections"),
        rows,
        rectifications,
        alerts,
        rule: super::alerts::rule(&state.db).await?,
        can_record: RECORDERS.contains(&user.role()) && user.department.is_some(),
        supervisor,
    }))
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
    Ok(Redirect::to(&format!("/inspections/new?uscc={}&checkin={}", c.uscc, c.id)).into_response())
}
