//! Evidence files: stored by SHA-256 (a local folder, or an S3-compatible
//! store), the hash in the audit chain, and an altered file detected on read
//! instead of served.

use crate::both;
use crate::support::{Client, TestApp};
use axum::http::StatusCode;
use jianguan::catalog::sample;
use jianguan_rules::Role;
use serde_json::{Value, json};

async fn upload(app: &TestApp, client: &Client, id: i64, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let r = app
        .upload_file(&format!("/api/v1/inspections/{id}/evidence"), client, name, bytes)
        .await;
    (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

both!(an_altered_evidence_file_is_detected_on_read, |app| {
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let admin = app.as_role(Role::SysAdmin).await;
    let uscc = "91420102MA4K2B8Q7G";
    let r = app
        .post_json(
            "/api/v1/entities",
            &admin,
            json!({"uscc": uscc, "name": "示范商店", "entity_type": "company", "legal_rep": "刘洋", "status": "active",
                   "address": "武汉市江岸区", "division_code": "420102", "industry_code": "5211"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let inspector = app.as_role(Role::Inspector).await;
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            json!({"uscc": uscc, "items": ["SJ-JG-001"], "method": "on_site", "inspected_on": "2026-11-20",
                   "team": ["inspector", "inspector2"], "outcome": "no_problem", "no_checkin_reason": "测试中补录的检查",
                   "answers": app.answers(&inspector, &["SJ-JG-001"]).await}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["inspection"]["id"].as_i64().unwrap();

    let photo = b"\xFF\xD8\xFF\xE0 a photo of the price tags";
    let before = app.audit_count().await;
    let (status, ev) = upload(&app, &inspector, id, "价签.jpg", photo).await;
    assert_eq!(status, StatusCode::CREATED, "{ev}");
    let sha = ev["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha, jianguan_rules::audit::sha256_hex(photo));
    assert_eq!(app.audit_count().await, before + 1, "the hash is in the audit chain");
    let (status, _) = upload(&app, &inspector, id, "setup.exe", b"MZ").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let eid = ev["id"].as_i64().unwrap();
    let r = app.get(&format!("/api/v1/evidence/{eid}"), &inspector).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, photo);
    assert_eq!(r.header("x-content-sha256"), sha);
    // Another region's inspector may not read it.
    let yichang = app.session("yichang").await;
    assert_eq!(
        app.get(&format!("/api/v1/evidence/{eid}"), &yichang).await.code(),
        "out_of_scope"
    );

    // Alter the stored file: reported, never served.
    let path = app.state.settings.data_dir.join("evidence").join(&sha[..2]).join(&sha);
    std::fs::write(&path, b"\xFF\xD8\xFF\xE0 a doctored photo").unwrap();
    let r = app.get(&format!("/api/v1/evidence/{eid}"), &inspector).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.code(), "evidence_tampered");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/evidence/{eid}"), &inspector).await.code(),
        "evidence_tampered"
    );
});

/// The evidence store on S3 (moto, started by `scripts/s3-test-server`):
/// a photo staged, cited by a signed record, read back, and detected when
/// altered in the bucket. Skipped without `JIANGUAN_TEST_S3_ENDPOINT`
/// unless CI=true.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_lives_on_an_s3_compatible_store() {
    let Ok(endpoint) = std::env::var("JIANGUAN_TEST_S3_ENDPOINT") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true needs JIANGUAN_TEST_S3_ENDPOINT"
        );
        return;
    };
    let mut prefix = [0u8; 6];
    getrandom::fill(&mut prefix).unwrap();
    let opts = jianguan::platform::blobs::S3Options {
        endpoint: Some(endpoint),
        region: Some("us-east-1".into()),
        credentials: Some(("test".into(), "test".into())),
    };
    let url = format!("s3://jianguan-test/run-{}", hex::encode(prefix));
    let blobs = jianguan::platform::blobs::Blobs::s3_with(&url, &opts).unwrap();
    let app = crate::support::TestApp::new(crate::support::Backend::Sqlite)
        .await
        .unwrap()
        .with_evidence(blobs.clone());
    sample::load(&app.db, app.clock.now()).await.unwrap();
    let admin = app.as_role(Role::SysAdmin).await;
    let uscc = "91420102MA4K2B8Q7G";
    let r = app
        .post_json(
            "/api/v1/entities",
            &admin,
            json!({"uscc": uscc, "name": "示范商店", "entity_type": "company", "legal_rep": "刘洋", "status": "active",
                   "address": "武汉市江岸区", "division_code": "420102", "industry_code": "5211"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let inspector = app.as_role(Role::Inspector).await;
    let answers = app.answers(&inspector, &["SJ-JG-001"]).await;
    let sha = answers[4]["photos"][0].as_str().unwrap().to_string();
    assert_eq!(
        blobs.get(&sha).await.unwrap().as_deref(),
        Some(crate::support::PHOTO),
        "the photo is in the bucket"
    );
    assert!(
        !app.state
            .settings
            .data_dir
            .join("evidence")
            .join(&sha[..2])
            .join(&sha)
            .exists(),
        "and not on local disk"
    );
    let r = app
        .post_json(
            "/api/v1/inspections",
            &inspector,
            json!({"uscc": uscc, "items": ["SJ-JG-001"], "method": "remote", "inspected_on": "2026-11-20",
                   "team": ["inspector"], "outcome": "no_problem", "answers": answers}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["inspection"]["id"].as_i64().unwrap();
    let d = app.get(&format!("/api/v1/inspections/{id}"), &inspector).await.json();
    let eid = d["evidence"][0]["id"].as_i64().unwrap();
    let r = app.get(&format!("/api/v1/evidence/{eid}"), &inspector).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, crate::support::PHOTO);
    blobs.overwrite(&sha, b"a doctored photo").await.unwrap();
    let r = app.get(&format!("/api/v1/evidence/{eid}"), &inspector).await;
    assert_eq!(r.code(), "evidence_tampered");
}
