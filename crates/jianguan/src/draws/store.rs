//! Random-inspection tasks (双随机): building the object and inspector
//! directories, freezing them with a commitment when a task is scheduled,
//! and drawing with the value supplied at the draw. The algorithm is
//! `jianguan_rules::draw`; this module gathers its inputs from the
//! registry, the catalog, the key list and past inspections, and keeps
//! what must be published.

use chrono::{DateTime, Months, NaiveDate, Utc};
use jianguan_rules::catalog::ItemStatus;
use jianguan_rules::draw::{
    self, ALGORITHM, Bundle, Candidate, CompactCandidates, DrawInput, DrawResult, Inspector, Recusal, StratumRule,
    TeamNeed, TeamNeeds,
};
use jianguan_rules::strata;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use utoipa::ToSchema;

use crate::audit::{Actor, record};
use crate::catalog::plans::directory_sample;
use crate::catalog::store as catalog;
use crate::org::model::Department;
use crate::org::store as org;
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

/// Schedule a task for `spec` led by `lead`. Without partners its
/// directories are frozen and committed at once (`scheduled`); with
/// partners it is `proposed` until each partner accepts ([`answer`]).
pub async fn schedule(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    lead: &Department,
    spec: &TaskSpec,
) -> AppResult<i64> {
    let checked = check(db, lead, spec).await?;
    if checked.departments.len() == 1 {
        let frozen = freeze(db, lead, spec, &checked).await?;
        let mut tx = db.begin().await?;
        let id = insert_proposed(&mut tx, actor, now, lead, spec, &checked).await?;
        commit_frozen(&mut tx, actor, now, id, &frozen).await?;
        tx.commit().await?;
        return Ok(id);
    }
    let mut tx = db.begin().await?;
    let id = insert_proposed(&mut tx, actor, now, lead, spec, &checked).await?;
    for d in checked.departments.iter().skip(1) {
        on_tx!(tx, c => sqlx::query("insert into draw_partners (task_id, department_id, answer) values ($1, $2, 'pending')")
            .bind(id).bind(d.id).execute(&mut *c).await?.rows_affected());
    }
    record(
        &mut tx,
        now,
        actor,
        "draw.proposed",
        ("draw_task", &id.to_string()),
        &json!({"partners": checked.departments.iter().skip(1).map(|d| &d.code).collect::<Vec<_>>()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The task row, `proposed`: nothing frozen or committed yet.
async fn insert_proposed(
    tx: &mut crate::platform::db::Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    lead: &Department,
    spec: &TaskSpec,
    checked: &Checked,
) -> AppResult<i64> {
    Ok(on_tx!(tx, c => sqlx::query_scalar(
        "insert into draw_tasks (title, department_id, spec, status, algorithm, inputs, candidates, commitment, snapshot_digest,
             inspector_digest, secret, created_by, scheduled_at)
         values ($1, $2, $3, 'proposed', $4, '{}', 0, '', '', '', '', $5, $6) returning id")
        .bind(spec.title.trim()).bind(lead.id).bind(&checked.spec_json).bind(ALGORITHM)
        .bind(actor.as_string()).bind(now).fetch_one(&mut *c).await?))
}

/// A partner department answers a proposed joint task. When the last
/// partner accepts, the directories are frozen and the commitment
/// published; one refusal ends the proposal. Only a department asked may
/// answer, and only while the task is proposed.
pub async fn answer(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    partner: &Department,
    accept: bool,
) -> AppResult<Task> {
    let task = get(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))?;
    if !task.partner_answers.iter().any(|p| p.department_id == partner.id) {
        return Err(AppError::new(ErrorCode::Forbidden, "本部门不是该任务的联合部门"));
    }
    if task.status != TaskStatus::Proposed {
        return Err(AppError::new(ErrorCode::Conflict, "该任务已不在待联合部门答复状态"));
    }
    let answer = if accept { "accepted" } else { "declined" };
    let mut tx = db.begin().await?;
    let n = on_tx!(tx, c => sqlx::query(
        "update draw_partners set answer = $3, answered_by = $4, answered_at = $5
         where task_id = $1 and department_id = $2 and answer = 'pending'")
        .bind(id).bind(partner.id).bind(answer).bind(actor.as_string()).bind(now).execute(&mut *c).await?.rows_affected());
    if n != 1 {
        return Err(AppError::new(ErrorCode::Conflict, "本部门已答复该任务"));
    }
    record(
        &mut tx,
        now,
        actor,
        if accept {
            "draw.partner_accepted"
        } else {
            "draw.partner_declined"
        },
        ("draw_task", &id.to_string()),
        &json!({"department_id": partner.id}),
    )
    .await?;
    let waiting = task
        .partner_answers
        .iter()
        .any(|p| p.department_id != partner.id && p.answer != "accepted");
    if !accept {
        on_tx!(tx, c => sqlx::query("update draw_tasks set status = 'declined' where id = $1 and status = 'proposed'")
            .bind(id).execute(&mut *c).await?.rows_affected());
    } else if !waiting {
        // Every partner has agreed: freeze the directories now, so that
        // the inspectors drawn are those of departments that joined.
        let lead = org::department_by_code(db, &task.department_code)
            .await?
            .ok_or_else(|| AppError::internal("draw task without its department"))?;
        let checked = check(db, &lead, &task.spec).await?;
        let frozen = freeze(db, &lead, &task.spec, &checked).await?;
        commit_frozen(&mut tx, actor, now, id, &frozen).await?;
    }
    tx.commit().await?;
    get(db, id).await?.ok_or_else(|| AppError::not_found("draw task"))
}

/// What [`check`] established about a spec.
struct Checked {
    /// The lead department first, then the partners.
    departments: Vec<Department>,
    items: Vec<crate::catalog::model::CatalogItem>,
    regions: Vec<String>,
    spec_json: String,
}

/// The directories and commitment of a task, ready to store.
struct Frozen {
    inputs_json: String,
    candidates: i64,
    commitment: String,
    snapshot_digest: String,
    inspector_digest: String,
    secret: String,
}

async fn commit_frozen(
    tx: &mut crate::platform::db::Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    f: &Frozen,
) -> AppResult<()> {
    let n = on_tx!(tx, c => sqlx::query(
        "update draw_tasks set status = 'scheduled', inputs = $2, candidates = $3, commitment = $4, snapshot_digest = $5,
             inspector_digest = $6, secret = $7, scheduled_at = $8 where id = $1 and status = 'proposed'")
        .bind(id).bind(&f.inputs_json).bind(f.candidates).bind(&f.commitment).bind(&f.snapshot_digest)
        .bind(&f.inspector_digest).bind(&f.secret).bind(now).execute(&mut *c).await?.rows_affected());
    if n != 1 {
        return Err(AppError::new(ErrorCode::Conflict, "该任务已不在待联合部门答复状态"));
    }
    record(
        tx,
        now,
        actor,
        "draw.scheduled",
        ("draw_task", &id.to_string()),
        &json!({"commitment": f.commitment, "snapshot_digest": f.snapshot_digest, "inspector_digest": f.inspector_digest,
                "candidates": f.candidates, "algorithm": ALGORITHM}),
    )
    .await?;
    Ok(())
}

/// Validate a spec for `lead`: title, period, specialty, plan, partners,
/// items of the participating kinds, and regions within the lead
/// department's own region (程序规定第八条: a department acts in its area).
async fn check(db: &Db, lead: &Department, spec: &TaskSpec) -> AppResult<Checked> {
    if spec.title.trim().is_empty() {
        return Err(AppError::invalid("title", "必填"));
    }
    if spec.items.is_empty() {
        return Err(AppError::invalid("item_code", "至少一个监管事项"));
    }
    if spec.period_end < spec.period_start {
        return Err(AppError::invalid("period_end", "结束日期早于开始日期"));
    }
    if let Some(sp) = &spec.specialty
        && !crate::org::model::SPECIALTIES.contains(&sp.as_str())
    {
        return Err(AppError::invalid(
            "specialty",
            format!(
                "“{sp}”不是执法领域，应为：{}",
                crate::org::model::SPECIALTIES.join("、")
            ),
        ));
    }
    if let Some(pid) = spec.plan_id {
        let plan = crate::catalog::plans::get(db, pid)
            .await?
            .ok_or_else(|| AppError::invalid("plan_id", "没有该年度计划"))?;
        if plan.department_id != lead.id || plan.status == "draft" {
            return Err(AppError::invalid("plan_id", "只能按本部门已审批的年度计划抽查"));
        }
        if let Some(missing) = spec
            .items
            .iter()
            .find(|i| !plan.lines.iter().any(|l| &l.item_code == *i))
        {
            return Err(AppError::invalid("plan_id", format!("{missing} 不在该年度计划中")));
        }
    }
    let mut departments = vec![lead.clone()];
    for code in &spec.partners {
        let d = org::department_by_code(db, code)
            .await?
            .ok_or_else(|| AppError::invalid("partners", format!("没有编码为 {code} 的部门")))?;
        if !departments.iter().any(|x| x.id == d.id) {
            departments.push(d);
        }
    }
    if departments.len() > 6 {
        return Err(AppError::invalid("partners", "联合抽查的部门不超过6个"));
    }
    let mut items = Vec::new();
    for code in &spec.items {
        let item = catalog::get(db, code)
            .await?
            .filter(|i| i.status == ItemStatus::Published)
            .ok_or_else(|| {
                AppError::field(
                    ErrorCode::CatalogItemNotPublished,
                    "item_code",
                    format!("{code} 不是已发布的监管事项"),
                )
            })?;
        if !departments.iter().any(|d| d.kind == item.content.department_kind) {
            return Err(AppError::field(
                ErrorCode::DepartmentNotResponsible,
                "item_code",
                format!("参加任务的部门均不负责 {code}"),
            ));
        }
        items.push(item);
    }
    let regions: Vec<String> = if spec.regions.is_empty() {
        vec![lead.division_code.clone()]
    } else {
        spec.regions.clone()
    };
    let lead_division = lead
        .division()
        .ok_or_else(|| AppError::internal("department without a valid division"))?;
    let mut parsed = Vec::new();
    for r in &regions {
        parsed.push(jianguan_rules::DivisionCode::parse(r).map_err(|e| AppError::invalid("regions", e.to_string()))?);
    }
    if let Err(outside) = jianguan_rules::jurisdiction::regions_within(&lead_division, &parsed) {
        return Err(AppError::field(
            ErrorCode::NoJurisdiction,
            "regions",
            format!("区域 {outside} 不在本部门辖区 {lead_division} 内，只能在本辖区内抽查"),
        ));
    }
    let spec_json = serde_json::to_string(&TaskSpec {
        regions: regions.clone(),
        ..spec.clone()
    })
    .map_err(AppError::internal)?;
    Ok(Checked {
        departments,
        items,
        regions,
        spec_json,
    })
}

/// Build the object and inspector directories of a checked spec and commit
/// to a fresh secret.
async fn freeze(db: &Db, lead: &Department, spec: &TaskSpec, checked: &Checked) -> AppResult<Frozen> {
    let (departments, items, regions) = (&checked.departments, &checked.items, &checked.regions);
    let mut patterns = Vec::new();
    for r in regions {
        let d = jianguan_rules::DivisionCode::parse(r).map_err(|e| AppError::invalid("regions", e.to_string()))?;
        patterns.push(d.like_pattern());
    }
    // Object directory: active entities in the regions covered by any item.
    let mut codes = BTreeSet::new();
    for item in items {
        for like in &patterns {
            codes.extend(directory_sample(db, &item.content.scope, like, i64::MAX).await?);
        }
    }
    // Exclusions: inspected under one of the items recently.
    let since = spec
        .period_start
        .checked_sub_months(Months::new(spec.exclude_recent_months))
        .unwrap_or(spec.period_start);
    let item_codes: Vec<String> = items.iter().map(|i| i.code.clone()).collect();
    let recent = inspected_since(db, &item_codes, since).await?;
    // Entities under an open case of a participating department are being
    // investigated already: a random visit would only add a second
    // disturbance (无事不扰), so they are left out, key-list ones too.
    let department_ids: Vec<i64> = departments.iter().map(|d| d.id).collect();
    let under_case = crate::enforcement::cases::open_case_entities(db, &department_ids).await?;
    // Key-list entities under these items are taken in full.
    let keyed = key_entities(db, &item_codes).await?;
    for level in spec.risk_ratios.keys() {
        if !strata::RISK_LEVELS.contains(&level.as_str()) {
            return Err(AppError::invalid(
                "risk_ratios",
                format!("风险等级 {level:?} 应为 A、B、C 或 D"),
            ));
        }
    }
    // Risk levels graded by the lead department's field, used only for the
    // levels the task sets a ratio for.
    let graded = if spec.risk_ratios.is_empty() {
        HashMap::new()
    } else {
        crate::risk::levels(db, lead.kind).await?
    };
    let mut candidates = Vec::new();
    let mut full = Vec::new();
    for code in codes {
        use jianguan_rules::directory::{Membership, membership};
        match membership(
            under_case.contains(&code),
            keyed.contains(&code),
            recent.contains_key(&code),
        ) {
            Membership::Out(_) => continue,
            Membership::Full => full.push(code.clone()),
            Membership::Candidate => {}
        }
        // Every entity counts as credit class B until the credit context
        // grades them.
        let risk = graded
            .get(&code)
            .map(String::as_str)
            .filter(|l| spec.risk_ratios.contains_key(*l));
        candidates.push(Candidate {
            stratum: strata::stratum("B", risk),
            code,
            weight: 1,
        });
    }
    if candidates.is_empty() {
        return Err(AppError::invalid("item_code", "区域内没有这些事项的检查对象"));
    }
    let mut rules: Vec<StratumRule> = Vec::new();
    for (c, d) in CLASSES.iter().zip(DEFAULT_RATIOS) {
        let credit = spec.ratios.get(*c).copied().unwrap_or(d).min(10_000);
        rules.push(StratumRule {
            stratum: c.to_string(),
            ratio_bp: credit,
            count: None,
        });
        for (level, bp) in &spec.risk_ratios {
            rules.push(StratumRule {
                stratum: strata::stratum(c, Some(level)),
                ratio_bp: strata::ratio_bp(credit, Some(*bp)),
                count: None,
            });
        }
    }
    // Inspector directory: certified inspectors of the departments, valid
    // through the task's period (行政处罚法第四十二条).
    let mut inspectors = Vec::new();
    for d in departments {
        let rows: Vec<(String, String)> = on_db!(db, pool => sqlx::query_as(
            "select username, specialties from users where department_id = $1 and role = 'inspector' and active = true
             and cert_valid_until >= $2 order by username")
            .bind(d.id).bind(spec.period_end).fetch_all(pool).await?);
        inspectors.extend(rows.into_iter().map(|(u, s)| {
            let mut specialties: Vec<String> = serde_json::from_str(&s).unwrap_or_default();
            specialties.sort();
            specialties.dedup();
            Inspector {
                id: u,
                department: d.code.clone(),
                specialties,
            }
        }));
    }
    let needs = TeamNeeds {
        default: TeamNeed {
            departments: departments.iter().map(|d| d.code.clone()).collect(),
            specialty: spec.specialty.clone(),
            min_size: draw::MIN_TEAM_SIZE,
        },
        strata: BTreeMap::new(),
        codes: BTreeMap::new(),
    };
    // Recusal (回避): whoever inspected the entity under one of the items
    // last time is not drawn for it again.
    // Only inspectors in this task's directory can be recused: a past team
    // may hold people of other departments or who left (the draw refuses
    // recusals of unknown inspectors).
    let mut recusals: Vec<Recusal> = recent_teams(db, &item_codes)
        .await?
        .into_iter()
        .flat_map(|(code, team)| {
            team.into_iter().map(move |inspector| Recusal {
                inspector,
                code: code.clone(),
            })
        })
        .filter(|r| inspectors.iter().any(|i| i.id == r.inspector))
        .collect();
    // ... nor whoever declared a conflict of interest with the entity.
    let declared: Vec<(String, String)> = on_db!(db, pool => sqlx::query_as(
        "select u.username, c.uscc from conflicts c join users u on u.id = c.user_id").fetch_all(pool).await?);
    for (inspector, code) in declared {
        if inspectors.iter().any(|i| i.id == inspector)
            && !recusals.iter().any(|r| r.inspector == inspector && r.code == code)
        {
            recusals.push(Recusal { inspector, code });
        }
    }
    let compact =
        CompactCandidates::from_candidates(&candidates).map_err(|e| AppError::invalid("items", e.to_string()))?;
    let snapshot_digest = draw::snapshot_digest(&compact, &rules, &full);
    let inspector_digest = draw::inspector_digest(&inspectors, &needs, &recusals);
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| AppError::internal(format!("no system randomness: {e}")))?;
    let commitment = draw::commitment(&secret);
    let n = candidates.len() as i64;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::internal(format!("no system randomness: {e}")))?;
    let inputs = Inputs {
        candidates,
        rules,
        full,
        inspectors,
        needs,
        recusals,
        recusal_salt: hex::encode(salt),
    };
    let inputs_json = serde_json::to_string(&inputs).map_err(AppError::internal)?;
    Ok(Frozen {
        inputs_json,
        candidates: n,
        commitment,
        snapshot_digest,
        inspector_digest,
        secret: hex::encode(secret),
    })
}

async fn inspected_since(
    db: &Db,
    items: &[String],
    since: NaiveDate,
) -> Result<HashMap<String, NaiveDate>, sqlx::Error> {
    let mut out = HashMap::new();
    for item in items {
        let rows: Vec<(String, NaiveDate)> = on_db!(db, pool => sqlx::query_as(
            "select i.uscc, max(i.inspected_on) from inspections i join inspection_items ii on ii.inspection_id = i.id
             where ii.item_code = $1 and i.inspected_on >= $2 group by i.uscc")
            .bind(item).bind(since).fetch_all(pool).await?);
        out.extend(rows);
    }
    Ok(out)
}

async fn key_entities(db: &Db, items: &[String]) -> Result<BTreeSet<String>, sqlx::Error> {
    let mut out = BTreeSet::new();
    for item in items {
        let rows: Vec<String> = on_db!(db, pool => sqlx::query_scalar("select uscc from key_entities where item_code = $1")
            .bind(item).fetch_all(pool).await?);
        out.extend(rows);
    }
    Ok(out)
}

/// The team of the latest inspection of each entity under the items.
async fn recent_teams(db: &Db, items: &[String]) -> Result<BTreeMap<String, Vec<String>>, sqlx::Error> {
    let mut out: BTreeMap<String, (NaiveDate, Vec<String>)> = BTreeMap::new();
    for item in items {
        let rows: Vec<(String, NaiveDate, String)> = on_db!(db, pool => sqlx::query_as(
            "select i.uscc, i.inspected_on, i.team from inspections i join inspection_items ii on ii.inspection_id = i.id
             where ii.item_code = $1")
            .bind(item).fetch_all(pool).await?);
        for (uscc, day, team) in rows {
            let team: Vec<String> = serde_json::from_str(&team).unwrap_or_default();
            let e = out.entry(uscc).or_insert((day, team.clone()));
            if day > e.0 {
                *e = (day, team);
            }
        }
    }
    Ok(out.into_iter().map(|(k, (_, t))| (k, t)).collect())
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
        let all: Vec<PartnerRow> = on_db!(db, pool => sqlx::query_as(
            "select p.task_id, p.department_id, d.code, d.name, p.answer, p.answered_at
             from draw_partners p join departments d on d.id = p.department_id order by p.task_id, d.code")
            .fetch_all(pool).await?);
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
