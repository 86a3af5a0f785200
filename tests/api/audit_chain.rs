//! The audit chain under concurrent writers, and its verification after tampering.

use handbook_admin::audit::{self, VerifyError};
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{PASSWORD, TestApp, TestDb, demo_email, spawn_app};

fn verify(app: &TestApp) -> Result<i64, VerifyError> {
    let mut conn = app.pool.get().unwrap();
    audit::verify(&mut conn).map(|r| r.events)
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

dual_test!(editing_a_row_by_hand_is_found, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Reviewer).await;
    app.signed_in(Role::Admin).await;
    let events = verify(&app).unwrap();
    assert!(events >= 8);
    app.tamper_sql("UPDATE audit_events SET details = '{\"role\":\"admin\"}' WHERE seq = 3");
    assert_eq!(verify(&app), Err(VerifyError::ContentMismatch { seq: 3 }));
});

dual_test!(removing_or_relinking_rows_is_found, |db: TestDb| async move {
    let app = spawn_app(db).await;
    app.signed_in(Role::Reviewer).await;
    let last = verify(&app).unwrap();
    app.tamper_sql(&format!("DELETE FROM audit_events WHERE seq = {last}"));
    assert_eq!(verify(&app), Err(VerifyError::Truncated { last_seen: last - 1, head: last }));
    app.tamper_sql("DELETE FROM audit_events WHERE seq = 2");
    assert_eq!(verify(&app), Err(VerifyError::Gap { seq: 3, expected: 2 }));
});
