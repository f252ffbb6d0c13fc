//! Evidence of inspections (photos, video, documents), stored
//! content-addressed: a file lives at `data/evidence/ab/abcdef…` named by the
//! SHA-256 of its bytes, the hash goes into the audit chain, and every read
//! recomputes it. A file that no longer matches its name is reported
//! (`evidence_tampered`), never served. Type and size are limited.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jianguan_rules::audit::sha256_hex;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::record;
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::{on_db, on_tx};

/// Largest evidence file: a phone video clip.
pub const MAX_BYTES: usize = 50 * 1024 * 1024;

/// Accepted types, by extension, with the content type served back.
const TYPES: [(&str, &str); 8] = [
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("heic", "image/heic"),
    ("mp4", "video/mp4"),
    ("mov", "video/quicktime"),
    ("pdf", "application/pdf"),
    ("txt", "text/plain; charset=utf-8"),
];

fn path_of(state: &AppState, sha: &str) -> std::path::PathBuf {
    state.settings.data_dir.join("evidence").join(&sha[..2]).join(sha)
}

/// One stored evidence file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub inspection_id: i64,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

/// Attach a file to an inspection (multipart field `file`).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/evidence", tag = "inspection", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 201, body = Evidence), (status = 413, body = Problem),
    (status = 415, description = "unsupported_file", body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<(StatusCode, Json<Evidence>)> {
    let dept: Option<i64> = on_db!(&state.db, pool => sqlx::query_scalar("select department_id from inspections where id = $1")
        .bind(id).fetch_optional(pool).await?);
    let dept = dept.ok_or_else(|| AppError::not_found("inspection"))?;
    if user.role() != jianguan_rules::Role::SysAdmin && user.department.as_ref().map(|d| d.id) != Some(dept) {
        return Err(AppError::new(ErrorCode::Forbidden, "只有实施检查的部门可以上传证据"));
    }
    let (name, bytes) = crate::platform::web::extract::upload_field(&mut multipart)
        .await?
        .ok_or_else(|| AppError::field(ErrorCode::ValidationFailed, "file", "请选择文件"))?;
    if bytes.len() > MAX_BYTES {
        return Err(AppError::new(ErrorCode::PayloadTooLarge, "证据文件不能超过 50 MB"));
    }
    let ext = crate::registry::tabular::extension(std::path::Path::new(&name));
    let ctype = TYPES.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t).ok_or_else(|| {
        AppError::new(
            ErrorCode::UnsupportedFile,
            "证据只接受 jpg、png、heic、mp4、mov、pdf、txt 文件",
        )
    })?;
    let sha = sha256_hex(&bytes);
    let path = path_of(&state, &sha);
    if !path.exists() {
        // Write beside, then rename: a crash leaves no half file under a hash name.
        let dir = path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        tokio::fs::create_dir_all(&dir).await.map_err(AppError::internal)?;
        let tmp = dir.join(format!(".{sha}.part"));
        tokio::fs::write(&tmp, &bytes).await.map_err(AppError::internal)?;
        tokio::fs::rename(&tmp, &path).await.map_err(AppError::internal)?;
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let eid: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "insert into evidence (inspection_id, sha256, file_name, content_type, size, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(id).bind(&sha).bind(&name).bind(ctype).bind(bytes.len() as i64).bind(user.actor().as_string()).bind(now)
        .fetch_one(&mut *c).await?);
    record(
        &mut tx,
        now,
        &user.actor(),
        "inspection.evidence_added",
        ("inspection", &id.to_string()),
        &json!({"evidence_id": eid, "sha256": sha, "file_name": name, "size": bytes.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Evidence {
            id: eid,
            inspection_id: id,
            sha256: sha,
            file_name: name,
            content_type: ctype.into(),
            size: bytes.len() as i64,
            created_at: now,
        }),
    ))
}

/// Read an evidence file; its hash is checked against its name first.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "inspection", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, description = "the file"),
    (status = 409, description = "evidence_tampered", body = Problem), (status = 404, body = Problem)))]
pub async fn read(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    type Row = (String, String, i64);
    let row: Option<Row> = on_db!(&state.db, pool => sqlx::query_as(
        "select e.sha256, e.content_type, i.department_id from evidence e join inspections i on i.id = e.inspection_id where e.id = $1")
        .bind(id).fetch_optional(pool).await?);
    let (sha, ctype, dept) = row.ok_or_else(|| AppError::not_found("evidence"))?;
    let dept_division: Option<String> = on_db!(&state.db, pool => sqlx::query_scalar("select division_code from departments where id = $1")
        .bind(dept).fetch_optional(pool).await?);
    let visible = dept_division
        .and_then(|d| jianguan_rules::DivisionCode::parse(&d).ok())
        .is_some_and(|d| user.scope().covers(&d));
    if !visible {
        return Err(AppError::out_of_scope());
    }
    let bytes = tokio::fs::read(path_of(&state, &sha)).await.map_err(|_| {
        tracing::error!(evidence = id, sha256 = %sha, "evidence file missing");
        AppError::new(ErrorCode::EvidenceTampered, "证据文件缺失")
    })?;
    if sha256_hex(&bytes) != sha {
        tracing::error!(evidence = id, sha256 = %sha, "evidence file does not match its hash");
        return Err(AppError::new(
            ErrorCode::EvidenceTampered,
            "证据文件与登记的哈希值不符，可能已被篡改",
        ));
    }
    let mut res = bytes.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ctype).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    res.headers_mut().insert(
        "x-content-sha256",
        HeaderValue::from_str(&sha).map_err(AppError::internal)?,
    );
    Ok(res)
}
