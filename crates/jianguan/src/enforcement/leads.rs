//! Leads (违法行为线索): registered by hand or raised by an inspection that
//! concluded with a case transfer, verified within 15 working days (once
//! extendable by 15), then filed as a case or declined by the head
//! (市场监督管理行政处罚程序规定第十八条至第二十条).

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::enforcement::{self, DeclineGround, LeadSource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{Actor, record};
use crate::org::model::Department;
use crate::platform::auth::jurisdiction::WorkSql;
use crate::platform::db::{Db, Tx};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

/// One lead, with its department and entity names.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Lead {
    pub id: i64,
    pub department_id: i64,
    pub department_code: String,
    pub department_name: String,
    #[serde(skip)]
    pub department_division: String,
    #[serde(skip)]
    pub department_kind: String,
    pub uscc: String,
    pub entity_name: Option<String>,
    /// `inspection`, `complaint`, `report`, `transfer`, `assigned`,
    /// `monitoring` or `other`.
    pub source: String,
    pub inspection_id: Option<i64>,
    pub summary: String,
    /// Why the department may take it up (程序规定第七条至第十六条):
    /// `domicile`, `place_of_act`, `transfer` or `designation`.
    pub ground: String,
    /// The division where the act took place (`place_of_act`).
    pub ground_place: Option<String>,
    /// The department that transferred or designated it.
    pub ground_department: Option<String>,
    /// The document or note that records the ground.
    pub ground_reference: Option<String>,
    /// When the act ended (or was done), if known: the limitation period
    /// runs from it (行政处罚法第三十六条).
    pub act_ended_on: Option<NaiveDate>,
    /// The act endangered life, health or financial security and caused
    /// harm (5-year limitation).
    pub grave: bool,
    pub found_on: NaiveDate,
    /// Last day to verify and decide (15 working days, 程序规定第十八条).
    pub verify_by: NaiveDate,
    /// The head's reason for the one 15-working-day extension.
    pub extension_reason: Option<String>,
    pub status: super::status::LeadStatus,
    pub decline_ground: Option<String>,
    pub decision_note: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    /// The case filed from it.
    pub case_id: Option<i64>,
    /// A pause (testing, identification) is running: the clock stands.
    pub paused: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl Lead {
    /// The department the lead belongs to, for jurisdiction checks.
    pub fn owner(&self) -> Option<crate::platform::auth::jurisdiction::Dept> {
        crate::platform::auth::jurisdiction::owner(self.department_id, &self.department_kind, &self.department_division)
    }

    pub fn ground_zh(&self) -> &'static str {
        jianguan_rules::jurisdiction::ground_label_zh(&self.ground)
    }

    pub fn source_zh(&self) -> &'static str {
        LeadSource::parse(&self.source).map_or("", LeadSource::label_zh)
    }

    pub fn status_zh(&self) -> &'static str {
        self.status.label_zh()
    }

    pub fn is_pending(&self) -> bool {
        self.status == super::status::LeadStatus::Pending
    }

    pub fn decline_ground_zh(&self) -> &'static str {
        self.decline_ground
            .as_deref()
            .and_then(DeclineGround::parse)
            .map_or("", DeclineGround::label_zh)
    }

    /// Still pending after its last day.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.is_pending() && !self.paused && today > self.verify_by
    }
}

