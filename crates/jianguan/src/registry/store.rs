//! SQL for market entities, their versions and licences.
//!
//! Single changes (a form, an API call) write one audit entry each with the
//! entity's new snapshot. Batches (imports, the demo generator) go through
//! [`upsert_batch`]: one transaction per batch, new rows inserted with
//! multi-row statements, changed rows versioned, unchanged rows untouched,
//! and one audit entry naming every inserted and updated code.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::access::DataScope;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

use super::model::{Entity, EntityInput, EntityStatus, EntityType, Licence};
use crate::audit::{Actor, record};
use crate::platform::db::{Db, Tx, unique_violation};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

pub const COLUMNS: &str = "uscc, name, former_names, entity_type, legal_rep, registered_capital_fen, established_on, \
     status, address, division_code, industry_code, business_scope, authority, latitude, longitude, version, \
     created_at, updated_at";

#[derive(sqlx::FromRow)]
struct EntityRow {
    uscc: String,
    name: String,
    former_names: String,
    entity_type: String,
    legal_rep: String,
    registered_capital_fen: Option<i64>,
    established_on: Option<NaiveDate>,
    status: String,
    address: String,
    division_code: String,
    industry_code: Option<String>,
    business_scope: String,
    authority: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<EntityRow> for Entity {
    fn from(r: EntityRow) -> Self {
        Entity {
            former_names: serde_json::from_str(&r.former_names).unwrap_or_default(),
            entity_type: EntityType::parse(&r.entity_type).unwrap_or(EntityType::OtherEnterprise),
            status: EntityStatus::parse(&r.status).unwrap_or(EntityStatus::Active),
            uscc: r.uscc,
            name: r.name,
            legal_rep: r.legal_rep,
            registered_capital_fen: r.registered_capital_fen,
            established_on: r.established_on,
            address: r.address,
            division_code: r.division_code,
            industry_code: r.industry_code,
            business_scope: r.business_scope,
            authority: r.authority,
            latitude: r.latitude,
            longitude: r.longitude,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The entity an input would become, as version `version`.
pub fn materialise(
    input: &EntityInput,
    former_names: Vec<String>,
    version: i64,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Entity {
    Entity {
        uscc: input.uscc.to_string(),
        name: input.name.clone(),
        former_names,
        entity_type: input.entity_type,
        legal_rep: input.legal_rep.clone(),
        registered_capital_fen: input.registered_capital_fen,
        established_on: input.established_on,
        status: input.status,
        address: input.address.clone(),
        division_code: input.division.to_string(),
        industry_code: input.industry.as_ref().map(|c| c.to_string()),
        business_scope: input.business_scope.clone(),
        authority: input.authority.clone(),
        latitude: input.latitude,
        longitude: input.longitude,
        version,
        created_at: created,
        updated_at: now,
    }
}

/// Former names after an update: the old name joins them when it changes.
fn former_after(old: &Entity, input: &EntityInput) -> Vec<String> {
    let mut names: Vec<String> = input.former_names.clone();
    for n in &old.former_names {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    if old.name != input.name && !names.contains(&old.name) {
        names.insert(0, old.name.clone());
    }
    names.retain(|n| n != &input.name);
    names
}

/// Whether storing `input` over `old` would change anything.
fn unchanged(old: &Entity, input: &EntityInput) -> bool {
    let new = materialise(
        input,
        former_after(old, input),
        old.version,
        old.created_at,
        old.updated_at,
    );
    &new == old
}

pub async fn get(db: &Db, uscc: &str) -> Result<Option<Entity>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from entities where uscc = $1");
    let row: Option<EntityRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(uscc).fetch_optional(pool).await?);
    Ok(row.map(Entity::from))
}

/// One entity as a line of PostgreSQL `COPY ... (format csv)` input, in
/// [`COLUMNS`] order: strings always quoted (so "" is an empty string and an
/// unquoted empty field is NULL).
pub fn copy_csv_row(out: &mut Vec<u8>, e: &Entity) {
    fn text(out: &mut Vec<u8>, s: &str) {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    }
    fn opt<T: std::fmt::Display>(out: &mut Vec<u8>, v: Option<T>) {
        if let Some(v) = v {
            out.extend_from_slice(v.to_string().as_bytes());
        }
    }
    let ts = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    text(out, &e.uscc);
    out.push(b',');
    text(out, &e.name);
    out.push(b',');
    text(
        out,
        &serde_json::to_string(&e.former_names).unwrap_or_else(|_| "[]".into()),
    );
    out.push(b',');
    text(out, e.entity_type.as_str());
    out.push(b',');
    text(out, &e.legal_rep);
    out.push(b',');
    opt(out, e.registered_capital_fen);
    out.push(b',');
    opt(out, e.established_on);
    out.push(b',');
    text(out, e.status.as_str());
    out.push(b',');
    text(out, &e.address);
    out.push(b',');
    text(out, &e.division_code);
    out.push(b',');
    if let Some(i) = &e.industry_code {
        text(out, i);
    }
    out.push(b',');
    text(out, &e.business_scope);
    out.push(b',');
    text(out, &e.authority);
    out.push(b',');
    opt(out, e.latitude);
    out.push(b',');
    opt(out, e.longitude);
    out.push(b',');
    out.extend_from_slice(e.version.to_string().as_bytes());
    out.push(b',');
    out.extend_from_slice(ts(e.created_at).as_bytes());
    out.push(b',');
    out.extend_from_slice(ts(e.updated_at).as_bytes());
    out.push(b'\n');
}

/// Bytes of COPY input sent at a time.
const COPY_CHUNK: usize = 256 * 1024;

async fn insert_rows(tx: &mut Tx, rows: &[Entity]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    match tx.inner_mut() {
        // PostgreSQL loads fastest through COPY, inside the same transaction;
        // this is where the dialects truly differ.
        crate::platform::db::TxInner::Postgres(t) => {
            let mut copy = t
                .copy_in_raw(&format!("copy entities ({COLUMNS}) from stdin (format csv)"))
                .await?;
            // Send as we serialise, so the server parses one chunk while
            // the next is written.
            let mut buf = Vec::with_capacity(COPY_CHUNK + 4096);
            for e in rows {
                copy_csv_row(&mut buf, e);
                if buf.len() >= COPY_CHUNK {
                    copy.send(std::mem::replace(&mut buf, Vec::with_capacity(COPY_CHUNK + 4096)))
                        .await?;
                }
            }
            copy.send(buf).await?;
            copy.finish().await?;
        }
        // SQLite: multi-row inserts with positional `?` parameters (named
        // `$N` parameters cost a name lookup each, which adds up at
        // thousands per statement).
        crate::platform::db::TxInner::Sqlite(t) => {
            for chunk in rows.chunks(200) {
                let one = format!("({})", vec!["?"; 18].join(","));
                let sql = format!(
                    "insert into entities ({COLUMNS}) values {}",
                    vec![one; chunk.len()].join(",")
                );
                let mut q = sqlx::query(&sql);
                for e in chunk {
                    q = q
                        .bind(&e.uscc)
                        .bind(&e.name)
                        .bind(serde_json::to_string(&e.former_names).unwrap_or_else(|_| "[]".into()))
                        .bind(e.entity_type.as_str())
                        .bind(&e.legal_rep)
                        .bind(e.registered_capital_fen)
                        .bind(e.established_on)
                        .bind(e.status.as_str())
                        .bind(&e.address)
                        .bind(&e.division_code)
                        .bind(&e.industry_code)
                        .bind(&e.business_scope)
                        .bind(&e.authority)
                        .bind(e.latitude)
                        .bind(e.longitude)
                        .bind(e.version)
                        .bind(e.created_at)
                        .bind(e.updated_at);
                }
                q.execute(&mut **t).await?;
            }
        }
    }
    Ok(())
}

/// Keep the old row as a version, then overwrite it with `new`.
async fn replace_row(
    tx: &mut Tx,
    old: &Entity,
    new: &Entity,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let snapshot = serde_json::to_string(old).unwrap_or_default();
    on_tx!(tx, c => {
        sqlx::query("insert into entity_versions (uscc, version, snapshot, replaced_at, replaced_by) values ($1, $2, $3, $4, $5)")
            .bind(&old.uscc)
            .bind(old.version)
            .bind(&snapshot)
            .bind(now)
            .bind(actor.as_string())
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "update entities set name = $2, former_names = $3, entity_type = $4, legal_rep = $5,
                 registered_capital_fen = $6, established_on = $7, status = $8, address = $9, division_code = $10,
                 industry_code = $11, business_scope = $12, authority = $13, latitude = $14, longitude = $15,
                 version = $16, updated_at = $17
             where uscc = $1",
        )
        .bind(&new.uscc)
        .bind(&new.name)
        .bind(serde_json::to_string(&new.former_names).unwrap_or_else(|_| "[]".into()))
        .bind(new.entity_type.as_str())
        .bind(&new.legal_rep)
        .bind(new.registered_capital_fen)
        .bind(new.established_on)
        .bind(new.status.as_str())
        .bind(&new.address)
        .bind(&new.division_code)
        .bind(&new.industry_code)
        .bind(&new.business_scope)
        .bind(&new.authority)
        .bind(new.latitude)
        .bind(new.longitude)
        .bind(new.version)
        .bind(now)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

/// Register a new entity (one audit entry with its snapshot).
pub async fn create(db: &Db, actor: &Actor, now: DateTime<Utc>, input: &EntityInput) -> AppResult<Entity> {
    let entity = materialise(input, input.former_names.clone(), 1, now, now);
    let mut tx = db.begin().await?;
    insert_rows(&mut tx, std::slice::from_ref(&entity)).await.map_err(|e| {
        if unique_violation(&e) {
            AppError::field(
                ErrorCode::EntityExists,
                "uscc",
                "an entity with this code is registered",
            )
        } else {
            AppError::from(e)
        }
    })?;
    record(
        &mut tx,
        now,
        actor,
        "entity.create",
        ("entity", &entity.uscc),
        &json!({"entity": entity}),
    )
    .await?;
    tx.commit().await?;
    Ok(entity)
}

/// Change an entity; the previous row is kept as a version. Returns the
/// stored entity (unchanged input writes nothing).
pub async fn update(db: &Db, actor: &Actor, now: DateTime<Utc>, input: &EntityInput) -> AppResult<Entity> {
    let old = get(db, input.uscc.as_str())
        .await?
        .ok_or_else(|| AppError::not_found("entity"))?;
    if unchanged(&old, input) {
        return Ok(old);
    }
    let new = materialise(input, former_after(&old, input), old.version + 1, old.created_at, now);
    let mut tx = db.begin().await?;
    replace_row(&mut tx, &old, &new, actor, now).await?;
    record(
        &mut tx,
        now,
        actor,
        "entity.update",
        ("entity", &new.uscc),
        &json!({"entity": new, "previous_version": old.version}),
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}

/// What a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct BatchOutcome {
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
}

impl std::ops::AddAssign for BatchOutcome {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Upsert a batch of entities inside the caller's transaction (so that the
/// caller can record its own progress in it). Rows must have distinct codes.
/// `audit_object` and `detail` go into the batch's audit entry.
pub async fn upsert_batch(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    rows: &[EntityInput],
    audit_object: (&str, &str),
    detail: serde_json::Value,
) -> Result<BatchOutcome, sqlx::Error> {
    upsert_batch_hinted(tx, actor, now, rows, audit_object, detail, None).await
}

/// Codes among `codes` already stored, read outside any transaction, on
/// PostgreSQL only (`None` on SQLite, whose writes are serialised anyway).
/// An import asks this for the next batch while the current one is being
/// written, and passes the answer to [`upsert_batch_hinted`].
pub async fn present_codes(db: &Db, codes: &[String]) -> Result<Option<HashSet<String>>, sqlx::Error> {
    match db {
        Db::Postgres { pool } => Ok(Some(
            sqlx::query_scalar(PRESENT_PG)
                .bind(codes)
                .fetch_all(pool)
                .await?
                .into_iter()
                .collect(),
        )),
        Db::Sqlite { .. } => Ok(None),
    }
}

/// [`upsert_batch`], trusting `present_hint` (from [`present_codes`]) for
/// which codes exist, so that only their rows are read inside the
/// transaction. A code stored by someone else since the hint was taken makes
/// the insert fail with a unique violation: the caller rolls back and
/// retries without a hint.
pub async fn upsert_batch_hinted(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    rows: &[EntityInput],
    audit_object: (&str, &str),
    detail: serde_json::Value,
    present_hint: Option<&HashSet<String>>,
) -> Result<BatchOutcome, sqlx::Error> {
    let existing = fetch_many(tx, rows.iter().map(|r| r.uscc.to_string()).collect(), present_hint).await?;
    let mut fresh = Vec::new();
    let mut inserted_codes = Vec::new();
    let mut updated_codes = Vec::new();
    let mut outcome = BatchOutcome::default();
    for input in rows {
        match existing.get(input.uscc.as_str()) {
            None => {
                inserted_codes.push(input.uscc.to_string());
                fresh.push(materialise(input, input.former_names.clone(), 1, now, now));
            }
            Some(old) if unchanged(old, input) => outcome.unchanged += 1,
            Some(old) => {
                let new = materialise(input, former_after(old, input), old.version + 1, old.created_at, now);
                replace_row(tx, old, &new, actor, now).await?;
                updated_codes.push(new.uscc.clone());
            }
        }
    }
    insert_rows(tx, &fresh).await?;
    outcome.inserted = inserted_codes.len() as i64;
    outcome.updated = updated_codes.len() as i64;
    if outcome.inserted + outcome.updated > 0 {
        record(
            tx,
            now,
            actor,
            "entity.batch_upsert",
            audit_object,
            &json!({"detail": detail, "inserted": inserted_codes, "updated": updated_codes, "unchanged": outcome.unchanged}),
        )
        .await?;
    }
    Ok(outcome)
}

/// `$1,$2,...,$n`
fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(",")
}

/// One round trip per batch: the codes go as one array, joined from
/// `unnest` so that the planner probes the primary key per code (a plain
/// `= any($1)` was planned as a sequential scan on a table growing inside
/// one import).
const PRESENT_PG: &str = "select e.uscc from unnest($1::text[]) as c(code) join entities e on e.uscc = c.code";

async fn fetch_many(
    tx: &mut Tx,
    codes: Vec<String>,
    present_hint: Option<&HashSet<String>>,
) -> Result<HashMap<String, Entity>, sqlx::Error> {
    // Ask for the codes first: in a first import none exist, and the full
    // rows of the few that do are read only then.
    let present: Vec<String> = match (present_hint, tx.inner_mut()) {
        (Some(hint), _) => codes.into_iter().filter(|c| hint.contains(c)).collect(),
        (None, crate::platform::db::TxInner::Postgres(t)) => {
            sqlx::query_scalar(PRESENT_PG).bind(&codes).fetch_all(&mut **t).await?
        }
        (None, crate::platform::db::TxInner::Sqlite(t)) => {
            let mut present = Vec::new();
            for chunk in codes.chunks(500) {
                let sql = format!(
                    "select uscc from entities where uscc in ({})",
                    placeholders(chunk.len())
                );
                let mut q = sqlx::query_scalar(&sql);
                for code in chunk {
                    q = q.bind(code);
                }
                present.extend(q.fetch_all(&mut **t).await?);
            }
            present
        }
    };
    let mut out = HashMap::new();
    for chunk in present.chunks(500) {
        let sql = format!(
            "select {COLUMNS} from entities where uscc in ({})",
            placeholders(chunk.len())
        );
        let rows: Vec<EntityRow> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for code in chunk {
                q = q.bind(code);
            }
            q.fetch_all(&mut *c).await?
        });
        out.extend(rows.into_iter().map(|r| (r.uscc.clone(), Entity::from(r))));
    }
    Ok(out)
}

/// Filters of an entity list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct EntityFilter {
    /// Text: a fragment of the name, former name, legal representative, address or code.
    pub q: Option<String>,
    /// Division code: the region and everything below it.
    pub division: Option<String>,
    /// Industry code (section letter, division, group or class) and everything below it.
    pub industry: Option<String>,
    pub entity_type: Option<String>,
    pub status: Option<String>,
    /// 1-based page number.
    pub page: Option<i64>,
    /// Rows per page (default 20, at most 200).
    pub per_page: Option<i64>,
}

/// Deepest result a search pages to (as search engines bound deep paging,
/// e.g. Elasticsearch's `max_result_window`): beyond it, narrow the search.
pub const MAX_RESULT_WINDOW: i64 = 100_000;

/// Most rows on one page.
pub const MAX_PER_PAGE: i64 = 200;

impl EntityFilter {
    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE)
    }

    /// The page, within `1..=` the last page of the result window (so
    /// that offsets never overflow, whatever the query string says).
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, MAX_RESULT_WINDOW / self.per_page())
    }

    /// Refuse pages outside the bounds rather than answer another page.
    pub fn check(&self) -> Result<(), crate::platform::error::AppError> {
        use crate::platform::error::AppError;
        if let Some(p) = self.per_page
            && !(1..=MAX_PER_PAGE).contains(&p)
        {
            return Err(AppError::invalid("per_page", format!("每页1至{MAX_PER_PAGE}条")));
        }
        if let Some(p) = self.page
            && (p < 1 || p.saturating_mul(self.per_page()) > MAX_RESULT_WINDOW)
        {
            return Err(AppError::invalid(
                "page",
                format!("页码从1开始，最多翻到第{MAX_RESULT_WINDOW}条结果；请缩小查询范围"),
            ));
        }
        Ok(())
    }
}

