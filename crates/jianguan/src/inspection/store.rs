//! Recording inspections: every cited item passes `catalog::guard`, the
//! team passes `jianguan_rules::team`, and the record, its item versions
//! and an audit entry are written in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::scan;
use jianguan_rules::team::{Member, check_agency, check_team};
use jianguan_rules::{Role, Uscc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use jianguan_rules::checklist::{Outcome, check_conclusion};

use super::checklist::{self, AnswerInput};
use super::evidence;
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
    /// The check-in at the entity (after scanning its QR code) an on-site
    /// inspection rests on, or
    #[serde(default)]
    pub checkin_id: Option<i64>,
    /// why there is none (recorded with the inspection).
    #[serde(default)]
    pub no_checkin_reason: String,
    /// The answer to every point of every cited item version's checklist.
    #[serde(default)]
    pub answers: Vec<AnswerInput>,
    /// Deadline of an order to rectify (outcome `rectify`).
    #[serde(default)]
    pub rectify_by: Option<NaiveDate>,
    /// The record this one corrects (signed records are never changed).
    #[serde(default)]
    pub corrects: Option<i64>,
    /// The order to rectify this visit follows up.
    #[serde(default)]
    pub follows_up: Option<i64>,
    /// The first record of a joint visit this department's part belongs to.
    #[serde(default)]
    pub joint_with: Option<i64>,
    /// SHA-256 of further files uploaded with `POST /api/v1/evidence`.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// A client's id for this submission (8–64 letters, digits, `-`, `_`):
    /// sending the same again returns the record already signed instead of
    /// signing twice (a phone resending after a lost answer).
    #[serde(default)]
    pub submission_id: Option<String>,
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
    pub rectify_by: Option<NaiveDate>,
    pub corrects: Option<i64>,
    pub follows_up: Option<i64>,
    pub joint_with: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl Inspection {
    pub fn method_zh(&self) -> &'static str {
        label(&METHODS, &self.method)
    }
    pub fn source_zh(&self) -> &'static str {
        label(&SOURCES, &self.source)
    }
    pub fn outcome_zh(&self) -> &'static str {
        label(&OUTCOMES, &self.outcome)
    }
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
    if !user.reads_territory(&entity.division_code) {
        return Err(AppError::out_of_scope());
    }
    let dept = user
        .department
        .as_ref()
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "只有部门工作人员可以登记检查"))?;
    let bad = |field: &str, msg: &str| AppError::field(ErrorCode::ValidationFailed, field, msg);
    if let Some(sid) = &input.submission_id {
        let ok =
            (8..=64).contains(&sid.len()) && sid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(bad("submission_id", "应为8至64位字母、数字、“-”或“_”"));
        }
        let seen: Option<(i64, String)> = on_db!(db, pool => sqlx::query_as(
            "select id, created_by from inspections where submission_id = $1").bind(sid).fetch_optional(pool).await?);
        if let Some((id, by)) = seen {
            if by != user.actor().as_string() {
                return Err(AppError::new(ErrorCode::Conflict, "该提交编号已被使用"));
            }
            return by_id(db, id).await?.ok_or_else(|| AppError::not_found("inspection"));
        }
    }
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
    if input.inspected_on > crate::platform::clock::china_day(now) {
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
        let in_territory = match u.department_code.as_deref() {
            Some(code) if code != dept.code => org::department_by_code(db, code)
                .await?
                .and_then(|d| d.division())
                .zip(jianguan_rules::DivisionCode::parse(&entity.division_code).ok())
                .is_some_and(|(theirs, e)| theirs.covers(&e)),
            _ => true,
        };
        check_agency(
            &u.username,
            u.department_code.as_deref(),
            &dept.code,
            input.source == "joint",
            in_territory,
        )
        .map_err(|e| AppError::field(ErrorCode::InspectionTeamInvalid, "team", e))?;
        members.push(Member {
            id: u.id,
            is_inspector: u.role == Role::Inspector && u.active,
            cert_valid_until: u.cert_valid_until,
        });
    }
    if input.method == "on_site" {
        check_in_rule(db, input, uscc.as_str(), &members).await?;
    }
    check_team(&members, input.inspected_on, input.method == "on_site")
        .map_err(|e| AppError::field(ErrorCode::InspectionTeamInvalid, "team", e))?;
    // Who and where first, then what was found: the checklist, the
    // conclusion it allows, the linked records and the files.
    let (answers, verdicts) = checklist::evaluate(db, &cited, &input.answers).await?;
    check_conclusion(
        &verdicts,
        outcome_of(&input.outcome),
        input.inspected_on,
        input.rectify_by,
    )
    .map_err(|m| {
        let field = if m.contains("期限") { "rectify_by" } else { "outcome" };
        AppError::field(ErrorCode::ValidationFailed, field, m)
    })?;
    super::links::check(db, dept, uscc.as_str(), input).await?;
    let mut shas: Vec<String> = input.answers.iter().flat_map(|a| a.photos.iter().cloned()).collect();
    shas.extend(input.evidence.iter().cloned());
    shas.sort();
    shas.dedup();
    let files = evidence::staged(db, user.user.id, &shas).await?;
    // A photo point takes pictures, not any file.
    for a in &input.answers {
        for sha in &a.photos {
            if files
                .iter()
                .any(|f| &f.sha256 == sha && !f.content_type.starts_with("image/"))
            {
                return Err(AppError::field(
                    ErrorCode::ChecklistInvalid,
                    &format!("answers.{}.{}", a.item_code, a.point),
                    format!("{} 第{}条须上传照片（jpg、png、heic）", a.item_code, a.point),
                ));
            }
        }
    }
    let team: Vec<String> = input.team.iter().map(|s| s.trim().to_string()).collect();
    let input = NewInspection {
        uscc: uscc.as_str().to_string(),
        team,
        ..input.clone()
    };
    let signed = Signed {
        signer: input.team.contains(&user.user.username).then_some(user.user.id),
        cited: cited.clone(),
        answers,
        files,
    };
    let id = insert(db, &user.actor(), now, dept, &input, &signed).await?;
    // The record is signed: a failure to release the staged rows only
    // leaves them to be used up by a later record, so it is not an error.
    if let Err(e) = evidence::unstage(db, user.user.id, &shas).await {
        tracing::warn!(error = %e, "staged evidence not released");
    }
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
        rectify_by: input.rectify_by,
        corrects: input.corrects,
        follows_up: input.follows_up,
        joint_with: input.joint_with,
        created_at: now,
    })
}

