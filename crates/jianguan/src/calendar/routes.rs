//! The calendar API: `GET /api/v1/calendar` (public) and `PUT
//! /api/v1/calendar/{year}` (system administrators).

use axum::Json;
use axum::extract::{Path, State};
use jianguan_rules::calendar::{Holiday, YearSchedule};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::entered;
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::ApiJson;
use crate::platform::web::routes::api;

/// `GET /api/v1/calendar`, `PUT /api/v1/calendar/{year}`.
pub fn routes() -> Vec<crate::platform::web::RouteDef> {
    use crate::platform::auth::Access;
    use crate::platform::auth::access::roles::SYS_ADMIN;

    vec![
        api(Access::Public, routes!(list_api)),
        api(Access::Roles(SYS_ADMIN), routes!(put_api)),
    ]
}

/// One year's schedule as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearView {
    pub year: i32,
    pub source: String,
    #[schema(value_type = Vec<Object>)]
    pub holidays: Vec<Holiday>,
    #[schema(value_type = Vec<String>)]
    pub workdays: Vec<chrono::NaiveDate>,
    /// `shipped` with the platform, or the administrator who entered it.
    pub set_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct YearList {
    pub years: Vec<YearView>,
}

fn view(y: YearSchedule, set_by: String) -> YearView {
    YearView {
        year: y.year,
        source: y.source,
        holidays: y.holidays,
        workdays: y.workdays,
        set_by,
    }
}

/// The holiday schedules deadlines are counted on (public).
#[utoipa::path(get, path = "/api/v1/calendar", tag = "enforcement",
    responses((status = 200, body = YearList)))]
pub async fn list_api(State(state): State<AppState>) -> AppResult<Json<YearList>> {
    let entered = entered(&state.db).await?;
    let mut years: Vec<YearView> = YearSchedule::official()
        .into_iter()
        .filter(|o| !entered.iter().any(|(e, _, _)| e.year == o.year))
        .map(|o| view(o, "shipped".into()))
        .collect();
    years.extend(entered.into_iter().map(|(y, by, _)| view(y, by)));
    years.sort_by_key(|y| y.year);
    Ok(Json(YearList { years }))
}

/// The body of a year's schedule.
#[derive(Debug, Deserialize, ToSchema)]
pub struct YearInput {
    /// The notice it comes from, e.g. 国务院办公厅关于2027年部分节假日安排的通知.
    pub source: String,
    #[schema(value_type = Vec<Object>)]
    pub holidays: Vec<Holiday>,
    /// Weekend days worked (调休上班).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub workdays: Vec<chrono::NaiveDate>,
}

/// Enter or replace a year's schedule (system administrators; audited).
/// Deadlines already stored keep their dates; new ones count on it.
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "enforcement", security(("bearer" = [])),
    params(("year" = i32, Path)), request_body = YearInput,
    responses((status = 200, body = YearList), (status = 422, body = Problem)))]
pub async fn put_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<String>,
    ApiJson(input): ApiJson<YearInput>,
) -> AppResult<Json<YearList>> {
    let invalid = |m: String| AppError::field(ErrorCode::ValidationFailed, "year", m);
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| invalid("年份应为 2000 至 2100 之间的整数".into()))?;
    if input.source.trim().is_empty() {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "source",
            "写明放假安排的来源（通知名称）",
        ));
    }
    let schedule = YearSchedule {
        year,
        source: input.source.trim().into(),
        holidays: input.holidays,
        workdays: input.workdays,
    };
    schedule.validate().map_err(|e| invalid(e.to_string()))?;
    let now = state.clock.now();
    super::set_year(&state.db, &user.actor(), now, &schedule).await?;
    list_api(State(state)).await
}
