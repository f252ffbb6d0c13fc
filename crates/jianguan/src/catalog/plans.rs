//! Annual supervision plans (年度监管计划, mission C3): per department and
//! year, per catalog item the method, the planned ratio or number, the
//! periods and the joint partners. A plan is drafted, approved by a leader,
//! then published on the portal. Progress is computed from the inspections
//! actually recorded: distinct entities inspected under the item by the
//! plan's department in the plan's year, against the planned number (a
//! ratio is taken of the object directory: active entities in the
//! department's region that the item's scope covers).

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::catalog::{ItemStatus, parse_ratio_bp, planned_count};
use jianguan_rules::industry::SECTIONS;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::model::Method;
use super::store;
use crate::audit::{Actor, record};
use crate::org::model::Department;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

pub const STATUSES: [(&str, &str); 3] = [("draft", "草稿"), ("approved", "已审批"), ("published", "已公开")];

pub fn status_zh(s: &str) -> &'static str {
    STATUSES.iter().find(|(k, _)| *k == s).map(|(_, l)| *l).unwrap_or("")
}

/// One line of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PlanLine {
    pub item_code: String,
    /// A supervision method, e.g. `random`.
    pub method: String,
    /// Planned ratio in basis points (500 = 5%), or
    #[serde(default)]
    pub ratio_bp: Option<u32>,
    /// a planned number of entities.
    #[serde(default)]
    pub planned_count: Option<i64>,
    /// When, e.g. `["Q2", "Q3"]` or `["全年"]`.
    #[serde(default)]
    pub periods: Vec<String>,
    /// Codes of partner departments for joint inspections.
    #[serde(default)]
    pub partners: Vec<String>,
}

/// A plan with its lines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub id: i64,
    pub department_id: i64,
    pub department_code: String,
    pub department_name: String,
    pub division_code: String,
    pub year: i32,
    pub title: String,
    /// `draft`, `approved` or `published`.
    pub status: String,
    pub lines: Vec<PlanLine>,
}

