//! Importing market entities from CSV or XLSX.
//!
//! Headers are matched by the names regulators' spreadsheets use
//! (统一社会信用代码, 企业名称, 法定代表人 ...). Every row is validated; bad
//! rows are listed with their line and reason in an error file, good rows are
//! upserted by code in batches, each batch one transaction that also records
//! the job's progress. A crash or kill leaves whole batches only; running the
//! same file again resumes after the last committed batch and ends in the
//! same state as one clean run. Rows already stored unchanged write nothing,
//! so a rerun is harmless.

use anyhow::{Context as _, bail};
use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::access::DataScope;
use jianguan_rules::audit::sha256_hex;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use utoipa::ToSchema;

use super::model::{EntityDraft, EntityInput};
use super::refdata::{DIVISIONS, INDUSTRIES};
use super::store::{BatchOutcome, present_codes, upsert_batch_hinted};
use super::tabular::{Table, write_csv};
use crate::audit::Actor;
use crate::platform::db::{Db, unique_violation};
use crate::{on_db, on_tx};

/// The fields an entity file can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Uscc,
    Name,
    FormerNames,
    EntityType,
    LegalRep,
    Capital,
    CapitalWan,
    Established,
    Status,
    Address,
    Division,
    Industry,
    Scope,
    Authority,
    Latitude,
    Longitude,
}

/// Header spellings, after normalisation (no spaces, ASCII brackets, lower case).
const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::Uscc,
        &[
            "统一社会信用代码",
            "社会信用代码",
            "信用代码",
            "统一代码",
            "uscc",
            "注册号/统一社会信用代码",
            "统一社会信用代码/注册号",
        ],
    ),
    (
        Field::Name,
        &[
            "企业名称",
            "名称",
            "主体名称",
            "市场主体名称",
            "单位名称",
            "字号名称",
            "name",
        ],
    ),
    (Field::FormerNames, &["曾用名", "历史名称", "former_names"]),
    (
        Field::EntityType,
        &[
            "类型",
            "企业类型",
            "主体类型",
            "市场主体类型",
            "企业类型名称",
            "组织形式",
            "entity_type",
        ],
    ),
    (
        Field::LegalRep,
        &[
            "法定代表人",
            "负责人",
            "经营者",
            "法定代表人(负责人)",
            "法定代表人(负责人、经营者)",
            "法定代表人/负责人",
            "投资人",
            "legal_rep",
        ],
    ),
    (
        Field::CapitalWan,
        &["注册资本(万元)", "注册资本(万)", "注册资金(万元)", "注册资本万元"],
    ),
    (
        Field::Capital,
        &["注册资本", "注册资金", "出资额", "注册资本(元)", "registered_capital"],
    ),
    (
        Field::Established,
        &["成立日期", "注册日期", "登记日期", "开业日期", "established_on"],
    ),
    (Field::Status, &["登记状态", "经营状态", "状态", "企业状态", "status"]),
    (
        Field::Address,
        &[
            "住所",
            "地址",
            "注册地址",
            "经营场所",
            "住所(经营场所)",
            "企业地址",
            "address",
        ],
    ),
    (
        Field::Division,
        &["行政区划代码", "区划代码", "所属区划", "行政区划", "division_code"],
    ),
    (
        Field::Industry,
        &[
            "行业代码",
            "国民经济行业代码",
            "行业门类代码",
            "所属行业代码",
            "industry_code",
        ],
    ),
    (Field::Scope, &["经营范围", "business_scope"]),
    (Field::Authority, &["登记机关", "登记管理机关", "authority"]),
    (Field::Latitude, &["纬度", "latitude", "lat"]),
    (Field::Longitude, &["经度", "longitude", "lng", "lon"]),
];

fn normalise(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '、' => '、',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Map a header row to field positions; unknown columns are ignored.
pub fn map_header(header: &[String]) -> HashMap<Field, usize> {
    let mut map = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let n = normalise(h);
        if let Some((f, _)) = ALIASES
            .iter()
            .find(|(_, names)| names.iter().any(|a| normalise(a) == n))
        {
            map.entry(*f).or_insert(i);
        }
    }
    map
}

