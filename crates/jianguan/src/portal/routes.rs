//! Portal pages: `/` for the public and `/home` per role.

use askama::Template;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use jianguan_rules::Role;

use crate::audit::store::{self as audit_store, Checkpoint};
use crate::org::store as org_store;
use crate::platform::auth::access::MaybeUser;
use crate::platform::auth::{Access, CurrentUser};
use crate::platform::error::AppResult;
use crate::platform::web::AppState;
use crate::platform::web::routes::{RouteDef, def};
use crate::platform::web::templates::{Layout, layout, render};

pub fn routes() -> Vec<RouteDef> {
    vec![
        def(Method::GET, "/", Access::Public, get(public_home)),
        def(Method::GET, "/home", Access::Authenticated, get(workbench)),
    ]
}

#[derive(Template)]
#[template(path = "portal/home.html")]
pub struct PublicHome {
    pub layout: Layout,
    pub latest: Option<Checkpoint>,
}

async fn public_home(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> AppResult<Response> {
    Ok(render(&PublicHome {
        layout: layout(user.as_ref(), "信息公开", "/"),
        latest: audit_store::checkpoints(&state.db, 1).await?.into_iter().next(),
    }))
}

/// The inspector's certificate as the workbench shows it.
pub struct CertView {
    pub number: String,
    pub valid_until: String,
    /// "ok", "soon" (within 30 days) or "expired".
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "portal/workbench.html")]
pub struct Workbench {
    pub layout: Layout,
    pub role: &'static str,
    pub role_zh: &'static str,
    pub display_name: String,
    pub dept_name: String,
    pub region: String,
    pub departments: i64,
    pub users: i64,
    pub audit_entries: i64,
    pub latest: Option<Checkpoint>,
    pub cert: Option<CertView>,
    pub uscc: String,
    /// Inspectors: entities drawn for them.
    pub assignments: Vec<crate::draws::store::Assignment>,
    /// Inspectors: their department's orders to rectify awaiting follow-up.
    pub follow_ups: Vec<crate::inspection::links::Rectification>,
    /// Enterprises: visits to confirm / all visits.
    pub visits: (usize, usize),
}

async fn workbench(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let scope = user.scope();
    let (departments, users) = org_store::counts(&state.db, &scope).await?;
    let (audit_entries, _) = audit_store::head(&state.db).await?;
    let today = state.clock.today();
    let cert = user.user.cert_no.as_ref().map(|n| {
        let until = user.user.cert_valid_until;
        let st = match until {
            Some(d) if d < today => "expired",
            Some(d) if (d - today).num_days() <= 30 => "soon",
            Some(_) => "ok",
            None => "expired",
        };
        CertView {
            number: n.clone(),
            valid_until: until.map(|d| d.to_string()).unwrap_or_else(|| "未登记".into()),
            state: st,
        }
    });
    let role = user.role();
    let (mut assignments, mut follow_ups) = (Vec::new(), Vec::new());
    if let (Role::Inspector, Some(d)) = (role, &user.department) {
        assignments = crate::draws::store::assignments(&state.db, &user.user.username, d.id).await?;
        follow_ups = crate::inspection::links::rectifications(&state.db, d.id, today)
            .await?
            .into_iter()
            .filter(|r| r.status == "open" || r.status == "overdue" || r.status == "again")
            .collect();
    }
    let mut visits = (0, 0);
    if let (Role::Enterprise, Some(uscc)) = (role, &user.user.uscc) {
        for i in crate::inspection::store::for_entity(&state.db, uscc).await? {
            visits.1 += 1;
            if crate::inspection::store::feedback(&state.db, i.id).await?.is_none() {
                visits.0 += 1;
            }
        }
    }
    Ok(render(&Workbench {
        layout: layout(Some(&user), "工作台", "/home"),
        role: role.as_str(),
        role_zh: role.label_zh(),
        display_name: user.user.display_name.clone(),
        dept_name: user.department.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
        region: user
            .department
            .as_ref()
            .map(|d| d.division_code.clone())
            .unwrap_or_default(),
        departments,
        users,
        audit_entries: if matches!(role, Role::SysAdmin | Role::Leader) {
            audit_entries
        } else {
            0
        },
        latest: audit_store::checkpoints(&state.db, 1).await?.into_iter().next(),
        cert,
        uscc: user.user.uscc.clone().unwrap_or_default(),
        assignments,
        follow_ups,
        visits,
    }))
}
