//! The catalog shipped with the product (`data/catalog/`, sources in its
//! SOURCES.md): a provincial market-regulation bureau's and drug
//! administration's supervision items, the key-supervision list and the
//! tolerance lists. `jianguan demo` loads them; a bureau can load the same
//! workbook with `jianguan import catalog` and adapt it. Loading twice
//! changes nothing.

use chrono::{DateTime, Utc};

use super::io::{self, CatalogImportReport};
use super::keylist::{self, NewKeyItem};
use super::tolerance::{self, NewEntry};
use crate::audit::Actor;
use crate::on_db;
use crate::org::model::DeptKind;
use crate::platform::db::Db;
use crate::registry::tabular::read_bytes;

pub const CATALOG_CSV: &str = include_str!("../../data/catalog/catalog.csv");
pub const KEY_ITEMS_CSV: &str = include_str!("../../data/catalog/key-items.csv");
pub const TOLERANCE_CSV: &str = include_str!("../../data/catalog/tolerance.csv");

/// Load the shipped catalog, key items and tolerance lists. Tolerance
/// entries go to the top department of each kind (the province's bureau),
/// once.
pub async fn load(db: &Db, now: DateTime<Utc>) -> anyhow::Result<CatalogImportReport> {
    let table = read_bytes(CATALOG_CSV.as_bytes(), "csv")?;
    let report = io::import(db, &super::store::Editor::system(Actor::Cli), now, &table).await?;
    if !report.errors.is_empty() {
        anyhow::bail!("the shipped catalog has bad rows: {:?}", report.errors);
    }
    let keys = read_bytes(KEY_ITEMS_CSV.as_bytes(), "csv")?;
    for (_, r) in &keys.rows {
        let at = |i: usize| r.get(i).cloned().unwrap_or_default();
        let input = NewKeyItem {
            item_code: at(0),
            reason: at(1),
            period: at(2),
        };
        keylist::add_item(db, &super::store::Editor::system(Actor::Cli), now, &input).await?;
    }
    let tol = read_bytes(TOLERANCE_CSV.as_bytes(), "csv")?;
    for kind in [DeptKind::MarketRegulation, DeptKind::DrugAdministration] {
        // The top department of this kind: no parent of the same kind.
        let dept: Option<(i64, i64)> = on_db!(db, pool => sqlx::query_as(
            "select d.id, (select count(*) from tolerance_entries t where t.department_id = d.id)
             from departments d where d.kind = $1 and d.parent_id is null order by d.division_code limit 1")
            .bind(kind.as_str()).fetch_optional(pool).await?);
        let Some((dept_id, existing)) = dept else { continue };
        if existing > 0 {
            continue;
        }
        for (_, r) in tol
            .rows
            .iter()
            .filter(|(_, r)| r.first().map(String::as_str) == Some(kind.label_zh()))
        {
            let at = |i: usize| r.get(i).cloned().unwrap_or_default();
            let e = NewEntry {
                list_kind: at(1),
                item_code: at(2),
                behaviour: at(3),
                legal_basis: at(4),
                conditions: at(5),
                treatment: at(6),
            };
            tolerance::add(db, &Actor::Cli, now, dept_id, &e).await?;
        }
    }
    Ok(report)
}
