//! The audit chain under concurrent writers, and its verification after tampering.

use handbook_admin::audit::{AuditKeys, VerifyError};
use handbook_admin::clock::Clock;
use handbook_admin::domain::staff::Role;
use handbook_admin::secrets::Secret;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{PASSWORD, TestApp, TestDb, demo_email, spawn_app};

fn verify(app: &TestApp) -> Result<i64, VerifyError> {
    app.verify_audit().map(|r| r.events)
}

dual_test!(concurrent_writers_never_fork_the_chain, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let before = verify(&app).unwrap();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let mut browser = app.browser();
        tasks.push(async move {
            let role = Role::ALL[i % Role::ALL.len()];
            let password = if i % 3 == 0 { "wrong-password-x" } else { PASSWORD };
            browser.login(demo_email(role), password).await.status
        });
    }
    let statuses = futures_util::future::join_all(tasks).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::UNAUTHORIZED));
    let after = verify(&app).unwrap();
    assert_eq!(after, before + 24, "one event per attempt, chain intact");
    assert_eq!(app.audit_parent_count(), after, "no two rows share a parent");
});

// Read events (here queue searches) of requests running together are appended together: each
// request still gets its own event, once, before its answer, and the chain stays one line.
dual_test!(read_events_appended_together_are_each_appended_once, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let browser = app.signed_in(Role::Reviewer).await;
    let before = verify(&app).unwrap();
    let searches = (0..48).map(|i| {
        let (client, base) = (browser.client.clone(), browser.base.clone());
        async move { client.get(format!("{base}/queue?q=BK-{i:08}")).send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(searches).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    let after = verify(&app).unwrap();
    assert_eq!(after, before + 48, "one event per search, chain intact");
    assert_eq!(app.audit_count("queue.searched"), 48);
    assert_eq!(app.audit_parent_count(), after, "no two rows share a parent");
});

dual_test!(editing_a_row_by_hand_is_found, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Reviewer).await;
    app.signed_in(Role::Admin).await;
    let events = verify(&app).unwrap();
    assert!(events >= 8);
    app.drop_audit_guards();
    app.tamper_sql("UPDATE audit_events SET details = '{\"role\":\"admin\"}' WHERE seq = 3");
    assert_eq!(verify(&app), Err(VerifyError::ContentMismatch { seq: 3 }));
});

dual_test!(removing_or_relinking_rows_is_found, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Reviewer).await;
    let last = verify(&app).unwrap();
    app.drop_audit_guards();
    app.tamper_sql(&format!("DELETE FROM audit_events WHERE seq = {last}"));
    assert_eq!(verify(&app), Err(VerifyError::Truncated { last_seen: last - 1, head: last }));
    app.tamper_sql("DELETE FROM audit_events WHERE seq = 2");
    assert_eq!(verify(&app), Err(VerifyError::Gap { seq: 3, expected: 2 }));
});

dual_test!(the_database_refuses_to_change_or_remove_an_audit_event, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Reviewer).await;
    let events = verify(&app).unwrap();
    let update = app.try_sql("UPDATE audit_events SET action = 'staff.logout' WHERE seq = 1");
    assert!(update.as_ref().is_err_and(|e| e.contains("append-only")), "{update:?}");
    let delete = app.try_sql("DELETE FROM audit_events WHERE seq = 1");
    assert!(delete.as_ref().is_err_and(|e| e.contains("append-only")), "{delete:?}");
    assert_eq!(verify(&app), Ok(events), "nothing changed");
});

dual_test!(a_row_rewritten_without_the_key_does_not_verify, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Reviewer).await;
    app.signed_in(Role::Admin).await;
    assert!(verify(&app).unwrap() >= 4);
    app.drop_audit_guards();
    // The administrator edits row 2 and reseals it, and every row after, with a key of their
    // own: the chain links up, but not under our key.
    let theirs = AuditKeys::new(&Secret::new([66u8; 32]), &[]);
    app.reseal_audit_from(2, "UPDATE audit_events SET details = '{}' WHERE seq = 2", &theirs);
    assert_eq!(verify(&app), Err(VerifyError::UnknownKey { seq: 2, key_id: theirs.current_id().to_owned() }));
    // Or keeps our key id on the forged seal: the content does not match.
    app.tamper_sql(&format!(
        "UPDATE audit_events SET key_id = '{}' WHERE seq >= 2",
        crate::helpers::test_audit_keys().current_id()
    ));
    assert_eq!(verify(&app), Err(VerifyError::ContentMismatch { seq: 2 }));
});

