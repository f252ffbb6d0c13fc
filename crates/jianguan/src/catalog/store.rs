//! Storage of catalog items and their versions.
//!
//! Versioning rule: an item that was never published is edited in place
//! (version 1 stays a draft until it is right). Once an item has been
//! published, every change of content creates a new version and freezes the
//! old one in `catalog_item_versions`, so that an inspection made under
//! version 2 still shows version 2's text after version 3 is in force.

use chrono::{DateTime, Utc};
use jianguan_rules::catalog::{ActorLevel, ItemStatus, may_maintain};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::model::{CatalogItem, ItemContent, valid_code};
use crate::audit::{Actor, record};
use crate::on_tx;
use crate::platform::db::{Db, Tx};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, org::model::DeptKind};

/// Who is changing the catalog, and what they may change: a department
/// keeps items of its own kind at or below its level
/// (`jianguan_rules::catalog::may_maintain`).
#[derive(Debug, Clone)]
pub struct Editor {
    pub actor: Actor,
    level: ActorLevel,
    kind: String,
    /// The acting department (none for the operator).
    viewer: Option<jianguan_rules::jurisdiction::Viewer<DeptKind>>,
}

impl Editor {
    /// The command line and the demo loader: the installation's operator.
    pub fn system(actor: Actor) -> Self {
        Editor {
            actor,
            level: ActorLevel::System,
            kind: String::new(),
            viewer: None,
        }
    }

    pub fn of(user: &crate::platform::auth::CurrentUser) -> Self {
        use jianguan_rules::DivisionLevel;
        let (level, kind) = match (&user.department, user.role()) {
            (_, jianguan_rules::Role::SysAdmin) => (ActorLevel::System, String::new()),
            (Some(d), _) => (
                match d.division().map(|c| c.level()) {
                    Some(DivisionLevel::Province) => ActorLevel::Province,
                    Some(DivisionLevel::City) => ActorLevel::City,
                    _ => ActorLevel::County,
                },
                d.kind.as_str().to_string(),
            ),
            (None, _) => (ActorLevel::County, String::new()),
        };
        Editor {
            actor: user.actor(),
            level,
            kind,
            viewer: (level != ActorLevel::System).then(|| user.viewer()),
        }
    }

    /// Whether this editor keeps items of `kind` at `level` (e.g. the
    /// province-wide key list is kept at the provincial level).
    pub fn may_keep(&self, kind: DeptKind, level: &str) -> bool {
        may_maintain(self.level, &self.kind, kind.as_str(), level)
    }

    /// The acting department's kind, or none for the system administrator.
    pub fn kind(&self) -> Option<DeptKind> {
        DeptKind::parse(&self.kind)
    }

    /// The department that makes the items this editor creates.
    fn department_id(&self) -> Option<i64> {
        self.viewer.and_then(|v| v.office).map(|o| o.id)
    }

    /// Refuse to change an existing item unless this editor's department
    /// made it or supervises its maker (same kind, region covering it);
    /// an item the operator loaded is kept by the province's department
    /// of its kind. Otherwise any county bureau of the kind could retire a
    /// province-wide item.
    fn check_owner(&self, owner: Option<&crate::platform::auth::jurisdiction::Dept>) -> AppResult<()> {
        let Some(viewer) = self.viewer else {
            return Ok(());
        };
        let ok = match owner {
            Some(o) => viewer.maintains_work(o),
            None => self.level == ActorLevel::Province,
        };
        if ok {
            Ok(())
        } else {
            Err(AppError::field(
                ErrorCode::Forbidden,
                "item_code",
                "该事项由其他部门制定，只有制定部门及其上级部门可以修改、发布或废止",
            ))
        }
    }

    /// Refuse, in Chinese, an item this editor may not keep.
    pub fn check(&self, content: &ItemContent) -> AppResult<()> {
        if may_maintain(
            self.level,
            &self.kind,
            content.department_kind.as_str(),
            content.level.as_str(),
        ) {
            Ok(())
        } else {
            Err(AppError::field(
                ErrorCode::Forbidden,
                "item_code",
                format!(
                    "本部门无权维护{}的{}事项",
                    content.department_kind.label_zh(),
                    content.level.label_zh()
                ),
            ))
        }
    }
}

