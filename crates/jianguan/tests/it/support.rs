//! The test harness: a fresh database per test (a temporary SQLite file, or
//! a new schema on the test PostgreSQL), a fixture organisation with one
//! account per role, and a client that drives the router without a socket.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{NaiveDate, TimeZone, Utc};
use http_body_util::BodyExt;
use jianguan::app::build_router;
use jianguan::audit::Actor;
use jianguan::org::model::{DeptKind, NewDepartment, NewUser};
use jianguan::org::store;
use jianguan::platform::auth::session;
use jianguan::platform::clock::Clock;
use jianguan::platform::db::{Db, DbOptions};
use jianguan::platform::web::{AppState, WebSettings};
use jianguan_rules::Role;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const PASSWORD: &str = "Test#Pass2026";

/// A JPEG whose EXIF says 2026:11:24 10:15:30 at N 30.59 E 114.2917.
pub const PHOTO: &[u8] = include_bytes!("../fixtures/photo-exif.jpg");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Run a test body once per backend: `both!(name, |app| { ... });`. When
/// the body ends, the audit chain of its database must verify: every test
/// guards the whole record, not only what it asserts. Tests that tamper
/// with the chain on purpose use [`both_tampering!`].
#[macro_export]
macro_rules! both {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::both_inner!($name, |$app| $body, true);
    };
}

/// [`both!`] for tests that break the audit chain on purpose.
#[macro_export]
macro_rules! both_tampering {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::both_inner!($name, |$app| $body, false);
    };
}

#[macro_export]
macro_rules! both_inner {
    ($name:ident, |$app:ident| $body:block, $verify:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = $crate::support::TestApp::new($crate::support::Backend::Sqlite)
                    .await
                    .unwrap();
                let chain = $app.db.clone();
                $body
                if $verify {
                    $crate::support::assert_chain_intact(&chain).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($app) = $crate::support::TestApp::new($crate::support::Backend::Postgres).await else {
                    return;
                };
                let chain = $app.db.clone();
                $body
                if $verify {
                    $crate::support::assert_chain_intact(&chain).await;
                }
            }
        }
    };
}

/// The audit chain of `db` recomputes from its first entry to its head.
pub async fn assert_chain_intact(db: &Db) {
    match jianguan::audit::store::verify(db, None).await.unwrap() {
        jianguan::audit::store::VerifyOutcome::Intact { .. } => {}
        jianguan::audit::store::VerifyOutcome::Broken(why) => panic!("the audit chain broke: {why}"),
    }
}

pub struct TestApp {
    pub db: Db,
    pub url: String,
    pub clock: Clock,
    pub state: AppState,
    pub router: Router,
    /// username → id of the fixture accounts.
    pub users: HashMap<&'static str, i64>,
    /// Keeps the temporary data folder alive for the test's duration.
    pub _dir: tempfile::TempDir,
}

/// Fixture accounts: (username, role, department)
pub const FIXTURE_USERS: &[(&str, Role, Option<&str>)] = &[
    ("admin", Role::SysAdmin, None),
    ("cityadmin", Role::DeptAdmin, Some("420100-SCJG")),
    ("countyadmin", Role::DeptAdmin, Some("420102-SCJG")),
    ("inspector", Role::Inspector, Some("420102-SCJG")),
    ("reviewer", Role::LegalReviewer, Some("420100-SCJG")),
    ("leader", Role::Leader, Some("420000-SCJG")),
    ("enterprise", Role::Enterprise, None),
    ("yichang", Role::Inspector, Some("420500-SCJG")),
    ("inspector2", Role::Inspector, Some("420102-SCJG")),
];

/// The fixture account used for a role in role-walking tests.
pub fn user_for(role: Role) -> &'static str {
    match role {
        Role::SysAdmin => "admin",
        Role::DeptAdmin => "cityadmin",
        Role::Inspector => "inspector",
        Role::LegalReviewer => "reviewer",
        Role::Leader => "leader",
        Role::Enterprise => "enterprise",
    }
}

fn unique(prefix: &str) -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    format!("{prefix}{}", hex::encode(b))
}