/// Conditions and their bound text parameters, numbered as they are added.
#[derive(Default)]
struct Where {
    conds: Vec<String>,
    params: Vec<String>,
}

impl Where {
    /// Bind `value` and return its placeholder.
    fn bind(&mut self, value: String) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    fn push(&mut self, column_op: &str, value: String) {
        let p = self.bind(value);
        self.conds.push(format!("{column_op} {p}"));
    }
}

/// Build the `where` clause and its text parameters for a filter within a scope.
pub fn where_clause(f: &EntityFilter, scope: &DataScope) -> (String, Vec<String>) {
    let mut w = Where::default();
    if *scope != DataScope::All {
        w.push("division_code like", scope.like_pattern());
    }
    if let Some(d) = f.division.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match jianguan_rules::DivisionCode::parse(d) {
            Ok(code) => w.push("division_code like", code.like_pattern()),
            Err(_) => w.push("division_code =", d.to_string()),
        }
    }
    if let Some(i) = f.industry.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match jianguan_rules::IndustryCode::parse(i) {
            // A section is a range of two-digit divisions.
            Ok(c) if c.level() == jianguan_rules::IndustryLevel::Section => {
                let mut any = Vec::new();
                for (s, lo, hi) in jianguan_rules::industry::SECTIONS {
                    if s == c.section() {
                        for d in lo..=hi {
                            let p = w.bind(format!("{d:02}%"));
                            any.push(format!("industry_code like {p}"));
                        }
                    }
                }
                w.conds.push(format!("({})", any.join(" or ")));
            }
            Ok(c) => w.push("industry_code like", format!("{}%", c.as_str())),
            Err(_) => w.push("industry_code =", i.to_string()),
        }
    }
    if let Some(t) = f.entity_type.as_deref().filter(|s| !s.is_empty()) {
        w.push(
            "entity_type =",
            EntityType::parse(t)
                .map(|e| e.as_str().to_string())
                .unwrap_or_else(|| t.to_string()),
        );
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        w.push(
            "status =",
            EntityStatus::parse(s)
                .map(|e| e.as_str().to_string())
                .unwrap_or_else(|| s.to_string()),
        );
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let p = w.bind(format!("%{}%", q.replace(['%', '_'], "")));
        w.conds.push(format!(
            "(name like {p} or former_names like {p} or legal_rep like {p} or address like {p} or uscc like {p})"
        ));
    }
    let clause = if w.conds.is_empty() {
        String::new()
    } else {
        format!("where {}", w.conds.join(" and "))
    };
    (clause, w.params)
}

