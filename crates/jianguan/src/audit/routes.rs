//! The audit chain over HTTP: public checkpoints and key (anyone can check
//! them), the log and on-demand verification for system administrators.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::store::{self, AuditEntry, Checkpoint, VerifyOutcome};
use crate::platform::auth::access::MaybeUser;
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::AppResult;
use crate::platform::web::AppState;
use crate::platform::web::routes::{RouteDef, api, def};
use crate::platform::web::templates::{Layout, layout, render};

use crate::platform::auth::access::roles::SYS_ADMIN as SYS;

pub fn routes() -> Vec<RouteDef> {
    vec![
        api(Access::Public, routes!(public_checkpoints)),
        api(Access::Public, routes!(public_key)),
        api(Access::Public, routes!(public_entry)),
        def(Method::GET, "/portal/audit", Access::Public, get(portal_page)),
        api(Access::Roles(SYS), routes!(entries)),
        api(Access::Roles(SYS), routes!(verify)),
        api(Access::Roles(SYS), routes!(checkpoint_now)),
        def(Method::GET, "/admin/audit", Access::Roles(SYS), get(admin_page)),
    ]
}

#[derive(Serialize, ToSchema)]
pub struct CheckpointList {
    pub checkpoints: Vec<Checkpoint>,
    /// How to check a checkpoint's signature.
    pub message_format: &'static str,
}

const MESSAGE_FORMAT: &str =
    "ed25519 over UTF-8 \"jianguan-checkpoint-v1\\n{head_seq}\\n{head_hash}\\n{at as YYYY-MM-DDTHH:MM:SS.ffffffZ}\\n\"";