/// The status changes an item may go through.
pub fn transition_allowed(from: ItemStatus, to: ItemStatus) -> bool {
    from == to
        || matches!(
            (from, to),
            (ItemStatus::Draft, ItemStatus::Published)
                | (ItemStatus::Published, ItemStatus::Retired)
                | (ItemStatus::Retired, ItemStatus::Published)
        )
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    code: String,
    version: i64,
    status: String,
    content: String,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "code, version, status, content, updated_at";

fn decode(r: ItemRow) -> Result<CatalogItem, sqlx::Error> {
    let content: ItemContent = serde_json::from_str(&r.content).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(CatalogItem {
        status: ItemStatus::parse(&r.status).unwrap_or(ItemStatus::Draft),
        code: r.code,
        version: r.version,
        content,
        updated_at: r.updated_at,
    })
}

pub async fn get(db: &Db, code: &str) -> Result<Option<CatalogItem>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from catalog_items where code = $1");
    let row: Option<ItemRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(code).fetch_optional(pool).await?);
    row.map(decode).transpose()
}

/// The item `code`, if this editor may change it (its kind, level and
/// maker): the check every change runs first, before anything about the
/// change itself, so that a refusal says "not yours" rather than "invalid".
pub async fn editable(db: &Db, editor: &Editor, code: &str) -> AppResult<CatalogItem> {
    let item = get(db, code)
        .await?
        .ok_or_else(|| AppError::not_found("catalog item"))?;
    editor.check(&item.content)?;
    let row: Option<(i64, String, String)> = on_db!(db, pool => sqlx::query_as(
        "select d.id, d.kind, d.division_code from catalog_items i join departments d on d.id = i.department_id where i.code = $1")
        .bind(code).fetch_optional(pool).await?);
    let owner = row.and_then(|(id, kind, division)| crate::platform::auth::jurisdiction::owner(id, &kind, &division));
    editor.check_owner(owner.as_ref())?;
    Ok(item)
}

/// The department that made an item, if a department did.
async fn owner_in(tx: &mut Tx, code: &str) -> Result<Option<crate::platform::auth::jurisdiction::Dept>, sqlx::Error> {
    let row: Option<(i64, String, String)> = on_tx!(tx, c => sqlx::query_as(
        "select d.id, d.kind, d.division_code from catalog_items i join departments d on d.id = i.department_id where i.code = $1")
        .bind(code).fetch_optional(&mut *c).await?);
    Ok(row.and_then(|(id, kind, division)| crate::platform::auth::jurisdiction::owner(id, &kind, &division)))
}

async fn get_in(tx: &mut Tx, code: &str) -> Result<Option<(CatalogItem, bool)>, sqlx::Error> {
    // Lock the row on PostgreSQL so that two simultaneous edits cannot both
    // write version n+1 (SQLite writers are serialised already).
    let row: Option<(String, i64, String, String, DateTime<Utc>, bool)> = match tx.inner_mut() {
        crate::platform::db::TxInner::Postgres(t) => {
            sqlx::query_as(&format!(
                "select {COLUMNS}, ever_published from catalog_items where code = $1 for update"
            ))
            .bind(code)
            .fetch_optional(&mut **t)
            .await?
        }
        crate::platform::db::TxInner::Sqlite(t) => {
            sqlx::query_as(&format!(
                "select {COLUMNS}, ever_published from catalog_items where code = $1"
            ))
            .bind(code)
            .fetch_optional(&mut **t)
            .await?
        }
    };
    row.map(|(code, version, status, content, updated_at, ever)| {
        decode(ItemRow {
            code,
            version,
            status,
            content,
            updated_at,
        })
        .map(|i| (i, ever))
    })
    .transpose()
}