impl Plan {
    pub fn status_zh(&self) -> &'static str {
        status_zh(&self.status)
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewPlan {
    pub year: i32,
    pub title: String,
    pub lines: Vec<PlanLine>,
}

/// Parse plan lines as typed in the form, one per line:
/// `事项编码|方式|比例或数量|期间|联合部门`, e.g.
/// `SJ-SP-001|双随机抽查|5%|Q2,Q3|420100-YJJ`.
pub fn parse_lines(text: &str) -> Result<Vec<PlanLine>, String> {
    let mut out = Vec::new();
    for (i, l) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let f: Vec<&str> = l.split('|').map(str::trim).collect();
        let at = |n: usize| f.get(n).copied().unwrap_or("");
        let method = Method::parse(at(1)).ok_or_else(|| format!("第{}行：监管方式 {:?} 无法识别", i + 1, at(1)))?;
        let amount = at(2);
        let (ratio_bp, planned_count) = if amount.ends_with(['%', '％']) {
            (
                parse_ratio_bp(amount).map_err(|_| format!("第{}行：比例 {amount:?} 有误", i + 1))?,
                None,
            )
        } else if amount.is_empty() {
            (None, None)
        } else {
            let n: i64 = amount
                .trim_end_matches('户')
                .parse()
                .map_err(|_| format!("第{}行：{amount:?} 应为比例（如 5%）或户数", i + 1))?;
            (None, Some(n))
        };
        let split = |s: &str| {
            s.split([',', '，', '、', '；'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        out.push(PlanLine {
            item_code: at(0).to_string(),
            method: method.as_str().to_string(),
            ratio_bp,
            planned_count,
            periods: split(at(3)),
            partners: split(at(4)),
        });
    }
    Ok(out)
}

/// Lines back to the text form.
pub fn lines_text(lines: &[PlanLine]) -> String {
    lines
        .iter()
        .map(|l| {
            let amount = match (l.ratio_bp, l.planned_count) {
                (Some(bp), _) => jianguan_rules::catalog::format_ratio_bp(bp),
                (None, Some(n)) => n.to_string(),
                _ => String::new(),
            };
            format!(
                "{}|{}|{}|{}|{}",
                l.item_code,
                Method::parse(&l.method).map(|m| m.label_zh()).unwrap_or(""),
                amount,
                l.periods.join(","),
                l.partners.join(",")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Periods a plan line may name.
fn valid_period(p: &str) -> bool {
    matches!(p, "全年" | "上半年" | "下半年" | "Q1" | "Q2" | "Q3" | "Q4")
        || p.strip_suffix('月')
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|m| (1..=12).contains(&m))
}

async fn validate_lines(db: &Db, lines: &[PlanLine], dept: &Department) -> AppResult<()> {
    let bad = |field: &str, m: String| AppError::field(ErrorCode::ValidationFailed, field, m);
    if lines.is_empty() {
        return Err(bad("lines", "计划至少需要一个事项".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for l in lines {
        let item = store::get(db, &l.item_code).await?;
        let item = match item {
            Some(i) if i.status == ItemStatus::Published => i,
            _ => {
                return Err(AppError::field(
                    ErrorCode::CatalogItemNotPublished,
                    "item_code",
                    format!("{} 不是已发布的监管事项", l.item_code),
                ));
            }
        };
        if item.content.department_kind != dept.kind {
            return Err(AppError::field(
                ErrorCode::DepartmentNotResponsible,
                "item_code",
                format!("{} 不属于本部门职责", l.item_code),
            ));
        }
        if !seen.insert((l.item_code.clone(), l.method.clone())) {
            return Err(bad("lines", format!("{} 以同一方式重复列入", l.item_code)));
        }
        match Method::parse(&l.method) {
            Some(m) if item.content.methods.contains(&m) => {}
            _ => {
                return Err(bad(
                    "method",
                    format!("{} 的监管方式不包括 {:?}", l.item_code, l.method),
                ));
            }
        }
        match (l.ratio_bp, l.planned_count) {
            (None, None) => return Err(bad("ratio", format!("{} 须填写抽查比例或计划户数", l.item_code))),
            (Some(b), _) if b == 0 || b > 10_000 => return Err(bad("ratio", "比例应在 0.01% 至 100% 之间".into())),
            (_, Some(n)) if n <= 0 => return Err(bad("ratio", "计划户数应大于 0".into())),
            _ => {}
        }
        if let Some(p) = l.periods.iter().find(|p| !valid_period(p)) {
            return Err(bad(
                "lines",
                format!("期间 {p:?} 应为 全年、上半年、下半年、Q1–Q4 或 1月–12月"),
            ));
        }
        for p in &l.partners {
            if crate::org::store::department_by_code(db, p).await?.is_none() {
                return Err(bad("lines", format!("联合部门 {p} 不存在")));
            }
        }
    }
    Ok(())
}

/// Who may approve (`approved`: a leader of the plan's kind of department
/// whose region covers the plan's) or publish (`published`: the plan's own
/// department's administrator) a plan; the system administrator may both.
pub async fn may_advance(db: &Db, user: &crate::platform::auth::CurrentUser, plan: &Plan, to: &str) -> AppResult<()> {
    use jianguan_rules::Role;
    if user.role() == Role::SysAdmin {
        return Ok(());
    }
    let Some(own) = &user.department else {
        return Err(AppError::forbidden());
    };
    let plan_dept = crate::org::store::department_by_code(db, &plan.department_code).await?;
    let ok = match to {
        "approved" => {
            user.role() == Role::Leader
                && user.maintains(
                    plan_dept
                        .as_ref()
                        .and_then(crate::platform::auth::jurisdiction::office)
                        .as_ref(),
                )
        }
        "published" => user.role() == Role::DeptAdmin && own.code == plan.department_code,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden, "无权对该计划执行此操作"))
    }
}

/// Draft a plan for `dept` (one per department and year).
pub async fn create(db: &Db, actor: &Actor, now: DateTime<Utc>, dept: &Department, p: &NewPlan) -> AppResult<i64> {
    if p.title.trim().is_empty() {
        return Err(AppError::field(ErrorCode::ValidationFailed, "title", "required"));
    }
    if !(2000..=2100).contains(&p.year) {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "year",
            "a year such as 2026",
        ));
    }
    validate_lines(db, &p.lines, dept).await?;
    let mut tx = db.begin().await?;
    let exists: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("select id from plans where department_id = $1 and year = $2")
        .bind(dept.id).bind(p.year).fetch_optional(&mut *c).await?);
    if exists.is_some() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("{} already has a plan for {}", dept.name, p.year),
        ));
    }
    let by = actor.as_string();
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "insert into plans (department_id, year, title, status, created_by, created_at) values ($1, $2, $3, 'draft', $4, $5) returning id")
        .bind(dept.id).bind(p.year).bind(p.title.trim()).bind(&by).bind(now).fetch_one(&mut *c).await?);
    for (n, l) in p.lines.iter().enumerate() {
        let periods = serde_json::to_string(&l.periods).map_err(AppError::internal)?;
        let partners = serde_json::to_string(&l.partners).map_err(AppError::internal)?;
        on_tx!(tx, c => sqlx::query(
            "insert into plan_lines (plan_id, line_no, item_code, method, ratio_bp, planned_count, periods, partners)
             values ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id).bind(n as i32 + 1).bind(&l.item_code).bind(&l.method).bind(l.ratio_bp.map(|b| b as i32))
            .bind(l.planned_count).bind(&periods).bind(&partners).execute(&mut *c).await?.rows_affected());
    }
    record(
        &mut tx,
        now,
        actor,
        "plan.drafted",
        ("plan", &id.to_string()),
        &json!({"department": dept.code, "year": p.year, "title": p.title.trim(), "lines": p.lines}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// draft → approved (a leader) → published (on the portal).
pub async fn advance(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, to: &str) -> AppResult<()> {
    let plan = get(db, id).await?.ok_or_else(|| AppError::not_found("plan"))?;
    let ok = matches!(
        (plan.status.as_str(), to),
        ("draft", "approved") | ("approved", "published")
    );
    if !ok {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("a {} plan cannot become {to}", plan.status),
        ));
    }
    let by = actor.as_string();
    let mut tx = db.begin().await?;
    let sql = if to == "approved" {
        "update plans set status = $2, approved_by = $3, approved_at = $4 where id = $1"
    } else {
        "update plans set status = $2, published_at = $4 where id = $1 and $3 = $3"
    };
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(to).bind(&by).bind(now).execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        actor,
        &format!("plan.{to}"),
        ("plan", &id.to_string()),
        &json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

type PlanRow = (i64, i64, String, String, String, i32, String, String);

async fn assemble(db: &Db, rows: Vec<PlanRow>) -> Result<Vec<Plan>, sqlx::Error> {
    let mut out = Vec::new();
    for (id, department_id, department_code, department_name, division_code, year, title, status) in rows {
        type LineRow = (String, String, Option<i32>, Option<i64>, String, String);
        let lines: Vec<LineRow> = on_db!(db, pool => sqlx::query_as(
            "select item_code, method, ratio_bp, planned_count, periods, partners from plan_lines where plan_id = $1 order by line_no")
            .bind(id).fetch_all(pool).await?);
        out.push(Plan {
            id,
            department_id,
            department_code,
            department_name,
            division_code,
            year,
            title,
            status,
            lines: lines
                .into_iter()
                .map(|(item_code, method, ratio, count, periods, partners)| PlanLine {
                    item_code,
                    method,
                    ratio_bp: ratio.map(|r| r.max(0) as u32),
                    planned_count: count,
                    periods: serde_json::from_str(&periods).unwrap_or_default(),
                    partners: serde_json::from_str(&partners).unwrap_or_default(),
                })
                .collect(),
        });
    }
    Ok(out)
}

const PLAN_SQL: &str = "select p.id, p.department_id, d.code, d.name, d.division_code, p.year, p.title, p.status
    from plans p join departments d on d.id = p.department_id";

pub async fn get(db: &Db, id: i64) -> Result<Option<Plan>, sqlx::Error> {
    let sql = format!("{PLAN_SQL} where p.id = $1");
    let rows: Vec<PlanRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await?);
    Ok(assemble(db, rows).await?.into_iter().next())
}

