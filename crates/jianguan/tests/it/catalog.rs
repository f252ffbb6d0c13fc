//! The catalog: the one guard through the API and the UI, versions seen by
//! the records made under them, the workbook round trip, plan progress and
//! key-list coverage on a hand-checked fixture, and the public open data.

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::{Method, StatusCode};
use chrono::NaiveDate;
use jianguan::audit::Actor;
use jianguan::catalog::{io, sample, store};
use jianguan::registry::model::Licence;
use jianguan::registry::tabular::read_bytes;
use jianguan_rules::{Role, Uscc};
use serde_json::{Value, json};

/// A valid credit code numbered `n` registered in `division`.
fn code(n: u32, division: &str) -> String {
    let body = format!("MA4K{n:04}");
    let oc = Uscc::org_check_char(&body).unwrap();
    Uscc::with_check_char(&format!("91{division}{body}{oc}"))
        .unwrap()
        .as_str()
        .to_string()
}

async fn entity(app: &TestApp, n: u32, division: &str, industry: &str) -> String {
    let admin = app.as_role(Role::SysAdmin).await;
    let uscc = code(n, division);
    let r = app
        .post_json(
            "/api/v1/entities",
            &admin,
            json!({"uscc": uscc, "name": format!("测试餐饮{n}号有限公司"), "entity_type": "company", "legal_rep": "刘洋",
                   "status": "active", "address": "湖北省武汉市江岸区沿江大道188号", "division_code": division,
                   "industry_code": industry, "established_on": "2018-05-20"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    uscc
}

async fn licence(app: &TestApp, uscc: &str, kind: &str) {
    let l = Licence {
        licence_type: kind.into(),
        number: format!("JY{}", &uscc[2..12]),
        issuer: "武汉市江岸区市场监督管理局".into(),
        valid_from: NaiveDate::from_ymd_opt(2020, 1, 1),
        valid_until: NaiveDate::from_ymd_opt(2030, 12, 31),
    };
    jianguan::registry::store::add_licence(&app.db, &Actor::Cli, app.clock.now(), uscc, &l)
        .await
        .unwrap();
}

async fn inspection(app: &TestApp, client: &Client, uscc: &str, items: &[&str], team: &[&str], on: &str) -> Value {
    json!({"uscc": uscc, "items": items, "method": "on_site", "inspected_on": on, "team": team, "outcome": "no_problem",
           "no_checkin_reason": "测试中补录的检查", "answers": app.answers(client, items).await})
}

async fn inspections(app: &TestApp) -> i64 {
    match &app.db {
        jianguan::platform::db::Db::Sqlite { pool, .. } => sqlx::query_scalar("select count(*) from inspections")
            .fetch_one(pool)
            .await
            .unwrap(),
        jianguan::platform::db::Db::Postgres { pool } => sqlx::query_scalar("select count(*) from inspections")
            .fetch_one(pool)
            .await
            .unwrap(),
    }
}

const TEAM: &[&str] = &["inspector", "inspector2"];

both!(the_guard_refuses_actions_outside_the_list, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let canteen = entity(&app, 1, "420102", "6210").await;
    let inspector = app.as_role(Role::Inspector).await;
    let post = |items: &'static [&'static str], team: &'static [&'static str]| {
        let (app, inspector, canteen) = (&app, &inspector, canteen.clone());
        async move {
            let body = inspection(app, inspector, &canteen, items, team, "2026-11-20").await;
            app.post_json("/api/v1/inspections", inspector, body).await
        }
    };
    // A draft item, a retired item and an unknown code are not the list.
    for items in [&["SJ-GG-004"][..], &["SJ-GY-003"], &["SJ-XX-999"]] {
        let r = post(items, TEAM).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{items:?}: {}", r.text());
        assert_eq!(r.code(), "catalog_item_not_published");
    }
    // A drug administration item, cited by a market-regulation inspector.
    let r = post(&["YJ-YP-001"], TEAM).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "department_not_responsible");
    // Food production does not cover a restaurant (industry 6210).
    let r = post(&["SJ-SP-001"], TEAM).await;
    assert_eq!(r.code(), "entity_out_of_scope");
    // Catering needs a food business licence the restaurant does not hold yet.
    let r = post(&["SJ-SP-004"], TEAM).await;
    assert_eq!(r.code(), "entity_out_of_scope", "{}", r.text());
    assert!(r.json()["detail"].as_str().unwrap().contains("食品经营许可证"));
    // One refused item refuses the whole visit.
    let r = post(&["SJ-JG-001", "SJ-GG-004"], TEAM).await;
    assert_eq!(r.code(), "catalog_item_not_published");
    // One inspector alone may not inspect on site (行政处罚法第四十二条).
    let r = post(&["SJ-JG-001"], &["inspector"]).await;
    assert_eq!(r.code(), "inspection_team_invalid");
    // Another bureau's inspector is not this one's official, unless the
    // departments inspect together (联合检查).
    let r = post(&["SJ-JG-001"], &["inspector", "yichang"]).await;
    assert_eq!(r.code(), "inspection_team_invalid");
    assert!(r.text().contains("yichang 不是本部门的执法人员"), "{}", r.text());
    assert_eq!(inspections(&app).await, 0, "a refused action stores nothing");

    licence(&app, &canteen, "食品经营许可证").await;
    let r = post(&["SJ-SP-004", "SJ-JG-001"], TEAM).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let cited = r.json()["inspection"]["items"].as_array().unwrap().clone();
    assert_eq!(cited.len(), 2);
    assert!(cited.iter().all(|c| c["version"] == 1));

    // The same refusals through the page, in Chinese, storing nothing.
    let form = |item: &'static str| {
        vec![
            ("uscc", canteen.clone()),
            ("items", item.to_string()),
            ("method", "on_site".into()),
            ("source", "adhoc".into()),
            ("inspected_on", "2026-11-21".into()),
            ("team", "inspector，inspector2".into()),
            ("outcome", "no_problem".into()),
            ("no_checkin_reason", "二维码损毁无法扫描".into()),
            ("sign", "1".into()),
        ]
    };
    for (item, status, words) in [
        ("SJ-GG-004", StatusCode::UNPROCESSABLE_ENTITY, "未发布"),
        ("YJ-YP-001", StatusCode::FORBIDDEN, "不属于本部门"),
        ("SJ-SP-001", StatusCode::UNPROCESSABLE_ENTITY, "检查对象范围"),
    ] {
        let f = form(item);
        let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.post_multipart("/inspections/new", &inspector, &fields, &[]).await;
        assert_eq!(r.status, status, "{item}");
        assert!(r.text().contains(words), "{item}: {}", r.text());
    }
    assert_eq!(inspections(&app).await, 1);
    let mut f = form("SJ-SP-004");
    for (k, v) in [
        ("pass.SJ-SP-004.1", "1"),
        ("pass.SJ-SP-004.2", "1"),
        ("pass.SJ-SP-004.3", "1"),
        ("value.SJ-SP-004.4", "4.5"),
        ("value.SJ-SP-004.5", "100"),
        ("pass.SJ-SP-004.6", "1"),
    ] {
        f.push((k, v.to_string()));
    }
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app
        .post_multipart(
            "/inspections/new",
            &inspector,
            &fields,
            &[("photo.SJ-SP-004.7", "后厨.jpg", crate::support::PHOTO)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(inspections(&app).await, 2);
    // The inspection is on the entity's information chain.
    let chain = app
        .get(&format!("/api/v1/entities/{canteen}/chain"), &inspector)
        .await
        .json();
    assert!(
        chain["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["source"] == "inspection"),
        "{chain}"
    );
});

both!(a_change_to_a_published_item_is_a_new_version, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let item = json!({"code": "T-JG-001", "name": "明码标价检查", "level": "county", "department_kind": "market_regulation",
        "legal_basis": [{"law": "中华人民共和国价格法", "article": 13}], "scope": {}, "methods": ["random"],
        "checklist": [{"text": "是否明码标价", "result": {"kind": "pass_fail"}}]});
    let r = app.post_json("/api/v1/catalog", &admin, item.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["item"]["status"], "draft");
    assert_eq!(
        app.post_json("/api/v1/catalog", &admin, item.clone()).await.code(),
        "catalog_item_exists"
    );
    // A draft is edited in place.
    let mut content = item.clone();
    content.as_object_mut().unwrap().remove("code");
    content["name"] = json!("经营者明码标价检查");
    let r = app
        .request(Method::PUT, "/api/v1/catalog/T-JG-001", &admin, Some(content.clone()))
        .await;
    assert_eq!(r.json()["item"]["version"], 1, "{}", r.text());
    let r = app
        .post_json("/api/v1/catalog/T-JG-001/publish", &admin, json!({}))
        .await;
    assert_eq!(r.json()["item"]["status"], "published");
    assert_eq!(
        app.post_json("/api/v1/catalog/T-JG-001/publish", &admin, json!({}))
            .await
            .code(),
        "conflict"
    );

    let shop = entity(&app, 2, "420102", "5211").await;
    let inspector = app.as_role(Role::Inspector).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            inspection(&app, &inspector, &shop, &["T-JG-001"], TEAM, "2026-11-02").await,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // Changing the published item creates version 2 and keeps version 1.
    content["name"] = json!("经营者明码标价及价格欺诈检查");
    content["checklist"] = json!([{"text": "是否明码标价", "result": {"kind": "pass_fail"}},
                                   {"text": "价签照片", "result": {"kind": "photo"}}]);
    let r = app
        .request(Method::PUT, "/api/v1/catalog/T-JG-001", &admin, Some(content.clone()))
        .await;
    assert_eq!(r.json()["item"]["version"], 2, "{}", r.text());
    assert_eq!(r.json()["item"]["status"], "published");
    let versions = app.get("/api/v1/catalog/T-JG-001/versions", &admin).await.json();
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2);
    // The record made under version 1 still shows version 1's text.
    let list = app
        .get(&format!("/api/v1/inspections?uscc={shop}"), &inspector)
        .await
        .json();
    assert_eq!(list["inspections"][0]["items"][0]["version"], 1, "{list}");
    assert_eq!(
        list["inspections"][0]["items"][0]["name"], "经营者明码标价检查",
        "{list}"
    );
    let chain = app
        .get(&format!("/api/v1/entities/{shop}/chain"), &inspector)
        .await
        .text();
    assert!(chain.contains("经营者明码标价检查（第1版）"), "{chain}");
    let old = store::get_version(&app.db, "T-JG-001", 1).await.unwrap().unwrap();
    assert_eq!(old.name, "经营者明码标价检查");
    assert_eq!(old.checklist.len(), 1);
    let page = app.get("/catalog/T-JG-001?version=1", &inspector).await;
    assert!(
        page.text().contains("经营者明码标价检查") && page.text().contains("历史版本"),
        "{}",
        page.text()
    );
    assert!(!page.text().contains("价签照片"));
    // A new inspection cites version 2; a retired item is refused.
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            inspection(&app, &inspector, &shop, &["T-JG-001"], TEAM, "2026-11-20").await,
        )
        .await;
    assert_eq!(r.json()["inspection"]["items"][0]["version"], 2);
    app.post_json("/api/v1/catalog/T-JG-001/retire", &admin, json!({}))
        .await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            inspection(&app, &inspector, &shop, &["T-JG-001"], TEAM, "2026-11-21").await,
        )
        .await;
    assert_eq!(r.code(), "catalog_item_not_published");
});

