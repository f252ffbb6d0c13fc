//! The registry: entities through the API, import (bad rows, reruns, a
//! kill halfway), search with filters, export round trip, web upload.

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::{Method, StatusCode};
use jianguan::registry::export;
use jianguan::registry::generate::Generator;
use jianguan::registry::model::EntityInput;
use jianguan_rules::Role;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn entity_json(uscc: &str, name: &str, division: &str) -> Value {
    json!({"uscc": uscc, "name": name, "entity_type": "company", "legal_rep": "刘洋", "status": "active",
           "address": "湖北省武汉市江岸区沿江大道188号", "division_code": division, "industry_code": "6210",
           "registered_capital_fen": 50_000_000, "established_on": "2019-05-20"})
}

both!(entities_through_the_api, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let r = app
        .post_json(
            "/api/v1/entities",
            &admin,
            entity_json("91420102MA4K2B8Q7G", "武汉江岸示范餐饮有限公司", "420102"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let dup = app
        .post_json(
            "/api/v1/entities",
            &admin,
            entity_json("91420102MA4K2B8Q7G", "重复", "420102"),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.code(), "entity_exists");
    let bad = app
        .post_json(
            "/api/v1/entities",
            &admin,
            entity_json("91420102MA4K2B8Q7H", "坏代码", "420102"),
        )
        .await;
    assert_eq!(bad.code(), "invalid_uscc");
    assert_eq!(
        app.get("/api/v1/entities/91420102MA4K2B8Q7", &admin).await.code(),
        "invalid_uscc"
    );
    let got = app.get("/api/v1/entities/91420102ma4k2b8q7g", &admin).await.json();
    assert_eq!(got["entity"]["name"], "武汉江岸示范餐饮有限公司");
    assert_eq!(got["entity"]["version"], 1);
    // A change keeps the old version and the old name.
    let before = app.audit_count().await;
    let r = app
        .request(
            Method::PUT,
            "/api/v1/entities/91420102MA4K2B8Q7G",
            &admin,
            Some(entity_json(
                "91420102MA4K2B8Q7G",
                "武汉江岸示范餐饮管理有限公司",
                "420102",
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["entity"]["version"], 2);
    assert_eq!(r.json()["entity"]["former_names"][0], "武汉江岸示范餐饮有限公司");
    assert_eq!(app.audit_count().await, before + 1);
    // The same content again changes nothing.
    app.request(
        Method::PUT,
        "/api/v1/entities/91420102MA4K2B8Q7G",
        &admin,
        Some(entity_json(
            "91420102MA4K2B8Q7G",
            "武汉江岸示范餐饮管理有限公司",
            "420102",
        )),
    )
    .await;
    assert_eq!(app.audit_count().await, before + 1);
    let versions = app
        .get("/api/v1/entities/91420102MA4K2B8Q7G/versions", &admin)
        .await
        .json();
    assert_eq!(versions["versions"][0]["snapshot"]["name"], "武汉江岸示范餐饮有限公司");
    let chain = app
        .get("/api/v1/entities/91420102MA4K2B8Q7G/chain", &admin)
        .await
        .json();
    let kinds: Vec<&str> = chain["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"registration") && kinds.contains(&"change"),
        "{kinds:?}"
    );
    // Regions: Yichang's inspector cannot see a Wuhan entity; the owner can see its own.
    let yichang = app.session("yichang").await;
    assert_eq!(
        app.get("/api/v1/entities/91420102MA4K2B8Q7G", &yichang).await.code(),
        "out_of_scope"
    );
    let owner = app.as_role(Role::Enterprise).await;
    assert_eq!(
        app.get("/api/v1/entities/91420102MA4K2B8Q7G", &owner).await.status,
        StatusCode::OK
    );
    let page = app.get("/registry/entities/91420102MA4K2B8Q7G", &owner).await;
    assert!(page.text().contains("监管信息链") && page.text().contains("设立登记"));
});

/// Write `rows` of generated entities plus some bad rows to a CSV.
fn sample_csv(path: &Path, rows: &[EntityInput], gb18030: bool) {
    let mut text = String::from(
        "统一社会信用代码,企业名称,主体类型,法定代表人,注册资本（万元）,成立日期,登记状态,住所,行政区划代码,行业代码\n",
    );
    for (i, e) in rows.iter().enumerate() {
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            e.uscc,
            e.name,
            e.entity_type.label_zh(),
            e.legal_rep,
            e.registered_capital_fen
                .map(|f| (f / 1_000_000).to_string())
                .unwrap_or_default(),
            e.established_on
                .map(|d| d.format("%Y/%m/%d").to_string())
                .unwrap_or_default(),
            e.status.label_zh(),
            e.address,
            e.division,
            e.industry.as_ref().map(|c| c.to_string()).unwrap_or_default()
        ));
        if i == 2 {
            text.push_str("91420102MA4K2B8Q7H,坏代码商行,个体工商户,张三,,2020-01-01,存续,武汉市,420102,5211\n");
            text.push_str(&format!(
                "{},重复的一行,公司,李四,10,2020-01-01,存续,武汉市,420102,5211\n",
                rows[0].uscc
            ));
        }
        if i == 5 {
            text.push_str(",没有代码的一行,公司,王五,10,2020-13-01,存续,武汉市,420102,5211\n");
        }
    }
    if gb18030 {
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        std::fs::write(path, bytes).unwrap();
    } else {
        std::fs::write(path, text).unwrap();
    }
}

fn jianguan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args(args)
        .env("JIANGUAN_LOG", "error")
        .output()
        .unwrap()
}

