//! Random-inspection tasks (双随机) as stored: the task rows and their
//! partners' answers, drawing with the value supplied at the draw, the
//! recusals after it, the bundles and results that are published. The
//! algorithm is `jianguan_rules::draw`; scheduling (the directories and
//! the commitment) is `draws::schedule`.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::draw::{
    self, Bundle, Candidate, CompactCandidates, DrawInput, DrawResult, Inspector, Recusal, StratumRule, TeamNeeds,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

use crate::audit::{Actor, record};
use crate::platform::auth::jurisdiction::WorkSql;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

/// Credit classes (国市监信发〔2022〕6号). Until the credit context grades
/// entities, every entity counts as B.
pub const CLASSES: [&str; 4] = ["A", "B", "C", "D"];

/// Default sampling ratios per class in basis points: a configurable
/// default after the local schemes in DOMAIN.md §2.2 (A low, D high).
pub const DEFAULT_RATIOS: [u32; 4] = [300, 500, 3000, 8000];

/// What a regulator asks for when scheduling a task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskSpec {
    pub title: String,
    /// Catalog item codes; each must be published and belong to one of the
    /// participating departments' kinds.
    pub items: Vec<String>,
    /// Division codes of the regions covered (default: the lead department's).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Codes of partner departments for a joint task (联合双随机).
    #[serde(default)]
    pub partners: Vec<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Ratio per credit class in basis points, e.g. {"A": 300, "B": 500}.
    #[serde(default)]
    pub ratios: BTreeMap<String, u32>,
    /// Ratio per risk level (A low to D high) the lead department's field
    /// graded entities at, e.g. {"D": 10000}; an entity graded at such a
    /// level forms the stratum `class/level`, sampled at the higher of the
    /// two ratios (`jianguan_rules::strata`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub risk_ratios: BTreeMap<String, u32>,
    /// Leave out entities inspected under one of the items within this many
    /// months (default 12).
    #[serde(default = "twelve")]
    pub exclude_recent_months: u32,
    /// The annual plan the task carries out (approved or published, of the
    /// lead department); its items must be lines of that plan.
    #[serde(default)]
    pub plan_id: Option<i64>,
    /// The field of enforcement (执法领域) every team member must have,
    /// e.g. 特种设备; none means any certified inspector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
}

fn twelve() -> u32 {
    12
}

/// The frozen inputs of a draw.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inputs {
    pub candidates: Vec<Candidate>,
    pub rules: Vec<StratumRule>,
    pub full: Vec<String>,
    pub inspectors: Vec<Inspector>,
    pub needs: TeamNeeds,
    pub recusals: Vec<Recusal>,
    /// Salt of the recusal commitments the public bundle carries instead
    /// of the recusals (hex; empty for tasks frozen before it existed).
    #[serde(default)]
    pub recusal_salt: String,
}

impl Inputs {
    /// The candidates in the algorithm's compact form.
    pub fn compact(&self) -> AppResult<CompactCandidates> {
        CompactCandidates::from_candidates(&self.candidates).map_err(AppError::internal)
    }

    /// The draw's input over `compact` (from [`Inputs::compact`]).
    pub fn input<'a>(&'a self, compact: &'a CompactCandidates) -> DrawInput<'a> {
        DrawInput {
            candidates: compact,
            rules: &self.rules,
            full: &self.full,
            inspectors: &self.inspectors,
            needs: &self.needs,
            recusals: &self.recusals,
        }
    }
}

/// A task as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub id: i64,
    pub title: String,
    #[serde(skip)]
    pub department_id: i64,
    #[serde(skip)]
    pub department_kind: String,
    #[serde(skip)]
    pub department_division: String,
    pub department_code: String,
    pub department_name: String,
    /// Partner departments of a joint task and their answers: a task with
    /// partners is `proposed` until every one has accepted.
    pub partner_answers: Vec<PartnerAnswer>,
    #[schema(value_type = Object)]
    pub spec: TaskSpec,
    pub status: TaskStatus,
    pub algorithm: String,
    pub candidates: i64,
    /// SHA-256 of the secret seed, published when scheduled.
    pub commitment: String,
    pub snapshot_digest: String,
    pub inspector_digest: String,
    /// The secret, revealed once drawn.
    pub secret: Option<String>,
    pub public_value: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub result: Option<DrawResult>,
    pub scheduled_at: DateTime<Utc>,
    pub drawn_at: Option<DateTime<Utc>>,
}

