//! Things that must stay in step: the two dialects' migrations, the route
//! table and the OpenAPI document, the error codes and docs/api.md.

use jianguan::app::route_table;
use jianguan::platform::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use jianguan::platform::error::ErrorCode;
use std::collections::BTreeSet;
use std::path::Path;

fn versions_on_disk(dialect: &str) -> Vec<i64> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dialect);
    let mut v: Vec<i64> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .split('_')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn migrations_match_across_dialects_and_disk() {
    let sqlite: Vec<i64> = SQLITE_MIGRATIONS.iter().map(|m| m.0).collect();
    let pg: Vec<i64> = POSTGRES_MIGRATIONS.iter().map(|m| m.0).collect();
    assert_eq!(sqlite, pg, "both dialects must have the same versions");
    assert_eq!(
        sqlite,
        versions_on_disk("sqlite"),
        "every SQLite migration file is embedded"
    );
    assert_eq!(
        pg,
        versions_on_disk("postgres"),
        "every PostgreSQL migration file is embedded"
    );
    for (a, b) in SQLITE_MIGRATIONS.iter().zip(POSTGRES_MIGRATIONS) {
        assert_eq!(a.1, b.1, "migration {} has different descriptions", a.0);
    }
}

#[test]
fn every_api_route_is_documented_and_nothing_else() {
    let doc = serde_json::to_value(jianguan::app::openapi::document()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = route_table()
        .into_iter()
        .filter(|(_, p, _)| p.starts_with("/api/v1/") || *p == "/healthz")
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(routed, documented);
    // Every schema an operation refers to is in the document.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for (i, _) in text.match_indices("#/components/schemas/") {
        let name: String = text[i + 21..].chars().take_while(|c| *c != '"').collect();
        assert!(schemas.contains_key(&name), "dangling $ref to {name}");
    }
}

#[test]
fn every_error_code_is_documented() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api.md")).unwrap();
    for &c in ErrorCode::ALL {
        assert!(
            doc.contains(&format!("`{}`", c.as_str())),
            "docs/api.md lacks {}",
            c.as_str()
        );
        assert_eq!(ErrorCode::from_code(c.as_str()), Some(c));
    }
    let unique: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(unique.len(), ErrorCode::ALL.len());
}
