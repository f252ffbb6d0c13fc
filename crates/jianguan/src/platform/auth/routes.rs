//! Sign-in and sign-out for browsers, tokens for machines, and "who am I".

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::Access;
use super::access::{Credential, CurrentUser, MaybeUser};
use super::login::{self, Want};
use super::session::COOKIE;
use crate::org::model::{Department, User};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::platform::web::AppState;
use crate::platform::web::extract::{ApiJson, ClientAddr, PageForm};
use crate::platform::web::middleware::safe_next;
use crate::platform::web::routes::{RouteDef, api, def};
use crate::platform::web::templates::{LoginPage, layout, render, render_with_status};

pub fn routes() -> Vec<RouteDef> {
    vec![
        def(Method::GET, "/login", Access::Public, get(login_page)),
        def(Method::POST, "/login", Access::Public, post(login_submit)),
        def(Method::POST, "/logout", Access::Authenticated, post(logout)),
        api(Access::Public, routes!(issue_token)),
        api(Access::Authenticated, routes!(revoke_token)),
        api(Access::Authenticated, routes!(me)),
    ]
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(MaybeUser(user): MaybeUser, Query(q): Query<NextQuery>) -> Response {
    if user.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    render(&LoginPage {
        layout: layout(None, "登录", "/login"),
        next: q.next.unwrap_or_default(),
        username: String::new(),
        error: None,
    })
}

/// Sign in, refusing addresses that failed too often this minute and
/// counting this attempt if it fails.
async fn limited_sign_in(
    state: &AppState,
    addr: &str,
    username: &str,
    password: &str,
    want: Want,
) -> AppResult<(User, login::Credential)> {
    if !state.limiter.allow(addr) {
        return Err(AppError::new(
            ErrorCode::RateLimited,
            "too many failed attempts from this address",
        ));
    }
    let result = login::sign_in(&state.db, state.clock.now(), username, password, want, addr).await;
    if let Err(e) = &result
        && e.code == ErrorCode::InvalidCredentials
    {
        state.limiter.record_failure(addr);
    }
    result
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let result = limited_sign_in(&state, &addr, &form.username, &form.password, Want::Session).await;
    match result {
        Ok((_, login::Credential::Session(s))) => {
            let cookie = Cookie::build((COOKIE, s.cookie_value))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.settings.secure_cookies)
                // No Max-Age: the cookie ends with the browser; the server
                // ends the session after SESSION_HOURS regardless.
                .build();
            (jar.add(cookie), Redirect::to(&safe_next(form.next.as_deref()))).into_response()
        }
        Ok(_) => AppError::internal("sign-in returned a token for a session request").into_response(),
        Err(e) => {
            let status = e.code.status();
            render_with_status(
                status,
                &LoginPage {
                    layout: layout(None, "登录", "/login"),
                    next: form.next.unwrap_or_default(),
                    username: form.username,
                    error: Some(e.code.message_zh().to_string()),
                },
            )
        }
    }
}

async fn logout(State(state): State<AppState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    let (cookie, token) = match &user.credential {
        Credential::Session { cookie, .. } => (Some(cookie.as_str()), None),
        Credential::Bearer(t) => (None, Some(t.as_str())),
    };
    login::sign_out(&state.db, state.clock.now(), user.user.id, cookie, token).await?;
    let jar = jar.remove(Cookie::build(COOKIE).path("/"));
    Ok((jar, Redirect::to("/")).into_response())
}

/// Credentials for a bearer token.
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Exchange a username and password for a bearer token (machine clients).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse),
              (status = 401, description = "invalid_credentials", body = crate::platform::error::Problem),
              (status = 423, description = "account_locked", body = crate::platform::error::Problem),
              (status = 429, description = "rate_limited", body = crate::platform::error::Problem)))]
pub async fn issue_token(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<TokenRequest>,
) -> AppResult<Json<TokenResponse>> {
    match limited_sign_in(&state, &addr, &req.username, &req.password, Want::Token).await? {
        (_, login::Credential::Token { token, expires_at }) => Ok(Json(TokenResponse { token, expires_at })),
        _ => Err(AppError::internal("sign-in returned a session for a token request")),
    }
}

/// Revoke the bearer token (or end the session) used for this request.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::platform::error::Problem)))]
pub async fn revoke_token(State(state): State<AppState>, user: CurrentUser) -> AppResult<StatusCode> {
    let (cookie, token) = match &user.credential {
        Credential::Session { cookie, .. } => (Some(cookie.as_str()), None),
        Credential::Bearer(t) => (None, Some(t.as_str())),
    };
    login::sign_out(&state.db, state.clock.now(), user.user.id, cookie, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    pub department: Option<Department>,
}

/// The signed-in account and its department.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::platform::error::Problem)))]
pub async fn me(user: CurrentUser) -> Json<Me> {
    Json(Me {
        user: user.user,
        department: user.department,
    })
}