/// Plans of departments whose region lies within `like` (a division LIKE
/// pattern), optionally only published ones.
pub async fn list(db: &Db, like: &str, published_only: bool) -> Result<Vec<Plan>, sqlx::Error> {
    let sql = format!(
        "{PLAN_SQL} where d.division_code like $1 and ($2 = 0 or p.status = 'published') order by p.year desc, d.code"
    );
    let rows: Vec<PlanRow> =
        on_db!(db, pool => sqlx::query_as(&sql).bind(like).bind(published_only as i32).fetch_all(pool).await?);
    assemble(db, rows).await
}

/// Plans of the region `like` that `user` reads: published ones, and the
/// others of its department and same-kind lower departments.
pub async fn readable(
    db: &Db,
    user: &crate::platform::auth::CurrentUser,
    like: &str,
) -> Result<Vec<Plan>, sqlx::Error> {
    let offices = crate::platform::auth::jurisdiction::offices(db).await?;
    let mut all = list(db, like, false).await?;
    all.retain(|p| p.status == "published" || user.reads_work(offices.get(&p.department_id), &[]));
    Ok(all)
}

/// Progress of one line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineProgress {
    pub item_code: String,
    pub item_name: String,
    pub method: String,
    /// Active entities in the region the item's scope covers.
    pub directory: i64,
    pub planned: i64,
    /// Distinct entities inspected under the item in the plan's year.
    pub done: i64,
}

