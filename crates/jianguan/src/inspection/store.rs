//! Recording inspections: every cited item passes `catalog::guard`, the
//! team passes `jianguan_rules::team`, and the record, its item versions
//! and an audit entry are written in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::team::{Member, check_team};
use jianguan_rules::{Role, Uscc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{Actor, record};
use crate::catalog::guard::{Cited, authorize};
use crate::org::model::Department;
use crate::org::store as org;
use crate::platform::auth::CurrentUser;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::registry::store as registry;
use crate::{on_db, on_tx};

/// How the inspection was carried out.
pub const METHODS: [(&str, &str); 2] = [("on_site", "现场检查"), ("remote", "非现场检查")];
/// Why it happened.
pub const SOURCES: [(&str, &str); 5] = [
    ("adhoc", "日常检查"),
    ("random", "双随机抽查"),
    ("key", "重点监管"),
    ("complaint", "投诉举报"),
    ("joint", "联合检查"),
];
/// What it found.
pub const OUTCOMES: [(&str, &str); 3] = [
    ("no_problem", "未发现问题"),
    ("rectify", "发现问题，责令整改"),
    ("case", "移送立案"),
];

pub fn label(table: &[(&'static str, &'static str)], key: &str) -> &'static str {
    table.iter().find(|(k, _)| *k == key).map(|(_, l)| *l).unwrap_or("")
}

/// The body of a new inspection record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewInspection {
    pub uscc: String,
    /// Codes of the catalog items inspected (one visit, several items).
    pub items: Vec<String>,
    /// `on_site` or `remote`.
    pub method: String,
    /// `adhoc`, `random`, `key`, `complaint` or `joint`.
    #[serde(default = "adhoc")]
    pub source: String,
    pub inspected_on: NaiveDate,
    /// Usernames of the inspectors.
    pub team: Vec<String>,
    /// `no_problem`, `rectify` or `case`.
    pub outcome: String,
    #[serde(default)]
    pub notes: String,
}

fn adhoc() -> String {
    "adhoc".into()
}

/// An inspection as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub uscc: String,
    pub department_id: i64,
    pub method: String,
    pub source: String,
    pub inspected_on: NaiveDate,
    pub team: Vec<String>,
    pub outcome: String,
    pub notes: String,
    pub items: Vec<Cited>,
    pub created_at: DateTime<Utc>,
}

/// Record an inspection by `user`'s department. Refused, with nothing
/// stored, when an item is not the department's or does not cover the
/// entity, or the team is not lawful.
pub async fn create(db: &Db, user: &CurrentUser, now: DateTime<Utc>, input: &NewInspection) -> AppResult<Inspection> {
    let uscc = Uscc::parse(&input.uscc).map_err(|e| AppError::field(ErrorCode::InvalidUscc, "uscc", e.to_string()))?;
    let entity = registry::get(db, uscc.as_str()).await?.ok_or_else(|| {
        AppError::field(
            ErrorCode::NotFound,
            "uscc",
            format!("没有统一社会信用代码为 {} 的市场主体", uscc.as_str()),
        )
    })?;
    if !jianguan_rules::DivisionCode::parse(&entity.division_code).is_ok_and(|d| user.scope().covers(&d)) {
        return Err(AppError::out_of_scope());
    }
    let dept = user
        .department
        .as_ref()
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "只有部门工作人员可以登记检查"))?;
    let bad = |field: &str, msg: &str| AppError::field(ErrorCode::ValidationFailed, field, msg);
    if label(&METHODS, &input.method).is_empty() {
        return Err(bad("method", "应为 on_site（现场检查）或 remote（非现场检查）"));
    }
    if label(&SOURCES, &input.source).is_empty() {
        return Err(bad("source", "应为 adhoc、random、key、complaint 或 joint"));
    }
    if label(&OUTCOMES, &input.outcome).is_empty() {
        return Err(bad("outcome", "应为 no_problem、rectify 或 case"));
    }
    if input.items.is_empty() {
        return Err(bad("item_code", "至少引用一个监管事项"));
    }
    if entity.status == crate::registry::model::EntityStatus::Cancelled {
        return Err(bad("uscc", "该市场主体已注销，不能登记检查"));
    }
    // An inspector records their own visits: they must be on the team.
    if user.role() == Role::Inspector && !input.team.iter().any(|t| t.trim() == user.user.username) {
        return Err(AppError::field(
            ErrorCode::InspectionTeamInvalid,
            "team",
            "登记人须是检查人员之一",
        ));
    }
    if input.inspected_on > crate::audit::store::china_day(now) {
        return Err(bad("inspected_on", "不能登记未来日期的检查"));
    }
    // 清单之外无监管: every item through the one gate.
    let mut cited: Vec<Cited> = Vec::new();
    for code in &input.items {
        let c = authorize(db, dept.kind, code.trim(), &entity, input.inspected_on).await?;
        if !cited.iter().any(|x| x.code == c.code) {
            cited.push(c);
        }
    }
    let mut members = Vec::new();
    for name in &input.team {
        let u = org::user_by_username(db, name.trim()).await?.ok_or_else(|| {
            AppError::field(
                ErrorCode::InspectionTeamInvalid,
                "team",
                format!("没有用户名为 {name:?} 的执法人员"),
            )
        })?;
        members.push(Member {
            id: u.id,
            is_inspector: u.role == Role::Inspector && u.active,
            cert_valid_until: u.cert_valid_until,
        });
    }
    check_team(&members, input.inspected_on, input.method == "on_site")
        .map_err(|e| AppError::field(ErrorCode::InspectionTeamInvalid, "team", e))?;
    let team: Vec<String> = input.team.iter().map(|s| s.trim().to_string()).collect();
    let input = NewInspection {
        uscc: uscc.as_str().to_string(),
        team,
        ..input.clone()
    };
    let id = insert(db, &user.actor(), now, dept, &input, &cited).await?;
    Ok(Inspection {
        id,
        uscc: input.uscc,
        department_id: dept.id,
        method: input.method,
        source: input.source,
        inspected_on: input.inspected_on,
        team: input.team,
        outcome: input.outcome,
        notes: input.notes,
        items: cited,
        created_at: now,
    })
}

