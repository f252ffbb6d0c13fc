//! The OpenAPI 3.1 document, generated from the handlers' annotations, and
//! the route that serves it. A test checks that every `/api/v1` route in the
//! route table appears here.

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
    paths(
        crate::platform::web::system::healthz,
        crate::platform::auth::routes::issue_token,
        crate::platform::auth::routes::revoke_token,
        crate::platform::auth::routes::me,
        crate::org::routes::list_departments,
        crate::org::routes::create_department,
        crate::org::routes::get_department,
        crate::org::routes::list_users,
        crate::org::routes::create_user,
        crate::org::routes::get_user,
        crate::org::routes::reset_password,
        crate::audit::routes::public_checkpoints,
        crate::audit::routes::public_key,
        crate::audit::routes::public_entry,
        crate::audit::routes::entries,
        crate::audit::routes::verify,
        crate::audit::routes::checkpoint_now,
        crate::registry::routes::list,
        crate::registry::routes::create,
        crate::registry::routes::export,
        crate::registry::routes::one,
        crate::registry::routes::update,
        crate::registry::routes::entity_chain,
        crate::registry::routes::entity_versions,
        crate::registry::routes::add_licence,
        crate::registry::routes::upload,
        crate::registry::routes::import_status,
        crate::registry::routes::import_errors,
        crate::registry::routes::divisions,
        crate::registry::routes::industries,
        crate::catalog::routes::list,
        crate::catalog::routes::create,
        crate::catalog::routes::export,
        crate::catalog::routes::import,
        crate::catalog::routes::one,
        crate::catalog::routes::update,
        crate::catalog::routes::publish,
        crate::catalog::routes::retire,
        crate::catalog::routes::item_versions,
        crate::catalog::routes::key_coverage,
        crate::catalog::routes::key_add_item,
        crate::catalog::routes::key_add_entity,
        crate::catalog::routes::tolerance_add,
        crate::catalog::routes::plan_list,
        crate::catalog::routes::plan_create,
        crate::catalog::routes::plan_one,
        crate::catalog::routes::plan_approve,
        crate::catalog::routes::plan_publish,
        crate::catalog::routes::public_catalog,
        crate::catalog::routes::public_item,
        crate::catalog::routes::public_key_items,
        crate::catalog::routes::public_tolerance,
        crate::catalog::routes::public_plans,
        crate::catalog::routes::public_plan,
        crate::org::routes::set_specialties,
        crate::risk::list_api,
        crate::risk::grade_api,
        crate::calendar::list_api,
        crate::calendar::put_api,
        crate::enforcement::routes::list_leads,
        crate::enforcement::routes::create_lead,
        crate::enforcement::routes::get_lead,
        crate::enforcement::routes::extend_lead,
        crate::enforcement::routes::file_case,
        crate::enforcement::routes::decline_lead,
        crate::enforcement::routes::list_cases,
        crate::enforcement::routes::get_case,
        crate::enforcement::routes::extend_case,
        crate::enforcement::routes::close_case,
        crate::enforcement::routes::pause_lead,
        crate::enforcement::routes::resume_lead,
        crate::enforcement::routes::pause_case,
        crate::enforcement::routes::resume_case,
        crate::inspection::routes::create,
        crate::inspection::routes::list,
        crate::inspection::evidence::upload,
        crate::inspection::evidence::upload_staged,
        crate::inspection::detail::get_api,
        crate::inspection::detail::rectifications_api,
        crate::inspection::detail::alerts_api,
        crate::inspection::detail::set_rule_api,
        crate::inspection::evidence::read,
        crate::inspection::routes::checkin_api,
        crate::inspection::receipt::confirm_api,
        crate::inspection::cosign::cosign_api,
        crate::inspection::receipt::feedback_api,
        crate::draws::routes::list,
        crate::draws::routes::schedule,
        crate::draws::routes::one,
        crate::draws::routes::run,
        crate::draws::routes::public_list,
        crate::draws::routes::public_bundle,
        crate::draws::routes::bundle,
        crate::draws::routes::accept,
        crate::draws::routes::decline,
        crate::draws::routes::recuse,
        crate::draws::routes::declare,
        crate::draws::routes::public_results,
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
    axum::Json(ApiDoc::openapi()).into_response()
}
