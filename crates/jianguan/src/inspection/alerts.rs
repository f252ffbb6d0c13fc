//! 无事不扰: too many visits to one entity, by all departments together,
//! within a period. The province sets the rule (at most N visits in D days);
//! a visit that goes over it raises an alert for supervisors, once per
//! period. A joint visit counts once, a correction not at all.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{Actor, record};
use crate::platform::db::{Db, Tx};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

/// The rule: more than `max_visits` visits in `period_days` days is too many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertRule {
    pub max_visits: i32,
    pub period_days: i32,
}

pub async fn rule(db: &Db) -> Result<AlertRule, sqlx::Error> {
    let (max_visits, period_days): (i32, i32) = on_db!(db, pool => sqlx::query_as(
        "select max_visits, period_days from visit_alert_rule where id = 1").fetch_one(pool).await?);
    Ok(AlertRule {
        max_visits,
        period_days,
    })
}

/// Change the rule (system administrators; audited).
pub async fn set_rule(db: &Db, actor: &Actor, now: DateTime<Utc>, r: AlertRule) -> AppResult<AlertRule> {
    if !(1..=100).contains(&r.max_visits) {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "max_visits",
            "应为1至100次",
        ));
    }
    if !(1..=366).contains(&r.period_days) {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "period_days",
            "应为1至366天",
        ));
    }
    let mut tx = db.begin().await?;
    on_tx!(tx, c => sqlx::query("update visit_alert_rule set max_visits = $1, period_days = $2, updated_by = $3, updated_at = $4 where id = 1")
        .bind(r.max_visits).bind(r.period_days).bind(actor.as_string()).bind(now).execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        actor,
        "inspection.alert_rule_set",
        ("visit_alert_rule", "1"),
        &json!(r),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// The day of each distinct visit to `uscc` from `from` to `to` inclusive
/// (a joint visit once, on its first record's day), in order.
async fn visit_days_tx(tx: &mut Tx, uscc: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<NaiveDate>, sqlx::Error> {
    let rows: Vec<(i64, NaiveDate)> = on_tx!(tx, c => sqlx::query_as(
        "select coalesce(joint_with, id), min(inspected_on) from inspections
         where uscc = $1 and inspected_on between $2 and $3 and corrects is null
         group by coalesce(joint_with, id)")
        .bind(uscc).bind(from).bind(to).fetch_all(&mut *c).await?);
    let mut days: Vec<NaiveDate> = rows.into_iter().map(|r| r.1).collect();
    days.sort();
    Ok(days)
}

/// The busiest window of `period` days that contains `on`: (visits, first
/// day). A visit recorded late (backdated) can fill a window that ends
/// after it, so every window containing its day is looked at.
fn busiest(days: &[NaiveDate], on: NaiveDate, period: i64) -> (usize, NaiveDate) {
    let mut best = (0, on - Duration::days(period - 1));
    for k in 0..period {
        let start = on - Duration::days(period - 1 - k);
        let end = start + Duration::days(period - 1);
        let n = days.iter().filter(|d| **d >= start && **d <= end).count();
        if n > best.0 {
            best = (n, start);
        }
    }
    best
}

/// Visits to `uscc` in the rule's period ending `on` (for the form's
/// warning before a visit).
pub async fn recent_visits(db: &Db, uscc: &str, on: NaiveDate) -> AppResult<(i64, AlertRule)> {
    let r = rule(db).await?;
    let from = on - Duration::days(i64::from(r.period_days) - 1);
    let n: i64 = on_db!(db, pool => sqlx::query_scalar(
        "select count(distinct coalesce(joint_with, id)) from inspections
         where uscc = $1 and inspected_on between $2 and $3 and corrects is null")
        .bind(uscc).bind(from).bind(on).fetch_one(pool).await?);
    Ok((n, r))
}

/// After a visit is recorded: raise an alert if it goes over the rule and
/// none was raised for an overlapping period.
pub async fn after_visit(
    tx: &mut Tx,
    now: DateTime<Utc>,
    uscc: &str,
    on: NaiveDate,
    inspection_id: i64,
) -> Result<(), sqlx::Error> {
    let (max_visits, period_days): (i32, i32) = on_tx!(tx, c => sqlx::query_as(
        "select max_visits, period_days from visit_alert_rule where id = 1").fetch_one(&mut *c).await?);
    let period = i64::from(period_days);
    let days = visit_days_tx(
        tx,
        uscc,
        on - Duration::days(period - 1),
        on + Duration::days(period - 1),
    )
    .await?;
    let (n, from) = busiest(&days, on, period);
    if !jianguan_rules::checklist::too_frequent(n, max_visits as usize) {
        return Ok(());
    }
    let to = from + Duration::days(period - 1);
    // One alert per period: none if one was raised for an overlapping one.
    let raised: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "select id from visit_alerts where uscc = $1 and window_end >= $2 and window_start <= $3 limit 1")
        .bind(uscc).bind(from).bind(to).fetch_optional(&mut *c).await?);
    if raised.is_some() {
        return Ok(());
    }
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "insert into visit_alerts (uscc, inspection_id, visits, max_visits, window_start, window_end, raised_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(uscc).bind(inspection_id).bind(n as i32).bind(max_visits).bind(from).bind(to).bind(now)
        .fetch_one(&mut *c).await?);
    record(
        tx,
        now,
        &Actor::System,
        "inspection.visits_alert",
        ("entity", uscc),
        &json!({"alert_id": id, "visits": n, "max_visits": max_visits, "from": from, "to": to, "inspection_id": inspection_id}),
    )
    .await?;
    tracing::warn!(uscc, visits = n, max_visits, "too many visits to one entity");
    Ok(())
}

/// An alert as supervisors read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Alert {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub division_code: String,
    pub visits: i32,
    pub max_visits: i32,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub inspection_id: i64,
    pub raised_at: DateTime<Utc>,
}

/// The latest alerts about entities whose division code matches `like`
/// (a region's pattern), newest first.
pub async fn list(db: &Db, like: &str, limit: i64) -> Result<Vec<Alert>, sqlx::Error> {
    type Row = (
        i64,
        String,
        Option<String>,
        Option<String>,
        i32,
        i32,
        NaiveDate,
        NaiveDate,
        i64,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(
        "select a.id, a.uscc, e.name, e.division_code, a.visits, a.max_visits, a.window_start, a.window_end, a.inspection_id, a.raised_at
         from visit_alerts a join entities e on e.uscc = a.uscc where e.division_code like $1
         order by a.id desc limit $2")
        .bind(like).bind(limit).fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .map(|r| Alert {
            id: r.0,
            uscc: r.1,
            entity_name: r.2.unwrap_or_default(),
            division_code: r.3.unwrap_or_default(),
            visits: r.4,
            max_visits: r.5,
            window_start: r.6,
            window_end: r.7,
            inspection_id: r.8,
            raised_at: r.9,
        })
        .collect())
}
