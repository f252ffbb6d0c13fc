//! Imports started from the web: the uploaded file is kept in the data
//! folder, the import runs in the background, and its progress lives in the
//! `import_jobs` row that each committed batch updates.

use axum::extract::Multipart;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::import::{ImportOptions, import_table, open_job};
use super::tabular::{extension, read_bytes};
use crate::on_db;
use crate::platform::auth::CurrentUser;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult};
use crate::platform::web::AppState;

/// An import as its progress page and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ImportJob {
    pub id: String,
    pub file_name: String,
    /// running, done or failed
    pub status: String,
    pub total_rows: Option<i64>,
    pub rows_done: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub bad_rows: i64,
    #[serde(skip)]
    pub errors_file: Option<String>,
    /// The department of the account that started it (none: the command
    /// line); it and its same-kind superiors read the job.
    #[serde(skip)]
    pub department_id: Option<i64>,
    /// Why a failed import stopped.
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ImportJob {
    /// Progress in percent (0–100).
    pub fn percent(&self) -> i64 {
        match self.total_rows {
            Some(t) if t > 0 => (self.rows_done * 100 / t).clamp(0, 100),
            _ if self.status == "done" => 100,
            _ => 0,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.bad_rows > 0 && self.errors_file.is_some()
    }
}

pub async fn get(db: &Db, id: &str) -> Result<Option<ImportJob>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as(
            "select id, file_name, status, total_rows, rows_done, inserted, updated, unchanged, bad_rows, errors_file,
                    department_id, message, created_at, updated_at from import_jobs where id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await
    })
}

/// A job the caller may read: one started by its department or a
/// same-kind lower department (`CurrentUser::check_work`); jobs of the
/// command line only for the system administrator. The uploaded file and
/// its error file hold whole registers: the same rule guards both.
pub async fn visible(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<ImportJob> {
    let job = get(&state.db, id).await?.ok_or_else(|| AppError::not_found("import"))?;
    let offices = crate::platform::auth::jurisdiction::offices(&state.db).await?;
    if reads(user, &job, &offices) {
        Ok(job)
    } else {
        Err(AppError::out_of_jurisdiction())
    }
}

fn reads(
    user: &CurrentUser,
    job: &ImportJob,
    offices: &std::collections::HashMap<i64, crate::platform::auth::jurisdiction::Dept>,
) -> bool {
    user.role() == jianguan_rules::Role::SysAdmin
        || user.reads_work(job.department_id.and_then(|d| offices.get(&d)), &[])
}

/// The latest jobs the caller may read.
pub async fn recent(state: &AppState, user: &CurrentUser, n: usize) -> AppResult<Vec<ImportJob>> {
    let ids: Vec<String> = on_db!(&state.db, pool => {
        sqlx::query_scalar("select id from import_jobs order by updated_at desc limit 200").fetch_all(pool).await?
    });
    let offices = crate::platform::auth::jurisdiction::offices(&state.db).await?;
    let mut out = Vec::new();
    for id in ids {
        if out.len() == n {
            break;
        }
        if let Some(job) = get(&state.db, &id).await?
            && reads(user, &job, &offices)
        {
            out.push(job);
        }
    }
    Ok(out)
}

async fn fail(db: &Db, id: &str, message: &str, now: DateTime<Utc>) {
    let r = on_db!(db, pool => {
        sqlx::query("update import_jobs set status = 'failed', message = $2, updated_at = $3 where id = $1")
            .bind(id)
            .bind(message)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
    });
    if let Err(e) = r {
        tracing::error!(error = %e, "cannot record a failed import");
    }
}

/// Take the `file` field of a multipart upload, store it, and start the
/// import in the background. Returns the job id.
pub async fn start_upload(state: &AppState, user: &CurrentUser, mut multipart: Multipart) -> AppResult<String> {
    let (name, bytes) = crate::platform::web::extract::upload_file(&mut multipart).await?;
    let ext = extension(std::path::Path::new(&name));
    // Unguessable: a web job's id is no digest of the file (which would
    // let anyone holding the file find its job and error rows).
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|e| AppError::internal(format!("no system randomness: {e}")))?;
    let id = format!("entities-{}", hex::encode(nonce));
    let dir = state.settings.data_dir.join("imports");
    tokio::fs::create_dir_all(&dir).await.map_err(AppError::internal)?;
    let stored = dir.join(format!("{id}.{ext}"));
    tokio::fs::write(&stored, &bytes).await.map_err(AppError::internal)?;
    let now = state.clock.now();
    let sha = jianguan_rules::audit::sha256_hex(&bytes);
    open_job(&state.db, &id, &sha, &name, 0, &user.actor(), now).await?;
    let department = user.department.as_ref().map(|d| d.id);
    on_db!(&state.db, pool => sqlx::query("update import_jobs set department_id = $2 where id = $1")
        .bind(&id).bind(department).execute(pool).await?.rows_affected());
    let (state, actor, scope) = (state.clone(), user.actor(), user.scope());
    let job = id.clone();
    tokio::spawn(async move {
        let parsed = tokio::task::spawn_blocking(move || read_bytes(&bytes, &ext).map(|t| (t, bytes))).await;
        let (table, bytes) = match parsed {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return fail(&state.db, &job, &format!("{e:#}"), state.clock.now()).await,
            Err(e) => return fail(&state.db, &job, &e.to_string(), state.clock.now()).await,
        };
        let opts = ImportOptions {
            job: Some(job.clone()),
            actor,
            scope,
            batch_size: 5000,
            errors_path: state
                .settings
                .data_dir
                .join("imports")
                .join(format!("{job}.errors.csv")),
            file_name: name,
        };
        let clock = state.clock.clone();
        match import_table(
            &state.db,
            std::sync::Arc::new(table),
            &bytes,
            &opts,
            || clock.now(),
            |_, _| {},
        )
        .await
        {
            Ok(r) => {
                tracing::info!(job = %job, inserted = r.outcome.inserted, updated = r.outcome.updated, bad = r.bad_rows, "import finished")
            }
            Err(e) => fail(&state.db, &job, &format!("{e:#}"), state.clock.now()).await,
        }
    });
    Ok(id)
}
