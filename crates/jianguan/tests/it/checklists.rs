//! Checklists, signing and what follows a signed record: every point of the
//! cited item versions answered and judged; photos staged then bound to
//! their point with EXIF time and place; signed records immutable at the
//! database; corrections as new linked records; orders to rectify tracked to
//! their follow-up; joint visits signed per department and read by all; the
//! too-frequent-visits alert (无事不扰).

use crate::both;
use crate::support::{Client, PHOTO, TestApp};
use axum::http::StatusCode;
use chrono::NaiveDate;
use jianguan::audit::Actor;
use jianguan::catalog::sample;
use jianguan::org::model::{DeptKind, NewDepartment, NewUser};
use jianguan::registry::model::Licence;
use jianguan_rules::{Role, Uscc};
use serde_json::{Value, json};

const SHOP: &str = "91420102MA4K2B8Q7G";

fn code(n: u32) -> String {
    let body = format!("MA4K{n:04}");
    let oc = Uscc::org_check_char(&body).unwrap();
    Uscc::with_check_char(&format!("91420102{body}{oc}"))
        .unwrap()
        .as_str()
        .to_string()
}

async fn entity(app: &TestApp, uscc: &str, industry: &str) {
    let admin = app.as_role(Role::SysAdmin).await;
    let r = app
        .post_json(
            "/api/v1/entities",
            &admin,
            json!({"uscc": uscc, "name": format!("江岸测试商户{}", &uscc[10..14]), "entity_type": "company", "legal_rep": "刘洋",
                   "status": "active", "address": "武汉市江岸区", "division_code": "420102", "industry_code": industry}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

async fn setup(app: &TestApp) {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    entity(app, SHOP, "5211").await;
}

/// A remote check of SJ-JG-001 (no check-in needed) with `extra` fields.
fn body(extra: Value) -> Value {
    let mut v = json!({"uscc": SHOP, "items": ["SJ-JG-001"], "method": "remote", "inspected_on": "2026-11-20",
                       "team": ["inspector"], "outcome": "no_problem"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

async fn sign(app: &TestApp, client: &Client, b: Value) -> Value {
    let r = app.post_json("/api/v1/inspections", client, b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["inspection"].clone()
}

async fn try_sql(app: &TestApp, sql: &str) -> Result<(), String> {
    match &app.db {
        jianguan::platform::db::Db::Sqlite { pool, .. } => sqlx::query(sql).execute(pool).await.map(|_| ()),
        jianguan::platform::db::Db::Postgres { pool } => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .map_err(|e| e.to_string())
}

both!(every_point_is_answered_and_judged_and_photos_keep_their_exif, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    // Nothing answered: every point of the item version is named.
    let r = app.post_json("/api/v1/inspections", &inspector, body(json!({}))).await;
    assert_eq!(r.code(), "checklist_invalid", "{}", r.text());
    let problem = r.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields.len(), 5, "{fields:?}");
    assert!(fields.contains(&"answers.SJ-JG-001.5"));
    assert!(r.json()["detail"].as_str().unwrap().contains("标价签及收费公示照片"));

    let staged = app.upload_file("/api/v1/evidence", &inspector, "价签.jpg", PHOTO).await;
    assert_eq!(staged.status, StatusCode::CREATED, "{}", staged.text());
    let staged = staged.json();
    assert_eq!(
        staged["taken_at"],
        json!("2026-11-24T02:15:30Z"),
        "EXIF time read as China time"
    );
    assert!((staged["latitude"].as_f64().unwrap() - 30.59).abs() < 1e-6);
    let sha = staged["sha256"].as_str().unwrap().to_string();
    let answers = |overcharged: f64, photos: Value| {
        json!([{"item_code": "SJ-JG-001", "point": 1, "pass": true},
               {"item_code": "SJ-JG-001", "point": 2, "pass": true},
               {"item_code": "SJ-JG-001", "point": 3, "pass": true},
               {"item_code": "SJ-JG-001", "point": 4, "value": overcharged},
               {"item_code": "SJ-JG-001", "point": 5, "photos": photos}])
    };
    // A wrong kind of answer, a point that does not exist, an unstaged photo.
    let mut wrong = answers(0.0, json!([sha]));
    wrong[0] = json!({"item_code": "SJ-JG-001", "point": 1, "text": "是"});
    let r = app
        .post_json("/api/v1/inspections", &inspector, body(json!({"answers": wrong})))
        .await;
    assert_eq!(r.code(), "checklist_invalid");
    let mut extra = answers(0.0, json!([sha])).as_array().unwrap().clone();
    extra.push(json!({"item_code": "SJ-JG-001", "point": 9, "pass": true}));
    let r = app
        .post_json("/api/v1/inspections", &inspector, body(json!({"answers": extra})))
        .await;
    assert_eq!(r.code(), "checklist_invalid");
    assert!(r.text().contains("没有第9条"), "{}", r.text());
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": answers(0.0, json!(["00".repeat(32)]))})),
        )
        .await;
    assert_eq!(r.code(), "validation_failed", "{}", r.text());
    // A document is not a photo.
    let pdf = app
        .upload_file("/api/v1/evidence", &inspector, "价签.pdf", b"%PDF-1.4 price list")
        .await;
    let pdf = pdf.json()["sha256"].as_str().unwrap().to_string();
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": answers(0.0, json!([pdf]))})),
        )
        .await;
    assert_eq!(r.code(), "checklist_invalid", "{}", r.text());
    // Three goods overcharged (limit 0): a nonconformity, which cannot be
    // concluded as "no problem"; an order to rectify needs its deadline.
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": answers(3.0, json!([sha]))})),
        )
        .await;
    assert_eq!(r.code(), "validation_failed");
    assert_eq!(r.json()["errors"][0]["field"], "outcome");
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": answers(3.0, json!([sha])), "outcome": "rectify"})),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "rectify_by", "{}", r.text());
    let before = app.audit_count().await;
    let i = sign(
        &app,
        &inspector,
        body(json!({"answers": answers(3.0, json!([sha])), "outcome": "rectify", "rectify_by": "2026-12-04"})),
    )
    .await;
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "the record and its photo are both in the chain"
    );
    let id = i["id"].as_i64().unwrap();
    let d = app.get(&format!("/api/v1/inspections/{id}"), &inspector).await.json();
    let verdicts: Vec<&str> = d["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["conform", "conform", "conform", "nonconform", "noted"]);
    assert_eq!(d["answers"][3]["answer"], "3 件");
    assert_eq!(d["answers"][3]["question"], "抽查商品结算价高于标价的件数");
    let ev = &d["evidence"][0];
    assert_eq!(
        (ev["item_code"].as_str(), ev["point"].as_i64()),
        (Some("SJ-JG-001"), Some(5))
    );
    assert_eq!(ev["sha256"], json!(sha));
    assert!((ev["longitude"].as_f64().unwrap() - 114.291_666).abs() < 1e-5);
    // The staged photo was used up: it cannot be cited again unseen.
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": answers(0.0, json!([sha]))})),
        )
        .await;
    assert_eq!(r.code(), "validation_failed");
    // The page shows the verdicts and the photo's time and place.
    let page = app.get(&format!("/inspections/{id}"), &inspector).await.text();
    assert!(
        page.contains("不符合") && page.contains("整改期限 2026-12-04"),
        "{page}"
    );
    assert!(page.contains("拍摄于 2026-11-24 10:15"), "{page}");
    // The enterprise's receipt lists the answers.
    let enterprise = app.as_role(Role::Enterprise).await;
    let receipt = app.get(&format!("/inspections/{id}/receipt"), &enterprise).await.text();
    assert!(
        receipt.contains("抽查商品结算价高于标价的件数") && receipt.contains("3 件"),
        "{receipt}"
    );
});

both!(signed_records_never_change_and_corrections_link_to_them, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let first = sign(&app, &inspector, body(json!({"answers": a, "notes": "价签齐全"}))).await;
    let id = first["id"].as_i64().unwrap();
    // Not even with database access through the application's tables.
    for sql in [
        format!("update inspections set outcome = 'case' where id = {id}"),
        format!("delete from inspection_answers where inspection_id = {id}"),
        format!("update inspection_items set item_version = 9 where inspection_id = {id}"),
        format!("delete from evidence where inspection_id = {id}"),
    ] {
        let e = try_sql(&app, &sql).await.expect_err(&sql);
        assert!(e.contains("immutable") || e.contains("never deleted"), "{sql}: {e}");
    }
    // A correction needs its reason, and is a new record naming the first.
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": a, "corrects": id})),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "notes", "{}", r.text());
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let second = sign(
        &app,
        &inspector,
        body(json!({"answers": a, "corrects": id, "notes": "更正：检查日期笔误", "inspected_on": "2026-11-19"})),
    )
    .await;
    let d = app.get(&format!("/api/v1/inspections/{id}"), &inspector).await.json();
    assert_eq!(d["corrected_by"], second["id"]);
    assert_eq!(
        d["inspection"]["inspected_on"], "2026-11-20",
        "the first record is unchanged"
    );
    assert_eq!(d["inspection"]["notes"], "价签齐全");
    // The corrected record cannot be corrected twice; correct the newest.
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": a, "corrects": id, "notes": "再次更正"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.code(), "inspection_signed");
    // Another department cannot correct it.
    let yichang = app.session("yichang").await;
    let r = app
        .post_json("/api/v1/inspections", &yichang, body(json!({"corrects": second["id"]})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "out of region: {}", r.text());
});

both!(orders_to_rectify_are_tracked_to_their_follow_up, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    let nonconform = |a: &mut Value| a[0]["pass"] = json!(false);
    let mut a = app.answers(&inspector, &["SJ-JG-001"]).await;
    nonconform(&mut a);
    let order = sign(
        &app,
        &inspector,
        body(json!({"answers": a, "outcome": "rectify", "rectify_by": "2026-11-22", "inspected_on": "2026-11-10"})),
    )
    .await;
    let id = order["id"].as_i64().unwrap();
    let list =
        || async { app.get("/api/v1/inspections/rectifications", &inspector).await.json()["rectifications"].clone() };
    // The clock says 2026-11-24: the deadline has passed with no follow-up.
    assert_eq!(list().await[0]["status"], "overdue");
    let page = app.get("/inspections", &inspector).await.text();
    assert!(page.contains("逾期未复查"), "{page}");
    // A follow-up of a record that ordered nothing is refused.
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let plain = sign(
        &app,
        &inspector,
        body(json!({"answers": a, "inspected_on": "2026-11-11"})),
    )
    .await;
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": a, "follows_up": plain["id"]})),
        )
        .await;
    assert_eq!(r.code(), "inspection_signed");
    // Problems again, then done.
    let mut a = app.answers(&inspector, &["SJ-JG-001"]).await;
    nonconform(&mut a);
    sign(
        &app,
        &inspector,
        body(json!({"answers": a, "follows_up": id, "outcome": "case", "inspected_on": "2026-11-23"})),
    )
    .await;
    assert_eq!(list().await[0]["status"], "again");
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let done = sign(
        &app,
        &inspector,
        body(json!({"answers": a, "follows_up": id, "inspected_on": "2026-11-24"})),
    )
    .await;
    let l = list().await;
    assert_eq!(
        (l[0]["status"].as_str(), &l[0]["followed_up_by"]),
        (Some("done"), &done["id"])
    );
    // The order is corrected (a typo in its notes): the correction is the
    // order now, and the follow-ups made so far still count for it.
    let mut a = app.answers(&inspector, &["SJ-JG-001"]).await;
    nonconform(&mut a);
    let fixed = sign(
        &app,
        &inspector,
        body(
            json!({"answers": a, "outcome": "rectify", "rectify_by": "2026-11-22", "inspected_on": "2026-11-10",
                    "corrects": id, "notes": "更正：整改要求笔误"}),
        ),
    )
    .await;
    let l = list().await;
    assert_eq!(l.as_array().unwrap().len(), 1, "{l}");
    assert_eq!(
        (&l[0]["inspection_id"], l[0]["status"].as_str()),
        (&fixed["id"], Some("done"))
    );
    // A follow-up names the record in force, not the one corrected.
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            body(json!({"answers": a, "follows_up": id})),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "follows_up", "{}", r.text());
});