/// A page of entities matching a filter in a scope, and the total count.
pub async fn list(db: &Db, f: &EntityFilter, scope: &DataScope) -> Result<(Vec<Entity>, i64), sqlx::Error> {
    let (cond, params) = where_clause(f, scope);
    let count_sql = format!("select count(*) from entities {cond}");
    let n = params.len();
    let sql = format!(
        "select {COLUMNS} from entities {cond} order by uscc limit ${} offset ${}",
        n + 1,
        n + 2
    );
    let offset = (f.page() - 1) * f.per_page();
    on_db!(db, pool => {
        let mut cq = sqlx::query_scalar(&count_sql);
        let mut q = sqlx::query_as::<_, EntityRow>(&sql);
        for p in &params {
            cq = cq.bind(p);
            q = q.bind(p);
        }
        let total: i64 = cq.fetch_one(pool).await?;
        let rows = q.bind(f.per_page()).bind(offset).fetch_all(pool).await?;
        Ok((rows.into_iter().map(Entity::from).collect(), total))
    })
}

/// A page of entities from a keyset query whose only parameter is the last
/// code of the previous page.
pub async fn fetch_page(db: &Db, sql: &str, after: &str) -> Result<Vec<Entity>, sqlx::Error> {
    let rows: Vec<EntityRow> = on_db!(db, pool => sqlx::query_as(sql).bind(after).fetch_all(pool).await?);
    Ok(rows.into_iter().map(Entity::from).collect())
}