const SELECT: &str = "select l.id, l.department_id, d.code as department_code, d.name as department_name,
        d.division_code as department_division, d.kind as department_kind, l.uscc, e.name as entity_name, l.source,
        l.inspection_id, l.summary, l.ground, l.ground_place, g.code as ground_department, l.ground_reference,
        l.act_ended_on, l.grave, l.found_on, l.verify_by, l.extension_reason, l.status, l.decline_ground,
        l.decision_note, l.decided_on, l.decided_by, c.id as case_id,
        exists (select 1 from clock_pauses p where p.subject = 'lead' and p.subject_id = l.id and p.to_on is null) as paused,
        l.created_by, l.created_at
    from leads l join departments d on d.id = l.department_id
    left join departments g on g.id = l.ground_department_id
    left join entities e on e.uscc = l.uscc
    left join cases c on c.lead_id = l.id";

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Lead>, sqlx::Error> {
    let sql = format!("{SELECT} where l.id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
}

/// Leads the caller reads ([`WorkSql`]: its department's and, for a
/// superior, those of its same-kind lower departments), pending first by
/// deadline, then the latest decided.
pub async fn list(db: &Db, work: &WorkSql, status: Option<&str>, limit: i64) -> Result<Vec<Lead>, sqlx::Error> {
    let sql = format!(
        "{SELECT} where {} and ($4 is null or l.status = $4)
         order by case when l.status = 'pending' then 0 else 1 end, l.verify_by, l.id desc limit $5",
        WorkSql::clause(1)
    );
    Ok(
        on_db!(db, pool => sqlx::query_as(&sql).bind(work.own).bind(&work.kind).bind(&work.like)
        .bind(status).bind(limit).fetch_all(pool).await?),
    )
}

/// The body of a lead registered by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewLead {
    pub uscc: String,
    /// See [`Lead::source`]; `inspection` leads come from inspection records.
    pub source: String,
    pub summary: String,
    /// Day the lead was found or the material received (default today).
    #[serde(default)]
    pub found_on: Option<NaiveDate>,
    #[serde(default)]
    pub act_ended_on: Option<NaiveDate>,
    #[serde(default)]
    pub grave: bool,
    /// The ground of jurisdiction when the entity is registered outside the
    /// department's region: `place_of_act`, `transfer` or `designation`
    /// (default `domicile`, the entity in the region).
    #[serde(default)]
    pub ground: Option<String>,
    /// `place_of_act`: division code of the place where the act took place.
    #[serde(default)]
    pub ground_place: Option<String>,
    /// `transfer`, `designation`: code of the department that transferred
    /// or designated the matter.
    #[serde(default)]
    pub ground_department: Option<String>,
    /// The transfer letter's or designation's number, or how the place of
    /// the act is known; required with any ground but `domicile`.
    #[serde(default)]
    pub ground_reference: Option<String>,
}

/// The ground of a lead as checked and stored.
struct CheckedGround {
    kind: &'static str,
    place: Option<String>,
    department_id: Option<i64>,
    reference: Option<String>,
}

/// Load the entity and check that `dept` may take the lead up on the
/// ground given (程序规定第七条至第十六条); an unregistered code is refused.
async fn check_ground(db: &Db, dept: &Department, uscc: &str, input: &NewLead) -> AppResult<CheckedGround> {
    use crate::platform::auth::jurisdiction::office;
    use jianguan_rules::jurisdiction::{Ground, GroundError, lead_ground};
    let entity = crate::registry::store::get(db, uscc).await?.ok_or_else(|| {
        AppError::field(
            ErrorCode::EntityNotRegistered,
            "uscc",
            format!("没有以 {uscc} 登记的市场主体；请先登记该主体"),
        )
    })?;
    let entity_division = jianguan_rules::DivisionCode::parse(&entity.division_code).map_err(AppError::internal)?;
    let me = office(dept).ok_or_else(|| AppError::internal("department without a valid division"))?;
    let reference = input
        .ground_reference
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let other_department = || async {
        let code = input.ground_department.as_deref().map(str::trim).unwrap_or_default();
        let d = crate::org::store::department_by_code(db, code)
            .await?
            .ok_or_else(|| AppError::invalid("ground_department", "写明移送或指定管辖的部门编码"))?;
        office(&d).ok_or_else(|| AppError::internal("department without a valid division"))
    };
    let ground = match input.ground.as_deref().map(str::trim).unwrap_or("domicile") {
        "" | "domicile" => Ground::Domicile,
        "place_of_act" => {
            let place = input.ground_place.as_deref().map(str::trim).unwrap_or_default();
            let place = jianguan_rules::DivisionCode::parse(place)
                .map_err(|_| AppError::invalid("ground_place", "写明违法行为发生地的六位行政区划代码"))?;
            Ground::PlaceOfAct { place }
        }
        "transfer" => Ground::Transfer {
            from: other_department().await?,
        },
        "designation" => Ground::Designation {
            by: other_department().await?,
        },
        _ => {
            return Err(AppError::invalid(
                "ground",
                "管辖依据应为 domicile、place_of_act、transfer 或 designation",
            ));
        }
    };
    if !matches!(ground, Ground::Domicile) && reference.is_none() {
        return Err(AppError::invalid(
            "ground_reference",
            "写明移送函、指定管辖文书的文号，或违法行为发生地的查实情况",
        ));
    }
    lead_ground(&me, &entity_division, &ground).map_err(|e| match e {
        GroundError::OutsideRegion { .. } => AppError::field(ErrorCode::NoJurisdiction, "ground", e.to_string()),
        GroundError::PlaceOutside { .. } => AppError::field(ErrorCode::NoJurisdiction, "ground_place", e.to_string()),
        _ => AppError::field(ErrorCode::NoJurisdiction, "ground_department", e.to_string()),
    })?;
    Ok(CheckedGround {
        kind: ground.as_str(),
        place: match &ground {
            Ground::PlaceOfAct { place } => Some(place.as_str().to_string()),
            _ => None,
        },
        department_id: match &ground {
            Ground::Transfer { from: o } | Ground::Designation { by: o } => Some(o.id),
            _ => None,
        },
        reference,
    })
}

