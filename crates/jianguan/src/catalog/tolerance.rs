//! Tolerance lists (包容审慎监管, mission C12): per department, the published
//! list of minor violations not punished on a first offence (首违不罚,
//! 行政处罚法第三十三条) and of light violations with reduced penalty
//! (从轻减轻, 第三十二条). Each entry is tied to a catalog item and its own
//! legal basis; the enforcement context consults [`applicable`].

use chrono::{DateTime, Utc};
use jianguan_rules::catalog::LegalBasis;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::store;
use crate::audit::{Actor, record};
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

/// The two lists.
pub const KINDS: [(&str, &str); 2] = [("first_offence", "首违不罚"), ("reduced", "从轻减轻")];

pub fn kind_zh(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or("")
}

fn kind_parse(s: &str) -> Option<&'static str> {
    KINDS.iter().find(|(k, l)| *k == s || *l == s).map(|(k, _)| *k)
}

/// One entry of a tolerance list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entry {
    pub id: i64,
    pub department_code: String,
    pub department_name: String,
    /// `first_offence` (首违不罚) or `reduced` (从轻减轻).
    pub list_kind: String,
    pub item_code: String,
    pub item_name: String,
    pub behaviour: String,
    #[schema(value_type = Vec<Object>)]
    pub legal_basis: Vec<LegalBasis>,
    pub conditions: String,
    pub treatment: String,
}

impl Entry {
    pub fn kind_zh(&self) -> &'static str {
        kind_zh(&self.list_kind)
    }

    pub fn bases_zh(&self) -> String {
        self.legal_basis
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// The body of a new entry; `legal_basis` is one citation per line.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewEntry {
    pub list_kind: String,
    pub item_code: String,
    pub behaviour: String,
    pub legal_basis: String,
    pub conditions: String,
    pub treatment: String,
}

/// Add an entry to department `department_id`'s list.
pub async fn add(db: &Db, actor: &Actor, now: DateTime<Utc>, department_id: i64, e: &NewEntry) -> AppResult<i64> {
    let kind = kind_parse(e.list_kind.trim()).ok_or_else(|| {
        AppError::field(
            ErrorCode::ValidationFailed,
            "list_kind",
            "应为 first_offence（首违不罚）或 reduced（从轻减轻）",
        )
    })?;
    let mut bases = Vec::new();
    for l in e.legal_basis.lines().map(str::trim).filter(|l| !l.is_empty()) {
        bases.push(LegalBasis::parse(l).map_err(|m| AppError::field(ErrorCode::ValidationFailed, "legal_basis", m))?);
    }
    if bases.is_empty() {
        return Err(AppError::field(ErrorCode::ValidationFailed, "legal_basis", "至少一条"));
    }
    for (f, v) in [
        ("behaviour", &e.behaviour),
        ("conditions", &e.conditions),
        ("treatment", &e.treatment),
    ] {
        if v.trim().is_empty() {
            return Err(AppError::field(ErrorCode::ValidationFailed, f, "必填"));
        }
    }
    let dept_kind: Option<String> = on_db!(db, pool => sqlx::query_scalar("select kind from departments where id = $1")
        .bind(department_id).fetch_optional(pool).await?);
    match store::get(db, e.item_code.trim()).await? {
        Some(i) if i.status == jianguan_rules::catalog::ItemStatus::Published => {
            if dept_kind.as_deref() != Some(i.content.department_kind.as_str()) {
                return Err(AppError::field(
                    ErrorCode::DepartmentNotResponsible,
                    "item_code",
                    "该监管事项不属于本部门",
                ));
            }
        }
        _ => {
            return Err(AppError::field(
                ErrorCode::CatalogItemNotPublished,
                "item_code",
                "包容审慎清单只能对应已发布的监管事项",
            ));
        }
    }
    let basis_json = serde_json::to_string(&bases).map_err(AppError::internal)?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "insert into tolerance_entries (department_id, list_kind, item_code, behaviour, legal_basis, conditions, treatment, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id")
        .bind(department_id).bind(kind).bind(e.item_code.trim()).bind(e.behaviour.trim()).bind(&basis_json)
        .bind(e.conditions.trim()).bind(e.treatment.trim()).bind(now).fetch_one(&mut *c).await?);
    record(
        &mut tx,
        now,
        actor,
        "tolerance.entry_added",
        ("tolerance_entry", &id.to_string()),
        &json!({"department_id": department_id, "list_kind": kind, "item_code": e.item_code.trim(),
                "behaviour": e.behaviour.trim(), "legal_basis": bases}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// Every entry, by department and kind; `department_code` narrows it.
pub async fn list(db: &Db, department_code: Option<&str>) -> Result<Vec<Entry>, sqlx::Error> {
    let code = department_code.unwrap_or("");
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(
        "select t.id, d.code, d.name, t.list_kind, t.item_code, coalesce(c.name, ''), t.behaviour, t.legal_basis,
                t.conditions, t.treatment
         from tolerance_entries t join departments d on d.id = t.department_id
         left join catalog_items c on c.code = t.item_code
         where ($1 = '' or d.code = $1) order by d.code, t.list_kind, t.id")
        .bind(code).fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .map(
            |(id, dc, dn, kind, ic, iname, behaviour, basis, conditions, treatment)| Entry {
                id,
                department_code: dc,
                department_name: dn,
                list_kind: kind,
                item_code: ic,
                item_name: iname,
                behaviour,
                legal_basis: serde_json::from_str(&basis).unwrap_or_default(),
                conditions,
                treatment,
            },
        )
        .collect())
}

/// Entries that may apply to a violation under `item_code` handled by
/// department `department_id`: what the enforcement context consults
/// before proposing a penalty.
pub async fn applicable(db: &Db, department_id: i64, item_code: &str) -> Result<Vec<Entry>, sqlx::Error> {
    let code: Option<String> = on_db!(db, pool => sqlx::query_scalar("select code from departments where id = $1")
        .bind(department_id).fetch_optional(pool).await?);
    let Some(code) = code else { return Ok(Vec::new()) };
    Ok(list(db, Some(&code))
        .await?
        .into_iter()
        .filter(|e| e.item_code == item_code)
        .collect())
}
