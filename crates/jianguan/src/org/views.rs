//! Administration pages for departments and accounts.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use jianguan_rules::{DivisionLevel, Role};
use serde::Deserialize;

use super::model::{Department, DeptKind, NewDepartment, User};
use super::routes::{back_to, form_to_new_user};
use super::store;
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppResult, ErrorCode};
use crate::platform::web::AppState;
use crate::platform::web::extract::PageForm;
use crate::platform::web::templates::{Layout, form_error, layout, render, render_with_status};

/// A department row with its depth in the tree (0 province, 1 city, 2 county).
pub struct DeptRow {
    pub dept: Department,
    pub depth: u8,
}

#[derive(Template)]
#[template(path = "org/departments.html")]
pub struct DepartmentsPage {
    pub layout: Layout,
    pub rows: Vec<DeptRow>,
    pub can_create: bool,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub error: Option<String>,
}

fn depth(d: &Department) -> u8 {
    match d.division().map(|v| v.level()) {
        Some(DivisionLevel::Province) | None => 0,
        Some(DivisionLevel::City) => 1,
        Some(DivisionLevel::County) => 2,
    }
}

async fn departments_view(state: &AppState, user: &CurrentUser, error: Option<String>) -> AppResult<DepartmentsPage> {
    let rows = store::list_departments(&state.db, &user.scope())
        .await?
        .into_iter()
        .map(|dept| DeptRow {
            depth: depth(&dept),
            dept,
        })
        .collect();
    Ok(DepartmentsPage {
        layout: layout(Some(user), "组织机构", "/admin/departments"),
        rows,
        can_create: user.role() == Role::SysAdmin,
        kinds: DeptKind::ALL.iter().map(|k| (k.as_str(), k.label_zh())).collect(),
        error,
    })
}

pub async fn departments_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&departments_view(&state, &user, None).await?))
}

#[derive(Deserialize)]
pub struct DepartmentForm {
    code: String,
    name: String,
    kind: String,
    division_code: String,
    parent_code: Option<String>,
}

pub async fn departments_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<DepartmentForm>,
) -> AppResult<Response> {
    let Some(kind) = DeptKind::parse(&f.kind) else {
        let page = departments_view(&state, &user, Some("请选择部门类别。".into())).await?;
        return Ok(render_with_status(ErrorCode::ValidationFailed.status(), &page));
    };
    let new = NewDepartment {
        code: f.code,
        name: f.name,
        kind,
        division_code: f.division_code,
        parent_code: f.parent_code.filter(|s| !s.trim().is_empty()),
    };
    match store::create_department(&state.db, &user.actor(), state.clock.now(), &new).await {
        Ok(_) => Ok(back_to("/admin/departments")),
        Err(e) => form_error(e, departments_view(&state, &user, None).await?, |p, m| {
            p.error = Some(m)
        }),
    }
}

#[derive(Template)]
#[template(path = "org/users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub users: Vec<User>,
    pub departments: Vec<Department>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub error: Option<String>,
    pub today: chrono::NaiveDate,
    pub now: chrono::DateTime<chrono::Utc>,
    pub specialties: Vec<&'static str>,
}

async fn users_view(state: &AppState, user: &CurrentUser, error: Option<String>) -> AppResult<UsersPage> {
    let scope = user.scope();
    let roles = Role::ALL
        .into_iter()
        .filter(|r| user.role() == Role::SysAdmin || !matches!(r, Role::SysAdmin | Role::Enterprise))
        .map(|r| (r.as_str(), r.label_zh()))
        .collect();
    Ok(UsersPage {
        layout: layout(Some(user), "账号管理", "/admin/users"),
        users: store::list_users(&state.db, &scope).await?,
        departments: store::list_departments(&state.db, &scope).await?,
        roles,
        error,
        today: state.clock.today(),
        now: state.clock.now(),
        specialties: super::model::SPECIALTIES.to_vec(),
    })
}

pub async fn users_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&users_view(&state, &user, None).await?))
}

#[derive(Deserialize)]
pub struct UserForm {
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub department_code: Option<String>,
    pub uscc: Option<String>,
    pub cert_no: Option<String>,
    pub cert_valid_until: Option<String>,
    pub password: String,
}

#[derive(Debug, Deserialize)]
pub struct SpecialtiesForm {
    #[serde(default)]
    pub specialties: String,
}

/// `POST /admin/users/{id}/specialties`: an inspector's fields of
/// enforcement in the inspector directory.
pub async fn specialties_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    PageForm(f): PageForm<SpecialtiesForm>,
) -> AppResult<Response> {
    let list = crate::platform::web::extract::list_field(&f.specialties);
    let result = async {
        let target = super::routes::managed_user(&state, &user, id).await?;
        super::routes::manager(&user)
            .may_manage(&state.db, target.role, target.department_code.as_deref())
            .await?;
        store::set_specialties(&state.db, &user.actor(), state.clock.now(), &target, &list).await
    }
    .await;
    match result {
        Ok(_) => Ok(back_to("/admin/users")),
        Err(e) => form_error(e, users_view(&state, &user, None).await?, |p, m| p.error = Some(m)),
    }
}

pub async fn users_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    PageForm(f): PageForm<UserForm>,
) -> AppResult<Response> {
    let result = match form_to_new_user(f) {
        Ok(new) => {
            store::create_user(
                &state.db,
                &user.actor(),
                super::routes::manager(&user),
                state.clock.now(),
                &new,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(back_to("/admin/users")),
        Err(e) => form_error(e, users_view(&state, &user, None).await?, |p, m| p.error = Some(m)),
    }
}
