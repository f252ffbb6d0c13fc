//! The route table: every context's `routes()`, in one list, which the
//! router, the authorisation walk and the jurisdiction walk all read.

use axum::Router;
use axum::http::Method;

use crate::platform::auth::Access;
use crate::platform::web::{AppState, RouteDef, assemble};

/// Every route of the application.
pub fn all_routes() -> Vec<RouteDef> {
    let mut v = Vec::new();
    v.extend(crate::platform::web::system::routes());
    v.extend(super::openapi::routes());
    v.extend(crate::platform::auth::routes::routes());
    v.extend(crate::portal::routes::routes());
    v.extend(crate::org::routes::routes());
    v.extend(crate::audit::routes::routes());
    v.extend(crate::calendar::routes::routes());
    v.extend(crate::registry::routes::routes());
    v.extend(crate::catalog::routes::routes());
    v.extend(crate::inspection::routes::routes());
    v.extend(crate::risk::routes::routes());
    v.extend(crate::draws::routes::routes());
    v.extend(crate::enforcement::routes::routes());
    v
}

/// (method, path, access) of every route: what the authorisation test walks.
pub fn route_table() -> Vec<(Method, String, Access)> {
    all_routes()
        .into_iter()
        .map(|r| (r.method, r.path.into_owned(), r.access))
        .collect()
}

/// The complete application router.
pub fn build_router(state: AppState) -> Router {
    assemble(state, all_routes())
}
