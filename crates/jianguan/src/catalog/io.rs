//! The catalog as the spreadsheet regulators keep it: one row per item, with
//! the usual Chinese headers, in XLSX or CSV. Multi-valued cells use one
//! line per value (legal bases, checklist points, penalties) or `；`
//! between values (types, industries, licences, methods). A checklist line
//! is `要点|是否`, `要点|文本`, `要点|照片` or `要点|数值|单位|下限|上限`; a
//! penalty line is `处罚事项|《法》第…条`. Export writes exactly what import
//! reads, so a workbook survives the round trip.

use chrono::{DateTime, Utc};
use jianguan_rules::catalog::{ItemStatus, LegalBasis, ObjectScope, format_ratio_bp, parse_ratio_bp};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

use super::model::{CatalogItem, CheckPoint, ItemContent, Level, Method, PenaltyRef, ResultType};
use super::store::{self, Change, Editor};
use crate::org::model::DeptKind;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::registry::model::EntityType;
use crate::registry::tabular::{Table, write_csv, xlsx_bytes};

/// Columns, in export order.
pub const HEADER: [&str; 15] = [
    "事项编码",
    "事项名称",
    "事项层级",
    "责任部门类型",
    "配合部门类型",
    "实施依据",
    "检查对象类型",
    "行业代码",
    "许可类型",
    "监管方式",
    "抽查比例",
    "检查频次",
    "检查要点",
    "相关处罚事项",
    "状态",
];

/// Other names the columns go by in bureaus' own sheets.
fn column_of(header: &str) -> Option<usize> {
    let h: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    let alias = match h.as_str() {
        "编码" | "事项代码" => "事项编码",
        "名称" | "监管事项名称" | "检查事项" => "事项名称",
        "层级" => "事项层级",
        "责任部门" | "牵头部门类型" | "实施部门" => "责任部门类型",
        "配合部门" => "配合部门类型",
        "依据" | "法律依据" | "设定依据" => "实施依据",
        "检查对象" => "检查对象类型",
        "行业" => "行业代码",
        "许可" | "涉及许可" => "许可类型",
        "方式" | "检查方式" => "监管方式",
        "比例" => "抽查比例",
        "频次" => "检查频次",
        "检查内容" => "检查要点",
        "处罚事项" => "相关处罚事项",
        "事项状态" => "状态",
        other => other,
    };
    HEADER.iter().position(|c| *c == alias)
}

fn lines(s: &str) -> impl Iterator<Item = &str> {
    s.split('\n')
        .map(|l| l.trim_matches(|c: char| c == '\r' || c.is_whitespace()))
        .filter(|l| !l.is_empty())
}

