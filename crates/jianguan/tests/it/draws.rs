//! Double random tasks: commitment before the draw, the draw through the
//! API, the public bundle verified offline by `jianguan draw verify`, and
//! tampering detected.

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::StatusCode;
use jianguan::catalog::sample;
use jianguan_rules::Role;
use serde_json::{Value, json};
use std::process::Command;

fn verify_cli(bundle: &Value) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, bundle.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args(["draw", "verify"])
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

async fn restaurants(app: &TestApp, n: u32) {
    let admin = app.as_role(Role::SysAdmin).await;
    for i in 0..n {
        let body = format!("MA4K{:04}", 100 + i);
        let oc = jianguan_rules::Uscc::org_check_char(&body).unwrap();
        let uscc = jianguan_rules::Uscc::with_check_char(&format!("91420102{body}{oc}")).unwrap();
        let r = app
            .post_json(
                "/api/v1/entities",
                &admin,
                json!({"uscc": uscc.as_str(), "name": format!("抽查测试{i}号店"), "entity_type": "company", "legal_rep": "刘洋",
                       "status": "active", "address": "武汉市江岸区", "division_code": "420102", "industry_code": "5211"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
}

both!(a_published_draw_verifies_offline_and_tampering_is_named, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    restaurants(&app, 40).await;
    let county = app.session("countyadmin").await;
    let spec = json!({"title": "明码标价抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-24",
                      "period_end": "2026-12-31", "ratios": {"B": 1000}});
    let r = app.post_json("/api/v1/draws", &county, spec.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let task = r.json()["task"].clone();
    let id = task["id"].as_i64().unwrap();
    assert_eq!(task["status"], "scheduled");
    assert_eq!(task["candidates"], 40);
    assert!(task["secret"].is_null(), "the secret stays secret until the draw");
    // Published before the draw: commitment and digests, no bundle yet.
    let anon = Client::anonymous();
    let public = app.get("/api/v1/public/draws", &anon).await.json();
    assert_eq!(public["tasks"][0]["commitment"], task["commitment"]);
    assert!(public["tasks"][0]["secret"].is_null());
    assert_eq!(
        app.get(&format!("/api/v1/public/draws/{id}/bundle"), &anon)
            .await
            .code(),
        "conflict"
    );

    let r = app
        .post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "3051.27"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let drawn = r.json()["task"].clone();
    // 10% of 40, rounded up.
    assert_eq!(drawn["result"]["selected"].as_array().unwrap().len(), 4);
    // Two inspectors of the department per team: the fixture has two in
    // 江岸区, so every team is full (a pool too small is reported as
    // shortages: see the specialty test).
    assert_eq!(drawn["result"]["shortages"].as_array().unwrap().len(), 0);
    assert!(
        drawn["result"]["teams"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["inspectors"].as_array().unwrap().len() == 2)
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "x"})
        )
        .await
        .code(),
        "conflict"
    );

    let bundle = app
        .get(&format!("/api/v1/public/draws/{id}/bundle"), &anon)
        .await
        .json();
    assert_eq!(bundle["commitment"], task["commitment"]);
    assert_eq!(bundle["snapshot_digest"], task["snapshot_digest"]);
    // The public bundle withholds the recusals (as commitments) and still
    // proves the drawn entities, offline, on any machine.
    let parsed: jianguan_rules::draw::Bundle = serde_json::from_value(bundle.clone()).unwrap();
    assert!(parsed.recusals.is_empty() && parsed.recusals_withheld);
    let (again, checked) = jianguan_rules::draw::verify_public(&parsed).unwrap();
    assert_eq!(checked, jianguan_rules::draw::Checked::Objects);
    assert_eq!(
        serde_json::to_value(&again.selected).unwrap(),
        drawn["result"]["selected"]
    );
    // The regulator's bundle recomputes the whole draw, teams included.
    let full = app.get(&format!("/api/v1/draws/{id}/bundle"), &county).await.json();
    let full: jianguan_rules::draw::Bundle = serde_json::from_value(full).unwrap();
    let again = jianguan_rules::draw::verify(&full).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), drawn["result"]);
    let (code, out) = verify_cli(&bundle);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("4 entities selected"), "{out}");

    // One candidate changed: the published digest no longer matches.
    let mut forged = bundle.clone();
    forged["candidates"][0]["weight"] = json!(5);
    let (code, out) = verify_cli(&forged);
    assert_eq!(code, 1);
    assert!(out.contains("snapshot"), "{out}");
    // A different value at the draw: the secret still matches, the result not.
    let mut other = bundle.clone();
    other["public_value"] = json!("3051.28");
    let (code, out) = verify_cli(&other);
    assert_eq!(code, 1);
    assert!(out.contains("result differs"), "{out}");
    // A different secret: the commitment catches it.
    let mut secret = bundle.clone();
    secret["secret"] = json!("00".repeat(32));
    let (code, out) = verify_cli(&secret);
    assert_eq!(code, 1);
    assert!(out.contains("commitment"), "{out}");

    // The portal shows the task, the revealed seed and the drawn entities.
    let page = app.get(&format!("/portal/draws/{id}"), &anon).await.text();
    assert!(page.contains("3051.27") && page.contains(drawn["result"]["selected"][0]["code"].as_str().unwrap()));
});

