//! Hardening: sign-in budgets, the password hasher off the database pool, lock-out from the
//! password form, the absolute session limit, sealed TOTP secrets, card reads counted beside
//! the chain and card callers walking unknown IDs slowed down.

use std::time::Instant;

use handbook_admin::db::tallies;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use time::Duration;

use crate::dual_test;
use crate::helpers::{PASSWORD, TestDb, demo_email, spawn_app, spawn_app_with};

dual_test!(sign_in_is_throttled_per_account_and_unknown_emails_are_counted_not_chained, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let chain_before = app.audit_actions().len();
    // Guesses spread over two nodes count against one budget, kept in the database.
    let second = crate::helpers::spawn_second_instance(&app).await;
    let mut elsewhere = second.browser();
    for _ in 0..5 {
        let page = elsewhere.login("nobody@demo.invalid", "guess-guess-guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let mut browser = app.browser();
    for _ in 0..5 {
        let page = browser.login("nobody@demo.invalid", "guess-guess-guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = browser.login("nobody@demo.invalid", "guess-guess-guess").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "the account's budget is used up");
    assert!(page.body.contains("サインインの試行が多すぎます"));
    let wait: i64 = page.header("retry-after").and_then(|v| v.parse().ok()).unwrap_or(0);
    assert!((1..=900).contains(&wait), "{wait}");
    assert_eq!(app.tally_today(tallies::UNKNOWN_SIGN_IN), 10, "the refused attempt was not even looked up");
    assert_eq!(app.audit_actions().len(), chain_before, "no chain row per unknown e-mail");

    // Another account from the same address still signs in; the window ends and it counts again.
    assert_eq!(browser.login(demo_email(Role::Admin), PASSWORD).await.status, StatusCode::SEE_OTHER);
    let mut admin = app.signed_in(Role::Admin).await;
    let home = admin.get("/").await;
    let stats = home.select_texts("section[aria-labelledby=watch-title] .stat");
    assert!(
        stats.iter().any(|s| s.contains("登録のないメールアドレスでのサインイン") && s.contains("10回")),
        "{stats:?}"
    );
    app.clock.advance(Duration::minutes(15));
    let mut later = app.browser();
    assert_eq!(later.login("nobody@demo.invalid", "guess").await.status, StatusCode::UNAUTHORIZED);
});

dual_test!(sign_in_is_throttled_per_client_address, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.browser();
    for n in 0..30 {
        let page = browser.login(&format!("sprayed{n}@demo.invalid"), "guess-guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let page = browser.login(demo_email(Role::Reviewer), PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "the address's budget is used up, whatever account");
    let mut auditor_elsewhere = app.browser();
    // The same address: refused too, and the refusal names no account.
    assert_eq!(
        auditor_elsewhere.login(demo_email(Role::Auditor), PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(Duration::minutes(15));
    assert_eq!(browser.login(demo_email(Role::Reviewer), PASSWORD).await.status, StatusCode::SEE_OTHER);
});

dual_test!(password_hashing_does_not_hold_database_connections, |db: TestDb| async move {
    let app = spawn_app_with(db, |s| s.db.max_size = 2).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let started = Instant::now();
    let attempts: Vec<_> = (0..8)
        .map(|n| {
            let mut browser = app.browser();
            tokio::spawn(async move {
                browser.login(&format!("anon{n}@demo.invalid"), "a-long-wrong-password").await;
                started.elapsed()
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let page = reviewer.get("/queue").await;
    let page_done = started.elapsed();
    assert_eq!(page.status, StatusCode::OK);
    let mut last_attempt = std::time::Duration::ZERO;
    for attempt in attempts {
        last_attempt = last_attempt.max(attempt.await.unwrap());
    }
    assert!(
        page_done < last_attempt,
        "the queue answered in {page_done:?}, before the last of eight hashes ({last_attempt:?})"
    );
});

dual_test!(wrong_current_passwords_lock_the_account_and_end_the_session, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut support = app.signed_in(Role::Support).await;
    support.get("/account/password").await;
    let form = |current: &'static str| {
        [
            ("current_password", current),
            ("new_password", "a-new-password-2026"),
            ("confirm_password", "a-new-password-2026"),
        ]
    };
    for n in 0..4 {
        let page = support.post("/account/password", &form("not-my-password")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {n}");
        assert!(page.body.contains("現在のパスワードが正しくありません"));
    }
    let page = support.post("/account/password", &form("not-my-password")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the fifth failure locks the account");
    assert_eq!(page.location(), Some("/login"));
    assert_eq!(support.get("/").await.status, StatusCode::SEE_OTHER, "the session ended");
    let login = support.get("/login").await;
    assert!(login.body.contains("アカウントを15分間ロック"));
    let mut again = app.browser();
    assert_eq!(again.login(demo_email(Role::Support), PASSWORD).await.status, StatusCode::UNAUTHORIZED, "locked");
    let failures = app.audit_events("staff.login_failed");
    assert_eq!(failures.iter().filter(|e| e.details.contains("wrong_current_password")).count(), 5);
    assert_eq!(app.audit_count("staff.locked_out"), 1);
});

dual_test!(sessions_end_twelve_hours_after_sign_in_however_active, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.signed_in(Role::Auditor).await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(browser.get("/").await.status, StatusCode::OK);
    }
    app.clock.advance(Duration::minutes(20));
    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "12 hours after sign-in");
    assert!(browser.get("/login").await.body.contains("サインインから12時間が経過した"));
});

dual_test!(totp_secrets_are_stored_sealed, |db: TestDb| async move {
    let app = spawn_app_with(db, |s| s.require_totp = true).await;
    let mut browser = app.browser();
    let email = demo_email(Role::Reviewer);
    browser.login(email, PASSWORD).await;
    let page = browser.get("/login/totp").await;
    let secret = page.select_texts("code.secret-key").first().cloned().expect("secret shown");
    let code = handbook_admin::auth::totp::code_at(&secret, {
        use handbook_admin::clock::Clock;
        app.clock.now()
    })
    .unwrap();
    assert_eq!(browser.post("/login/totp", &[("totp", &code)]).await.status, StatusCode::SEE_OTHER);
    let stored = app.stored_totp(email).expect("enrolled");
    assert!(stored.starts_with("sealed:") && !stored.contains(&secret), "the column holds no usable secret");
});

dual_test!(card_reads_are_counted_per_holder_and_day_beside_the_chain, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-READS001").await;
    let chain_before = app.audit_actions().len();
    for _ in 0..3 {
        assert_eq!(crate::review::card(&app, "MR-READS001").await.0, StatusCode::OK);
    }
    assert_eq!(app.card_reads_today("MR-READS001"), 3);
    let added = app.audit_actions().split_off(chain_before);
    assert!(!added.iter().any(|a| a.starts_with("card.")), "reads do not grow the chain: {added:?}");

    let mut auditor = app.signed_in(Role::Auditor).await;
    let home = auditor.get("/").await;
    let stats = home.select_texts("section[aria-labelledby=watch-title] .stat");
    assert!(
        stats.iter().any(|s| s.contains("アプリのカード表示") && s.contains("3回") && s.contains("1人分")),
        "{stats:?}"
    );
    let (status, _, body) = auditor.download("/exports/card-reads.csv?from=2026-11-24&to=2026-11-24").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("日付,利用者ID,カード表示の回数"), "{text}");
    assert!(text.contains("2026-11-24,MR-READS001,3"), "{text}");
    assert_eq!(app.audit_count("export.downloaded"), 1, "the export is audited");
});

dual_test!(a_card_credential_walking_real_ids_hits_its_budget_on_every_node, |db: TestDb| async move {
    // The demo's 239 cards once all read from one token: a credential reads at most its budget
    // of distinct holders per window (120 per 10 minutes by default), whichever node it asks.
    let app = spawn_app_with(db, |s| {
        s.card_token =
            handbook_admin::secrets::Secret::new(format!("{},walker-token-walker-token", crate::review::CARD_TOKEN))
    })
    .await;
    let second = crate::helpers::spawn_second_instance(&app).await;
    {
        let mut conn = app.pool.get().unwrap();
        let at = handbook_admin::clock::to_db(handbook_admin::clock::Clock::now(&*app.clock));
        for i in 0..300 {
            let public_id = format!("MR-WALK{i:04}");
            let holder = handbook_admin::db::holders::NewHolder {
                public_id: &public_id,
                email: None,
                status: handbook_admin::domain::holder::HolderStatus::Active,
                created_at: at,
                updated_at: at,
            };
            handbook_admin::db::holders::insert(&mut conn, &holder).unwrap();
        }
    }
    let client = reqwest::Client::new();
    let get = |base: String, token: &'static str, id: String| {
        let client = client.clone();
        async move { client.get(format!("{base}/api/v1/holders/{id}/card")).bearer_auth(token).send().await.unwrap() }
    };
    let mut served = 0;
    let mut refused = None;
    for i in 0..300 {
        // Alternating nodes: the budget is one, kept where both see it.
        let base = if i % 2 == 0 { app.address.clone() } else { second.address.clone() };
        let r = get(base, "walker-token-walker-token", format!("MR-WALK{i:04}")).await;
        match r.status() {
            StatusCode::OK => served += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                refused.get_or_insert(r);
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(served, 120, "exactly the budget of distinct holders");
    let refused = refused.expect("the walk hit the budget");
    let wait: i64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "until the window ends: {wait}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // A card read before in the window costs nothing; another credential has its own budget.
    assert_eq!(
        get(app.address.clone(), "walker-token-walker-token", "MR-WALK0000".into()).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(app.address.clone(), crate::review::CARD_TOKEN, "MR-WALK0299".into()).await.status(),
        StatusCode::OK
    );
    // The dashboard names the credential by its fingerprint.
    let mut admin = app.signed_in(Role::Admin).await;
    let home = admin.get("/").await;
    let named = home.select_texts("section[aria-labelledby=watch-title] code");
    let fingerprint = handbook_admin::web::throttles::fingerprint("walker-token-walker-token");
    assert!(named.contains(&fingerprint), "{named:?}");
    // The next window starts over.
    app.clock.advance(time::Duration::minutes(10));
    second.clock.advance(time::Duration::minutes(10));
    assert_eq!(
        get(app.address.clone(), "walker-token-walker-token", "MR-WALK0250".into()).await.status(),
        StatusCode::OK
    );
});

dual_test!(a_card_caller_walking_unknown_ids_is_slowed_and_shown, |db: TestDb| async move {
    let app = spawn_app_with(db, |s| {
        s.card_token =
            handbook_admin::secrets::Secret::new(format!("{},walker-token-walker-token", crate::review::CARD_TOKEN))
    })
    .await;
    crate::support::approved_holder(&app, "MR-KNOWN001").await;
    let get = |token: &'static str, id: String| {
        let url = format!("{}/api/v1/holders/{id}/card", app.address);
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap() }
    };
    for n in 0..30 {
        let r = get("walker-token-walker-token", format!("MR-{:08}", 10_000 + n)).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{n}");
    }
    let refused = get("walker-token-walker-token", "MR-KNOWN001".to_owned()).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "even a real ID, once slowed");
    assert!(refused.headers().get("retry-after").is_some());
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(
        get(crate::review::CARD_TOKEN, "MR-KNOWN001".to_owned()).await.status(),
        StatusCode::OK,
        "other callers are not"
    );
    for _ in 0..5 {
        let again = get("walker-token-walker-token", "MR-KNOWN001".to_owned()).await;
        assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(app.tally_today(tallies::CARD_THROTTLED), 1, "counted once a window, not once per refused call");

    let mut admin = app.signed_in(Role::Admin).await;
    let home = admin.get("/").await;
    let slowed = home.select_texts("section[aria-labelledby=watch-title] code");
    let fingerprint = handbook_admin::web::throttles::fingerprint("walker-token-walker-token");
    assert_eq!(slowed, vec![fingerprint], "named by fingerprint, never by the token");
    assert!(!home.body.contains("walker-token"));
    app.clock.advance(Duration::minutes(5));
    assert_eq!(get("walker-token-walker-token", "MR-KNOWN001".to_owned()).await.status(), StatusCode::OK);
});

dual_test!(two_instances_starting_together_migrate_once, |db: TestDb| async move {
    let dir = tempfile::tempdir().unwrap();
    let url = handbook_admin::db::DatabaseUrl::parse(&crate::helpers::fresh_database(db, &dir)).unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                let pool = handbook_admin::db::connect_pool(&url, 1).unwrap();
                let mut conn = pool.get().unwrap();
                barrier.wait();
                handbook_admin::db::run_migrations(&mut conn).map_err(|e| e.to_string())
            })
        })
        .collect();
    let applied: Vec<usize> = runs.into_iter().map(|r| r.join().unwrap().unwrap()).collect();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    let mut sorted = applied.clone();
    sorted.sort();
    assert_eq!(sorted, vec![0, migrations], "one migrates, the other finds nothing pending: {applied:?}");
});

