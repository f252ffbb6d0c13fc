//! Cases (案件): filed from a lead with two or more certified officers of
//! the department (程序规定第十九条), decided within 90 days (+30 with the
//! head's approval, beyond only by collective discussion; 第六十四条),
//! closed on a ground of 第七十七条. Every step of a case is appended to the
//! case's own hash chain (`case_events`, 行政处罚法第四十七条 全过程记录)
//! as well as to the platform's audit chain.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::Role;
use jianguan_rules::audit::{AuditFields, GENESIS_HASH, audit_time, canonical_json, entry_hash, payload_digest};
use jianguan_rules::enforcement::{self, ClosureGround};
use jianguan_rules::team::Member;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use utoipa::ToSchema;

use super::leads::{self, Lead};
use crate::audit::{Actor, record};
use crate::org::store::user_by_username;
use crate::platform::auth::jurisdiction::WorkSql;
use crate::platform::db::{Db, Tx};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

/// One case as listed.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    /// 立案号, e.g. `420102-SCJG立〔2026〕3号`.
    pub case_no: String,
    pub lead_id: i64,
    pub department_id: i64,
    pub department_code: String,
    pub department_name: String,
    #[serde(skip)]
    pub department_division: String,
    #[serde(skip)]
    pub department_kind: String,
    pub uscc: String,
    pub entity_name: Option<String>,
    /// 案由.
    pub cause: String,
    pub filed_on: NaiveDate,
    /// Last day to decide (第六十四条), after any extension.
    pub due_on: NaiveDate,
    pub extensions: i32,
    pub status: super::status::CaseStatus,
    pub closure_ground: Option<String>,
    pub closure_note: Option<String>,
    pub closed_on: Option<NaiveDate>,
    /// The date the heads' collective discussion set, if any (第六十四条).
    pub collective_until: Option<NaiveDate>,
    /// A pause (testing, hearing, suspension ...) is running: the clock
    /// stands.
    pub paused: bool,
    pub created_at: DateTime<Utc>,
}

impl Case {
    pub fn status_zh(&self) -> &'static str {
        self.status.label_zh()
    }

    pub fn is_open(&self) -> bool {
        self.status == super::status::CaseStatus::Open
    }

    pub fn closure_ground_zh(&self) -> &'static str {
        self.closure_ground
            .as_deref()
            .and_then(ClosureGround::parse)
            .map_or("", ClosureGround::label_zh)
    }

    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.is_open() && !self.paused && today > self.due_on
    }
}

/// A designated case officer.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Officer {
    pub username: String,
    pub display_name: String,
    pub cert_no: Option<String>,
}

/// One step in a case's own chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    pub seq: i32,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The actor's name, for reading (not part of the hash).
    pub actor_name: String,
    pub action: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl Event {
    /// The time in China Standard Time, to the minute.
    pub fn at_zh(&self) -> String {
        (self.at + chrono::Duration::hours(8))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn action_zh(&self) -> &'static str {
        match self.action.as_str() {
            "case.filed" => "立案",
            "case.extended" => "延长办案期限",
            "case.closed" => "结案",
            "case.paused" => "期限中止计算",
            "case.resumed" => "期限恢复计算",
            "case.recounted" => "按新放假安排重算期限",
            _ => "",
        }
    }
}

/// A case with its officers and chain, and whether the chain verifies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    pub officers: Vec<Officer>,
    pub events: Vec<Event>,
    /// Every event's hash recomputes and links to the one before.
    pub chain_intact: bool,
}

impl Case {
    /// The department the case belongs to, for jurisdiction checks.
    pub fn owner(&self) -> Option<crate::platform::auth::jurisdiction::Dept> {
        crate::platform::auth::jurisdiction::owner(self.department_id, &self.department_kind, &self.department_division)
    }
}