/// Every entity as a comparable text (without times, which differ by run).
async fn dump(app: &TestApp) -> Vec<String> {
    let all = export::collect(&app.db, &Default::default(), &jianguan_rules::access::DataScope::All)
        .await
        .unwrap();
    all.iter().map(|e| export::row(e).join("|")).collect()
}

both!(import_reports_bad_rows_and_reruns_change_nothing, |app| {
    let g = Generator::new(7);
    let rows: Vec<EntityInput> = (0..60).filter_map(|i| g.entity(i)).collect();
    let file = app._dir.path().join("entities.csv");
    sample_csv(&file, &rows, true);
    let out = jianguan(&[
        "import",
        "entities",
        file.to_str().unwrap(),
        "--batch-size",
        "7",
        "--database",
        &app.url,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("GB18030") && stdout.contains("60 inserted") && stdout.contains("3 rejected"),
        "{stdout}"
    );
    let errors = std::fs::read_to_string(format!("{}.errors.csv", file.display())).unwrap();
    assert!(errors.contains("check character (position 18) expected"), "{errors}");
    assert!(errors.contains("already on line 2"), "{errors}");
    assert!(errors.contains("成立日期") && errors.contains("2020-13-01"), "{errors}");
    assert_eq!(errors.lines().count(), 1 + 4, "header + 4 problems on 3 rows: {errors}");
    let first = dump(&app).await;
    assert_eq!(first.len(), 60);
    let audit = app.audit_count().await;
    let out = jianguan(&[
        "import",
        "entities",
        file.to_str().unwrap(),
        "--batch-size",
        "7",
        "--database",
        &app.url,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 inserted, 0 updated, 60 unchanged"), "{stdout}");
    assert_eq!(dump(&app).await, first);
    assert_eq!(app.audit_count().await, audit, "a rerun writes nothing");
});

both!(an_import_killed_halfway_finishes_on_rerun, |app| {
    let g = Generator::new(11);
    let rows: Vec<EntityInput> = (0..30_000).filter_map(|i| g.entity(i)).collect();
    let file = app._dir.path().join("big.csv");
    sample_csv(&file, &rows, false);
    // The reference: one clean run into a second database.
    let clean = TestApp::new(if app.url.starts_with("sqlite") {
        crate::support::Backend::Sqlite
    } else {
        crate::support::Backend::Postgres
    })
    .await
    .unwrap();
    let out = jianguan(&["import", "entities", file.to_str().unwrap(), "--database", &clean.url]);
    assert_eq!(out.status.code(), Some(3));
    let expected = dump(&clean).await;
    assert_eq!(expected.len(), 30_000);
    // Now the same file, killed once some batches are in.
    let mut child = Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args([
            "import",
            "entities",
            file.to_str().unwrap(),
            "--batch-size",
            "500",
            "--database",
            &app.url,
        ])
        .env("JIANGUAN_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut killed_at = None;
    for _ in 0..20_000 {
        let done: Option<i64> = match &app.db {
            jianguan::platform::db::Db::Sqlite { pool, .. } => sqlx::query_scalar("select rows_done from import_jobs")
                .fetch_optional(pool)
                .await
                .unwrap_or(None),
            jianguan::platform::db::Db::Postgres { pool } => sqlx::query_scalar("select rows_done from import_jobs")
                .fetch_optional(pool)
                .await
                .unwrap_or(None),
        };
        if done.is_some_and(|d| d >= 2_000) {
            child.kill().unwrap(); // SIGKILL
            killed_at = done;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let _ = child.wait();
    let killed_at = killed_at.expect("the import was not caught halfway");
    let partial = crate::support::count_entities(&app).await;
    assert!(
        partial < 30_000,
        "killed after {killed_at} rows but {partial} entities exist"
    );
    assert_eq!(partial % 500, 0, "only whole batches: {partial}");
    let out = jianguan(&[
        "import",
        "entities",
        file.to_str().unwrap(),
        "--batch-size",
        "500",
        "--database",
        &app.url,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("resumed after row"), "{stdout}");
    assert_eq!(dump(&app).await, expected);
    assert!(matches!(
        jianguan::audit::store::verify(&app.db, None).await.unwrap(),
        jianguan::audit::store::VerifyOutcome::Intact { .. }
    ));
});

both!(search_by_name_fragment_and_filter_by_city, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    for (code, name, division) in [
        ("91420102MA4K2B8Q7G", "武汉江岸示范餐饮有限公司", "420102"),
        ("91420102MA49XD3L9U", "湖北示范商贸有限公司", "420102"),
    ] {
        let r = app
            .post_json("/api/v1/entities", &admin, entity_json(code, name, division))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let g = Generator::new(3);
    let rows: Vec<EntityInput> = (0..300).filter_map(|i| g.entity(i)).collect();
    let mut tx = app.db.begin().await.unwrap();
    jianguan::registry::store::upsert_batch(
        &mut tx,
        &jianguan::audit::Actor::Cli,
        app.clock.now(),
        &rows,
        ("test", "x"),
        json!({}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = app.get("/api/v1/entities?q=%E7%A4%BA%E8%8C%83", &admin).await.json(); // q=示范
    let names: Vec<&str> = r["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"武汉江岸示范餐饮有限公司") && names.contains(&"湖北示范商贸有限公司"),
        "{names:?}"
    );
    let wuhan = app.get("/api/v1/entities?division=420100", &admin).await.json()["total"]
        .as_i64()
        .unwrap();
    let all = app.get("/api/v1/entities", &admin).await.json()["total"]
        .as_i64()
        .unwrap();
    assert!(wuhan >= 2 && wuhan < all, "{wuhan} of {all}");
    let yichang = app
        .get("/api/v1/entities?q=%E7%A4%BA%E8%8C%83&division=420500", &admin)
        .await
        .json();
    assert!(
        yichang["entities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["division_code"].as_str().unwrap().starts_with("4205"))
    );
    // A county user sees its county only, whatever it asks.
    let county = app.session("countyadmin").await;
    let r = app.get("/api/v1/entities?per_page=200", &county).await.json();
    assert!(
        r["entities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["division_code"] == "420102")
    );
    // The page shows the same.
    let page = app.get("/registry/entities?q=%E7%A4%BA%E8%8C%83", &admin).await.text();
    assert!(page.contains("湖北示范商贸有限公司"));
});

both!(export_and_reimport_round_trip, |app| {
    let g = Generator::new(5);
    let rows: Vec<EntityInput> = (0..120).filter_map(|i| g.entity(i)).collect();
    let mut tx = app.db.begin().await.unwrap();
    jianguan::registry::store::upsert_batch(
        &mut tx,
        &jianguan::audit::Actor::Cli,
        app.clock.now(),
        &rows,
        ("test", "x"),
        json!({}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let before = dump(&app).await;
    for ext in ["csv", "xlsx"] {
        let file = app._dir.path().join(format!("out.{ext}"));
        let out = jianguan(&["export", "entities", file.to_str().unwrap(), "--database", &app.url]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let out = jianguan(&["import", "entities", file.to_str().unwrap(), "--database", &app.url]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("0 inserted, 0 updated, 120 unchanged"),
            "{ext}: {stdout}"
        );
    }
    assert_eq!(dump(&app).await, before);
    // Through the API too.
    let admin = app.as_role(Role::SysAdmin).await;
    let r = app
        .get("/api/v1/entities/export?format=csv&division=420100", &admin)
        .await;
    assert_eq!(r.header("content-type"), "text/csv; charset=utf-8");
    assert!(r.body.starts_with(b"\xEF\xBB\xBF"));
    let r = app.get("/api/v1/entities/export?format=xlsx", &admin).await;
    assert!(r.body.starts_with(b"PK"));
});

both!(upload_through_the_page_shows_progress, |app| {
    let g = Generator::new(9);
    let rows: Vec<EntityInput> = (0..40).filter_map(|i| g.entity(i)).collect();
    let file = app._dir.path().join("up.csv");
    sample_csv(&file, &rows, true);
    let bytes = std::fs::read(&file).unwrap();
    let admin = app.as_role(Role::SysAdmin).await;
    let boundary = "XjgBoundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"主体.csv\"\r\nContent-Type: text/csv\r\n\r\n").into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::post(format!("/registry/import?csrf_token={}", admin.csrf.clone().unwrap()))
        .header("cookie", admin.cookie.clone().unwrap())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from(body.clone()))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let job_url = r.header("location");
    let id = job_url.rsplit('/').next().unwrap().to_string();
    let mut status = String::new();
    for _ in 0..200 {
        let j = app.get(&format!("/api/v1/imports/{id}"), &admin).await.json();
        status = j["status"].as_str().unwrap_or("").to_string();
        if status != "running" {
            assert_eq!(j["inserted"], 40);
            assert_eq!(j["bad_rows"], 3);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "done");
    let page = app.get(&job_url, &admin).await.text();
    assert!(page.contains("已完成") && page.contains("下载错误清单"), "{page}");
    let errors = app.get(&format!("/api/v1/imports/{id}/errors.csv"), &admin).await;
    assert!(errors.text().contains("行号"));
    // Without the token in the URL, an upload is refused.
    let req = axum::http::Request::post("/registry/import")
        .header("cookie", admin.cookie.clone().unwrap())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    // Files that are not spreadsheets are refused with a clear code.
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n%PDF")
            .into_bytes();
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::post("/api/v1/imports/entities")
        .header("authorization", format!("Bearer {}", token(&app).await))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.code(), "unsupported_file");
});

async fn token(app: &TestApp) -> String {
    let r = app
        .post_json(
            "/api/v1/auth/token",
            &Client::anonymous(),
            json!({"username": "admin", "password": crate::support::PASSWORD}),
        )
        .await;
    r.json()["token"].as_str().unwrap().to_string()
}

both!(full_text_search_finds_fragments_names_and_people, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let r = app
        .post_json(
            "/api/v1/entities",
            &admin,
            entity_json("91420102MA4K2B8Q7G", "武汉江岸示范餐饮有限公司", "420102"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (app, admin) = (&app, &admin);
    let search = |q: &str| {
        let q = serde_urlencoded::to_string([("q", q)]).unwrap();
        async move { app.get(&format!("/api/v1/entities?{q}"), admin).await.json() }
    };
    // A fragment that crosses word boundaries, a person, an address word, a code.
    for q in ["岸示范餐", "示范餐饮", "刘洋", "沿江大道", "91420102MA4K2B8Q7G"] {
        let r = search(q).await;
        assert_eq!(r["entities"][0]["uscc"], "91420102MA4K2B8Q7G", "{q}: {r}");
    }
    assert_eq!(search("不存在的名字").await["total"], 0);
    // A change is found at once (the index follows the audit chain).
    let r = app
        .request(
            Method::PUT,
            "/api/v1/entities/91420102MA4K2B8Q7G",
            admin,
            Some(entity_json(
                "91420102MA4K2B8Q7G",
                "武汉长江明珠酒店管理有限公司",
                "420102",
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(search("长江明珠").await["total"], 1);
    // The former name still finds it.
    assert_eq!(
        search("示范餐饮").await["entities"][0]["name"],
        "武汉长江明珠酒店管理有限公司"
    );
    // `jianguan search reindex` rebuilds the same index from the database.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args([
            "search",
            "reindex",
            "--database",
            &app.url,
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .env("JIANGUAN_LOG", "error")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("indexed 1 entities"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
});

both!(entity_forms_and_licences, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let csrf = admin.csrf.clone().unwrap();
    let form = |name: &'static str, uscc: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("uscc", uscc.into()),
            ("name", name.into()),
            ("entity_type", "company".into()),
            ("legal_rep", "刘洋".into()),
            ("capital_wan", "50".into()),
            ("established_on", "2019-05-20".into()),
            ("status", "active".into()),
            ("address", "湖北省武汉市江岸区沿江大道188号".into()),
            ("division_code", "420102".into()),
            ("industry_code", "6210".into()),
        ]
    };
    let (app_ref, admin_ref) = (&app, &admin);
    let post = move |path: String, fields: Vec<(&'static str, String)>| async move {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app_ref.post_form(&path, admin_ref, &f).await
    };
    // A wrong code is explained in Chinese, naming the field.
    let r = post("/registry/entities".into(), form("示范餐饮", "91420102MA4K2B8Q7H")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("统一社会信用代码无效") && r.text().contains("统一社会信用代码："),
        "{}",
        r.text()
    );
    let r = post(
        "/registry/entities".into(),
        form("武汉江岸示范餐饮有限公司", "91420102MA4K2B8Q7G"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/registry/entities/91420102MA4K2B8Q7G");
    let r = post(
        "/registry/entities/91420102MA4K2B8Q7G".into(),
        form("武汉江岸示范酒店有限公司", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = app
        .post_json(
            "/api/v1/entities/91420102MA4K2B8Q7G/licences",
            &admin,
            json!({"licence_type": "食品经营许可证", "number": "JY14201020012345", "issuer": "江岸区市场监督管理局",
                   "valid_from": "2024-05-20", "valid_until": "2029-05-19"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["licences"][0]["number"], "JY14201020012345");
    let bad = app
        .post_json("/api/v1/entities/91420102MA4K2B8Q7G/licences", &admin,
            json!({"licence_type": "食品经营许可证", "number": "X", "issuer": "", "valid_from": "2024-05-20", "valid_until": "2020-01-01"}))
        .await;
    assert_eq!(bad.code(), "validation_failed");
    let page = app.get("/registry/entities/91420102MA4K2B8Q7G", &admin).await.text();
    assert!(
        page.contains("武汉江岸示范酒店有限公司") && page.contains("变更登记") && page.contains("取得食品经营许可证"),
        "{page}"
    );
    assert!(page.contains("名称：武汉江岸示范餐饮有限公司 → 武汉江岸示范酒店有限公司"));
});

both!(a_stale_lookahead_hint_fails_whole_and_the_retry_succeeds, |app| {
    // The import looks up the next batch's codes on another connection; a
    // code stored in between must not be inserted twice or half-written.
    use jianguan::registry::store::{present_codes, upsert_batch, upsert_batch_hinted};
    let g = Generator::new(9);
    let rows: Vec<EntityInput> = (0..20).filter_map(|i| g.entity(i)).collect();
    let codes: Vec<String> = rows.iter().map(|r| r.uscc.to_string()).collect();
    let hint = present_codes(&app.db, &codes).await.unwrap();
    // Someone else stores one of the codes after the hint was taken.
    let mut tx = app.db.begin().await.unwrap();
    upsert_batch(
        &mut tx,
        &jianguan::audit::Actor::Cli,
        app.clock.now(),
        &rows[3..4],
        ("test", "x"),
        json!({}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    if let Some(hint) = hint {
        assert!(hint.is_empty());
        let mut tx = app.db.begin().await.unwrap();
        let err = upsert_batch_hinted(
            &mut tx,
            &jianguan::audit::Actor::Cli,
            app.clock.now(),
            &rows,
            ("test", "y"),
            json!({}),
            Some(&hint),
        )
        .await
        .unwrap_err();
        assert!(jianguan::platform::db::unique_violation(&err), "{err}");
        drop(tx);
        assert_eq!(
            crate::support::count_entities(&app).await,
            1,
            "the failed batch wrote nothing"
        );
    }
    let mut tx = app.db.begin().await.unwrap();
    let out = upsert_batch(
        &mut tx,
        &jianguan::audit::Actor::Cli,
        app.clock.now(),
        &rows,
        ("test", "y"),
        json!({}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((out.inserted, out.unchanged), (19, 1));
});
