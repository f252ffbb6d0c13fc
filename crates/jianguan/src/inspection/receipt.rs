//! The enterprise's side of an inspection: its visits, the receipt of each
//! (content and the audit entry it was recorded in, which anyone can check at
//! `/api/v1/public/audit/entries/{seq}`), and its confirmation and rating.
//! Ratings are shown to supervisors, never to the inspectors rated.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::{self, Feedback, Inspection};
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppError, AppResult, Problem};
use crate::platform::web::AppState;
use crate::platform::web::extract::{ApiJson, PageForm};
use crate::platform::web::templates::{Layout, form_error, layout, render};
use crate::registry::routes::visible_entity;

/// Who reads ratings: supervisors, not the inspectors rated.
pub const SUPERVISORS: &[jianguan_rules::Role] = &[
    jianguan_rules::Role::SysAdmin,
    jianguan_rules::Role::DeptAdmin,
    jianguan_rules::Role::Leader,
    jianguan_rules::Role::LegalReviewer,
];

/// An inspection and its entity, if the caller may see them.
pub async fn one(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(Inspection, crate::registry::model::Entity)> {
    let i = store::by_id(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("inspection"))?;
    // The enterprise for its own entity; regulators who read the work of
    // the department that inspected (or joined a joint inspection).
    let entity = visible_entity(state, user, &i.uscc).await?;
    if user.role() != jianguan_rules::Role::Enterprise {
        let offices = crate::platform::auth::jurisdiction::offices(&state.db).await?;
        let partners = store::work_partners(&state.db, &i).await?;
        user.check_work(offices.get(&i.department_id), &partners)?;
    }
    Ok((i, entity))
}

/// A visit as the enterprise sees it.
pub struct Visit {
    pub i: Inspection,
    pub confirmed: Option<(i32, String)>,
}

#[derive(Template)]
#[template(path = "inspection/visits.html")]
pub struct VisitsPage {
    pub layout: Layout,
    pub visits: Vec<Visit>,
    pub error: Option<String>,
}

async fn visits_for(state: &AppState, user: &CurrentUser, error: Option<String>) -> AppResult<VisitsPage> {
    let uscc = user.user.uscc.clone().unwrap_or_default();
    let mut visits = Vec::new();
    for i in store::for_entity(&state.db, &uscc).await? {
        let confirmed = store::feedback(&state.db, i.id).await?.map(|(r, c, _)| (r, c));
        visits.push(Visit { i, confirmed });
    }
    Ok(VisitsPage {
        layout: layout(Some(user), "检查记录确认", "/enterprise/inspections"),
        visits,
        error,
    })
}

/// `GET /enterprise/inspections`: every visit to the user's entity.
pub async fn visits(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&visits_for(&state, &user, None).await?))
}

/// Confirm and rate an inspection of one's own entity.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/confirm", tag = "inspection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Feedback,
    responses((status = 204), (status = 409, description = "conflict", body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(f): ApiJson<Feedback>,
) -> AppResult<StatusCode> {
    store::confirm(&state.db, &user, state.clock.now(), id, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub rating: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn confirm_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ConfirmForm>,
) -> AppResult<Response> {
    let fb = Feedback {
        rating: f.rating.trim().parse().unwrap_or(0),
        comment: f.comment,
    };
    match store::confirm(&state.db, &user, state.clock.now(), id, &fb).await {
        Ok(()) => Ok(Redirect::to("/enterprise/inspections").into_response()),
        Err(e) => {
            let page = visits_for(&state, &user, None).await?;
            form_error(e, page, |p, m| p.error = Some(m))
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackView {
    pub rating: Option<i32>,
    pub comment: Option<String>,
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The enterprise's confirmation and rating of an inspection (supervisors).
#[utoipa::path(get, path = "/api/v1/inspections/{id}/feedback", tag = "inspection", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = FeedbackView), (status = 404, body = Problem)))]
pub async fn feedback_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<FeedbackView>> {
    one(&state, &user, id).await?;
    let f = store::feedback(&state.db, id).await?;
    Ok(Json(FeedbackView {
        rating: f.as_ref().map(|x| x.0),
        comment: f.as_ref().map(|x| x.1.clone()),
        confirmed_at: f.map(|x| x.2),
    }))
}

#[derive(Template)]
#[template(path = "inspection/receipt.html")]
pub struct ReceiptPage {
    pub layout: Layout,
    pub v: Visit,
    pub entity_name: String,
    pub seq: i64,
    pub hash: String,
    pub answers: Vec<super::checklist::Answer>,
}

/// `GET /inspections/{id}/receipt`: printable receipt with the audit hash.
pub async fn receipt(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    let (i, entity) = one(&state, &user, id).await?;
    let (seq, hash) = store::audit_entry(&state.db, id).await?.unwrap_or((0, String::new()));
    Ok(render(&ReceiptPage {
        layout: layout(Some(&user), "检查回执", "/enterprise/inspections"),
        v: Visit { i, confirmed: None },
        entity_name: entity.name,
        seq,
        hash,
        answers: super::checklist::for_inspection(&state.db, id).await?,
    }))
}
