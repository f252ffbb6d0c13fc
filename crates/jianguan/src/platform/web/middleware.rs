//! Middleware of the shell: request metrics and logs, and turning problem
//! responses into Chinese HTML pages for browsers.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

use super::AppState;
use super::metrics::{HttpLabels, RouteLabels};
use super::templates::{ErrorPage, LoginPage, layout, render_with_status};
use crate::platform::auth::CurrentUser;
use crate::platform::error::ErrorCode;

/// What a page may load: only our own scripts (no inline script, no eval),
/// our own styles (inline style attributes allowed: charts and the API
/// console set them), images from us or generated in the page, no plugins,
/// no framing, no foreign form targets or base URL.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Count and time every request by its route template; log one line per
/// request without query strings (they may hold personal data).
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let mut res = next.run(req).await;
    // No page of ours may be framed (clickjacking) or leak its URL elsewhere.
    let h = res.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    let status = res.status().as_u16();
    let secs = start.elapsed().as_secs_f64();
    // The route template is only known after routing; the route guard puts
    // it in the response extensions.
    let route = res
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    state
        .metrics
        .requests
        .get_or_create(&HttpLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels { route: route.clone() })
        .observe(secs);
    tracing::info!(http.method = %method, http.route = %route, http.status = status, elapsed_ms = secs * 1000.0, "request");
    res
}

fn is_machine_path(path: &str) -> bool {
    ["/api/", "/metrics", "/healthz", "/assets/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// For page requests, replace problem+json bodies with an error page (or,
/// when sign-in is needed, the login form) in the same status.
pub async fn html_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_machine_path(&path) {
        return next.run(req).await;
    }
    let htmx = req.headers().contains_key("hx-request");
    let next_target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let res = next.run(req).await;
    let code = match res.extensions().get::<ErrorCode>() {
        Some(c) => *c,
        None if res.status() == StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        None => return res,
    };
    let status = res.status();
    let user = res.extensions().get::<CurrentUser>().cloned();
    if code == ErrorCode::Unauthenticated {
        if htmx {
            let mut r = StatusCode::UNAUTHORIZED.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/login?next={}", encode_next(&next_target))) {
                r.headers_mut().insert("hx-redirect", v);
            }
            return r;
        }
        let page = LoginPage {
            layout: layout(None, "登录", ""),
            next: next_target,
            username: String::new(),
            error: Some(code.message_zh().to_string()),
        };
        return render_with_status(StatusCode::UNAUTHORIZED, &page);
    }
    let page = ErrorPage {
        layout: layout(user.as_ref(), "出错了", ""),
        status: status.as_u16(),
        message: code.message_zh().to_string(),
        code: code.as_str().to_string(),
    };
    let mut r = render_with_status(status, &page);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Percent-encode a local path for a `next=` parameter.
pub fn encode_next(path: &str) -> String {
    serde_urlencoded::to_string([("", path)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// Only local absolute paths are followed after sign-in (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and newlines from URLs and read "\\" as "/", so
        // "/\t/evil.example" would become "//evil.example": refuse them all.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/login")
                && !n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            n.to_string()
        }
        _ => "/home".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example")), "/home");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/home");
        assert_eq!(safe_next(Some("/\\evil.example")), "/home");
        assert_eq!(safe_next(Some("/a b")), "/home");
        assert_eq!(safe_next(Some("https://evil.example")), "/home");
        assert_eq!(safe_next(None), "/home");
        assert_eq!(encode_next("/a b?x=1"), "%2Fa+b%3Fx%3D1");
    }
}