fn outcome_of(s: &str) -> Outcome {
    match s {
        "rectify" => Outcome::Rectify,
        "case" => Outcome::Case,
        _ => Outcome::NoProblem,
    }
}

/// What a signature covers besides the form: the item versions cited, the
/// judged answers and the files.
pub struct Signed {
    /// The recorder, when named on the team: their signature is recorded
    /// with the record; the others confirm (`inspection::cosign`).
    pub signer: Option<i64>,
    pub cited: Vec<Cited>,
    pub answers: Vec<checklist::Answer>,
    pub files: Vec<evidence::Stored>,
}

/// Write a checked inspection, its item versions and its audit entry in
/// one transaction. Callers have passed the guard and the team rule.
pub async fn insert(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    dept: &Department,
    input: &NewInspection,
    signed: &Signed,
) -> AppResult<i64> {
    let team_json = serde_json::to_string(&input.team).map_err(AppError::internal)?;
    let cited = &signed.cited;
    // A transfer to a case raises a lead (程序规定第十八条), unless this
    // corrects a record that already did.
    let port = super::ports::case_transfer()?;
    let raises_lead = input.outcome == "case" && !(port.raised)(db, input.corrects).await?;
    let calendar = match raises_lead {
        true => Some(crate::calendar::load(db).await?),
        false => None,
    };
    let mut tx = db.begin().await?;
    let id: Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(
        "insert into inspections (uscc, department_id, method, source, inspected_on, team, outcome, notes, created_by, created_at,
             checkin_id, no_checkin_reason, rectify_by, corrects, follows_up, joint_with, submission_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) returning id")
        .bind(&input.uscc).bind(dept.id).bind(&input.method).bind(&input.source).bind(input.inspected_on)
        .bind(&team_json).bind(&input.outcome).bind(&input.notes).bind(actor.as_string()).bind(now)
        .bind(input.checkin_id).bind(input.no_checkin_reason.trim())
        .bind(input.rectify_by).bind(input.corrects).bind(input.follows_up).bind(input.joint_with)
        .bind(input.submission_id.as_deref())
        .fetch_one(&mut *c).await);
    // Two signatures racing for the same correction, joint part or
    // submission: the second loses here.
    let id = id.map_err(|e| {
        if crate::platform::db::unique_violation(&e) {
            AppError::new(ErrorCode::InspectionSigned, "该记录已有更正、已登记本部门部分或已提交")
        } else {
            AppError::from(e)
        }
    })?;
    for c in cited {
        on_tx!(tx, conn => sqlx::query("insert into inspection_items (inspection_id, item_code, item_version) values ($1, $2, $3)")
            .bind(id).bind(&c.code).bind(c.version).execute(&mut *conn).await?.rows_affected());
    }
    for a in &signed.answers {
        on_tx!(tx, conn => sqlx::query(
            "insert into inspection_answers (inspection_id, item_code, point, answer, verdict) values ($1, $2, $3, $4, $5)")
            .bind(id).bind(&a.item_code).bind(a.point).bind(checklist::to_json(a)).bind(&a.verdict)
            .execute(&mut *conn).await?.rows_affected());
    }
    for f in &signed.files {
        let point = signed
            .answers
            .iter()
            .find(|a| a.photos.contains(&f.sha256))
            .map(|a| (a.item_code.as_str(), a.point));
        evidence::link(&mut tx, actor, now, id, f, point).await?;
    }
    let seq = record(
        &mut tx,
        now,
        actor,
        "inspection.recorded",
        ("inspection", &id.to_string()),
        &json!({"uscc": input.uscc, "department": dept.code, "items": cited, "method": input.method,
                "source": input.source, "inspected_on": input.inspected_on, "team": input.team, "outcome": input.outcome,
                "checkin_id": input.checkin_id, "no_checkin_reason": input.no_checkin_reason.trim(),
                "answers": signed.answers, "rectify_by": input.rectify_by, "corrects": input.corrects,
                "follows_up": input.follows_up, "joint_with": input.joint_with,
                "evidence": signed.files.iter().map(|f| &f.sha256).collect::<Vec<_>>()}),
    )
    .await?;
    if let Some(uid) = signed.signer {
        super::cosign::signed_by_recorder(&mut tx, id, uid, now).await?;
    }
    // The receipt cites this entry of the audit chain.
    on_tx!(tx, c => sqlx::query("update inspections set audit_seq = $2 where id = $1")
        .bind(id).bind(seq).execute(&mut *c).await?.rows_affected());
    if input.corrects.is_none() {
        super::alerts::after_visit(&mut tx, now, &input.uscc, input.inspected_on, id).await?;
    }
    if let Some(cal) = &calendar {
        let notes = input.notes.trim();
        let summary = if notes.is_empty() {
            format!("检查记录 {id} 结论为移送立案")
        } else {
            format!("检查记录 {id} 移送立案：{notes}")
        };
        (port.raise)(
            &mut tx,
            actor,
            now,
            cal,
            super::ports::TransferredVisit {
                department_id: dept.id,
                uscc: &input.uscc,
                inspection_id: id,
                inspected_on: input.inspected_on,
                summary: &summary,
            },
        )
        .await?;
    }
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
    Option<NaiveDate>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