both!(an_unpublished_item_cannot_be_drawn, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let county = app.session("countyadmin").await;
    let spec = json!({"title": "x", "items": ["SJ-GG-004"], "period_start": "2026-11-24", "period_end": "2026-12-31"});
    let r = app.post_json("/api/v1/draws", &county, spec).await;
    assert_eq!(r.code(), "catalog_item_not_published");
    let spec = json!({"title": "x", "items": ["YJ-YP-001"], "period_start": "2026-11-24", "period_end": "2026-12-31"});
    assert_eq!(
        app.post_json("/api/v1/draws", &county, spec).await.code(),
        "department_not_responsible"
    );

    // A task that follows the annual plan may only draw the plan's items.
    restaurants(&app, 5).await;
    let plan = json!({"year": 2026, "title": "计划", "lines": [{"item_code": "SJ-JG-001", "method": "random", "ratio_bp": 300}]});
    let pid = app.post_json("/api/v1/plans", &county, plan).await.json()["plan"]["id"]
        .as_i64()
        .unwrap();
    let draft = json!({"title": "x", "items": ["SJ-JG-001"], "period_start": "2026-11-24", "period_end": "2026-12-31", "plan_id": pid});
    assert_eq!(
        app.post_json("/api/v1/draws", &county, draft).await.code(),
        "validation_failed",
        "a draft plan is not followed"
    );
    let leader = app.as_role(Role::Leader).await;
    app.post_json(&format!("/api/v1/plans/{pid}/approve"), &leader, json!({}))
        .await;
    let other = json!({"title": "x", "items": ["SJ-GS-003"], "period_start": "2026-11-24", "period_end": "2026-12-31", "plan_id": pid});
    assert_eq!(
        app.post_json("/api/v1/draws", &county, other).await.code(),
        "validation_failed"
    );
    let ok = json!({"title": "x", "items": ["SJ-JG-001"], "period_start": "2026-11-24", "period_end": "2026-12-31", "plan_id": pid});
    let r = app.post_json("/api/v1/draws", &county, ok).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["task"]["spec"]["plan_id"], pid);
});

async fn add_inspector(app: &TestApp, username: &str) {
    use jianguan::org::model::NewUser;
    let u = NewUser {
        username: username.into(),
        display_name: None,
        role: Role::Inspector,
        department_code: Some("420102-SCJG".into()),
        uscc: None,
        cert_no: Some(format!("CERT-{username}")),
        cert_valid_until: chrono::NaiveDate::from_ymd_opt(2028, 12, 31),
        password: crate::support::PASSWORD.into(),
    };
    jianguan::org::store::create_user(
        &app.db,
        &jianguan::audit::Actor::Cli,
        jianguan::org::store::Manager::System,
        app.clock.now(),
        &u,
    )
    .await
    .unwrap();
}