/// A partner department's answer to a joint task.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct PartnerAnswer {
    #[serde(skip)]
    pub department_id: i64,
    pub department_code: String,
    pub department_name: String,
    /// `pending`, `accepted` or `declined`.
    pub answer: String,
    pub answered_at: Option<DateTime<Utc>>,
}

impl PartnerAnswer {
    pub fn answer_zh(&self) -> &'static str {
        match self.answer.as_str() {
            "accepted" => "已同意",
            "declined" => "已拒绝",
            _ => "待答复",
        }
    }
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// A joint task awaiting its partners' answers: nothing frozen yet.
    Proposed,
    /// A partner declined.
    Declined,
    /// Committed, not drawn.
    Scheduled,
    Drawn,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::Proposed,
        TaskStatus::Declined,
        TaskStatus::Scheduled,
        TaskStatus::Drawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Proposed => "proposed",
            TaskStatus::Declined => "declined",
            TaskStatus::Scheduled => "scheduled",
            TaskStatus::Drawn => "drawn",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TaskStatus::Proposed => "待联合部门同意",
            TaskStatus::Declined => "联合部门未同意",
            TaskStatus::Scheduled => "已公示承诺，待抽取",
            TaskStatus::Drawn => "已抽取",
        }
    }
}

impl TryFrom<String> for TaskStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown draw task status {s:?}"))
    }
}

crate::platform::db::text_state!(TaskStatus);

impl Task {
    pub fn status_zh(&self) -> &'static str {
        self.status.label_zh()
    }

    pub fn is_drawn(&self) -> bool {
        self.status == TaskStatus::Drawn
    }

    /// The lead department, for jurisdiction checks.
    pub fn owner(&self) -> Option<crate::platform::auth::jurisdiction::Dept> {
        crate::platform::auth::jurisdiction::owner(self.department_id, &self.department_kind, &self.department_division)
    }

    /// Departments that joined (or were asked to join) the task.
    pub fn partner_ids(&self) -> Vec<i64> {
        self.partner_answers.iter().map(|p| p.department_id).collect()
    }

    /// Committed to the public: scheduled or drawn.
    pub fn is_published(&self) -> bool {
        matches!(self.status, TaskStatus::Scheduled | TaskStatus::Drawn)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    department_id: i64,
    department_kind: String,
    department_division: String,
    department_code: String,
    department_name: String,
    spec: String,
    status: TaskStatus,
    algorithm: String,
    candidates: i64,
    commitment: String,
    snapshot_digest: String,
    inspector_digest: String,
    secret: String,
    public_value: Option<String>,
    result: Option<String>,
    scheduled_at: DateTime<Utc>,
    drawn_at: Option<DateTime<Utc>>,
}

const COLS: &str = "t.id, t.title, t.department_id, d.kind as department_kind, d.division_code as department_division,
    d.code as department_code, d.name as department_name, t.spec, t.status, t.algorithm, t.candidates, t.commitment,
    t.snapshot_digest, t.inspector_digest, t.secret, t.public_value, t.result, t.scheduled_at, t.drawn_at";

fn task(r: Row, partner_answers: Vec<PartnerAnswer>) -> Result<Task, sqlx::Error> {
    let dec = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
    let drawn_now = r.status == TaskStatus::Drawn;
    Ok(Task {
        id: r.id,
        title: r.title,
        department_id: r.department_id,
        department_kind: r.department_kind,
        department_division: r.department_division,
        department_code: r.department_code,
        department_name: r.department_name,
        partner_answers,
        spec: serde_json::from_str(&r.spec).map_err(dec)?,
        status: r.status,
        algorithm: r.algorithm,
        candidates: r.candidates,
        commitment: r.commitment,
        snapshot_digest: r.snapshot_digest,
        inspector_digest: r.inspector_digest,
        // The secret stays secret until the draw.
        secret: drawn_now.then_some(r.secret),
        public_value: r.public_value,
        result: r.result.map(|r| serde_json::from_str(&r)).transpose().map_err(dec)?,
        scheduled_at: r.scheduled_at,
        drawn_at: r.drawn_at,
    })
}

