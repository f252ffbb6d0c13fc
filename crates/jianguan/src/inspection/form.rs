//! The inspector's form, phone first: choose the entity's items (only those
//! the catalog lets this department inspect there), answer each checklist
//! point (pass/fail, measured value, text, photo from the phone's camera),
//! state the conclusion and sign. One multipart submission carries answers
//! and photos; a rejected form comes back with every answer kept and the
//! photos already received held by hash. The browser also keeps a local
//! draft and sends it when the network returns (`app.js`, `data-draft`).

use askama::Template;
use axum::extract::{Multipart, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

use super::alerts::{self, AlertRule};
use super::checklist::{AnswerInput, points};
use super::evidence;
use super::store::{self, METHODS, NewInspection, OUTCOMES, SOURCES};
use crate::catalog::guard::{Cited, authorize};
use crate::catalog::model::ResultType;
use crate::catalog::store as catalog;
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::platform::web::AppState;
use crate::platform::web::extract::{date_field, list_field, multipart_form};
use crate::platform::web::templates::{Layout, form_error, layout, render};
use crate::registry::routes::visible_entity;

/// One point as the form shows it, with what was already entered.
pub struct PointView {
    pub n: i32,
    pub text: String,
    /// `pass_fail`, `number`, `text` or `photo`.
    pub kind: &'static str,
    pub limits: String,
    /// Field-name suffix: `{code}.{n}`.
    pub key: String,
    pub pass: String,
    pub value: String,
    pub note: String,
    /// Photos already received (comma-separated SHA-256).
    pub staged: String,
}

impl PointView {
    pub fn staged_count(&self) -> usize {
        self.staged.split(',').filter(|s| !s.is_empty()).count()
    }
}

pub struct ItemView {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub points: Vec<PointView>,
}

/// The form's plain fields.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub method: String,
    pub source: String,
    pub inspected_on: String,
    pub team: String,
    pub outcome: String,
    pub rectify_by: String,
    pub notes: String,
    pub checkin_id: String,
    pub no_checkin_reason: String,
    pub corrects: String,
    pub follows_up: String,
    pub joint_with: String,
    /// Attachments already received (comma-separated SHA-256).
    pub attached: String,
    /// Made when the form is drawn, so that a form sent twice (a retry
    /// after a lost answer, the offline outbox) is signed once.
    pub submission_id: String,
}

#[derive(Template)]
#[template(path = "inspection/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub uscc: String,
    pub entity_name: String,
    /// Items the department may inspect at this entity: (code, name, chosen).
    pub candidates: Vec<(String, String, bool)>,
    /// The chosen items with their checklists (step two).
    pub items: Vec<ItemView>,
    pub f: Fields,
    pub offer_checkin: bool,
    pub visits: Option<(i64, AlertRule)>,
    pub error: Option<String>,
    /// Whose drafts this browser keeps for this form.
    pub username: String,
    pub methods: Vec<(&'static str, &'static str)>,
    pub sources: Vec<(&'static str, &'static str)>,
    pub outcomes: Vec<(&'static str, &'static str)>,
}

impl NewPage {
    /// Key of the browser's local draft: one per entity and item set.
    pub fn draft_key(&self) -> String {
        draft_key(&self.uscc, self.items.iter().map(|i| i.code.as_str()))
    }

    pub fn too_many_visits(&self) -> bool {
        self.visits.is_some_and(|(n, r)| n >= i64::from(r.max_visits))
    }
}

/// The browser's key for the draft of a record of `uscc` under `codes`; the
/// record's page repeats it so that the signed draft is forgotten.
pub fn draft_key<'a>(uscc: &str, codes: impl Iterator<Item = &'a str>) -> String {
    let mut codes: Vec<&str> = codes.collect();
    codes.sort_unstable();
    format!("inspection:{uscc}:{}", codes.join("+"))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    pub uscc: Option<String>,
    pub checkin: Option<i64>,
    pub scanned: Option<u8>,
    pub corrects: Option<i64>,
    pub follows_up: Option<i64>,
    pub joint_with: Option<i64>,
    /// `random` or `joint` when opened from a drawn task.
    pub source: Option<String>,
}