/// The content of one version, as actions made under it must show it.
pub async fn get_version(db: &Db, code: &str, version: i64) -> Result<Option<ItemContent>, sqlx::Error> {
    let row: Option<String> = on_db!(db, pool => sqlx::query_scalar(
        "select content from catalog_item_versions where code = $1 and version = $2")
        .bind(code).bind(version).fetch_optional(pool).await?);
    row.map(|c| serde_json::from_str(&c).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// One version in an item's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemVersion {
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub content: ItemContent,
}

pub async fn versions(db: &Db, code: &str) -> Result<Vec<ItemVersion>, sqlx::Error> {
    let rows: Vec<(i64, DateTime<Utc>, String, String)> = on_db!(db, pool => sqlx::query_as(
        "select version, created_at, created_by, content from catalog_item_versions where code = $1 order by version desc")
        .bind(code).fetch_all(pool).await?);
    rows.into_iter()
        .map(|(version, created_at, created_by, content)| {
            Ok(ItemVersion {
                version,
                created_at,
                created_by,
                content: serde_json::from_str(&content).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            })
        })
        .collect()
}

/// Filters of the catalog list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CatalogFilter {
    /// A fragment of the code, name or legal basis.
    pub q: Option<String>,
    /// `draft`, `published` or `retired`.
    pub status: Option<String>,
    /// Responsible department kind, e.g. `market_regulation`.
    pub department_kind: Option<String>,
    /// Supervision method, e.g. `random`.
    pub method: Option<String>,
}

/// Every item matching the filter, by code. A catalog has hundreds of
/// items, not millions: the text filters run over the decoded content.
pub async fn list(db: &Db, f: &CatalogFilter) -> Result<Vec<CatalogItem>, sqlx::Error> {
    let sql = format!(
        "select {COLUMNS} from catalog_items where ($1 = '' or status = $1) and ($2 = '' or department_kind = $2) order by code"
    );
    let status = f.status.clone().unwrap_or_default();
    let kind = f.department_kind.clone().unwrap_or_default();
    let rows: Vec<ItemRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(&status).bind(&kind).fetch_all(pool).await?);
    let q = f.q.as_deref().map(str::trim).unwrap_or("");
    let method = f.method.as_deref().unwrap_or("");
    let mut out = Vec::new();
    for r in rows {
        let item = decode(r)?;
        let text_ok =
            q.is_empty() || item.code.contains(q) || item.content.name.contains(q) || item.bases_zh().contains(q);
        let method_ok = method.is_empty() || item.content.methods.iter().any(|m| m.as_str() == method);
        if text_ok && method_ok {
            out.push(item);
        }
    }
    Ok(out)
}

/// What an upsert did to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Created,
    /// Edited in place (never published) or status changed only.
    Updated,
    /// A new version was created.
    NewVersion,
    Unchanged,
}

/// Write a version. A published version is frozen: a new one is a plain
/// insert (a second writer of the same number fails); only a version never
/// published is rewritten in place.
async fn write_version(
    tx: &mut Tx,
    code: &str,
    version: i64,
    content: &str,
    now: DateTime<Utc>,
    actor: &Actor,
    in_place: bool,
) -> Result<(), sqlx::Error> {
    let by = actor.as_string();
    if in_place {
        on_tx!(tx, c => sqlx::query(
            "update catalog_item_versions set content = $3, created_at = $4, created_by = $5 where code = $1 and version = $2")
            .bind(code).bind(version).bind(content).bind(now).bind(&by).execute(&mut *c).await?.rows_affected());
    } else {
        on_tx!(tx, c => sqlx::query(
            "insert into catalog_item_versions (code, version, content, created_at, created_by) values ($1, $2, $3, $4, $5)")
            .bind(code).bind(version).bind(content).bind(now).bind(&by).execute(&mut *c).await?.rows_affected());
    }
    Ok(())
}

