//! The command line, run as a real process.

use std::io::Write;
use std::process::{Command, Stdio};

use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{TestDb, spawn_app};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handbook-admin"));
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("RUST_LOG", "error");
    command
}

/// The binary pointed at this app's database, audit key and checkpoint folder, as an
/// operator on the server would run it.
fn against(app: &crate::helpers::TestApp) -> Command {
    let mut command = binary();
    command
        .env("DATABASE_URL", &app.database_url)
        .env("HANDBOOK_ADMIN_AUDIT_KEY", hex::encode(crate::helpers::TEST_AUDIT_KEY))
        .env("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_DIR", &app.settings.audit_checkpoint_dir);
    command
}

dual_test!(audit_verify_names_the_edited_row, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Auditor).await;
    let run = || against(&app).args(["audit", "verify"]).output();
    let ok = run().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact"));
    // A checkpoint on demand, counted by the next verify.
    let mark = against(&app).args(["audit", "checkpoint"]).output().unwrap();
    assert!(mark.status.success(), "{}", String::from_utf8_lossy(&mark.stderr));
    let ok = run().unwrap();
    assert!(String::from_utf8_lossy(&ok.stdout).contains("1 checkpoint(s)"), "{}", String::from_utf8_lossy(&ok.stdout));
    // Without the key, nothing can be checked: the variable is named, no key is invented.
    let keyless = binary().args(["audit", "verify"]).env("DATABASE_URL", &app.database_url).output().unwrap();
    assert!(!keyless.status.success());
    assert!(String::from_utf8_lossy(&keyless.stderr).contains("HANDBOOK_ADMIN_AUDIT_KEY"));

    app.drop_audit_guards();
    app.tamper_sql("UPDATE audit_events SET action = 'staff.nothing_happened' WHERE seq = 4");
    let broken = run().unwrap();
    assert_eq!(broken.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("#4"), "{stderr}");
});

dual_test!(staff_add_reads_the_password_from_stdin, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut child = against(&app)
        .args(["staff", "add", "--email", "ops@example.jp", "--name", "運用 太郎", "--role", "supervisor"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(b"a sufficiently long password\n").unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut browser = app.browser();
    assert_eq!(browser.login("ops@example.jp", "a sufficiently long password").await.status, StatusCode::SEE_OTHER);
    assert!(app.audit_actions().contains(&"staff.created".to_owned()));
    assert!(app.verify_audit().is_ok(), "sealed with the server's key");
});

#[test]
fn staff_add_refuses_a_bad_role_or_short_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let output = binary()
        .args(["staff", "add", "--email", "a@example.jp", "--name", "A", "--role", "root"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--role"));
}

#[test]
fn serve_names_the_missing_variable_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = binary()
        .arg("serve")
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("x.db").display()))
        .env("HANDBOOK_ADMIN_SESSION_KEY", "ab".repeat(64))
        .env("HANDBOOK_ADMIN_MAIL_TRANSPORT", "file")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("HANDBOOK_ADMIN_IMAGE_KEY"), "{stderr}");
    assert!(!dir.path().join("x.db").exists(), "nothing is created before the settings are valid");
}

#[test]
fn an_unknown_database_scheme_is_refused() {
    let output = binary().args(["migrate"]).env("DATABASE_URL", "mysql://localhost/db").output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL"));
}

#[test]
fn demo_data_never_lands_outside_the_data_folder_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let elsewhere = dir.path().join("production.db");
    let run = |command: &[&str], url: &str| {
        binary().args(command).env("DATABASE_URL", url).env("HANDBOOK_ADMIN_DATA_DIR", &data).output().unwrap()
    };
    for command in [&["demo", "--bind", "127.0.0.1:0"][..], &["seed", "--holders", "1"][..]] {
        let refused = run(command, "postgres://nobody@127.0.0.1:1/handbook");
        assert!(!refused.status.success(), "{command:?}");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"), "{command:?}");
        let refused = run(command, &format!("sqlite://{}", elsewhere.display()));
        assert!(!refused.status.success(), "{command:?}");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("outside the data folder"));
        assert!(!elsewhere.exists(), "nothing written to the file outside");
    }
    let forced = binary()
        .args(["seed", "--holders", "1", "--force"])
        .env("DATABASE_URL", format!("sqlite://{}", elsewhere.display()))
        .env("HANDBOOK_ADMIN_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    assert!(elsewhere.exists());
    // The seed leaves planner statistics behind: the first query plans with real sizes.
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel::RunQueryDsl;
    let url = handbook_admin::db::DatabaseUrl::parse(&format!("sqlite://{}", elsewhere.display())).unwrap();
    let mut conn = handbook_admin::db::connect_pool(&url, 1).unwrap().get().unwrap();
    let stats: Count =
        diesel::sql_query("SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'handbooks' AND stat NOT LIKE '0%'")
            .get_result(&mut *conn)
            .expect("statistics gathered");
    assert!(stats.n > 0, "the handbooks' indexes have statistics");
    // Decided registrations carry transcriptions the searches can find.
    use diesel::QueryDsl;
    use handbook_admin::db::schema::handbook_fields;
    let fields: i64 = handbook_fields::table.count().get_result(&mut *conn).unwrap();
    assert!(fields > 0, "the seed writes transcribed fields");
}
