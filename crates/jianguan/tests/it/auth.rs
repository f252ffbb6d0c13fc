//! Sign-in, lock-out, sessions, CSRF and bearer tokens.

use crate::both;
use crate::support::{Client, PASSWORD};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Duration;
use serde_json::json;

both!(login_form_sets_a_safe_session_cookie, |app| {
    let r = app
        .post_form(
            "/login",
            &Client::anonymous(),
            &[("username", "inspector"), ("password", PASSWORD), ("next", "/admin/x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/admin/x");
    let cookie = r.header("set-cookie");
    assert!(cookie.starts_with("jg_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let client = Client {
        cookie: Some(cookie.split(';').next().unwrap().to_string()),
        ..Default::default()
    };
    let home = app.get("/home", &client).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("执法证"), "inspector home shows the certificate");
    // An open redirect is refused.
    let r = app
        .post_form(
            "/login",
            &Client::anonymous(),
            &[
                ("username", "inspector"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(r.header("location"), "/home");
});

both!(wrong_password_locks_after_five_failures, |app| {
    let before = app.audit_count().await;
    for i in 1..=4 {
        let r = app
            .post_json(
                "/api/v1/auth/token",
                &Client::anonymous(),
                json!({"username": "reviewer", "password": "nope"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert_eq!(r.code(), "invalid_credentials");
    }
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "reviewer", "password": "nope"}),
        )
        .await;
    // Locked now, and answered as any wrong password is: the answer is no
    // oracle of which accounts exist or are locked (issue 12, finding 13).
    assert_eq!(r.code(), "invalid_credentials");
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Even the right password is refused while locked.
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "reviewer", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.code(), "invalid_credentials");
    // Every failure and the refusal are in the audit chain.
    assert_eq!(app.audit_count().await, before + 6);
    app.clock.advance(Duration::minutes(15));
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "reviewer", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Unknown users get the same answer as wrong passwords.
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "ghost", "password": "x"}),
        )
        .await;
    assert_eq!(r.code(), "invalid_credentials");
});

both!(bearer_tokens_work_expire_and_revoke, |app| {
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "leader", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    let token = body["token"].as_str().unwrap().to_string();
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    let client = Client::bearer(&token);
    let me = app.get("/api/v1/me", &client).await.json();
    assert_eq!(me["user"]["username"], "leader");
    assert_eq!(me["user"]["role"], "leader");
    assert_eq!(me["department"]["code"], "420000-SCJG");
    assert!(me["user"].get("password_hash").is_none());
    // Revoke, then it no longer works.
    assert_eq!(
        app.request(Method::DELETE, "/api/v1/auth/token", &client, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get("/api/v1/me", &client).await.status, StatusCode::UNAUTHORIZED);
    // A new token expires after 24 hours.
    let t = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "leader", "password": PASSWORD}),
        )
        .await
        .json();
    let client = Client::bearer(t["token"].as_str().unwrap());
    assert_eq!(app.get("/api/v1/me", &client).await.status, StatusCode::OK);
    app.clock.advance(Duration::hours(24));
    assert_eq!(app.get("/api/v1/me", &client).await.status, StatusCode::UNAUTHORIZED);
});

