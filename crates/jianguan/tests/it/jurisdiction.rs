//! Jurisdiction on every write and every derived read (issue 12): two
//! cities (武汉's 江岸区 and 宜昌), a province and two kinds (market
//! regulation, drug administration). Each finding of the probe is a test
//! named after it; the walk at the end asks every id route as every other
//! region and kind, on both databases.
//!
//! Law: 市场监督管理行政处罚程序规定第七条至第十六条 (jurisdiction by the place
//! of the act, level, transfer, designation); 行政处罚法第七十五条 (a
//! superior supervises its own system's enforcement).

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::{Method, StatusCode};
use chrono::NaiveDate;
use jianguan::audit::Actor;
use jianguan::catalog::sample;
use jianguan::org::model::{DeptKind, NewDepartment, NewUser};
use jianguan::org::store;
use jianguan_rules::{Role, Uscc};
use serde_json::{Value, json};

/// A 江岸 shop (the fixture enterprise's code).
const JIANGAN_SHOP: &str = "91420102MA4K2B8Q7G";

fn code(prefix: &str, n: u32) -> String {
    let body = format!("MA4K{n:04}");
    let oc = Uscc::org_check_char(&body).unwrap();
    Uscc::with_check_char(&format!("91{prefix}{body}{oc}"))
        .unwrap()
        .as_str()
        .to_string()
}

/// A 宜昌 (西陵区) shop.
fn yichang_shop() -> String {
    code("420502", 8101)
}