/// Build the page for `uscc` with `chosen` items; `entered` refills answers.
async fn build(
    state: &AppState,
    user: &CurrentUser,
    uscc: &str,
    chosen: &[String],
    f: Fields,
    entered: &BTreeMap<String, String>,
) -> AppResult<NewPage> {
    let mut page = NewPage {
        layout: layout(Some(user), "登记检查", "/inspections"),
        uscc: uscc.to_string(),
        entity_name: String::new(),
        candidates: Vec::new(),
        items: Vec::new(),
        f,
        offer_checkin: false,
        visits: None,
        error: None,
        username: user.user.username.clone(),
        methods: METHODS.to_vec(),
        sources: SOURCES.to_vec(),
        outcomes: OUTCOMES.to_vec(),
    };
    if uscc.is_empty() {
        return Ok(page);
    }
    let entity = visible_entity(state, user, uscc).await?;
    page.entity_name = entity.name.clone();
    let today = state.clock.today();
    page.visits = Some(alerts::recent_visits(&state.db, &entity.uscc, today).await?);
    let Some(dept) = &user.department else {
        return Ok(page);
    };
    // Only what the catalog allows here (清单之外无监管).
    let mut cited: Vec<Cited> = Vec::new();
    for item in catalog::published_for(&state.db, Some(dept.kind)).await? {
        if let Ok(c) = authorize(&state.db, dept.kind, &item.code, &entity, today).await {
            let on = chosen.contains(&c.code);
            page.candidates.push((c.code.clone(), c.name.clone(), on));
            if on {
                cited.push(c);
            }
        }
    }
    for (c, list) in points(&state.db, &cited).await? {
        let points = list
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let n = i as i32 + 1;
                let key = format!("{}.{n}", c.code);
                let get = |prefix: &str| entered.get(&format!("{prefix}.{key}")).cloned().unwrap_or_default();
                PointView {
                    n,
                    text: p.text.clone(),
                    kind: match p.result {
                        ResultType::PassFail => "pass_fail",
                        ResultType::Number { .. } => "number",
                        ResultType::Text => "text",
                        ResultType::Photo => "photo",
                    },
                    limits: p.result.limits_zh(),
                    pass: get("pass"),
                    value: get("value"),
                    note: get("text"),
                    staged: get("photo_sha"),
                    key,
                }
            })
            .collect();
        page.items.push(ItemView {
            code: c.code,
            version: c.version,
            name: c.name,
            points,
        });
    }
    Ok(page)
}

/// `GET /inspections/new`: the entity, then its items, then the checklist.
/// Items come as repeated `items=` (the checkboxes) or comma-separated.
pub async fn new_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "items")
        .flat_map(|(_, v)| list_field(v))
        .collect();
    let q: NewQuery = serde_urlencoded::from_str(
        &serde_urlencoded::to_string(pairs.iter().filter(|(k, _)| k != "items").collect::<Vec<_>>())
            .unwrap_or_default(),
    )
    .map_err(|e| AppError::new(ErrorCode::BadRequest, e.to_string()))?;
    let uscc = q.uscc.clone().unwrap_or_default().trim().to_string();
    let f = Fields {
        method: "on_site".into(),
        source: match (&q.source, q.joint_with) {
            (_, Some(_)) => "joint".into(),
            (Some(s), None) if !store::label(&SOURCES, s).is_empty() => s.clone(),
            _ => "adhoc".into(),
        },
        inspected_on: state.clock.today().to_string(),
        team: if user.role() == jianguan_rules::Role::Inspector {
            user.user.username.clone()
        } else {
            String::new()
        },
        outcome: "no_problem".into(),
        checkin_id: q.checkin.map(|c| c.to_string()).unwrap_or_default(),
        corrects: q.corrects.map(|c| c.to_string()).unwrap_or_default(),
        follows_up: q.follows_up.map(|c| c.to_string()).unwrap_or_default(),
        joint_with: q.joint_with.map(|c| c.to_string()).unwrap_or_default(),
        submission_id: crate::platform::keys::random_token(12).map_err(AppError::internal)?,
        ..Default::default()
    };
    let mut page = build(&state, &user, &uscc, &chosen, f, &BTreeMap::new()).await?;
    page.offer_checkin = q.scanned == Some(1) && q.checkin.is_none() && !uscc.is_empty();
    Ok(render(&page))
}