async fn upload(app: &TestApp, client: &Client, name: &str, bytes: &[u8]) -> Value {
    let r = app.upload_file("/api/v1/catalog/import", client, name, bytes).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

both!(the_shipped_workbook_survives_export_and_import, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    // The shipped catalog, through the upload API.
    let report = upload(&app, &admin, "监管事项清单.csv", sample::CATALOG_CSV.as_bytes()).await;
    assert!(report["created"].as_u64().unwrap() >= 40, "{report}");
    assert_eq!(report["errors"], json!([]));
    let first = store::list(&app.db, &Default::default()).await.unwrap();
    // Export as Excel, import into a fresh database: the same catalog.
    let xlsx = app.get("/api/v1/catalog/export?format=xlsx", &admin).await;
    assert!(xlsx.header("content-type").contains("spreadsheetml"));
    let other = TestApp::new(crate::support::Backend::Sqlite).await.unwrap();
    let admin2 = other.as_role(Role::SysAdmin).await;
    let report = upload(&other, &admin2, "export.xlsx", &xlsx.body).await;
    assert_eq!(report["errors"], json!([]), "{report}");
    let second = store::list(&other.db, &Default::default()).await.unwrap();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(
            (&a.code, &a.status, &a.content),
            (&b.code, &b.status, &b.content),
            "{}",
            a.code
        );
    }
    // Importing the export again changes nothing.
    let report = upload(&app, &admin, "export.xlsx", &xlsx.body).await;
    assert_eq!(report["unchanged"].as_u64().unwrap() as usize, first.len(), "{report}");
    // And the CSV export is byte-identical across the two databases.
    let csv_a = io::export(&app.db, false).await.unwrap();
    let csv_b = io::export(&other.db, false).await.unwrap();
    assert_eq!(csv_a, csv_b);
});