dual_test!(queue_searches_are_audited_by_keyed_hash, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-QSEARCH1").await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let page = reviewer.get("/queue?q=%E9%AB%99%E6%A9%8B").await; // 髙橋
    assert_eq!(page.status, StatusCode::OK);
    reviewer.get("/queue?q=1000001").await;
    reviewer.get("/queue").await; // no search: nothing recorded
    let events = app.audit_events("queue.searched");
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().any(|e| e.details.contains("\"by\":\"name\"")), "{events:?}");
    assert!(events.iter().any(|e| e.details.contains("\"by\":\"number\"")), "{events:?}");
    assert!(events.iter().all(|e| e.details.contains("query_hmac")));
    assert!(!events.iter().any(|e| e.details.contains("髙橋") || e.details.contains("1000001")), "never in clear");
});

dual_test!(intake_and_take_next_at_once_never_deadlock, |db: TestDb| async move {
    let app = std::sync::Arc::new(spawn_app(db).await);
    for n in 0..6 {
        crate::intake::register(&app, &format!("MR-RACE{n:04}"), "physical", vec![crate::fixtures::jpeg(120, 80)])
            .await;
    }
    let mut reviewers = vec![app.signed_in(Role::Reviewer).await, app.signed_in(Role::Supervisor).await];
    let mut second = app.browser();
    assert_eq!(second.login("reviewer2@demo.invalid", PASSWORD).await.status, StatusCode::SEE_OTHER);
    reviewers.push(second);
    let intakes: Vec<_> = (0..12)
        .map(|n| {
            let app = app.clone();
            tokio::spawn(async move {
                let form = reqwest::multipart::Form::new()
                    .text("metadata", crate::intake::metadata(&format!("MR-RACE{:04}", 100 + n), "physical"))
                    .part("image", crate::intake::image_part(crate::fixtures::jpeg(120, 80), "p.jpg"));
                crate::intake::upload(&app, Some(crate::intake::TOKEN), form).await.0
            })
        })
        .collect();
    let takers: Vec<_> = reviewers
        .into_iter()
        .map(|mut browser| {
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in 0..4 {
                    browser.get("/queue").await;
                    statuses.push(browser.post("/queue/take", &[("kind", "")]).await.status);
                }
                statuses
            })
        })
        .collect();
    for intake in intakes {
        assert_eq!(intake.await.unwrap(), StatusCode::CREATED);
    }
    for taker in takers {
        assert!(taker.await.unwrap().iter().all(|s| *s == StatusCode::SEE_OTHER), "no take-next failed");
    }
    assert!(app.verify_audit().is_ok());
});