/// Register a lead for the caller's department.
pub async fn create(db: &Db, actor: &Actor, now: DateTime<Utc>, dept: &Department, input: &NewLead) -> AppResult<i64> {
    let uscc = jianguan_rules::Uscc::parse(&input.uscc)
        .map_err(|e| AppError::field(ErrorCode::InvalidUscc, "uscc", e.to_string()))?;
    let source = LeadSource::parse(input.source.trim())
        .filter(|s| *s != LeadSource::Inspection)
        .ok_or_else(|| {
            AppError::invalid(
                "source",
                "来源应为 complaint、report、transfer、assigned、monitoring 或 other；检查发现的线索由检查记录移送",
            )
        })?;
    let summary = input.summary.trim();
    if summary.is_empty() || summary.chars().count() > 2000 {
        return Err(AppError::invalid("summary", "写明线索内容，不超过2000字"));
    }
    let today = crate::platform::clock::china_day(now);
    let found_on = input.found_on.unwrap_or(today);
    if found_on > today {
        return Err(AppError::invalid("found_on", "发现日期不能晚于今天"));
    }
    if input.act_ended_on.is_some_and(|a| a > found_on) {
        return Err(AppError::invalid("act_ended_on", "违法行为终了日期不能晚于发现日期"));
    }
    let ground = check_ground(db, dept, uscc.as_str(), input).await?;
    let cal = crate::calendar::load(db).await?;
    let mut tx = db.begin().await?;
    let id = insert(
        &mut tx,
        actor,
        now,
        Insert {
            department_id: dept.id,
            uscc: uscc.as_str(),
            ground: Some(&ground),
            source,
            inspection_id: None,
            summary,
            act_ended_on: input.act_ended_on,
            grave: input.grave,
            found_on,
            verify_by: enforcement::VERIFY.due(&cal, found_on).date,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

struct Insert<'a> {
    department_id: i64,
    uscc: &'a str,
    /// None: the entity's domicile (an inspection's own entity).
    ground: Option<&'a CheckedGround>,
    source: LeadSource,
    inspection_id: Option<i64>,
    summary: &'a str,
    act_ended_on: Option<NaiveDate>,
    grave: bool,
    found_on: NaiveDate,
    verify_by: NaiveDate,
}

async fn insert(tx: &mut Tx, actor: &Actor, now: DateTime<Utc>, l: Insert<'_>) -> AppResult<i64> {
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "insert into leads (department_id, uscc, source, inspection_id, summary, act_ended_on, grave, found_on, verify_by,
             status, created_by, created_at, ground, ground_place, ground_department_id, ground_reference)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, $13, $14, $15) returning id")
        .bind(l.department_id).bind(l.uscc).bind(l.source.as_str()).bind(l.inspection_id).bind(l.summary)
        .bind(l.act_ended_on).bind(l.grave).bind(l.found_on).bind(l.verify_by).bind(actor.as_string()).bind(now)
        .bind(l.ground.map_or("domicile", |g| g.kind)).bind(l.ground.and_then(|g| g.place.as_deref()))
        .bind(l.ground.and_then(|g| g.department_id)).bind(l.ground.and_then(|g| g.reference.as_deref()))
        .fetch_one(&mut *c).await?);
    record(
        tx,
        now,
        actor,
        "lead.registered",
        ("lead", &id.to_string()),
        &json!({"department_id": l.department_id, "uscc": l.uscc, "source": l.source.as_str(),
                "inspection_id": l.inspection_id, "summary": l.summary, "act_ended_on": l.act_ended_on,
                "grave": l.grave, "found_on": l.found_on, "verify_by": l.verify_by,
                "ground": l.ground.map_or("domicile", |g| g.kind), "ground_place": l.ground.and_then(|g| g.place.as_deref()),
                "ground_department_id": l.ground.and_then(|g| g.department_id),
                "ground_reference": l.ground.and_then(|g| g.reference.as_deref())}),
    )
    .await?;
    Ok(id)
}

