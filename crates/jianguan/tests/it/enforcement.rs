//! Enforcement from lead to closure: an inspection transferred to a case
//! raises a lead; leads are verified on the working-day calendar
//! (程序规定第十八条), filed with two certified officers within the
//! limitation period (第十九条; 行政处罚法第三十六条) or declined
//! (第二十条); cases run against 90 days (+30, then only collectively;
//! 第六十四条), close on a ground of 第七十七条, keep their own hash chain,
//! and leave the draw's object directory while open.

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::StatusCode;
use jianguan::catalog::sample;
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

async fn setup(app: &TestApp) {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let admin = app.as_role(Role::SysAdmin).await;
    for uscc in [SHOP.to_string(), code(7001), code(7002)] {
        let r = app
            .post_json(
                "/api/v1/entities",
                &admin,
                json!({"uscc": uscc, "name": format!("江岸办案测试{}", &uscc[10..14]), "entity_type": "company",
                       "legal_rep": "刘洋", "status": "active", "address": "武汉市江岸区", "division_code": "420102",
                       "industry_code": "5211"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
}

async fn lead(app: &TestApp, client: &Client, body: Value) -> Value {
    let r = app.post_json("/api/v1/leads", client, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

async fn lead_count(app: &TestApp, client: &Client) -> usize {
    app.get("/api/v1/leads", client).await.json()["leads"]
        .as_array()
        .unwrap()
        .len()
}

/// Candidates of a freshly scheduled price-tag task over the three shops.
async fn candidates(app: &TestApp, client: &Client) -> i64 {
    let spec = json!({"title": "明码标价抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-24",
                      "period_end": "2026-12-31", "exclude_recent_months": 0});
    let r = app.post_json("/api/v1/draws", client, spec).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["task"]["candidates"].as_i64().unwrap()
}

both!(
    an_inspection_transferred_to_a_case_is_filed_extended_and_closed,
    |app| {
        setup(&app).await;
        let inspector = app.as_role(Role::Inspector).await;
        let county = app.session("countyadmin").await;
        assert_eq!(candidates(&app, &county).await, 3);
        let a = app.answers(&inspector, &["SJ-JG-001"]).await;
        let r = app
            .post_json(
                "/api/v1/inspections",
                &inspector,
                json!({"uscc": SHOP, "items": ["SJ-JG-001"], "method": "remote", "inspected_on": "2026-11-20",
                   "team": ["inspector"], "outcome": "case", "answers": a, "notes": "结算价高于标价"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let inspection = r.json()["inspection"]["id"].as_i64().unwrap();

        // The transfer raised a lead, found on the day of the visit: 15 working
        // days from Fri 2026-11-20 end on Fri 2026-12-11.
        let leads = app.get("/api/v1/leads", &inspector).await.json()["leads"].clone();
        assert_eq!(leads.as_array().unwrap().len(), 1, "{leads}");
        let l = &leads[0];
        assert_eq!(l["source"], "inspection");
        assert_eq!(l["inspection_id"], inspection);
        assert_eq!(l["found_on"], "2026-11-20");
        assert_eq!(l["verify_by"], "2026-12-11");
        assert_eq!(l["status"], "pending");
        assert!(l["summary"].as_str().unwrap().contains("结算价高于标价"));
        let id = l["id"].as_i64().unwrap();

        // Filing is the head's: an inspector may not.
        let file = format!("/api/v1/leads/{id}/file");
        let r = app
            .post_json(
                &file,
                &inspector,
                json!({"cause": "x", "officers": ["inspector", "inspector2"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Two certified officers of the lead's department (第十九条).
        for officers in [
            json!(["inspector"]),
            json!(["inspector", "yichang"]),
            json!(["inspector", "countyadmin"]),
        ] {
            let r = app
                .post_json(
                    &file,
                    &county,
                    json!({"cause": "涉嫌不按规定明码标价", "officers": officers}),
                )
                .await;
            assert_eq!(r.code(), "case_officers_invalid", "{officers}: {}", r.text());
        }
        let r = app
            .post_json(
                &file,
                &county,
                json!({"cause": "涉嫌不按规定明码标价", "officers": ["inspector", "inspector2"], "note": "核查属实"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let case = r.json();
        let case_id = case["id"].as_i64().unwrap();
        assert_eq!(case["case_no"], "420102-SCJG立〔2026〕1号");
        assert_eq!(case["filed_on"], "2026-11-24");
        // 90 days from Tue 2026-11-24: Mon 2027-02-22 (第六十四条).
        assert_eq!(case["due_on"], "2027-02-22");
        assert_eq!(case["officers"].as_array().unwrap().len(), 2);
        assert_eq!(case["events"][0]["action"], "case.filed");
        assert_eq!(case["chain_intact"], true);
        // One decision per lead.
        let again = app
            .post_json(
                &file,
                &county,
                json!({"cause": "再次立案", "officers": ["inspector", "inspector2"]}),
            )
            .await;
        assert_eq!(again.code(), "lead_decided");
        assert_eq!(
            app.get(&format!("/api/v1/leads/{id}"), &inspector).await.json()["status"],
            "filed"
        );

        // While the case is open the shop leaves the draw's object directory.
        assert_eq!(candidates(&app, &county).await, 2);

        // Extensions: +30 days by the head, further only collectively.
        let ext = format!("/api/v1/cases/{case_id}/extend");
        let r = app.post_json(&ext, &county, json!({"reason": "需调取交易记录"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["due_on"], "2027-03-24");
        let r = app.post_json(&ext, &county, json!({"reason": "仍需鉴定"})).await;
        assert_eq!(r.code(), "validation_failed", "{}", r.text());
        let r = app
            .post_json(
                &ext,
                &county,
                json!({"reason": "案情复杂", "collective_until": "2027-05-31"}),
            )
            .await;
        assert_eq!(r.json()["due_on"], "2027-05-31", "{}", r.text());
        assert_eq!(r.json()["extensions"], 2);

        // Closure on a ground of 第七十七条.
        let close = format!("/api/v1/cases/{case_id}/close");
        let r = app
            .post_json(&close, &county, json!({"ground": "settled", "note": "x"}))
            .await;
        assert_eq!(r.code(), "validation_failed");
        let r = app
            .post_json(
                &close,
                &county,
                json!({"ground": "not_established", "note": "价签与结算系统一致"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let closed = r.json();
        assert_eq!(closed["status"], "closed");
        assert_eq!(closed["closed_on"], "2026-11-24");
        let actions: Vec<&str> = closed["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["case.filed", "case.extended", "case.extended", "case.closed"]);
        assert_eq!(closed["chain_intact"], true);
        assert_eq!(
            app.post_json(&ext, &county, json!({"reason": "x"})).await.code(),
            "case_closed"
        );
        assert_eq!(
            app.post_json(&close, &county, json!({"ground": "executed", "note": "x"}))
                .await
                .code(),
            "case_closed"
        );
        // Filing and closure are on the entity's information chain.
        let chain = app
            .get(&format!("/api/v1/entities/{SHOP}/chain"), &inspector)
            .await
            .json();
        let kinds: Vec<&str> = chain["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"case_filed") && kinds.contains(&"case_closed"),
            "{kinds:?}"
        );
        // Closed, the shop is back in the directory.
        assert_eq!(candidates(&app, &county).await, 3);

        // The chain's steps are never changed, even from inside the database.
        let e = match &app.db {
            jianguan::platform::db::Db::Sqlite { pool, .. } => sqlx::query("update case_events set actor = 'x'")
                .execute(pool)
                .await
                .map(|_| ()),
            jianguan::platform::db::Db::Postgres { pool } => sqlx::query("update case_events set actor = 'x'")
                .execute(pool)
                .await
                .map(|_| ()),
        }
        .unwrap_err();
        assert!(e.to_string().contains("never changed"), "{e}");
        // A region that does not cover the department does not see the case.
        let yichang = app.session("yichang").await;
        assert_eq!(
            app.get(&format!("/api/v1/cases/{case_id}"), &yichang).await.code(),
            "out_of_scope"
        );
        assert!(
            app.get("/api/v1/cases", &yichang).await.json()["cases"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
);

both!(a_correction_raises_a_lead_only_when_it_first_concludes_a_case, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    let sign = |extra: Value| {
        let mut b = json!({"uscc": SHOP, "items": ["SJ-JG-001"], "method": "remote", "inspected_on": "2026-11-20",
                           "team": ["inspector"], "outcome": "no_problem"});
        for (k, x) in extra.as_object().unwrap() {
            b[k] = x.clone();
        }
        b
    };
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let r = app
        .post_json("/api/v1/inspections", &inspector, sign(json!({"answers": a})))
        .await;
    let first = r.json()["inspection"]["id"].as_i64().unwrap();
    assert_eq!(lead_count(&app, &inspector).await, 0);
    // Corrected to a case transfer: a lead, citing the correction.
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            sign(json!({"answers": a, "corrects": first, "outcome": "case", "notes": "更正：应移送立案"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let second = r.json()["inspection"]["id"].as_i64().unwrap();
    let leads = app.get("/api/v1/leads", &inspector).await.json()["leads"].clone();
    assert_eq!(leads.as_array().unwrap().len(), 1);
    assert_eq!(leads[0]["inspection_id"], second);
    // Correcting that record again (still a case) raises no second lead.
    let a = app.answers(&inspector, &["SJ-JG-001"]).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            sign(json!({"answers": a, "corrects": second, "outcome": "case", "notes": "更正：补充情况"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(lead_count(&app, &inspector).await, 1);
});

both!(a_lead_by_hand_counts_working_days_and_is_declined_on_a_ground, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    let county = app.session("countyadmin").await;
    // Found Wed 2026-09-23: 中秋 and 国庆 skipped, Sat 10-10 worked → 10-21.
    let l = lead(
        &app,
        &inspector,
        json!({"uscc": SHOP, "source": "complaint", "summary": "消费者投诉价签与结算不符", "found_on": "2026-09-23"}),
    )
    .await;
    assert_eq!(l["verify_by"], "2026-10-21");
    let id = l["id"].as_i64().unwrap();
    // Refused inputs.
    for (body, code) in [
        (
            json!({"uscc": SHOP, "source": "inspection", "summary": "x"}),
            "validation_failed",
        ),
        (
            json!({"uscc": SHOP, "source": "rumour", "summary": "x"}),
            "validation_failed",
        ),
        (
            json!({"uscc": SHOP, "source": "report", "summary": " "}),
            "validation_failed",
        ),
        (
            json!({"uscc": SHOP, "source": "report", "summary": "x", "found_on": "2026-11-25"}),
            "validation_failed",
        ),
        (
            json!({"uscc": "91420102MA4K2B8Q7X", "source": "report", "summary": "x"}),
            "invalid_uscc",
        ),
    ] {
        assert_eq!(
            app.post_json("/api/v1/leads", &inspector, body.clone()).await.code(),
            code,
            "{body}"
        );
    }
    // The desk marks it overdue.
    let page = app.get("/enforcement", &county).await.text();
    assert!(
        page.contains(&format!("线索 {id}")) && page.contains("已超期"),
        "{page}"
    );

    // Its period ran out on 10-21: too late to extend it now.
    let r = app
        .post_json(
            &format!("/api/v1/leads/{id}/extend"),
            &county,
            json!({"reason": "需调取外地交易记录"}),
        )
        .await;
    assert_eq!(r.code(), "conflict", "{}", r.text());
    assert!(r.text().contains("届满"), "{}", r.text());
    // A lead still within its period (found Wed 11-04, due Wed 11-25) is
    // extended once by 15 working days from its last day: Wed 12-16.
    let fresh = lead(
        &app,
        &inspector,
        json!({"uscc": SHOP, "source": "report", "summary": "举报外地货源", "found_on": "2026-11-04"}),
    )
    .await;
    assert_eq!(fresh["verify_by"], "2026-11-25");
    let ext = format!("/api/v1/leads/{}/extend", fresh["id"]);
    let r = app
        .post_json(&ext, &county, json!({"reason": "需调取外地交易记录"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["verify_by"], "2026-12-16");
    assert_eq!(
        app.post_json(&ext, &county, json!({"reason": "再延"})).await.code(),
        "lead_decided"
    );

    let decline = format!("/api/v1/leads/{id}/decline");
    let r = app
        .post_json(&decline, &county, json!({"ground": "busy", "note": "x"}))
        .await;
    assert_eq!(r.code(), "validation_failed");
    let r = app
        .post_json(
            &decline,
            &county,
            json!({"ground": "first_minor", "note": "初次违法，当场改正"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "declined");
    assert_eq!(r.json()["decline_ground"], "first_minor");
    let r = app
        .post_json(
            &format!("/api/v1/leads/{id}/file"),
            &county,
            json!({"cause": "x", "officers": ["inspector", "inspector2"]}),
        )
        .await;
    assert_eq!(r.code(), "lead_decided");
    // The province's leader reads the county's leads but decides only the
    // province bureau's own (程序规定第十八条: that department's head); nor
    // does the city bureau's administrator.
    let leader = app.as_role(Role::Leader).await;
    let path = format!("/api/v1/leads/{}/decline", fresh["id"]);
    let r = app
        .post_json(&path, &leader, json!({"ground": "other", "note": "x"}))
        .await;
    assert_eq!(r.code(), "forbidden", "{}", r.text());
    let city = app.session("cityadmin").await;
    let r = app
        .post_json(&path, &city, json!({"ground": "other", "note": "x"}))
        .await;
    assert_eq!(r.code(), "forbidden", "{}", r.text());
    assert_eq!(
        app.get(&format!("/api/v1/leads/{id}"), &leader).await.status,
        StatusCode::OK
    );
    let yichang = app.session("yichang").await;
    assert_eq!(
        app.get(&format!("/api/v1/leads/{id}"), &yichang).await.code(),
        "out_of_scope"
    );
});

both!(filing_refuses_an_act_beyond_the_limitation_period, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    let county = app.session("countyadmin").await;
    let officers = json!(["inspector", "inspector2"]);
    // Ended 2024-11-01, found 2026-11-24: more than 2 years.
    let old = lead(
        &app,
        &inspector,
        json!({"uscc": SHOP, "source": "report", "summary": "两年前的虚假标价", "act_ended_on": "2024-11-01"}),
    )
    .await;
    let r = app
        .post_json(
            &format!("/api/v1/leads/{}/file", old["id"]),
            &county,
            json!({"cause": "价格违法", "officers": officers}),
        )
        .await;
    assert_eq!(r.code(), "beyond_limitation", "{}", r.text());
    assert_eq!(
        app.get(&format!("/api/v1/leads/{}", old["id"]), &county).await.json()["status"],
        "pending"
    );
    // Harm to life and health: five years (行政处罚法第三十六条).
    let grave = lead(
        &app,
        &inspector,
        json!({"uscc": SHOP, "source": "transfer", "summary": "销售过期食品致人腹泻", "act_ended_on": "2024-11-01", "grave": true}),
    )
    .await;
    let r = app
        .post_json(
            &format!("/api/v1/leads/{}/file", grave["id"]),
            &county,
            json!({"cause": "销售过期食品", "officers": officers}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["case_no"], "420102-SCJG立〔2026〕1号");
});

both!(
    an_administrator_enters_next_years_holidays_and_deadlines_follow,
    |app| {
        setup(&app).await;
        // It is late December (sessions opened after this).
        app.clock.advance(chrono::Duration::days(30));
        let anon = Client::anonymous();
        let years = app.get("/api/v1/calendar", &anon).await.json()["years"].clone();
        let listed: Vec<i64> = years
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y["year"].as_i64().unwrap())
            .collect();
        assert_eq!(listed, [2025, 2026]);
        let inspector = app.as_role(Role::Inspector).await;
        let body = json!({"uscc": SHOP, "source": "report", "summary": "年底举报", "found_on": "2026-12-21"});
        // Without 2027 the count over the new year skips weekends only:
        // found Mon 2026-12-21 → Mon 2027-01-11.
        let before = lead(&app, &inspector, body.clone()).await;
        assert_eq!(before["verify_by"], "2027-01-11");
        let schedule = json!({"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
        "holidays": [{"name": "元旦", "first": "2027-01-01", "last": "2027-01-03"}], "workdays": []});
        let county = app.session("countyadmin").await;
        assert_eq!(
            app.request(
                axum::http::Method::PUT,
                "/api/v1/calendar/2027",
                &county,
                Some(schedule.clone())
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let admin = app.as_role(Role::SysAdmin).await;
        let bad = json!({"source": "x", "holidays": [{"name": "春节", "first": "2027-02-10", "last": "2027-02-06"}]});
        let r = app
            .request(axum::http::Method::PUT, "/api/v1/calendar/2027", &admin, Some(bad))
            .await;
        assert_eq!(r.code(), "validation_failed", "{}", r.text());
        let r = app
            .request(axum::http::Method::PUT, "/api/v1/calendar/2027", &admin, Some(schedule))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let years = r.json()["years"].clone();
        assert_eq!(years[2]["year"], 2027);
        assert_eq!(years[2]["set_by"], format!("user:{}", app.users["admin"]));
        // The same lead now: Jan 1 is a holiday → Tue 2027-01-12; the lead
        // registered before is recounted on the new schedule too.
        let after = lead(&app, &inspector, body).await;
        assert_eq!(after["verify_by"], "2027-01-12");
        let recounted = app
            .get(&format!("/api/v1/leads/{}", before["id"]), &inspector)
            .await
            .json();
        assert_eq!(recounted["verify_by"], "2027-01-12");
    }
);

both!(the_desk_registers_files_and_closes_through_forms, |app| {
    setup(&app).await;
    let county = app.session("countyadmin").await;
    let csrf = county.csrf.clone().unwrap();
    let r = app
        .post_form(
            "/enforcement/leads",
            &county,
            &[
                ("csrf_token", &csrf),
                ("uscc", SHOP),
                ("source", "report"),
                ("summary", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("写明线索内容"), "{}", r.text());
    let r = app
        .post_form(
            "/enforcement/leads",
            &county,
            &[
                ("csrf_token", &csrf),
                ("uscc", SHOP),
                ("source", "report"),
                ("summary", "举报无照经营"),
                ("found_on", "2026-11-23"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let at = r.header("location");
    assert!(at.starts_with("/enforcement/leads/"), "{at}");
    let page = app.get(&at, &county).await.text();
    assert!(page.contains("举报无照经营") && page.contains("批准立案"), "{page}");
    // One officer: refused in Chinese, what was typed kept.
    let r = app
        .post_form(
            &format!("{at}/file"),
            &county,
            &[("csrf_token", &csrf), ("cause", "无照经营"), ("officers", "inspector")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let t = r.text();
    assert!(t.contains("两名以上") && t.contains("value=\"无照经营\""), "{t}");
    let r = app
        .post_form(
            &format!("{at}/file"),
            &county,
            &[
                ("csrf_token", &csrf),
                ("cause", "无照经营"),
                ("officers", "inspector、inspector2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let case_at = r.header("location");
    let page = app.get(&case_at, &county).await.text();
    assert!(
        page.contains("420102-SCJG立〔2026〕1号") && page.contains("校验通过"),
        "{page}"
    );
    let r = app
        .post_form(
            &format!("{case_at}/close"),
            &county,
            &[
                ("csrf_token", &csrf),
                ("ground", "no_penalty"),
                ("note", "首违不罚，已教育"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.get(&case_at, &county).await.text();
    assert!(page.contains("已结案") && page.contains("首违不罚，已教育"), "{page}");
    // An inspector reads the desk but takes no head's decision.
    let inspector = app.as_role(Role::Inspector).await;
    let page = app.get(&at, &inspector).await.text();
    assert!(!page.contains("批准立案"), "{page}");
});

both!(
    time_kept_out_of_a_period_moves_the_deadline_and_stays_on_the_chain,
    |app| {
        setup(&app).await;
        let inspector = app.as_role(Role::Inspector).await;
        let county = app.session("countyadmin").await;
        let l = lead(
            &app,
            &inspector,
            json!({"uscc": SHOP, "source": "report", "summary": "举报销售不合格食品"}),
        )
        .await;
        let lid = l["id"].as_i64().unwrap();
        // A lead's clock stops for testing, not for a hearing (第十八条第二款).
        let r = app
            .post_json(
                &format!("/api/v1/leads/{lid}/pause"),
                &county,
                json!({"kind": "hearing", "reason": "x"}),
            )
            .await;
        assert_eq!(r.code(), "validation_failed", "{}", r.text());
        let r = app
        .post_json(
            &format!("/api/v1/leads/{lid}/file"),
            &county,
            json!({"cause": "涉嫌销售不合格食品", "officers": ["inspector", "inspector2"], "act_ended_on": "2026-11-20"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let case = r.json();
        let cid = case["id"].as_i64().unwrap();
        assert_eq!(case["due_on"], "2027-02-22");
        assert_eq!(
            app.get(&format!("/api/v1/leads/{lid}"), &county).await.json()["act_ended_on"],
            "2026-11-20"
        );
        // Two days later the samples go to the laboratory.
        app.clock.advance(chrono::Duration::days(2));
        let county = app.session("countyadmin").await;
        let pause = format!("/api/v1/cases/{cid}/pause");
        let r = app
            .post_json(
                &pause,
                &county,
                json!({"kind": "testing", "reason": "样品送检", "from_on": "2026-11-25"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["paused"], true);
        assert_eq!(
            app.post_json(&pause, &county, json!({"kind": "hearing", "reason": "x"}))
                .await
                .code(),
            "conflict"
        );
        // The report comes back on 11-30: six days kept out, 2027-02-22 + 6 is
        // Sunday 02-28 → Monday 03-01.
        app.clock.advance(chrono::Duration::days(5));
        let county = app.session("countyadmin").await;
        let r = app
            .post_json(
                &format!("/api/v1/cases/{cid}/resume"),
                &county,
                json!({"to_on": "2026-11-30"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let detail = r.json();
        assert_eq!(detail["due_on"], "2027-03-01");
        assert_eq!(detail["paused"], false);
        let actions: Vec<&str> = detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["case.filed", "case.paused", "case.resumed"]);
        assert_eq!(detail["chain_intact"], true);
        // The row changed behind the chain's back no longer agrees with it.
        app.exec(&format!("update cases set due_on = '2027-06-01' where id = {cid}"))
            .await;
        let detail = app.get(&format!("/api/v1/cases/{cid}"), &county).await.json();
        assert_eq!(detail["chain_intact"], false);
    }
);
