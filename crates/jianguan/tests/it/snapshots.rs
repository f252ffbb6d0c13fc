//! Snapshots of the shapes other people's software depends on (issue 13):
//! the OpenAPI document, the problem body of every error code, the audit
//! payloads of an enforcement flow (hashed, signed and published: outside
//! verifiers recompute them), the public draw bundle and an entity's
//! information chain. A change to any of them fails here first; accept it
//! on purpose with `cargo insta review` (or `INSTA_UPDATE=always`) and say
//! so in the change. Both databases must give the same snapshot.

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use http_body_util::BodyExt;
use jianguan::catalog::sample;
use jianguan::platform::error::{AppError, ErrorCode};
use jianguan_rules::Role;
use serde_json::{Value, json};

#[test]
fn the_openapi_document() {
    let doc = serde_json::to_value(jianguan::app::openapi::document()).unwrap();
    insta::assert_json_snapshot!("openapi", doc, {".info.version" => "[version]"});
}

#[tokio::test]
async fn the_problem_body_of_every_error_code() {
    let mut all = serde_json::Map::new();
    for &code in ErrorCode::ALL {
        let res = AppError::new(code, "detail").into_response();
        let status = res.status().as_u16();
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        all.insert(
            code.as_str().into(),
            json!({"status": status, "content_type": content_type, "body": body}),
        );
    }
    insta::assert_json_snapshot!("problems", all);
}

async fn entity(app: &TestApp) {
    let admin = app.as_role(Role::SysAdmin).await;
    let r = app
        .post_json(
            "/api/v1/entities",
            &admin,
            json!({"uscc": "91420102MA4K2B8Q7G", "name": "江岸快照测试店", "entity_type": "company", "legal_rep": "刘洋",
                   "status": "active", "address": "武汉市江岸区", "division_code": "420102", "industry_code": "5211",
                   "established_on": "2019-05-06"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

both!(the_audit_payloads_of_a_lead_filed_and_closed, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    entity(&app).await;
    let before = app.audit_count().await;
    let inspector = app.session("inspector").await;
    let r = app
        .post_json(
            "/api/v1/leads",
            &inspector,
            json!({"uscc": "91420102MA4K2B8Q7G", "source": "complaint", "summary": "投诉价格欺诈", "found_on": "2026-11-20"}),
        )
        .await;
    let lead = r.json()["id"].as_i64().unwrap();
    let county = app.session("countyadmin").await;
    let r = app
        .post_json(
            &format!("/api/v1/leads/{lead}/file"),
            &county,
            json!({"cause": "价格欺诈", "officers": ["inspector", "inspector2"], "note": "证据确凿"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let case = r.json()["case"]["id"]
        .as_i64()
        .or_else(|| r.json()["id"].as_i64())
        .unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/cases/{case}/close"),
            &county,
            json!({"ground": "not_established", "note": "违法事实不能成立"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let entries = jianguan::audit::store::recent(&app.db, None, 50).await.unwrap();
    let mut flow: Vec<Value> = entries
        .into_iter()
        .filter(|e| e.seq > before && !e.action.starts_with("auth."))
        .map(|e| json!({"action": e.action, "object": [e.object_type, e.object_id], "actor": e.actor, "payload": e.payload}))
        .collect();
    flow.reverse();
    insta::assert_json_snapshot!("audit_payloads_lead_to_closure", flow);
    // The chain with the case on it, as its department reads it.
    let chain = app
        .get("/api/v1/entities/91420102MA4K2B8Q7G/chain", &county)
        .await
        .json();
    insta::assert_json_snapshot!("entity_chain_with_a_case", chain);
});

both!(the_public_draw_bundle_and_an_entitys_chain, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    entity(&app).await;
    let county = app.session("countyadmin").await;
    let spec = json!({"title": "明码标价抽查", "items": ["SJ-JG-001"], "period_start": "2026-11-24",
                      "period_end": "2026-12-31", "exclude_recent_months": 0, "ratios": {"B": 10000}});
    let id = app.post_json("/api/v1/draws", &county, spec).await.json()["task"]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/draws/{id}/draw"),
            &county,
            json!({"public_value": "7"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let bundle = app
        .get(&format!("/api/v1/public/draws/{id}/bundle"), &Client::anonymous())
        .await
        .json();
    // What depends on the random secret is redacted; the shape stays.
    insta::assert_json_snapshot!("public_draw_bundle", bundle, {
        ".secret" => "[secret]",
        ".commitment" => "[commitment]",
        ".result.seed_commitment" => "[commitment]",
        ".result.team_stream_position" => "[position]",
        ".result.selected[].code" => "[code]",
        ".result.teams[].code" => "[code]",
        ".result.teams[].inspectors" => "[team]",
    });
    let admin = app.as_role(Role::SysAdmin).await;
    let chain = app
        .get("/api/v1/entities/91420102MA4K2B8Q7G/chain", &admin)
        .await
        .json();
    insta::assert_json_snapshot!("entity_chain", chain);
});
