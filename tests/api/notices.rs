//! The notice worker against a real database: retries with back-off, gives up on permanent
//! failures, and audits each outcome. Driven directly (no server), so the test owns the clock.

use std::sync::Mutex;

use diesel::connection::SimpleConnection;
use handbook_admin::jobs::notify::run_once;
use handbook_admin::jobs::transport::{SendError, Transport};
use time::Duration;
use time::macros::datetime;

use crate::dual_test;
use crate::helpers::{TestDb, fresh_database};

/// Fails as told, and remembers what it was asked to send.
struct Scripted {
    outcomes: Mutex<Vec<Result<(), SendError>>>,
    sent: Mutex<Vec<String>>,
}

impl Transport for Scripted {
    fn send(&self, to: &str, subject: &str, _body: &str) -> Result<(), SendError> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{to}: {subject}"));
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).pop().unwrap_or(Ok(()))
    }
    fn name(&self) -> &'static str {
        "scripted"
    }
}

fn count(conn: &mut handbook_admin::db::DbConnection, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<N>(conn).map(|r| r.n).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

dual_test!(notices_are_retried_with_back_off_then_given_up, |db: TestDb| async move {
    let dir = tempfile::tempdir().unwrap();
    let url = handbook_admin::db::DatabaseUrl::parse(&fresh_database(db, &dir)).unwrap();
    let pool = handbook_admin::db::connect_pool(&url, 2).unwrap();
    let mut conn = pool.get().unwrap();
    handbook_admin::db::run_migrations(&mut conn).unwrap();
    conn.batch_execute(
        "INSERT INTO holders (public_id, email, status, created_at, updated_at) VALUES ('MR-NOTICE1', 'a@example.jp', 'active', '2026-11-24 00:00:00', '2026-11-24 00:00:00');
         INSERT INTO holders (public_id, email, status, created_at, updated_at) VALUES ('MR-NOTICE2', NULL, 'active', '2026-11-24 00:00:00', '2026-11-24 00:00:00');
         INSERT INTO notifications (holder_id, kind, recipient, subject, body, status, next_attempt_at, created_at)
           SELECT id, 'approve', email, '件名', '本文', 'pending', '2026-11-24 00:00:00', '2026-11-24 00:00:00' FROM holders;",
    )
    .unwrap();
    let mut now = datetime!(2026-11-24 00:00:01 UTC);
    // Attempt 1 fails for a moment; the address-less notice fails for good.
    let transport =
        Scripted { outcomes: Mutex::new(vec![Err(SendError::Temporary("busy".into()))]), sent: Mutex::new(Vec::new()) };
    assert_eq!(run_once(&mut conn, &transport, now).unwrap_or_default(), 2);
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM notifications WHERE status = 'pending' AND attempts = 1 AND last_error LIKE 'temporary%'"
        ),
        1
    );
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM notifications WHERE status = 'failed' AND recipient IS NULL"),
        1
    );
    // Not due again before its back-off ends.
    assert_eq!(run_once(&mut conn, &transport, now + Duration::seconds(30)).unwrap_or_default(), 0);
    now += Duration::minutes(1);
    assert_eq!(run_once(&mut conn, &transport, now).unwrap_or_default(), 1);
    assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM notifications WHERE status = 'sent' AND attempts = 2"), 1);
    assert_eq!(transport.sent.lock().map(|s| s.len()).unwrap_or_default(), 2);
    let actions = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action IN ('notification.retry_scheduled', 'notification.failed', 'notification.sent')",
    );
    assert_eq!(actions, 3);
    let report = handbook_admin::audit::verify(&mut conn).map(|r| r.events);
    assert_eq!(report, Ok(3));
});
