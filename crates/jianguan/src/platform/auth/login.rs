//! Signing in: credentials check with lock-out after repeated failures
//! (`jianguan_rules::login`), a per-address attempt limit, and the issue of a
//! session or token, all recorded in the audit chain.

use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::password;
use super::session::{self, NewSession};
use crate::audit::{Actor, record};
use crate::org::model::User;
use crate::org::store::user_by_username;
use crate::platform::db::Db;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};
use jianguan_rules::audit::sha256_hex;
use jianguan_rules::login::{ATTEMPTS_PER_MINUTE, after_failure, is_locked};

/// One-minute windows of failed sign-ins per client address, in memory: it
/// slows password spraying from one address; the per-account lock-out in the
/// database protects each account across processes. Successful sign-ins do
/// not count, so a whole office behind one NAT address can start work at nine.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl LoginLimiter {
    fn with_window<T>(&self, client: &str, f: impl FnOnce(&mut (Instant, u32)) -> T) -> T {
        let now = Instant::now();
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = map.entry(client.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        f(entry)
    }

    /// False when the address has used up its failures for this minute.
    pub fn allow(&self, client: &str) -> bool {
        self.with_window(client, |w| w.1 < ATTEMPTS_PER_MINUTE)
    }

    pub fn record_failure(&self, client: &str) {
        self.with_window(client, |w| w.1 += 1);
    }
}

/// What a successful sign-in hands out.
pub enum Credential {
    Session(NewSession),
    Token { token: String, expires_at: DateTime<Utc> },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Session,
    Token,
}

/// At most this many argon2 checks run at once; each takes ~20 MiB and tens
/// of milliseconds, and must not starve the async workers serving pages.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Verify a password on the blocking pool.
async fn verify_off_thread(password_text: &str, hash: String) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    let pw = password_text.to_string();
    tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .unwrap_or(false)
}

/// The one answer to every refused sign-in — unknown account, wrong
/// password, or an account locked for this address — so that the answer
/// tells nobody which accounts exist or are locked.
fn refused() -> AppError {
    AppError::new(
        ErrorCode::InvalidCredentials,
        "wrong username or password (after 5 failures in a row, wait 15 minutes)",
    )
}

/// Until when the account is locked for this client address, if it is.
async fn locked_until(db: &Db, user_id: i64, client: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let until: Option<Option<DateTime<Utc>>> = on_db!(db, pool => sqlx::query_scalar(
        "select locked_until from login_failures where user_id = $1 and client = $2")
        .bind(user_id).bind(client).fetch_optional(pool).await?);
    Ok(until.flatten())
}

/// Longest username kept in the audit entry of a refused sign-in.
const AUDITED_NAME: usize = 64;