/// Entities by code, in the order given (for search hits).
pub async fn get_many(db: &Db, codes: &[String]) -> Result<Vec<Entity>, sqlx::Error> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<String> = (1..=codes.len()).map(|i| format!("${i}")).collect();
    let sql = format!("select {COLUMNS} from entities where uscc in ({})", params.join(","));
    let rows: Vec<EntityRow> = on_db!(db, pool => {
        let mut q = sqlx::query_as(&sql);
        for c in codes {
            q = q.bind(c);
        }
        q.fetch_all(pool).await?
    });
    let mut by_code: HashMap<String, Entity> = rows.into_iter().map(|r| (r.uscc.clone(), Entity::from(r))).collect();
    Ok(codes.iter().filter_map(|c| by_code.remove(c)).collect())
}

/// A superseded version of an entity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntityVersion {
    pub version: i64,
    pub replaced_at: DateTime<Utc>,
    pub replaced_by: String,
    pub snapshot: Entity,
}

pub async fn versions(db: &Db, uscc: &str) -> Result<Vec<EntityVersion>, sqlx::Error> {
    let rows: Vec<(i64, DateTime<Utc>, String, String)> = on_db!(db, pool => {
        sqlx::query_as("select version, replaced_at, replaced_by, snapshot from entity_versions where uscc = $1 order by version desc")
            .bind(uscc)
            .fetch_all(pool)
            .await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(version, replaced_at, replaced_by, snap)| {
            serde_json::from_str(&snap).ok().map(|snapshot| EntityVersion {
                version,
                replaced_at,
                replaced_by,
                snapshot,
            })
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct LicenceRow {
    licence_type: String,
    number: String,
    issuer: String,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
}

pub async fn licences(db: &Db, uscc: &str) -> Result<Vec<Licence>, sqlx::Error> {
    let rows: Vec<LicenceRow> = on_db!(db, pool => {
        sqlx::query_as("select licence_type, number, issuer, valid_from, valid_until from licences where uscc = $1 order by licence_type, number")
            .bind(uscc)
            .fetch_all(pool)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|r| Licence {
            licence_type: r.licence_type,
            number: r.number,
            issuer: r.issuer,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
        })
        .collect())
}

/// Record a licence an entity holds (re-recording the same one changes nothing).
pub async fn add_licence(db: &Db, actor: &Actor, now: DateTime<Utc>, uscc: &str, l: &Licence) -> AppResult<()> {
    if l.licence_type.trim().is_empty() || l.number.trim().is_empty() {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "number",
            "licence type and number are required",
        ));
    }
    if let (Some(a), Some(b)) = (l.valid_from, l.valid_until)
        && b < a
    {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "valid_until",
            "ends before it starts",
        ));
    }
    let mut tx = db.begin().await?;
    let n = on_tx!(tx, c => {
        sqlx::query(
            "insert into licences (uscc, licence_type, number, issuer, valid_from, valid_until, created_at)
             values ($1, $2, $3, $4, $5, $6, $7) on conflict (uscc, licence_type, number) do nothing",
        )
        .bind(uscc)
        .bind(l.licence_type.trim())
        .bind(l.number.trim())
        .bind(l.issuer.trim())
        .bind(l.valid_from)
        .bind(l.valid_until)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    if n == 1 {
        record(
            &mut tx,
            now,
            actor,
            "licence.add",
            ("entity", uscc),
            &json!({"licence": l}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Number of entities (dashboards, benchmarks).
pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("select count(*) from entities").fetch_one(pool).await)
}
