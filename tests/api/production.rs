//! How the console runs as a production node: readiness for the load balancer, and a graceful
//! stop on SIGTERM.

use reqwest::StatusCode;
use serde_json::Value;

use handbook_admin::clock::Clock;

use crate::dual_test;
use crate::helpers::spawn_app;

dual_test!(readiness_names_the_database_and_the_photo_store_and_fails_when_the_store_is_gone, |db| async move {
    let app = spawn_app(db).await;
    let ready = |address: String| async move {
        let response = reqwest::get(format!("{address}/readyz")).await.unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    let (status, body) = ready(app.address.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["database"].as_str(), body["photo_store"].as_str()), (Some("ok"), Some("ok")));
    // The photo store's mount is lost: this instance must not get uploads.
    let images = app.data_dir.join("images");
    let moved = app.data_dir.join("images-away");
    std::fs::rename(&images, &moved).unwrap();
    let (status, body) = ready(app.address.clone()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["photo_store"], "unavailable");
    // Liveness is about the process and the database only.
    assert_eq!(reqwest::get(format!("{}/healthz", app.address)).await.unwrap().status(), StatusCode::OK);
    std::fs::rename(&moved, &images).unwrap();
    assert_eq!(ready(app.address.clone()).await.0, StatusCode::OK);
});

/// SIGTERM: readiness turns 503 while a slow request is still served, that request completes,
/// and the process exits 0.
#[actix_web::test]
async fn sigterm_drains_the_node_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::helpers::DemoProcess::new(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let log = dir.path().join("console.log");
    let mut server = crate::helpers::Child(
        demo.command(&["demo", "--bind", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "info")
            .env("HANDBOOK_ADMIN_LOG_FORMAT", "json")
            // Three listeners: the stop must end every one of them.
            .env("HANDBOOK_ADMIN_API_BIND", "127.0.0.1:0")
            .env("HANDBOOK_ADMIN_METRICS_BIND", "127.0.0.1:0")
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.path().join("console.err")).unwrap())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    crate::helpers::wait_until_up(&client, &format!("{base}/healthz")).await;
    assert_eq!(client.get(format!("{base}/readyz")).send().await.unwrap().status(), StatusCode::OK);
    // A connection kept open across the signal: it is still answered while the node drains.
    let kept = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    assert!(kept.get(format!("{base}/healthz")).send().await.unwrap().status().is_success());
    let code = server.terminate(std::time::Duration::from_secs(10)).await;
    assert!(code.success(), "a graceful stop exits 0: {code}");
    // Stopped means stopped: nothing listens any more.
    assert!(client.get(format!("{base}/healthz")).send().await.is_err());
    // The console's own handler took the signal (readiness turned 503 then), not the default.
    let logged =
        std::fs::read_to_string(&log).unwrap() + &std::fs::read_to_string(dir.path().join("console.err")).unwrap();
    assert!(logged.contains("stopping: no new connections") && logged.contains("SIGTERM"), "{logged}");
    // The last audit checkpoint was written on the way out.
    let checkpoints = dir.path().join("data").join("audit-checkpoints");
    assert!(std::fs::read_dir(&checkpoints).is_ok_and(|d| d.count() > 0), "a checkpoint at stop");
}