/// `POST /inspections/new` (multipart): sign the record.
pub async fn submit(State(state): State<AppState>, user: CurrentUser, mut multipart: Multipart) -> AppResult<Response> {
    let (fields, files) = multipart_form(&mut multipart).await?;
    let mut one: BTreeMap<String, String> = BTreeMap::new();
    let mut items: Vec<String> = Vec::new();
    for (k, v) in &fields {
        if k == "items" {
            items.extend(list_field(v));
        } else {
            one.insert(k.clone(), v.clone());
        }
    }
    let get = |k: &str| one.get(k).cloned().unwrap_or_default();
    let mut f = Fields {
        method: get("method"),
        source: get("source"),
        inspected_on: get("inspected_on"),
        team: get("team"),
        outcome: get("outcome"),
        rectify_by: get("rectify_by"),
        notes: get("notes"),
        checkin_id: get("checkin_id"),
        no_checkin_reason: get("no_checkin_reason"),
        corrects: get("corrects"),
        follows_up: get("follows_up"),
        joint_with: get("joint_with"),
        attached: get("attached"),
        submission_id: get("submission_id"),
    };
    let uscc = get("uscc").trim().to_string();
    // Keep every photo received, even if the form is refused, so that the
    // inspector does not take them again.
    let now = state.clock.now();
    let mut staging_error = None;
    for file in &files {
        match evidence::stage(&state, &user, now, &file.file_name, &file.bytes).await {
            Ok(s) => {
                let key = if let Some(point) = file.field.strip_prefix("photo.") {
                    format!("photo_sha.{point}")
                } else {
                    "attached".to_string()
                };
                let slot = if key == "attached" {
                    &mut f.attached
                } else {
                    one.entry(key).or_default()
                };
                if !slot.split(',').any(|x| x == s.sha256) {
                    if !slot.is_empty() {
                        slot.push(',');
                    }
                    slot.push_str(&s.sha256);
                }
            }
            Err(e) => staging_error = Some(e),
        }
    }
    let result = match staging_error {
        Some(e) => Err(e),
        None if one.get("sign").map(String::as_str) != Some("1") => Err(AppError::field(
            ErrorCode::ValidationFailed,
            "sign",
            "请确认检查情况属实后签名提交",
        )),
        None => match to_input(&uscc, &items, &f, &one) {
            Ok(input) => store::create(&state.db, &user, now, &input).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(i) => Ok(Redirect::to(&format!("/inspections/{}?signed=1", i.id)).into_response()),
        Err(e) => {
            let page = build(&state, &user, &uscc, &items, f, &one).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

fn to_input(uscc: &str, items: &[String], f: &Fields, one: &BTreeMap<String, String>) -> AppResult<NewInspection> {
    let inspected_on = date_field("inspected_on", &f.inspected_on)?
        .ok_or_else(|| AppError::field(ErrorCode::ValidationFailed, "inspected_on", "请填写检查日期"))?;
    let mut answers: BTreeMap<(String, i32), AnswerInput> = BTreeMap::new();
    for (k, v) in one {
        let mut parts = k.splitn(2, '.');
        let (Some(prefix), Some(rest)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Some((code, n)) = rest.rsplit_once('.') else {
            continue;
        };
        let Ok(n) = n.parse::<i32>() else { continue };
        if !matches!(prefix, "pass" | "value" | "text" | "photo_sha") {
            continue;
        }
        let a = answers.entry((code.to_string(), n)).or_insert_with(|| AnswerInput {
            item_code: code.to_string(),
            point: n,
            ..Default::default()
        });
        let v = v.trim();
        match prefix {
            "pass" => a.pass = matches!(v, "1" | "0").then_some(v == "1"),
            "value" => a.value = v.parse().ok(),
            "text" => a.text = (!v.is_empty()).then(|| v.to_string()),
            _ => a.photos = list_field(v),
        }
    }
    let id = |s: &str| s.trim().parse::<i64>().ok();
    Ok(NewInspection {
        uscc: uscc.to_string(),
        items: items.to_vec(),
        method: f.method.clone(),
        source: f.source.clone(),
        inspected_on,
        team: list_field(&f.team),
        outcome: f.outcome.clone(),
        notes: f.notes.clone(),
        checkin_id: id(&f.checkin_id),
        no_checkin_reason: f.no_checkin_reason.clone(),
        answers: answers.into_values().collect(),
        rectify_by: date_field("rectify_by", &f.rectify_by)?,
        corrects: id(&f.corrects),
        follows_up: id(&f.follows_up),
        joint_with: id(&f.joint_with),
        evidence: list_field(&f.attached),
        submission_id: Some(f.submission_id.trim().to_string()).filter(|s| !s.is_empty()),
    })
}