dual_test!(a_chain_cut_back_to_an_older_head_is_caught_by_the_checkpoint, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Reviewer).await;
    let keys = crate::helpers::test_audit_keys();
    let dir = app.settings.audit_checkpoint_dir.clone();
    let mark = {
        let mut conn = app.pool.get().unwrap();
        let now = handbook_admin::clock::Clock::now(&*app.clock);
        handbook_admin::audit::checkpoint_now(&mut conn, &keys, &dir, now).unwrap().unwrap()
    };
    let report = app.verify_audit().unwrap();
    assert!(report.checkpoints >= 1, "the start's and this one");
    assert_eq!(report.last_checkpoint, Some(mark.seq));
    // Remove the last two events and move the head back to the third-last: without the
    // checkpoint this chain would verify.
    app.drop_audit_guards();
    let keep = mark.seq - 2;
    app.tamper_sql(&format!(
        "DELETE FROM audit_events WHERE seq > {keep};
         UPDATE audit_head SET last_seq = {keep}, last_hash = (SELECT hash FROM audit_events WHERE seq = {keep});"
    ));
    assert_eq!(verify(&app), Err(VerifyError::BehindCheckpoint { head: keep, checkpoint: mark.seq }));
    // A forged checkpoint file is named, not trusted.
    std::fs::write(dir.join("00000000000000000001-x.json"), br#"{"seq":1,"hash":"a","at":"b","key_id":"c","mac":"d"}"#)
        .unwrap();
    assert!(matches!(verify(&app), Err(VerifyError::BadCheckpoint { .. })));
});

dual_test!(verifying_while_staff_work_reports_no_false_truncation, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut writers = Vec::new();
    for i in 0..30 {
        let mut browser = app.browser();
        writers.push(async move {
            browser.login(demo_email(Role::ALL[i % Role::ALL.len()]), PASSWORD).await;
        });
    }
    let pool = app.pool.clone();
    let dir = app.settings.audit_checkpoint_dir.clone();
    let verifier = actix_web::web::block(move || {
        let mut results = Vec::new();
        for _ in 0..20 {
            let mut conn = pool.get().unwrap();
            results.push(handbook_admin::audit::verify(&mut conn, &crate::helpers::test_audit_keys(), &dir));
        }
        results
    });
    let (_, results) = futures_util::join!(futures_util::future::join_all(writers), verifier);
    for r in results.unwrap() {
        assert!(r.is_ok(), "{r:?}");
    }
    assert!(verify(&app).unwrap() >= 30);
});

dual_test!(a_trail_from_before_the_key_verifies_only_as_far_as_a_checkpoint_vouches, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Reviewer).await;
    app.signed_in(Role::Admin).await;
    let events = verify(&app).unwrap();
    assert!(events >= 6);
    app.drop_audit_guards();
    // A database upgraded to the keyed chain: its first events carry the old plain hash, and
    // no checkpoint was ever written of them.
    app.rewrite_audit(1, 3, &crate::helpers::test_audit_keys());
    let dir = app.settings.audit_checkpoint_dir.clone();
    for entry in std::fs::read_dir(&dir).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    // Anyone can compute a plain hash: unkeyed rows no checkpoint vouches for are refused.
    assert_eq!(verify(&app), Err(VerifyError::UnkeyedPastCheckpoint { seq: 1, checkpoint: 0 }));
    // `serve` checkpoints the head at its start: the old rows now verify as they were written.
    let keys = crate::helpers::test_audit_keys();
    {
        let mut conn = app.pool.get().unwrap();
        handbook_admin::audit::keep_checkpoints(&mut conn, &keys, &dir, app.clock.now()).unwrap();
    }
    assert_eq!(verify(&app), Ok(events), "old rows verify as they were written");
    // A row after the keyed ones passed off as old (someone without the key rewriting it with
    // the plain hash anyone can compute) is caught.
    app.tamper_sql("UPDATE audit_events SET key_id = NULL WHERE seq = 5");
    assert_eq!(verify(&app), Err(VerifyError::UnkeyedAfterKeyed { seq: 5 }));
    // The first sealed row passed off as unsealed: its seal is not the plain hash.
    app.tamper_sql("UPDATE audit_events SET key_id = NULL WHERE seq = 4");
    assert_eq!(verify(&app), Err(VerifyError::ContentMismatch { seq: 4 }));
});

