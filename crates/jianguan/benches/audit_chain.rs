//! Benchmark: audit-chained writes per second against the same inserts
//! without the chain, in the same process, on SQLite and (when
//! `JIANGUAN_TEST_POSTGRES_URL` is set) PostgreSQL.
//!
//! Each write is one transaction inserting one row, as a state change in the
//! product is. The chained variant also appends the audit entry (head row
//! update, hash, insert) in that transaction. The two variants alternate in
//! rounds so that drift of the machine affects both alike.
//!
//! Run: `cargo bench -p jianguan --bench audit_chain [-- N]` (default N = 2000
//! writes per variant).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use jianguan::audit::{Actor, record};
use jianguan::platform::db::{Db, DbOptions};
use jianguan::{on_db, on_tx};
use serde_json::json;
use std::time::{Duration, Instant};

const ROUNDS: usize = 4;

/// The business change both variants make: one row.
async fn insert_row(tx: &mut jianguan::platform::db::Tx, i: i64) {
    on_tx!(tx, c => {
        sqlx::query("insert into bench_rows (id, name, payload) values ($1, $2, $3)")
            .bind(i)
            .bind(format!("企业{i}"))
            .bind(format!("{{\"n\":{i}}}"))
            .execute(&mut *c)
            .await
            .unwrap();
    });
}

async fn plain_write(db: &Db, i: i64) {
    let mut tx = db.begin().await.unwrap();
    insert_row(&mut tx, i).await;
    tx.commit().await.unwrap();
}

async fn chained_write(db: &Db, i: i64) {
    let mut tx = db.begin().await.unwrap();
    insert_row(&mut tx, i).await;
    record(
        &mut tx,
        Utc::now(),
        &Actor::System,
        "bench.write",
        ("bench", &i.to_string()),
        &json!({"n": i}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn run(label: &str, url: &str, n: usize) {
    let db = Db::connect(url, &DbOptions::default()).await.unwrap();
    db.migrate().await.unwrap();
    on_db!(&db, pool => {
        sqlx::query("drop table if exists bench_rows").execute(pool).await.unwrap();
        sqlx::query("create table bench_rows (id bigint primary key, name text not null, payload text not null)")
            .execute(pool)
            .await
            .unwrap();
    });
    let per_round = n / ROUNDS;
    let (mut plain, mut chained) = (Duration::ZERO, Duration::ZERO);
    let mut id = 0i64;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for _ in 0..per_round {
            id += 1;
            plain_write(&db, id).await;
        }
        plain += t.elapsed();
        let t = Instant::now();
        for _ in 0..per_round {
            id += 1;
            chained_write(&db, id).await;
        }
        chained += t.elapsed();
    }
    let total = (per_round * ROUNDS) as f64;
    let (p, c) = (total / plain.as_secs_f64(), total / chained.as_secs_f64());
    println!("| {label} | {total} | {p:.0} | {c:.0} | {:.2} |", c / p);
    let outcome = jianguan::audit::store::verify(&db, None).await.unwrap();
    assert!(
        matches!(outcome, jianguan::audit::store::VerifyOutcome::Intact { .. }),
        "{outcome:?}"
    );
    db.close().await;
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("| database | writes per variant | plain writes/s | chained writes/s | ratio (chained / plain) |");
        println!("|---|---|---|---|---|");
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        run("SQLite (WAL, synchronous=NORMAL)", &url, n).await;
        match std::env::var("JIANGUAN_TEST_POSTGRES_URL") {
            Ok(url) => run("PostgreSQL 15", &url, n).await,
            Err(_) => println!("(PostgreSQL skipped: set JIANGUAN_TEST_POSTGRES_URL)"),
        }
    });
}
