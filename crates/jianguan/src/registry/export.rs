//! Export of any entity search result to CSV or XLSX, with the same Chinese
//! headers the importer reads, so that an export can be edited and imported.

use jianguan_rules::access::DataScope;
use std::path::Path;

use super::model::Entity;
use super::refdata::{DIVISIONS, INDUSTRIES};
use super::store::{EntityFilter, list};
use super::tabular::{write_csv, write_xlsx};
use crate::platform::db::Db;

pub const HEADER: &[&str] = &[
    "统一社会信用代码",
    "企业名称",
    "曾用名",
    "主体类型",
    "法定代表人",
    "注册资本(万元)",
    "成立日期",
    "登记状态",
    "住所",
    "行政区划代码",
    "行政区划",
    "行业代码",
    "行业",
    "经营范围",
    "登记机关",
    "纬度",
    "经度",
];

pub fn row(e: &Entity) -> Vec<String> {
    vec![
        e.uscc.clone(),
        e.name.clone(),
        e.former_names.join("；"),
        e.type_zh().to_string(),
        e.legal_rep.clone(),
        e.registered_capital_fen
            .map(|f| format!("{}", f as f64 / 1_000_000.0))
            .unwrap_or_default(),
        e.established_on.map(|d| d.to_string()).unwrap_or_default(),
        e.status_zh().to_string(),
        e.address.clone(),
        e.division_code.clone(),
        DIVISIONS.full_name(&e.division_code),
        e.industry_code.clone().unwrap_or_default(),
        e.industry_code
            .as_deref()
            .and_then(|c| INDUSTRIES.name(c))
            .unwrap_or("")
            .to_string(),
        e.business_scope.clone(),
        e.authority.clone(),
        e.latitude.map(|v| v.to_string()).unwrap_or_default(),
        e.longitude.map(|v| v.to_string()).unwrap_or_default(),
    ]
}

/// Every entity matching the filter, read page by page.
pub async fn collect(db: &Db, filter: &EntityFilter, scope: &DataScope) -> Result<Vec<Entity>, sqlx::Error> {
    let mut f = filter.clone();
    f.per_page = Some(200);
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        f.page = Some(page);
        let (rows, total) = list(db, &f, scope).await?;
        let n = rows.len();
        out.extend(rows);
        if n == 0 || out.len() as i64 >= total {
            break;
        }
        page += 1;
    }
    Ok(out)
}

/// Write entities to `path`, as XLSX when it ends in .xlsx, CSV otherwise.
pub fn write(path: &Path, entities: &[Entity]) -> anyhow::Result<()> {
    let rows = entities.iter().map(row);
    if super::tabular::extension(path) == "xlsx" {
        write_xlsx(path, "市场主体", HEADER, rows)
    } else {
        let f = std::fs::File::create(path)?;
        write_csv(std::io::BufWriter::new(f), HEADER, rows)
    }
}