type PartnerRow = (i64, i64, String, String, String, Option<DateTime<Utc>>);

async fn tasks(db: &Db, rows: Vec<Row>) -> Result<Vec<Task>, sqlx::Error> {
    let mut partners: HashMap<i64, Vec<PartnerAnswer>> = HashMap::new();
    if !rows.is_empty() {
        // A province has a few hundred tasks a year and a handful of joint
        // ones: one read of all answers beats one query per task.
        // One task (the common read) asks for its own answers only.
        let one = (rows.len() == 1).then(|| rows[0].id);
        let all: Vec<PartnerRow> = on_db!(db, pool => sqlx::query_as(
            "select p.task_id, p.department_id, d.code, d.name, p.answer, p.answered_at
             from draw_partners p join departments d on d.id = p.department_id
             where $1 is null or p.task_id = $1 order by p.task_id, d.code")
            .bind(one).fetch_all(pool).await?);
        for (task_id, department_id, department_code, department_name, answer, answered_at) in all {
            partners.entry(task_id).or_default().push(PartnerAnswer {
                department_id,
                department_code,
                department_name,
                answer,
                answered_at,
            });
        }
    }
    rows.into_iter()
        .map(|r| {
            let p = partners.remove(&r.id).unwrap_or_default();
            task(r, p)
        })
        .collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Task>, sqlx::Error> {
    let sql = format!("select {COLS} from draw_tasks t join departments d on d.id = t.department_id where t.id = $1");
    let row: Option<Row> = on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
    Ok(tasks(db, row.into_iter().collect()).await?.pop())
}

/// Every task, newest first, proposals included (for the assignment
/// index, which reads drawn ones only).
async fn list_all(db: &Db) -> Result<Vec<Task>, sqlx::Error> {
    let sql =
        format!("select {COLS} from draw_tasks t join departments d on d.id = t.department_id order by t.id desc");
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
    tasks(db, rows).await
}

/// Published tasks (scheduled or drawn), newest first: public from the
/// moment they are scheduled, since the commitment must be seen before the
/// draw. Proposals awaiting partners are not committed yet.
pub async fn list_published(db: &Db) -> Result<Vec<Task>, sqlx::Error> {
    let sql = format!(
        "select {COLS} from draw_tasks t join departments d on d.id = t.department_id
         where t.status in ('scheduled', 'drawn') order by t.id desc"
    );
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
    tasks(db, rows).await
}

/// Tasks the caller reads: of its department, of same-kind lower
/// departments, and those it was asked to join.
pub async fn list(db: &Db, work: &WorkSql) -> Result<Vec<Task>, sqlx::Error> {
    let sql = format!(
        "select {COLS} from draw_tasks t join departments d on d.id = t.department_id
         where {} or exists (select 1 from draw_partners p where p.task_id = t.id and p.department_id = $1)
         order by t.id desc",
        WorkSql::clause(1)
    );
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(&sql).bind(work.own).bind(&work.kind).bind(&work.like)
        .fetch_all(pool).await?);
    tasks(db, rows).await
}

async fn inputs(db: &Db, id: i64) -> Result<Option<(Inputs, String)>, sqlx::Error> {
    let row: Option<(String, String)> = on_db!(db, pool => sqlx::query_as("select inputs, secret from draw_tasks where id = $1")
        .bind(id).fetch_optional(pool).await?);
    row.map(|(i, s)| {
        serde_json::from_str(&i)
            .map(|i| (i, s))
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))
    })
    .transpose()
}