both!(a_recusal_after_the_draw_is_replayed_and_results_are_published, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    restaurants(&app, 30).await;
    add_inspector(&app, "inspector_b").await;
    add_inspector(&app, "inspector_c").await;
    let county = app.session("countyadmin").await;
    let spec = json!({"title": "明码标价抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-01",
                      "period_end": "2026-12-31", "ratios": {"B": 1000}});
    let id = app.post_json("/api/v1/draws", &county, spec).await.json()["task"]["id"]
        .as_i64()
        .unwrap();
    let drawn = app
        .post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "42"}),
        )
        .await
        .json();
    let team = drawn["task"]["result"]["teams"][0].clone();
    assert_eq!(
        team["inspectors"].as_array().unwrap().len(),
        2,
        "two inspectors per team: {team}"
    );
    assert!(drawn["task"]["result"]["shortages"].as_array().unwrap().is_empty());
    let code = team["code"].as_str().unwrap().to_string();
    let leaving = team["inspectors"][0].as_str().unwrap().to_string();
    // 回避: the inspector steps aside; a replacement is drawn and logged.
    let r = app
        .post_json(
            &format!("/api/v1/draws/{id}/recusals"),
            &county,
            json!({"code": code, "inspector": leaving}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = r.json()["task"]["result"].clone();
    let new_team: Vec<String> = after["teams"][0]["inspectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!new_team.contains(&leaving) && new_team.len() == 2, "{new_team:?}");
    assert_eq!(after["log"].as_array().unwrap().len(), 1);
    // The bundle replays the recusal: still verifies.
    let bundle = app
        .get(&format!("/api/v1/public/draws/{id}/bundle"), &Client::anonymous())
        .await
        .json();
    assert_eq!(bundle["replacements"][0]["inspector"], json!(leaving));
    let (code_, out) = verify_cli(&bundle);
    assert_eq!(code_, 0, "{out}");

    // The drawn entity is inspected: its result is public at once.
    let inspection = json!({"uscc": code, "items": ["SJ-JG-001"], "method": "on_site", "source": "random",
                            "inspected_on": "2026-11-20", "team": new_team, "outcome": "rectify", "rectify_by": "2026-12-04", "no_checkin_reason": "测试中补录的检查",
                            "answers": app.answers(&county, &["SJ-JG-001"]).await});
    let r = app.post_json("/api/v1/inspections", &county, inspection).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let results = app
        .get(&format!("/api/v1/public/draws/{id}/results"), &Client::anonymous())
        .await
        .json();
    let mine = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["uscc"] == json!(code))
        .unwrap()
        .clone();
    assert_eq!(
        (mine["outcome"].as_str(), mine["inspected_on"].as_str()),
        (Some("rectify"), Some("2026-11-20"))
    );
    let csv = app
        .get(
            &format!("/api/v1/public/draws/{id}/results?format=csv"),
            &Client::anonymous(),
        )
        .await
        .text();
    assert!(csv.contains("发现问题，责令整改") && csv.contains(&code), "{csv}");
});

