//! Sign-in, lock-out, sessions, CSRF and TOTP through the real server.

use handbook_admin::auth::totp;
use handbook_admin::clock::Clock;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use time::Duration;

use crate::dual_test;
use crate::helpers::{PASSWORD, TestDb, demo_email, spawn_app, spawn_app_with};

dual_test!(health_check_reports_the_database, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.browser();
    let page = browser.get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, r#"{"database":"ok","status":"ok"}"#);
});

dual_test!(each_role_signs_in_and_sees_only_its_menu, |db: TestDb| async move {
    let app = spawn_app(db).await;
    for role in Role::ALL {
        let mut browser = app.signed_in(role).await;
        let page = browser.get("/").await;
        assert_eq!(page.status, StatusCode::OK, "{role}");
        let menu = page.select_texts("nav[aria-label=\"メインメニュー\"] a");
        assert!(menu.contains(&"ダッシュボード".to_owned()), "{role}: {menu:?}");
        assert_eq!(menu.contains(&"スタッフ管理".to_owned()), role == Role::Admin, "{role}: {menu:?}");
        assert!(page.body.contains(role.label()), "{role} label shown");
    }
});

dual_test!(pages_carry_security_headers, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.signed_in(Role::Admin).await;
    for path in ["/login", "/", "/staff", "/no-such-page"] {
        let page = browser.get(path).await;
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
    }
    // Static files: hashed names, long cache, and no inline script in any page.
    let page = browser.get("/").await;
    let css =
        page.body.split("href=\"/static/").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned();
    let asset = browser.get(&format!("/static/{css}")).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(asset.header("cache-control").unwrap_or_default().contains("immutable"));
    assert!(!page.body.contains("<script>") && !page.body.contains("style=\""));
});

dual_test!(session_cookie_is_http_only_and_strict, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.browser();
    let page = browser.get("/login").await;
    let cookie = page.header("set-cookie").unwrap_or_default().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "demo settings serve plain HTTP: {cookie}");
    let secure = spawn_app_with(db, |s| s.secure_cookies = true).await;
    let page = secure.browser().get("/login").await;
    assert!(page.header("set-cookie").unwrap_or_default().contains("Secure"));
});

dual_test!(post_without_csrf_token_is_refused_and_changes_nothing, |db: TestDb| async move {
    let app = spawn_app(db).await;
    // Sign-in form without the token.
    let mut browser = app.browser();
    browser.get("/login").await;
    let events = app.audit_actions().len();
    let page = browser.post_raw("/login", &[("email", demo_email(Role::Admin)), ("password", PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("フォームを送信できませんでした"));
    assert_eq!(app.audit_actions().len(), events, "no sign-in was attempted");
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER, "still signed out");

    // A signed-in admin creating an account with a wrong token.
    let mut admin = app.signed_in(Role::Admin).await;
    let before = app.staff_count();
    let page = admin
        .post_raw(
            "/staff",
            &[("csrf_token", "forged"), ("email", "new@example.jp"), ("display_name", "新人"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page =
        admin.post_raw("/staff", &[("email", "new@example.jp"), ("display_name", "新人"), ("role", "reviewer")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.staff_count(), before);
});

dual_test!(sixth_attempt_is_refused_even_with_the_right_password, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.browser();
    let email = demo_email(Role::Reviewer);
    for _ in 0..5 {
        let page = browser.login(email, "wrong-password-123").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.body.contains("15分間ロック"), "the form explains the lock-out rule");
    }
    let page = browser.login(email, PASSWORD).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "locked even with the right password");
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
    let actions = app.audit_actions();
    assert_eq!(actions.iter().filter(|a| *a == "staff.login_failed").count(), 6);
    assert_eq!(actions.iter().filter(|a| *a == "staff.locked_out").count(), 1);

    // Other accounts are not affected; the lock ends after fifteen minutes.
    assert_eq!(app.browser().login(demo_email(Role::Admin), PASSWORD).await.status, StatusCode::SEE_OTHER);
    app.clock.advance(Duration::minutes(15));
    assert_eq!(browser.login(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
});

dual_test!(unknown_email_and_wrong_password_read_the_same, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let unknown = app.browser().login("nobody@demo.invalid", PASSWORD).await;
    let wrong = app.browser().login(demo_email(Role::Reviewer), "not-the-password").await;
    assert_eq!(unknown.status, wrong.status);
    let message = |body: &str| {
        body.split("role=\"alert\"").nth(1).map(|s| s.split("</div>").next().unwrap_or_default().to_owned())
    };
    assert_eq!(message(&unknown.body), message(&wrong.body));
    assert!(!unknown.body.contains("存在しません"));
    // The typed e-mail is kept, the password is not.
    assert_eq!(wrong.input_value("email").as_deref(), Some(demo_email(Role::Reviewer)));
    assert_eq!(wrong.input_value("password").as_deref(), Some(""));
});

dual_test!(logout_ends_the_session_even_for_a_copied_cookie, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.signed_in(Role::Reviewer).await;
    let stolen = browser.cookie_header();
    assert!(!stolen.is_empty());
    let replay = |cookie: String| {
        let url = format!("{}/", app.address);
        async move {
            let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().ok()?;
            client.get(url).header("cookie", cookie).send().await.ok().map(|r| r.status())
        }
    };
    assert_eq!(replay(stolen.clone()).await, Some(StatusCode::OK), "a copied cookie works while signed in");
    let page = browser.post("/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login"));
    assert_eq!(replay(stolen).await, Some(StatusCode::SEE_OTHER), "the copied cookie dies with the logout");
    assert!(app.audit_actions().contains(&"staff.logout".to_owned()));
});

dual_test!(idle_sessions_expire_after_thirty_minutes, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.signed_in(Role::Support).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(browser.get("/").await.status, StatusCode::OK, "activity renews the session");
    app.clock.advance(Duration::minutes(29));
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(31));
    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let login = browser.get("/login").await;
    assert!(login.body.contains("30分間操作がなかった"), "the reason is shown");
});