/// Draw a scheduled task with the value supplied at the draw (for example
/// by the observer present), reveal the secret and publish the result.
pub async fn run(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, public_value: &str) -> AppResult<Task> {
    let public_value = public_value.trim();
    if public_value.is_empty() || public_value.chars().count() > 200 {
        return Err(AppError::invalid("public_value", "现场输入值为1至200个字符"));
    }
    let t = get(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))?;
    if matches!(t.status, TaskStatus::Proposed | TaskStatus::Declined) {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "联合部门尚未全部同意，任务未公示承诺，不能抽取",
        ));
    }
    if t.status != TaskStatus::Scheduled {
        return Err(AppError::new(ErrorCode::Conflict, "该任务已经抽取"));
    }
    let (inputs, secret_hex) = inputs(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))?;
    let secret = hex::decode(&secret_hex).map_err(AppError::internal)?;
    let compact = inputs.compact()?;
    let input = inputs.input(&compact);
    // The draw is CPU work over possibly millions of candidates.
    let result =
        tokio::task::block_in_place(|| draw::draw(&input, &secret, public_value)).map_err(AppError::internal)?;
    let result_json = serde_json::to_string(&result).map_err(AppError::internal)?;
    let mut tx = db.begin().await?;
    let changed = on_tx!(tx, c => sqlx::query(
        "update draw_tasks set status = 'drawn', public_value = $2, result = $3, drawn_at = $4 where id = $1 and status = 'scheduled'")
        .bind(id).bind(public_value).bind(&result_json).bind(now).execute(&mut *c).await?.rows_affected());
    if changed != 1 {
        return Err(AppError::new(ErrorCode::Conflict, "该任务已经抽取"));
    }
    record(
        &mut tx,
        now,
        actor,
        "draw.drawn",
        ("draw_task", &id.to_string()),
        &json!({"public_value": public_value, "secret": secret_hex, "selected": result.selected.len(),
                "result_sha256": jianguan_rules::audit::sha256_hex(result_json.as_bytes())}),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))
}

/// A recusal after the draw (回避, 行政处罚法第四十三条): `inspector` leaves the
/// team of `code` and a replacement is drawn from the same team stream,
/// continuing where it stopped; the replacement is logged in the result and
/// replayed by verifiers.
pub async fn recuse(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    code: &str,
    inspector: &str,
) -> AppResult<Task> {
    let t = get(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))?;
    let Some(mut result) = t.result else {
        return Err(AppError::new(ErrorCode::Conflict, "任务尚未抽取"));
    };
    let (inputs, secret_hex) = inputs(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))?;
    let secret = hex::decode(&secret_hex).map_err(AppError::internal)?;
    let compact = inputs.compact()?;
    let input = inputs.input(&compact);
    let entry = draw::replace(&mut result, &input, &secret, code, inspector)
        .map_err(|e| AppError::field(ErrorCode::ValidationFailed, "team", e.to_string()))?;
    let mut replacements: Vec<draw::Replacement> = replacements_of(db, id).await?;
    replacements.push(draw::Replacement {
        code: code.to_string(),
        inspector: inspector.to_string(),
    });
    let result_json = serde_json::to_string(&result).map_err(AppError::internal)?;
    let repl_json = serde_json::to_string(&replacements).map_err(AppError::internal)?;
    let mut tx = db.begin().await?;
    on_tx!(tx, c => sqlx::query("update draw_tasks set result = $2, replacements = $3 where id = $1")
        .bind(id).bind(&result_json).bind(&repl_json).execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        actor,
        "draw.recusal",
        ("draw_task", &id.to_string()),
        &json!({"code": code, "inspector": inspector, "log": entry}),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))
}

async fn replacements_of(db: &Db, id: i64) -> Result<Vec<draw::Replacement>, sqlx::Error> {
    let text: Option<String> = on_db!(db, pool => sqlx::query_scalar("select replacements from draw_tasks where id = $1")
        .bind(id).fetch_optional(pool).await?);
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
}

