//! HTTP routes of the organisation context: departments and accounts, as
//! JSON API and as administration pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianguan_rules::Role;
use jianguan_rules::access::DataScope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::model::{Department, NewDepartment, NewUser, User};
use super::store;
use super::views;
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::{AppError, AppResult};
use crate::platform::web::AppState;
use crate::platform::web::extract::ApiJson;
use crate::platform::web::routes::{RouteDef, api, def};

use crate::platform::auth::access::roles::{ADMINS, ORG_READERS, SYS_ADMIN as SYS};

pub fn routes() -> Vec<RouteDef> {
    vec![
        api(Access::Roles(ORG_READERS), routes!(list_departments)),
        api(Access::Roles(SYS), routes!(create_department)),
        api(Access::Roles(ORG_READERS), routes!(get_department)),
        api(Access::Roles(ADMINS), routes!(list_users)),
        api(Access::Roles(ADMINS), routes!(create_user)),
        api(Access::Roles(ADMINS), routes!(get_user)),
        api(Access::Roles(ADMINS), routes!(set_specialties)),
        api(Access::Roles(ADMINS), routes!(reset_password)),
        def(
            Method::GET,
            "/admin/departments",
            Access::Roles(ORG_READERS),
            get(views::departments_page),
        ),
        def(
            Method::POST,
            "/admin/departments",
            Access::Roles(SYS),
            post(views::departments_submit),
        ),
        def(
            Method::GET,
            "/admin/users",
            Access::Roles(ADMINS),
            get(views::users_page),
        ),
        def(
            Method::POST,
            "/admin/users",
            Access::Roles(ADMINS),
            post(views::users_submit),
        ),
        def(
            Method::POST,
            "/admin/users/{id}/specialties",
            Access::Roles(ADMINS),
            post(views::specialties_submit),
        ),
    ]
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentList {
    pub departments: Vec<Department>,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentOne {
    pub department: Department,
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<User>,
}

#[derive(Serialize, ToSchema)]
pub struct UserOne {
    pub user: User,
}

/// Departments in the caller's region, as a tree in pre-order.
#[utoipa::path(get, path = "/api/v1/departments", tag = "org", security(("bearer" = [])),
    responses((status = 200, body = DepartmentList), (status = 401, body = crate::platform::error::Problem), (status = 403, body = crate::platform::error::Problem)))]
pub async fn list_departments(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<DepartmentList>> {
    Ok(Json(DepartmentList {
        departments: store::list_departments(&state.db, &user.scope()).await?,
    }))
}

/// Create a department (system administrators).
#[utoipa::path(post, path = "/api/v1/departments", tag = "org", security(("bearer" = [])), request_body = NewDepartment,
    responses((status = 201, body = DepartmentOne), (status = 409, description = "department_exists", body = crate::platform::error::Problem),
              (status = 422, description = "validation_failed, invalid_division", body = crate::platform::error::Problem)))]
pub async fn create_department(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewDepartment>,
) -> AppResult<(StatusCode, Json<DepartmentOne>)> {
    let department = store::create_department(&state.db, &user.actor(), state.clock.now(), &new).await?;
    Ok((StatusCode::CREATED, Json(DepartmentOne { department })))
}

/// One department, if it lies in the caller's region.
#[utoipa::path(get, path = "/api/v1/departments/{code}", tag = "org", security(("bearer" = [])),
    params(("code" = String, Path, description = "Department code")),
    responses((status = 200, body = DepartmentOne), (status = 403, description = "out_of_scope", body = crate::platform::error::Problem), (status = 404, body = crate::platform::error::Problem)))]
pub async fn get_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<DepartmentOne>> {
    let department = store::department_by_code(&state.db, &code)
        .await?
        .ok_or_else(|| AppError::not_found("department"))?;
    if !department.division().is_some_and(|d| user.scope().covers(&d)) {
        return Err(AppError::out_of_scope());
    }
    Ok(Json(DepartmentOne { department }))
}