const SELECT: &str = "select c.id, c.case_no, c.lead_id, c.department_id, d.code as department_code,
        d.name as department_name, d.division_code as department_division, d.kind as department_kind, c.uscc,
        e.name as entity_name, c.cause,
        c.filed_on, c.due_on, c.extensions, c.status, c.closure_ground, c.closure_note, c.closed_on,
        c.collective_until,
        exists (select 1 from clock_pauses p where p.subject = 'case' and p.subject_id = c.id and p.to_on is null) as paused,
        c.created_at
    from cases c join departments d on d.id = c.department_id left join entities e on e.uscc = c.uscc";

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Case>, sqlx::Error> {
    let sql = format!("{SELECT} where c.id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
}

/// Cases the caller reads ([`WorkSql`]); open ones first by deadline.
pub async fn list(db: &Db, work: &WorkSql, status: Option<&str>, limit: i64) -> Result<Vec<Case>, sqlx::Error> {
    let sql = format!(
        "{SELECT} where {} and ($4 is null or c.status = $4)
         order by case when c.status = 'open' then 0 else 1 end, c.due_on, c.id desc limit $5",
        WorkSql::clause(1)
    );
    Ok(
        on_db!(db, pool => sqlx::query_as(&sql).bind(work.own).bind(&work.kind).bind(&work.like)
        .bind(status).bind(limit).fetch_all(pool).await?),
    )
}

/// Cases of one entity (for its supervision record).
pub async fn for_entity(db: &Db, uscc: &str) -> Result<Vec<Case>, sqlx::Error> {
    let sql = format!("{SELECT} where c.uscc = $1 order by c.filed_on desc, c.id desc");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(uscc).fetch_all(pool).await?))
}

