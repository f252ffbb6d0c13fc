//! The clocks of leads and cases: time kept out of their periods (pauses:
//! testing, identification, and for cases also suspension, hearing, notice,
//! refund; 程序规定第十八条第二款、第六十四条第二款) and the stored last
//! days (`leads.verify_by`, `cases.due_on`), always recomputed from their
//! starting day, extensions and pauses by `jianguan_rules::enforcement` —
//! on every extension, pause and resumption, and for every open matter when
//! an administrator enters a year of holidays.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::calendar::Calendar;
use jianguan_rules::enforcement::{Collective, PauseKind, case_deadline, lead_deadline};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Actor;
use crate::platform::db::{Db, Tx};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

/// One span of time kept out of a period.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Pause {
    pub id: i64,
    /// `testing`, `identification`, `suspension`, `hearing`, `notice`,
    /// `refund`.
    pub kind: String,
    pub reason: String,
    pub from_on: NaiveDate,
    /// Last day kept out; none while it runs.
    pub to_on: Option<NaiveDate>,
    pub created_by: String,
}

impl Pause {
    pub fn kind_zh(&self) -> &'static str {
        PauseKind::parse(&self.kind).map_or("", PauseKind::label_zh)
    }
}

/// `lead` or `case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Lead(i64),
    Case(i64),
}

impl Subject {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Subject::Lead(id) => ("lead", id),
            Subject::Case(id) => ("case", id),
        }
    }
}

const SELECT: &str = "select id, kind, reason, from_on, to_on, created_by from clock_pauses
    where subject = $1 and subject_id = $2 order by from_on, id";

pub async fn pauses(db: &Db, s: Subject) -> Result<Vec<Pause>, sqlx::Error> {
    let (subject, id) = s.parts();
    Ok(on_db!(db, pool => sqlx::query_as(SELECT).bind(subject).bind(id).fetch_all(pool).await?))
}

async fn pauses_tx(tx: &mut Tx, s: Subject) -> Result<Vec<Pause>, sqlx::Error> {
    let (subject, id) = s.parts();
    Ok(on_tx!(tx, c => sqlx::query_as(SELECT).bind(subject).bind(id).fetch_all(&mut *c).await?))
}

/// The spans a deadline skips; a running pause counts up to `today` (the
/// clock stands still until it is resumed).
pub fn spans(pauses: &[Pause], today: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    pauses
        .iter()
        .map(|p| (p.from_on, p.to_on.unwrap_or(today.max(p.from_on))))
        .collect()
}

/// Recompute and store a pending lead's last day.
pub async fn refresh_lead(tx: &mut Tx, cal: &Calendar, id: i64, today: NaiveDate) -> AppResult<NaiveDate> {
    let row: Option<(NaiveDate, Option<String>)> = on_tx!(tx, c => sqlx::query_as(
        "select found_on, extension_reason from leads where id = $1").bind(id).fetch_optional(&mut *c).await?);
    let (found_on, ext) = row.ok_or_else(|| AppError::not_found("线索"))?;
    let ps = pauses_tx(tx, Subject::Lead(id)).await?;
    let due = lead_deadline(cal, found_on, ext.is_some(), &spans(&ps, today)).date;
    on_tx!(tx, c => sqlx::query("update leads set verify_by = $2 where id = $1 and status = 'pending'")
        .bind(id).bind(due).execute(&mut *c).await?.rows_affected());
    Ok(due)
}

/// Recompute and store an open case's decision deadline.
pub async fn refresh_case(tx: &mut Tx, cal: &Calendar, id: i64, today: NaiveDate) -> AppResult<NaiveDate> {
    type Row = (NaiveDate, i32, Option<NaiveDate>, Option<NaiveDate>);
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(
        "select filed_on, extensions, collective_on, collective_until from cases where id = $1")
        .bind(id).fetch_optional(&mut *c).await?);
    let (filed_on, extensions, on, until) = row.ok_or_else(|| AppError::not_found("案件"))?;
    let collective = on
        .zip(until)
        .map(|(decided_on, until)| Collective { decided_on, until });
    let ps = pauses_tx(tx, Subject::Case(id)).await?;
    let due = case_deadline(cal, filed_on, extensions.max(0) as u32, collective, &spans(&ps, today)).date;
    on_tx!(tx, c => sqlx::query("update cases set due_on = $2 where id = $1 and status = 'open'")
        .bind(id).bind(due).execute(&mut *c).await?.rows_affected());
    Ok(due)
}

