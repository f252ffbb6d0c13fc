//! One inspection record in full: its checklist answers, evidence (with
//! EXIF time and place), the records linked to it (correction, follow-ups,
//! the other departments' parts of a joint visit), as a page and as JSON;
//! plus the department's rectification tracking and the visit alerts.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::alerts::{self, Alert, AlertRule};
use super::checklist::{self, Answer};
use super::evidence::{self, Evidence};
use super::links::{self, Part, Rectification};
use super::receipt::one;
use super::store::{Inspection, OUTCOMES, label};
use crate::on_db;
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppResult, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::ApiJson;
use crate::platform::web::templates::{Layout, layout, render};

/// Everything about one record.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionDetail {
    pub inspection: Inspection,
    pub answers: Vec<Answer>,
    pub evidence: Vec<Evidence>,
    /// The departments' parts of the visit (one, unless joint).
    pub parts: Vec<Part>,
    /// The record that corrects this one, if any.
    pub corrected_by: Option<i64>,
    /// Follow-up visits of an order to rectify.
    pub follow_ups: Vec<i64>,
    /// Which named officers signed or confirmed the record.
    pub cosigns: super::cosign::Cosigns,
}

pub async fn detail_of(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<InspectionDetail> {
    Ok(detail_with_entity(state, user, id).await?.0)
}

async fn detail_with_entity(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(InspectionDetail, crate::registry::model::Entity)> {
    let (inspection, entity) = one(state, user, id).await?;
    let follow_ups: Vec<i64> = on_db!(&state.db, pool => sqlx::query_scalar(
        "select id from inspections where follows_up = $1 order by id").bind(id).fetch_all(pool).await?);
    let d = InspectionDetail {
        answers: checklist::for_inspection(&state.db, id).await?,
        evidence: evidence::for_inspection(&state.db, id).await?,
        parts: links::parts(&state.db, id).await?,
        corrected_by: links::corrected_by(&state.db, id).await?,
        follow_ups,
        cosigns: super::cosign::of(&state.db, &inspection).await?,
        inspection,
    };
    Ok((d, entity))
}

/// One inspection with its answers, evidence and linked records.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspection", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = InspectionDetail), (status = 404, body = Problem)))]
pub async fn get_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<InspectionDetail>> {
    Ok(Json(detail_of(&state, &user, id).await?))
}

#[derive(Template)]
#[template(path = "inspection/detail.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub d: InspectionDetail,
    pub entity_name: String,
    pub items_param: String,
    /// The caller's department recorded this record.
    pub own: bool,
    /// The caller's department may still add its part of this joint visit.
    pub may_join: bool,
    pub lead: i64,
    /// Just signed from the form: the browser forgets the draft.
    pub signed: bool,
    pub username: String,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DetailQuery {
    pub signed: Option<u8>,
}

impl DetailPage {
    pub fn part_outcome_zh(&self, p: &Part) -> &'static str {
        label(&OUTCOMES, &p.outcome)
    }
    /// Evidence attached to one checklist point.
    pub fn photos_of(&self, a: &Answer) -> Vec<&Evidence> {
        self.d
            .evidence
            .iter()
            .filter(|e| e.item_code.as_deref() == Some(a.item_code.as_str()) && e.point == Some(a.point))
            .collect()
    }
    /// EXIF time (China time) and place of a photo, as the photo states them.
    pub fn caption(&self, e: &Evidence) -> String {
        let mut parts = Vec::new();
        if let Some(t) = e.taken_at {
            let china = chrono::FixedOffset::east_opt(8 * 3600).map(|o| t.with_timezone(&o));
            if let Some(t) = china {
                parts.push(format!("拍摄于 {}", t.format("%Y-%m-%d %H:%M")));
            }
        }
        if let (Some(a), Some(b)) = (e.latitude, e.longitude) {
            parts.push(format!("位置 {a:.5}, {b:.5}"));
        }
        if parts.is_empty() {
            "照片未带拍摄时间和位置".into()
        } else {
            parts.join(" · ")
        }
    }

    /// The viewer is named on the record and has not confirmed yet.
    pub fn awaits_me(&self) -> bool {
        self.d.cosigns.awaiting.contains(&self.username)
    }

    pub fn draft_key(&self) -> String {
        super::form::draft_key(
            &self.d.inspection.uscc,
            self.d.inspection.items.iter().map(|c| c.code.as_str()),
        )
    }

    pub fn other_evidence(&self) -> Vec<&Evidence> {
        self.d.evidence.iter().filter(|e| e.point.is_none()).collect()
    }
}

/// `GET /inspections/{id}`.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<DetailQuery>,
) -> AppResult<Response> {
    let (d, entity) = detail_with_entity(&state, &user, id).await?;
    let dept = user.department.as_ref().map(|x| x.id);
    let own = dept == Some(d.inspection.department_id);
    let lead = d.inspection.joint_with.unwrap_or(d.inspection.id);
    let may_join = d.inspection.source == "joint"
        && d.corrected_by.is_none()
        && dept.is_some()
        && !d
            .parts
            .iter()
            .any(|p| Some(p.department.as_str()) == user.department.as_ref().map(|x| x.code.as_str()));
    let items_param = d
        .inspection
        .items
        .iter()
        .map(|c| c.code.as_str())
        .collect::<Vec<_>>()
        .join(",");
    Ok(render(&DetailPage {
        layout: layout(Some(&user), "检查记录", "/inspections"),
        entity_name: entity.name,
        items_param,
        own,
        may_join,
        lead,
        signed: q.signed == Some(1),
        username: user.user.username.clone(),
        d,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RectificationList {
    pub rectifications: Vec<Rectification>,
}

/// The caller's department's orders to rectify and their follow-ups.
#[utoipa::path(get, path = "/api/v1/inspections/rectifications", tag = "inspection", security(("bearer" = [])),
    responses((status = 200, body = RectificationList)))]
pub async fn rectifications_api(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<RectificationList>> {
    let rectifications = match &user.department {
        Some(d) => {
            let today = state.clock.today();
            links::rectifications(&state.db, d.id, today).await?
        }
        None => Vec::new(),
    };
    Ok(Json(RectificationList { rectifications }))
}

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    pub rule: AlertRule,
    pub alerts: Vec<Alert>,
}

/// Alerts visible to the caller: those about entities in their region.
pub async fn alerts_for(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Alert>> {
    Ok(alerts::list(&state.db, &user.scope().like_pattern(), 100).await?)
}

/// Too-frequent-visit alerts (无事不扰) in the caller's region, and the rule.
#[utoipa::path(get, path = "/api/v1/inspections/alerts", tag = "inspection", security(("bearer" = [])),
    responses((status = 200, body = AlertList)))]
pub async fn alerts_api(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<AlertList>> {
    Ok(Json(AlertList {
        rule: alerts::rule(&state.db).await?,
        alerts: alerts_for(&state, &user).await?,
    }))
}

/// Set the rule: more than `max_visits` visits in `period_days` days to one
/// entity, by all departments together, raises an alert.
#[utoipa::path(put, path = "/api/v1/inspections/alert-rule", tag = "inspection", security(("bearer" = [])),
    request_body = AlertRule, responses((status = 200, body = AlertRule), (status = 422, body = Problem)))]
pub async fn set_rule_api(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(r): ApiJson<AlertRule>,
) -> AppResult<Json<AlertRule>> {
    Ok(Json(
        alerts::set_rule(&state.db, &user.actor(), state.clock.now(), r).await?,
    ))
}