both!(a_declared_conflict_keeps_the_inspector_away, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    restaurants(&app, 12).await;
    add_inspector(&app, "inspector_b").await;
    add_inspector(&app, "inspector_c").await;
    // The fixture inspector declares a conflict with every restaurant
    // (行政处罚法第四十三条).
    let inspector = app.as_role(Role::Inspector).await;
    let codes: Vec<String> = (0..12)
        .map(|i| {
            let body = format!("MA4K{:04}", 100 + i);
            let oc = jianguan_rules::Uscc::org_check_char(&body).unwrap();
            jianguan_rules::Uscc::with_check_char(&format!("91420102{body}{oc}"))
                .unwrap()
                .as_str()
                .to_string()
        })
        .collect();
    for c in &codes {
        let r = app
            .post_json(
                "/api/v1/conflicts",
                &inspector,
                json!({"uscc": c, "reason": "亲属经营"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    let county = app.session("countyadmin").await;
    let spec = json!({"title": "明码标价抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-24",
                      "period_end": "2026-12-31", "ratios": {"B": 10000}});
    let id = app.post_json("/api/v1/draws", &county, spec).await.json()["task"]["id"]
        .as_i64()
        .unwrap();
    let drawn = app
        .post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "7"}),
        )
        .await
        .json();
    let teams = drawn["task"]["result"]["teams"].as_array().unwrap().clone();
    assert_eq!(teams.len(), 12);
    for t in &teams {
        let members: Vec<&str> = t["inspectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(!members.contains(&"inspector"), "{t}");
        assert_eq!(members.len(), 2);
    }
    let bundle = app
        .get(&format!("/api/v1/public/draws/{id}/bundle"), &Client::anonymous())
        .await
        .json();
    // Finding 8 of issue 12: the public bundle publishes the 12 recusals
    // (who declared a conflict with which entity) only as salted
    // commitments; the regulator's bundle carries them and their salt.
    assert!(
        bundle.get("recusals").is_none_or(|r| r.as_array().unwrap().is_empty()),
        "{bundle}"
    );
    assert_eq!(bundle["recusal_commitments"].as_array().unwrap().len(), 12);
    assert!(bundle.get("recusal_salt").is_none());
    let (code, out) = verify_cli(&bundle);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("teams not checked"), "{out}");
    let full = app.get(&format!("/api/v1/draws/{id}/bundle"), &county).await.json();
    assert_eq!(full["recusals"].as_array().unwrap().len(), 12);
    let salt = full["recusal_salt"].as_str().unwrap();
    let r: jianguan_rules::draw::Recusal = serde_json::from_value(full["recusals"][0].clone()).unwrap();
    assert!(
        bundle["recusal_commitments"]
            .as_array()
            .unwrap()
            .contains(&json!(jianguan_rules::draw::recusal_commitment(salt, &r)))
    );
    let (code, out) = verify_cli(&full);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("teams not checked"), "{out}");
});