/// Recompute every pending lead's and open case's last day (after a year of
/// holidays was entered); a case whose deadline moves gets a step on its
/// chain saying so. Returns how many changed.
/// [`refresh_all`] as the calendar's recount port (`crate::calendar::Recount`).
pub fn recount<'a>(
    tx: &'a mut Tx,
    actor: &'a Actor,
    now: DateTime<Utc>,
    cal: &'a Calendar,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<usize>> + Send + 'a>> {
    Box::pin(refresh_all(tx, actor, now, cal))
}

pub async fn refresh_all(tx: &mut Tx, actor: &Actor, now: DateTime<Utc>, cal: &Calendar) -> AppResult<usize> {
    let today = crate::platform::clock::china_day(now);
    let leads: Vec<(i64, NaiveDate)> = on_tx!(tx, c => sqlx::query_as(
        "select id, verify_by from leads where status = 'pending'").fetch_all(&mut *c).await?);
    let cases: Vec<(i64, NaiveDate)> = on_tx!(tx, c => sqlx::query_as(
        "select id, due_on from cases where status = 'open'").fetch_all(&mut *c).await?);
    let mut changed = 0;
    for (id, old) in leads {
        changed += usize::from(refresh_lead(tx, cal, id, today).await? != old);
    }
    for (id, old) in cases {
        let due_on = refresh_case(tx, cal, id, today).await?;
        if due_on != old {
            changed += 1;
            super::cases::append(
                tx,
                id,
                now,
                actor,
                "case.recounted",
                &serde_json::json!({"from": old, "due_on": due_on}),
            )
            .await?;
        }
    }
    Ok(changed)
}

/// The body of a pause.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PauseInput {
    pub kind: String,
    pub reason: String,
    /// First day kept out (default today).
    #[serde(default)]
    pub from_on: Option<NaiveDate>,
}

/// The body of a resumption.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ResumeInput {
    /// Last day kept out (default today).
    #[serde(default)]
    pub to_on: Option<NaiveDate>,
}

/// Start a pause, in the caller's transaction; `started` is the day the
/// lead was found or the case filed.
pub async fn pause(
    tx: &mut Tx,
    s: Subject,
    actor: &Actor,
    now: DateTime<Utc>,
    started: NaiveDate,
    input: &PauseInput,
) -> AppResult<Pause> {
    let kind = PauseKind::parse(input.kind.trim())
        .ok_or_else(|| AppError::invalid("kind", "不计入期限的事由不在法定情形之列"))?;
    if matches!(s, Subject::Lead(_)) && !kind.applies_to_leads() {
        return Err(AppError::invalid(
            "kind",
            "线索核查期限只扣除检测、检验、检疫、鉴定和权利人辨认、鉴别所需时间（程序规定第十八条第二款）",
        ));
    }
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "写明事由，如送检机构和样品"));
    }
    let today = crate::platform::clock::china_day(now);
    let from = input.from_on.unwrap_or(today);
    if from > today || from <= started {
        return Err(AppError::invalid(
            "from_on",
            "开始日期应在立案（发现线索）之后、不晚于今天",
        ));
    }
    let (subject, id) = s.parts();
    let inserted: Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(
        "insert into clock_pauses (subject, subject_id, kind, reason, from_on, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(subject).bind(id).bind(kind.as_str()).bind(reason).bind(from).bind(actor.as_string()).bind(now)
        .fetch_one(&mut *c).await);
    let pid = inserted.map_err(|e| {
        if crate::platform::db::unique_violation(&e) {
            AppError::new(ErrorCode::Conflict, "已有一段未结束的不计入期限的时间，先登记其结束")
        } else {
            AppError::from(e)
        }
    })?;
    Ok(Pause {
        id: pid,
        kind: kind.as_str().into(),
        reason: reason.into(),
        from_on: from,
        to_on: None,
        created_by: actor.as_string(),
    })
}

/// End the running pause, in the caller's transaction.
pub async fn resume(tx: &mut Tx, s: Subject, now: DateTime<Utc>, input: &ResumeInput) -> AppResult<Pause> {
    let running = pauses_tx(tx, s)
        .await?
        .into_iter()
        .find(|p| p.to_on.is_none())
        .ok_or_else(|| AppError::new(ErrorCode::Conflict, "没有正在计算中的不计入期限的时间"))?;
    let today = crate::platform::clock::china_day(now);
    let to = input.to_on.unwrap_or(today);
    if to > today || to < running.from_on {
        return Err(AppError::invalid("to_on", "结束日期应不早于开始日期、不晚于今天"));
    }
    on_tx!(tx, c => sqlx::query("update clock_pauses set to_on = $2 where id = $1 and to_on is null")
        .bind(running.id).bind(to).execute(&mut *c).await?.rows_affected());
    Ok(Pause {
        to_on: Some(to),
        ..running
    })
}
