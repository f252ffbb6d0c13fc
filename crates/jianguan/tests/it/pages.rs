//! The web shell as a browser and a monitor see it.

use crate::both;
use crate::support::Client;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jianguan_rules::Role;

both!(public_pages_need_no_login, |app| {
    let anon = Client::anonymous();
    let home = app.get("/", &anon).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("信息公开") && home.text().contains("登录"));
    assert!(
        home.text().contains("name=\"viewport\""),
        "pages are made for phones too"
    );
    let login = app.get("/login", &anon).await;
    assert!(login.text().contains("name=\"password\""));
    let audit = app.get("/portal/audit", &anon).await;
    assert!(
        audit
            .text()
            .contains(&hex::encode(app.state.key.verifying_key().as_bytes()))
    );
});

both!(pages_answer_in_chinese_when_something_is_wrong, |app| {
    let req = |path: &str| {
        Request::get(path)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap()
    };
    let r = app.send(req("/no/such/page")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(r.text().contains("不存在"));
    // A protected page shows the login form, remembering where to go.
    let r = app.send(req("/admin/users")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text().contains("name=\"next\" value=\"/admin/users\""),
        "{}",
        r.text()
    );
    // The wrong role gets a 403 page with its navigation intact.
    let inspector = app.as_role(Role::Inspector).await;
    let r = app.get("/admin/users", &inspector).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("无权") && r.text().contains("工作台"));
    // htmx requests are told where to sign in.
    let r = app
        .send(
            Request::get("/home")
                .header("hx-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.header("hx-redirect").starts_with("/login?next="));
    // The API keeps problem+json.
    let r = app.get("/api/v1/nothing", &Client::anonymous()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "not_found");
});

both!(each_role_has_its_home, |app| {
    let expect = [
        (Role::SysAdmin, "审计日志与完整性校验"),
        (Role::DeptAdmin, "账号管理"),
        (Role::Inspector, "我的检查任务"),
        (Role::LegalReviewer, "待法制审核"),
        (Role::Leader, "管辖范围内的部门"),
        (Role::Enterprise, "91420102MA4K2B8Q7G"),
    ];
    for (role, text) in expect {
        let c = app.as_role(role).await;
        let r = app.get("/home", &c).await;
        assert_eq!(r.status, StatusCode::OK, "{role}");
        assert!(r.text().contains(text), "{role} home lacks {text}");
    }
    let leader = app.as_role(Role::Leader).await;
    assert!(
        !app.get("/home", &leader).await.text().contains("href=\"/admin/users\""),
        "leaders only read"
    );
});

both!(health_metrics_assets_and_docs, |app| {
    let anon = Client::anonymous();
    let h = app.get("/healthz", &anon).await.json();
    assert_eq!(h["status"], "ok");
    let css = app.get("/assets/app.css", &anon).await;
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    let htmx = app.get("/assets/vendor/htmx/htmx.min.js", &anon).await;
    assert!(htmx.body.len() > 30_000);
    let docs = app.get("/api/docs", &anon).await.text();
    assert!(docs.contains("/assets/vendor/swagger-ui/swagger-ui-bundle.js") && !docs.contains("https://"));
    let _ = app.get("/", &anon).await;
    // Metrics are for the operator (issue 12, finding 15).
    assert_eq!(app.get("/metrics", &anon).await.status, StatusCode::UNAUTHORIZED);
    let admin = app.as_role(jianguan_rules::Role::SysAdmin).await;
    let m = app.get("/metrics", &admin).await.text();
    assert!(
        m.contains("jianguan_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"}"),
        "{m}"
    );
    assert!(m.contains("jianguan_http_request_duration_seconds_bucket"));
});