/// Accounts of departments in the caller's region.
#[utoipa::path(get, path = "/api/v1/users", tag = "org", security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 403, body = crate::platform::error::Problem)))]
pub async fn list_users(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<UserList>> {
    Ok(Json(UserList {
        users: store::list_users(&state.db, &user.scope()).await?,
    }))
}

/// Create an account in a department of the caller's region.
#[utoipa::path(post, path = "/api/v1/users", tag = "org", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = UserOne), (status = 403, description = "forbidden, out_of_scope", body = crate::platform::error::Problem),
              (status = 409, description = "username_taken", body = crate::platform::error::Problem),
              (status = 422, description = "validation_failed, weak_password, invalid_uscc", body = crate::platform::error::Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(new): ApiJson<NewUser>,
) -> AppResult<(StatusCode, Json<UserOne>)> {
    let user = store::create_user(&state.db, &current.actor(), manager(&current), state.clock.now(), &new).await?;
    Ok((StatusCode::CREATED, Json(UserOne { user })))
}

/// The account manager a signed-in administrator acts as.
pub fn manager(current: &CurrentUser) -> store::Manager<'_> {
    match (&current.department, current.role()) {
        (_, Role::SysAdmin) => store::Manager::System,
        (Some(d), _) => store::Manager::Department(d),
        // An administrator without a department manages nothing.
        (None, _) => store::Manager::Department(&NO_DEPARTMENT),
    }
}

static NO_DEPARTMENT: Department = Department {
    id: -1,
    code: String::new(),
    name: String::new(),
    kind: super::model::DeptKind::Other,
    division_code: String::new(),
    parent_code: None,
};

/// Load a user the caller may see, or explain why not.
pub(super) async fn managed_user(state: &AppState, current: &CurrentUser, id: i64) -> AppResult<User> {
    let user = store::user_by_id(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    // Accounts belong to their department's work: its administrators and
    // those of same-kind superiors manage them, not another kind's bureau
    // of the same region.
    let visible = match (current.scope(), &user.department_code) {
        (DataScope::All, _) => true,
        (_, Some(code)) => {
            let d = store::department_by_code(&state.db, code).await?;
            current.reads_work(
                d.as_ref()
                    .and_then(crate::platform::auth::jurisdiction::office)
                    .as_ref(),
                &[],
            )
        }
        (_, None) => false,
    };
    if !visible {
        return Err(AppError::out_of_jurisdiction());
    }
    Ok(user)
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "org", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = UserOne), (status = 403, description = "out_of_scope", body = crate::platform::error::Problem), (status = 404, body = crate::platform::error::Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<UserOne>> {
    Ok(Json(UserOne {
        user: managed_user(&state, &current, id).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordReset {
    pub password: String,
}

/// Set a new password for an account (ends its sessions and tokens, clears a lock-out).
#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "org", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PasswordReset,
    responses((status = 204), (status = 403, body = crate::platform::error::Problem), (status = 422, description = "weak_password", body = crate::platform::error::Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> AppResult<StatusCode> {
    let user = managed_user(&state, &current, id).await?;
    manager(&current)
        .may_manage(&state.db, user.role, user.department_code.as_deref())
        .await?;
    store::set_password(&state.db, &current.actor(), state.clock.now(), id, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct Specialties {
    /// Fields of enforcement (执法领域), e.g. ["食品", "特种设备"].
    pub specialties: Vec<String>,
}

/// List an inspector's fields of enforcement in the inspector directory;
/// random-draw tasks that need one draw only among those who have it.
#[utoipa::path(put, path = "/api/v1/users/{id}/specialties", tag = "org", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Specialties,
    responses((status = 200, body = Specialties), (status = 403, body = crate::platform::error::Problem), (status = 422, body = crate::platform::error::Problem)))]
pub async fn set_specialties(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Specialties>,
) -> AppResult<Json<Specialties>> {
    let user = managed_user(&state, &current, id).await?;
    manager(&current)
        .may_manage(&state.db, user.role, user.department_code.as_deref())
        .await?;
    let specialties =
        store::set_specialties(&state.db, &current.actor(), state.clock.now(), &user, &body.specialties).await?;
    Ok(Json(Specialties { specialties }))
}

/// After a successful form post, go back to the list (post/redirect/get).
pub fn back_to(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// Page forms share the API's input types after light conversion.
pub(super) fn form_to_new_user(f: views::UserForm) -> Result<NewUser, AppError> {
    let role = f.role.parse::<Role>().map_err(|e| {
        AppError::field(
            crate::platform::error::ErrorCode::ValidationFailed,
            "role",
            e.to_string(),
        )
    })?;
    let cert_valid_until = match f.cert_valid_until.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => Some(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            AppError::field(
                crate::platform::error::ErrorCode::ValidationFailed,
                "cert_valid_until",
                "日期格式应为 YYYY-MM-DD",
            )
        })?),
        None => None,
    };
    let opt = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    Ok(NewUser {
        username: f.username,
        display_name: opt(f.display_name),
        role,
        department_code: opt(f.department_code),
        uscc: opt(f.uscc),
        cert_no: opt(f.cert_no),
        cert_valid_until,
        password: f.password,
    })
}
