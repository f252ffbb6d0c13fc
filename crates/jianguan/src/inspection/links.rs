//! How records relate: a correction names the signed record it corrects
//! (that record is never changed), a follow-up names the order to rectify it
//! checks, and the departments of a joint visit (联合检查, "进一次门、查多项事")
//! each sign their own part, linked to the visit's first record so that the
//! result is seen by all of them (结果互认) and counts in each one's plan.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::store::NewInspection;
use crate::on_db;
use crate::org::model::Department;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};

/// The facts of a linked record that the checks need.
struct Other {
    uscc: String,
    department_id: i64,
    outcome: String,
    inspected_on: NaiveDate,
    joint_with: Option<i64>,
}

async fn other(db: &Db, id: i64, field: &str) -> AppResult<Other> {
    let row: Option<(String, i64, String, NaiveDate, Option<i64>)> = on_db!(db, pool => sqlx::query_as(
        "select uscc, department_id, outcome, inspected_on, joint_with from inspections where id = $1")
        .bind(id).fetch_optional(pool).await?);
    let (uscc, department_id, outcome, inspected_on, joint_with) =
        row.ok_or_else(|| AppError::field(ErrorCode::NotFound, field, format!("没有编号为 {id} 的检查记录")))?;
    Ok(Other {
        uscc,
        department_id,
        outcome,
        inspected_on,
        joint_with,
    })
}

/// Check the links of a new record of `dept` about `uscc`.
pub async fn check(db: &Db, dept: &Department, uscc: &str, input: &NewInspection) -> AppResult<()> {
    if let Some(id) = input.corrects {
        let o = other(db, id, "corrects").await?;
        if o.uscc != uscc || o.department_id != dept.id {
            return Err(AppError::invalid("corrects", "只能更正本部门对同一主体的检查记录"));
        }
        if let Some(by) = corrected_by(db, id).await? {
            return Err(AppError::field(
                ErrorCode::InspectionSigned,
                "corrects",
                format!("检查记录 {id} 已由记录 {by} 更正，请更正最新的记录"),
            ));
        }
        if input.notes.trim().chars().count() < 4 {
            return Err(AppError::invalid("notes", "更正记录须在情况说明中写明更正的原因"));
        }
    }
    if let Some(id) = input.follows_up {
        let o = other(db, id, "follows_up").await?;
        if o.uscc != uscc || o.department_id != dept.id {
            return Err(AppError::invalid("follows_up", "只能复查本部门对同一主体的整改要求"));
        }
        if let Some(by) = corrected_by(db, id).await? {
            return Err(AppError::invalid(
                "follows_up",
                format!("检查记录 {id} 已由记录 {by} 更正，请复查更正后的记录"),
            ));
        }
        if o.outcome != "rectify" {
            return Err(AppError::field(
                ErrorCode::InspectionSigned,
                "follows_up",
                format!("检查记录 {id} 未责令整改，无需复查"),
            ));
        }
        if input.inspected_on < o.inspected_on {
            return Err(AppError::invalid("inspected_on", "复查日期不能早于原检查日期"));
        }
    }
    if let Some(id) = input.joint_with {
        let o = other(db, id, "joint_with").await?;
        if o.joint_with.is_some() {
            return Err(AppError::invalid("joint_with", "请关联联合检查的第一份记录"));
        }
        if o.uscc != uscc || o.inspected_on != input.inspected_on {
            return Err(AppError::invalid(
                "joint_with",
                "联合检查各部门的记录须为同一主体、同一日期",
            ));
        }
        if input.source != "joint" {
            return Err(AppError::invalid("source", "联合检查的记录来源应为“联合检查”"));
        }
        let parts = visit(db, id).await?;
        let replaces_own_part = match input.corrects {
            Some(c) => other(db, c, "corrects").await?.joint_with == Some(id),
            None => false,
        };
        if parts.contains(&dept.id) && !replaces_own_part {
            return Err(AppError::invalid("joint_with", "本部门已登记该次联合检查的记录"));
        }
    }
    Ok(())
}

/// The record that corrects `id`, if any.
pub async fn corrected_by(db: &Db, id: i64) -> Result<Option<i64>, sqlx::Error> {
    Ok(
        on_db!(db, pool => sqlx::query_scalar("select id from inspections where corrects = $1 order by id limit 1")
        .bind(id).fetch_optional(pool).await?),
    )
}

/// Departments with a record in force (not corrected) in the visit led by
/// record `lead`.
async fn visit(db: &Db, lead: i64) -> Result<Vec<i64>, sqlx::Error> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "select i.department_id from inspections i where (i.id = $1 or i.joint_with = $1)
           and not exists (select 1 from inspections c where c.corrects = i.id)")
        .bind(lead).fetch_all(pool).await?))
}

/// The record `id` and every record it corrects, directly or through
/// earlier corrections (newest first).
pub async fn correction_chain(db: &Db, id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let mut chain = vec![id];
    // Each record corrects at most one and is corrected at most once, so
    // the chain is a path; the bound guards against hand-made cycles.
    while chain.len() < 100 {
        let last = chain[chain.len() - 1];
        let prev: Option<Option<i64>> = on_db!(db, pool => sqlx::query_scalar("select corrects from inspections where id = $1")
            .bind(last).fetch_optional(pool).await?);
        match prev.flatten() {
            Some(p) if !chain.contains(&p) => chain.push(p),
            _ => break,
        }
    }
    Ok(chain)
}

