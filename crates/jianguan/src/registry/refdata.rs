//! Reference tables shipped with the product: the national table of
//! administrative divisions (GB/T 2260) and the GB/T 4754-2017 industry
//! classification, as CSV files in `data/` (sources in `data/SOURCES.md`).
//!
//! They are compiled into the binary, parsed once into memory for lookups
//! and validation, and copied into the database on start (`ensure_loaded`)
//! so that SQL can join and filter on them.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::on_tx;
use crate::platform::db::Db;

const DIVISIONS_CSV: &str = include_str!("../../data/divisions.csv");
const INDUSTRIES_CSV: &str = include_str!("../../data/industries.csv");

/// One row of a reference table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent: Option<String>,
}

/// A reference table: rows in code order, and an index by code.
#[derive(Debug, Default)]
pub struct RefTable {
    pub rows: Vec<RefRow>,
    index: HashMap<String, usize>,
}

impl RefTable {
    fn parse(text: &str) -> Self {
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for rec in rdr.records().flatten() {
            let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
            let parent = get(3);
            rows.push(RefRow {
                code: get(0),
                name: get(1),
                level: get(2),
                parent: (!parent.is_empty()).then_some(parent),
            });
        }
        let index = rows.iter().enumerate().map(|(i, r)| (r.code.clone(), i)).collect();
        RefTable { rows, index }
    }

    pub fn get(&self, code: &str) -> Option<&RefRow> {
        self.index.get(code).and_then(|&i| self.rows.get(i))
    }

    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.get(code).map(|r| r.name.as_str())
    }

    pub fn children<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a RefRow> + 'a {
        self.rows.iter().filter(move |r| r.parent.as_deref() == Some(code))
    }

    /// "湖北省 武汉市 江岸区" for a county code.
    pub fn full_name(&self, code: &str) -> String {
        let mut parts = Vec::new();
        let mut cur = self.get(code);
        while let Some(r) = cur {
            parts.push(r.name.as_str());
            cur = r.parent.as_deref().and_then(|p| self.get(p));
        }
        parts.reverse();
        parts.join(" ")
    }
}

pub static DIVISIONS: LazyLock<RefTable> = LazyLock::new(|| RefTable::parse(DIVISIONS_CSV));
pub static INDUSTRIES: LazyLock<RefTable> = LazyLock::new(|| RefTable::parse(INDUSTRIES_CSV));

/// Copy the shipped tables into the database when the stored copy differs
/// in size (first start, or a new edition shipped with a new binary).
pub async fn ensure_loaded(db: &Db) -> Result<(), sqlx::Error> {
    for (table, data) in [("divisions", &*DIVISIONS), ("industries", &*INDUSTRIES)] {
        let count_sql = format!("select count(*) from {table}");
        let stored: i64 = crate::on_db!(db, pool => sqlx::query_scalar(&count_sql).fetch_one(pool).await?);
        if stored == data.rows.len() as i64 {
            continue;
        }
        let mut tx = db.begin().await?;
        let delete = format!("delete from {table}");
        let insert = format!("insert into {table} (code, name, level, parent) values ($1, $2, $3, $4)");
        on_tx!(tx, c => {
            sqlx::query(&delete).execute(&mut *c).await?;
            for r in &data.rows {
                sqlx::query(&insert).bind(&r.code).bind(&r.name).bind(&r.level).bind(&r.parent).execute(&mut *c).await?;
            }
        });
        tx.commit().await?;
        tracing::info!(table, rows = data.rows.len(), "loaded reference table");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jianguan_rules::{DivisionCode, IndustryCode};

    #[test]
    fn divisions_are_complete_and_consistent() {
        let d = &*DIVISIONS;
        let count = |lvl: &str| d.rows.iter().filter(|r| r.level == lvl).count();
        assert!(count("province") >= 31, "{}", count("province"));
        assert!(count("city") >= 330, "{}", count("city"));
        assert!(count("county") >= 2800, "{}", count("county"));
        for r in &d.rows {
            let code = DivisionCode::parse(&r.code).unwrap_or_else(|e| panic!("{}: {e}", r.code));
            if let Some(p) = &r.parent {
                assert!(d.contains(p), "{} has missing parent {p}", r.code);
                assert!(
                    DivisionCode::parse(p).unwrap().covers(&code),
                    "{} not under {p}",
                    r.code
                );
            } else {
                assert_eq!(r.level, "province", "{}", r.code);
            }
        }
        // DOMAIN.md §11: Hubei's cities and Wuhan's districts.
        for (code, name) in [
            ("420000", "湖北省"),
            ("420100", "武汉市"),
            ("420102", "江岸区"),
            ("420111", "洪山区"),
            ("420500", "宜昌市"),
            ("420600", "襄阳市"),
            ("421000", "荆州市"),
            ("422800", "恩施土家族苗族自治州"),
            ("429004", "仙桃市"),
            ("429021", "神农架林区"),
        ] {
            assert_eq!(d.name(code), Some(name), "{code}");
        }
        assert!(!d.contains("420400"), "沙市市 was abolished");
        assert_eq!(d.full_name("420102"), "湖北省 武汉市 江岸区");
    }

    #[test]
    fn industries_are_complete_and_consistent() {
        let t = &*INDUSTRIES;
        let count = |lvl: &str| t.rows.iter().filter(|r| r.level == lvl).count();
        assert_eq!(count("section"), 20);
        assert_eq!(count("division"), 97);
        assert_eq!(count("group"), 473);
        assert!((1380..=1382).contains(&count("class")), "{}", count("class"));
        for r in &t.rows {
            let code = IndustryCode::parse(&r.code).unwrap_or_else(|e| panic!("{}: {e}", r.code));
            assert_eq!(code.level().as_str(), r.level, "{}", r.code);
            assert_eq!(code.parent().map(|p| p.to_string()), r.parent, "{}", r.code);
        }
        assert_eq!(t.name("I"), Some("信息传输、软件和信息技术服务业"));
        assert_eq!(t.name("65"), Some("软件和信息技术服务业"));
    }
}
