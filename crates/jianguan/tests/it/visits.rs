//! On-site inspections rest on a check-in (or a recorded reason); the
//! enterprise confirms and rates each visit once; supervisors, not the rated
//! inspectors, read the rating; the receipt's hash is in the public chain.

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::StatusCode;
use jianguan::catalog::sample;
use jianguan_rules::Role;
use serde_json::{Value, json};

const USCC: &str = "91420102MA4K2B8Q7G";

async fn setup(app: &TestApp) {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let admin = app.as_role(Role::SysAdmin).await;
    let r = app
        .post_json(
            "/api/v1/entities",
            &admin,
            json!({"uscc": USCC, "name": "武汉江岸示范餐饮有限公司", "entity_type": "company", "legal_rep": "刘洋",
                   "status": "active", "address": "武汉市江岸区", "division_code": "420102", "industry_code": "5211"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

fn visit(extra: Value) -> Value {
    let mut v = json!({"uscc": USCC, "items": ["SJ-JG-001"], "method": "on_site", "inspected_on": "2026-11-24",
                       "team": ["inspector", "inspector2"], "outcome": "no_problem"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

both!(an_on_site_inspection_needs_a_check_in_or_a_reason, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    let r = app.post_json("/api/v1/inspections", &inspector, visit(json!({}))).await;
    assert_eq!(r.code(), "checkin_required", "{}", r.text());
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            visit(json!({"no_checkin_reason": "坏"})),
        )
        .await;
    assert_eq!(r.code(), "checkin_required", "a reason must say something");
    // A remote check on documents needs no check-in.
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            visit(json!({"method": "remote", "team": ["inspector"], "answers": app.answers(&inspector, &["SJ-JG-001"]).await})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Check in on site (the clock says 2026-11-24 10:00 in China).
    let c = app
        .post_json(
            "/api/v1/checkins",
            &inspector,
            json!({"uscc": USCC, "latitude": 30.59, "longitude": 114.30}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let cid = c.json()["id"].as_i64().unwrap();
    // Someone else's check-in, or another day, does not count.
    let yichang = app.session("yichang").await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &yichang,
            visit(json!({"checkin_id": cid, "team": ["yichang", "inspector"]})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "yichang is out of this region: {}",
        r.text()
    );
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            visit(json!({"checkin_id": cid, "inspected_on": "2026-11-23"})),
        )
        .await;
    assert_eq!(r.code(), "checkin_required");
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            visit(json!({"checkin_id": cid, "answers": app.answers(&inspector, &["SJ-JG-001"]).await})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Two certified inspectors are still required with a check-in.
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            visit(json!({"checkin_id": cid, "team": ["inspector"]})),
        )
        .await;
    assert_eq!(r.code(), "inspection_team_invalid");
});

both!(the_enterprise_confirms_and_rates_and_supervisors_read_it, |app| {
    setup(&app).await;
    let inspector = app.as_role(Role::Inspector).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            visit(json!({"no_checkin_reason": "二维码损毁无法扫描", "answers": app.answers(&inspector, &["SJ-JG-001"]).await})),
        )
        .await;
    let id = r.json()["inspection"]["id"].as_i64().unwrap();
    let enterprise = app.as_role(Role::Enterprise).await;
    let page = app.get("/enterprise/inspections", &enterprise).await.text();
    assert!(page.contains("经营者明码标价监督检查"), "{page}");
    let r = app
        .post_json(
            &format!("/api/v1/inspections/{id}/confirm"),
            &enterprise,
            json!({"rating": 7}),
        )
        .await;
    assert_eq!(r.code(), "validation_failed");
    let r = app
        .post_json(
            &format!("/api/v1/inspections/{id}/confirm"),
            &enterprise,
            json!({"rating": 4, "comment": "检查规范"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = app
        .post_json(
            &format!("/api/v1/inspections/{id}/confirm"),
            &enterprise,
            json!({"rating": 1}),
        )
        .await;
    assert_eq!(r.code(), "conflict", "confirmed once");
    // The rated inspector cannot read the rating; a leader can.
    assert_eq!(
        app.get(&format!("/api/v1/inspections/{id}/feedback"), &inspector)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let leader = app.as_role(Role::Leader).await;
    let f = app
        .get(&format!("/api/v1/inspections/{id}/feedback"), &leader)
        .await
        .json();
    assert_eq!(
        (f["rating"].as_i64(), f["comment"].as_str()),
        (Some(4), Some("检查规范"))
    );
    // The receipt's audit hash is in the public chain.
    let receipt = app.get(&format!("/inspections/{id}/receipt"), &enterprise).await.text();
    let seq: i64 = receipt
        .split("/api/v1/public/audit/entries/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let entry = app
        .get(&format!("/api/v1/public/audit/entries/{seq}"), &Client::anonymous())
        .await
        .json();
    // The hashes are public, what the entry records is not (issue 12,
    // finding 15).
    assert!(
        entry.get("action").is_none() && entry.get("object_type").is_none(),
        "{entry}"
    );
    assert!(receipt.contains(entry["hash"].as_str().unwrap()));
    // Regulators read receipts too.
    let other = app
        .get(&format!("/inspections/{id}/receipt"), &app.session("admin").await)
        .await;
    assert_eq!(
        other.status,
        StatusCode::OK,
        "the system administrator sees every receipt"
    );
});