fn list(s: &str) -> impl Iterator<Item = &str> {
    s.split(['；', ';', '、', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

fn number(s: &str) -> String {
    // 8.0 → 8, 0.5 → 0.5: what a person would have typed.
    let mut t = s.to_string();
    if t.contains('.') {
        t = t.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    t
}

/// One item as a spreadsheet row.
pub fn to_row(i: &CatalogItem) -> Vec<String> {
    let c = &i.content;
    let checklist = c
        .checklist
        .iter()
        .map(|p| match &p.result {
            ResultType::Number { unit, min, max } => format!(
                "{}|数值|{}|{}|{}",
                p.text,
                unit,
                min.map(|v| number(&v.to_string())).unwrap_or_default(),
                max.map(|v| number(&v.to_string())).unwrap_or_default()
            ),
            other => format!("{}|{}", p.text, other.label_zh()),
        })
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        i.code.clone(),
        c.name.clone(),
        c.level.label_zh().into(),
        c.department_kind.label_zh().into(),
        c.co_kinds.iter().map(|k| k.label_zh()).collect::<Vec<_>>().join("；"),
        c.legal_basis
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        c.scope
            .entity_types
            .iter()
            .map(|t| EntityType::parse(t).map(|t| t.label_zh()).unwrap_or(t.as_str()))
            .collect::<Vec<_>>()
            .join("；"),
        c.scope.industries.join("；"),
        c.scope.licence_types.join("；"),
        c.methods.iter().map(|m| m.label_zh()).collect::<Vec<_>>().join("；"),
        c.ratio_bp.map(format_ratio_bp).unwrap_or_default(),
        c.frequency.clone(),
        checklist,
        c.penalties
            .iter()
            .map(|p| format!("{}|{}", p.name, p.basis))
            .collect::<Vec<_>>()
            .join("\n"),
        i.status.label_zh().into(),
    ]
}

fn kind(s: &str) -> Option<DeptKind> {
    DeptKind::ALL.into_iter().find(|k| k.label_zh() == s || k.as_str() == s)
}

fn checkpoint(line: &str) -> Result<CheckPoint, String> {
    let f: Vec<&str> = line.split('|').map(str::trim).collect();
    let num = |s: &str| -> Result<Option<f64>, String> {
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse()
                .map(Some)
                .map_err(|_| format!("检查要点“{line}”：限值 {s:?} 不是数字"))
        }
    };
    let result = match f.as_slice() {
        [_, "是否"] => ResultType::PassFail,
        [_, "文本"] => ResultType::Text,
        [_, "照片"] => ResultType::Photo,
        [_, "数值", unit, min, max] => ResultType::Number {
            unit: unit.to_string(),
            min: num(min)?,
            max: num(max)?,
        },
        _ => {
            return Err(format!(
                "检查要点“{line}”格式应为 要点|是否、要点|文本、要点|照片 或 要点|数值|单位|下限|上限"
            ));
        }
    };
    Ok(CheckPoint {
        text: f[0].to_string(),
        result,
    })
}

/// Parse one row. Errors are in Chinese, for the error list a regulator
/// reads.
/// An empty 状态 cell is `None`: a new item starts as a draft, an existing
/// one keeps its state.
pub fn from_row(
    cols: &HashMap<usize, usize>,
    cells: &[String],
) -> Result<(String, ItemContent, Option<ItemStatus>), String> {
    let get = |i: usize| cols.get(&i).and_then(|&c| cells.get(c)).map(|s| s.trim()).unwrap_or("");
    let mut errs = Vec::new();
    let code = get(0).to_string();
    let level = Level::parse(get(2)).unwrap_or_else(|| {
        errs.push(format!("事项层级 {:?} 应为 国家级、省级、市级 或 县级", get(2)));
        Level::Provincial
    });
    let department_kind = kind(get(3)).unwrap_or_else(|| {
        errs.push(format!("责任部门类型 {:?} 无法识别", get(3)));
        DeptKind::Other
    });
    let mut co_kinds = Vec::new();
    for k in list(get(4)) {
        match kind(k) {
            Some(k) => co_kinds.push(k),
            None => errs.push(format!("配合部门类型 {k:?} 无法识别")),
        }
    }
    let mut legal_basis = Vec::new();
    for l in lines(get(5)) {
        match LegalBasis::parse(l) {
            Ok(b) => legal_basis.push(b),
            Err(_) => errs.push(format!("实施依据“{l}”应写作《法律名称》第…条（第…款第…项）")),
        }
    }
    let mut entity_types = Vec::new();
    for t in list(get(6)) {
        match EntityType::parse(t) {
            Some(t) => entity_types.push(t.as_str().to_string()),
            None => errs.push(format!("检查对象类型 {t:?} 无法识别")),
        }
    }
    let mut methods = Vec::new();
    for m in list(get(9)) {
        match Method::parse(m) {
            Some(m) => methods.push(m),
            None => errs.push(format!("监管方式 {m:?} 无法识别")),
        }
    }
    let ratio_bp = parse_ratio_bp(get(10)).unwrap_or_else(|_| {
        errs.push(format!("抽查比例 {:?} 应为百分数，如 5%", get(10)));
        None
    });
    let mut checklist = Vec::new();
    for l in lines(get(12)) {
        match checkpoint(l) {
            Ok(p) => checklist.push(p),
            Err(e) => errs.push(e),
        }
    }
    let mut penalties = Vec::new();
    for l in lines(get(13)) {
        match l.split_once('|').map(|(n, b)| (n.trim(), LegalBasis::parse(b))) {
            Some((name, Ok(basis))) if !name.is_empty() => penalties.push(PenaltyRef {
                name: name.to_string(),
                basis,
            }),
            _ => errs.push(format!("相关处罚事项“{l}”格式应为 处罚事项|《法律名称》第…条")),
        }
    }
    let status = match get(14) {
        "" => None,
        s => ItemStatus::parse(s).or_else(|| {
            errs.push(format!("状态 {s:?} 应为 草稿、已发布 或 已废止"));
            None
        }),
    };
    let content = ItemContent {
        name: get(1).to_string(),
        level,
        department_kind,
        co_kinds,
        legal_basis,
        scope: ObjectScope {
            entity_types,
            industries: list(get(7)).map(str::to_string).collect(),
            licence_types: list(get(8)).map(str::to_string).collect(),
        },
        methods,
        ratio_bp,
        frequency: get(11).to_string(),
        checklist,
        penalties,
    };
    if errs.is_empty()
        && let Err(e) = content.validate()
    {
        errs.push(
            e.errors
                .iter()
                .map(|f| format!("{}：{}", crate::platform::error::field_label_zh(&f.field), f.message))
                .collect::<Vec<_>>()
                .join("；"),
        );
    }
    if errs.is_empty() {
        Ok((code, content, status))
    } else {
        Err(errs.join("；"))
    }
}

/// One rejected row.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub code: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CatalogImportReport {
    pub total_rows: usize,
    pub created: usize,
    pub updated: usize,
    pub new_versions: usize,
    pub unchanged: usize,
    pub errors: Vec<RowError>,
}

/// Import a table: every good row is applied (in one transaction, so a
/// failure stores nothing), every bad row is listed with its line.
pub async fn import(db: &Db, editor: &Editor, now: DateTime<Utc>, table: &Table) -> AppResult<CatalogImportReport> {
    let cols: HashMap<usize, usize> = table
        .header
        .iter()
        .enumerate()
        .filter_map(|(c, h)| column_of(h).map(|i| (i, c)))
        .collect();
    for (i, name) in [(0, "事项编码"), (1, "事项名称"), (5, "实施依据")] {
        if !cols.contains_key(&i) {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                format!("the file has no {name} column (found: {})", table.header.join(", ")),
            ));
        }
    }
    let mut report = CatalogImportReport {
        total_rows: table.rows.len(),
        ..Default::default()
    };
    let mut seen = HashSet::new();
    let mut good = Vec::new();
    for (line, cells) in &table.rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match from_row(&cols, cells) {
            Ok((code, _, _)) if !seen.insert(code.clone()) => report.errors.push(RowError {
                line: *line,
                code,
                reason: "事项编码在文件中重复，只导入第一行".into(),
            }),
            Ok(row) => good.push((*line, row)),
            Err(reason) => report.errors.push(RowError {
                line: *line,
                code: cells
                    .get(cols.get(&0).copied().unwrap_or(0))
                    .cloned()
                    .unwrap_or_default(),
                reason,
            }),
        }
    }
    let mut tx = db.begin().await?;
    for (line, (code, content, status)) in good {
        match store::upsert(&mut tx, editor, now, &code, &content, status, false).await {
            Ok(Change::Created) => report.created += 1,
            Ok(Change::Updated) => report.updated += 1,
            Ok(Change::NewVersion) => report.new_versions += 1,
            Ok(Change::Unchanged) => report.unchanged += 1,
            Err(e) if e.code != ErrorCode::Internal => report.errors.push(RowError {
                line,
                code,
                reason: e.form_message_zh(),
            }),
            Err(e) => return Err(e),
        }
    }
    tx.commit().await?;
    Ok(report)
}

/// The whole catalog as CSV (UTF-8 with BOM) or XLSX bytes.
pub async fn export(db: &Db, xlsx: bool) -> AppResult<Vec<u8>> {
    let items = store::list(db, &Default::default()).await?;
    let rows = items.iter().map(to_row);
    if xlsx {
        Ok(xlsx_bytes("监管事项清单", &HEADER, rows)?)
    } else {
        let mut out = Vec::new();
        write_csv(&mut out, &HEADER, rows)?;
        Ok(out)
    }
}

/// The error list as CSV, for download next to the report.
pub fn errors_csv(errors: &[RowError]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    write_csv(
        &mut out,
        &["行号", "事项编码", "原因"],
        errors
            .iter()
            .map(|e| vec![e.line.to_string(), e.code.clone(), e.reason.clone()]),
    )?;
    Ok(out)
}
