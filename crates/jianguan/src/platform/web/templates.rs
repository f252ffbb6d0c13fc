//! Page templates shared by every context: the layout (navigation by role),
//! login and error pages, and the render helper that turns a template error
//! into a logged 500 instead of a broken page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jianguan_rules::Role;

use crate::platform::auth::CurrentUser;
use crate::platform::error::AppError;

/// A link in the navigation bar.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// What `base.html` needs to draw the frame of any page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub role_label: String,
    pub dept_name: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

/// Navigation for a role; the public sees the portal only.
fn nav_for(role: Option<Role>) -> Vec<(&'static str, &'static str)> {
    let mut v = Vec::new();
    match role {
        None => {
            v.push(("/", "信息公开"));
            v.push(("/portal/catalog", "监管事项清单"));
            v.push(("/portal/plans", "年度计划"));
            v.push(("/portal/draws", "双随机抽查"));
            v.push(("/portal/lists", "重点与包容审慎"));
            v.push(("/portal/audit", "审计链公示"));
        }
        Some(r) => {
            v.push(("/home", "工作台"));
            if r == Role::Enterprise {
                v.push(("/enterprise/inspections", "检查记录确认"));
            }
            if r != Role::Enterprise {
                v.push(("/registry/entities", "市场主体"));
                v.push(("/catalog", "监管事项"));
                v.push(("/inspections", "检查记录"));
                v.push(("/enforcement", "执法办案"));
                v.push(("/key-list", "重点监管"));
                v.push(("/draws", "双随机"));
                v.push(("/plans", "年度计划"));
            }
            if matches!(r, Role::SysAdmin | Role::DeptAdmin | Role::Leader) {
                v.push(("/admin/departments", "组织机构"));
            }
            if matches!(r, Role::SysAdmin | Role::DeptAdmin) {
                v.push(("/admin/users", "账号管理"));
            }
            if r == Role::SysAdmin {
                v.push(("/admin/audit", "审计日志"));
            }
            v.push(("/", "信息公开"));
        }
    }
    v
}

pub fn layout(user: Option<&CurrentUser>, title: &str, active: &str) -> Layout {
    let nav = nav_for(user.map(CurrentUser::role))
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            active: href == active,
        })
        .collect();
    Layout {
        title: title.to_string(),
        user_name: user.map(|u| u.user.display_name.clone()),
        role_label: user.map(|u| u.role().label_zh().to_string()).unwrap_or_default(),
        dept_name: user
            .and_then(|u| u.department.as_ref().map(|d| d.name.clone()))
            .unwrap_or_default(),
        csrf: user.map(|u| u.csrf().to_string()).unwrap_or_default(),
        nav,
    }
}

/// Render a page, or log and answer 500.
pub fn render<T: Template>(t: &T) -> Response {
    render_with_status(StatusCode::OK, t)
}

pub fn render_with_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::internal(format!("template: {e}")).into_response(),
    }
}

/// Re-render a form page with the error in Chinese (naming the fields at
/// fault), in the error's status; internal errors stay internal.
pub fn form_error<P: Template>(
    e: AppError,
    mut page: P,
    set: impl FnOnce(&mut P, String),
) -> Result<Response, AppError> {
    if e.code == crate::platform::error::ErrorCode::Internal {
        return Err(e);
    }
    set(&mut page, e.form_message_zh());
    Ok(render_with_status(e.code.status(), &page))
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub next: String,
    pub username: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub message: String,
    pub code: String,
}