/// Enforcement's implementation of inspection's case-transfer port
/// (`crate::inspection::ports::CaseTransfer`), wired by the root.
pub fn case_transfer() -> crate::inspection::ports::CaseTransfer {
    use crate::inspection::ports::{BoxFuture, CaseTransfer, TransferredVisit};
    fn raised<'a>(db: &'a Db, corrects: Option<i64>) -> BoxFuture<'a, Result<bool, sqlx::Error>> {
        Box::pin(raised_in_chain(db, corrects))
    }
    fn raise<'a>(
        tx: &'a mut Tx,
        actor: &'a Actor,
        now: DateTime<Utc>,
        cal: &'a jianguan_rules::calendar::Calendar,
        v: TransferredVisit<'a>,
    ) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(from_inspection(tx, actor, now, cal, v))
    }
    CaseTransfer { raised, raise }
}

/// The lead an inspection concluded with a case transfer raises (移送立案),
/// in the inspection's own transaction: found on the day of the visit.
async fn from_inspection(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    cal: &jianguan_rules::calendar::Calendar,
    v: crate::inspection::ports::TransferredVisit<'_>,
) -> AppResult<i64> {
    insert(
        tx,
        actor,
        now,
        Insert {
            department_id: v.department_id,
            uscc: v.uscc,
            ground: None,
            source: LeadSource::Inspection,
            inspection_id: Some(v.inspection_id),
            summary: v.summary,
            act_ended_on: None,
            grave: false,
            found_on: v.inspected_on,
            verify_by: enforcement::VERIFY.due(cal, v.inspected_on).date,
        },
    )
    .await
}

fn pending(lead: &Lead) -> AppResult<()> {
    if lead.is_pending() {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::LeadDecided,
            format!("线索已{}", lead.status_zh()),
        ))
    }
}