impl LineProgress {
    pub fn percent(&self) -> i64 {
        if self.planned == 0 {
            100
        } else {
            (self.done * 100 / self.planned).min(999)
        }
    }

    pub fn method_zh(&self) -> &'static str {
        Method::parse(&self.method).map(|m| m.label_zh()).unwrap_or("")
    }
}

/// SQL condition (and its binds, numbered from `first`) for the entities an
/// item's scope covers.
fn scope_sql(scope: &jianguan_rules::catalog::ObjectScope, first: usize) -> (String, Vec<String>) {
    let mut conds = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let bind = |v: String, binds: &mut Vec<String>| {
        binds.push(v);
        format!("${}", first + binds.len() - 1)
    };
    if !scope.entity_types.is_empty() {
        let ps: Vec<String> = scope.entity_types.iter().map(|t| bind(t.clone(), &mut binds)).collect();
        conds.push(format!("e.entity_type in ({})", ps.join(",")));
    }
    if !scope.industries.is_empty() {
        let mut ors = Vec::new();
        for code in &scope.industries {
            match SECTIONS
                .iter()
                .find(|(s, _, _)| code.len() == 1 && code.starts_with(*s))
            {
                Some((_, lo, hi)) => {
                    let a = bind(format!("{lo:02}"), &mut binds);
                    let b = bind(format!("{hi:02}"), &mut binds);
                    ors.push(format!("substr(e.industry_code, 1, 2) between {a} and {b}"));
                }
                None => {
                    let p = bind(format!("{code}%"), &mut binds);
                    ors.push(format!("e.industry_code like {p}"));
                }
            }
        }
        conds.push(format!("({})", ors.join(" or ")));
    }
    if !scope.licence_types.is_empty() {
        let ps: Vec<String> = scope
            .licence_types
            .iter()
            .map(|t| bind(t.clone(), &mut binds))
            .collect();
        conds.push(format!(
            "exists (select 1 from licences l where l.uscc = e.uscc and l.licence_type in ({})
                and (l.valid_until is null or l.valid_until >= current_date))",
            ps.join(",")
        ));
    }
    (conds.iter().map(|c| format!(" and {c}")).collect(), binds)
}

