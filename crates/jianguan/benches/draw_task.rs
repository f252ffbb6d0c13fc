//! Benchmark: a random-inspection task over a province-sized directory
//! (SQLite), against the bare draw on the same inputs in the same process.
//!
//! - schedule: build the object directory from the registry and the
//!   catalog (SQL), the inspector directory and recusals, freeze them, digest
//!   them and store the commitment;
//! - draw ("click to published list"): `draws::store::run`: load the frozen
//!   inputs, draw, store the result and its audit entry, read it back as
//!   published;
//! - baseline: `jianguan_rules::draw::draw` alone on the same inputs;
//! - open cases: the same task scheduled again with 10,000 of its
//!   candidates under an open case (left out of the directory), against the
//!   first scheduling.
//!
//! Run: `cargo bench -p jianguan --bench draw_task [-- N]` (default 1,000,000
//! entities; the task is 企业公示信息抽查, SJ-GS-001, over the province).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, Utc};
use jianguan::audit::Actor;
use jianguan::draws::schedule::schedule;
use jianguan::draws::store::{TaskSpec, run};
use jianguan::org::model::{DeptKind, NewDepartment, NewUser};
use jianguan::platform::db::{Db, DbOptions};
use jianguan_rules::Role;
use std::time::Instant;

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
        let url = format!("sqlite://{}", dir.path().join("d.db").display());
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        db.migrate().await.unwrap();
        jianguan::registry::refdata::ensure_loaded(&db).await.unwrap();
        let t = Instant::now();
        jianguan::demo::load_entities(&db, &jianguan::platform::clock::Clock::System, n, 1, |_| {})
            .await
            .unwrap();
        eprintln!("loaded {n} entities in {:.1}s", t.elapsed().as_secs_f64());
        jianguan::catalog::sample::load(&db, Utc::now()).await.unwrap();
        let now = Utc::now();
        let dept = NewDepartment {
            code: "420000-SCJG".into(),
            name: "湖北省市场监督管理局".into(),
            kind: DeptKind::MarketRegulation,
            division_code: "420000".into(),
            parent_code: None,
        };
        let dept = jianguan::org::store::create_department(&db, &Actor::Cli, now, &dept).await.unwrap();
        for k in 0..20 {
            let u = NewUser {
                username: format!("inspector{k:02}"),
                display_name: None,
                role: Role::Inspector,
                department_code: Some(dept.code.clone()),
                uscc: None,
                cert_no: Some(format!("4200002026{k:04}")),
                cert_valid_until: NaiveDate::from_ymd_opt(2030, 12, 31),
                password: "Bench#Pass2026".into(),
            };
            jianguan::org::store::create_user(&db, &Actor::Cli, jianguan::org::store::Manager::System, now, &u)
                .await
                .unwrap();
        }
        let spec = TaskSpec {
            title: "企业公示信息抽查".into(),
            items: vec!["SJ-GS-001".into()],
            regions: Vec::new(),
            partners: Vec::new(),
            period_start: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            ratios: [("B".to_string(), 300)].into_iter().collect(),
            exclude_recent_months: 12,
            risk_ratios: Default::default(),
            plan_id: None,
            specialty: None,
        };
        let t = Instant::now();
        let first = schedule(&db, &Actor::Cli, now, &dept, &spec).await.unwrap();
        let scheduled = t.elapsed().as_secs_f64();
        // Open cases against every 26th candidate (10,000 of 264,548 at the
        // default size), then the same task again.
        let frozen = jianguan::draws::store::get(&db, first).await.unwrap().unwrap().candidates;
        let Db::Sqlite { pool, .. } = &db else { unreachable!() };
        let codes: Vec<String> = sqlx::query_scalar("select uscc from entities order by uscc")
            .fetch_all(pool)
            .await
            .unwrap();
        let under_case = open_cases(pool, dept.id, &codes, 10_000, now).await;
        let t = Instant::now();
        let id = schedule(&db, &Actor::Cli, now, &dept, &spec).await.unwrap();
        let rescheduled = t.elapsed().as_secs_f64();
        // Baseline: the bare algorithm on the same frozen inputs.
        let (inputs, secret): (String, String) = match &db {
            Db::Sqlite { pool, .. } => sqlx::query_as("select inputs, secret from draw_tasks where id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap(),
            Db::Postgres { .. } => unreachable!(),
        };
        let inputs: jianguan::draws::store::Inputs = serde_json::from_str(&inputs).unwrap();
        let secret = hex::decode(secret).unwrap();
        let compact = inputs.compact().unwrap();
        let input = inputs.input(&compact);
        let t = Instant::now();
        let bare = jianguan_rules::draw::draw(&input, &secret, "3051.27").unwrap();
        let baseline = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let task = run(&db, &Actor::Cli, Utc::now(), id, "3051.27").await.unwrap();
        let clicked = t.elapsed().as_secs_f64();
        let published = task.result.unwrap();
        assert_eq!(published.selected, bare.selected, "the server and the bare draw agree");
        println!("| entities | open cases | candidates before / after | schedule before / after (s) | ratio (after / before) |");
        println!("|---|---|---|---|---|");
        println!(
            "| {n} | {under_case} | {frozen} / {} | {scheduled:.2} / {rescheduled:.2} | {:.2} |",
            inputs.candidates.len(),
            rescheduled / scheduled
        );
        assert!(inputs.candidates.len() < frozen as usize, "open cases leave the directory");
        println!();
        println!("| entities | candidates | drawn | schedule (s) | bare draw (s) | click to published (s) | ratio (click / bare) |");
        println!("|---|---|---|---|---|---|---|");
        println!(
            "| {n} | {} | {} | {rescheduled:.2} | {baseline:.2} | {clicked:.2} | {:.2} |",
            inputs.candidates.len(),
            published.selected.len(),
            clicked / baseline
        );
    });
}

/// Open `count` cases against entities spread over `codes` (one lead and
/// one case each, in one transaction); returns how many were opened.
async fn open_cases(
    pool: &sqlx::SqlitePool,
    department_id: i64,
    codes: &[String],
    count: usize,
    now: chrono::DateTime<Utc>,
) -> usize {
    let step = (codes.len() / count).max(1);
    let mut tx = pool.begin().await.unwrap();
    let mut n = 0;
    for (i, uscc) in codes.iter().step_by(step).take(count).enumerate() {
        let lead: i64 = sqlx::query_scalar(
            "insert into leads (department_id, uscc, source, summary, found_on, verify_by, status, created_by, created_at)
             values ($1, $2, 'report', 'bench', '2026-11-02', '2026-11-23', 'filed', 'cli', $3) returning id",
        )
        .bind(department_id)
        .bind(uscc)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "insert into cases (case_no, lead_id, department_id, uscc, cause, filed_on, due_on, status, created_at)
             values ($1, $2, $3, $4, 'bench', '2026-11-03', '2027-02-01', 'open', $5)",
        )
        .bind(format!("bench-{i}"))
        .bind(lead)
        .bind(department_id)
        .bind(uscc)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        n += 1;
    }
    tx.commit().await.unwrap();
    n
}
