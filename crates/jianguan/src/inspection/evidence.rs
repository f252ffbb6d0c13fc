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
use crate::platform::blobs::Blobs;
use crate::platform::error::{AppError, AppResult, ErrorCode, Problem};
use crate::platform::web::AppState;
use crate::{on_db, on_tx};

/// Days a staged file waits for the record that cites it.
pub const STAGED_DAYS: i64 = 7;

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

/// One stored evidence file.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Evidence {
    pub id: i64,
    pub inspection_id: i64,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// The checklist point it answers, if any.
    pub item_code: Option<String>,
    pub point: Option<i32>,
    /// EXIF time and place, when the file had them.
    pub taken_at: Option<DateTime<Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: DateTime<Utc>,
}

/// A file written to the store, with what could be read from it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stored {
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// When the photo was taken, from its EXIF data (camera time taken as
    /// China time unless the photo states its offset).
    pub taken_at: Option<DateTime<Utc>>,
    /// Where, from its EXIF GPS data.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Whether the bytes are what the extension says: the signature every
/// format starts with (JPEG `FF D8 FF`, PNG's eight bytes, `%PDF-`, an ISO
/// base-media `ftyp` box for HEIC, MP4 and QuickTime) or, for text, UTF-8
/// without control characters. A renamed executable is no photo.
pub fn content_matches(ctype: &str, b: &[u8]) -> bool {
    let ftyp = b.len() >= 12 && &b[4..8] == b"ftyp";
    match ctype {
        "image/jpeg" => b.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/heic" => ftyp && [&b"heic"[..], b"heix", b"heim", b"heis", b"mif1", b"msf1"].contains(&&b[8..12]),
        "video/mp4" | "video/quicktime" => {
            ftyp || (b.len() >= 8 && [&b"moov"[..], b"mdat", b"wide", b"free"].contains(&&b[4..8]))
        }
        "application/pdf" => b.starts_with(b"%PDF-"),
        _ => std::str::from_utf8(b).is_ok_and(|t| jianguan_rules::text::control_char(t).is_none()),
    }
}

/// Check type and size, then write the file under its hash (once).
pub async fn store_file(blobs: &Blobs, name: &str, bytes: &[u8]) -> AppResult<Stored> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::new(ErrorCode::PayloadTooLarge, "证据文件不能超过 50 MB"));
    }
    if bytes.is_empty() {
        return Err(AppError::field(ErrorCode::ValidationFailed, "file", "文件为空"));
    }
    let ext = crate::registry::tabular::extension(std::path::Path::new(name));
    let ctype = TYPES.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t).ok_or_else(|| {
        AppError::new(
            ErrorCode::UnsupportedFile,
            "证据只接受 jpg、png、heic、mp4、mov、pdf、txt 文件",
        )
    })?;
    if !content_matches(ctype, bytes) {
        return Err(AppError::new(
            ErrorCode::UnsupportedFile,
            format!("文件内容不是其扩展名所示的类型（{ctype}）"),
        ));
    }
    let sha = sha256_hex(bytes);
    // The store writes atomically (a local folder writes beside, then
    // renames), so no half file ever sits under a hash name.
    blobs.put(&sha, bytes).await.map_err(AppError::internal)?;
    let meta = if ctype == "image/jpeg" || ctype == "image/heic" || ctype == "image/png" {
        super::exif::read(bytes)
    } else {
        Default::default()
    };
    Ok(Stored {
        sha256: sha,
        file_name: name.to_string(),
        content_type: ctype.to_string(),
        size: bytes.len() as i64,
        taken_at: meta.taken_at,
        latitude: meta.latitude,
        longitude: meta.longitude,
    })
}

