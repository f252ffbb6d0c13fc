//! Reading and writing the spreadsheets regulators live in: CSV in UTF-8
//! (with or without BOM) or GB18030 (what Chinese Excel still writes), and
//! XLSX. Rows come out as plain strings; callers map headers to fields.

use anyhow::{Context as _, bail};
use calamine::{Data, Reader as _};
use std::io::Cursor;
use std::path::Path;

/// A table read from a file: a header row and data rows, each row with the
/// 1-based line (CSV) or row (XLSX) it came from.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    /// "UTF-8", "GB18030" or "XLSX", for reports.
    pub encoding: &'static str,
}

/// Decode CSV bytes: UTF-8 when they are valid UTF-8 (a BOM is dropped),
/// GB18030 otherwise (a superset of GBK and GB2312).
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

pub fn read_file(path: &Path) -> anyhow::Result<Table> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    read_bytes(&bytes, &extension(path))
}

pub fn extension(path: &Path) -> String {
    crate::platform::web::extract::file_extension(path)
}

pub fn read_bytes(bytes: &[u8], ext: &str) -> anyhow::Result<Table> {
    match ext {
        "csv" | "txt" => read_csv(bytes),
        "xlsx" | "xlsm" | "xls" => read_xlsx(bytes),
        other => bail!("unsupported file type {other:?}: use .csv or .xlsx"),
    }
}

fn read_csv(bytes: &[u8]) -> anyhow::Result<Table> {
    let (text, encoding) = decode(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut header = None;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.context("the CSV file is malformed")?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let cells: Vec<String> = rec.iter().map(|c| unguard(c.trim()).to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if header.is_none() {
            header = Some(cells);
        } else {
            rows.push((line, cells));
        }
    }
    Ok(Table {
        header: header.unwrap_or_default(),
        rows,
        encoding,
    })
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel stores dates as days since 1899-12-30.
        Data::DateTime(dt) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|base| base.checked_add_signed(chrono::Duration::days(dt.as_f64().floor() as i64)))
            .map(|d| d.to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_xlsx(bytes: &[u8]) -> anyhow::Result<Table> {
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).context("not a readable XLSX workbook")?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .context("the workbook has no sheet")?;
    let range = book.worksheet_range(&name).context("cannot read the first sheet")?;
    let start_row = range.start().map(|(r, _)| u64::from(r)).unwrap_or(0);
    let mut header = None;
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if header.is_none() {
            header = Some(cells);
        } else {
            rows.push((start_row + i as u64 + 1, cells));
        }
    }
    Ok(Table {
        header: header.unwrap_or_default(),
        rows,
        encoding: "XLSX",
    })
}

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet would run as a formula (CSV injection: `=HYPERLINK(…)`
/// in an entity's name) is written behind an apostrophe, which spreadsheets
/// show as text; [`unguard`] takes it off again on import, so exports still
/// re-import unchanged.
fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA) => rest,
        _ => cell,
    }
}

/// Write rows as CSV in UTF-8 with a BOM, so that Excel shows Chinese right.
/// Cells that would start a formula are guarded (see [`guard`]).
pub fn write_csv<W: std::io::Write>(
    out: W,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    let mut out = out;
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().map(|c| match guard(c) {
            std::borrow::Cow::Borrowed(b) => std::borrow::Cow::Borrowed(b.as_bytes()),
            std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(o.into_bytes()),
        }))?;
    }
    w.flush()?;
    Ok(())
}

/// Write rows as an XLSX workbook with one sheet.
pub fn write_xlsx(
    path: &Path,
    sheet: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    let bytes = xlsx_bytes(sheet, header, rows)?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Rows as an XLSX workbook with one sheet, in memory (for downloads).
pub fn xlsx_bytes(
    sheet: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        // Excel holds at most 1,048,576 rows.
        let r = u32::try_from(r + 1)
            .ok()
            .filter(|r| *r < 1_048_576)
            .context("too many rows for one XLSX sheet (max 1,048,575); export CSV")?;
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r, c as u16, v)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_and_utf8_with_bom_are_read() {
        let text = "统一社会信用代码,企业名称\n91420102MA4K2B8Q7G,武汉示范餐饮有限公司\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let t = read_bytes(&gb, "csv").unwrap();
        assert_eq!(t.encoding, "GB18030");
        assert_eq!(t.header, vec!["统一社会信用代码", "企业名称"]);
        assert_eq!(t.rows[0].1[1], "武汉示范餐饮有限公司");
        assert_eq!(t.rows[0].0, 2);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let t = read_bytes(&bom, "csv").unwrap();
        assert_eq!(t.encoding, "UTF-8");
        assert_eq!(t.header[0], "统一社会信用代码");
    }

    /// An entity named like a formula is exported as text and re-imported
    /// unchanged; an ordinary apostrophe is left alone.
    #[test]
    fn csv_cells_that_start_a_formula_are_guarded_and_round_trip() {
        let mut out = Vec::new();
        let rows = vec![vec![
            "=HYPERLINK(\"http://x\")".to_string(),
            "-18".into(),
            "'引号".into(),
            "甲".into(),
        ]];
        write_csv(&mut out, &["名称", "下限", "备注", "其他"], rows.clone()).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.contains("'=HYPERLINK") && text.contains(",'-18,"), "{text}");
        let t = read_bytes(&out, "csv").unwrap();
        assert_eq!(t.rows[0].1, rows[0]);
    }

    #[test]
    fn xlsx_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.xlsx");
        write_xlsx(
            &p,
            "主体",
            &["代码", "名称"],
            vec![vec!["A1".into(), "甲".into()], vec!["B2".into(), "乙".into()]],
        )
        .unwrap();
        let t = read_file(&p).unwrap();
        assert_eq!(t.header, vec!["代码", "名称"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1], (3, vec!["B2".to_string(), "乙".to_string()]));
    }
}