/// A PostgreSQL URL with a fresh schema, or None (skip) when no server is
/// configured; under CI=true a missing server fails the test.
pub async fn postgres_url() -> Option<String> {
    let Ok(base) = std::env::var("JIANGUAN_TEST_POSTGRES_URL") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but JIANGUAN_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI");
        }
        eprintln!("skipping PostgreSQL test: JIANGUAN_TEST_POSTGRES_URL not set");
        return None;
    };
    let schema = unique("t_");
    let admin = Db::connect(&base, &DbOptions { max_connections: 1 }).await.unwrap();
    if let Db::Postgres { pool } = &admin {
        sqlx::query(&format!("create schema {schema}"))
            .execute(pool)
            .await
            .unwrap();
    }
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options[search_path]={schema}"))
}

impl TestApp {
    pub async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("test.db").display()),
            Backend::Postgres => postgres_url().await?,
        };
        let db = Db::connect(&url, &DbOptions { max_connections: 4 }).await.unwrap();
        db.migrate().await.unwrap();
        jianguan::registry::refdata::ensure_loaded(&db).await.unwrap();
        let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap());
        let key = jianguan::platform::keys::load_or_create(dir.path()).unwrap();
        let settings = WebSettings {
            data_dir: dir.path().to_path_buf(),
            evidence: jianguan::platform::blobs::Blobs::local(&dir.path().join("evidence")).unwrap(),
            ..Default::default()
        };
        let state = jianguan::app::state(db.clone(), clock.clone(), key, settings);
        let router = build_router(state.clone());
        let mut app = TestApp {
            db,
            url,
            clock,
            state,
            router,
            users: HashMap::new(),
            _dir: dir,
        };
        app.seed().await;
        Some(app)
    }

    async fn seed(&mut self) {
        let now = self.clock.now();
        for (code, name, division, parent) in [
            ("420000-SCJG", "湖北省市场监督管理局", "420000", None),
            ("420100-SCJG", "武汉市市场监督管理局", "420100", Some("420000-SCJG")),
            (
                "420102-SCJG",
                "武汉市江岸区市场监督管理局",
                "420102",
                Some("420100-SCJG"),
            ),
            ("420500-SCJG", "宜昌市市场监督管理局", "420500", Some("420000-SCJG")),
        ] {
            let d = NewDepartment {
                code: code.into(),
                name: name.into(),
                kind: DeptKind::MarketRegulation,
                division_code: division.into(),
                parent_code: parent.map(Into::into),
            };
            store::create_department(&self.db, &Actor::Cli, now, &d).await.unwrap();
        }
        for (username, role, dept) in FIXTURE_USERS {
            let u = NewUser {
                username: (*username).into(),
                display_name: None,
                role: *role,
                department_code: dept.map(Into::into),
                uscc: (*role == Role::Enterprise).then(|| "91420102MA4K2B8Q7G".into()),
                cert_no: (*role == Role::Inspector).then(|| format!("CERT-{username}")),
                cert_valid_until: (*role == Role::Inspector).then(|| NaiveDate::from_ymd_opt(2028, 12, 31).unwrap()),
                password: PASSWORD.into(),
            };
            let created = store::create_user(&self.db, &Actor::Cli, store::Manager::System, now, &u)
                .await
                .unwrap();
            self.users.insert(username, created.id);
        }
    }

    /// The same application with evidence kept in `blobs` instead.
    pub fn with_evidence(mut self, blobs: jianguan::platform::blobs::Blobs) -> Self {
        let key = jianguan::platform::keys::load_or_create(self._dir.path()).unwrap();
        let settings = WebSettings {
            data_dir: self._dir.path().to_path_buf(),
            evidence: blobs,
            ..Default::default()
        };
        self.state = jianguan::app::state(self.db.clone(), self.clock.clone(), key, settings);
        self.router = build_router(self.state.clone());
        self
    }

    /// The same application with a configured public base URL.
    pub fn with_public_base_url(mut self, url: &str) -> Self {
        let key = jianguan::platform::keys::load_or_create(self._dir.path()).unwrap();
        let settings = WebSettings {
            data_dir: self._dir.path().to_path_buf(),
            evidence: self.state.settings.evidence.clone(),
            public_base_url: Some(url.to_string()),
            ..Default::default()
        };
        self.state = jianguan::app::state(self.db.clone(), self.clock.clone(), key, settings);
        self.router = build_router(self.state.clone());
        self
    }

    /// A browser-like client signed in as `username` (fresh session); a
    /// fixture account or one a test created.
    pub async fn session(&self, username: &str) -> Client {
        let id = match self.users.get(username) {
            Some(id) => *id,
            None => store::user_by_username(&self.db, username).await.unwrap().unwrap().id,
        };
        let mut tx = self.db.begin().await.unwrap();
        let s = session::create_session(&mut tx, id, self.clock.now()).await.unwrap();
        tx.commit().await.unwrap();
        Client {
            cookie: Some(format!("{}={}", session::COOKIE, s.cookie_value)),
            csrf: Some(s.csrf_token),
            bearer: None,
        }
    }

    pub async fn as_role(&self, role: Role) -> Client {
        self.session(user_for(role)).await
    }

    pub async fn request(&self, method: Method, path: &str, client: &Client, body: Option<Value>) -> TestResponse {
        let mut b = Request::builder().method(method.clone()).uri(path);
        if let Some(c) = &client.cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(t) = &client.bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if client.cookie.is_some()
            && method != Method::GET
            && let Some(csrf) = &client.csrf
        {
            b = b.header("x-csrf-token", csrf);
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        use tower::ServiceExt;
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        TestResponse { status, headers, body }
    }

    pub async fn get(&self, path: &str, client: &Client) -> TestResponse {
        self.request(Method::GET, path, client, None).await
    }

    pub async fn post_json(&self, path: &str, client: &Client, body: Value) -> TestResponse {
        self.request(Method::POST, path, client, Some(body)).await
    }

    /// POST an urlencoded form like a browser.
    pub async fn post_form(&self, path: &str, client: &Client, fields: &[(&str, &str)]) -> TestResponse {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        if let Some(c) = &client.cookie {
            b = b.header(header::COOKIE, c);
        }
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// POST a multipart upload with one `file` field, as a signed-in client.
    pub async fn upload_file(&self, path: &str, client: &Client, name: &str, bytes: &[u8]) -> TestResponse {
        self.post_multipart(path, client, &[], &[("file", name, bytes)]).await
    }

    /// POST a multipart form: text fields, then files (field, file name,
    /// bytes); the CSRF token goes in the header.
    pub async fn post_multipart(
        &self,
        path: &str,
        client: &Client,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> TestResponse {
        let boundary = "----jianguan-test-boundary";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        for (field, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut b = Request::builder().method(Method::POST).uri(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(c) = &client.cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(csrf) = &client.csrf {
            b = b.header("x-csrf-token", csrf);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Answers conforming to every point of the current checklists of
    /// `codes`: pass, a value at the limit, a text, and for photo points a
    /// photo (the EXIF fixture) staged by `client`.
    pub async fn answers(&self, client: &Client, codes: &[&str]) -> Value {
        let photo = self.upload_file("/api/v1/evidence", client, "photo.jpg", PHOTO).await;
        assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.text());
        let sha = photo.json()["sha256"].as_str().unwrap().to_string();
        let mut out = Vec::new();
        for code in codes {
            let item = self.get(&format!("/api/v1/catalog/{code}"), client).await;
            if item.status != StatusCode::OK {
                continue; // refusal tests cite unknown items
            }
            let item = item.json();
            for (i, p) in item["item"]["checklist"].as_array().unwrap().iter().enumerate() {
                let mut a = json!({"item_code": code, "point": i + 1});
                let r = &p["result"];
                match r["kind"].as_str().unwrap() {
                    "pass_fail" => a["pass"] = json!(true),
                    "number" => {
                        a["value"] = r["max"]
                            .as_f64()
                            .or(r["min"].as_f64())
                            .map(|v| json!(v))
                            .unwrap_or(json!(0))
                    }
                    "text" => a["text"] = json!("现场检查未见异常"),
                    _ => a["photos"] = json!([sha]),
                }
                out.push(a);
            }
        }
        Value::Array(out)
    }

    /// Execute raw SQL on the test database (for tampering tests).
    pub async fn exec(&self, sql: &str) {
        match &self.db {
            Db::Sqlite { pool, .. } => sqlx::query(sql).execute(pool).await.map(|_| ()),
            Db::Postgres { pool } => sqlx::query(sql).execute(pool).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    pub async fn audit_count(&self) -> i64 {
        jianguan::audit::store::head(&self.db).await.unwrap().0
    }
}

/// Credentials a request carries.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn anonymous() -> Self {
        Client::default()
    }

    pub fn bearer(token: &str) -> Self {
        Client {
            bearer: Some(token.to_string()),
            ..Default::default()
        }
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

pub async fn count_entities(app: &TestApp) -> i64 {
    jianguan::registry::store::count(&app.db).await.unwrap()
}