/// Store a file and hold it for `user` until they sign the record that
/// cites it (a photo answer or an attachment).
pub async fn stage(
    state: &AppState,
    user: &CurrentUser,
    now: DateTime<Utc>,
    name: &str,
    bytes: &[u8],
) -> AppResult<Stored> {
    let s = store_file(&state.settings.evidence, name, bytes).await?;
    release_expired(state, now).await?;
    let mut tx = state.db.begin().await?;
    on_tx!(tx, c => sqlx::query(
        "insert into evidence_staged (sha256, user_id, file_name, content_type, size, taken_at, latitude, longitude, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (user_id, sha256) do update set file_name = excluded.file_name, created_at = excluded.created_at")
        .bind(&s.sha256).bind(user.user.id).bind(&s.file_name).bind(&s.content_type).bind(s.size)
        .bind(s.taken_at).bind(s.latitude).bind(s.longitude).bind(now)
        .execute(&mut *c).await?.rows_affected());
    // Staging is a disclosure to the system like any other: who put which
    // file in, before any record cites it.
    record(
        &mut tx,
        now,
        &user.actor(),
        "evidence.staged",
        ("evidence_file", &s.sha256),
        &json!({"file_name": s.file_name, "content_type": s.content_type, "size": s.size}),
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// Let go of uploads never signed into a record within a week: their rows
/// and, when no record cites the same bytes and nobody else holds them
/// staged, the files themselves.
async fn release_expired(state: &AppState, now: DateTime<Utc>) -> AppResult<()> {
    let cutoff = now - chrono::Duration::days(STAGED_DAYS);
    let expired: Vec<String> = on_db!(&state.db, pool => sqlx::query_scalar(
        "select distinct sha256 from evidence_staged where created_at < $1").bind(cutoff).fetch_all(pool).await?);
    if expired.is_empty() {
        return Ok(());
    }
    on_db!(&state.db, pool => sqlx::query("delete from evidence_staged where created_at < $1")
        .bind(cutoff).execute(pool).await?.rows_affected());
    for sha in expired {
        let cited: Option<i64> = on_db!(&state.db, pool => sqlx::query_scalar(
            "select 1 from evidence where sha256 = $1 union all select 1 from evidence_staged where sha256 = $1 limit 1")
            .bind(&sha).fetch_optional(pool).await?);
        if cited.is_none()
            && let Err(e) = state.settings.evidence.delete(&sha).await
        {
            tracing::warn!(error = %e, sha256 = %sha, "expired upload not deleted");
        }
    }
    Ok(())
}

/// Upload a photo or document before signing (multipart field `file`);
/// cite its `sha256` in an answer's `photos` or the record's `evidence`.
#[utoipa::path(post, path = "/api/v1/evidence", tag = "inspection", security(("bearer" = [])),
    responses((status = 201, body = Stored), (status = 413, body = Problem),
    (status = 415, description = "unsupported_file", body = Problem)))]
pub async fn upload_staged(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> AppResult<(StatusCode, Json<Stored>)> {
    let (name, bytes) = crate::platform::web::extract::upload_field(&mut multipart)
        .await?
        .ok_or_else(|| AppError::field(ErrorCode::ValidationFailed, "file", "请选择文件"))?;
    let s = stage(&state, &user, state.clock.now(), &name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Attach a file to an inspection after it was signed (multipart field
/// `file`), e.g. a laboratory report that came later.
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
    let s = store_file(&state.settings.evidence, &name, &bytes).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let eid = link(&mut tx, &user.actor(), now, id, &s, None).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Evidence {
            id: eid,
            inspection_id: id,
            sha256: s.sha256,
            file_name: s.file_name,
            content_type: s.content_type,
            size: s.size,
            item_code: None,
            point: None,
            taken_at: s.taken_at,
            latitude: s.latitude,
            longitude: s.longitude,
            created_at: now,
        }),
    ))
}