/// Everything needed to verify a drawn task, as one document.
pub async fn bundle(db: &Db, id: i64) -> AppResult<Bundle> {
    let t = get(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))?;
    let (Some(result), Some(secret), Some(public_value)) = (t.result, t.secret, t.public_value) else {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "this task has not been drawn yet; its commitment is published",
        ));
    };
    let (inputs, _) = inputs(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))?;
    Ok(Bundle {
        algorithm: t.algorithm,
        candidates: inputs.candidates,
        rules: inputs.rules,
        full: inputs.full,
        inspectors: inputs.inspectors,
        needs: inputs.needs,
        recusals: inputs.recusals,
        recusal_commitments: Vec::new(),
        recusals_withheld: false,
        recusal_salt: inputs.recusal_salt,
        replacements: replacements_of(db, id).await?,
        secret,
        public_value,
        commitment: t.commitment,
        snapshot_digest: t.snapshot_digest,
        inspector_digest: t.inspector_digest,
        result,
    })
}

/// The outcome of one drawn entity's inspection, as published.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DrawnResult {
    pub uscc: String,
    pub name: String,
    /// Empty until the inspection is recorded.
    pub inspected_on: Option<NaiveDate>,
    /// `no_problem`, `rectify` or `case`; empty until inspected.
    pub outcome: String,
    pub outcome_zh: String,
}