/// Money as fen from text such as "500", "500.5", "1,000万元", "50万".
pub fn parse_capital(text: &str, in_wan: bool) -> Result<Option<i64>, String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace() && *c != ',').collect();
    if t.is_empty() {
        return Ok(None);
    }
    let wan = in_wan || t.contains('万');
    let num: String = t.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    if num.is_empty() {
        return Err(format!("registered capital {text:?} is not a number"));
    }
    let (int, frac) = num.split_once('.').unwrap_or((&num, ""));
    // Fixed-point to avoid float rounding: scale to 1/1,000,000 of a unit.
    let frac6: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
    let micro: i128 = format!("{int}{frac6}")
        .parse()
        .map_err(|_| format!("registered capital {text:?} is not a number"))?;
    let unit_fen: i128 = if wan { 1_000_000 } else { 100 };
    let fen = micro * unit_fen / 1_000_000;
    i64::try_from(fen)
        .map(Some)
        .map_err(|_| format!("registered capital {text:?} is too large"))
}

/// Dates as regulators write them: 2015-03-02, 2015/3/2, 2015年3月2日, 20150302.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%Y.%m.%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            return Ok(Some(d));
        }
    }
    Err(format!("date {text:?} is not a date like 2015-03-02"))
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub uscc: String,
    pub field: String,
    pub reason: String,
}

/// Turn one row into a validated entity or the reasons it is rejected.
pub fn parse_row(
    map: &HashMap<Field, usize>,
    cells: &[String],
    line: u64,
    scope: &DataScope,
) -> Result<EntityInput, Vec<RowError>> {
    let get = |f: Field| map.get(&f).and_then(|&i| cells.get(i)).map(|s| s.trim()).unwrap_or("");
    let uscc = get(Field::Uscc).to_string();
    let err = |field: &str, reason: String| RowError {
        line,
        uscc: uscc.clone(),
        field: field.into(),
        reason,
    };
    let mut errors = Vec::new();
    let capital = match (
        map.contains_key(&Field::CapitalWan),
        parse_capital(get(Field::CapitalWan), true),
    ) {
        (true, r) => r,
        (false, _) => parse_capital(get(Field::Capital), false),
    }
    .unwrap_or_else(|e| {
        errors.push(err("registered_capital_fen", e));
        None
    });
    let established = parse_date(get(Field::Established)).unwrap_or_else(|e| {
        errors.push(err("established_on", e));
        None
    });
    let num = |f: Field, name: &str, errors: &mut Vec<RowError>| match get(f) {
        "" => None,
        s => s
            .parse::<f64>()
            .map_err(|_| errors.push(err(name, format!("{s:?} is not a number"))))
            .ok(),
    };
    let latitude = num(Field::Latitude, "latitude", &mut errors);
    let longitude = num(Field::Longitude, "longitude", &mut errors);
    // Without a division column, the registering authority's code inside the
    // credit code (positions 3–8) is the best available region.
    let division = match get(Field::Division) {
        "" => uscc.get(2..8).unwrap_or("").to_string(),
        d => d.to_string(),
    };
    let draft = EntityDraft {
        uscc: uscc.clone(),
        name: get(Field::Name).to_string(),
        former_names: get(Field::FormerNames)
            .split(['；', ';', '、', '|'])
            .map(str::to_string)
            .collect(),
        entity_type: get(Field::EntityType).to_string(),
        legal_rep: get(Field::LegalRep).to_string(),
        registered_capital_fen: capital,
        established_on: established,
        status: match get(Field::Status) {
            "" => "存续".to_string(),
            s => s.to_string(),
        },
        address: get(Field::Address).to_string(),
        division_code: division,
        industry_code: Some(get(Field::Industry).to_string()).filter(|s| !s.is_empty()),
        business_scope: get(Field::Scope).to_string(),
        authority: get(Field::Authority).to_string(),
        latitude,
        longitude,
    };
    match draft.validate(|c| DIVISIONS.contains(c), |c| INDUSTRIES.contains(c)) {
        Ok(input) if errors.is_empty() => {
            if scope.covers(&input.division) {
                Ok(input)
            } else {
                Err(vec![err(
                    "division_code",
                    format!("{} is outside your region", input.division),
                )])
            }
        }
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(e.errors.into_iter().map(|f| err(&f.field, f.message)));
            if errors.is_empty() {
                errors.push(err("row", e.detail));
            }
            Err(errors)
        }
    }
}