both!(a_task_needing_a_specialty_draws_only_inspectors_who_have_it, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    restaurants(&app, 20).await;
    for u in ["inspector_b", "inspector_c", "inspector_d"] {
        add_inspector(&app, u).await;
    }
    let county = app.session("countyadmin").await;
    let admin = app.as_role(Role::SysAdmin).await;
    let users = app.get("/api/v1/users", &admin).await.json();
    let id_of = |name: &str| {
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let set = |id: i64, list: Value| {
        let (app, county) = (&app, &county);
        async move {
            app.request(
                axum::http::Method::PUT,
                &format!("/api/v1/users/{id}/specialties"),
                county,
                Some(json!({"specialties": list})),
            )
            .await
        }
    };
    // Only labels of the directory; only inspectors; only one's own.
    assert_eq!(
        set(id_of("inspector_b"), json!(["烹饪"])).await.code(),
        "validation_failed"
    );
    // An administrator is no inspector, and its own account is managed from
    // above (issue 12, finding 12).
    assert_eq!(set(id_of("countyadmin"), json!(["价格"])).await.code(), "forbidden");
    let yichang = app.session("yichang").await;
    let r = app
        .request(
            axum::http::Method::PUT,
            &format!("/api/v1/users/{}/specialties", id_of("inspector_b")),
            &yichang,
            Some(json!({"specialties": ["价格"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for u in ["inspector_b", "inspector_c"] {
        let r = set(id_of(u), json!(["价格", "计量", "价格"])).await;
        assert_eq!(r.json()["specialties"], json!(["价格", "计量"]), "{}", r.text());
    }
    let user = app
        .get(&format!("/api/v1/users/{}", id_of("inspector_b")), &admin)
        .await
        .json();
    assert_eq!(user["user"]["specialties"], json!(["价格", "计量"]));
    // The same through the account page, in Chinese.
    let csrf = county.csrf.clone().unwrap();
    let path = format!("/admin/users/{}/specialties", id_of("inspector_d"));
    let r = app
        .post_form(&path, &county, &[("csrf_token", &csrf), ("specialties", "烹饪")])
        .await;
    assert!(r.text().contains("不是执法领域"), "{}", r.text());
    let r = app
        .post_form(
            &path,
            &county,
            &[("csrf_token", &csrf), ("specialties", "食品、 特种设备")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app.get("/admin/users", &county).await.text().contains("食品、特种设备"));

    let spec = |specialty: &str| {
        json!({"title": "明码标价专项抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-24",
               "period_end": "2026-12-31", "ratios": {"B": 2000}, "specialty": specialty})
    };
    assert_eq!(
        app.post_json("/api/v1/draws", &county, spec("烹饪")).await.code(),
        "validation_failed"
    );
    let id = app.post_json("/api/v1/draws", &county, spec("价格")).await.json()["task"]["id"]
        .as_i64()
        .unwrap();
    let drawn = app
        .post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "7"}),
        )
        .await
        .json();
    let teams = drawn["task"]["result"]["teams"].as_array().unwrap().clone();
    assert_eq!(teams.len(), 4);
    for t in &teams {
        let mut members: Vec<&str> = t["inspectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        members.sort();
        assert_eq!(members, ["inspector_b", "inspector_c"], "only the 价格 inspectors: {t}");
    }
    // The bundle carries the specialties, so the offline check agrees.
    let bundle = app
        .get(&format!("/api/v1/public/draws/{id}/bundle"), &Client::anonymous())
        .await
        .json();
    let (code, out) = verify_cli(&bundle);
    assert_eq!(code, 0, "{out}");
    // A field only one inspector has cannot make a team of two: the empty
    // seats are reported as shortages.
    let id = app.post_json("/api/v1/draws", &county, spec("特种设备")).await.json()["task"]["id"]
        .as_i64()
        .unwrap();
    let drawn = app
        .post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "8"}),
        )
        .await
        .json();
    assert!(
        !drawn["task"]["result"]["shortages"].as_array().unwrap().is_empty(),
        "{drawn}"
    );

    // Each drawn inspector finds the entity on their workbench, with a
    // link into the checklist form.
    let b = app.session("inspector_b").await;
    let home = app.get("/home", &b).await.text();
    assert!(home.contains("明码标价专项抽查") && home.contains("开始检查"), "{home}");
    assert!(home.contains("items=SJ-JG-001&amp;source=random"), "{home}");
});

both!(
    entities_graded_high_risk_form_their_own_stratum_at_the_higher_ratio,
    |app| {
        sample::load(&app.db, app.clock.now()).await.unwrap();
        restaurants(&app, 40).await;
        add_inspector(&app, "inspector_b").await;
        let county = app.session("countyadmin").await;
        let codes: Vec<String> = app.get("/api/v1/entities?per_page=100", &county).await.json()["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["uscc"].as_str().unwrap().to_string())
            .filter(|c| c.contains("MA4K01"))
            .collect();
        let grade = |code: &str, body: Value| {
            let (app, county, path) = (&app, &county, format!("/api/v1/entities/{code}/risk"));
            async move { app.request(axum::http::Method::PUT, &path, county, Some(body)).await }
        };
        assert_eq!(
            grade(&codes[0], json!({"level": "E", "basis": "x"})).await.code(),
            "validation_failed"
        );
        assert_eq!(
            grade(&codes[0], json!({"level": "D", "basis": " "})).await.code(),
            "validation_failed"
        );
        // Six restaurants graded high risk by the food field, one low.
        for c in &codes[..6] {
            let r = grade(c, json!({"level": "D", "basis": "食品安全风险分级评分 85 分"})).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
        grade(&codes[6], json!({"level": "A", "basis": "评分 20 分"})).await;
        let inspector = app.as_role(Role::Inspector).await;
        let g = app
            .get(&format!("/api/v1/entities/{}/risk", codes[0]), &inspector)
            .await
            .json();
        assert_eq!(
            (
                g["grades"][0]["level"].as_str(),
                g["grades"][0]["department_kind"].as_str()
            ),
            (Some("D"), Some("market_regulation"))
        );
        let enterprise = app.as_role(Role::Enterprise).await;
        assert_eq!(
            app.get(&format!("/api/v1/entities/{}/risk", codes[0]), &enterprise)
                .await
                .status,
            StatusCode::FORBIDDEN,
            "grades are internal"
        );
        // D-graded entities in full (100%), the others at 5%.
        let spec = json!({"title": "高风险餐饮抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-24",
                      "period_end": "2026-12-31", "ratios": {"B": 500}, "risk_ratios": {"D": 10000}});
        let id = app.post_json("/api/v1/draws", &county, spec).await.json()["task"]["id"]
            .as_i64()
            .unwrap();
        let drawn = app
            .post_json(
                &format!("/api/v1/draws/{id}/draw"),
                &county,
                json!({"public_value": "11"}),
            )
            .await
            .json();
        let result = &drawn["task"]["result"];
        let in_stratum = |s: &str| {
            result["selected"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["stratum"] == s)
                .map(|x| x["code"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let mut high = in_stratum("B/D");
        high.sort();
        let mut expected: Vec<String> = codes[..6].to_vec();
        expected.sort();
        assert_eq!(high, expected, "every high-risk entity is drawn");
        assert_eq!(in_stratum("B").len(), 2, "5% of the 34 others, rounded up");
        // Grades are internal: the public reads the entities drawn and their
        // credit class, not who was graded high risk; the bundle, which lists
        // every candidate's stratum, goes to regulators and verifies the same.
        let anon = Client::anonymous();
        let r = app.get(&format!("/api/v1/public/draws/{id}/bundle"), &anon).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let public = app.get("/api/v1/public/draws", &anon).await.json();
        let task = public["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == json!(id))
            .unwrap();
        let shown: Vec<&str> = task["result"]["selected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["stratum"].as_str().unwrap())
            .collect();
        assert!(shown.iter().all(|s| *s == "B"), "{shown:?}");
        let portal = app.get(&format!("/portal/draws/{id}"), &anon).await.text();
        assert!(portal.contains("风险分级结果不公开"), "{portal}");
        let bundle = app.get(&format!("/api/v1/draws/{id}/bundle"), &county).await.json();
        let (code, out) = verify_cli(&bundle);
        assert_eq!(code, 0, "{out}");
        // Without risk ratios, grades do not split the directory.
        let spec = json!({"title": "常规抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-24",
                      "period_end": "2026-12-31", "ratios": {"B": 500}});
        let id = app.post_json("/api/v1/draws", &county, spec).await.json()["task"]["id"]
            .as_i64()
            .unwrap();
        let drawn = app
            .post_json(
                &format!("/api/v1/draws/{id}/draw"),
                &county,
                json!({"public_value": "12"}),
            )
            .await
            .json();
        assert_eq!(drawn["task"]["result"]["selected"].as_array().unwrap().len(), 2);
        // The city bureau grades too; the county may not overrule it.
        let city = app.session("cityadmin").await;
        let path = format!("/api/v1/entities/{}/risk", codes[0]);
        let r = app
            .request(
                axum::http::Method::PUT,
                &path,
                &city,
                Some(json!({"level": "C", "basis": "市局复核"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = grade(&codes[0], json!({"level": "A", "basis": "县局意见"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    }
);
