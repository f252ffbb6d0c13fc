//! Walk every route of the router with every role (and anonymously) and
//! check the answer against the route's declared access: 401 without
//! sign-in, 403 outside the role, and neither when allowed. Then check data
//! scope on the routes that take an object from another region.

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::{Method, StatusCode};
use jianguan::app::route_table;
use jianguan::platform::auth::Access;
use jianguan_rules::Role;
use serde_json::json;

/// A concrete path for a route template, with objects every fixture role's
/// region covers.
fn concrete(app: &TestApp, path: &str) -> String {
    path.replace("{code}", "420102-SCJG")
        .replace("{id}", &app.users["inspector"].to_string())
        .replace("{*path}", "app.css")
}

async fn call(app: &TestApp, method: &Method, path: &str, client: &Client) -> StatusCode {
    // An empty JSON object: handlers may reject it (400/422), but only
    // after the access check, which is what this test is about.
    let body = (method != Method::GET).then(|| json!({}));
    app.request(method.clone(), path, client, body).await.status
}

both!(every_route_with_every_role, |app| {
    let table = route_table();
    assert!(table.len() >= 25, "route table looks incomplete: {}", table.len());
    let mut checked = 0;
    for (method, owned, access) in table {
        let template = owned.as_str();
        let path = concrete(&app, template);
        let anon = call(&app, &method, &path, &Client::anonymous()).await;
        match access {
            Access::Public => assert!(
                anon != StatusCode::UNAUTHORIZED && anon != StatusCode::FORBIDDEN,
                "{method} {template}: public route answered {anon} to the public"
            ),
            _ => assert_eq!(anon, StatusCode::UNAUTHORIZED, "{method} {template} without sign-in"),
        }
        for role in Role::ALL {
            // A fresh session each time: some routes (logout) end theirs.
            let client = app.as_role(role).await;
            let status = call(&app, &method, &path, &client).await;
            let allowed = match access {
                Access::Public | Access::Authenticated => true,
                Access::Roles(roles) => roles.contains(&role),
            };
            if allowed {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{method} {template} as {role}: allowed but answered {status}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {template} as {role}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 150);
});

both!(scope_limits_objects_to_the_users_region, |app| {
    let county = app.session("countyadmin").await;
    // Up the tree and sideways: out of scope.
    let r = app.get("/api/v1/departments/420100-SCJG", &county).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "out_of_scope");
    let reviewer_id = app.users["reviewer"];
    let r = app.get(&format!("/api/v1/users/{reviewer_id}"), &county).await;
    assert_eq!(r.code(), "out_of_scope");
    // Its own region: fine.
    assert_eq!(
        app.get("/api/v1/departments/420102-SCJG", &county).await.status,
        StatusCode::OK
    );
    // Lists are filtered, not refused.
    let list = app.get("/api/v1/departments", &county).await.json();
    let codes: Vec<&str> = list["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["420102-SCJG"]);
    let city = app.session("cityadmin").await;
    let list = app.get("/api/v1/users", &city).await.json();
    let names: Vec<&str> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"inspector") && names.contains(&"reviewer"), "{names:?}");
    assert!(
        !names.contains(&"yichang") && !names.contains(&"leader") && !names.contains(&"admin"),
        "{names:?}"
    );
    // A city admin cannot put an account in another city.
    let r = app
        .post_json(
            "/api/v1/users",
            &city,
            json!({"username": "newbie", "role": "inspector", "department_code": "420500-SCJG",
                   "cert_no": "X1", "cert_valid_until": "2027-01-01", "password": "Abcdefg#123"}),
        )
        .await;
    assert_eq!(r.code(), "out_of_scope");
});