/// Record a refused sign-in with the client address, in its own
/// transaction.
async fn audit_refusal(
    db: &Db,
    now: DateTime<Utc>,
    action: &str,
    object: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    record(&mut tx, now, &Actor::Anonymous, action, ("user", object), &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Check the credentials and issue a session or token. Failures count per
/// account and client address (`client`): five in a row lock the account
/// for that address for 15 minutes (`jianguan_rules::login`).
pub async fn sign_in(
    db: &Db,
    now: DateTime<Utc>,
    username: &str,
    password_text: &str,
    want: Want,
    client: &str,
) -> AppResult<(User, Credential)> {
    let Some(user) = user_by_username(db, username).await? else {
        // Spend the same time as a real check so the answer does not tell
        // which usernames exist.
        let _ = verify_off_thread(password_text, password::DUMMY_HASH.to_string()).await;
        let name: String = username.chars().take(AUDITED_NAME).collect();
        audit_refusal(
            db,
            now,
            "auth.login_failed",
            "-",
            json!({"username": name, "client": client}),
        )
        .await?;
        return Err(refused());
    };
    let hash: String = on_db!(db, pool => {
        sqlx::query_scalar("select password_hash from users where id = $1")
            .bind(user.id)
            .fetch_one(pool)
            .await?
    });
    if is_locked(locked_until(db, user.id, client).await?, now) {
        let _ = verify_off_thread(password_text, password::DUMMY_HASH.to_string()).await;
        audit_refusal(
            db,
            now,
            "auth.login_refused",
            &user.id.to_string(),
            json!({"client": client, "locked": true}),
        )
        .await?;
        return Err(refused());
    }
    let ok = verify_off_thread(password_text, hash).await;
    let mut tx = db.begin().await?;
    if !ok || !user.active {
        // Count in SQL, in one statement, so that simultaneous wrong
        // guesses each count; a lock that has run out starts a fresh count.
        let failures: i64 = on_tx!(tx, c => {
            sqlx::query_scalar(
                "insert into login_failures (user_id, client, failures) values ($1, $2, 1)
                 on conflict (user_id, client) do update set
                    failures = case when login_failures.locked_until is not null and login_failures.locked_until <= $3
                                    then 1 else login_failures.failures + 1 end,
                    locked_until = case when login_failures.locked_until <= $3 then null
                                        else login_failures.locked_until end
                 returning failures",
            )
            .bind(user.id)
            .bind(client)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        });
        let (_, lock) = after_failure(failures - 1, now);
        if lock.is_some() {
            on_tx!(tx, c => {
                sqlx::query("update login_failures set locked_until = $1 where user_id = $2 and client = $3")
                    .bind(lock)
                    .bind(user.id)
                    .bind(client)
                    .execute(&mut *c)
                    .await?;
            });
        }
        let action = if lock.is_some() {
            "auth.locked"
        } else {
            "auth.login_failed"
        };
        record(
            &mut tx,
            now,
            &Actor::Anonymous,
            action,
            ("user", &user.id.to_string()),
            &json!({"failures": failures, "client": client}),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user.id = user.id, failures, locked = lock.is_some(), "sign-in failed");
        return Err(refused());
    }
    // A guess that raced a lock set meanwhile is refused too.
    let until: Option<Option<DateTime<Utc>>> = on_tx!(tx, c => sqlx::query_scalar(
        "select locked_until from login_failures where user_id = $1 and client = $2")
        .bind(user.id).bind(client).fetch_optional(&mut *c).await?);
    if is_locked(until.flatten(), now) {
        return Err(refused());
    }
    on_tx!(tx, c => {
        sqlx::query("delete from login_failures where user_id = $1 and client = $2")
            .bind(user.id)
            .bind(client)
            .execute(&mut *c)
            .await?;
    });
    let (cred, kind) = match want {
        Want::Session => (
            Credential::Session(session::create_session(&mut tx, user.id, now).await?),
            "session",
        ),
        Want::Token => {
            let (token, expires_at) = session::create_token(&mut tx, user.id, now).await?;
            (Credential::Token { token, expires_at }, "token")
        }
    };
    record(
        &mut tx,
        now,
        &Actor::User(user.id),
        "auth.login",
        ("user", &user.id.to_string()),
        &json!({"via": kind}),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user.id = user.id, via = kind, "signed in");
    Ok((user, cred))
}

/// End a session or revoke a token, recorded in the chain.
pub async fn sign_out(
    db: &Db,
    now: DateTime<Utc>,
    user_id: i64,
    session_cookie: Option<&str>,
    token: Option<&str>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(tx, c => {
        if let Some(cookie) = session_cookie {
            sqlx::query("delete from sessions where id_hash = $1").bind(sha256_hex(cookie.as_bytes())).execute(&mut *c).await?;
        }
        if let Some(t) = token {
            sqlx::query("delete from api_tokens where token_hash = $1").bind(sha256_hex(t.as_bytes())).execute(&mut *c).await?;
        }
    });
    record(
        &mut tx,
        now,
        &Actor::User(user_id),
        "auth.logout",
        ("user", &user_id.to_string()),
        &json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_counts_failures_per_address() {
        let l = LoginLimiter::default();
        for _ in 0..ATTEMPTS_PER_MINUTE {
            assert!(l.allow("10.0.0.1"));
            l.record_failure("10.0.0.1");
        }
        assert!(!l.allow("10.0.0.1"));
        assert!(l.allow("10.0.0.2"));
    }
}
