//! The one table of routes and who may call them.
//!
//! Every context contributes a `routes()` list of [`RouteDef`]s; this module
//! concatenates them, attaches each route's [`Access`] guard, and exposes the
//! same table to tests, which walk every route with every role.

use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;

use super::AppState;
use crate::platform::auth::access::{Access, authenticate, require};

/// One route: method and path, who may call it, and its handler.
pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
}

/// Shorthand for building a [`RouteDef`].
pub fn def(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> RouteDef {
    RouteDef {
        method,
        path,
        access,
        handler,
    }
}

fn all_routes() -> Vec<RouteDef> {
    let mut v = Vec::new();
    v.extend(super::system::routes());
    v.extend(crate::platform::auth::routes::routes());
    v.extend(crate::portal::routes::routes());
    v.extend(crate::org::routes::routes());
    v.extend(crate::audit::routes::routes());
    v.extend(crate::registry::routes::routes());
    v.extend(crate::catalog::routes::routes());
    v.extend(crate::inspection::routes::routes());
    v.extend(crate::risk::routes());
    v.extend(crate::draws::routes::routes());
    v.extend(crate::enforcement::routes::routes());
    v
}

/// (method, path, access) of every route: what the authorisation test walks.
pub fn route_table() -> Vec<(Method, &'static str, Access)> {
    all_routes().into_iter().map(|r| (r.method, r.path, r.access)).collect()
}

/// The complete application router.
pub fn build_router(state: AppState) -> Router {
    let mut router: Router<AppState> = Router::new();
    for r in all_routes() {
        let guarded = r
            .handler
            .route_layer(axum::middleware::from_fn_with_state(r.access, require));
        router = router.route(r.path, guarded);
    }
    router
        .fallback(super::system::not_found)
        // A handler that panics answers 500 problem+json (and is logged)
        // instead of dropping the connection; inside the other layers so
        // that the error page and the metrics still see the answer.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(axum::middleware::from_fn(super::middleware::html_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::middleware::observe,
        ))
        .with_state(state)
}

/// The answer to a request whose handler panicked: a bug, logged with its
/// message, answered as an opaque internal error.
fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    tracing::error!(panic = %message, "handler panicked");
    axum::response::IntoResponse::into_response(crate::platform::error::AppError::new(
        crate::platform::error::ErrorCode::Internal,
        "internal error",
    ))
}
