//! Browser sessions and bearer tokens. Only SHA-256 digests of the secrets
//! are stored, so a copy of the database cannot be used to sign in.

use chrono::{DateTime, Duration, Utc};
use jianguan_rules::audit::sha256_hex;
use jianguan_rules::login::{SESSION_HOURS, TOKEN_HOURS};

use crate::platform::db::{Db, Tx};
use crate::platform::keys::random_token;
use crate::{on_db, on_tx};

pub const COOKIE: &str = "jg_session";

/// A new browser session: the cookie value and the CSRF token for its forms.
pub struct NewSession {
    pub cookie_value: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn create_session(tx: &mut Tx, user_id: i64, now: DateTime<Utc>) -> anyhow::Result<NewSession> {
    let cookie_value = random_token(32)?;
    let csrf_token = random_token(24)?;
    let expires_at = now + Duration::hours(SESSION_HOURS);
    on_tx!(tx, pool => {
        sqlx::query("delete from sessions where expires_at <= $1").bind(now).execute(&mut *pool).await?;
        sqlx::query("insert into sessions (id_hash, user_id, csrf_token, created_at, expires_at) values ($1, $2, $3, $4, $5)")
            .bind(sha256_hex(cookie_value.as_bytes()))
            .bind(user_id)
            .bind(&csrf_token)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *pool)
            .await?;
    });
    Ok(NewSession {
        cookie_value,
        csrf_token,
        expires_at,
    })
}

/// The user id and CSRF token of a live session.
pub async fn lookup_session(
    db: &Db,
    cookie_value: &str,
    now: DateTime<Utc>,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as("select user_id, csrf_token from sessions where id_hash = $1 and expires_at > $2")
            .bind(sha256_hex(cookie_value.as_bytes()))
            .bind(now)
            .fetch_optional(pool)
            .await
    })
}

/// Issue a bearer token; returns the token and its expiry.
pub async fn create_token(tx: &mut Tx, user_id: i64, now: DateTime<Utc>) -> anyhow::Result<(String, DateTime<Utc>)> {
    let token = format!("jg_{}", random_token(32)?);
    let expires_at = now + Duration::hours(TOKEN_HOURS);
    on_tx!(tx, pool => {
        sqlx::query("delete from api_tokens where expires_at <= $1").bind(now).execute(&mut *pool).await?;
        sqlx::query("insert into api_tokens (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)")
            .bind(sha256_hex(token.as_bytes()))
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *pool)
            .await?;
    });
    Ok((token, expires_at))
}

pub async fn lookup_token(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<i64>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar("select user_id from api_tokens where token_hash = $1 and expires_at > $2")
            .bind(sha256_hex(token.as_bytes()))
            .bind(now)
            .fetch_optional(pool)
            .await
    })
}
