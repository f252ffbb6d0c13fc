//! Routes and who may call them: [`RouteDef`], and the assembly of a table
//! of them into the router with the shell's layers. Which routes there are
//! is the composition root's business (`crate::app::routes`): this module
//! names no context.

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

/// The application router from a table of routes (assembled by the
/// composition root, `crate::app`): each route behind its access guard,
/// inside the shell's layers (authentication, error pages, metrics).
pub fn assemble(state: AppState, routes: Vec<RouteDef>) -> Router {
    let mut router: Router<AppState> = Router::new();
    for r in routes {
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
