//! Routes and who may call them: [`RouteDef`], and the assembly of a table
//! of them into the router with the shell's layers. Which routes there are
//! is the composition root's business (`crate::app::routes`): this module
//! names no context.

use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;
use std::borrow::Cow;
use utoipa::openapi::path::Paths;
use utoipa::openapi::{RefOr, schema::Schema};
use utoipa_axum::router::UtoipaMethodRouter;

use super::AppState;
use crate::platform::auth::access::{Access, authenticate, require};

/// One route: method and path, who may call it, its handler and, for the
/// API, its OpenAPI operation.
pub struct RouteDef {
    pub method: Method,
    pub path: Cow<'static, str>,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
    /// The operation and the schemas it names, for `/api/` routes.
    pub operation: Option<Operation>,
}

/// An API route's part of the OpenAPI document.
pub struct Operation {
    pub paths: Paths,
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

impl RouteDef {
    /// Wrap the handler (a body limit, say) without touching the rest.
    pub fn map(mut self, f: impl FnOnce(MethodRouter<AppState>) -> MethodRouter<AppState>) -> Self {
        self.handler = f(self.handler);
        self
    }
}

/// A page route (no OpenAPI operation).
pub fn def(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> RouteDef {
    RouteDef {
        method,
        path: Cow::Borrowed(path),
        access,
        handler,
        operation: None,
    }
}

fn method_of(item: &utoipa::openapi::path::PathItem) -> Method {
    [
        (Method::GET, item.get.is_some()),
        (Method::POST, item.post.is_some()),
        (Method::PUT, item.put.is_some()),
        (Method::DELETE, item.delete.is_some()),
        (Method::PATCH, item.patch.is_some()),
    ]
    .into_iter()
    .find(|(_, present)| *present)
    .map_or(Method::GET, |(m, _)| m)
}

/// An API route, declared once at its handler: `api(access,
/// routes!(handler))` takes the method, the path and the OpenAPI
/// operation from the handler's `#[utoipa::path]`, so that the route
/// table, the document and the authorisation walk cannot disagree.
pub fn api(access: Access, (schemas, paths, handler): UtoipaMethodRouter<AppState>) -> RouteDef {
    // `routes!` of one handler yields exactly one path with one method.
    let (path, method) = paths
        .paths
        .iter()
        .next()
        .map(|(p, item)| (p.clone(), method_of(item)))
        .unwrap_or_else(|| ("/api/unannotated".to_string(), Method::GET));
    RouteDef {
        method,
        path: Cow::Owned(path),
        access,
        handler,
        operation: Some(Operation { paths, schemas }),
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
        router = router.route(&r.path, guarded);
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
