//! The one place the application applies `jianguan_rules::jurisdiction`:
//! every read or write of a department's work (leads, cases, inspections,
//! draw tasks, catalog items, import jobs) and of an entity's territorial
//! data goes through these checks, so that a new context calls them instead
//! of comparing division codes itself.
//!
//! Records name their owner by `(department id, kind, division code)` as
//! stored; [`owner`] turns that into the rules' `Office`. SQL lists filter
//! with [`WorkSql`], the same rule as [`CurrentUser::reads_work`].

use jianguan_rules::DivisionCode;
use jianguan_rules::jurisdiction::{Office, Viewer};

use std::collections::HashMap;

use super::CurrentUser;
use crate::on_db;
use crate::org::model::{Department, DeptKind};
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult};

/// A department as jurisdiction sees it.
pub type Dept = Office<DeptKind>;

/// The office of a stored department (none if its division code does not
/// parse: such a department owns nothing anyone may read).
pub fn office(d: &Department) -> Option<Dept> {
    Some(Office {
        id: d.id,
        kind: d.kind,
        division: d.division()?,
    })
}

/// The owner of a record from its stored columns.
pub fn owner(id: i64, kind: &str, division: &str) -> Option<Dept> {
    Some(Office {
        id,
        kind: DeptKind::parse(kind)?,
        division: DivisionCode::parse(division).ok()?,
    })
}

/// Binds for the SQL filter on work rows:
/// `(d.id = $own or (d.kind like $kind and d.division_code like $like))`,
/// where `d` is the owning department. One shape for every viewer: the
/// system administrator matches every kind and region, an enterprise none.
#[derive(Debug, Clone)]
pub struct WorkSql {
    pub own: i64,
    pub kind: String,
    pub like: String,
}

impl WorkSql {
    /// The clause over alias `d` with the three placeholders numbered from
    /// `first`.
    pub fn clause(first: usize) -> String {
        format!(
            "(d.id = ${} or (d.kind like ${} and d.division_code like ${}))",
            first,
            first + 1,
            first + 2
        )
    }
}

/// Every department's office by id: a province has a few hundred
/// departments, read once per request that filters a mixed list.
pub async fn offices(db: &Db) -> Result<HashMap<i64, Dept>, sqlx::Error> {
    let rows: Vec<(i64, String, String)> =
        on_db!(db, pool => sqlx::query_as("select id, kind, division_code from departments").fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, division)| Some((id, owner(id, &kind, &division)?)))
        .collect())
}

impl CurrentUser {
    pub fn viewer(&self) -> Viewer<DeptKind> {
        Viewer {
            role: self.role(),
            office: self.department.as_ref().and_then(office),
        }
    }

    /// Reads a record of `owner`'s work that `partners` joined.
    pub fn reads_work(&self, owner: Option<&Dept>, partners: &[i64]) -> bool {
        owner.is_some_and(|o| self.viewer().reads_work(o, partners))
    }

    /// [`CurrentUser::reads_work`], or 403 `out_of_scope`.
    pub fn check_work(&self, owner: Option<&Dept>, partners: &[i64]) -> AppResult<()> {
        if self.reads_work(owner, partners) {
            Ok(())
        } else {
            Err(AppError::out_of_jurisdiction())
        }
    }

    /// Changes `owner`'s record where same-kind superiors may act for it
    /// (approving a lower department's plan).
    pub fn maintains(&self, owner: Option<&Dept>) -> bool {
        owner.is_some_and(|o| self.viewer().maintains_work(o))
    }

    /// Reads territorial data (an entity's registration) in `division`.
    pub fn reads_territory(&self, division: &str) -> bool {
        DivisionCode::parse(division).is_ok_and(|d| self.viewer().reads_territory(&d))
    }

    /// The binds of [`WorkSql::clause`] for this caller.
    pub fn work_sql(&self) -> WorkSql {
        match self.viewer().work_filter() {
            None => WorkSql {
                own: -1,
                kind: "%".into(),
                like: "%".into(),
            },
            Some(f) => WorkSql {
                own: f.own,
                kind: f.kind.map_or_else(|| "-".to_string(), |k| k.as_str().to_string()),
                like: f.like,
            },
        }
    }
}