/// Write a checked inspection, its item versions and its audit entry in
/// one transaction. Callers have passed the guard and the team rule.
pub async fn insert(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    dept: &Department,
    input: &NewInspection,
    cited: &[Cited],
) -> AppResult<i64> {
    let team_json = serde_json::to_string(&input.team).map_err(AppError::internal)?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "insert into inspections (uscc, department_id, method, source, inspected_on, team, outcome, notes, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id")
        .bind(&input.uscc).bind(dept.id).bind(&input.method).bind(&input.source).bind(input.inspected_on)
        .bind(&team_json).bind(&input.outcome).bind(&input.notes).bind(actor.as_string()).bind(now)
        .fetch_one(&mut *c).await?);
    for c in cited {
        on_tx!(tx, conn => sqlx::query("insert into inspection_items (inspection_id, item_code, item_version) values ($1, $2, $3)")
            .bind(id).bind(&c.code).bind(c.version).execute(&mut *conn).await?.rows_affected());
    }
    record(
        &mut tx,
        now,
        actor,
        "inspection.recorded",
        ("inspection", &id.to_string()),
        &json!({"uscc": input.uscc, "department": dept.code, "items": cited, "method": input.method,
                "source": input.source, "inspected_on": input.inspected_on, "team": input.team, "outcome": input.outcome}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

type Row = (
    i64,
    String,
    i64,
    String,
    String,
    NaiveDate,
    String,
    String,
    String,
    DateTime<Utc>,
);

async fn with_items(db: &Db, rows: Vec<Row>) -> Result<Vec<Inspection>, sqlx::Error> {
    let mut out = Vec::new();
    for (id, uscc, department_id, method, source, inspected_on, team, outcome, notes, created_at) in rows {
        // The name as it stood in the version the inspection was made
        // under, not the item's current name.
        let items: Vec<(String, i64, Option<String>)> = on_db!(db, pool => sqlx::query_as(
            "select ii.item_code, ii.item_version, v.content from inspection_items ii
             left join catalog_item_versions v on v.code = ii.item_code and v.version = ii.item_version
             where ii.inspection_id = $1 order by ii.item_code")
            .bind(id).fetch_all(pool).await?);
        let items: Vec<(String, i64, String)> = items
            .into_iter()
            .map(|(code, version, content)| {
                let name = content
                    .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
                    .and_then(|v| v["name"].as_str().map(str::to_string))
                    .unwrap_or_default();
                (code, version, name)
            })
            .collect();
        out.push(Inspection {
            id,
            uscc,
            department_id,
            method,
            source,
            inspected_on,
            team: serde_json::from_str(&team).unwrap_or_default(),
            outcome,
            notes,
            items: items
                .into_iter()
                .map(|(code, version, name)| Cited { code, version, name })
                .collect(),
            created_at,
        });
    }
    Ok(out)
}

const COLS: &str = "id, uscc, department_id, method, source, inspected_on, team, outcome, notes, created_at";

/// Inspections of one entity, newest first.
pub async fn for_entity(db: &Db, uscc: &str) -> Result<Vec<Inspection>, sqlx::Error> {
    let sql = format!("select {COLS} from inspections where uscc = $1 order by inspected_on desc, id desc");
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(&sql).bind(uscc).fetch_all(pool).await?);
    with_items(db, rows).await
}

/// The latest inspections of one department.
pub async fn for_department(db: &Db, department_id: i64, limit: i64) -> Result<Vec<Inspection>, sqlx::Error> {
    let sql =
        format!("select {COLS} from inspections where department_id = $1 order by inspected_on desc, id desc limit $2");
    let rows: Vec<Row> =
        on_db!(db, pool => sqlx::query_as(&sql).bind(department_id).bind(limit).fetch_all(pool).await?);
    with_items(db, rows).await
}

/// The entity's inspections on its information chain (mission C13).
pub fn chain_events<'a>(db: &'a Db, uscc: &'a str) -> crate::registry::chain::SourceFuture<'a> {
    Box::pin(async move {
        let mut out = Vec::new();
        for i in for_entity(db, uscc).await? {
            let items: Vec<String> = i
                .items
                .iter()
                .map(|c| format!("{}（第{}版）", c.name, c.version))
                .collect();
            out.push(crate::registry::chain::ChainEvent {
                at: i
                    .inspected_on
                    .and_hms_opt(12, 0, 0)
                    .map(|t| t.and_utc())
                    .unwrap_or(i.created_at),
                source: "inspection",
                kind: "inspection".into(),
                title: format!("{}：{}", label(&METHODS, &i.method), label(&OUTCOMES, &i.outcome)),
                detail: format!("{} · 检查人员 {}", items.join("、"), i.team.join("、")),
                link: Some("/inspections".into()),
            });
        }
        Ok(out)
    })
}
