//! Co-signature of an inspection record by the officers it names: the
//! recorder signs by recording; every other named officer confirms that
//! they took part (行政处罚法第四十二条、第五十五条: two officers, each
//! answerable for the visit), so that nobody can be named on a visit — and
//! counted for recusal, alerts and results — without their own act. Until
//! then the record shows who has not confirmed.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::store;
use crate::audit::record;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{Db, Tx};
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::{on_db, on_tx};

/// Who of the named officers has confirmed and who has not.
#[derive(Debug, Clone, Serialize, ToSchema, Default)]
pub struct Cosigns {
    /// Usernames of officers who signed or confirmed, in team order.
    pub confirmed: Vec<String>,
    /// Named officers who have not confirmed yet.
    pub awaiting: Vec<String>,
    /// Their names, as pages show them (a login name means nothing to a
    /// reader and invites guessing at accounts).
    pub awaiting_names: Vec<String>,
}

/// The signer's own signature, in the recording transaction.
pub async fn signed_by_recorder(tx: &mut Tx, id: i64, user_id: i64, now: DateTime<Utc>) -> AppResult<()> {
    on_tx!(tx, c => sqlx::query("insert into inspection_cosigns (inspection_id, user_id, cosigned_at) values ($1, $2, $3)")
        .bind(id).bind(user_id).bind(now).execute(&mut *c).await?.rows_affected());
    Ok(())
}

pub async fn of(db: &Db, inspection: &store::Inspection) -> Result<Cosigns, sqlx::Error> {
    let done: Vec<String> = on_db!(db, pool => sqlx::query_scalar(
        "select u.username from inspection_cosigns s join users u on u.id = s.user_id where s.inspection_id = $1")
        .bind(inspection.id).fetch_all(pool).await?);
    let (confirmed, awaiting): (Vec<String>, Vec<String>) =
        inspection.team.iter().cloned().partition(|t| done.contains(t));
    let mut awaiting_names = Vec::new();
    for u in &awaiting {
        let name: Option<String> = on_db!(db, pool => sqlx::query_scalar(
            "select display_name from users where username = $1").bind(u).fetch_optional(pool).await?);
        awaiting_names.push(name.unwrap_or_else(|| u.clone()));
    }
    Ok(Cosigns {
        confirmed,
        awaiting,
        awaiting_names,
    })
}

/// `POST /api/v1/inspections/{id}/cosign`: a named officer confirms.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/cosign", tag = "inspection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Cosigns), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn cosign_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Cosigns>> {
    Ok(Json(cosign(&state, &user, id).await?))
}

pub async fn cosign(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Cosigns> {
    let i = store::by_id(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("inspection"))?;
    if !i.team.contains(&user.user.username) {
        return Err(AppError::new(ErrorCode::Forbidden, "只有记录所列的检查人员可以确认"));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let n = on_tx!(tx, c => sqlx::query(
        "insert into inspection_cosigns (inspection_id, user_id, cosigned_at) values ($1, $2, $3) on conflict do nothing")
        .bind(id).bind(user.user.id).bind(now).execute(&mut *c).await?.rows_affected());
    if n != 1 {
        return Err(AppError::new(ErrorCode::Conflict, "您已确认该检查记录"));
    }
    record(
        &mut tx,
        now,
        &user.actor(),
        "inspection.cosigned",
        ("inspection", &id.to_string()),
        &json!({"user_id": user.user.id}),
    )
    .await?;
    tx.commit().await?;
    Ok(of(&state.db, &i).await?)
}

/// `POST /inspections/{id}/cosign`: the same from the record's page.
pub async fn cosign_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    crate::platform::web::extract::PageForm(_): crate::platform::web::extract::PageForm<
        std::collections::HashMap<String, String>,
    >,
) -> AppResult<axum::response::Redirect> {
    cosign(&state, &user, id).await?;
    Ok(axum::response::Redirect::to(&format!("/inspections/{id}")))
}
