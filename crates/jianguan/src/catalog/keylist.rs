//! The key-supervision list (重点监管清单, mission C11): a few catalog items
//! placed under key supervision, and the entities listed under each. The
//! rule is full coverage: each listed entity is inspected under each of its
//! key items once in every coverage period (年度, 半年, 季度). Coverage is
//! computed from the inspections actually recorded.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::Uscc;
use jianguan_rules::access::DataScope;
use jianguan_rules::catalog::{CoveragePeriod, ItemStatus};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::store::{self, Editor};
use crate::audit::{Actor, record};
use crate::org::model::DeptKind;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::registry::store as registry;
use crate::{on_db, on_tx};

/// An item on the key list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyItem {
    pub item_code: String,
    pub item_name: String,
    pub reason: String,
    #[schema(value_type = String)]
    pub period: CoveragePeriod,
}

impl KeyItem {
    pub fn period_zh(&self) -> &'static str {
        self.period.label_zh()
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewKeyItem {
    pub item_code: String,
    pub reason: String,
    /// `year`, `half_year` or `quarter` (or 年度, 半年, 季度).
    pub period: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewKeyEntity {
    pub item_code: String,
    pub uscc: String,
    pub reason: String,
}

pub async fn items(db: &Db) -> Result<Vec<KeyItem>, sqlx::Error> {
    let rows: Vec<(String, String, String, String)> = on_db!(db, pool => sqlx::query_as(
        "select k.item_code, c.name, k.reason, k.period from key_items k join catalog_items c on c.code = k.item_code
         order by k.item_code").fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .map(|(item_code, item_name, reason, period)| KeyItem {
            item_code,
            item_name,
            reason,
            period: CoveragePeriod::parse(&period).unwrap_or(CoveragePeriod::Year),
        })
        .collect())
}

/// Put a published item on the key list (or change its reason and period).
/// The key list is province-wide: only the province's department of the
/// item's kind (or the system administrator) keeps it.
pub async fn add_item(db: &Db, editor: &Editor, now: DateTime<Utc>, input: &NewKeyItem) -> AppResult<()> {
    let actor = &editor.actor;
    let period = CoveragePeriod::parse(input.period.trim())
        .ok_or_else(|| AppError::field(ErrorCode::ValidationFailed, "period", "year, half_year or quarter"))?;
    if input.reason.trim().is_empty() {
        return Err(AppError::field(ErrorCode::ValidationFailed, "reason", "required"));
    }
    let item = store::get(db, input.item_code.trim()).await?;
    let Some(item) = item.filter(|i| i.status == ItemStatus::Published) else {
        return Err(AppError::field(
            ErrorCode::CatalogItemNotPublished,
            "item_code",
            "只有已发布的监管事项才能列入重点监管",
        ));
    };
    if !editor.may_keep(item.content.department_kind, "provincial") {
        return Err(AppError::field(
            ErrorCode::Forbidden,
            "item_code",
            "重点监管清单由省级对口部门维护",
        ));
    }
    let previous = items(db)
        .await?
        .into_iter()
        .find(|k| k.item_code == input.item_code.trim());
    let same = items(db)
        .await?
        .into_iter()
        .any(|k| k.item_code == input.item_code.trim() && k.reason == input.reason.trim() && k.period == period);
    if same {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let by = actor.as_string();
    on_tx!(tx, c => sqlx::query(
        "insert into key_items (item_code, reason, period, added_at, added_by) values ($1, $2, $3, $4, $5)
         on conflict (item_code) do update set reason = excluded.reason, period = excluded.period")
        .bind(input.item_code.trim()).bind(input.reason.trim()).bind(period.as_str()).bind(now).bind(&by)
        .execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        actor,
        "keylist.item_added",
        ("catalog_item", input.item_code.trim()),
        &json!({"reason": input.reason.trim(), "period": period.as_str(),
                "previous": previous.map(|p| json!({"reason": p.reason, "period": p.period.as_str()}))}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// List an entity under a key item. The item's object scope must cover it:
/// the list cannot demand an inspection the catalog would refuse.
/// `actor_kind` is the acting department's kind (`None` for the system
/// administrator, who acts for the item's own department).
pub async fn add_entity(
    db: &Db,
    actor: &Actor,
    actor_kind: Option<DeptKind>,
    now: DateTime<Utc>,
    scope: &DataScope,
    input: &NewKeyEntity,
) -> AppResult<()> {
    let uscc = Uscc::parse(&input.uscc).map_err(|e| AppError::field(ErrorCode::InvalidUscc, "uscc", e.to_string()))?;
    let entity = registry::get(db, uscc.as_str())
        .await?
        .ok_or_else(|| AppError::not_found("entity"))?;
    if !scope.covers_code(&entity.division_code) {
        return Err(AppError::out_of_scope());
    }
    let code = input.item_code.trim();
    if !items(db).await?.iter().any(|k| k.item_code == code) {
        return Err(AppError::field(
            ErrorCode::NotFound,
            "item_code",
            "the item is not on the key list",
        ));
    }
    let item = store::get(db, code)
        .await?
        .ok_or_else(|| AppError::not_found("catalog item"))?;
    let kind = actor_kind.unwrap_or(item.content.department_kind);
    super::guard::authorize(db, kind, code, &entity, crate::platform::clock::china_day(now)).await?;
    let mut tx = db.begin().await?;
    let by = actor.as_string();
    on_tx!(tx, c => sqlx::query(
        "insert into key_entities (item_code, uscc, reason, added_at, added_by) values ($1, $2, $3, $4, $5)
         on conflict (item_code, uscc) do update set reason = excluded.reason")
        .bind(code).bind(uscc.as_str()).bind(input.reason.trim()).bind(now).bind(&by)
        .execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        actor,
        "keylist.entity_added",
        ("entity", uscc.as_str()),
        &json!({"item_code": code, "reason": input.reason.trim()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An entity listed but not yet inspected in the current period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Uncovered {
    pub uscc: String,
    pub name: String,
    pub reason: String,
}

/// Coverage of one key item in the period containing the day asked about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coverage {
    pub item_code: String,
    pub item_name: String,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub listed: i64,
    pub covered: i64,
    pub uncovered: Vec<Uncovered>,
}

impl Coverage {
    /// Percentage covered, rounded down (a list is not "done" at 99.6%).
    pub fn percent(&self) -> i64 {
        if self.listed == 0 {
            100
        } else {
            self.covered * 100 / self.listed
        }
    }
}

/// Coverage of every key item on day `on`, over the entities in `scope`.
pub async fn coverage(db: &Db, on: NaiveDate, scope: &DataScope) -> Result<Vec<Coverage>, sqlx::Error> {
    let like = scope.like_pattern();
    let mut out = Vec::new();
    for k in items(db).await? {
        let (start, end) = k.period.bounds(on);
        let rows: Vec<(String, String, String, bool)> = on_db!(db, pool => sqlx::query_as(
            "select ke.uscc, e.name, ke.reason,
                    exists (select 1 from inspections i join inspection_items ii on ii.inspection_id = i.id
                            where i.uscc = ke.uscc and ii.item_code = ke.item_code
                              and i.inspected_on >= $2 and i.inspected_on <= $3) as covered
             from key_entities ke join entities e on e.uscc = ke.uscc
             where ke.item_code = $1 and e.division_code like $4
             order by ke.uscc")
            .bind(&k.item_code).bind(start).bind(end).bind(&like).fetch_all(pool).await?);
        let listed = rows.len() as i64;
        let covered = rows.iter().filter(|r| r.3).count() as i64;
        out.push(Coverage {
            item_code: k.item_code,
            item_name: k.item_name,
            period: k.period.label_zh().to_string(),
            period_start: start,
            period_end: end,
            listed,
            covered,
            uncovered: rows
                .into_iter()
                .filter(|r| !r.3)
                .map(|(uscc, name, reason, _)| Uncovered { uscc, name, reason })
                .collect(),
        });
    }
    Ok(out)
}
