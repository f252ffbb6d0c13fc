//! The binary's subcommands, run as a user would run them.

use crate::both;
use std::io::Write as _;
use std::process::{Command, Stdio};

fn jianguan(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args(args)
        .env("JIANGUAN_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

both!(user_add_creates_an_account_that_can_sign_in, |app| {
    let (code, out, err) = jianguan(
        &[
            "user",
            "add",
            "--username",
            "script1",
            "--role",
            "inspector",
            "--department",
            "420102-SCJG",
            "--cert-no",
            "42010299990001",
            "--cert-valid-until",
            "2029-06-30",
            "--password-stdin",
            "--database",
            &app.url,
        ],
        Some("Scripted#Pass1\n"),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("created user script1"), "{out}");
    let (user, _) = jianguan::platform::auth::login::sign_in(
        &app.db,
        app.clock.now(),
        "script1",
        "Scripted#Pass1",
        jianguan::platform::auth::login::Want::Token,
        "local",
    )
    .await
    .unwrap();
    assert_eq!(user.cert_no.as_deref(), Some("42010299990001"));
    // Bad input: a clear message, exit code 2, nothing stored.
    let before = app.audit_count().await;
    let (code, _, err) = jianguan(
        &[
            "user",
            "add",
            "--username",
            "script2",
            "--role",
            "enterprise",
            "--uscc",
            "914403001922038217",
            "--password-stdin",
            "--database",
            &app.url,
        ],
        Some("Scripted#Pass1\n"),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid_uscc") && err.contains("expected 6 found 7"),
        "{err}"
    );
    let (code, _, err) = jianguan(
        &[
            "user",
            "add",
            "--username",
            "script3",
            "--role",
            "leader",
            "--password-stdin",
            "--database",
            &app.url,
        ],
        Some("Scripted#Pass1\n"),
    );
    assert_eq!(code, 2);
    assert!(err.contains("department_code"), "{err}");
    assert_eq!(app.audit_count().await, before);
});

#[test]
fn password_is_never_a_flag() {
    let (code, _, err) = jianguan(
        &["user", "add", "--username", "x", "--role", "leader", "--password", "p"],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument"), "{err}");
}

#[test]
fn migrate_and_verify_a_fresh_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let (code, out, err) = jianguan(&["migrate", "--data-dir", data], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(dir.path().join("data/jianguan.db").exists());
    let (code, out, _) = jianguan(&["audit", "verify", "--data-dir", data], None);
    assert_eq!(code, 0);
    assert!(out.contains("0 entries"), "{out}");
    let (code, out, _) = jianguan(&["audit", "checkpoint", "--data-dir", data], None);
    assert_eq!(code, 0, "{out}");
    assert!(dir.path().join("data/server-ed25519.key").exists());
    let (code, out, _) = jianguan(&["audit", "verify", "--data-dir", data], None);
    assert_eq!(code, 0);
    assert!(out.contains("1 signed checkpoints"), "{out}");
    // Pinning a different key fails.
    let (code, out, _) = jianguan(
        &["audit", "verify", "--data-dir", data, "--public-key", &"00".repeat(32)],
        None,
    );
    assert_eq!(code, 1, "{out}");
}

#[test]
fn config_file_and_environment_are_read_and_secrets_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("jg.toml");
    std::fs::write(&cfg, "database = \"postgres://jg:topsecret@127.0.0.1:1/none\"\n").unwrap();
    let (code, out, err) = jianguan(&["migrate", "--config", cfg.to_str().unwrap()], None);
    assert_ne!(code, 0);
    assert!(!out.contains("topsecret") && !err.contains("topsecret"), "{out}{err}");
}

#[test]
fn catalog_import_and_export_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db_a = format!("sqlite://{}", dir.path().join("a.db").display());
    let db_b = format!("sqlite://{}", dir.path().join("b.db").display());
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/data/catalog/catalog.csv");
    let (code, out, err) = jianguan(&["import", "catalog", shipped, "--database", &db_a], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("59 rows: 59 created"), "{out}");
    let xlsx = dir.path().join("清单.xlsx");
    let (code, out, err) = jianguan(
        &["export", "catalog", xlsx.to_str().unwrap(), "--database", &db_a],
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = jianguan(
        &["import", "catalog", xlsx.to_str().unwrap(), "--database", &db_b],
        None,
    );
    assert_eq!(code, 0);
    assert!(out.contains("59 created"), "{out}");
    // A bad row: exit 3 and an error file naming the line.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "事项编码,事项名称,实施依据,监管方式,检查要点\nB-1,坏,没有书名号,双随机抽查,要点|是否\n",
    )
    .unwrap();
    let (code, out, _) = jianguan(&["import", "catalog", bad.to_str().unwrap(), "--database", &db_b], None);
    assert_eq!(code, 3, "{out}");
    let errors = std::fs::read_to_string(dir.path().join("bad.csv.errors.csv")).unwrap();
    assert!(errors.contains("2,B-1") && errors.contains("实施依据"), "{errors}");
}