dual_test!(grades_and_fare_classes_typed_in_kanji_are_read_like_digits, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = crate::intake::register(&app, "MR-KANJI001", "physical", vec![crate::fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(crate::review::take_next(&mut reviewer).await, Some(id));
    let mut typed = crate::review::printed_physical();
    typed.retain(|(name, _)| !matches!(*name, "grade" | "fare_class"));
    typed.extend([("grade", "二級"), ("fare_class", "第一種")]);
    let page = crate::review::save(&mut reviewer, id, &typed).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let fields = app.fields_of(id).unwrap();
    assert_eq!((fields.grade.as_str(), fields.fare_class.as_deref()), ("2級", Some("1")));
    typed.retain(|(name, _)| *name != "fare_class");
    typed.push(("fare_class", "2種"));
    assert_eq!(crate::review::save(&mut reviewer, id, &typed).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.fields_of(id).unwrap().fare_class.as_deref(), Some("2"), "the short stamp form");
});

/// A PNG of `w`×`h` RGBA pixels, mostly blank: small on the wire, large once decoded.
fn sparse_rgba_png(w: u32, h: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(w, h, |x, y| {
        if (x / 64 + y / 64) % 7 == 0 { image::Rgba([20, 20, 20, 255]) } else { image::Rgba([255, 255, 255, 0]) }
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[actix_web::test]
async fn four_huge_uploads_at_once_stay_within_memory() {
    if !cfg!(target_os = "linux") {
        return crate::helpers::skip_or_fail("process memory is read from /proc");
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::helpers::DemoProcess::new(&dir);
    let (server, client, _, base) = demo.start().await;
    // 48 megapixels each, just under the cap: accepted, and the heaviest a photo may be.
    let photo = std::sync::Arc::new(sparse_rgba_png(8000, 6000));
    let baseline = crate::helpers::peak_kib(server.id());
    let uploads: Vec<_> = (0..4)
        .map(|n| {
            let (client, base, photo) = (client.clone(), base.clone(), photo.clone());
            tokio::spawn(async move {
                let token = handbook_admin::settings::DEMO_INTAKE_TOKEN;
                let photo = (photo.to_vec(), "page.png");
                crate::intake::post_one(&client, &base, token, &format!("MR-HUGE{n:04}"), photo).await.unwrap()
            })
        })
        .collect();
    for upload in uploads {
        assert_eq!(upload.await.unwrap(), StatusCode::CREATED);
    }
    let peak_mib = crate::helpers::peak_kib(server.id()) as f64 / 1024.0;
    eprintln!(
        "four 48-megapixel uploads at once: peak RSS {peak_mib:.0} MiB (before: {:.0} MiB)",
        baseline as f64 / 1024.0
    );
    assert!(peak_mib < 512.0, "peak RSS {peak_mib:.0} MiB");
}

/// Every file under the photo store, with its storage key (`ab/cd/name`).
fn store_files(images: &std::path::Path) -> Vec<(String, std::path::PathBuf)> {
    crate::intake::files_under(images)
        .into_iter()
        .filter_map(|path| {
            let key = path.strip_prefix(images).ok()?.to_str()?.to_owned();
            Some((key, path))
        })
        .collect()
}

#[actix_web::test]
async fn a_crash_mid_upload_leaves_nothing_behind_after_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::helpers::DemoProcess::new(&dir);
    let images = dir.path().join("data").join("images");
    let (server, client, _, base) = demo.start().await;
    let photo = crate::fixtures::jpeg(1200, 800);
    let uploads: Vec<_> = (0..8)
        .map(|n| {
            let (client, base, photo) = (client.clone(), base.clone(), photo.clone());
            tokio::spawn(async move {
                for round in 0..50 {
                    let form = reqwest::multipart::Form::new()
                        .text("metadata", crate::intake::metadata(&format!("MR-KILL{n:02}{round:03}"), "physical"))
                        .part("image", crate::intake::image_part(photo.clone(), "a.jpg"))
                        .part("image", crate::intake::image_part(photo.clone(), "b.jpg"));
                    let sent = client
                        .post(format!("{base}/api/v1/registrations"))
                        .bearer_auth(handbook_admin::settings::DEMO_INTAKE_TOKEN)
                        .multipart(form)
                        .send()
                        .await;
                    if sent.is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(3000)).await;
    drop(server); // SIGKILL, mid-upload
    for upload in uploads {
        let _ = upload.await;
    }
    // What a crash can leave, planted too so the test never depends on the kill's timing: an
    // encrypted photo no row names and a temporary file.
    let stray = images.join("ab").join("cd");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::write(stray.join(format!("{}.hbai", "ab".repeat(16))), b"HBAI sealed photo").unwrap();
    std::fs::write(stray.join(".tmp-abc123"), b"half a photo").unwrap();
    // Everything was written "an hour ago": older than the sweep's minimum age.
    for (_, path) in store_files(&images) {
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        let written = file.metadata().unwrap().modified().unwrap();
        file.set_modified(written - std::time::Duration::from_secs(3600)).unwrap();
    }

    let (_server, _, _, _) = demo.start().await;
    let url =
        handbook_admin::db::DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("data/console.db").display()))
            .unwrap();
    let pool = handbook_admin::db::connect_pool(&url, 1).unwrap();
    let mut swept = false;
    for _ in 0..100 {
        let mut conn = pool.get().unwrap();
        if crate::inspect::audit_count_in(&mut conn, &["photos.swept"]) > 0 {
            swept = true;
            break;
        }
        drop(conn);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(swept, "the start-up sweep recorded what it removed");
    let files = store_files(&images);
    assert!(files.iter().all(|(key, _)| !key.contains(".tmp-")), "no temporary file left");
    let keys: Vec<String> = files.iter().map(|(k, _)| k.clone()).collect();
    let mut conn = pool.get().unwrap();
    let named = handbook_admin::db::handbooks::referenced_keys(&mut conn, &keys).unwrap();
    let unnamed: Vec<&String> = keys.iter().filter(|k| !named.contains(*k)).collect();
    assert!(unnamed.is_empty(), "photo files no row names: {unnamed:?}");
    // Nothing the database names was lost.
    use diesel::prelude::*;
    use handbook_admin::db::schema::handbook_images;
    let rows: Vec<(String, String)> = handbook_images::table
        .select((handbook_images::storage_key, handbook_images::thumb_key))
        .load(&mut conn)
        .unwrap();
    assert!(!rows.is_empty(), "some uploads committed before the kill");
    for (full, thumb) in rows {
        assert!(images.join(&full).exists() && images.join(&thumb).exists(), "a named photo is on disk");
    }
}

dual_test!(a_jpeg_cut_short_is_corrupt_however_it_ends, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let full = crate::fixtures::jpeg(640, 400);
    let mut cut = full[..full.len() * 6 / 10].to_vec();
    cut.extend_from_slice(&[0xFF, 0xD9]); // a well-formed ending after half a picture
    let form = reqwest::multipart::Form::new()
        .text("metadata", crate::intake::metadata("MR-CUT0001", "physical"))
        .part("image", crate::intake::image_part(cut, "cut.jpg"));
    let (status, body) = crate::intake::upload(&app, Some(crate::intake::TOKEN), form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "corrupt_image");
    assert_eq!(app.handbook_count(), 0);
});

dual_test!(a_totp_secret_stored_in_clear_is_sealed_at_the_next_start_and_still_works, |db: TestDb| async move {
    const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let first = spawn_app(db).await;
    let email = demo_email(Role::Reviewer);
    // As an earlier version left it: the secret in clear.
    first.tamper_sql(&format!("UPDATE staff SET totp_secret = '{SECRET}' WHERE email = '{email}'"));
    let url = first.database_url.clone();
    let checkpoints = first.settings.audit_checkpoint_dir.clone();
    let restarted = spawn_app_with(db, move |s| {
        s.database_url = handbook_admin::db::DatabaseUrl::parse(&url).unwrap();
        s.audit_checkpoint_dir = checkpoints;
        s.require_totp = true;
    })
    .await;
    let stored = first.stored_totp(email).expect("still enrolled");
    assert!(stored.starts_with("sealed:") && !stored.contains(SECRET), "sealed at start-up");
    let now = {
        use handbook_admin::clock::Clock;
        restarted.clock.now()
    };
    let code = handbook_admin::auth::totp::code_at(SECRET, now).unwrap();
    let mut browser = restarted.browser();
    assert_eq!(
        browser.login_with_totp(email, PASSWORD, &code).await.status,
        StatusCode::SEE_OTHER,
        "the sealed secret opens"
    );
});

// Under steady reading SQLite never starts its log over by itself: past the threshold the
// checkpoint job truncates it, below it the passive copy leaves the file as it is.
#[test]
fn the_checkpoint_truncates_a_long_write_ahead_log() {
    use diesel::connection::SimpleConnection;
    let dir = tempfile::tempdir().unwrap();
    let url = handbook_admin::db::DatabaseUrl::parse(&crate::helpers::fresh_database(TestDb::Sqlite, &dir)).unwrap();
    let pool = handbook_admin::db::connect_server_pool(
        &url,
        handbook_admin::db::PoolSettings { max_size: 2, ..Default::default() },
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    handbook_admin::db::run_migrations(&mut conn).unwrap();
    let mut reader = pool.get().unwrap();
    reader.batch_execute("CREATE TABLE scratch (v BLOB)").unwrap();
    for _ in 0..50 {
        conn.batch_execute("INSERT INTO scratch VALUES (randomblob(16000))").unwrap();
    }
    let handbook_admin::db::DatabaseUrl::Sqlite(path) = &url else { unreachable!() };
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
    let size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let before = size();
    assert!(before > 500_000, "{before}");
    handbook_admin::db::checkpoint(&mut conn, handbook_admin::db::WAL_RESTART_FRAMES).unwrap();
    assert_eq!(size(), before, "below the threshold the file stays");
    handbook_admin::db::checkpoint(&mut conn, 100).unwrap();
    assert_eq!(size(), 0, "past it the log starts over, truncated");
    // And the data is all there.
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count: Count =
        diesel::RunQueryDsl::get_result(diesel::sql_query("SELECT count(*) AS n FROM scratch"), &mut reader).unwrap();
    assert_eq!(count.n, 50);
}

#[actix_web::test]
async fn the_data_folder_and_the_database_are_their_owners_alone_after_every_start() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let app = spawn_app(TestDb::Sqlite).await;
    crate::intake::register(&app, "MR-MODES001", "physical", vec![crate::fixtures::jpeg(120, 80)]).await;
    let db = std::path::PathBuf::from(app.database_url.trim_start_matches("sqlite://"));
    let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
    assert_eq!(mode(&app.data_dir), 0o700, "the data folder");
    assert_eq!(mode(&db), 0o600, "the database");
    assert!(wal.exists(), "a write-ahead log after a registration");
    assert_eq!(mode(&wal), 0o600, "the write-ahead log");

    // Loosened by hand (a copy, an operator's chmod): the next start puts them back.
    std::fs::set_permissions(&app.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _second = crate::helpers::spawn_second_instance(&app).await;
    assert_eq!(mode(&app.data_dir), 0o700, "the data folder, after the next start");
    assert_eq!(mode(&db), 0o600, "the database, after the next start");
    assert_eq!(mode(&wal), 0o600, "the write-ahead log, after the next start");
}