async fn with_items(db: &Db, rows: Vec<Row>) -> Result<Vec<Inspection>, sqlx::Error> {
    let mut out = Vec::new();
    for row in rows {
        let (id, uscc, department_id, method, source, inspected_on, team, outcome, notes, created_at) =
            (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9);
        let (rectify_by, corrects, follows_up, joint_with) = (row.10, row.11, row.12, row.13);
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
            rectify_by,
            corrects,
            follows_up,
            joint_with,
            created_at,
        });
    }
    Ok(out)
}

const COLS: &str = "id, uscc, department_id, method, source, inspected_on, team, outcome, notes, created_at, \
                    rectify_by, corrects, follows_up, joint_with";

/// One inspection.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<Inspection>, sqlx::Error> {
    let sql = format!("select {COLS} from inspections where id = $1");
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await?);
    Ok(with_items(db, rows).await?.into_iter().next())
}

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

/// The departments that joined a joint inspection (联合检查: the lead
/// record and the records joined to it); none for any other inspection.
pub async fn work_partners(db: &Db, i: &Inspection) -> Result<Vec<i64>, sqlx::Error> {
    if i.source != "joint" {
        return Ok(Vec::new());
    }
    let lead = i.joint_with.unwrap_or(i.id);
    Ok(
        on_db!(db, pool => sqlx::query_scalar("select department_id from inspections where id = $1 or joint_with = $1")
        .bind(lead).fetch_all(pool).await?),
    )
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
                title: format!("{}：{}", i.method_zh(), i.outcome_zh()),
                detail: format!("{} · 检查人员 {}", items.join("、"), i.team.join("、")),
                link: Some(format!("/inspections/{}", i.id)),
                work: Some(crate::registry::chain::WorkOf {
                    department_id: i.department_id,
                    partners: work_partners(db, &i).await?,
                }),
            });
        }
        Ok(out)
    })
}

/// 扫码监管: an on-site inspection rests on a check-in at the entity, made
/// by one of the team on the day of the inspection, or on a recorded reason
/// why there is none (e.g. the code was unreadable).
async fn check_in_rule(db: &Db, input: &NewInspection, uscc: &str, team: &[Member]) -> AppResult<()> {
    let refuse = |m: &str| AppError::field(ErrorCode::CheckinRequired, "checkin_id", m);
    let row: Option<(String, i64, DateTime<Utc>)> = match input.checkin_id {
        Some(id) => Some(
            on_db!(db, pool => sqlx::query_as("select uscc, user_id, at from checkins where id = $1")
                .bind(id).fetch_optional(pool).await?)
            .ok_or_else(|| refuse(scan::MISMATCH))?,
        ),
        None => None,
    };
    let checkin = row.as_ref().map(|(u, by, at)| scan::CheckIn {
        uscc: u,
        by: *by,
        day: crate::platform::clock::china_day(*at),
    });
    let ids: Vec<i64> = team.iter().map(|m| m.id).collect();
    scan::check_on_site(checkin, &input.no_checkin_reason, uscc, &ids, input.inspected_on).map_err(refuse)
}

