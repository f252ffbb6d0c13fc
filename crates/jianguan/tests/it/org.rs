//! Departments and accounts through the API: validation with stable codes,
//! duplicates as 409, and an audit entry for every change.

use crate::both;
use crate::support::{Client, PASSWORD};
use axum::http::StatusCode;
use jianguan_rules::Role;
use serde_json::json;

both!(departments_are_created_validated_and_audited, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let before = app.audit_count().await;
    let r = app
        .post_json("/api/v1/departments", &admin,
            json!({"code": "420111-SCJG", "name": "洪山区市场监督管理局", "kind": "market_regulation", "division_code": "420111", "parent_code": "420100-SCJG"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["department"]["parent_code"], "420100-SCJG");
    assert_eq!(app.audit_count().await, before + 1);
    let dup = app
        .post_json(
            "/api/v1/departments",
            &admin,
            json!({"code": "420111-SCJG", "name": "x", "kind": "market_regulation", "division_code": "420111"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.code(), "department_exists");
    assert_eq!(dup.header("content-type"), "application/problem+json");
    let bad = app
        .post_json(
            "/api/v1/departments",
            &admin,
            json!({"code": "Z", "name": "x", "kind": "transport", "division_code": "42A100"}),
        )
        .await;
    assert_eq!(bad.code(), "invalid_division");
    assert_eq!(bad.json()["errors"][0]["field"], "division_code");
    // A parent must contain the child's region.
    let r = app
        .post_json("/api/v1/departments", &admin,
            json!({"code": "Y", "name": "x", "kind": "transport", "division_code": "420502", "parent_code": "420100-SCJG"}))
        .await;
    assert_eq!(r.code(), "validation_failed");
    let unknown_kind = app
        .post_json(
            "/api/v1/departments",
            &admin,
            json!({"code": "Q", "name": "x", "kind": "police", "division_code": "420100"}),
        )
        .await;
    assert_eq!(unknown_kind.code(), "validation_failed");
    let not_json = app
        .send(
            axum::http::Request::post("/api/v1/departments")
                .header("cookie", admin.cookie.clone().unwrap())
                .header("x-csrf-token", admin.csrf.clone().unwrap())
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{oops"))
                .unwrap(),
        )
        .await;
    assert_eq!(not_json.code(), "bad_request");
    assert_eq!(app.audit_count().await, before + 1, "failed requests write nothing");
});

both!(accounts_are_validated_with_stable_codes, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let base =
        json!({"username": "ent2", "role": "enterprise", "uscc": "91420102MA4K2B8Q7G", "password": "Abcdefg#123"});
    let mut bad_uscc = base.clone();
    bad_uscc["uscc"] = json!("91420102MA4K2B8Q7H");
    let r = app.post_json("/api/v1/users", &admin, bad_uscc).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "invalid_uscc");
    assert!(
        r.json()["errors"][0]["message"].as_str().unwrap().contains("expected"),
        "{}",
        r.text()
    );
    let mut weak = base.clone();
    weak["password"] = json!("password");
    assert_eq!(
        app.post_json("/api/v1/users", &admin, weak).await.code(),
        "weak_password"
    );
    let no_cert =
        json!({"username": "insp9", "role": "inspector", "department_code": "420102-SCJG", "password": "Abcdefg#123"});
    assert_eq!(
        app.post_json("/api/v1/users", &admin, no_cert).await.code(),
        "validation_failed"
    );
    let r = app.post_json("/api/v1/users", &admin, base.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["user"]["uscc"], "91420102MA4K2B8Q7G");
    assert_eq!(
        app.post_json("/api/v1/users", &admin, base).await.code(),
        "username_taken"
    );
    // A department admin cannot create a system administrator.
    let city = app.session("cityadmin").await;
    let r = app
        .post_json("/api/v1/users", &city,
            json!({"username": "root2", "role": "sys_admin", "department_code": "420100-SCJG", "password": "Abcdefg#123"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
});

both!(password_reset_ends_sessions_and_unlocks, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let victim = app.as_role(Role::Inspector).await;
    let id = app.users["inspector"];
    let r = app
        .request(
            axum::http::Method::PUT,
            &format!("/api/v1/users/{id}/password"),
            &admin,
            Some(json!({"password": "Nouveau#2027"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(app.get("/home", &victim).await.status, StatusCode::UNAUTHORIZED);
    let old = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "inspector", "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "inspector", "password": "Nouveau#2027"}),
        )
        .await;
    assert_eq!(new.status, StatusCode::OK);
});

both!(user_form_shows_errors_in_chinese_and_keeps_data, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let csrf = admin.csrf.clone().unwrap();
    let r = app
        .post_form(
            "/admin/users",
            &admin,
            &[
                ("csrf_token", csrf.as_str()),
                ("username", "ent3"),
                ("role", "enterprise"),
                ("uscc", "123"),
                ("password", "Abcdefg#123"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("统一社会信用代码无效"), "{html}");
    let r = app
        .post_form(
            "/admin/users",
            &admin,
            &[
                ("csrf_token", csrf.as_str()),
                ("username", "ent3"),
                ("role", "enterprise"),
                ("uscc", "91420102MA49XD3L9U"),
                ("password", "Abcdefg#123"),
                ("display_name", "湖北示范商贸有限公司"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/admin/users", &admin).await.text();
    assert!(page.contains("湖北示范商贸有限公司") && page.contains("91420102MA49XD3L9U"));
});

both!(department_admins_manage_their_own_subtree_only, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let r = app
        .post_json(
            "/api/v1/departments",
            &admin,
            json!({"code": "420100-STHJ", "name": "武汉市生态环境局", "kind": "ecology_environment", "division_code": "420100"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let city = app.session("cityadmin").await;
    // Same region, another department: not theirs to staff.
    let r = app
        .post_json(
            "/api/v1/users",
            &city,
            json!({"username": "eco1", "role": "leader", "department_code": "420100-STHJ", "password": "Abcdefg#123"}),
        )
        .await;
    assert_eq!(r.code(), "out_of_scope");
    // Enterprise accounts belong to no department: system administrators only.
    let r = app
        .post_json(
            "/api/v1/users",
            &city,
            json!({"username": "ent9", "role": "enterprise", "uscc": "91420102MA49XD3L9U", "password": "Abcdefg#123"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Their own subtree: fine, down to the county.
    let r = app
        .post_json(
            "/api/v1/users",
            &city,
            json!({"username": "county2", "role": "leader", "department_code": "420102-SCJG", "password": "Abcdefg#123"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // A county admin cannot reset the city's reviewer, nor the system administrator.
    let county = app.session("countyadmin").await;
    for who in ["reviewer", "admin"] {
        let id = app.users[who];
        let r = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/users/{id}/password"),
                &county,
                Some(json!({"password": "Taken#Over1"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
});
