//! Who is asking, and may they? The `authenticate` middleware resolves the
//! session cookie or bearer token into a [`CurrentUser`] and enforces CSRF on
//! cookie-authenticated writes; each route's [`Access`] (declared in one
//! table, `platform::web::routes`) is enforced by [`require`].

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use jianguan_rules::Role;
use jianguan_rules::access::DataScope;

use super::session;
use crate::audit::Actor;
use crate::org::model::{Department, User};
use crate::org::store::{department_by_code, user_by_id};
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::web::AppState;

/// The role sets route tables use, named once.
pub mod roles {
    use jianguan_rules::Role;

    pub const SYS_ADMIN: &[Role] = &[Role::SysAdmin];
    /// Those who manage accounts and maintain registers.
    pub const ADMINS: &[Role] = &[Role::SysAdmin, Role::DeptAdmin];
    /// Those who read the organisation.
    pub const ORG_READERS: &[Role] = &[Role::SysAdmin, Role::DeptAdmin, Role::Leader];
    /// Every regulator role.
    pub const REGULATORS: &[Role] = &[
        Role::SysAdmin,
        Role::DeptAdmin,
        Role::Inspector,
        Role::LegalReviewer,
        Role::Leader,
    ];
    /// Regulators, and enterprise users for their own entity.
    pub const REGULATORS_AND_ENTERPRISE: &[Role] = &[
        Role::SysAdmin,
        Role::DeptAdmin,
        Role::Inspector,
        Role::LegalReviewer,
        Role::Leader,
        Role::Enterprise,
    ];
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    Authenticated,
    /// Signed-in accounts with one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(&self, user: Option<&CurrentUser>) -> Result<(), AppError> {
        match (self, user) {
            (Access::Public, _) => Ok(()),
            (_, None) => Err(AppError::unauthenticated()),
            (Access::Authenticated, Some(_)) => Ok(()),
            (Access::Roles(roles), Some(u)) if roles.contains(&u.user.role) => Ok(()),
            (Access::Roles(_), Some(_)) => Err(AppError::forbidden()),
        }
    }
}

/// How the request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// Browser session cookie value, with the session's CSRF token.
    Session {
        cookie: String,
        csrf: String,
    },
    Bearer(String),
}

/// The signed-in account making the request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub department: Option<Department>,
    pub credential: Credential,
}

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn actor(&self) -> Actor {
        Actor::User(self.user.id)
    }

    /// The region this user may see and act in.
    pub fn scope(&self) -> DataScope {
        DataScope::for_user(self.user.role, self.department.as_ref().and_then(Department::division))
    }

    pub fn csrf(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf, .. } => csrf,
            Credential::Bearer(_) => "",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(AppError::unauthenticated)
    }
}

/// The signed-in account, if any (for pages anyone may see).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<CurrentUser>().cloned()))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Largest form body the CSRF check will buffer to find its token.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// Resolve the caller and check CSRF for cookie-authenticated writes.
pub async fn authenticate(State(state): State<AppState>, jar: CookieJar, req: Request, next: Next) -> Response {
    let now = state.clock.now();
    let headers = req.headers();
    // Browsers say where a request came from; refuse cross-site writes outright.
    if unsafe_method(req.method()) && headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site")
    {
        return AppError::new(ErrorCode::CsrfFailed, "cross-site request refused").into_response();
    }
    let resolved = if let Some(token) = bearer(headers) {
        match session::lookup_token(&state.db, token, now).await {
            Ok(Some(uid)) => Some((uid, Credential::Bearer(token.to_string()))),
            Ok(None) => None,
            Err(e) => return AppError::from(e).into_response(),
        }
    } else if let Some(c) = jar.get(session::COOKIE) {
        match session::lookup_session(&state.db, c.value(), now).await {
            Ok(Some((uid, csrf))) => Some((
                uid,
                Credential::Session {
                    cookie: c.value().to_string(),
                    csrf,
                },
            )),
            Ok(None) => None,
            Err(e) => return AppError::from(e).into_response(),
        }
    } else {
        None
    };
    let mut req = req;
    if let Some((uid, credential)) = resolved {
        let user = match load(&state, uid).await {
            Ok(Some(u)) => u,
            Ok(None) => return next.run(req).await,
            Err(e) => return e.into_response(),
        };
        let current = CurrentUser {
            user: user.0,
            department: user.1,
            credential,
        };
        // Signing in again from an old login tab starts a new session: it
        // needs no token of the current one (cross-site posts are refused above).
        if let Credential::Session { csrf, .. } = &current.credential
            && unsafe_method(req.method())
            && req.uri().path() != "/login"
        {
            let (ok, rebuilt) = match csrf_ok(req, csrf).await {
                Ok(v) => v,
                Err(e) => return e.into_response(),
            };
            if !ok {
                return AppError::new(ErrorCode::CsrfFailed, "missing or wrong CSRF token").into_response();
            }
            req = rebuilt;
        }
        req.extensions_mut().insert(current.clone());
        let mut res = next.run(req).await;
        // What a signed-in account is shown (its records, evidence, exports)
        // stays out of shared and browser caches, unless the handler said
        // otherwise (immutable assets).
        if !res.headers().contains_key(header::CACHE_CONTROL) {
            res.headers_mut()
                .insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
        }
        // Outer layers (HTML error pages) draw the navigation for this user.
        res.extensions_mut().insert(current);
        return res;
    }
    next.run(req).await
}

async fn load(state: &AppState, uid: i64) -> Result<Option<(User, Option<Department>)>, AppError> {
    let Some(user) = user_by_id(&state.db, uid).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    let dept = match &user.department_code {
        Some(code) => department_by_code(&state.db, code).await?,
        None => None,
    };
    Ok(Some((user, dept)))
}

/// The token may come as the `X-CSRF-Token` header (htmx, scripts), as the
/// `csrf_token` field of an urlencoded form (plain HTML forms), or as the
/// `csrf_token` query parameter of a multipart upload.
async fn csrf_ok(req: Request, expected: &str) -> Result<(bool, Request), AppError> {
    if let Some(h) = req.headers().get("x-csrf-token") {
        let ok = h.to_str().map(|v| constant_eq(v, expected)).unwrap_or(false);
        return Ok((ok, req));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // File uploads are not buffered here: their form carries the token in
    // its action URL instead.
    if content_type.starts_with("multipart/form-data") {
        let ok = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == "csrf_token"))
            .is_some_and(|(_, v)| constant_eq(&v, expected));
        return Ok((ok, req));
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok((false, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| AppError::new(ErrorCode::PayloadTooLarge, "form too large"))?;
    let ok = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|fields| fields.into_iter().find(|(k, _)| k == "csrf_token"))
        .is_some_and(|(_, v)| constant_eq(&v, expected));
    Ok((ok, Request::from_parts(parts, Body::from(bytes))))
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Per-route guard: answer 401 or 403 before the handler runs.
pub async fn require(State(access): State<Access>, req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<axum::extract::MatchedPath>().cloned();
    let mut res = match access.allows(req.extensions().get::<CurrentUser>()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    // Metrics and logs label requests by route template; only here, after
    // routing, is it known.
    if let Some(m) = matched {
        res.extensions_mut().insert(m);
    }
    res
}