/// Codes of up to `limit` active entities in the region `like` that the
/// scope covers, by code (for demos and for listing).
pub async fn directory_sample(
    db: &Db,
    scope: &jianguan_rules::catalog::ObjectScope,
    like: &str,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let (cond, binds) = scope_sql(scope, 3);
    let sql = format!(
        "select e.uscc from entities e where e.division_code like $1 and e.status = 'active'{cond} order by e.uscc limit $2"
    );
    Ok(on_db!(db, pool => {
        let mut q = sqlx::query_scalar(&sql).bind(like).bind(limit);
        for b in &binds {
            q = q.bind(b);
        }
        q.fetch_all(pool).await?
    }))
}

/// Progress of every line of `plan`.
pub async fn progress(db: &Db, plan: &Plan) -> Result<Vec<LineProgress>, sqlx::Error> {
    let division = jianguan_rules::DivisionCode::parse(&plan.division_code).ok();
    let like = division.map(|d| d.like_pattern()).unwrap_or_else(|| "-".into());
    let (start, end) = (
        NaiveDate::from_ymd_opt(plan.year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(plan.year, 12, 31).unwrap_or_default(),
    );
    // The plan's department kind: whose inspections count.
    let kind: String = on_db!(db, pool => sqlx::query_scalar("select kind from departments where id = $1")
        .bind(plan.department_id).fetch_one(pool).await?);
    let mut out = Vec::new();
    for l in &plan.lines {
        let item = store::get(db, &l.item_code).await?;
        let (name, scope) = item.map(|i| (i.content.name, i.content.scope)).unwrap_or_default();
        // The directory only matters for a ratio; skip the count otherwise.
        let directory = if l.planned_count.is_none() && l.ratio_bp.is_some() {
            let (cond, binds) = scope_sql(&scope, 2);
            let sql =
                format!("select count(*) from entities e where e.division_code like $1 and e.status = 'active'{cond}");
            on_db!(db, pool => {
                let mut q = sqlx::query_scalar(&sql).bind(&like);
                for b in &binds {
                    q = q.bind(b);
                }
                q.fetch_one(pool).await?
            })
        } else {
            0
        };
        // Inspections by departments of the plan's kind in its region
        // (a city's plan counts its districts' work), from the sources the
        // line's method means.
        let sources: &[&str] = match l.method.as_str() {
            "random" => &["random", "joint"],
            "key" => &["key"],
            "complaint" => &["complaint"],
            _ => &["adhoc", "random", "key", "complaint", "joint"],
        };
        let marks = (0..sources.len())
            .map(|k| format!("${}", k + 6))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "select count(distinct i.uscc) from inspections i join inspection_items ii on ii.inspection_id = i.id
             join departments d on d.id = i.department_id
             where ii.item_code = $1 and d.kind = $2 and d.division_code like $3 and i.inspected_on >= $4
               and i.inspected_on <= $5 and i.source in ({marks})"
        );
        let done: i64 = on_db!(db, pool => {
            let mut q = sqlx::query_scalar(&sql).bind(&l.item_code).bind(&kind).bind(&like).bind(start).bind(end);
            for src in sources {
                q = q.bind(*src);
            }
            q.fetch_one(pool).await?
        });
        out.push(LineProgress {
            item_code: l.item_code.clone(),
            item_name: name,
            method: l.method.clone(),
            directory,
            planned: planned_count(l.planned_count, l.ratio_bp, directory),
            done,
        });
    }
    Ok(out)
}