dual_test!(deactivation_and_ended_sessions_apply_at_once, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let mut admin = app.signed_in(Role::Admin).await;
    let reviewer_id = app.staff_id(demo_email(Role::Reviewer));

    admin.get("/staff").await;
    let page = admin.post(&format!("/staff/{reviewer_id}/end-sessions"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(reviewer.get("/").await.status, StatusCode::SEE_OTHER, "session ended");

    let mut reviewer = app.signed_in(Role::Reviewer).await;
    admin.get("/staff").await;
    admin.post(&format!("/staff/{reviewer_id}/deactivate"), &[]).await;
    assert_eq!(reviewer.get("/").await.status, StatusCode::SEE_OTHER, "deactivated");
    let page = app.browser().login(demo_email(Role::Reviewer), PASSWORD).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "cannot sign in while deactivated");
    let actions = app.audit_actions();
    assert!(actions.contains(&"staff.sessions_ended".to_owned()));
    assert!(actions.contains(&"staff.deactivated".to_owned()));
});

dual_test!(totp_is_enrolled_at_first_sign_in_and_required_after, |db: TestDb| async move {
    let app = spawn_app_with(db, |s| s.require_totp = true).await;
    let email = demo_email(Role::Reviewer);
    let mut browser = app.browser();
    let page = browser.login(email, PASSWORD).await;
    assert_eq!(page.location(), Some("/login/totp"));
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER, "not signed in before enrolment");
    let page = browser.get("/login/totp").await;
    assert_eq!(page.status, StatusCode::OK);
    let secret = page.select_texts("code.secret-key").first().cloned().unwrap_or_default();
    assert_eq!(secret.len(), 32);

    let wrong = browser.post("/login/totp", &[("totp", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("aria-invalid=\"true\""));
    let code = totp::code_at(&secret, app.clock.now()).unwrap_or_default();
    let page = browser.post("/login/totp", &[("totp", &code)]).await;
    assert_eq!(page.location(), Some("/"));
    assert_eq!(browser.get("/").await.status, StatusCode::OK);

    // Next time: password alone fails, the same code again fails, a fresh code works.
    let mut again = app.browser();
    assert_eq!(again.login(email, PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.login_with_totp(email, PASSWORD, &code).await.status, StatusCode::UNAUTHORIZED, "replayed code");
    app.clock.advance(Duration::seconds(30));
    let fresh = totp::code_at(&secret, app.clock.now()).unwrap_or_default();
    assert_eq!(again.login_with_totp(email, PASSWORD, &fresh).await.status, StatusCode::SEE_OTHER);
    assert!(app.audit_actions().contains(&"staff.totp_enrolled".to_owned()));
});

dual_test!(error_pages_leak_nothing_and_name_the_request, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut browser = app.signed_in(Role::Reviewer).await;
    let page = browser.get("/no-such-page?name=山田太郎").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("ページが見つかりません"));
    assert!(page.body.contains("リクエストID"));
    assert!(!page.body.contains("山田太郎"));
    let page = browser.get("/staff").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("権限がありません"));
});

dual_test!(the_claim_heartbeat_does_not_keep_an_idle_screen_signed_in, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let browser = app.signed_in(Role::Reviewer).await;
    let heartbeat = |b: &crate::helpers::Browser| {
        let request = b.client.get(format!("{}/", app.address)).header("x-claim-heartbeat", "1");
        async move { request.send().await.map(|r| r.status()).ok() }
    };
    for _ in 0..6 {
        app.clock.advance(Duration::minutes(5));
        assert_eq!(heartbeat(&browser).await, Some(StatusCode::OK));
    }
    app.clock.advance(Duration::minutes(1));
    assert_eq!(heartbeat(&browser).await, Some(StatusCode::SEE_OTHER), "31 minutes without a person: signed out");
});
