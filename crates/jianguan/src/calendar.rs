//! The working-day calendar as the platform uses it: the schedules shipped
//! in `jianguan_rules::calendar` plus the years an administrator entered
//! (`PUT /api/v1/calendar/{year}`), the latter winning for their year.
//! It sits below the contexts: enforcement counts its periods on it now,
//! complaints, credit and approvals next.

use crate::platform::web::routes::api;
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use jianguan_rules::calendar::{Calendar, Holiday, YearSchedule};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::audit::record;
use crate::platform::auth::CurrentUser;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::ApiJson;
use crate::{on_db, on_tx};

/// A context that counts deadlines on the calendar recounts the ones still
/// running when an administrator enters a year, in that transaction;
/// returns how many it moved. Declared here, implemented above (enforcement
/// now; complaints, credit next), wired by the root.
pub type Recount = for<'a> fn(
    &'a mut crate::platform::db::Tx,
    &'a crate::audit::Actor,
    DateTime<Utc>,
    &'a Calendar,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<usize>> + Send + 'a>>;

static RECOUNTS: std::sync::OnceLock<Vec<Recount>> = std::sync::OnceLock::new();

/// Plug in the contexts' recounts (the first wiring wins).
pub fn wire_recounts(recounts: Vec<Recount>) {
    let _ = RECOUNTS.set(recounts);
}

/// `GET /api/v1/calendar`, `PUT /api/v1/calendar/{year}`.
pub fn routes() -> Vec<crate::platform::web::RouteDef> {
    use crate::platform::auth::Access;
    use crate::platform::auth::access::roles::SYS_ADMIN;

    vec![
        api(Access::Public, routes!(list_api)),
        api(Access::Roles(SYS_ADMIN), routes!(put_api)),
    ]
}

/// Years entered by administrators.
async fn entered(db: &Db) -> AppResult<Vec<(YearSchedule, String, DateTime<Utc>)>> {
    let rows: Vec<(String, String, DateTime<Utc>)> = on_db!(db, pool => sqlx::query_as(
        "select schedule, set_by, set_at from calendar_years order by year").fetch_all(pool).await?);
    rows.into_iter()
        .map(|(s, by, at)| Ok((serde_json::from_str(&s).map_err(AppError::internal)?, by, at)))
        .collect()
}

/// The calendar deadlines are counted on.
pub async fn load(db: &Db) -> AppResult<Calendar> {
    let mut cal = Calendar::official();
    for (y, _, _) in entered(db).await? {
        cal.set_year(&y).map_err(AppError::internal)?;
    }
    Ok(cal)
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
    let text = serde_json::to_string(&schedule).map_err(AppError::internal)?;
    let now = state.clock.now();
    let actor = user.actor();
    // Deadlines still running are recounted on the new schedule.
    let mut cal = load(&state.db).await?;
    cal.set_year(&schedule).map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    on_tx!(tx, c => sqlx::query(
        "insert into calendar_years (year, schedule, set_by, set_at) values ($1, $2, $3, $4)
         on conflict (year) do update set schedule = excluded.schedule, set_by = excluded.set_by, set_at = excluded.set_at")
        .bind(year).bind(&text).bind(actor.as_string()).bind(now).execute(&mut *c).await?.rows_affected());
    let mut recounted = 0;
    for recount in RECOUNTS.get().map(Vec::as_slice).unwrap_or_default() {
        recounted += recount(&mut tx, &actor, now, &cal).await?;
    }
    record(
        &mut tx,
        now,
        &actor,
        "calendar.year_set",
        ("calendar", &year.to_string()),
        &json!({"schedule": schedule, "deadlines_recounted": recounted}),
    )
    .await?;
    tx.commit().await?;
    list_api(State(state)).await
}