/// How an import went.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub job_id: String,
    pub total_rows: i64,
    pub good_rows: i64,
    pub bad_rows: i64,
    #[serde(flatten)]
    pub outcome: BatchOutcome,
    /// Rows skipped because an earlier, interrupted run had committed them.
    pub resumed_after: i64,
    pub encoding: String,
    /// Where the list of rejected rows was written, if any were rejected.
    pub errors_file: Option<String>,
}

/// Import options.
pub struct ImportOptions {
    pub actor: Actor,
    pub scope: DataScope,
    pub batch_size: usize,
    pub errors_path: PathBuf,
    pub file_name: String,
    /// The job to report to; none: the file's own job (`job_id`), so
    /// that a rerun of the same file resumes.
    pub job: Option<String>,
}

/// The job id of a file: the same file (same bytes) is the same job.
pub fn job_id(kind: &str, bytes: &[u8]) -> String {
    format!("{kind}-{}", &sha256_hex(bytes)[..24])
}

/// Create or find the job row; returns rows already committed by an earlier
/// unfinished run of the same file.
pub async fn open_job(
    db: &Db,
    id: &str,
    sha: &str,
    file_name: &str,
    total: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let existing: Option<(String, i64)> = on_db!(db, pool => {
        sqlx::query_as("select status, rows_done from import_jobs where id = $1").bind(id).fetch_optional(pool).await?
    });
    match existing {
        Some((status, done)) if status != "done" => {
            on_db!(db, pool => {
                sqlx::query("update import_jobs set status = 'running', total_rows = $2, message = null, updated_at = $3 where id = $1")
                    .bind(id).bind(total).bind(now).execute(pool).await?;
            });
            Ok(done)
        }
        Some(_) => {
            on_db!(db, pool => {
                sqlx::query("update import_jobs set status = 'running', total_rows = $3, rows_done = 0, inserted = 0, updated = 0, unchanged = 0, bad_rows = 0, message = null, updated_at = $2 where id = $1")
                    .bind(id).bind(now).bind(total).execute(pool).await?;
            });
            Ok(0)
        }
        None => {
            on_db!(db, pool => {
                sqlx::query(
                    "insert into import_jobs (id, kind, file_name, file_sha256, status, total_rows, created_by, created_at, updated_at)
                     values ($1, 'entities', $2, $3, 'running', $4, $5, $6, $6)",
                )
                .bind(id).bind(file_name).bind(sha).bind(total).bind(actor.as_string()).bind(now)
                .execute(pool).await?;
            });
            Ok(0)
        }
    }
}

/// A batch of valid rows ready to commit, with the progress it completes.
struct Batch {
    rows: Vec<EntityInput>,
    first_line: u64,
    last_line: u64,
    /// Rows of the file (good and bad) done once this batch is committed.
    rows_done: i64,
    bad_so_far: i64,
}

/// What validation found in the whole file.
struct Checked {
    errors: Vec<(RowError, Vec<String>)>,
    good: i64,
    bad: i64,
}