pub async fn detail(db: &Db, case: Case) -> Result<CaseDetail, sqlx::Error> {
    let officers: Vec<Officer> = on_db!(db, pool => sqlx::query_as(
        "select u.username, u.display_name, u.cert_no from case_officers o join users u on u.id = o.user_id
         where o.case_id = $1 order by u.username").bind(case.id).fetch_all(pool).await?);
    type Row = (i32, DateTime<Utc>, String, String, String, String, String);
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(
        "select seq, at, actor, action, payload, prev_hash, hash from case_events where case_id = $1 order by seq")
        .bind(case.id).fetch_all(pool).await?);
    let events: Vec<Event> = rows
        .into_iter()
        .map(|(seq, at, actor, action, payload, prev_hash, hash)| Event {
            seq,
            at,
            actor_name: actor.clone(),
            actor,
            action,
            // A payload that does not parse fails the chain check below.
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
            prev_hash,
            hash,
        })
        .collect();
    let chain_intact = verify_chain(case.id, &events) && agrees(&case, &events);
    let actors: Vec<String> = events.iter().map(|e| e.actor.clone()).collect();
    let names = crate::audit::store::actor_names(db, &actors).await?;
    let mut events = events;
    for e in &mut events {
        if let Some(n) = names.get(&e.actor) {
            e.actor_name = n.clone();
        }
    }
    Ok(CaseDetail {
        case,
        officers,
        events,
        chain_intact,
    })
}

fn event_hash(
    case_id: i64,
    seq: i32,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    payload: &str,
    prev: &str,
) -> String {
    let object_id = case_id.to_string();
    entry_hash(&AuditFields {
        seq: i64::from(seq),
        at,
        actor,
        action,
        object_type: "case",
        object_id: &object_id,
        payload_digest: &payload_digest(payload),
        prev_hash: prev,
    })
}

/// Recompute a case's chain: the same canonical encoding as the audit chain
/// (`jianguan_rules::audit`), with object type `case`.
pub fn verify_chain(case_id: i64, events: &[Event]) -> bool {
    let mut prev = GENESIS_HASH.to_string();
    for (i, e) in events.iter().enumerate() {
        let payload = canonical_json(&e.payload);
        if e.seq != i as i32 + 1
            || e.prev_hash != prev
            || e.hash != event_hash(case_id, e.seq, e.at, &e.actor, &e.action, &payload, &prev)
        {
            return false;
        }
        prev = e.hash.clone();
    }
    true
}

/// Whether the case row says what its chain says: closed exactly when the
/// last step closed it, as many extensions as extension steps, and the
/// deadline the last step that set one. A row changed behind the chain's
/// back fails this even when every step's hash holds.
fn agrees(case: &Case, events: &[Event]) -> bool {
    let closed = events.last().is_some_and(|e| e.action == "case.closed");
    let extensions = events.iter().filter(|e| e.action == "case.extended").count();
    let due = events.iter().rev().find_map(|e| {
        let v = e.payload.get("until").or_else(|| e.payload.get("due_on"))?;
        v.as_str().and_then(|s| s.parse::<NaiveDate>().ok())
    });
    closed != case.is_open()
        && extensions == case.extensions.max(0) as usize
        && (!case.is_open() || due == Some(case.due_on))
}

/// Append a step to the case's chain and to the audit chain.
pub(super) async fn append(
    tx: &mut Tx,
    case_id: i64,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    payload: &serde_json::Value,
) -> AppResult<()> {
    let at = audit_time(now);
    let last: Option<(i32, String)> = on_tx!(tx, c => sqlx::query_as(
        "select seq, hash from case_events where case_id = $1 order by seq desc limit 1")
        .bind(case_id).fetch_optional(&mut *c).await?);
    let (seq, prev) = last.map_or((1, GENESIS_HASH.to_string()), |(s, h)| (s + 1, h));
    let text = canonical_json(payload);
    let actor_s = actor.as_string();
    let hash = event_hash(case_id, seq, at, &actor_s, action, &text, &prev);
    on_tx!(tx, c => sqlx::query(
        "insert into case_events (case_id, seq, at, actor, action, payload, prev_hash, hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(case_id).bind(seq).bind(at).bind(&actor_s).bind(action).bind(&text).bind(&prev).bind(&hash)
        .execute(&mut *c).await?.rows_affected());
    record(tx, now, actor, action, ("case", &case_id.to_string()), payload).await?;
    Ok(())
}

/// The body of a filing (立案).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FileCase {
    /// 案由: the suspected violation.
    pub cause: String,
    /// Usernames of the case officers (two or more).
    pub officers: Vec<String>,
    /// The head's note on the verification (核查情况).
    #[serde(default)]
    pub note: String,
    /// When the act ended, if the lead does not say yet (行政处罚法第三十六条
    /// runs from it); kept on the lead.
    #[serde(default)]
    pub act_ended_on: Option<NaiveDate>,
    /// The act endangered life, health or financial security and caused harm.
    #[serde(default)]
    pub grave: Option<bool>,
}

/// File a case from a pending lead (程序规定第十九条): within the limitation
/// period, with two or more certified officers of the lead's department.
pub async fn file(db: &Db, actor: &Actor, now: DateTime<Utc>, lead: &Lead, input: &FileCase) -> AppResult<i64> {
    if !lead.is_pending() {
        return Err(AppError::new(
            ErrorCode::LeadDecided,
            format!("线索已{}", lead.status_zh()),
        ));
    }
    let cause = input.cause.trim();
    if cause.is_empty() || cause.chars().count() > 200 {
        return Err(AppError::invalid("cause", "写明案由，不超过200字"));
    }
    let act_ended_on = lead.act_ended_on.or(input.act_ended_on);
    let grave = input.grave.unwrap_or(lead.grave);
    if act_ended_on.is_some_and(|a| a > lead.found_on) {
        return Err(AppError::invalid("act_ended_on", "违法行为终了日期不能晚于发现日期"));
    }
    if let Some(ended) = act_ended_on
        && !enforcement::within_limitation(ended, lead.found_on, grave)
    {
        return Err(AppError::field(
            ErrorCode::BeyondLimitation,
            "act_ended_on",
            format!(
                "违法行为终了于 {ended}，发现于 {}，已超过{}年（行政处罚法第三十六条），应不予立案",
                lead.found_on,
                if grave { 5 } else { 2 }
            ),
        ));
    }
    let today = crate::platform::clock::china_day(now);
    let officers_invalid = |m: String| AppError::field(ErrorCode::CaseOfficersInvalid, "officers", m);
    let mut members = Vec::new();
    let mut ids = Vec::new();
    for name in &input.officers {
        let u = user_by_username(db, name.trim())
            .await?
            .ok_or_else(|| officers_invalid(format!("没有用户 {name}")))?;
        if u.department_code.as_deref() != Some(lead.department_code.as_str()) {
            return Err(officers_invalid(format!("{} 不是立案部门的执法人员", u.username)));
        }
        members.push(Member {
            id: u.id,
            is_inspector: u.role == Role::Inspector && u.active,
            cert_valid_until: u.cert_valid_until,
        });
        ids.push(u.id);
    }
    enforcement::check_officers(&members, today).map_err(officers_invalid)?;
    let cal = crate::calendar::load(db).await?;
    let due_on = enforcement::DECIDE.due(&cal, today).date;
    let note = input.note.trim();
    let mut tx = db.begin().await?;
    leads::decide(&mut tx, lead.id, "filed", None, note, today, actor).await?;
    on_tx!(tx, c => sqlx::query("update leads set act_ended_on = $2, grave = $3 where id = $1")
        .bind(lead.id).bind(act_ended_on).bind(grave).execute(&mut *c).await?.rows_affected());
    let year = today.format("%Y").to_string();
    let prefix = format!("{}立〔{year}〕", lead.department_code);
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("select count(*) from cases where department_id = $1 and case_no like $2")
        .bind(lead.department_id).bind(format!("{prefix}%")).fetch_one(&mut *c).await?);
    let case_no = format!("{prefix}{}号", n + 1);
    let id: Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(
        "insert into cases (case_no, lead_id, department_id, uscc, cause, filed_on, due_on, status, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, 'open', $8) returning id")
        .bind(&case_no).bind(lead.id).bind(lead.department_id).bind(&lead.uscc).bind(cause).bind(today)
        .bind(due_on).bind(now).fetch_one(&mut *c).await);
    let id = id.map_err(|e| {
        if crate::platform::db::unique_violation(&e) {
            AppError::new(ErrorCode::Conflict, "同时有另一案件立案，请重试")
        } else {
            AppError::from(e)
        }
    })?;
    for uid in &ids {
        on_tx!(tx, c => sqlx::query("insert into case_officers (case_id, user_id) values ($1, $2)")
            .bind(id).bind(uid).execute(&mut *c).await?.rows_affected());
    }
    append(
        &mut tx,
        id,
        now,
        actor,
        "case.filed",
        &json!({"case_no": case_no, "lead_id": lead.id, "uscc": lead.uscc, "cause": cause,
                "officers": input.officers.iter().map(|o| o.trim()).collect::<Vec<_>>(),
                "filed_on": today, "due_on": due_on, "note": note, "act_ended_on": act_ended_on, "grave": grave}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn open(case: &Case) -> AppResult<()> {
    if case.is_open() {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::CaseClosed, "案件已结案"))
    }
}