/// One department's part of a joint visit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Part {
    pub inspection_id: i64,
    pub department: String,
    pub department_name: String,
    pub outcome: String,
}

/// Every part of the visit record `id` belongs to (itself included).
pub async fn parts(db: &Db, id: i64) -> Result<Vec<Part>, sqlx::Error> {
    let lead = lead_of(db, id).await?;
    // Records in force: the lead or its latest correction, and each
    // department's part (a part's correction names the lead too).
    let mut ids = vec![lead];
    while ids.len() < 100 {
        let next: Option<i64> = on_db!(db, pool => sqlx::query_scalar("select id from inspections where corrects = $1")
            .bind(ids[ids.len() - 1]).fetch_optional(pool).await?);
        match next {
            Some(n) if !ids.contains(&n) => ids.push(n),
            _ => break,
        }
    }
    let mut rows: Vec<(i64, String, String, String)> = Vec::new();
    for (column, value) in ids.iter().map(|i| ("id", *i)).chain([("joint_with", lead)]) {
        let sql = format!(
            "select i.id, d.code, d.name, i.outcome from inspections i join departments d on d.id = i.department_id
             where i.{column} = $1 and not exists (select 1 from inspections c where c.corrects = i.id)"
        );
        let found: Vec<(i64, String, String, String)> =
            on_db!(db, pool => sqlx::query_as(&sql).bind(value).fetch_all(pool).await?);
        rows.extend(found);
    }
    rows.sort_by_key(|r| r.0);
    Ok(rows
        .into_iter()
        .map(|(inspection_id, department, department_name, outcome)| Part {
            inspection_id,
            department,
            department_name,
            outcome,
        })
        .collect())
}

/// The first record of the visit record `id` belongs to: the one it names,
/// or, for a correction of the first record, the record first signed.
async fn lead_of(db: &Db, id: i64) -> Result<i64, sqlx::Error> {
    let chain = correction_chain(db, id).await?;
    let first = chain[chain.len() - 1];
    let lead: Option<Option<i64>> = on_db!(db, pool => sqlx::query_scalar("select joint_with from inspections where id = $1")
        .bind(first).fetch_optional(pool).await?);
    Ok(lead.flatten().unwrap_or(first))
}

/// An order to rectify and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rectification {
    pub inspection_id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub inspected_on: NaiveDate,
    pub rectify_by: NaiveDate,
    /// The latest follow-up visit, if any.
    pub followed_up_by: Option<i64>,
    pub follow_up_outcome: Option<String>,
    /// `open` (deadline not passed), `overdue` (passed, no follow-up),
    /// `done` (a follow-up found no problem) or `again` (a follow-up
    /// found problems again).
    pub status: String,
}

impl Rectification {
    pub fn status_zh(&self) -> &'static str {
        match self.status.as_str() {
            "open" => "整改期内",
            "overdue" => "逾期未复查",
            "done" => "已整改",
            _ => "复查仍有问题",
        }
    }
}

/// Orders to rectify of department `dept`, newest deadline first, with
/// their follow-ups, as they stand on `today`.
pub async fn rectifications(db: &Db, dept: i64, today: NaiveDate) -> Result<Vec<Rectification>, sqlx::Error> {
    type Row = (i64, String, Option<String>, NaiveDate, Option<NaiveDate>);
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(
        "select i.id, i.uscc, e.name, i.inspected_on, i.rectify_by from inspections i
         left join entities e on e.uscc = i.uscc
         where i.department_id = $1 and i.outcome = 'rectify' and i.rectify_by is not null
           and not exists (select 1 from inspections c where c.corrects = i.id)
         order by i.rectify_by desc, i.id desc limit 500")
        .bind(dept).fetch_all(pool).await?);
    let mut out = Vec::new();
    for (id, uscc, name, inspected_on, rectify_by) in rows {
        let Some(rectify_by) = rectify_by else { continue };
        // Follow-ups of the order or of any record it corrected.
        let mut last: Option<(i64, String, NaiveDate)> = None;
        for target in correction_chain(db, id).await? {
            let row: Option<(i64, String, NaiveDate)> = on_db!(db, pool => sqlx::query_as(
                "select id, outcome, inspected_on from inspections where follows_up = $1
                   and not exists (select 1 from inspections c where c.corrects = inspections.id)
                 order by inspected_on desc, id desc limit 1")
                .bind(target).fetch_optional(pool).await?);
            if let Some(r) = row
                && last.as_ref().is_none_or(|l| (r.2, r.0) > (l.2, l.0))
            {
                last = Some(r);
            }
        }
        let last = last.map(|(i, o, _)| (i, o));
        let status = match &last {
            Some((_, o)) if o == "no_problem" => "done",
            Some(_) => "again",
            None if today > rectify_by => "overdue",
            None => "open",
        };
        out.push(Rectification {
            inspection_id: id,
            uscc,
            entity_name: name.unwrap_or_default(),
            inspected_on,
            rectify_by,
            followed_up_by: last.as_ref().map(|l| l.0),
            follow_up_outcome: last.map(|l| l.1),
            status: status.into(),
        });
    }
    Ok(out)
}
