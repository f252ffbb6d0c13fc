//! Routes of the shell itself: health, metrics, assets, the browser of the
//! OpenAPI document (the document is the root's, `crate::app::openapi`),
//! and the fallback for unknown paths.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::AppState;
use super::routes::{RouteDef, api, def};
use crate::platform::auth::Access;
use crate::platform::error::AppError;

pub fn routes() -> Vec<RouteDef> {
    vec![
        api(Access::Public, routes!(healthz)),
        // Route names, counts and timings tell an outsider what is used and
        // when: scraped with a system administrator's bearer token.
        def(
            Method::GET,
            "/metrics",
            Access::Roles(crate::platform::auth::access::roles::SYS_ADMIN),
            get(metrics),
        ),
        def(
            Method::GET,
            "/assets/{*path}",
            Access::Public,
            get(super::assets::serve),
        ),
        def(Method::GET, "/api/docs", Access::Public, get(api_docs)),
    ]
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: &'static str,
    pub database: &'static str,
    pub version: &'static str,
}

/// Liveness and database reachability, for load balancers and monitors.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health), (status = 503, body = crate::platform::error::Problem)))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let database = match state.db.backend() {
        crate::platform::db::Backend::Sqlite => "sqlite",
        crate::platform::db::Backend::Postgres => "postgres",
    };
    match state.db.ping().await {
        Ok(()) => Json(Health {
            status: "ok",
            database,
            version: env!("CARGO_PKG_VERSION"),
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            AppError::new(crate::platform::error::ErrorCode::Unavailable, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

async fn api_docs() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>jianguan 接口文档</title>
<link rel="stylesheet" href="/assets/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/assets/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/assets/api-docs.js"></script></body></html>"#,
    )
}

/// Unknown paths: a problem for the API, a 404 page for browsers.
pub async fn not_found() -> AppError {
    AppError::not_found("page")
}
