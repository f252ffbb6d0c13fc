//! The risk API: `GET` and `PUT /api/v1/entities/{uscc}/risk`. Handlers
//! parse, call `risk::grade` or `risk::for_entity`, and answer.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::{Grade, GradeInput, for_entity};
use crate::platform::auth::access::roles::{ADMINS, REGULATORS};
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::ApiJson;
use crate::platform::web::routes::{RouteDef, api};
use crate::registry::routes::visible_entity;

pub fn routes() -> Vec<RouteDef> {
    vec![
        api(Access::Roles(REGULATORS), routes!(list_api)),
        api(Access::Roles(ADMINS), routes!(grade_api)),
    ]
}

#[derive(Serialize, ToSchema)]
pub struct GradeList {
    pub grades: Vec<Grade>,
}

/// The risk levels fields graded an entity at (regulators of its region).
#[utoipa::path(get, path = "/api/v1/entities/{uscc}/risk", tag = "registry", security(("bearer" = [])),
    params(("uscc" = String, Path)), responses((status = 200, body = GradeList), (status = 403, body = Problem)))]
pub async fn list_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(uscc): Path<String>,
) -> AppResult<Json<GradeList>> {
    let e = visible_entity(&state, &user, &uscc).await?;
    Ok(Json(GradeList {
        grades: for_entity(&state.db, &e.uscc).await?,
    }))
}

/// Grade an entity for the caller's kind of department (replacing that
/// kind's previous grade; the change is in the audit chain).
#[utoipa::path(put, path = "/api/v1/entities/{uscc}/risk", tag = "registry", security(("bearer" = [])),
    params(("uscc" = String, Path)), request_body = GradeInput,
    responses((status = 200, body = Grade), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn grade_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(uscc): Path<String>,
    ApiJson(input): ApiJson<GradeInput>,
) -> AppResult<Json<Grade>> {
    let e = visible_entity(&state, &user, &uscc).await?;
    let dept = user
        .department
        .as_ref()
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "只有部门可以评定风险等级"))?;
    Ok(Json(
        super::grade(&state.db, &user.actor(), state.clock.now(), dept, &e.uscc, &input).await?,
    ))
}