/// Create or change one item inside the caller's transaction, applying the
/// versioning rule; `status` (when given) is applied too. Records one audit
/// entry when anything changed.
pub async fn upsert(
    tx: &mut Tx,
    editor: &Editor,
    now: DateTime<Utc>,
    code: &str,
    content: &ItemContent,
    status: Option<ItemStatus>,
    create_only: bool,
) -> AppResult<Change> {
    if !valid_code(code) {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "item_code",
            "只能由字母、数字和连字符组成，不超过40位",
        ));
    }
    content.validate()?;
    editor.check(content)?;
    let actor = &editor.actor;
    let text = serde_json::to_string(content).map_err(AppError::internal)?;
    let existing = get_in(tx, code).await?;
    if let Some((old, _)) = &existing {
        // Nobody takes over another department's item by changing its kind.
        editor.check(&old.content)?;
        editor.check_owner(owner_in(tx, code).await?.as_ref())?;
        if let Some(to) = status
            && !transition_allowed(old.status, to)
        {
            return Err(AppError::field(
                ErrorCode::Conflict,
                "status",
                format!("事项状态不能由“{}”改为“{}”", old.status.label_zh(), to.label_zh()),
            ));
        }
    }
    let (change, version, new_status) = match existing {
        Some(_) if create_only => {
            return Err(AppError::new(
                ErrorCode::CatalogItemExists,
                format!("事项编码 {code} 已存在"),
            ));
        }
        None => {
            let st = status.unwrap_or(ItemStatus::Draft);
            let ever = st != ItemStatus::Draft;
            on_tx!(tx, c => sqlx::query(
                "insert into catalog_items (code, version, status, name, level, department_kind, content, ever_published, created_at,
                     updated_at, department_id)
                 values ($1, 1, $2, $3, $4, $5, $6, $7, $8, $8, $9)")
                .bind(code).bind(st.as_str()).bind(&content.name).bind(content.level.as_str())
                .bind(content.department_kind.as_str()).bind(&text).bind(ever).bind(now).bind(editor.department_id())
                .execute(&mut *c).await?.rows_affected());
            write_version(tx, code, 1, &text, now, actor, false).await?;
            (Change::Created, 1, st)
        }
        Some((old, ever)) => {
            let st = status.unwrap_or(old.status);
            let same = old.content == *content;
            if same && st == old.status {
                return Ok(Change::Unchanged);
            }
            let (change, version) = match (same, ever) {
                (true, _) => (Change::Updated, old.version),
                (false, false) => (Change::Updated, old.version),
                (false, true) => (Change::NewVersion, old.version + 1),
            };
            let ever = ever || st != ItemStatus::Draft;
            on_tx!(tx, c => sqlx::query(
                "update catalog_items set version = $2, status = $3, name = $4, level = $5, department_kind = $6, content = $7,
                 ever_published = $8, updated_at = $9 where code = $1")
                .bind(code).bind(version).bind(st.as_str()).bind(&content.name).bind(content.level.as_str())
                .bind(content.department_kind.as_str()).bind(&text).bind(ever).bind(now)
                .execute(&mut *c).await?.rows_affected());
            if !same {
                write_version(tx, code, version, &text, now, actor, change == Change::Updated).await?;
            }
            (change, version, st)
        }
    };
    record(
        tx,
        now,
        actor,
        "catalog.item_saved",
        ("catalog_item", code),
        &json!({"version": version, "status": new_status.as_str(), "change": change, "content": content}),
    )
    .await?;
    Ok(change)
}

/// Move an item to `to`: draft → published, published → retired, retired →
/// published (re-instated). Anything else is a conflict.
pub async fn set_status(
    db: &Db,
    editor: &Editor,
    now: DateTime<Utc>,
    code: &str,
    to: ItemStatus,
) -> AppResult<CatalogItem> {
    editable(db, editor, code).await?;
    let mut tx = db.begin().await?;
    let (item, _) = get_in(&mut tx, code)
        .await?
        .ok_or_else(|| AppError::not_found("catalog item"))?;
    if item.status == to || !transition_allowed(item.status, to) {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("事项状态不能由“{}”改为“{}”", item.status.label_zh(), to.label_zh()),
        ));
    }
    upsert(&mut tx, editor, now, code, &item.content, Some(to), false).await?;
    tx.commit().await?;
    get(db, code).await?.ok_or_else(|| AppError::not_found("catalog item"))
}

/// Number of items per status, for the portal and workbench.
pub async fn count_published(db: &Db) -> Result<i64, sqlx::Error> {
    Ok(
        on_db!(db, pool => sqlx::query_scalar("select count(*) from catalog_items where status = 'published'")
        .fetch_one(pool).await?),
    )
}

/// Published items of one department kind, for pick lists.
pub async fn published_for(db: &Db, kind: Option<DeptKind>) -> Result<Vec<CatalogItem>, sqlx::Error> {
    let f = CatalogFilter {
        status: Some("published".into()),
        department_kind: kind.map(|k| k.as_str().to_string()),
        ..Default::default()
    };
    list(db, &f).await
}
