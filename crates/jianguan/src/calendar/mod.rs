//! The working-day calendar as the platform uses it: the schedules shipped
//! in `jianguan_rules::calendar` plus the years an administrator entered
//! (`PUT /api/v1/calendar/{year}`), the latter winning for their year.
//! It sits below the contexts: enforcement counts its periods on it now,
//! complaints, credit and approvals next.

use chrono::{DateTime, Utc};
use jianguan_rules::calendar::{Calendar, YearSchedule};
use serde_json::json;

use crate::audit::record;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult};
use crate::{on_db, on_tx};

pub mod routes;

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

/// Years entered by administrators.
pub async fn entered(db: &Db) -> AppResult<Vec<(YearSchedule, String, DateTime<Utc>)>> {
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

/// Enter or replace a year's schedule (audited); deadlines still running
/// are recounted on it by every context wired to [`Recount`]. Returns how
/// many moved.
pub async fn set_year(
    db: &Db,
    actor: &crate::audit::Actor,
    now: DateTime<Utc>,
    schedule: &YearSchedule,
) -> AppResult<usize> {
    let text = serde_json::to_string(schedule).map_err(AppError::internal)?;
    // Deadlines still running are recounted on the new schedule.
    let mut cal = load(db).await?;
    cal.set_year(schedule).map_err(AppError::internal)?;
    let mut tx = db.begin().await?;
    on_tx!(tx, c => sqlx::query(
        "insert into calendar_years (year, schedule, set_by, set_at) values ($1, $2, $3, $4)
         on conflict (year) do update set schedule = excluded.schedule, set_by = excluded.set_by, set_at = excluded.set_at")
        .bind(schedule.year).bind(&text).bind(actor.as_string()).bind(now).execute(&mut *c).await?.rows_affected());
    let mut recounted = 0;
    for recount in RECOUNTS.get().map(Vec::as_slice).unwrap_or_default() {
        recounted += recount(&mut tx, actor, now, &cal).await?;
    }
    record(
        &mut tx,
        now,
        actor,
        "calendar.year_set",
        ("calendar", &schedule.year.to_string()),
        &json!({"schedule": schedule, "deadlines_recounted": recounted}),
    )
    .await?;
    tx.commit().await?;
    Ok(recounted)
}