/// A check-in at an entity by an inspector on site.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckIn {
    pub id: i64,
    pub uscc: String,
    pub at: DateTime<Utc>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Record that `user` is at `uscc` now (time and, when the phone gives it,
/// place).
pub async fn check_in(
    db: &Db,
    user: &CurrentUser,
    now: DateTime<Utc>,
    uscc: &str,
    latitude: Option<f64>,
    longitude: Option<f64>,
) -> AppResult<CheckIn> {
    let uscc = Uscc::parse(uscc).map_err(|e| AppError::field(ErrorCode::InvalidUscc, "uscc", e.to_string()))?;
    let entity = registry::get(db, uscc.as_str())
        .await?
        .ok_or_else(|| AppError::not_found("entity"))?;
    if !user.reads_territory(&entity.division_code) {
        return Err(AppError::out_of_scope());
    }
    let place = match (latitude, longitude) {
        (Some(a), Some(b)) if (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b) => (Some(a), Some(b)),
        _ => (None, None),
    };
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "insert into checkins (uscc, user_id, at, latitude, longitude) values ($1, $2, $3, $4, $5) returning id")
        .bind(uscc.as_str()).bind(user.user.id).bind(now).bind(place.0).bind(place.1).fetch_one(&mut *c).await?);
    record(
        &mut tx,
        now,
        &user.actor(),
        "inspection.checked_in",
        ("entity", uscc.as_str()),
        &json!({"checkin_id": id, "latitude": place.0, "longitude": place.1}),
    )
    .await?;
    tx.commit().await?;
    Ok(CheckIn {
        id,
        uscc: uscc.as_str().to_string(),
        at: now,
        latitude: place.0,
        longitude: place.1,
    })
}

/// The enterprise's confirmation and rating of a visit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Feedback {
    /// 1 (poor) to 5 (good).
    pub rating: i32,
    #[serde(default)]
    pub comment: String,
}

/// The enterprise user confirms and rates an inspection of its entity, once.
pub async fn confirm(db: &Db, user: &CurrentUser, now: DateTime<Utc>, id: i64, f: &Feedback) -> AppResult<()> {
    if !(1..=5).contains(&f.rating) {
        return Err(AppError::field(ErrorCode::ValidationFailed, "rating", "评分为1至5"));
    }
    if f.comment.chars().count() > 1000 {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "comment",
            "意见不超过1000字",
        ));
    }
    let uscc: Option<String> = on_db!(db, pool => sqlx::query_scalar("select uscc from inspections where id = $1")
        .bind(id).fetch_optional(pool).await?);
    let uscc = uscc.ok_or_else(|| AppError::not_found("inspection"))?;
    if user.user.uscc.as_deref() != Some(uscc.as_str()) {
        return Err(AppError::out_of_scope());
    }
    let mut tx = db.begin().await?;
    let done: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("select inspection_id from inspection_feedback where inspection_id = $1")
        .bind(id).fetch_optional(&mut *c).await?);
    if done.is_some() {
        return Err(AppError::new(ErrorCode::Conflict, "该检查已确认"));
    }
    on_tx!(tx, c => sqlx::query(
        "insert into inspection_feedback (inspection_id, confirmed_at, rating, comment, user_id) values ($1, $2, $3, $4, $5)")
        .bind(id).bind(now).bind(f.rating).bind(f.comment.trim()).bind(user.user.id).execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        &user.actor(),
        "inspection.confirmed",
        ("inspection", &id.to_string()),
        &json!({"rating": f.rating, "comment": f.comment.trim()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The feedback on an inspection, if any: (rating, comment, confirmed at).
pub async fn feedback(db: &Db, id: i64) -> Result<Option<(i32, String, DateTime<Utc>)>, sqlx::Error> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "select rating, comment, confirmed_at from inspection_feedback where inspection_id = $1")
        .bind(id).fetch_optional(pool).await?))
}

/// The audit entry (sequence number, hash) an inspection was recorded in.
pub async fn audit_entry(db: &Db, id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "select a.seq, a.hash from inspections i join audit_log a on a.seq = i.audit_seq where i.id = $1")
        .bind(id).fetch_optional(pool).await?))
}
