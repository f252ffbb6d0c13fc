//! Benchmark: entity search latency at 1,000,000 entities (SQLite), against
//! the bare tantivy index searched in the same process.
//!
//! - bare: `SearchIndex::search` alone (query parsing, collection, codes);
//! - jianguan: what `GET /api/v1/entities?q=` does without HTTP: bring the
//!   index up to date with the audit chain (one query when nothing changed),
//!   search, and load the page of entities from the database.
//!
//! Queries are fragments of generated names (2–4 characters), half of them
//! with a city filter. Run: `cargo bench -p jianguan --bench search [-- N]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use jianguan::audit::Actor;
use jianguan::platform::db::{Db, DbOptions};
use jianguan::registry::generate::{Generator, SplitMix};
use jianguan::registry::search::SearchIndex;
use jianguan::registry::store::{EntityFilter, get_many, upsert_batch};
use jianguan_rules::access::DataScope;
use std::time::Instant;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        db.migrate().await.unwrap();
        jianguan::registry::refdata::ensure_loaded(&db).await.unwrap();
        let g = Generator::new(1);
        let t = Instant::now();
        let mut start = 0;
        while start < n {
            let end = (start + 5000).min(n);
            let rows: Vec<_> = (start..end).filter_map(|i| g.entity(i)).collect();
            let mut tx = db.begin().await.unwrap();
            upsert_batch(&mut tx, &Actor::Cli, Utc::now(), &rows, ("bench", "x"), serde_json::json!({})).await.unwrap();
            tx.commit().await.unwrap();
            start = end;
        }
        eprintln!("loaded {n} entities in {:.1}s", t.elapsed().as_secs_f64());
        let index = SearchIndex::open(&dir.path().join("index")).unwrap();
        let t = Instant::now();
        index.reindex(&db, |_| {}).await.unwrap();
        eprintln!("indexed in {:.1}s", t.elapsed().as_secs_f64());
        // Queries: fragments of real names.
        let mut r = SplitMix::new(99);
        let cities = ["420100", "420500", "420600", "421000"];
        let queries: Vec<EntityFilter> = (0..1000)
            .map(|k| {
                let e = g.entity(r.below(n as usize) as u64).unwrap();
                let chars: Vec<char> = e.name.chars().collect();
                let len = 2 + r.below(3);
                let from = r.below(chars.len().saturating_sub(len).max(1));
                let q: String = chars[from..(from + len).min(chars.len())].iter().collect();
                EntityFilter {
                    q: Some(q),
                    division: (k % 2 == 0).then(|| cities[r.below(4)].to_string()),
                    ..Default::default()
                }
            })
            .collect();
        // Warm up both paths once.
        for f in queries.iter().take(50) {
            let _ = index.search(f, &DataScope::All).unwrap();
        }
        let (mut bare, mut full) = (Vec::new(), Vec::new());
        for f in &queries {
            let t = Instant::now();
            let _ = index.search(f, &DataScope::All).unwrap();
            bare.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            index.catch_up(&db).await.unwrap();
            let (codes, _) = index.search(f, &DataScope::All).unwrap();
            let rows = get_many(&db, &codes).await.unwrap();
            std::hint::black_box(rows);
            full.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (b50, b99) = (pct(&mut bare, 0.5), pct(&mut bare, 0.99));
        let (f50, f99) = (pct(&mut full, 0.5), pct(&mut full, 0.99));
        println!("| entities | queries | bare index p50 / p99 (ms) | jianguan search p50 / p99 (ms) | ratio p99 (jianguan / bare) |");
        println!("|---|---|---|---|---|");
        println!("| {n} | {} | {b50:.2} / {b99:.2} | {f50:.2} / {f99:.2} | {:.2} |", queries.len(), f99 / b99);
    });
}