/// Record a stored file as evidence of inspection `id` (of one checklist
/// point, or of the whole record), with its hash in the audit chain.
pub async fn link(
    tx: &mut crate::platform::db::Tx,
    actor: &crate::audit::Actor,
    now: DateTime<Utc>,
    id: i64,
    s: &Stored,
    point: Option<(&str, i32)>,
) -> AppResult<i64> {
    let eid: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "insert into evidence (inspection_id, sha256, file_name, content_type, size, created_by, created_at,
             item_code, point, taken_at, latitude, longitude)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id")
        .bind(id).bind(&s.sha256).bind(&s.file_name).bind(&s.content_type).bind(s.size).bind(actor.as_string()).bind(now)
        .bind(point.map(|p| p.0)).bind(point.map(|p| p.1)).bind(s.taken_at).bind(s.latitude).bind(s.longitude)
        .fetch_one(&mut *c).await?);
    record(
        tx,
        now,
        actor,
        "inspection.evidence_added",
        ("inspection", &id.to_string()),
        &json!({"evidence_id": eid, "sha256": s.sha256, "file_name": s.file_name, "size": s.size,
                "item_code": point.map(|p| p.0), "point": point.map(|p| p.1),
                "taken_at": s.taken_at, "latitude": s.latitude, "longitude": s.longitude}),
    )
    .await?;
    Ok(eid)
}

/// Files `user_id` staged, by hash.
pub async fn staged(db: &crate::platform::db::Db, user_id: i64, shas: &[String]) -> AppResult<Vec<Stored>> {
    let mut out = Vec::new();
    for sha in shas {
        type Row = (String, String, i64, Option<DateTime<Utc>>, Option<f64>, Option<f64>);
        let row: Option<Row> = on_db!(db, pool => sqlx::query_as(
            "select file_name, content_type, size, taken_at, latitude, longitude from evidence_staged where user_id = $1 and sha256 = $2")
            .bind(user_id).bind(sha).fetch_optional(pool).await?);
        let (file_name, content_type, size, taken_at, latitude, longitude) = row.ok_or_else(|| {
            AppError::field(
                ErrorCode::ValidationFailed,
                "photos",
                format!("证据 {sha} 未上传（先 POST /api/v1/evidence）"),
            )
        })?;
        out.push(Stored {
            sha256: sha.clone(),
            file_name,
            content_type,
            size,
            taken_at,
            latitude,
            longitude,
        });
    }
    Ok(out)
}

/// The evidence of one inspection, in the order it was added.
pub async fn for_inspection(db: &crate::platform::db::Db, id: i64) -> Result<Vec<Evidence>, sqlx::Error> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "select id, inspection_id, sha256, file_name, content_type, size, item_code, point, taken_at, latitude, longitude,
                created_at from evidence where inspection_id = $1 order by id")
        .bind(id).fetch_all(pool).await?))
}

/// Read an evidence file; its hash is checked against its name first.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "inspection", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, description = "the file"),
    (status = 409, description = "evidence_tampered", body = Problem), (status = 404, body = Problem)))]
pub async fn read(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    type Row = (String, String, i64);
    let row: Option<Row> = on_db!(&state.db, pool => sqlx::query_as(
        "select e.sha256, e.content_type, e.inspection_id from evidence e where e.id = $1")
        .bind(id).fetch_optional(pool).await?);
    let (sha, ctype, inspection) = row.ok_or_else(|| AppError::not_found("evidence"))?;
    // Whoever may read the record (its department, same-kind superiors,
    // the departments of a joint visit, the entity itself) may read its
    // evidence.
    super::receipt::one(&state, &user, inspection).await?;
    let bytes = state
        .settings
        .evidence
        .get(&sha)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| {
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

/// Release files once the record citing them is signed.
pub async fn unstage(db: &crate::platform::db::Db, user_id: i64, shas: &[String]) -> Result<(), sqlx::Error> {
    for sha in shas {
        on_db!(db, pool => sqlx::query("delete from evidence_staged where user_id = $1 and sha256 = $2")
            .bind(user_id).bind(sha).execute(pool).await?.rows_affected());
    }
    Ok(())
}