/// The body of an extension.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Extend {
    pub reason: String,
    /// For a second or later extension: the date the heads' collective
    /// discussion set (第六十四条).
    #[serde(default)]
    pub collective_until: Option<NaiveDate>,
}

/// Extend the decision deadline (第六十四条).
pub async fn extend(db: &Db, actor: &Actor, now: DateTime<Utc>, case: &Case, input: &Extend) -> AppResult<NaiveDate> {
    open(case)?;
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "写明延期理由"));
    }
    let today = crate::platform::clock::china_day(now);
    enforcement::check_in_time(today, case.due_on).map_err(|m| AppError::new(ErrorCode::Conflict, m))?;
    enforcement::check_extension(
        today,
        case.due_on,
        case.extensions.max(0) as u32,
        input.collective_until,
    )
    .map_err(|m| AppError::invalid("collective_until", m))?;
    let cal = crate::calendar::load(db).await?;
    let mut tx = db.begin().await?;
    let collective_on = input.collective_until.map(|_| today);
    let n = on_tx!(tx, c => sqlx::query(
        "update cases set extensions = extensions + 1,
             collective_on = coalesce($4, collective_on), collective_until = coalesce($5, collective_until)
         where id = $1 and status = 'open' and extensions = $2 and due_on = $3")
        .bind(case.id).bind(case.extensions).bind(case.due_on).bind(collective_on).bind(input.collective_until)
        .execute(&mut *c).await?.rows_affected());
    if n != 1 {
        return Err(AppError::new(ErrorCode::Conflict, "案件刚被他人更改，请刷新后重试"));
    }
    let until = super::clock::refresh_case(&mut tx, &cal, case.id, today).await?;
    append(
        &mut tx,
        case.id,
        now,
        actor,
        "case.extended",
        &json!({"from": case.due_on, "until": until, "reason": reason, "collective": input.collective_until.is_some()}),
    )
    .await?;
    tx.commit().await?;
    Ok(until)
}

/// The body of a closure.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Close {
    /// One of 第七十七条's grounds: `executed`, `court_terminated`,
    /// `investigation_terminated`, `no_penalty`, `not_established`,
    /// `transferred_agency`, `transferred_judicial`, `other`.
    pub ground: String,
    pub note: String,
}