#[tokio::test]
async fn bad_catalog_rows_are_listed_with_line_and_reason() {
    let app = TestApp::new(crate::support::Backend::Sqlite).await.unwrap();
    let csv = "事项编码,事项名称,事项层级,责任部门类型,实施依据,监管方式,检查要点,状态\n\
        A-1,好事项,省级,市场监管,《中华人民共和国价格法》第十三条,双随机抽查,是否明码标价|是否,已发布\n\
        A-2,坏依据,省级,市场监管,价格法十三条,双随机抽查,是否明码标价|是否,已发布\n\
        A-3,坏要点,省级,市场监管,《中华人民共和国价格法》第十三条,双随机抽查,温度|数值|℃|9|1,已发布\n\
        A-1,重复,省级,市场监管,《中华人民共和国价格法》第十三条,双随机抽查,是否明码标价|是否,已发布\n\
        A-5,坏方式,省级,市场监管,《中华人民共和国价格法》第十三条,随便查查,是否明码标价|是否,已发布\n";
    let table = read_bytes(csv.as_bytes(), "csv").unwrap();
    let r = io::import(&app.db, &store::Editor::system(Actor::Cli), app.clock.now(), &table)
        .await
        .unwrap();
    assert_eq!(r.created, 1);
    let lines: Vec<u64> = r.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6], "{:?}", r.errors);
    assert!(r.errors[0].reason.contains("实施依据"));
    assert!(r.errors[1].reason.contains("下限大于上限"), "{}", r.errors[1].reason);
    assert!(r.errors[2].reason.contains("重复"));
    assert!(r.errors[3].reason.contains("监管方式"));
}