/// Validate every row (committed or not, so that the error file of a
/// resumed run is complete) and hand batches of the rows still to commit to
/// `out`. Runs on a blocking thread, in parallel with the database writes.
fn validate_all(
    table: &Table,
    map: &HashMap<Field, usize>,
    scope: DataScope,
    resumed_after: i64,
    batch_size: usize,
    out: tokio::sync::mpsc::Sender<Batch>,
) -> Checked {
    let mut checked = Checked {
        errors: Vec::new(),
        good: 0,
        bad: 0,
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut batch = Vec::with_capacity(batch_size);
    let mut first_line = 0u64;
    let total = table.rows.len() as i64;
    for (idx, (line, cells)) in table.rows.iter().enumerate() {
        let idx = idx as i64;
        let parsed = parse_row(map, cells, *line, &scope).and_then(|input| match seen.entry(input.uscc.to_string()) {
            std::collections::hash_map::Entry::Occupied(first) => Err(vec![RowError {
                line: *line,
                uscc: input.uscc.to_string(),
                field: "uscc".into(),
                reason: format!(
                    "the same code is already on line {}; only the first is imported",
                    first.get()
                ),
            }]),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(*line);
                Ok(input)
            }
        });
        match parsed {
            Ok(input) => {
                checked.good += 1;
                if idx >= resumed_after {
                    if batch.is_empty() {
                        first_line = *line;
                    }
                    batch.push(input);
                }
            }
            Err(errs) => {
                checked.bad += 1;
                checked.errors.extend(errs.into_iter().map(|e| (e, cells.clone())));
            }
        }
        if idx >= resumed_after && (batch.len() >= batch_size || idx + 1 == total) {
            let b = Batch {
                rows: std::mem::replace(&mut batch, Vec::with_capacity(batch_size)),
                first_line,
                last_line: *line,
                rows_done: idx + 1,
                bad_so_far: checked.bad,
            };
            // The writer stopped (it failed): stop validating too.
            if out.blocking_send(b).is_err() {
                break;
            }
        }
    }
    checked
}

/// Import a table of entities. `progress(done, total)` is called after each batch.
pub async fn import_table(
    db: &Db,
    table: std::sync::Arc<Table>,
    file_bytes: &[u8],
    opts: &ImportOptions,
    now: impl Fn() -> DateTime<Utc>,
    mut progress: impl FnMut(i64, i64),
) -> anyhow::Result<ImportReport> {
    let map = map_header(&table.header);
    for (f, label) in [(Field::Uscc, "统一社会信用代码"), (Field::Name, "企业名称")] {
        if !map.contains_key(&f) {
            bail!("the file has no {label} column (found: {})", table.header.join(", "));
        }
    }
    let id = opts.job.clone().unwrap_or_else(|| job_id("entities", file_bytes));
    let total = table.rows.len() as i64;
    let resumed_after = open_job(
        db,
        &id,
        &sha256_hex(file_bytes),
        &opts.file_name,
        total,
        &opts.actor,
        now(),
    )
    .await?;
    let mut report = ImportReport {
        job_id: id.clone(),
        total_rows: total,
        resumed_after,
        encoding: table.encoding.into(),
        ..Default::default()
    };
    progress(resumed_after, total);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(4);
    let (t, scope, size) = (table.clone(), opts.scope, opts.batch_size.max(1));
    let checker = tokio::task::spawn_blocking(move || validate_all(&t, &map, scope, resumed_after, size, tx));
    // Look one batch ahead: while a batch is written, the next one's codes
    // are checked on another connection (PostgreSQL), so the writer's own
    // transaction reads only the rows that exist.
    let lookahead = |b: Batch| {
        let db = db.clone();
        let codes: Vec<String> = b.rows.iter().map(|r| r.uscc.to_string()).collect();
        let hint = tokio::spawn(async move { present_codes(&db, &codes).await });
        (b, hint)
    };
    let mut next = rx.recv().await.map(lookahead);
    while let Some((b, hint)) = next.take() {
        next = rx.recv().await.map(lookahead);
        let hint = hint.await??;
        let at = now();
        let outcome = match commit_batch(db, &opts.actor, at, &b, &id, hint.as_ref()).await {
            // Someone stored one of these codes since the hint was read:
            // the transaction rolled back whole; redo it reading in it.
            Err(e) if hint.is_some() && e.downcast_ref::<sqlx::Error>().is_some_and(unique_violation) => {
                commit_batch(db, &opts.actor, at, &b, &id, None).await?
            }
            other => other?,
        };
        report.outcome += outcome;
        progress(b.rows_done, total);
    }
    let checked = checker.await?;
    report.good_rows = checked.good;
    report.bad_rows = checked.bad;
    if !checked.errors.is_empty() {
        write_errors(&opts.errors_path, &table.header, &checked.errors)?;
        report.errors_file = Some(opts.errors_path.display().to_string());
    }
    let errors_file = report.errors_file.clone();
    on_db!(db, pool => {
        sqlx::query("update import_jobs set status = 'done', rows_done = $2, bad_rows = $3, errors_file = $4, updated_at = $5 where id = $1")
            .bind(&id).bind(total).bind(report.bad_rows).bind(&errors_file).bind(now())
            .execute(pool).await?;
    });
    Ok(report)
}