/// Close a case (结案, 第七十七条).
pub async fn close(db: &Db, actor: &Actor, now: DateTime<Utc>, case: &Case, input: &Close) -> AppResult<()> {
    open(case)?;
    let ground = ClosureGround::parse(input.ground.trim())
        .ok_or_else(|| AppError::invalid("ground", "结案情形应为程序规定第七十七条所列之一"))?;
    let note = input.note.trim();
    if note.is_empty() {
        return Err(AppError::invalid("note", "写明结案情况"));
    }
    let today = crate::platform::clock::china_day(now);
    let mut tx = db.begin().await?;
    let n = on_tx!(tx, c => sqlx::query(
        "update cases set status = 'closed', closure_ground = $2, closure_note = $3, closed_on = $4
         where id = $1 and status = 'open'")
        .bind(case.id).bind(ground.as_str()).bind(note).bind(today).execute(&mut *c).await?.rows_affected());
    if n != 1 {
        return Err(AppError::new(ErrorCode::CaseClosed, "案件已结案"));
    }
    append(
        &mut tx,
        case.id,
        now,
        actor,
        "case.closed",
        &json!({"ground": ground.as_str(), "note": note, "closed_on": today}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Entities under an open case of one of these departments (one indexed
/// query per department, never row by row over the registry; a
/// draw leaves them out of its object directory).
pub async fn open_case_entities(db: &Db, department_ids: &[i64]) -> Result<HashSet<String>, sqlx::Error> {
    let mut out = HashSet::new();
    for d in department_ids {
        let codes: Vec<String> = on_db!(db, pool => sqlx::query_scalar(
            "select uscc from cases where department_id = $1 and status = 'open'").bind(d).fetch_all(pool).await?);
        out.extend(codes);
    }
    Ok(out)
}

/// The entity's cases on its information chain (mission C13): filing and
/// closure. Leads are not shown: a complaint or report names no violation
/// yet, and the reporter is protected.
pub fn chain_events<'a>(db: &'a Db, uscc: &'a str) -> crate::registry::chain::SourceFuture<'a> {
    Box::pin(async move {
        // Midday China time of the day.
        let noon = |d: NaiveDate| d.and_hms_opt(4, 0, 0).map(|t| t.and_utc());
        let mut out = Vec::new();
        for c in for_entity(db, uscc).await? {
            let link = Some(format!("/enforcement/cases/{}", c.id));
            let work = crate::registry::chain::WorkOf {
                department_id: c.department_id,
                partners: Vec::new(),
            };
            out.push(crate::registry::chain::ChainEvent {
                at: noon(c.filed_on).unwrap_or(c.created_at),
                source: "enforcement",
                kind: "case_filed".into(),
                title: "立案".into(),
                detail: format!("{} · {} · {}", c.case_no, c.cause, c.department_name),
                link: link.clone(),
                work: Some(work.clone()),
            });
            if let (Some(on), Some(_)) = (c.closed_on, &c.closure_ground) {
                out.push(crate::registry::chain::ChainEvent {
                    at: noon(on).unwrap_or(c.created_at),
                    source: "enforcement",
                    kind: "case_closed".into(),
                    title: "结案".into(),
                    detail: format!("{} · {}", c.case_no, c.closure_ground_zh()),
                    link,
                    work: Some(work),
                });
            }
        }
        Ok(out)
    })
}

/// Keep time out of the case's period (第六十四条第二款), on its chain.
pub async fn pause(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case: &Case,
    input: &super::clock::PauseInput,
) -> AppResult<()> {
    open(case)?;
    let mut tx = db.begin().await?;
    let p = super::clock::pause(
        &mut tx,
        super::clock::Subject::Case(case.id),
        actor,
        now,
        case.filed_on,
        input,
    )
    .await?;
    append(
        &mut tx,
        case.id,
        now,
        actor,
        "case.paused",
        &json!({"kind": p.kind, "reason": p.reason, "from_on": p.from_on}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// End the running pause: the deadline moves by the days kept out.
pub async fn resume(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case: &Case,
    input: &super::clock::ResumeInput,
) -> AppResult<()> {
    open(case)?;
    let cal = crate::calendar::load(db).await?;
    let today = crate::platform::clock::china_day(now);
    let mut tx = db.begin().await?;
    let p = super::clock::resume(&mut tx, super::clock::Subject::Case(case.id), now, input).await?;
    let due_on = super::clock::refresh_case(&mut tx, &cal, case.id, today).await?;
    append(
        &mut tx,
        case.id,
        now,
        actor,
        "case.resumed",
        &json!({"kind": p.kind, "from_on": p.from_on, "to_on": p.to_on, "due_on": due_on}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