dual_test!(two_instances_share_sessions_and_detect_each_others_saves, |db| async move {
    use handbook_admin::domain::staff::Role;
    let a = spawn_app(db).await;
    let b = crate::helpers::spawn_second_instance(&a).await;
    let id = crate::intake::register(&a, "MR-TWONODE1", "physical", vec![crate::fixtures::jpeg(640, 400)]).await;

    // Signed in on A, carried on on B with the same cookie (the balancer may switch nodes).
    let mut reviewer = a.signed_in(Role::Reviewer).await;
    reviewer.base = b.address.clone();
    let page = reviewer.get("/").await;
    assert_eq!(page.status, StatusCode::OK, "the session holds on B");
    assert_eq!(crate::review::take_next(&mut reviewer).await, Some(id), "B takes what A received");

    // A form B served, saved on A; the same old form saved again on B is a conflict.
    let form = reviewer.get(&format!("/registrations/{id}")).await;
    let version = form.input_value("version").unwrap();
    let mut fields = vec![("version", version.as_str())];
    fields.extend(crate::review::printed_physical());
    reviewer.base = a.address.clone();
    let saved = reviewer.post(&format!("/registrations/{id}/transcription"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    reviewer.base = b.address.clone();
    let stale = reviewer.post(&format!("/registrations/{id}/transcription"), &fields).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "B refuses a form older than A's save");
    assert_eq!(a.transcriptions_of(id), 1, "nothing overwritten");
    a.verify_audit().expect("one chain, written by two nodes");
});

/// Every connection of the server's pool bounds its statements; full statistics (and
/// migrations) on that same connection are exempt, and the bound is back in place afterwards.
#[test]
fn the_server_pool_bounds_statements_but_not_migrations_or_statistics() {
    use diesel::connection::SimpleConnection;
    if crate::helpers::postgres_admin_url().is_none() {
        crate::helpers::skip_or_fail("TEST_DATABASE_URL not set: PostgreSQL statement limit");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(crate::helpers::TestDb::Postgres, &dir);
    let url = handbook_admin::db::DatabaseUrl::parse(&url).unwrap();
    // A table whose full statistics take far longer than the limit: a million rows, sampled whole.
    handbook_admin::db::connect_pool(&url, 1)
        .unwrap()
        .get()
        .unwrap()
        .batch_execute(
            "CREATE TABLE scratch AS SELECT n, md5(n::text) AS v FROM generate_series(1, 1000000) AS n;
             ALTER TABLE scratch ALTER COLUMN v SET STATISTICS 10000;
             ALTER TABLE scratch ALTER COLUMN n SET STATISTICS 10000;",
        )
        .unwrap();
    let settings = handbook_admin::db::PoolSettings {
        max_size: 1,
        checkout_timeout: std::time::Duration::from_millis(500),
        statement_timeout: std::time::Duration::from_millis(20),
    };
    let pool = handbook_admin::db::connect_server_pool(&url, settings).unwrap();
    let mut conn = pool.get().unwrap();
    let bounded = conn.batch_execute("ANALYZE scratch").unwrap_err().to_string();
    assert!(bounded.contains("statement timeout"), "the limit bites a plain ANALYZE: {bounded}");
    handbook_admin::db::run_migrations(&mut conn).unwrap();
    handbook_admin::db::analyze(&mut conn).expect("full statistics are exempt");
    let err = conn.batch_execute("SELECT pg_sleep(0.2)").unwrap_err().to_string();
    assert!(err.contains("statement timeout"), "the limit is back afterwards: {err}");
    // A request finds every connection busy: it waits the checkout timeout, then fails.
    let started = std::time::Instant::now();
    assert!(pool.get().is_err());
    assert!(started.elapsed() >= std::time::Duration::from_millis(450), "{:?}", started.elapsed());
}

// Two nodes behind the balancer, every worker running in both: 16 reviewers pressing
// 「次の登録を担当する」 on either node get 16 different registrations; each of their 16
// notices leaves once (counted at the transport), each Myna Portal request reaches the portal
// once, and a suspension decided on one node shows in the other's card API on the next call.
dual_test!(two_instances_do_each_unit_of_work_once, |db| async move {
    use handbook_admin::domain::staff::{NewPassword, Role, StaffEmail};
    use handbook_admin::services::accounts::manage::{NewAccount, create};
    let (a, sim) = crate::myna_requests::app_and_portal(db, handbook_admin::demo::myna_sim::Behaviour::prompt()).await;
    let b = crate::helpers::spawn_second_instance(&a).await;
    let nodes = [&a, &b];
    let pool = a.pool.clone();
    let now = a.clock.now();
    actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        let password = NewPassword::parse(crate::helpers::PASSWORD, None).unwrap();
        for n in 0..16 {
            let email = StaffEmail::parse(&format!("reviewer{n:02}@node.invalid")).unwrap();
            let account = NewAccount {
                email: &email,
                display_name: "審査 担当",
                role: Role::Reviewer,
                password: &password,
                temporary: false,
            };
            create(
                &mut conn,
                &crate::helpers::test_audit_keys(),
                handbook_admin::audit::Actor::Cli,
                &account,
                now,
                None,
            )
            .unwrap();
        }
    })
    .await
    .unwrap();
    for n in 0..16 {
        crate::intake::register(
            nodes[n % 2],
            &format!("MR-NODE{n:04}"),
            "physical",
            vec![crate::fixtures::jpeg(120, 80)],
        )
        .await;
    }
    let mut reviewers = Vec::new();
    for n in 0..16 {
        let mut browser = nodes[n % 2].browser();
        let page = browser.login(&format!("reviewer{n:02}@node.invalid"), crate::helpers::PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        reviewers.push(browser);
    }
    let taken: Vec<Option<i64>> =
        futures_util::future::join_all(reviewers.iter_mut().map(crate::review::take_next)).await;
    let mut ids: Vec<i64> = taken.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 16, "16 different registrations: {taken:?}");

    // Each sends its holder a defect notice, from either node.
    let returns = reviewers.iter_mut().zip(&taken).map(|(browser, id)| async move {
        let mut fields = vec![("decision", "return"), ("defects", "D02")];
        fields.extend_from_slice(&crate::review::CHECKED);
        let page = crate::review::decide(browser, id.unwrap(), &fields).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    });
    futures_util::future::join_all(returns).await;
    // Both notice workers run against the one outbox; the shared file transport counts sends.
    let outbox = a.data_dir.join("outbox/notices.jsonl");
    let sent = || std::fs::read_to_string(&outbox).map(|t| t.lines().count()).unwrap_or(0);
    crate::myna_requests::eventually("16 notices sent", || sent() >= 16).await;

    // Myna Portal requests, opened through either node, each reach the portal once.
    for (node, public_id) in [(&a, crate::myna_requests::PLAIN_NUMBER), (&b, crate::myna_requests::GRADE_CHANGED)] {
        let (status, body) =
            crate::myna_requests::consent(node, public_id, &crate::myna_requests::fresh_consent(node)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    crate::myna_requests::eventually("both requests accepted", || sim.accepted() >= 2).await;
    // Both nodes' workers have polled many times since (50 ms idle): nothing went twice.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(sent(), a.notices_sent(), "each notice exactly once");
    for id in &ids {
        assert_eq!(a.notifications_of_in(*id, handbook_admin::domain::notice::Delivery::Sent), 1);
    }
    assert_eq!(sim.accepted(), 2, "each Myna Portal request exactly once");

    // A suspension decided on A is what B's card API says on the very next call.
    let holder = crate::sanctions::active_holder(&a, "MR-NODESANC").await;
    assert_eq!(crate::sanctions::card_status(&b, "MR-NODESANC").await, "active");
    let mut supervisor = a.signed_in(Role::Supervisor).await;
    let page =
        crate::sanctions::sanction(&mut supervisor, holder, "3(4)", "suspend", "本人から紛失の連絡（電話）").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(crate::sanctions::card_status(&b, "MR-NODESANC").await, "suspended");
    a.verify_audit().expect("one chain, written by two nodes");
});

// The purge of ended Myna consents runs in every node: each consent is purged, and audited,
// once, whichever node gets there first.
dual_test!(two_nodes_purging_at_once_purge_each_consent_once, |db| async move {
    let app = crate::helpers::spawn_app(db).await;
    let consents = 6;
    for n in 0..consents {
        let public_id = format!("MR-PURGE{n:03}");
        crate::sanctions::active_holder(&app, &public_id).await;
        let mut short = crate::myna::delivery(&format!("req-race-{n}"), &public_id, "ok");
        short["consent"]["valid_until"] = serde_json::json!("2026-11-24T02:00:00Z");
        assert_eq!(crate::myna::deliver(&app, &short).await.0, StatusCode::OK);
    }
    let after_end = time::macros::datetime!(2026-11-24 03:00 UTC);
    let together = std::sync::Arc::new(std::sync::Barrier::new(2));
    let purgers: Vec<_> = (0..2)
        .map(|_| {
            let (pool, together) = (app.pool.clone(), together.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                together.wait();
                handbook_admin::services::myna::purge::expired(
                    &mut conn,
                    &crate::helpers::test_audit_keys(),
                    handbook_admin::audit::Actor::System,
                    after_end,
                )
                .unwrap()
            })
        })
        .collect();
    let purged: usize = purgers.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(purged, consents);
    assert_eq!(app.audit_count("myna.purged"), consents, "one event per consent");
    app.verify_audit().unwrap();
});

/// SIGTERM while uploads arrive and 300 notices are being sent: the node drains and exits 0;
/// after a restart every registration it accepted opens whole, nothing any row names is
/// missing, and every notice has left exactly once.
#[actix_web::test]
async fn sigterm_during_uploads_and_sends_leaves_nothing_half_done_or_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::helpers::DemoProcess::new(&dir).with_env("HANDBOOK_ADMIN_JOBS_IDLE_MS", "20");
    let (mut server, _, _, base) = demo.start().await;
    let data = dir.path().join("data");
    let url =
        handbook_admin::db::DatabaseUrl::parse(&format!("sqlite://{}", data.join("console.db").display())).unwrap();
    let pool = handbook_admin::db::connect_pool(&url, 1).unwrap();
    let holders: Vec<(String, Option<String>)> =
        (0..300).map(|n| (format!("MR-STOP{n:04}"), Some(format!("stop{n}@example.jp")))).collect();

    // Uploads keep coming, one after another, until the node stops answering.
    let arrived = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let uploads = {
        let (base, arrived) = (base.clone(), arrived.clone());
        actix_web::rt::spawn(async move {
            let client = reqwest::Client::new();
            let mut accepted = Vec::new();
            for n in 0.. {
                let public_id = format!("MR-UPLD{n:04}");
                let token = handbook_admin::settings::DEMO_INTAKE_TOKEN;
                let photo = (crate::fixtures::jpeg(900, 600), "p.jpg");
                match crate::intake::post_one(&client, &base, token, &public_id, photo).await {
                    Ok(StatusCode::CREATED) => accepted.push(public_id),
                    Ok(StatusCode::SERVICE_UNAVAILABLE) | Err(_) => break,
                    Ok(status) => panic!("upload answered {status}"),
                }
                arrived.store(accepted.len(), std::sync::atomic::Ordering::Release);
            }
            accepted
        })
    };
    // However slow the machine, the signal comes while uploads are under way.
    for _ in 0..600 {
        if arrived.load(std::sync::atomic::Ordering::Acquire) > 0 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // 300 notices come due at once; the worker is sending them when the signal comes.
    {
        let mut conn = pool.get().unwrap();
        let list: Vec<(&str, Option<&str>)> = holders.iter().map(|(p, e)| (p.as_str(), e.as_deref())).collect();
        crate::notices::seed_holders(&mut conn, &list);
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(30)).await;
    let code = server.terminate(std::time::Duration::from_secs(40)).await;
    assert!(code.success(), "a graceful stop exits 0: {code}");
    let accepted = uploads.await.unwrap();
    assert!(!accepted.is_empty(), "uploads were arriving");
    let outbox = data.join("outbox/notices.jsonl");
    let sent_before = std::fs::read_to_string(&outbox).map(|t| t.lines().count()).unwrap_or(0);
    eprintln!("at the stop: {} uploads accepted, {sent_before} of 300 notices sent", accepted.len());

    // Restarted: the rest of the notices go, each once.
    let _server = demo.start().await;
    let lines = || std::fs::read_to_string(&outbox).map(|t| t.lines().count()).unwrap_or(0);
    for _ in 0..400 {
        if lines() >= 300 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let text = std::fs::read_to_string(&outbox).unwrap();
    assert_eq!(text.lines().count(), 300, "every notice exactly once");
    let mut recipients: Vec<String> =
        text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["to"].as_str().unwrap().to_owned()).collect();
    recipients.sort_unstable();
    recipients.dedup();
    assert_eq!(recipients.len(), 300, "no holder was told twice");

    // Every accepted upload is there, whole; every file a row names opens.
    let secrets: Value = serde_json::from_slice(&std::fs::read(data.join("demo-secrets.json")).unwrap()).unwrap();
    let key: [u8; 32] = hex::decode(secrets["image_key"].as_str().unwrap()).unwrap().try_into().unwrap();
    let store = handbook_admin::images::ImageStore::new(
        &data,
        handbook_admin::images::Keyring::new(&handbook_admin::secrets::Secret::new(key), &[]),
    );
    let mut conn = pool.get().unwrap();
    for public_id in &accepted {
        assert!(handbook_admin::db::holders::find_by_public_id(&mut conn, public_id).unwrap().is_some(), "{public_id}");
    }
    let opened = handbook_admin::db::photo_keys::for_each_key(&mut conn, |key| {
        assert!(store.get(key).is_ok(), "a photo a row names does not open");
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
    assert!(opened >= 2 * accepted.len(), "{opened} files for {} registrations", accepted.len());
}