/// The second kind and the second city's administrator, added to the
/// fixture organisation.
async fn setup(app: &TestApp) {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let now = app.clock.now();
    let d = NewDepartment {
        code: "420000-YJJ".into(),
        name: "湖北省药品监督管理局".into(),
        kind: DeptKind::DrugAdministration,
        division_code: "420000".into(),
        parent_code: None,
    };
    store::create_department(&app.db, &Actor::Cli, now, &d).await.unwrap();
    for (username, role, dept) in [
        ("yjadmin", Role::DeptAdmin, "420000-YJJ"),
        ("yjinspector", Role::Inspector, "420000-YJJ"),
        ("ycadmin", Role::DeptAdmin, "420500-SCJG"),
        ("ycleader", Role::Leader, "420500-SCJG"),
        ("yichang2", Role::Inspector, "420500-SCJG"),
    ] {
        let u = NewUser {
            username: username.into(),
            display_name: None,
            role,
            department_code: Some(dept.into()),
            uscc: None,
            cert_no: (role == Role::Inspector).then(|| format!("CERT-{username}")),
            cert_valid_until: (role == Role::Inspector).then(|| NaiveDate::from_ymd_opt(2028, 12, 31).unwrap()),
            password: crate::support::PASSWORD.into(),
        };
        store::create_user(&app.db, &Actor::Cli, store::Manager::System, now, &u)
            .await
            .unwrap();
    }
    let admin = app.as_role(Role::SysAdmin).await;
    for (uscc, division, name) in [
        (JIANGAN_SHOP.to_string(), "420102", "江岸管辖测试店"),
        (code("420102", 8102), "420102", "江岸管辖测试二店"),
        (yichang_shop(), "420502", "宜昌管辖测试店"),
    ] {
        let r = app
            .post_json(
                "/api/v1/entities",
                &admin,
                json!({"uscc": uscc, "name": name, "entity_type": "company", "legal_rep": "刘洋", "status": "active",
                       "address": "测试地址", "division_code": division, "industry_code": "5211"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
}

fn lead_body(uscc: &str) -> Value {
    json!({"uscc": uscc, "source": "complaint", "summary": "消费者投诉价格欺诈", "found_on": "2026-11-20"})
}

/// A lead of 江岸 on its own shop; returns its id.
async fn jiangan_lead(app: &TestApp) -> i64 {
    let inspector = app.session("inspector").await;
    let r = app
        .post_json("/api/v1/leads", &inspector, lead_body(JIANGAN_SHOP))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["lead"]["id"]
        .as_i64()
        .or_else(|| r.json()["id"].as_i64())
        .unwrap()
}

/// A remote inspection of `uscc` by 江岸's two inspectors, recorded by
/// `inspector`, with `extra` fields; returns the response.
async fn jiangan_inspection(app: &TestApp, uscc: &str, extra: Value) -> crate::support::TestResponse {
    let inspector = app.session("inspector").await;
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let mut body = json!({"uscc": uscc, "items": ["SJ-JG-001"], "method": "remote", "inspected_on": "2026-11-20",
                          "team": ["inspector", "inspector2"], "outcome": "no_problem", "answers": a, "notes": "未见异常"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app.post_json("/api/v1/inspections", &inspector, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r
}

/// The id in a created record's answer (`{"inspection": {..}}` or the object).
fn created_id(r: &crate::support::TestResponse, name: &str) -> i64 {
    let v = r.json();
    v[name]["id"].as_i64().or_else(|| v["id"].as_i64()).unwrap()
}

/// 江岸's head files `lead` as a case with its two inspectors; the case id.
async fn file_jiangan_case(app: &TestApp, lead: i64) -> i64 {
    let county = app.session("countyadmin").await;
    let r = app
        .post_json(
            &format!("/api/v1/leads/{lead}/file"),
            &county,
            json!({"cause": "价格欺诈", "officers": ["inspector", "inspector2"], "note": "证据确凿"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    created_id(&r, "case")
}

both!(leads_outside_the_region_need_a_recorded_ground, |app| {
    setup(&app).await;
    let yc = app.session("yichang").await;
    // Finding 1: a 宜昌 inspector registered a lead on a 江岸 entity.
    let r = app.post_json("/api/v1/leads", &yc, lead_body(JIANGAN_SHOP)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.code(), "no_jurisdiction");
    // ... and on a well-formed code nobody registered.
    let r = app
        .post_json("/api/v1/leads", &yc, lead_body(&code("420502", 9999)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.code(), "entity_not_registered");
    // The place of the act in 宜昌 founds jurisdiction (第七条), with how it is known.
    let mut body = lead_body(JIANGAN_SHOP);
    body["ground"] = json!("place_of_act");
    body["ground_place"] = json!("420502");
    let r = app.post_json("/api/v1/leads", &yc, body.clone()).await;
    assert_eq!(
        r.code(),
        "validation_failed",
        "a ground needs its reference: {}",
        r.text()
    );
    body["ground_reference"] = json!("现场检查笔录：该店在西陵区展会设摊销售");
    let r = app.post_json("/api/v1/leads", &yc, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let lead = r.json();
    let id = lead["lead"]["id"].as_i64().or_else(|| lead["id"].as_i64()).unwrap();
    let stored = app.get(&format!("/api/v1/leads/{id}"), &yc).await.json();
    let stored = if stored["lead"].is_object() {
        stored["lead"].clone()
    } else {
        stored
    };
    assert_eq!(stored["ground"], "place_of_act");
    assert_eq!(stored["ground_place"], "420502");
    // A place of the act outside 宜昌 is no ground for 宜昌.
    body["ground_place"] = json!("420103");
    let r = app.post_json("/api/v1/leads", &yc, body).await;
    assert_eq!(r.code(), "no_jurisdiction", "{}", r.text());
    // A transfer from 江岸 (第十四条) is a ground; a designation only from a
    // superior of the same kind (第十三条、第十五条).
    let mut t = lead_body(JIANGAN_SHOP);
    t["ground"] = json!("transfer");
    t["ground_department"] = json!("420102-SCJG");
    t["ground_reference"] = json!("岸市监移〔2026〕3号");
    assert_eq!(
        app.post_json("/api/v1/leads", &yc, t.clone()).await.status,
        StatusCode::CREATED
    );
    t["ground"] = json!("designation");
    assert_eq!(
        app.post_json("/api/v1/leads", &yc, t.clone()).await.code(),
        "no_jurisdiction"
    );
    t["ground_department"] = json!("420000-YJJ");
    assert_eq!(
        app.post_json("/api/v1/leads", &yc, t.clone()).await.code(),
        "no_jurisdiction"
    );
    t["ground_department"] = json!("420000-SCJG");
    assert_eq!(app.post_json("/api/v1/leads", &yc, t).await.status, StatusCode::CREATED);
    // 江岸 on its own entity needs no ground.
    jiangan_lead(&app).await;
});

both!(
    a_case_of_another_region_stays_off_the_chain_of_those_who_may_not_read_it,
    |app| {
        setup(&app).await;
        // 宜昌 takes up a 江岸 shop on the place of the act and files a case.
        let yc = app.session("yichang").await;
        let mut body = lead_body(JIANGAN_SHOP);
        body["ground"] = json!("place_of_act");
        body["ground_place"] = json!("420502");
        body["ground_reference"] = json!("展会现场检查笔录");
        let r = app.post_json("/api/v1/leads", &yc, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let lead = r.json();
        let id = lead["lead"]["id"].as_i64().or_else(|| lead["id"].as_i64()).unwrap();
        let head = app.session("ycleader").await;
        let r = app
            .post_json(
                &format!("/api/v1/leads/{id}/file"),
                &head,
                json!({"cause": "价格欺诈", "officers": ["yichang", "yichang2"], "note": "证据确凿"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let chain = |who: &'static str| {
            let app = &app;
            async move {
                let c = app.session(who).await;
                let r = app.get(&format!("/api/v1/entities/{JIANGAN_SHOP}/chain"), &c).await;
                assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
                r.json()["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["kind"] == "case_filed")
            }
        };
        // 江岸 sees its entity, not 宜昌's case file; 宜昌's own and the
        // province see the case on the chain.
        assert!(!chain("inspector").await, "江岸 reads no 宜昌 case on the chain");
        assert!(chain("leader").await, "the province reads its lower bureaus' work");
        assert!(chain("enterprise").await, "the party sees the case about it");
    }
);

/// A task of 江岸's county administrator, scheduled and drawn; its id.
async fn drawn_task(app: &TestApp, extra: Value) -> i64 {
    let county = app.session("countyadmin").await;
    let r = app.post_json("/api/v1/draws", &county, task_spec(extra)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["task"]["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "42"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    id
}

/// A joint or single task of 江岸's county administrator.
fn task_spec(extra: Value) -> Value {
    let mut s = json!({"title": "明码标价抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-24",
                       "period_end": "2026-12-31", "exclude_recent_months": 0, "ratios": {"B": 10000}});
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

both!(
    draw_regions_lie_in_the_department_and_partners_join_by_accepting,
    |app| {
        setup(&app).await;
        // Finding 2: 宜昌 scheduled a task over 江岸's entities.
        let yc = app.session("ycadmin").await;
        let r = app
            .post_json("/api/v1/draws", &yc, task_spec(json!({"regions": ["420102"]})))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        assert_eq!(r.code(), "no_jurisdiction");
        // ... and one that froze others' inspectors: partners now join only by
        // accepting, and until then nothing is frozen or published.
        let county = app.session("countyadmin").await;
        let r = app
            .post_json(
                "/api/v1/draws",
                &county,
                task_spec(json!({"items": ["SJ-JG-001", "YJ-YP-001"], "partners": ["420000-YJJ"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let task = r.json()["task"].clone();
        let id = task["id"].as_i64().unwrap();
        assert_eq!(task["status"], "proposed");
        assert_eq!(task["partner_answers"][0]["answer"], "pending");
        let public = app.get("/api/v1/public/draws", &Client::anonymous()).await.json();
        assert!(
            !public["tasks"].as_array().unwrap().iter().any(|t| t["id"] == id),
            "a proposal is not published"
        );
        let r = app
            .post_json(
                &format!("/api/v1/draws/{id}/draw"),
                &county,
                json!({"public_value": "1"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        // Only the partner answers; another department cannot accept for it.
        let r = app
            .post_json(&format!("/api/v1/draws/{id}/accept"), &yc, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        // The partner sees the proposal it was asked to join.
        let yj = app.session("yjadmin").await;
        assert_eq!(
            app.get(&format!("/api/v1/draws/{id}"), &yj).await.status,
            StatusCode::OK
        );
        let r = app
            .post_json(&format!("/api/v1/draws/{id}/accept"), &yj, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let task = r.json()["task"].clone();
        assert_eq!(task["status"], "scheduled");
        assert_eq!(task["commitment"].as_str().unwrap().len(), 64);
        let again = app
            .post_json(&format!("/api/v1/draws/{id}/accept"), &yj, json!({}))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        // A declined proposal ends.
        let r = app
            .post_json(
                "/api/v1/draws",
                &county,
                task_spec(json!({"items": ["SJ-JG-001", "YJ-YP-001"], "partners": ["420000-YJJ"]})),
            )
            .await;
        let id2 = r.json()["task"]["id"].as_i64().unwrap();
        let r = app
            .post_json(&format!("/api/v1/draws/{id2}/decline"), &yj, json!({}))
            .await;
        assert_eq!(r.json()["task"]["status"], "declined");
        // The partner answers from the task's page too.
        let r = app
            .post_json(
                "/api/v1/draws",
                &county,
                task_spec(json!({"items": ["SJ-JG-001", "YJ-YP-001"], "partners": ["420000-YJJ"]})),
            )
            .await;
        let id3 = r.json()["task"]["id"].as_i64().unwrap();
        let page = app.get(&format!("/draws/{id3}"), &yj).await.text();
        assert!(page.contains("同意参加"), "the partner is offered the answer");
        let csrf = yj.csrf.clone().unwrap();
        let r = app
            .post_form(
                &format!("/draws/{id3}/answer"),
                &yj,
                &[("csrf_token", csrf.as_str()), ("answer", "accept")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let task = app.get(&format!("/api/v1/draws/{id3}"), &yj).await.json();
        assert_eq!(task["task"]["status"], "scheduled");
    }
);

both!(
    draw_endpoints_keep_internal_grades_to_the_departments_that_ran_them,
    |app| {
        setup(&app).await;
        let id = drawn_task(&app, json!({})).await;
        // Finding 3: another city and another kind read the task and its
        // bundle (with internal strata) — now refused and not listed.
        for who in ["yichang", "ycadmin", "yjinspector", "yjadmin"] {
            let c = app.session(who).await;
            for path in [format!("/api/v1/draws/{id}"), format!("/api/v1/draws/{id}/bundle")] {
                let r = app.get(&path, &c).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {path}: {}", r.text());
            }
            let list = app.get("/api/v1/draws", &c).await.json();
            assert!(
                !list["tasks"].as_array().unwrap().iter().any(|t| t["id"] == id),
                "{who} lists 江岸's task"
            );
        }
        // The county's own and its same-kind superiors read it.
        for who in ["inspector", "cityadmin", "leader"] {
            let c = app.session(who).await;
            let r = app.get(&format!("/api/v1/draws/{id}/bundle"), &c).await;
            assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
        }
    }
);

both!(
    a_draw_does_not_fail_when_past_teams_hold_inspectors_outside_its_directory,
    |app| {
        setup(&app).await;
        // Finding 4: an entity inspected by a team whose member is not in the
        // next task's directory (here: the certificate lapsed) made the draw
        // answer 500.
        jiangan_inspection(&app, JIANGAN_SHOP, json!({})).await;
        app.exec("update users set cert_valid_until = '2026-11-30' where username = 'inspector2'")
            .await;
        // Two more certified inspectors so that a team can still be formed.
        app.exec("update users set department_id = (select id from departments where code = '420102-SCJG') where username in ('yichang2')")
        .await;
        let county = app.session("countyadmin").await;
        let id = drawn_task(&app, json!({})).await;
        let bundle = app.get(&format!("/api/v1/draws/{id}/bundle"), &county).await.json();
        assert!(
            bundle["recusals"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["inspector"] != "inspector2"),
            "recusals name only inspectors in the directory"
        );
        assert!(
            bundle["recusals"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["inspector"] == "inspector" && r["code"] == JIANGAN_SHOP),
            "the last team's member still in the directory is recused"
        );
    }
);

both!(
    work_records_are_read_by_their_department_its_kind_and_superiors,
    |app| {
        setup(&app).await;
        let id = jiangan_lead(&app).await;
        // Finding 10: scope ignored the department's kind. The province drug
        // administration covers 江岸's region but is not 江岸's system.
        for (who, reads) in [
            ("inspector", true),
            ("countyadmin", true),
            ("cityadmin", true),
            ("leader", true),
            ("admin", true),
            ("yichang", false),
            ("yjinspector", false),
            ("yjadmin", false),
        ] {
            let c = app.session(who).await;
            let r = app.get(&format!("/api/v1/leads/{id}"), &c).await;
            assert_eq!(r.status == StatusCode::OK, reads, "{who}: {}", r.text());
            let listed = app.get("/api/v1/leads", &c).await.json()["leads"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["id"] == id);
            assert_eq!(listed, reads, "{who} lists the lead");
        }
        // A region outside one's own in a query finds nothing, in lists and
        // exports alike.
        let yc = app.session("yichang").await;
        let found = app.get("/api/v1/entities?division=420102", &yc).await.json();
        assert_eq!(found["total"], 0, "{found}");
        let export = app.get("/api/v1/entities/export?division=420102", &yc).await.text();
        assert!(!export.contains(JIANGAN_SHOP));
        // Territory stays shared: the drug administration reads the entity.
        let yj = app.session("yjinspector").await;
        assert_eq!(
            app.get(&format!("/api/v1/entities/{JIANGAN_SHOP}"), &yj).await.status,
            StatusCode::OK
        );
    }
);

both!(every_id_route_refuses_other_regions_and_kinds, |app| {
    setup(&app).await;
    // 江岸's work: a lead filed as a case, an inspection, a drawn task.
    let lead = jiangan_lead(&app).await;
    let county = app.session("countyadmin").await;
    let case = file_jiangan_case(&app, lead).await;
    let second = jiangan_lead(&app).await;
    let inspector = app.session("inspector").await;
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            json!({"uscc": code("420102", 8102), "items": ["SJ-JG-001"], "method": "remote", "inspected_on": "2026-11-20",
                   "team": ["inspector", "inspector2"], "outcome": "no_problem", "answers": a, "notes": "未见异常"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let inspection = r.json()["inspection"]["id"]
        .as_i64()
        .or_else(|| r.json()["id"].as_i64())
        .unwrap();
    let r = app.post_json("/api/v1/draws", &county, task_spec(json!({}))).await;
    let task = r.json()["task"]["id"].as_i64().unwrap();
    app.post_json(
        &format!("/api/v1/draws/{task}/draw"),
        &county,
        json!({"public_value": "9"}),
    )
    .await;

    let reads = [
        format!("/api/v1/leads/{lead}"),
        format!("/api/v1/cases/{case}"),
        format!("/api/v1/inspections/{inspection}"),
        format!("/api/v1/draws/{task}"),
        format!("/api/v1/draws/{task}/bundle"),
        format!("/enforcement/leads/{lead}"),
        format!("/enforcement/cases/{case}"),
        format!("/inspections/{inspection}"),
        format!("/draws/{task}"),
    ];
    let writes: Vec<(String, Value)> = vec![
        (format!("/api/v1/leads/{second}/extend"), json!({"reason": "x"})),
        (
            format!("/api/v1/leads/{second}/decline"),
            json!({"ground": "other", "note": "x"}),
        ),
        (
            format!("/api/v1/leads/{second}/file"),
            json!({"cause": "x", "officers": ["yichang", "yichang2"], "note": "x"}),
        ),
        (format!("/api/v1/cases/{case}/extend"), json!({"reason": "x"})),
        (
            format!("/api/v1/cases/{case}/close"),
            json!({"ground": "other", "note": "x"}),
        ),
        (
            format!("/api/v1/draws/{task}/recusals"),
            json!({"code": JIANGAN_SHOP, "inspector": "inspector"}),
        ),
    ];
    for who in ["yichang", "ycadmin", "ycleader", "yjinspector", "yjadmin"] {
        let c = app.session(who).await;
        for path in &reads {
            let r = app.get(path, &c).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} GET {path}: {}", r.status);
        }
        for (path, body) in &writes {
            let r = app.request(Method::POST, path, &c, Some(body.clone())).await;
            assert!(
                r.status == StatusCode::FORBIDDEN,
                "{who} POST {path}: {} {}",
                r.status,
                r.text()
            );
        }
    }
    // Nothing changed: the second lead is still pending.
    let l = app.get(&format!("/api/v1/leads/{second}"), &county).await.json();
    let l = if l["lead"].is_object() { l["lead"].clone() } else { l };
    assert_eq!(l["status"], "pending");
});

both!(
    named_officers_confirm_and_joint_records_name_only_officers_of_the_territory,
    |app| {
        setup(&app).await;
        // Finding 6: a record named officers who had no part in it.
        let r = jiangan_inspection(&app, JIANGAN_SHOP, json!({})).await;
        let id = created_id(&r, "inspection");
        let inspector = app.session("inspector").await;
        let d = app.get(&format!("/api/v1/inspections/{id}"), &inspector).await.json();
        assert_eq!(d["cosigns"]["confirmed"], json!(["inspector"]));
        assert_eq!(d["cosigns"]["awaiting"], json!(["inspector2"]));
        // Someone not named cannot confirm; the named officer does, once.
        let yc = app.session("yichang").await;
        let path = format!("/api/v1/inspections/{id}/cosign");
        assert_eq!(app.post_json(&path, &yc, json!({})).await.status, StatusCode::FORBIDDEN);
        let second = app.session("inspector2").await;
        let r = app.post_json(&path, &second, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["awaiting"], json!([]));
        assert_eq!(
            app.post_json(&path, &second, json!({})).await.status,
            StatusCode::CONFLICT
        );
        // A joint record of 宜昌 on its own entity cannot name 江岸's officers:
        // 江岸's region does not include it.
        let a = app.answers(&yc, &["SJ-JG-001"]).await;
        let r = app
            .post_json(
                "/api/v1/inspections",
                &yc,
                json!({"uscc": yichang_shop(), "items": ["SJ-JG-001"], "method": "remote", "source": "joint",
                   "inspected_on": "2026-11-20", "team": ["yichang", "inspector"], "outcome": "no_problem",
                   "answers": a, "notes": "联合检查"}),
            )
            .await;
        assert_eq!(r.code(), "inspection_team_invalid", "{}", r.text());
        assert!(r.text().contains("辖区"), "{}", r.text());
    }
);

both!(a_catalog_item_is_kept_by_its_maker_and_its_superiors_only, |app| {
    setup(&app).await;
    // Finding 7: a same-kind department elsewhere retired a county's item.
    let item = json!({"code": "JA-JG-101", "name": "江岸区夜市摊点明码标价检查", "level": "county",
                      "department_kind": "market_regulation",
                      "legal_basis": [{"law": "中华人民共和国价格法", "article": 13}], "scope": {}, "methods": ["random"],
                      "checklist": [{"text": "是否明码标价", "result": {"kind": "pass_fail"}}]});
    let county = app.session("countyadmin").await;
    let r = app.post_json("/api/v1/catalog", &county, item).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = app
        .post_json("/api/v1/catalog/JA-JG-101/publish", &county, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for who in ["ycadmin", "yjadmin"] {
        let c = app.session(who).await;
        let r = app.post_json("/api/v1/catalog/JA-JG-101/retire", &c, json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
    }
    let item = app.get("/api/v1/catalog/JA-JG-101", &county).await.json();
    assert_eq!(item["item"]["status"], "published", "nothing changed");
    // 武汉, over 江岸 in the same system, may.
    let city = app.session("cityadmin").await;
    let r = app
        .post_json("/api/v1/catalog/JA-JG-101/retire", &city, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // An item the operator loaded is the province's to keep, not a city's.
    let r = app
        .post_json("/api/v1/catalog/SJ-JG-001/retire", &city, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
});

both!(import_jobs_are_read_by_their_department_and_superiors_only, |app| {
    setup(&app).await;
    // Finding 9: any administrator read any import, by an id derived from
    // the file.
    let csv = "统一社会信用代码,企业名称,行政区划代码\n91420102MA4K8201XX,坏行,420102\n".as_bytes();
    let county = app.session("countyadmin").await;
    let r = app
        .upload_file("/api/v1/imports/entities", &county, "主体.csv", csv)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let id = r.json()["job_id"].as_str().unwrap().to_string();
    let digest = jianguan_rules::audit::sha256_hex(csv);
    assert!(!id.contains(&digest[..24]), "the id is not a digest of the file: {id}");
    for _ in 0..100 {
        let j = app.get(&format!("/api/v1/imports/{id}"), &county).await.json();
        if j["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for (who, ok) in [
        ("countyadmin", true),
        ("cityadmin", true),
        ("admin", true),
        ("ycadmin", false),
        ("yjadmin", false),
    ] {
        let c = app.session(who).await;
        for path in [
            format!("/api/v1/imports/{id}"),
            format!("/api/v1/imports/{id}/errors.csv"),
            format!("/registry/imports/{id}"),
        ] {
            let r = app.get(&path, &c).await;
            assert_eq!(r.status != StatusCode::FORBIDDEN, ok, "{who} {path}: {}", r.status);
        }
    }
});

both!(absurd_page_numbers_are_refused_not_panicked_on, |app| {
    setup(&app).await;
    // Finding 5: page=9223372036854775807 overflowed the offset and the
    // handler panicked.
    let c = app.session("inspector").await;
    for q in [
        "page=9223372036854775807",
        "page=9223372036854775807&q=测试",
        "page=0",
        "per_page=100000",
        "page=-3",
    ] {
        let r = app.get(&format!("/api/v1/entities?{q}"), &c).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {}", r.text());
        assert_eq!(r.code(), "validation_failed");
    }
    let r = app.get("/registry/entities?page=9223372036854775807", &c).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get("/api/v1/entities?page=2&per_page=1", &c).await.status,
        StatusCode::OK
    );
});

/// Routes whose objects every regulator reads, whatever its region or kind:
/// the one catalog of supervision items is the province's (清单之外无监管
/// binds every department to the same list).
const SHARED_READS: &[&str] = &[
    "/api/v1/catalog/{code}",
    "/api/v1/catalog/{code}/versions",
    "/catalog/{code}",
];

/// A well-formed body for each API write the walk calls, so that a refusal
/// is the jurisdiction's and not the body's.
fn api_body(template: &str) -> Value {
    let item = json!({"name": "经营者明码标价检查", "level": "provincial", "department_kind": "market_regulation",
                      "legal_basis": [{"law": "中华人民共和国价格法", "article": 13}], "scope": {}, "methods": ["random"],
                      "checklist": [{"text": "是否明码标价", "result": {"kind": "pass_fail"}}]});
    let t = template;
    match () {
        _ if t.ends_with("/leads/{id}/extend") || t.ends_with("/cases/{id}/extend") => json!({"reason": "案情复杂"}),
        _ if t.ends_with("/decline") && t.contains("/leads/") => json!({"ground": "other", "note": "核查后不予立案"}),
        _ if t.ends_with("/file") => {
            json!({"cause": "价格欺诈", "officers": ["yichang", "yichang2"], "note": "证据确凿"})
        }
        _ if t.ends_with("/pause") => json!({"kind": "testing", "reason": "送检", "from_on": "2026-11-24"}),
        _ if t.ends_with("/resume") => json!({"to_on": "2026-11-24"}),
        _ if t.ends_with("/close") => json!({"ground": "other", "note": "结案"}),
        _ if t.ends_with("/draw") => json!({"public_value": "12"}),
        _ if t.ends_with("/recusals") => json!({"code": JIANGAN_SHOP, "inspector": "inspector"}),
        _ if t == "/api/v1/catalog/{code}" => item,
        _ if t == "/api/v1/entities/{uscc}" => {
            json!({"uscc": JIANGAN_SHOP, "name": "江岸管辖测试店（改）", "entity_type": "company",
            "legal_rep": "刘洋", "status": "active", "address": "测试地址", "division_code": "420102", "industry_code": "5211"})
        }
        _ if t.ends_with("/licences") => {
            json!({"licence_type": "食品经营许可证", "number": "JY14201020000001", "issuer": "江岸区市场监督管理局"})
        }
        _ if t.ends_with("/risk") => json!({"level": "D", "basis": "评分 85 分"}),
        _ if t.ends_with("/password") => json!({"password": "Another#Pass2026"}),
        _ if t.ends_with("/specialties") => json!({"specialties": ["价格"]}),
        _ if t.ends_with("/{year}") => json!({"year": 2027, "holidays": [], "workdays": []}),
        _ => json!({}),
    }
}

/// Form fields for each page write the walk calls.
fn page_fields(template: &str) -> Vec<(&'static str, &'static str)> {
    let t = template;
    match () {
        _ if t.starts_with("/enforcement/leads") => vec![("reason", "案情复杂")],
        _ if t.starts_with("/enforcement/cases") => vec![("ground", "other"), ("note", "结案")],
        _ if t.ends_with("/answer") => vec![("answer", "accept")],
        _ if t.ends_with("/draw") => vec![("public_value", "12")],
        _ if t.ends_with("/status") && t.starts_with("/plans") => vec![("to", "published")],
        _ if t.ends_with("/status") => vec![("to", "retired")],
        _ if t.ends_with("/specialties") => vec![("specialties", "价格")],
        _ if t == "/catalog/{code}" => vec![
            ("name", "经营者明码标价检查"),
            ("level", "provincial"),
            ("department_kind", "market_regulation"),
            ("legal_basis", "中华人民共和国价格法 第13条"),
            ("methods", "random"),
            ("checklist", "是否明码标价"),
        ],
        _ if t == "/registry/entities/{uscc}" => vec![
            ("name", "江岸管辖测试店（改）"),
            ("entity_type", "company"),
            ("legal_rep", "刘洋"),
            ("status", "active"),
            ("address", "测试地址"),
            ("division_code", "420102"),
            ("industry_code", "5211"),
        ],
        _ => Vec::new(),
    }
}

/// Routes on an entity's territorial data: every regulator whose region
/// covers the entity reads them (the province drug administration does;
/// 宜昌 does not).
fn territorial(template: &str) -> bool {
    template.contains("{uscc}") && !template.ends_with("/edit")
}

// The walk of issue 12: every route of the table that takes an id, a code
// or a credit code, asked about 江岸's objects by every account of another
// region (宜昌) and of another kind (the province drug administration).
// Each must be refused (403, or 404 where the object is not theirs to
// know of), except the shared catalog for everyone and territorial entity
// data for regulators whose region covers the entity. A new route is
// walked the day it is added.
both!(the_jurisdiction_walk_covers_every_id_route, |app| {
    setup(&app).await;
    let county = app.session("countyadmin").await;
    let inspector = app.session("inspector").await;
    let lead = jiangan_lead(&app).await;
    let r = app
        .post_json(
            &format!("/api/v1/leads/{lead}/file"),
            &county,
            json!({"cause": "价格欺诈", "officers": ["inspector", "inspector2"], "note": "证据确凿"}),
        )
        .await;
    let case = r.json()["case"]["id"]
        .as_i64()
        .or_else(|| r.json()["id"].as_i64())
        .unwrap();
    let open_lead = jiangan_lead(&app).await;
    let photo = app
        .upload_file("/api/v1/evidence", &inspector, "p.jpg", crate::support::PHOTO)
        .await;
    let sha = photo.json()["sha256"].as_str().unwrap().to_string();
    let mut a = app.answers(&inspector, &["SJ-JG-001"]).await;
    a.as_array_mut().unwrap().iter_mut().for_each(|x| {
        if x.get("photos").is_some() {
            x["photos"] = json!([sha]);
        }
    });
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            json!({"uscc": JIANGAN_SHOP, "items": ["SJ-JG-001"], "method": "remote", "inspected_on": "2026-11-20",
                   "team": ["inspector", "inspector2"], "outcome": "no_problem", "answers": a, "notes": "未见异常",
                   "evidence": [sha]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let inspection = r.json()["inspection"]["id"]
        .as_i64()
        .or_else(|| r.json()["id"].as_i64())
        .unwrap();
    let evidence: i64 = app
        .get(&format!("/api/v1/inspections/{inspection}"), &inspector)
        .await
        .json()["evidence"][0]["id"]
        .as_i64()
        .unwrap();
    let task = app
        .post_json("/api/v1/draws", &county, task_spec(json!({})))
        .await
        .json()["task"]["id"]
        .as_i64()
        .unwrap();
    let plan = json!({"year": 2026, "title": "计划", "lines": [{"item_code": "SJ-JG-001", "method": "random", "ratio_bp": 300}]});
    let plan = app.post_json("/api/v1/plans", &county, plan).await.json()["plan"]["id"]
        .as_i64()
        .unwrap();
    let csv = "统一社会信用代码,企业名称\n91420102MA4K8201XX,坏行\n".as_bytes();
    let job = app
        .upload_file("/api/v1/imports/entities", &county, "a.csv", csv)
        .await
        .json()["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let user = app.users["inspector2"].to_string();

    let concrete = |template: &str| -> String {
        let id = if template.contains("/leads/") {
            open_lead.to_string()
        } else if template.contains("/cases/") {
            case.to_string()
        } else if template.contains("/inspections/") {
            inspection.to_string()
        } else if template.contains("/evidence/") {
            evidence.to_string()
        } else if template.contains("/draws/") {
            task.to_string()
        } else if template.contains("/plans/") {
            plan.to_string()
        } else if template.contains("/imports/") {
            job.clone()
        } else {
            user.clone()
        };
        let action = if template.starts_with("/enforcement/cases") {
            "close"
        } else {
            "extend"
        };
        template
            .replace("{id}", &id)
            .replace("{uscc}", JIANGAN_SHOP)
            .replace(
                "{code}",
                if template.contains("department") {
                    "420102-SCJG"
                } else {
                    "SJ-JG-001"
                },
            )
            .replace("{action}", action)
            .replace("{year}", "2027")
            .replace("{seq}", "1")
    };
    let mut walked = 0;
    let mut failures = Vec::new();
    for (method, owned, access) in jianguan::app::route_table() {
        let template = owned.as_str();
        if !template.contains('{') || template.contains("{*") || access == jianguan::platform::auth::Access::Public {
            continue;
        }
        let path = concrete(template);
        for who in ["yichang", "ycadmin", "ycleader", "yjinspector", "yjadmin"] {
            let c = app.session(who).await;
            let status = if method == Method::GET {
                app.get(&path, &c).await.status
            } else if template == "/api/v1/inspections/{id}/evidence" {
                app.upload_file(&path, &c, "p.jpg", crate::support::PHOTO).await.status
            } else if template.starts_with("/api/") {
                app.request(method.clone(), &path, &c, Some(api_body(template)))
                    .await
                    .status
            } else {
                let mut fields = page_fields(template);
                let csrf = c.csrf.clone().unwrap_or_default();
                fields.push(("csrf_token", csrf.as_str()));
                app.post_form(&path, &c, &fields).await.status
            };
            let drug = who.starts_with("yj");
            // A field grades risk for its own supervision: the drug
            // administration grades an entity of its region in its field.
            // The organisation of the region is read by its regulators; a
            // department registers the licences it issues itself.
            let own_field = drug
                && (template == "/api/v1/entities/{uscc}/risk"
                    || template == "/api/v1/entities/{uscc}/licences"
                    || template == "/api/v1/departments/{code}");
            let shared = (method == Method::GET
                && (SHARED_READS.contains(&template) || (drug && territorial(template))))
                || own_field;
            let refused = status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND;
            if !shared && !refused {
                failures.push(format!("{who} {method} {path} ({template}): {status}"));
            }
            walked += 1;
        }
    }
    assert!(failures.is_empty(), "not refused:\n{}", failures.join("\n"));
    assert!(walked > 300, "walked only {walked}");
});

// Finding 12: a department admin reset a peer admin's password; `ADMIN`
// was created beside `admin`; display names took bidi controls.
both!(
    a_peer_admin_cannot_take_over_another_and_names_cannot_pose_as_others,
    |app| {
        setup(&app).await;
        let admin = app.as_role(jianguan_rules::Role::SysAdmin).await;
        let r = app
            .post_json(
                "/api/v1/users",
                &admin,
                json!({"username": "countyadmin2", "role": "dept_admin", "department_code": "420102-SCJG",
                   "password": "Peer#Admin2026", "display_name": "江岸区副管理员"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["user"]["id"]
            .as_i64()
            .or_else(|| r.json()["id"].as_i64())
            .unwrap();
        let path = format!("/api/v1/users/{id}/password");
        let county = app.session("countyadmin").await;
        let r = app
            .request(Method::PUT, &path, &county, Some(json!({"password": "Taken#Over2026"})))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        let city = app.session("cityadmin").await;
        let r = app
            .request(Method::PUT, &path, &city, Some(json!({"password": "Reset#ByCity2026"})))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        // Usernames are one account whatever their case.
        let r = app
        .post_json(
            "/api/v1/users",
            &admin,
            json!({"username": "ADMIN", "role": "leader", "department_code": "420102-SCJG", "password": "Upper#Case2026"}),
        )
        .await;
        assert_eq!(r.code(), "username_taken", "{}", r.text());
        // A display name cannot reorder itself on screen.
        let r = app
        .post_json(
            "/api/v1/users",
            &admin,
            json!({"username": "zhangmin", "role": "leader", "department_code": "420102-SCJG", "password": "Bidi#Name2026",
                   "display_name": "张敏\u{202E}长局"}),
        )
        .await;
        assert_eq!(r.code(), "validation_failed", "{}", r.text());
    }
);

// Finding 16: 0001-01-01, 9999-12-31 and NUL bytes were stored.
both!(absurd_dates_and_nul_bytes_are_refused_with_nothing_stored, |app| {
    setup(&app).await;
    let inspector = app.session("inspector").await;
    for (field, value) in [
        ("found_on", "0001-01-01"),
        ("found_on", "9999-12-31"),
        ("act_ended_on", "0001-01-01"),
    ] {
        let mut body = lead_body(JIANGAN_SHOP);
        body[field] = json!(value);
        let r = app.post_json("/api/v1/leads", &inspector, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.text()
        );
        assert_eq!(r.json()["errors"][0]["field"], field);
    }
    let mut body = lead_body(JIANGAN_SHOP);
    body["summary"] = json!("消费者\u{0}投诉");
    let r = app.post_json("/api/v1/leads", &inspector, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "summary");
    // The same through a page form.
    let csrf = inspector.csrf.clone().unwrap();
    let r = app
        .post_form(
            "/enforcement/leads",
            &inspector,
            &[
                ("csrf_token", csrf.as_str()),
                ("uscc", JIANGAN_SHOP),
                ("source", "complaint"),
                ("summary", "投诉\u{0}"),
                ("found_on", "2026-11-20"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.get("/api/v1/leads", &inspector).await.json()["leads"]
            .as_array()
            .unwrap()
            .is_empty()
    );
});

// Finding 17: the CSP held only frame-ancestors; signed-in answers were
// cacheable; the poster's link followed the request's Host.
both!(
    pages_carry_a_whole_csp_signed_in_answers_are_not_stored_and_posters_use_the_public_address,
    |app| {
        setup(&app).await;
        let app = app.with_public_base_url("https://jg.hubei.gov.cn");
        let anon = Client::anonymous();
        let csp = app.get("/", &anon).await.header("content-security-policy");
        for part in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{csp}");
        }
        let inspector = app.session("inspector").await;
        for path in [
            "/api/v1/leads",
            &format!("/api/v1/entities/{JIANGAN_SHOP}"),
            "/api/v1/entities/export",
        ] {
            let r = app.get(path, &inspector).await;
            assert_eq!(r.header("cache-control"), "no-store", "{path}");
        }
        let req = axum::http::Request::get(format!("/entities/{JIANGAN_SHOP}/qr"))
            .header("cookie", inspector.cookie.clone().unwrap())
            .header("host", "evil.example")
            .body(axum::body::Body::empty())
            .unwrap();
        let poster = app.send(req).await.text();
        assert!(poster.contains("https://jg.hubei.gov.cn/q/"), "{poster}");
        assert!(!poster.contains("evil.example"));
    }
);

// Finding 15: public draw results named the teams before the period began
// (the entity learnt who would come); /metrics and the public audit entry
// told outsiders what the system does.
both!(
    teams_are_published_when_the_period_starts_and_operators_data_is_not_public,
    |app| {
        setup(&app).await;
        let county = app.session("countyadmin").await;
        let r = app
            .post_json(
                "/api/v1/draws",
                &county,
                task_spec(json!({"period_start": "2026-12-01", "period_end": "2026-12-31"})),
            )
            .await;
        let id = r.json()["task"]["id"].as_i64().unwrap();
        app.post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "5"}),
        )
        .await;
        let anon = Client::anonymous();
        let teams = |v: &Value| {
            v["result"]["teams"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["inspectors"].as_array().unwrap().is_empty())
        };
        let public = app.get("/api/v1/public/draws", &anon).await.json();
        let task = public["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone();
        assert!(teams(&task), "no names before 2026-12-01: {task}");
        let bundle = app
            .get(&format!("/api/v1/public/draws/{id}/bundle"), &anon)
            .await
            .json();
        assert!(teams(&bundle), "the bundle neither");
        let page = app.get(&format!("/portal/draws/{id}"), &anon).await.text();
        assert!(
            page.contains("检查期间开始后公布") && !page.contains(">inspector"),
            "{page}"
        );
        // The department sees its teams at once.
        let own = app.get(&format!("/api/v1/draws/{id}"), &county).await.json();
        assert!(!teams(&own["task"]));
        // From the first day of the period, the public does too.
        app.clock.advance(chrono::Duration::days(7));
        let public = app.get("/api/v1/public/draws", &anon).await.json();
        let task = public["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone();
        assert!(!teams(&task));
        assert_eq!(app.get("/metrics", &anon).await.status, StatusCode::UNAUTHORIZED);
    }
);

// Finding 14: staging and bulk exports left no audit entry; staged files
// were never deleted; a file's content was not checked against its type.
both!(uploads_and_exports_are_audited_and_unsigned_uploads_are_let_go, |app| {
    setup(&app).await;
    let inspector = app.session("inspector").await;
    let before = app.audit_count().await;
    let r = app
        .upload_file("/api/v1/evidence", &inspector, "p.jpg", crate::support::PHOTO)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let sha = r.json()["sha256"].as_str().unwrap().to_string();
    assert_eq!(app.audit_count().await, before + 1, "staging is audited");
    // A program renamed .jpg is refused.
    let r = app
        .upload_file(
            "/api/v1/evidence",
            &inspector,
            "photo.jpg",
            b"MZ\x90\x00\x03 not a jpeg",
        )
        .await;
    assert_eq!(r.code(), "unsupported_file", "{}", r.text());
    let r = app
        .upload_file("/api/v1/evidence", &inspector, "note.txt", b"\x00\x01binary")
        .await;
    assert_eq!(r.code(), "unsupported_file", "{}", r.text());
    // A week later, the next upload lets the unsigned one go, file and all.
    assert!(app.state.settings.evidence.get(&sha).await.unwrap().is_some());
    app.clock.advance(chrono::Duration::days(8));
    let inspector = app.session("inspector").await;
    let r = app
        .upload_file("/api/v1/evidence", &inspector, "n.txt", "现场记录".as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(
        app.state.settings.evidence.get(&sha).await.unwrap().is_none(),
        "the unsigned file is deleted"
    );
    // A bulk export is on the chain.
    let before = app.audit_count().await;
    let r = app.get("/api/v1/entities/export", &inspector).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.audit_count().await, before + 1, "the export is audited");
});