both!(a_form_sent_twice_is_signed_once, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let b = body(json!({"answers": a, "submission_id": "phone-7f3a9c21"}));
    let first = sign(&app, &inspector, b.clone()).await;
    // The answer was lost; the phone sends the same form again (its photo
    // is no longer staged: the record already holds it).
    let again = sign(&app, &inspector, b).await;
    assert_eq!(first["id"], again["id"]);
    let list = app
        .get(&format!("/api/v1/inspections?uscc={SHOP}"), &inspector)
        .await
        .json();
    assert_eq!(list["inspections"].as_array().unwrap().len(), 1);
    // Someone else's submission id is not theirs to replay.
    let yichang_like = app.session("countyadmin").await;
    let a = app.answers(&yichang_like, &["SJ-JG-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &yichang_like,
            body(json!({"answers": a, "submission_id": "phone-7f3a9c21", "team": ["inspector", "countyadmin"]})),
        )
        .await;
    assert_eq!(r.code(), "conflict", "{}", r.text());
    let r = app
        .post_json("/api/v1/inspections", &inspector, body(json!({"submission_id": "短"})))
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "submission_id");
});

/// A drug administration bureau and one of its inspectors, in 江岸区.
async fn drug_bureau(app: &TestApp) -> Client {
    let now = app.clock.now();
    let d = NewDepartment {
        code: "420102-YJJ".into(),
        name: "武汉市江岸区药品监督管理局".into(),
        kind: DeptKind::DrugAdministration,
        division_code: "420102".into(),
        parent_code: None,
    };
    jianguan::org::store::create_department(&app.db, &Actor::Cli, now, &d)
        .await
        .unwrap();
    let u = NewUser {
        username: "yjinspector".into(),
        display_name: None,
        role: Role::Inspector,
        department_code: Some("420102-YJJ".into()),
        uscc: None,
        cert_no: Some("CERT-YJ".into()),
        cert_valid_until: NaiveDate::from_ymd_opt(2028, 12, 31),
        password: crate::support::PASSWORD.into(),
    };
    jianguan::org::store::create_user(&app.db, &Actor::Cli, jianguan::org::store::Manager::System, now, &u)
        .await
        .unwrap();
    app.session("yjinspector").await
}