both!(plan_progress_and_key_coverage_on_a_hand_checked_fixture, |app| {
    let admin = app.as_role(Role::SysAdmin).await;
    let item = json!({"code": "T-SP-004", "name": "餐饮服务检查", "level": "county", "department_kind": "market_regulation",
        "legal_basis": [{"law": "中华人民共和国食品安全法", "article": 87}],
        "scope": {"industries": ["62"], "licence_types": ["食品经营许可证"]}, "methods": ["random", "key"],
        "checklist": [{"text": "冷藏温度", "result": {"kind": "number", "unit": "℃", "max": 8.0}}]});
    assert_eq!(
        app.post_json("/api/v1/catalog", &admin, item).await.status,
        StatusCode::CREATED
    );
    app.post_json("/api/v1/catalog/T-SP-004/publish", &admin, json!({}))
        .await;
    // Five licensed restaurants in 江岸区, one unlicensed, one in 宜昌.
    let mut r = Vec::new();
    for n in 0..5 {
        let c = entity(&app, 10 + n, "420102", "6210").await;
        licence(&app, &c, "食品经营许可证").await;
        r.push(c);
    }
    entity(&app, 20, "420102", "6210").await;
    let far = entity(&app, 21, "420502", "6210").await;
    licence(&app, &far, "食品经营许可证").await;

    // Plan of 江岸区: 50% of a directory of 5 → 3 planned (rounded up).
    let county = app.session("countyadmin").await;
    let plan = json!({"year": 2026, "title": "2026年餐饮抽查计划",
        "lines": [{"item_code": "T-SP-004", "method": "random", "ratio_bp": 5000}]});
    let p = app.post_json("/api/v1/plans", &county, plan.clone()).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let id = p.json()["plan"]["id"].as_i64().unwrap();
    assert_eq!(app.post_json("/api/v1/plans", &county, plan).await.code(), "conflict");
    let inspector = app.as_role(Role::Inspector).await;
    // r[0] twice this year, r[1] once, r[2] only last year: done = 2.
    for (c, day) in [
        (&r[0], "2026-03-10"),
        (&r[0], "2026-11-01"),
        (&r[1], "2026-10-15"),
        (&r[2], "2025-12-30"),
    ] {
        let res = app
            .post_json("/api/v1/inspections", &inspector, {
                let mut b = inspection(&app, &inspector, c, &["T-SP-004"], TEAM, day).await;
                b["source"] = json!("random");
                b
            })
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    }
    // A routine (日常) visit to r[4] is not a random inspection: it does not
    // count towards the random line.
    let res = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            inspection(&app, &inspector, &r[4], &["T-SP-004"], TEAM, "2026-11-03").await,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let got = app.get(&format!("/api/v1/plans/{id}"), &county).await.json();
    let line = &got["progress"][0];
    assert_eq!(
        (
            line["directory"].as_i64(),
            line["planned"].as_i64(),
            line["done"].as_i64()
        ),
        (Some(5), Some(3), Some(2)),
        "{got}"
    );
    // Draft → approved by a leader → published on the portal.
    assert_eq!(
        app.get(&format!("/api/v1/public/plans/{id}"), &Client::anonymous())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_json(&format!("/api/v1/plans/{id}/publish"), &county, json!({}))
            .await
            .code(),
        "conflict"
    );
    let leader = app.as_role(Role::Leader).await;
    assert_eq!(
        app.post_json(&format!("/api/v1/plans/{id}/approve"), &county, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_json(&format!("/api/v1/plans/{id}/approve"), &leader, json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post_json(&format!("/api/v1/plans/{id}/publish"), &county, json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    // A region's view shows the plans of every department in it, totalled.
    let wuhan = app
        .get("/portal/plans?region=420100", &Client::anonymous())
        .await
        .text();
    assert!(
        wuhan.contains("2026年餐饮抽查计划") && wuhan.contains("区域合计") && wuhan.contains("3 / 2"),
        "{wuhan}"
    );
    let yichang = app
        .get("/portal/plans?region=420500", &Client::anonymous())
        .await
        .text();
    assert!(!yichang.contains("2026年餐饮抽查计划"));
    let public = app
        .get(&format!("/api/v1/public/plans/{id}"), &Client::anonymous())
        .await;
    assert_eq!(public.json()["progress"][0]["done"], 2);
    let page = app.get(&format!("/portal/plans/{id}"), &Client::anonymous()).await;
    assert!(
        page.text().contains("data-chart") && page.text().contains("66%"),
        "{}",
        page.text()
    );

    // Key list, quarterly: r[0] (inspected 11-01, this quarter), r[1]
    // (10-15, this quarter), r[3] (never): 2 of 3 covered; r[2] was
    // inspected last year only and is not listed.
    let k = app
        .post_json(
            "/api/v1/key-list/items",
            &admin,
            json!({"item_code": "T-SP-004", "reason": "学校周边餐饮", "period": "quarter"}),
        )
        .await;
    assert_eq!(k.status, StatusCode::NO_CONTENT, "{}", k.text());
    for c in [&r[0], &r[1], &r[3]] {
        let res = app
            .post_json(
                "/api/v1/key-list/entities",
                &admin,
                json!({"item_code": "T-SP-004", "uscc": c, "reason": "学校周边"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    }
    // An entity outside the item's scope cannot be listed.
    let unlicensed = code(20, "420102");
    let res = app
        .post_json(
            "/api/v1/key-list/entities",
            &admin,
            json!({"item_code": "T-SP-004", "uscc": unlicensed, "reason": "x"}),
        )
        .await;
    assert_eq!(res.code(), "entity_out_of_scope");
    let cov = app.get("/api/v1/key-list", &county).await.json();
    let c = &cov["coverage"][0];
    assert_eq!(
        (c["listed"].as_i64(), c["covered"].as_i64()),
        (Some(3), Some(2)),
        "{cov}"
    );
    assert_eq!(c["period_start"], "2026-10-01");
    assert_eq!(c["uncovered"][0]["uscc"], json!(r[3]));
    // On the first day of next quarter nobody is covered yet.
    let cov = app.get("/api/v1/key-list?on=2027-01-05", &county).await.json();
    assert_eq!(cov["coverage"][0]["covered"], 0);
    let page = app.get("/key-list", &county).await;
    assert!(page.text().contains("data-chart") && page.text().contains("66%"));
    // The public sees the key item, not the entities.
    let public = app.get("/api/v1/public/key-items", &Client::anonymous()).await.text();
    assert!(public.contains("T-SP-004") && !public.contains(&r[0]));
});

both!(the_public_catalog_is_open_data, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let anon = Client::anonymous();
    let r = app.get("/api/v1/public/catalog", &anon).await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert!(items.len() >= 40);
    assert!(
        items
            .iter()
            .all(|i| !i["legal_basis"].as_array().unwrap().is_empty() && i["department_kind_zh"] != "")
    );
    // Drafts and retired items are not published.
    assert!(
        !items
            .iter()
            .any(|i| i["code"] == "SJ-GG-004" || i["code"] == "SJ-GY-003")
    );
    let sp = items.iter().find(|i| i["code"] == "SJ-SP-004").unwrap();
    assert!(
        sp["legal_basis"][0]
            .as_str()
            .unwrap()
            .starts_with("《中华人民共和国食品安全法》第"),
        "{sp}"
    );
    let q = app
        .get("/api/v1/public/catalog?q=%E7%94%B5%E6%A2%AF", &anon)
        .await
        .json();
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["name"].as_str().unwrap().contains("电梯") || i["legal_basis"].to_string().contains("电梯"))
    );
    assert_eq!(
        app.get("/api/v1/public/catalog/SJ-GG-004", &anon).await.status,
        StatusCode::NOT_FOUND
    );
    for page in [
        "/portal/catalog",
        "/portal/catalog/SJ-TZ-001",
        "/portal/lists",
        "/portal/plans",
    ] {
        let r = app.get(page, &anon).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
    }
    let lists = app.get("/portal/lists", &anon).await.text();
    assert!(lists.contains("首违不罚") && lists.contains("第三十三条"));
    // Loading the sample twice changes nothing.
    let before = app.audit_count().await;
    sample::load(&app.db, app.clock.now()).await.unwrap();
    assert_eq!(app.audit_count().await, before);
});

both!(each_department_keeps_only_its_own_items_and_lists, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let city = app.session("cityadmin").await; // 武汉市 market regulation
    let county = app.session("countyadmin").await; // 江岸区 market regulation
    let item = |code: &str, level: &str, kind: &str| {
        json!({"code": code, "name": "测试事项", "level": level, "department_kind": kind,
               "legal_basis": [{"law": "中华人民共和国价格法", "article": 13}], "scope": {}, "methods": ["random"],
               "checklist": [{"text": "是否明码标价", "result": {"kind": "pass_fail"}}]})
    };
    // A city bureau keeps city and county items of its own kind only.
    let r = app
        .post_json("/api/v1/catalog", &city, item("C-1", "provincial", "market_regulation"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = app
        .post_json("/api/v1/catalog", &city, item("C-2", "county", "drug_administration"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json("/api/v1/catalog", &city, item("C-3", "city", "market_regulation"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // ... and cannot hand its item to another kind, or touch the province's.
    let mut moved = item("C-3", "city", "drug_administration");
    moved.as_object_mut().unwrap().remove("code");
    let r = app
        .request(Method::PUT, "/api/v1/catalog/C-3", &city, Some(moved))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for path in ["/api/v1/catalog/YJ-YP-003/retire", "/api/v1/catalog/SJ-GS-001/retire"] {
        assert_eq!(
            app.post_json(path, &county, json!({})).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // The province-wide key list is not a county's to rewrite.
    let r = app
        .post_json(
            "/api/v1/key-list/items",
            &county,
            json!({"item_code": "SJ-JG-001", "reason": "x", "period": "year"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Tolerance entries cite a published item of the department's own kind.
    let entry = |code: &str| {
        json!({"list_kind": "first_offence", "item_code": code, "behaviour": "未亮照经营",
               "legal_basis": "《中华人民共和国行政处罚法》第三十三条第一款", "conditions": "初次违法", "treatment": "不予处罚"})
    };
    assert_eq!(
        app.post_json("/api/v1/tolerance", &county, entry("SJ-GG-004"))
            .await
            .code(),
        "catalog_item_not_published"
    );
    assert_eq!(
        app.post_json("/api/v1/tolerance", &county, entry("YJ-YP-001"))
            .await
            .code(),
        "department_not_responsible"
    );
    assert_eq!(
        app.post_json("/api/v1/tolerance", &county, entry("SJ-GS-003"))
            .await
            .status,
        StatusCode::CREATED
    );

    // A workbook without a 状态 column keeps each item's state; a row may
    // not move an item backwards (published → draft).
    let csv = "事项编码,事项名称,事项层级,责任部门类型,实施依据,监管方式,检查要点\n\
        SJ-JL-001,强制检定计量器具使用单位监督检查（修订）,县级,市场监管,《中华人民共和国计量法》第九条,双随机抽查,是否按期检定|是否\n";
    let table = read_bytes(csv.as_bytes(), "csv").unwrap();
    let editor = store::Editor::system(Actor::Cli);
    let r = io::import(&app.db, &editor, app.clock.now(), &table).await.unwrap();
    assert_eq!((r.new_versions, r.errors.len()), (1, 0), "{:?}", r.errors);
    let jl = store::get(&app.db, "SJ-JL-001").await.unwrap().unwrap();
    assert_eq!(
        (jl.status, jl.version),
        (jianguan_rules::catalog::ItemStatus::Published, 2)
    );
    let back = format!(
        "{}\n",
        csv.trim_end().replace("检查要点\n", "检查要点,状态\n") + ",草稿"
    );
    let r = io::import(
        &app.db,
        &editor,
        app.clock.now(),
        &read_bytes(back.as_bytes(), "csv").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(r.errors.len(), 1, "{r:?}");
    assert!(r.errors[0].reason.contains("不能由"), "{}", r.errors[0].reason);

    // Plans: only the plan's department publishes it.
    let plan = json!({"year": 2026, "title": "计划", "lines": [{"item_code": "SJ-JG-001", "method": "random", "ratio_bp": 300}]});
    let id = app.post_json("/api/v1/plans", &county, plan).await.json()["plan"]["id"]
        .as_i64()
        .unwrap();
    let leader = app.as_role(Role::Leader).await;
    assert_eq!(
        app.post_json(&format!("/api/v1/plans/{id}/approve"), &leader, json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post_json(&format!("/api/v1/plans/{id}/publish"), &city, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_json(&format!("/api/v1/plans/{id}/publish"), &county, json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    // A line with neither ratio nor number, or a method the item lacks, is refused.
    for line in [
        json!({"item_code": "SJ-JG-001", "method": "random"}),
        json!({"item_code": "SJ-JG-001", "method": "key", "planned_count": 3}),
    ] {
        let p = json!({"year": 2027, "title": "计划", "lines": [line]});
        let r = app.post_json("/api/v1/plans", &county, p).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.code(), "validation_failed");
    }
    // The same rules through the pages.
    let csrf = county.csrf.clone().unwrap();
    let r = app
        .post_form(
            "/tolerance",
            &county,
            &[
                ("csrf_token", &csrf),
                ("list_kind", "first_offence"),
                ("item_code", "SJ-JG-001"),
                ("behaviour", "价签不规范"),
                ("legal_basis", "《中华人民共和国行政处罚法》第三十三条第一款"),
                ("conditions", "初次违法"),
                ("treatment", "责令改正"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = app
        .post_form(
            "/tolerance",
            &county,
            &[
                ("csrf_token", &csrf),
                ("list_kind", "first_offence"),
                ("item_code", "YJ-YP-001"),
                ("behaviour", "x"),
                ("legal_basis", "《中华人民共和国行政处罚法》第三十三条第一款"),
                ("conditions", "x"),
                ("treatment", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("不属于本部门"), "{}", r.text());
    let r = app
        .post_form(
            "/key-list/items",
            &county,
            &[
                ("csrf_token", &csrf),
                ("item_code", "SJ-JG-001"),
                ("reason", "x"),
                ("period", "year"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("省级"), "{}", r.text());
});