dual_test!(a_chain_rewritten_without_the_key_does_not_verify, |db: TestDb| async move {
    // A database administrator without the key removes three events and recomputes the whole
    // chain with the plain hash anyone can compute, moving the head: every link holds.
    let app = spawn_app(db).await;
    for role in Role::ALL {
        app.signed_in(role).await;
    }
    let events = verify(&app).unwrap();
    app.drop_audit_guards();
    let last = events - 3;
    app.tamper_sql(&format!("DELETE FROM audit_events WHERE seq > {last}; UPDATE audit_head SET last_seq = {last};"));
    app.rewrite_audit(1, last, &crate::helpers::test_audit_keys());
    let refused = verify(&app).unwrap_err();
    assert!(
        matches!(
            refused,
            VerifyError::CheckpointMismatch { .. }
                | VerifyError::BehindCheckpoint { .. }
                | VerifyError::UnkeyedPastCheckpoint { .. }
        ),
        "{refused:?}"
    );
    // With every checkpoint file gone too, the unkeyed chain is vouched for by nothing.
    let dir = app.settings.audit_checkpoint_dir.clone();
    for entry in std::fs::read_dir(&dir).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    assert_eq!(verify(&app), Err(VerifyError::UnkeyedPastCheckpoint { seq: 1, checkpoint: 0 }));
    // And without the folder itself, verify says the checkpoints are missing.
    std::fs::remove_dir(&dir).unwrap();
    assert!(matches!(verify(&app), Err(VerifyError::CheckpointsMissing { .. })));
});

dual_test!(a_tail_cut_after_the_minute_checkpoint_is_caught, |db: TestDb| async move {
    // The server checkpoints the head within its period (a minute in production; shortened
    // here) of any new event, so cutting the newest events off is caught.
    let app =
        crate::helpers::spawn_app_with(db, |s| s.audit_checkpoint_every = std::time::Duration::from_millis(200)).await;
    for role in Role::ALL {
        app.signed_in(role).await;
    }
    let head = verify(&app).unwrap();
    let dir = app.settings.audit_checkpoint_dir.clone();
    let covered = || {
        handbook_admin::audit::checkpoint::read_all(&dir, &crate::helpers::test_audit_keys())
            .unwrap()
            .last()
            .is_some_and(|c| c.seq >= head)
    };
    let started = std::time::Instant::now();
    while !covered() {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no checkpoint of the new head");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.drop_audit_guards();
    let keep = head - 2;
    app.tamper_sql(&format!(
        "DELETE FROM audit_events WHERE seq > {keep};
         UPDATE audit_head SET last_seq = {keep}, last_hash = (SELECT hash FROM audit_events WHERE seq = {keep});"
    ));
    assert!(matches!(verify(&app), Err(VerifyError::BehindCheckpoint { .. })));
});

#[tokio::test]
async fn the_server_will_not_start_without_its_checkpoint_folder() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::helpers::DemoProcess::new(&dir);
    let (server, ..) = demo.start().await;
    drop(server);
    let checkpoints = dir.path().join("data").join("audit-checkpoints");
    assert!(checkpoints.is_dir(), "the first start keeps checkpoints");
    std::fs::remove_dir_all(&checkpoints).unwrap();
    let out = demo.command(&["demo", "--bind", "127.0.0.1:0"]).output().unwrap();
    assert!(!out.status.success(), "a server that would hide a cut chain does not start");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("checkpoint folder") && said.contains("missing"), "{said}");
    let verify = demo.command(&["audit", "verify"]).output().unwrap();
    assert_eq!(verify.status.code(), Some(1), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn the_server_will_not_start_with_a_checkpoint_folder_it_cannot_write() {
    // A regular file where the folder should be: no checkpoint can be written there (a test
    // running as root passes any permission bit, so a mode would prove nothing).
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("not-a-folder");
    std::fs::write(&blocked, b"").unwrap();
    let target: &'static str = Box::leak(blocked.join("audit-checkpoints").display().to_string().into_boxed_str());
    let demo = crate::helpers::DemoProcess::new(&dir).with_env("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_DIR", target);
    let out = demo.command(&["demo", "--bind", "127.0.0.1:0"]).output().unwrap();
    assert!(!out.status.success(), "started without a place for its checkpoints");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("cannot be written"), "{said}");
}
