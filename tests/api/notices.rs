//! The notice worker against a real database: retries with back-off, gives up on permanent
//! failures, and audits each outcome. Driven directly (no server), so the test owns the clock.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use handbook_admin::db::decisions::NewNotification;
use handbook_admin::db::holders::NewHolder;
use handbook_admin::db::{self, DbConnection};
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::review::Decision;
use handbook_admin::jobs::notify::run_once;
use handbook_admin::jobs::transport::{SendError, Transport};
use time::Duration;
use time::macros::datetime;

use crate::dual_test;
use crate::helpers::{TestDb, fresh_database};
use crate::inspect::{NoticeLine, audit_count_in, notices};
use handbook_admin::domain::notice::Delivery;

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

/// Active holders, each with one notice due now (to its address, if it has one), written
/// through the crate's own functions as the decision step would leave them.
pub(crate) fn seed_holders(conn: &mut DbConnection, holders: &[(&str, Option<&str>)]) {
    let at = datetime!(2026-11-24 00:00:00);
    for (public_id, email) in holders.iter().copied() {
        let holder = NewHolder { public_id, email, status: HolderStatus::Active, created_at: at, updated_at: at };
        let holder_id = db::holders::insert(conn, &holder).expect("insert holder");
        let notice = NewNotification {
            holder_id,
            handbook_id: None,
            kind: Decision::Approve.as_str(),
            recipient: email,
            subject: "件名",
            body: "本文",
            next_attempt_at: at,
            created_at: at,
        };
        db::decisions::enqueue(conn, &notice).expect("insert notification");
    }
}

/// Two holders, one with an e-mail address and one without.
fn seed(conn: &mut DbConnection) {
    seed_holders(conn, &[("MR-NOTICE1", Some("a@example.jp")), ("MR-NOTICE2", None)]);
}

dual_test!(notices_are_retried_with_back_off_then_given_up, |db: TestDb| async move {
    let dir = tempfile::tempdir().unwrap();
    let url = handbook_admin::db::DatabaseUrl::parse(&fresh_database(db, &dir)).unwrap();
    let pool = handbook_admin::db::connect_pool(&url, 2).unwrap();
    let mut conn = pool.get().unwrap();
    handbook_admin::db::run_migrations(&mut conn).unwrap();
    seed(&mut conn);
    let mut now = datetime!(2026-11-24 00:00:01 UTC);
    let keys = crate::helpers::test_audit_keys();
    // Attempt 1 fails for a moment; the address-less notice fails for good.
    let transport =
        Scripted { outcomes: Mutex::new(vec![Err(SendError::Temporary("busy".into()))]), sent: Mutex::new(Vec::new()) };
    // A database error must fail the test, never read as "nothing was due".
    assert_eq!(run_once(&mut conn, &keys, &transport, now).expect("worker run"), 2);
    let retrying = |n: &NoticeLine| {
        n.is(Delivery::Pending)
            && n.attempts == 1
            && n.last_error.as_deref().is_some_and(|e| e.starts_with("temporary"))
    };
    let given_up = |n: &NoticeLine| n.is(Delivery::Failed) && n.recipient.is_none();
    let after_first = notices(&mut conn);
    assert_eq!(after_first.iter().filter(|n| retrying(n)).count(), 1, "{after_first:?}");
    assert_eq!(after_first.iter().filter(|n| given_up(n)).count(), 1, "{after_first:?}");
    // Not due again before its back-off ends.
    assert_eq!(run_once(&mut conn, &keys, &transport, now + Duration::seconds(30)).expect("worker run"), 0);
    now += Duration::minutes(1);
    assert_eq!(run_once(&mut conn, &keys, &transport, now).expect("worker run"), 1);
    let after_retry = notices(&mut conn);
    assert_eq!(after_retry.iter().filter(|n| n.is(Delivery::Sent) && n.attempts == 2).count(), 1, "{after_retry:?}");
    assert_eq!(transport.sent.lock().expect("transport log").len(), 2);
    let actions =
        audit_count_in(&mut conn, &["notification.retry_scheduled", "notification.failed", "notification.sent"]);
    assert_eq!(actions, 3);
    let report = handbook_admin::audit::verify(&mut conn, &keys, &dir.path().join("none")).map(|r| r.events);
    assert_eq!(report, Ok(3));
});

type OnSend = Box<dyn Fn(usize) + Send + Sync>;

/// Counts sends; runs `on_send` with each send's index (a slow send, another worker, a stop).
struct Counting {
    sent: Arc<Mutex<Vec<String>>>,
    on_send: OnSend,
}

impl Counting {
    fn new(on_send: impl Fn(usize) + Send + Sync + 'static) -> Self {
        Self { sent: Arc::default(), on_send: Box::new(on_send) }
    }

