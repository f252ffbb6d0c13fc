//! The OpenAPI 3.1 document: the info, tags and security of [`ApiDoc`],
//! and the operations of every route the table declares with `api(...)`
//! (each from its handler's `#[utoipa::path]`): no list of handlers to keep.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::platform::error::{FieldError, Problem};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = doc.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jianguan — Internet + Supervision API",
        description = "JSON API of jianguan. Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`; see docs/api.md. Machine clients get a bearer token from `POST /api/v1/auth/token`."
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in, tokens, the current account"),
        (name = "org", description = "Departments and accounts"),
        (name = "registry", description = "Market entities, licences, imports and reference tables"),
        (name = "audit", description = "The tamper-evident audit chain and its public checkpoints"),
        (name = "catalog", description = "Supervision items and versions, key list, tolerance lists, annual plans"),
        (name = "inspection", description = "Inspection records, each citing catalog items"),
        (name = "enforcement", description = "Leads, cases from filing to closure, the working-day calendar"),
        (name = "draw", description = "Double random tasks: commitment, draw, verification bundle"),
        (name = "public", description = "Open data: no sign-in"),
        (name = "system", description = "Health and operations"),
    )
)]
pub struct ApiDoc;

/// The whole document: [`ApiDoc`] with every API route's operation and the
/// schemas it names.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for r in super::routes::all_routes() {
        if let Some(op) = r.operation {
            doc.paths.merge(op.paths);
            let components = doc.components.get_or_insert_with(Default::default);
            components.schemas.extend(op.schemas);
        }
    }
    doc
}

/// `GET /api/openapi.json`.
pub fn routes() -> Vec<crate::platform::web::RouteDef> {
    use axum::http::Method;
    use axum::routing::get;
    vec![crate::platform::web::routes::def(
        Method::GET,
        "/api/openapi.json",
        crate::platform::auth::Access::Public,
        get(openapi_json),
    )]
}

async fn openapi_json() -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::Json(document()).into_response()
}