/// The head extends verification once by 15 working days from the current
/// last day (程序规定第十八条 "特殊情况下，经负责人批准").
pub async fn extend(db: &Db, actor: &Actor, now: DateTime<Utc>, lead: &Lead, reason: &str) -> AppResult<NaiveDate> {
    pending(lead)?;
    if lead.extension_reason.is_some() {
        return Err(AppError::new(
            ErrorCode::LeadDecided,
            "核查期限只能延长一次（程序规定第十八条）",
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "写明延长核查期限的特殊情况"));
    }
    let today = crate::platform::clock::china_day(now);
    enforcement::check_in_time(today, lead.verify_by).map_err(|m| AppError::new(ErrorCode::Conflict, m))?;
    let cal = crate::calendar::load(db).await?;
    let mut tx = db.begin().await?;
    let n = on_tx!(tx, c => sqlx::query(
        "update leads set extension_reason = $2 where id = $1 and status = 'pending' and extension_reason is null")
        .bind(lead.id).bind(reason).execute(&mut *c).await?.rows_affected());
    if n != 1 {
        return Err(AppError::new(ErrorCode::LeadDecided, "线索已决定或已延期"));
    }
    let until = super::clock::refresh_lead(&mut tx, &cal, lead.id, today).await?;
    record(
        &mut tx,
        now,
        actor,
        "lead.extended",
        ("lead", &lead.id.to_string()),
        &json!({"from": lead.verify_by, "until": until, "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(until)
}

/// Mark a pending lead decided, in the deciding transaction; a lead decided
/// meanwhile by someone else makes this fail.
pub async fn decide(
    tx: &mut Tx,
    lead_id: i64,
    status: &str,
    ground: Option<&str>,
    note: &str,
    on: NaiveDate,
    by: &Actor,
) -> AppResult<()> {
    let n = on_tx!(tx, c => sqlx::query(
        "update leads set status = $2, decline_ground = $3, decision_note = $4, decided_on = $5, decided_by = $6
         where id = $1 and status = 'pending'")
        .bind(lead_id).bind(status).bind(ground).bind(note).bind(on).bind(by.as_string())
        .execute(&mut *c).await?.rows_affected());
    if n == 1 {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::LeadDecided, "线索已作出决定"))
    }
}

/// Decline to file (程序规定第二十条), on one of its grounds, with reasons.
pub async fn decline(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    lead: &Lead,
    ground: &str,
    note: &str,
) -> AppResult<()> {
    pending(lead)?;
    let ground = DeclineGround::parse(ground.trim())
        .ok_or_else(|| AppError::invalid("ground", "不予立案的理由应为第二十条所列情形之一"))?;
    let note = note.trim();
    if note.is_empty() {
        return Err(AppError::invalid("note", "写明核查情况和不予立案的理由"));
    }
    let today = crate::platform::clock::china_day(now);
    let mut tx = db.begin().await?;
    decide(&mut tx, lead.id, "declined", Some(ground.as_str()), note, today, actor).await?;
    record(
        &mut tx,
        now,
        actor,
        "lead.declined",
        ("lead", &lead.id.to_string()),
        &json!({"ground": ground.as_str(), "note": note, "decided_on": today}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Keep testing or identification time out of the lead's period
/// (第十八条第二款).
pub async fn pause(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    lead: &Lead,
    input: &super::clock::PauseInput,
) -> AppResult<()> {
    pending(lead)?;
    let s = super::clock::Subject::Lead(lead.id);
    let mut tx = db.begin().await?;
    let p = super::clock::pause(&mut tx, s, actor, now, lead.found_on, input).await?;
    record(
        &mut tx,
        now,
        actor,
        "lead.paused",
        ("lead", &lead.id.to_string()),
        &json!(p),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// End the running pause and move the last day by the days kept out.
pub async fn resume(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    lead: &Lead,
    input: &super::clock::ResumeInput,
) -> AppResult<()> {
    pending(lead)?;
    let cal = crate::calendar::load(db).await?;
    let today = crate::platform::clock::china_day(now);
    let mut tx = db.begin().await?;
    let p = super::clock::resume(&mut tx, super::clock::Subject::Lead(lead.id), now, input).await?;
    let until = super::clock::refresh_lead(&mut tx, &cal, lead.id, today).await?;
    record(
        &mut tx,
        now,
        actor,
        "lead.resumed",
        ("lead", &lead.id.to_string()),
        &json!({"pause": p, "verify_by": until}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a record this one corrects (directly or through earlier
/// corrections) already raised a lead: a visit transferred, corrected to
/// something else and back raises one lead, not two.
pub async fn raised_in_chain(db: &Db, corrects: Option<i64>) -> Result<bool, sqlx::Error> {
    let mut next = corrects;
    // A chain is as long as its corrections; the bound only guards against
    // a cycle no constraint should allow.
    for _ in 0..1000 {
        let Some(id) = next else {
            return Ok(false);
        };
        let lead: Option<i64> = on_db!(db, pool => sqlx::query_scalar("select id from leads where inspection_id = $1")
            .bind(id).fetch_optional(pool).await?);
        if lead.is_some() {
            return Ok(true);
        }
        next = on_db!(db, pool => sqlx::query_scalar("select corrects from inspections where id = $1")
            .bind(id).fetch_optional(pool).await?)
        .flatten();
    }
    Ok(true)
}