async fn commit_batch(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    b: &Batch,
    job: &str,
    present_hint: Option<&HashSet<String>>,
) -> anyhow::Result<BatchOutcome> {
    let mut tx = db.begin().await?;
    // An import is resumable by design: its progress row commits with each
    // batch, so a batch lost to a crash after commit is simply redone on the
    // next run. PostgreSQL need not wait for the WAL flush on each batch
    // (asynchronous commit still never leaves a half-written transaction).
    if let crate::platform::db::TxInner::Postgres(t) = tx.inner_mut() {
        sqlx::query("set local synchronous_commit = off")
            .execute(&mut **t)
            .await?;
    }
    let outcome = upsert_batch_hinted(
        &mut tx,
        actor,
        now,
        &b.rows,
        ("import_job", job),
        json!({"lines": [b.first_line, b.last_line]}),
        present_hint,
    )
    .await?;
    on_tx!(tx, c => {
        sqlx::query(
            "update import_jobs set rows_done = $2, inserted = inserted + $3, updated = updated + $4,
                 unchanged = unchanged + $5, bad_rows = $6, updated_at = $7 where id = $1",
        )
        .bind(job).bind(b.rows_done).bind(outcome.inserted).bind(outcome.updated).bind(outcome.unchanged).bind(b.bad_so_far).bind(now)
        .execute(&mut *c)
        .await?;
    });
    tx.commit().await?;
    Ok(outcome)
}

fn write_errors(path: &Path, header: &[String], errors: &[(RowError, Vec<String>)]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut cols = vec!["行号", "统一社会信用代码", "字段", "原因"];
    cols.extend(header.iter().map(String::as_str));
    let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    write_csv(
        std::io::BufWriter::new(file),
        &cols,
        errors.iter().map(|(e, cells)| {
            let mut r = vec![
                e.line.to_string(),
                e.uscc.clone(),
                field_zh(&e.field).to_string(),
                e.reason.clone(),
            ];
            r.extend(cells.iter().cloned());
            r
        }),
    )
}

/// Chinese names of fields, for the error file regulators read.
pub fn field_zh(field: &str) -> &str {
    match field {
        "uscc" => "统一社会信用代码",
        "name" => "企业名称",
        "entity_type" => "主体类型",
        "legal_rep" => "法定代表人",
        "registered_capital_fen" => "注册资本",
        "established_on" => "成立日期",
        "status" => "登记状态",
        "address" => "住所",
        "division_code" => "行政区划代码",
        "industry_code" => "行业代码",
        "latitude" | "longitude" => "经纬度",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_the_usual_chinese() {
        let h: Vec<String> = [
            "统一社会信用代码",
            "企业名称",
            "法定代表人（负责人）",
            "注册资本（万元）",
            "住 所",
            "经营状态",
            "其他",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = map_header(&h);
        assert_eq!(m[&Field::Uscc], 0);
        assert_eq!(m[&Field::LegalRep], 2);
        assert_eq!(m[&Field::CapitalWan], 3);
        assert_eq!(m[&Field::Address], 4);
        assert_eq!(m[&Field::Status], 5);
        assert_eq!(m.len(), 6);
    }

    #[test]
    fn capital_in_yuan_or_wan() {
        assert_eq!(parse_capital("500", true), Ok(Some(500_000_000)));
        assert_eq!(parse_capital("1,000.5万元", false), Ok(Some(1_000_500_000)));
        assert_eq!(parse_capital("30000", false), Ok(Some(3_000_000)));
        assert_eq!(parse_capital("0.01", false), Ok(Some(1)));
        assert_eq!(parse_capital("", false), Ok(None));
        assert!(parse_capital("abc", false).is_err());
    }

    #[test]
    fn dates_as_written() {
        let d = NaiveDate::from_ymd_opt(2015, 3, 2);
        for s in [
            "2015-03-02",
            "2015/3/2",
            "2015年3月2日",
            "20150302",
            "2015-03-02 00:00:00",
        ] {
            assert_eq!(parse_date(s), Ok(d), "{s}");
        }
        assert!(parse_date("2015-13-01").is_err());
    }
}
