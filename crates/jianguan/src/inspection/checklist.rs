//! The checklist of one inspection: the points of every cited item version,
//! each answered and judged by `jianguan_rules::checklist`, stored with the
//! record and shown on its receipt.

use jianguan_rules::checklist::{Expect, Given, Verdict, judge};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::catalog::guard::Cited;
use crate::catalog::model::{CheckPoint, ResultType};
use crate::catalog::store as catalog;
use crate::on_db;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode, FieldError};

/// The answer to one point, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct AnswerInput {
    pub item_code: String,
    /// Number of the point in the item version's checklist, from 1.
    pub point: i32,
    /// Pass/fail points: true when it conforms.
    #[serde(default)]
    pub pass: Option<bool>,
    /// Measured value, in the point's unit.
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub text: Option<String>,
    /// SHA-256 of photos uploaded with `POST /api/v1/evidence`.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// An answer as stored: the point's own words travel with it, so a record
/// reads the same whatever later happens to the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Answer {
    pub item_code: String,
    pub point: i32,
    pub question: String,
    /// `pass_fail`, `number`, `text` or `photo`.
    pub kind: String,
    /// The answer as a person reads it: 符合, `4.5 ℃`, the text, 照片2张.
    pub answer: String,
    /// `conform`, `nonconform` or `noted`.
    pub verdict: String,
    /// SHA-256 of the photos.
    pub photos: Vec<String>,
}

impl Answer {
    pub fn verdict_zh(&self) -> &'static str {
        Verdict::parse(&self.verdict).map(Verdict::label_zh).unwrap_or("")
    }
}

fn expect(r: &ResultType) -> Expect {
    match r {
        ResultType::PassFail => Expect::PassFail,
        ResultType::Number { min, max, .. } => Expect::Number { min: *min, max: *max },
        ResultType::Text => Expect::Text,
        ResultType::Photo => Expect::Photo,
    }
}

fn given(r: &ResultType, a: &AnswerInput) -> Option<Given> {
    match r {
        ResultType::PassFail => a.pass.map(Given::Pass),
        ResultType::Number { .. } => a.value.map(Given::Number),
        ResultType::Text => a.text.clone().map(Given::Text),
        ResultType::Photo => Some(Given::Photos(a.photos.len())),
    }
}

/// What an answer of the wrong kind (or none) to a point should have been.
fn missing(r: &ResultType) -> &'static str {
    match r {
        ResultType::PassFail => "应回答“符合”或“不符合”",
        ResultType::Number { .. } => "应填写测量值",
        ResultType::Text => "应填写检查情况",
        ResultType::Photo => "须拍照上传",
    }
}

fn kind(r: &ResultType) -> &'static str {
    match r {
        ResultType::PassFail => "pass_fail",
        ResultType::Number { .. } => "number",
        ResultType::Text => "text",
        ResultType::Photo => "photo",
    }
}

fn shown(r: &ResultType, g: &Given) -> String {
    match (r, g) {
        (_, Given::Pass(true)) => "符合".into(),
        (_, Given::Pass(false)) => "不符合".into(),
        (ResultType::Number { unit, .. }, Given::Number(v)) => format!("{v} {unit}").trim().to_string(),
        (_, Given::Number(v)) => v.to_string(),
        (_, Given::Text(t)) => t.trim().to_string(),
        (_, Given::Photos(n)) => format!("照片{n}张"),
    }
}

/// The checklists of the cited item versions, in order.
pub async fn points(db: &Db, cited: &[Cited]) -> AppResult<Vec<(Cited, Vec<CheckPoint>)>> {
    let mut out = Vec::new();
    for c in cited {
        let content = catalog::get_version(db, &c.code, c.version)
            .await?
            .ok_or_else(|| AppError::not_found("catalog item version"))?;
        out.push((c.clone(), content.checklist));
    }
    Ok(out)
}

/// Judge the answers against every point of every cited item version. All
/// problems are reported together (`checklist_invalid`); an answer to a
/// point that does not exist is one of them.
pub async fn evaluate(db: &Db, cited: &[Cited], answers: &[AnswerInput]) -> AppResult<(Vec<Answer>, Vec<Verdict>)> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut verdicts = Vec::new();
    let lists = points(db, cited).await?;
    for (c, list) in &lists {
        for (i, p) in list.iter().enumerate() {
            let n = i as i32 + 1;
            let field = format!("answers.{}.{n}", c.code);
            let found: Vec<&AnswerInput> = answers
                .iter()
                .filter(|a| a.item_code.trim() == c.code && a.point == n)
                .collect();
            let Some(a) = found.first() else {
                errors.push(FieldError {
                    field,
                    message: format!("{} 第{n}条“{}”未回答", c.code, p.text),
                });
                continue;
            };
            let g = given(&p.result, a);
            match g.as_ref().map(|g| judge(&expect(&p.result), g)) {
                Some(Ok(v)) => {
                    verdicts.push(v);
                    out.push(Answer {
                        item_code: c.code.clone(),
                        point: n,
                        question: p.text.clone(),
                        kind: kind(&p.result).into(),
                        answer: g.as_ref().map(|g| shown(&p.result, g)).unwrap_or_default(),
                        verdict: v.as_str().into(),
                        photos: a.photos.clone(),
                    });
                }
                Some(Err(m)) => errors.push(FieldError {
                    field,
                    message: format!("{} 第{n}条“{}”：{m}", c.code, p.text),
                }),
                None => errors.push(FieldError {
                    field,
                    message: format!("{} 第{n}条“{}”：{}", c.code, p.text, missing(&p.result)),
                }),
            }
        }
    }
    for a in answers {
        let known = lists
            .iter()
            .any(|(c, list)| c.code == a.item_code.trim() && a.point >= 1 && (a.point as usize) <= list.len());
        if !known {
            errors.push(FieldError {
                field: "answers".into(),
                message: format!("{} 没有第{}条检查要点", a.item_code, a.point),
            });
        }
    }
    if errors.is_empty() {
        Ok((out, verdicts))
    } else {
        Err(AppError {
            code: ErrorCode::ChecklistInvalid,
            detail: errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；"),
            errors,
        })
    }
}

/// The stored JSON of one answer.
pub fn to_json(a: &Answer) -> String {
    json!({"question": a.question, "kind": a.kind, "answer": a.answer, "photos": a.photos}).to_string()
}

/// The answers of one inspection, by item and point.
pub async fn for_inspection(db: &Db, id: i64) -> Result<Vec<Answer>, sqlx::Error> {
    let rows: Vec<(String, i32, String, String)> = on_db!(db, pool => sqlx::query_as(
        "select item_code, point, answer, verdict from inspection_answers where inspection_id = $1 order by item_code, point")
        .bind(id).fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .map(|(item_code, point, answer, verdict)| {
            let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            Answer {
                item_code,
                point,
                question: s("question"),
                kind: s("kind"),
                answer: s("answer"),
                verdict,
                photos: v["photos"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                    .unwrap_or_default(),
            }
        })
        .collect())
}
