//! Scheduling a random-inspection task: checking its spec against the
//! jurisdiction and the catalog, freezing the object and inspector
//! directories (`jianguan_rules::directory` decides who is in), committing
//! to a fresh secret, and the partners' answers to a joint task. The task
//! rows themselves are `store`'s.

use chrono::{DateTime, Months, NaiveDate, Utc};
use jianguan_rules::catalog::ItemStatus;
use jianguan_rules::draw::{
    self, ALGORITHM, Candidate, CompactCandidates, Inspector, Recusal, StratumRule, TeamNeed, TeamNeeds,
};
use jianguan_rules::strata;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::store::{CLASSES, DEFAULT_RATIOS, Inputs, Task, TaskSpec, TaskStatus, get};
use crate::audit::{Actor, record};
use crate::catalog::plans::directory_sample;
use crate::catalog::store as catalog;
use crate::org::model::Department;
use crate::org::store as org;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

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