both!(cookie_writes_need_the_csrf_token, |app| {
    let mut client = app.as_role(jianguan_rules::Role::SysAdmin).await;
    let csrf = client.csrf.take().unwrap();
    let body = json!({"code": "420106-SCJG", "name": "武昌区市场监督管理局", "kind": "market_regulation", "division_code": "420106"});
    let r = app.post_json("/api/v1/departments", &client, body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "csrf_failed");
    // The form field works too, for plain HTML forms.
    let r = app
        .post_form(
            "/admin/departments",
            &client,
            &[
                ("csrf_token", csrf.as_str()),
                ("code", "420106-SCJG"),
                ("name", "武昌区市场监督管理局"),
                ("kind", "market_regulation"),
                ("division_code", "420106"),
                ("parent_code", "420100-SCJG"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // A wrong token in a form gets a Chinese page, not JSON.
    let r = app
        .post_form(
            "/admin/departments",
            &client,
            &[("csrf_token", "forged"), ("code", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("页面已过期"), "{}", r.text());
    // Cross-site writes are refused whatever they carry.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/token")
        .header("sec-fetch-site", "cross-site")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": "admin", "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
});

both!(logout_ends_the_session, |app| {
    let client = app.as_role(jianguan_rules::Role::Leader).await;
    assert_eq!(app.get("/home", &client).await.status, StatusCode::OK);
    let r = app.request(Method::POST, "/logout", &client, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/home", &client).await.status, StatusCode::UNAUTHORIZED);
});

both!(login_is_rate_limited_per_address, |app| {
    // Successful sign-ins do not count: an office behind one address can all sign in.
    for _ in 0..25 {
        let r = app
            .post_json(
                "/api/v1/auth/token",
                &Client::anonymous(),
                json!({"username": "leader", "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let mut last = StatusCode::OK;
    for _ in 0..21 {
        last = app
            .post_json(
                "/api/v1/auth/token",
                &Client::anonymous(),
                json!({"username": "ghost", "password": "x"}),
            )
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Now even a correct password from that address waits out the minute.
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "leader", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.code(), "rate_limited");
});

both!(simultaneous_wrong_guesses_all_count, |app| {
    let mut handles = Vec::new();
    for _ in 0..8 {
        let db = app.db.clone();
        let now = app.clock.now();
        handles.push(tokio::spawn(async move {
            jianguan::platform::auth::login::sign_in(
                &db,
                now,
                "leader",
                "Wrong#Guess1",
                jianguan::platform::auth::login::Want::Token,
                "local",
            )
            .await
            .err()
            .map(|e| e.code.as_str())
        }));
    }
    for h in handles {
        assert!(h.await.unwrap().is_some());
    }
    // However they interleaved, the account is locked now.
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "leader", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.code(), "invalid_credentials");
    // After the lock runs out, one more mistake does not lock again at once.
    app.clock.advance(Duration::minutes(16));
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "leader", "password": "Wrong#Guess1"}),
        )
        .await;
    assert_eq!(r.code(), "invalid_credentials");
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "leader", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
});

both!(pages_cannot_be_framed, |app| {
    let r = app.get("/login", &Client::anonymous()).await;
    assert_eq!(r.header("x-frame-options"), "DENY");
    assert!(r.header("content-security-policy").contains("frame-ancestors 'none'"));
    // Signing in from a stale login tab while signed in works (no CSRF token there).
    let client = app.as_role(jianguan_rules::Role::Leader).await;
    let mut stale = client.clone();
    stale.csrf = None;
    let r = app
        .post_form("/login", &stale, &[("username", "leader"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
});

/// A sign-in from `addr` (as the server sees the peer).
async fn token_from(
    app: &crate::support::TestApp,
    addr: &str,
    username: &str,
    password: &str,
) -> crate::support::TestResponse {
    let req = axum::http::Request::post("/api/v1/auth/token")
        .header("content-type", "application/json")
        .extension(axum::extract::ConnectInfo(
            addr.parse::<std::net::SocketAddr>().unwrap(),
        ))
        .body(axum::body::Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap();
    app.send(req).await
}

// Issue 12, finding 13: five requests from anywhere locked any account,
// and 423 against 401 told real accounts from made-up ones.
both!(
    a_stranger_cannot_lock_an_account_out_and_refusals_are_audited_with_the_address,
    |app| {
        for _ in 0..6 {
            let r = token_from(&app, "203.0.113.9:5000", "admin", "Wrong#Guess1").await;
            assert_eq!(r.code(), "invalid_credentials");
            let ghost = token_from(&app, "203.0.113.9:5000", "nobody-here", "Wrong#Guess1").await;
            assert_eq!((ghost.status, ghost.code()), (r.status, r.code()), "no oracle");
        }
        // The administrator, at their own address, still signs in.
        let r = token_from(&app, "10.0.0.5:4000", "admin", crate::support::PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // The stranger's address stays locked even with the right password.
        let r = token_from(&app, "203.0.113.9:5000", "admin", crate::support::PASSWORD).await;
        assert_eq!(r.code(), "invalid_credentials");
        let entries = jianguan::audit::store::recent(&app.db, None, 50).await.unwrap();
        let refused: Vec<_> = entries
            .iter()
            .filter(|e| e.action.starts_with("auth.") && e.action != "auth.login")
            .collect();
        assert!(refused.len() >= 12, "{}", refused.len());
        assert!(
            refused.iter().all(|e| e.payload["client"] == "203.0.113.9"),
            "every refusal names the address"
        );
        assert!(refused.iter().any(|e| e.payload["username"] == "nobody-here"));
    }
);
