//! "清单之外无监管": the one place where a supervisory action is checked
//! against the catalog. Inspections, penalties and coercive measures call
//! [`authorize`] before they store anything; none re-implements it. The
//! decision itself is `jianguan_rules::catalog::check_action`.

use chrono::NaiveDate;
use jianguan_rules::catalog::{EntityFacts, Refusal, check_action};
use serde::Serialize;
use utoipa::ToSchema;

use super::store;
use crate::org::model::DeptKind;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::registry::model::Entity;
use crate::registry::store as registry;

/// The item version an action was authorised under; the action stores it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Cited {
    pub code: String,
    pub version: i64,
    pub name: String,
}

/// Check that a department of kind `actor_kind` may act on `entity` on day
/// `on` under item `item_code`. Refusals carry the stable codes
/// `catalog_item_not_published`, `department_not_responsible` and
/// `entity_out_of_scope`.
pub async fn authorize(
    db: &Db,
    actor_kind: DeptKind,
    item_code: &str,
    entity: &Entity,
    on: NaiveDate,
) -> AppResult<Cited> {
    let item = store::get(db, item_code).await?;
    // Licences count only when valid on the day of the action.
    let licences: Vec<String> = registry::licences(db, &entity.uscc)
        .await?
        .into_iter()
        .filter(|l| l.valid_from.is_none_or(|d| d <= on) && l.valid_until.is_none_or(|d| d >= on))
        .map(|l| l.licence_type)
        .collect();
    let facts = EntityFacts {
        entity_type: entity.entity_type.as_str(),
        industry: entity.industry_code.as_deref(),
        licences: &licences,
    };
    let (status, kind, scope) = match &item {
        Some(i) => (
            Some(i.status),
            i.content.department_kind.as_str(),
            i.content.scope.clone(),
        ),
        None => (None, "", Default::default()),
    };
    match (check_action(status, kind, &scope, actor_kind.as_str(), &facts), item) {
        (Ok(()), Some(i)) => Ok(Cited {
            code: i.code,
            version: i.version,
            name: i.content.name,
        }),
        (Ok(()), None) | (Err(Refusal::NotPublished), _) => Err(AppError::field(
            ErrorCode::CatalogItemNotPublished,
            "item_code",
            format!("监管事项 {item_code} 未发布、已废止或不存在"),
        )),
        (Err(Refusal::DepartmentNotResponsible { responsible, .. }), _) => Err(AppError::field(
            ErrorCode::DepartmentNotResponsible,
            "item_code",
            format!(
                "监管事项 {item_code} 由{}部门负责，不属于{}部门",
                DeptKind::parse(&responsible).map(|k| k.label_zh()).unwrap_or("其他"),
                actor_kind.label_zh()
            ),
        )),
        (Err(Refusal::EntityOutOfScope(why)), _) => Err(AppError::field(ErrorCode::EntityOutOfScope, "uscc", why)),
    }
}