/// Signed daily checkpoints of the audit chain head, newest first (public).
#[utoipa::path(get, path = "/api/v1/public/audit/checkpoints", tag = "audit", responses((status = 200, body = CheckpointList)))]
pub async fn public_checkpoints(State(state): State<AppState>) -> AppResult<Json<CheckpointList>> {
    Ok(Json(CheckpointList {
        checkpoints: store::checkpoints(&state.db, 366).await?,
        message_format: MESSAGE_FORMAT,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PublicKey {
    pub algorithm: &'static str,
    /// Hex-encoded 32-byte ed25519 public key.
    pub public_key: String,
}

/// The server's public signing key (public).
#[utoipa::path(get, path = "/api/v1/public/audit/key", tag = "audit", responses((status = 200, body = PublicKey)))]
pub async fn public_key(State(state): State<AppState>) -> Json<PublicKey> {
    Json(PublicKey {
        algorithm: "ed25519",
        public_key: hex::encode(state.key.verifying_key().as_bytes()),
    })
}

/// One entry of the chain as anyone may see it: its place, time, kind and
/// hashes, not its payload (which may hold personal data).
#[derive(Serialize, ToSchema)]
pub struct PublicEntry {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// Check that a hash (e.g. on an inspection receipt) is in the chain.
#[utoipa::path(get, path = "/api/v1/public/audit/entries/{seq}", tag = "audit", params(("seq" = i64, Path)),
    responses((status = 200, body = PublicEntry), (status = 404, body = crate::platform::error::Problem)))]
pub async fn public_entry(
    State(state): State<AppState>,
    axum::extract::Path(seq): axum::extract::Path<i64>,
) -> crate::platform::error::AppResult<Json<PublicEntry>> {
    // The hashes prove a receipt is in the chain; what each entry records
    // (sign-ins, who looked at what) is not the public's.
    let (seq, at, prev_hash, hash) = store::public_entry(&state.db, seq)
        .await?
        .ok_or_else(|| crate::platform::error::AppError::not_found("audit entry"))?;
    Ok(Json(PublicEntry {
        seq,
        at,
        prev_hash,
        hash,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct EntriesQuery {
    /// Return entries with a smaller sequence number (paging backwards).
    pub before: Option<i64>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EntryList {
    pub entries: Vec<AuditEntry>,
}

/// The newest audit entries (system administrators).
#[utoipa::path(get, path = "/api/v1/audit/entries", tag = "audit", security(("bearer" = [])), params(EntriesQuery),
    responses((status = 200, body = EntryList), (status = 403, body = crate::platform::error::Problem)))]
pub async fn entries(State(state): State<AppState>, Query(q): Query<EntriesQuery>) -> AppResult<Json<EntryList>> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    Ok(Json(EntryList {
        entries: store::recent(&state.db, q.before, limit).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct VerifyReport {
    pub intact: bool,
    pub entries: i64,
    pub checkpoints: usize,
    /// What is wrong, naming the first bad entry.
    pub problem: Option<String>,
}

/// Recompute the whole chain now (system administrators).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = VerifyReport)))]
pub async fn verify(State(state): State<AppState>) -> AppResult<Json<VerifyReport>> {
    let pinned = hex::encode(state.key.verifying_key().as_bytes());
    Ok(Json(match store::verify(&state.db, Some(&pinned)).await? {
        VerifyOutcome::Intact { entries, checkpoints } => VerifyReport {
            intact: true,
            entries,
            checkpoints,
            problem: None,
        },
        VerifyOutcome::Broken(p) => VerifyReport {
            intact: false,
            entries: 0,
            checkpoints: 0,
            problem: Some(p),
        },
    }))
}

/// Sign today's checkpoint now if it does not exist yet (system administrators).
#[utoipa::path(post, path = "/api/v1/audit/checkpoints", tag = "audit", security(("bearer" = [])),
    responses((status = 201, body = Checkpoint), (status = 200, description = "today's checkpoint already existed", body = Checkpoint)))]
pub async fn checkpoint_now(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<(StatusCode, Json<Checkpoint>)> {
    let now = state.clock.now();
    if let Some(cp) = store::checkpoint_today(&state.db, &state.key, now).await? {
        return Ok((StatusCode::CREATED, Json(cp)));
    }
    let today = crate::platform::clock::china_day(now).to_string();
    let existing = store::checkpoints(&state.db, 1)
        .await?
        .into_iter()
        .find(|c| c.day == today);
    existing
        .map(|c| (StatusCode::OK, Json(c)))
        .ok_or_else(|| crate::platform::error::AppError::internal("checkpoint vanished"))
}

#[derive(Template)]
#[template(path = "audit/portal.html")]
pub struct PortalAuditPage {
    pub layout: Layout,
    pub checkpoints: Vec<Checkpoint>,
    pub public_key: String,
}

async fn portal_page(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> AppResult<Response> {
    Ok(render(&PortalAuditPage {
        layout: layout(user.as_ref(), "审计链公示", "/portal/audit"),
        checkpoints: store::checkpoints(&state.db, 60).await?,
        public_key: hex::encode(state.key.verifying_key().as_bytes()),
    }))
}

#[derive(Template)]
#[template(path = "audit/admin.html")]
pub struct AdminAuditPage {
    pub layout: Layout,
    pub entries: Vec<AuditEntry>,
    pub head_seq: i64,
    pub head_hash: String,
    pub report: Option<VerifyReportView>,
}

pub struct VerifyReportView {
    pub intact: bool,
    pub text: String,
}

#[derive(Deserialize)]
pub struct AdminQuery {
    pub verify: Option<String>,
}

async fn admin_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AdminQuery>,
) -> AppResult<Response> {
    let (head_seq, head_hash) = store::head(&state.db).await?;
    let report = match q.verify {
        Some(_) => {
            let pinned = hex::encode(state.key.verifying_key().as_bytes());
            Some(match store::verify(&state.db, Some(&pinned)).await? {
                VerifyOutcome::Intact { entries, checkpoints } => VerifyReportView {
                    intact: true,
                    text: format!("审计链完整：共 {entries} 条记录，{checkpoints} 个签名检查点均验证通过。"),
                },
                VerifyOutcome::Broken(p) => VerifyReportView {
                    intact: false,
                    text: format!("审计链被破坏：{p}"),
                },
            })
        }
        None => None,
    };
    Ok(render(&AdminAuditPage {
        layout: layout(Some(&user), "审计日志", "/admin/audit"),
        entries: store::recent(&state.db, None, 100).await?,
        head_seq,
        head_hash,
        report,
    }))
}