both!(a_joint_visit_is_signed_per_department_and_read_by_all, |app| {
    setup(&app).await;
    let pharmacy = code(7001);
    entity(&app, &pharmacy, "5251").await;
    let l = Licence {
        licence_type: "药品经营许可证".into(),
        number: "鄂AA0270001".into(),
        issuer: "湖北省药品监督管理局".into(),
        valid_from: NaiveDate::from_ymd_opt(2022, 1, 1),
        valid_until: NaiveDate::from_ymd_opt(2027, 12, 31),
    };
    jianguan::registry::store::add_licence(&app.db, &Actor::Cli, app.clock.now(), &pharmacy, &l)
        .await
        .unwrap();
    let inspector = app.as_role(Role::Inspector).await;
    let yj = drug_bureau(&app).await;
    let team = json!(["inspector", "yjinspector"]);
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let lead = sign(
        &app,
        &inspector,
        json!({"uscc": pharmacy, "items": ["SJ-JG-001"], "method": "on_site", "source": "joint", "inspected_on": "2026-11-24",
               "team": team, "outcome": "no_problem", "no_checkin_reason": "联合检查由市场监管局签到", "answers": a}),
    )
    .await;
    let lead_id = lead["id"].as_i64().unwrap();
    // The drug inspector fills the drug items of the same visit.
    let part = |answers: Value, extra: Value| {
        let mut v = json!({"uscc": pharmacy, "items": ["YJ-YP-001"], "method": "on_site", "source": "joint",
                           "inspected_on": "2026-11-24", "team": team, "outcome": "no_problem",
                           "no_checkin_reason": "联合检查由市场监管局签到", "joint_with": lead_id, "answers": answers});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let a = app.answers(&yj, &["YJ-YP-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &yj,
            part(a.clone(), json!({"inspected_on": "2026-11-23"})),
        )
        .await;
    assert_eq!(
        r.json()["errors"][0]["field"],
        "joint_with",
        "same day only: {}",
        r.text()
    );
    let mine = sign(&app, &yj, part(a, json!({}))).await;
    // A department signs its part once.
    let a = app.answers(&yj, &["YJ-YP-001"]).await;
    let r = app.post_json("/api/v1/inspections", &yj, part(a, json!({}))).await;
    assert_eq!(r.code(), "validation_failed");
    // Both parts, seen from either department.
    for (client, id) in [(&inspector, lead_id), (&yj, mine["id"].as_i64().unwrap())] {
        let d = app.get(&format!("/api/v1/inspections/{id}"), client).await.json();
        let depts: Vec<&str> = d["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["department"].as_str().unwrap())
            .collect();
        assert_eq!(depts, ["420102-SCJG", "420102-YJJ"]);
    }
    // One visit for 无事不扰, however many departments signed a part.
    let form = app
        .get(&format!("/inspections/new?uscc={pharmacy}"), &inspector)
        .await
        .text();
    assert!(form.contains("data-visits=\"1\""), "{form}");
    // The drug part is corrected: the visit shows the correction in its
    // place, and the department still has one part.
    let a = app.answers(&yj, &["YJ-YP-001"]).await;
    let fixed = sign(
        &app,
        &yj,
        part(a, json!({"corrects": mine["id"], "notes": "更正：检查人员名单"})),
    )
    .await;
    let d = app
        .get(&format!("/api/v1/inspections/{lead_id}"), &inspector)
        .await
        .json();
    let ids: Vec<&Value> = d["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["inspection_id"])
        .collect();
    assert_eq!(ids, [&json!(lead_id), &fixed["id"]]);
    // Each department's list has the visit under its own items.
    let list = app.get("/api/v1/inspections", &yj).await.json();
    assert_eq!(list["inspections"][1]["items"][0]["code"], "YJ-YP-001");
    assert_eq!(list["inspections"][0]["joint_with"], json!(lead_id));
});

both!(too_many_visits_raise_one_alert_per_period, |app| {
    setup(&app).await;
    let admin = app.as_role(Role::SysAdmin).await;
    let leader = app.as_role(Role::Leader).await;
    let inspector = app.as_role(Role::Inspector).await;
    let r = app
        .request(
            axum::http::Method::PUT,
            "/api/v1/inspections/alert-rule",
            &admin,
            Some(json!({"max_visits": 0, "period_days": 30})),
        )
        .await;
    assert_eq!(r.code(), "validation_failed");
    let r = app
        .request(
            axum::http::Method::PUT,
            "/api/v1/inspections/alert-rule",
            &admin,
            Some(json!({"max_visits": 2, "period_days": 30})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let visit = |on: &'static str| {
        let (app, inspector) = (&app, &inspector);
        async move {
            let a = app.answers(inspector, &["SJ-JG-001"]).await;
            sign(app, inspector, body(json!({"answers": a, "inspected_on": on}))).await
        }
    };
    let alerts = || async { app.get("/api/v1/inspections/alerts", &leader).await.json()["alerts"].clone() };
    // A visit long ago is outside the 30 days.
    visit("2026-09-01").await;
    visit("2026-11-01").await;
    visit("2026-11-10").await;
    assert_eq!(
        alerts().await.as_array().unwrap().len(),
        0,
        "two in 30 days is the limit"
    );
    // The form warns before a third visit.
    let form = app
        .get(&format!("/inspections/new?uscc={SHOP}"), &inspector)
        .await
        .text();
    assert!(
        form.contains("data-visits=\"2\"") && form.contains("无事不扰"),
        "{form}"
    );
    let third = visit("2026-11-20").await;
    let a = alerts().await;
    assert_eq!(a.as_array().unwrap().len(), 1, "{a}");
    assert_eq!(
        (a[0]["visits"].as_i64(), &a[0]["inspection_id"]),
        (Some(3), &third["id"])
    );
    assert_eq!(a[0]["window_start"], "2026-10-22");
    visit("2026-11-21").await;
    assert_eq!(alerts().await.as_array().unwrap().len(), 1, "one alert per period");
    // Inspectors do not read alerts; the leader's page lists them.
    let r = app.get("/api/v1/inspections/alerts", &inspector).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = app.get("/inspections", &leader).await.text();
    assert!(page.contains("检查频次预警") && page.contains(SHOP), "{page}");
    // A visit recorded late fills a window that ends after its day: two
    // visits on 11-10 and 11-20, then one backdated to 10-25.
    let other = code(7002);
    entity(&app, &other, "5211").await;
    for on in ["2026-11-10", "2026-11-20", "2026-10-25"] {
        let a = app.answers(&inspector, &["SJ-JG-001"]).await;
        let mut b = body(json!({"answers": a, "inspected_on": on}));
        b["uscc"] = json!(other);
        sign(&app, &inspector, b).await;
    }
    let a = alerts().await;
    let late = a
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["uscc"] == json!(other))
        .expect("the backdated visit raised an alert");
    assert_eq!(
        (late["window_start"].as_str(), late["window_end"].as_str()),
        (Some("2026-10-22"), Some("2026-11-20")),
        "the first 30 days holding all three"
    );
});
