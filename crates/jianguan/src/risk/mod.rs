//! Risk levels of entities as professional fields grade them (专业领域风险
//! 分级: A low to D high; e.g. food businesses, special equipment, drugs),
//! one per entity and kind of department. A department's administrator
//! grades entities of its region; regulators read the grades; they are an
//! internal basis for allocating inspections, not published as such. Random
//! inspection tasks may set a ratio per level (see
//! `jianguan_rules::strata`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

pub mod routes;

use crate::audit::record;
use crate::org::model::DeptKind;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

/// One grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Grade {
    pub uscc: String,
    pub department_kind: String,
    /// `A` (low) to `D` (high).
    pub level: String,
    pub basis: String,
    pub graded_on: NaiveDate,
    pub graded_by: String,
    pub graded_at: DateTime<Utc>,
}

/// The body of a grading.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GradeInput {
    /// `A` (low) to `D` (high).
    pub level: String,
    /// What the grade rests on (the field's scoring, an incident, ...).
    pub basis: String,
}

/// Grades of one entity, one per kind of department.
pub async fn for_entity(db: &Db, uscc: &str) -> Result<Vec<Grade>, sqlx::Error> {
    type Row = (String, String, String, NaiveDate, String, DateTime<Utc>);
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(
        "select department_kind, level, basis, graded_on, graded_by, graded_at from entity_risk where uscc = $1
         order by department_kind").bind(uscc).fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .map(
            |(department_kind, level, basis, graded_on, graded_by, graded_at)| Grade {
                uscc: uscc.to_string(),
                department_kind,
                level,
                basis,
                graded_on,
                graded_by,
                graded_at,
            },
        )
        .collect())
}

/// Levels a kind of department graded entities at, by code (for a draw's
/// strata; one query however large the directory).
pub async fn levels(db: &Db, kind: DeptKind) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String)> = on_db!(db, pool => sqlx::query_as(
        "select uscc, level from entity_risk where department_kind = $1").bind(kind.as_str()).fetch_all(pool).await?);
    Ok(rows.into_iter().collect())
}

/// Grade entity `uscc` for department `dept`'s kind (replacing that kind's
/// previous grade; the change is in the audit chain). A grade set by a
/// higher department of the same kind stands.
pub async fn grade(
    db: &Db,
    actor: &crate::audit::Actor,
    now: DateTime<Utc>,
    dept: &crate::org::model::Department,
    uscc: &str,
    input: &GradeInput,
) -> AppResult<Grade> {
    let level = input.level.trim().to_uppercase();
    if !jianguan_rules::strata::RISK_LEVELS.contains(&level.as_str()) {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "level",
            "风险等级应为 A（低）、B（一般）、C（较高）或 D（高）",
        ));
    }
    let basis = input.basis.trim();
    if basis.is_empty() || basis.chars().count() > 500 {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "basis",
            "写明评定依据，不超过500字",
        ));
    }
    // A grade set by a higher level's department of the same kind stands:
    // a county bureau does not overrule the province.
    let by: Option<String> = on_db!(db, pool => sqlx::query_scalar(
        "select d.division_code from entity_risk r join departments d on d.id = r.department_id
         where r.uscc = $1 and r.department_kind = $2").bind(uscc).bind(dept.kind.as_str()).fetch_optional(pool).await?);
    let higher = by
        .and_then(|d| jianguan_rules::DivisionCode::parse(&d).ok())
        .zip(jianguan_rules::DivisionCode::parse(&dept.division_code).ok())
        .is_some_and(|(theirs, ours)| theirs.covers(&ours) && theirs != ours);
    if higher {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "该风险等级由上级部门评定，下级部门不能更改",
        ));
    }
    let today = crate::platform::clock::china_day(now);
    let mut tx = db.begin().await?;
    on_tx!(tx, c => sqlx::query(
        "insert into entity_risk (uscc, department_kind, level, basis, graded_on, department_id, graded_by, graded_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (uscc, department_kind) do update set level = excluded.level, basis = excluded.basis,
             graded_on = excluded.graded_on, department_id = excluded.department_id,
             graded_by = excluded.graded_by, graded_at = excluded.graded_at")
        .bind(uscc).bind(dept.kind.as_str()).bind(&level).bind(basis).bind(today).bind(dept.id)
        .bind(actor.as_string()).bind(now).execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        actor,
        "risk.graded",
        ("entity", uscc),
        &json!({"department": dept.code, "kind": dept.kind.as_str(), "level": level, "basis": basis}),
    )
    .await?;
    tx.commit().await?;
    Ok(Grade {
        uscc: uscc.to_string(),
        department_kind: dept.kind.as_str().into(),
        level,
        basis: basis.into(),
        graded_on: today,
        graded_by: actor.as_string(),
        graded_at: now,
    })
}