    fn sent(&self) -> Vec<String> {
        self.sent.lock().unwrap().clone()
    }
}

impl Transport for Counting {
    fn send(&self, to: &str, _subject: &str, _body: &str) -> Result<(), SendError> {
        let index = {
            let mut sent = self.sent.lock().unwrap();
            sent.push(to.to_owned());
            sent.len() - 1
        };
        (self.on_send)(index);
        Ok(())
    }
    fn name(&self) -> &'static str {
        "counting"
    }
}

fn seed_three(conn: &mut DbConnection) {
    seed_holders(
        conn,
        &[
            ("MR-LEASE1", Some("h1@example.jp")),
            ("MR-LEASE2", Some("h2@example.jp")),
            ("MR-LEASE3", Some("h3@example.jp")),
        ],
    );
}

dual_test!(a_notice_whose_lease_ran_out_is_never_sent_twice, |db: TestDb| async move {
    let dir = tempfile::tempdir().unwrap();
    let url = handbook_admin::db::DatabaseUrl::parse(&fresh_database(db, &dir)).unwrap();
    let pool = handbook_admin::db::connect_pool(&url, 3).unwrap();
    let mut conn = pool.get().unwrap();
    handbook_admin::db::run_migrations(&mut conn).unwrap();
    seed_three(&mut conn);
    let keys = crate::helpers::test_audit_keys();
    let clock = Arc::new(Mutex::new(datetime!(2026-11-24 00:00:01 UTC)));
    let by_b = Arc::new(Mutex::new(Vec::new()));
    // Worker A's sends take 100 s each: its batch's two-minute lease runs out before the third.
    // During the second send, worker B (another instance) runs and takes only what is free.
    let a = {
        let (clock, by_b, pool) = (clock.clone(), by_b.clone(), pool.clone());
        Counting::new(move |index| {
            *clock.lock().unwrap() += Duration::seconds(100);
            if index == 1 {
                let b = Counting::new(|_| {});
                let mut conn_b = pool.get().unwrap();
                let at = *clock.lock().unwrap() + Duration::seconds(10);
                run_once(&mut conn_b, &crate::helpers::test_audit_keys(), &b, at).unwrap();
                by_b.lock().unwrap().extend(b.sent());
            }
        })
    };
    let now = || *clock.lock().unwrap();
    let never = AtomicBool::new(false);
    let tried_by_a = handbook_admin::jobs::notify::run_pass(&mut conn, &keys, &a, &now, &never).unwrap();
    let by_b = by_b.lock().unwrap().clone();
    assert_eq!(by_b, vec!["h3@example.jp".to_owned()], "B takes the third, whose lease ran out; not the one in hand");
    assert_eq!(tried_by_a, 2, "A skips the third: its lease is B's now");
    let mut everyone = a.sent();
    everyone.extend(by_b);
    everyone.sort();
    assert_eq!(everyone, ["h1@example.jp", "h2@example.jp", "h3@example.jp"], "each sent once");
    let all = notices(&mut conn);
    assert!(all.iter().all(|n| n.is(Delivery::Sent)), "{all:?}");
    assert_eq!(audit_count_in(&mut conn, &["notification.sent"]), 3, "each recorded once");
});

dual_test!(a_stopping_worker_gives_back_the_notices_it_had_not_tried, |db: TestDb| async move {
    let dir = tempfile::tempdir().unwrap();
    let url = handbook_admin::db::DatabaseUrl::parse(&fresh_database(db, &dir)).unwrap();
    let pool = handbook_admin::db::connect_pool(&url, 2).unwrap();
    let mut conn = pool.get().unwrap();
    handbook_admin::db::run_migrations(&mut conn).unwrap();
    seed_three(&mut conn);
    let keys = crate::helpers::test_audit_keys();
    let now = datetime!(2026-11-24 00:00:01 UTC);
    let stop = Arc::new(AtomicBool::new(false));
    let transport = {
        let stop = stop.clone();
        Counting::new(move |_| stop.store(true, Ordering::Release))
    };
    let tried = handbook_admin::jobs::notify::run_pass(&mut conn, &keys, &transport, &|| now, &stop).unwrap();
    assert_eq!(tried, 1, "the send in hand finishes");
    let all = notices(&mut conn);
    let waiting: Vec<_> = all.iter().filter(|n| n.is(Delivery::Pending)).collect();
    assert_eq!(waiting.len(), 2);
    assert!(waiting.iter().all(|n| n.attempts == 0), "given back uncounted: {waiting:?}");
    // Another worker may take them at once, not after the lease.
    let other = Counting::new(|_| {});
    assert_eq!(run_once(&mut conn, &keys, &other, now).unwrap(), 2);
});