/// The drawn entities with the result of their inspection under the task's
/// items in its period. A result is published as soon as it is recorded,
/// well within the 20 working days 企业信息公示暂行条例第六条 allows.
pub async fn results(db: &Db, task: &Task) -> Result<Vec<DrawnResult>, sqlx::Error> {
    let Some(r) = &task.result else { return Ok(Vec::new()) };
    let codes: Vec<String> = r.selected.iter().map(|s| s.code.clone()).collect();
    let names: HashMap<String, String> = crate::registry::store::get_many(db, &codes)
        .await?
        .into_iter()
        .map(|e| (e.uscc, e.name))
        .collect();
    let mut out = Vec::new();
    for code in codes {
        let mut found: Option<(NaiveDate, String)> = None;
        for item in &task.spec.items {
            let row: Option<(NaiveDate, String)> = on_db!(db, pool => sqlx::query_as(
                "select i.inspected_on, i.outcome from inspections i join inspection_items ii on ii.inspection_id = i.id
                 where i.uscc = $1 and ii.item_code = $2 and i.source in ('random', 'joint')
                   and i.inspected_on >= $3 and i.inspected_on <= $4 order by i.inspected_on desc limit 1")
                .bind(&code).bind(item).bind(task.spec.period_start).bind(task.spec.period_end).fetch_optional(pool).await?);
            if let Some(row) = row
                && found.as_ref().is_none_or(|f| row.0 > f.0)
            {
                found = Some(row);
            }
        }
        let (inspected_on, outcome) = match found {
            Some((d, o)) => (Some(d), o),
            None => (None, String::new()),
        };
        out.push(DrawnResult {
            name: names.get(&code).cloned().unwrap_or_default(),
            uscc: code,
            inspected_on,
            outcome_zh: crate::inspection::store::label(&crate::inspection::store::OUTCOMES, &outcome).to_string(),
            outcome,
        });
    }
    Ok(out)
}

/// An inspector declares a conflict of interest with an entity (回避,
/// 行政处罚法第四十三条); later draws never pair them.
pub async fn declare_conflict(
    db: &Db,
    user: &crate::platform::auth::CurrentUser,
    now: DateTime<Utc>,
    uscc: &str,
    reason: &str,
) -> AppResult<()> {
    let code = jianguan_rules::Uscc::parse(uscc)
        .map_err(|e| AppError::field(ErrorCode::InvalidUscc, "uscc", e.to_string()))?;
    if reason.trim().chars().count() < 2 {
        return Err(AppError::invalid("reason", "请说明回避理由"));
    }
    let mut tx = db.begin().await?;
    on_tx!(tx, c => sqlx::query(
        "insert into conflicts (user_id, uscc, reason, declared_at) values ($1, $2, $3, $4)
         on conflict (user_id, uscc) do update set reason = excluded.reason")
        .bind(user.user.id).bind(code.as_str()).bind(reason.trim()).bind(now).execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        &user.actor(),
        "draw.conflict_declared",
        ("entity", code.as_str()),
        &json!({"user_id": user.user.id, "reason": reason.trim()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One entity an inspector was drawn to inspect, and whether their
/// department has recorded it yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    pub task_id: i64,
    pub task_title: String,
    pub uscc: String,
    pub name: String,
    pub items: Vec<String>,
    pub period_end: NaiveDate,
    pub team: Vec<String>,
    /// A joint task (several departments, 进一次门、查多项事).
    pub joint: bool,
    /// The department's inspection of it within the period, once recorded.
    pub done: Option<i64>,
}

impl Assignment {
    pub fn items_param(&self) -> String {
        self.items.join(",")
    }
}

/// What `username` (of department `department_id`) was drawn for, open
/// ones first. Reads every drawn task's result: fine for a province's few
/// hundred tasks a year; an index table would serve a nation.
pub async fn assignments(db: &Db, username: &str, department_id: i64) -> Result<Vec<Assignment>, sqlx::Error> {
    let mut out = Vec::new();
    for t in list_all(db).await? {
        let Some(r) = &t.result else { continue };
        for team in r.teams.iter().filter(|x| x.inspectors.iter().any(|i| i == username)) {
            let mut done = None;
            for item in &t.spec.items {
                let row: Option<i64> = on_db!(db, pool => sqlx::query_scalar(
                    "select i.id from inspections i join inspection_items ii on ii.inspection_id = i.id
                     where i.uscc = $1 and ii.item_code = $2 and i.department_id = $3 and i.corrects is null
                       and i.inspected_on >= $4 and i.inspected_on <= $5 order by i.id limit 1")
                    .bind(&team.code).bind(item).bind(department_id)
                    .bind(t.spec.period_start).bind(t.spec.period_end).fetch_optional(pool).await?);
                done = done.or(row);
            }
            out.push(Assignment {
                task_id: t.id,
                task_title: t.title.clone(),
                uscc: team.code.clone(),
                name: String::new(),
                items: t.spec.items.clone(),
                period_end: t.spec.period_end,
                team: team.inspectors.clone(),
                joint: !t.spec.partners.is_empty(),
                done,
            });
        }
    }
    let codes: Vec<String> = out.iter().map(|a| a.uscc.clone()).collect();
    let names: HashMap<String, String> = crate::registry::store::get_many(db, &codes)
        .await?
        .into_iter()
        .map(|e| (e.uscc, e.name))
        .collect();
    for a in &mut out {
        a.name = names.get(&a.uscc).cloned().unwrap_or_default();
    }
    out.sort_by_key(|a| (a.done.is_some(), a.period_end, a.task_id));
    Ok(out)
}

/// The bundle the public verifies: the recusals withheld as commitments
/// (who inspected an entity last time and who declared a conflict with it
/// are not public), and, before the inspection period starts, the teams'
/// members too (publishing who will call where invites pressure on them).
pub async fn public_bundle(db: &Db, id: i64, today: NaiveDate) -> AppResult<Bundle> {
    let task = get(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))?;
    let mut b = draw::withhold_recusals(bundle(db, id).await?);
    if today < task.spec.period_start {
        for t in &mut b.result.teams {
            t.inspectors.clear();
        }
        b.result.log.clear();
        b.replacements.clear();
    }
    Ok(b)
}

/// Whether a task stratifies by the internal risk grades of its entities.
pub fn uses_internal_grades(task: &Task) -> bool {
    !task.spec.risk_ratios.is_empty()
}

/// A task as the public sees it. Risk grades are an internal basis for
/// allocating inspections and are not published (the same principle as
/// 国市监信发〔2022〕6号 for credit classes), so for a task stratified by
/// them the public reads each drawn entity's credit class, not its
/// `class/level` stratum; the per-stratum counts stay public.
pub fn public_view(mut task: Task, today: NaiveDate) -> Task {
    // Teams are named to the public once the inspection period starts.
    if today < task.spec.period_start
        && let Some(r) = task.result.as_mut()
    {
        for t in &mut r.teams {
            t.inspectors.clear();
        }
        r.log.clear();
    }
    if uses_internal_grades(&task)
        && let Some(r) = task.result.as_mut()
    {
        for s in &mut r.selected {
            if let Some((class, _)) = s.stratum.split_once('/') {
                s.stratum = class.to_string();
            }
        }
    }
    task
}
