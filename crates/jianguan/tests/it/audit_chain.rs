//! The audit chain: every change is chained; editing, deleting, swapping or
//! truncating rows by hand is detected and the first bad entry named, through
//! the library and through `jianguan audit verify`, on both databases.

use crate::support::TestApp;
use crate::{both, both_tampering};
use jianguan::audit::Actor;
use jianguan::audit::store::{VerifyOutcome, checkpoint_today, verify};
use jianguan::org::model::{DeptKind, NewDepartment};
use jianguan::org::store;
use std::process::Command;

async fn outcome(app: &TestApp) -> VerifyOutcome {
    verify(&app.db, None).await.unwrap()
}

fn broken_at(o: &VerifyOutcome, seq: i64) -> bool {
    matches!(o, VerifyOutcome::Broken(msg) if msg.contains(&format!("entry {seq} ")))
}

/// Run `jianguan audit verify` against the test database.
fn cli_verify(app: &TestApp) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args(["audit", "verify", "--database", &app.url])
        .env("JIANGUAN_LOG", "error")
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

both!(intact_chain_verifies, |app| {
    let n = app.audit_count().await;
    assert!(n >= 12, "fixture writes departments and users: {n}");
    assert_eq!(
        outcome(&app).await,
        VerifyOutcome::Intact {
            entries: n,
            checkpoints: 0
        }
    );
    let cp = checkpoint_today(&app.db, &app.state.key, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cp.head_seq, n);
    // Once a day only.
    assert!(
        checkpoint_today(&app.db, &app.state.key, app.clock.now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        outcome(&app).await,
        VerifyOutcome::Intact {
            entries: n + 1, // the checkpoint is chained as an entry of its own
            checkpoints: 1
        }
    );
    let (ok, out) = cli_verify(&app);
    assert!(ok, "{out}");
    assert!(out.contains("intact"), "{out}");
});

both_tampering!(edited_entry_is_named, |app| {
    app.exec("update audit_log set actor = 'user:999' where seq = 3").await;
    assert!(broken_at(&outcome(&app).await, 3), "{:?}", outcome(&app).await);
    let (ok, out) = cli_verify(&app);
    assert!(!ok);
    assert!(out.contains("entry 3 "), "{out}");
});

both_tampering!(edited_payload_is_named, |app| {
    app.exec("update audit_log set payload = '{\"username\":\"someone-else\"}' where seq = 6")
        .await;
    assert!(broken_at(&outcome(&app).await, 6), "{:?}", outcome(&app).await);
});

both_tampering!(deleted_entry_is_named, |app| {
    app.exec("delete from audit_log where seq = 4").await;
    assert!(broken_at(&outcome(&app).await, 4), "{:?}", outcome(&app).await);
    let (ok, out) = cli_verify(&app);
    assert!(!ok && out.contains("entry 4 "), "{out}");
});

both_tampering!(swapped_entries_are_named, |app| {
    // Swap rows 5 and 6 by renumbering, as someone editing the table would.
    app.exec("update audit_log set seq = 1000005 where seq = 5").await;
    app.exec("update audit_log set seq = 5 where seq = 6").await;
    app.exec("update audit_log set seq = 6 where seq = 1000005").await;
    assert!(broken_at(&outcome(&app).await, 5), "{:?}", outcome(&app).await);
    let (ok, out) = cli_verify(&app);
    assert!(!ok && out.contains("entry 5 "), "{out}");
});

both_tampering!(truncated_tail_is_caught, |app| {
    let n = app.audit_count().await;
    app.exec(&format!("delete from audit_log where seq = {n}")).await;
    assert!(broken_at(&outcome(&app).await, n), "{:?}", outcome(&app).await);
});

both_tampering!(rewritten_history_is_caught_by_the_signed_checkpoint, |app| {
    let n = app.audit_count().await;
    checkpoint_today(&app.db, &app.state.key, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    // Someone deletes the newest entries (the signed one and the checkpoint's
    // own entry) and rewinds the head row: the chain alone looks whole, the
    // signed checkpoint does not.
    app.exec(&format!("delete from audit_log where seq >= {n}")).await;
    let prev: String = match &app.db {
        jianguan::platform::db::Db::Sqlite { pool, .. } => {
            sqlx::query_scalar(&format!("select hash from audit_log where seq = {}", n - 1))
                .fetch_one(pool)
                .await
                .unwrap()
        }
        jianguan::platform::db::Db::Postgres { pool } => {
            sqlx::query_scalar(&format!("select hash from audit_log where seq = {}", n - 1))
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    app.exec(&format!("update audit_head set seq = {}, hash = '{prev}'", n - 1))
        .await;
    let o = outcome(&app).await;
    assert!(
        matches!(&o, VerifyOutcome::Broken(m) if m.contains("checkpoint")),
        "{o:?}"
    );
    // A forged signature is caught too.
    app.exec("update audit_checkpoints set head_seq = 1").await;
    let o = outcome(&app).await;
    assert!(
        matches!(&o, VerifyOutcome::Broken(m) if m.contains("invalid signature")),
        "{o:?}"
    );
});

both_tampering!(a_deleted_checkpoint_is_noticed, |app| {
    checkpoint_today(&app.db, &app.state.key, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    app.exec("delete from audit_checkpoints").await;
    let o = outcome(&app).await;
    assert!(
        matches!(&o, VerifyOutcome::Broken(m) if m.contains("checkpoint was deleted")),
        "{o:?}"
    );
});

both!(entries_written_during_verification_are_not_a_break, |app| {
    // The head is read first; entries committed during the scan lie outside it.
    let db = app.db.clone();
    let now = app.clock.now();
    let writer = tokio::spawn(async move {
        for i in 0..40 {
            let d = NewDepartment {
                code: format!("W-{i}"),
                name: format!("并发部门{i}"),
                kind: DeptKind::Commerce,
                division_code: "420100".into(),
                parent_code: None,
            };
            store::create_department(&db, &Actor::Cli, now, &d).await.unwrap();
        }
    });
    // At least one verification runs, most while the writer is busy.
    loop {
        let o = outcome(&app).await;
        assert!(matches!(o, VerifyOutcome::Intact { .. }), "{o:?}");
        if writer.is_finished() {
            break;
        }
    }
    writer.await.unwrap();
});

both!(concurrent_writers_never_fork_the_chain, |app| {
    let before = app.audit_count().await;
    let mut handles = Vec::new();
    for i in 0..16 {
        let db = app.db.clone();
        let now = app.clock.now();
        handles.push(tokio::spawn(async move {
            let d = NewDepartment {
                code: format!("T-{i}"),
                name: format!("测试部门{i}"),
                kind: DeptKind::Transport,
                division_code: "420100".into(),
                parent_code: None,
            };
            store::create_department(&db, &Actor::Cli, now, &d).await.unwrap();
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(app.audit_count().await, before + 16);
    assert!(matches!(outcome(&app).await, VerifyOutcome::Intact { .. }));
});

both!(a_failed_change_leaves_no_entry, |app| {
    let before = app.audit_count().await;
    let d = NewDepartment {
        code: "420100-SCJG".into(),
        name: "重复".into(),
        kind: DeptKind::MarketRegulation,
        division_code: "420100".into(),
        parent_code: None,
    };
    let err = store::create_department(&app.db, &Actor::Cli, app.clock.now(), &d)
        .await
        .unwrap_err();
    assert_eq!(err.code.as_str(), "department_exists");
    assert_eq!(app.audit_count().await, before);
    assert!(matches!(outcome(&app).await, VerifyOutcome::Intact { .. }));
});
