//! The admin's staff screen.

use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{TestDb, demo_email, spawn_app};

dual_test!(admin_creates_an_account_that_must_choose_its_password, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.get("/staff").await;
    let page =
        admin.post("/staff", &[("email", "Sato@Example.JP"), ("display_name", "佐藤 一"), ("role", "reviewer")]).await;
    assert_eq!(page.status, StatusCode::OK);
    let temporary = page.select_texts(".one-time-secret").first().cloned().unwrap_or_default();
    assert_eq!(temporary.len(), 16);
    assert!(app.audit_actions().contains(&"staff.created".to_owned()));

    let mut newcomer = app.browser();
    let page = newcomer.login("sato@example.jp", &temporary).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = newcomer.get("/").await;
    assert_eq!(page.location(), Some("/account/password"), "temporary password must be replaced first");
    let page = newcomer.get("/account/password").await;
    assert!(page.body.contains("仮パスワード"));
    let page = newcomer
        .post(
            "/account/password",
            &[("current_password", &temporary), ("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("12文字以上"));
    let chosen = "a long passphrase of my own";
    let page = newcomer
        .post(
            "/account/password",
            &[("current_password", &temporary), ("new_password", chosen), ("confirm_password", chosen)],
        )
        .await;
    assert_eq!(page.location(), Some("/"));
    assert_eq!(newcomer.get("/").await.status, StatusCode::OK);
    assert_eq!(app.browser().login("sato@example.jp", &temporary).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.browser().login("sato@example.jp", chosen).await.status, StatusCode::SEE_OTHER);
});

dual_test!(a_bad_form_comes_back_with_what_was_typed, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.get("/staff").await;
    let page = admin.post("/staff", &[("email", "not-an-email"), ("display_name", "田中 花"), ("role", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.input_value("email").as_deref(), Some("not-an-email"));
    assert_eq!(page.input_value("display_name").as_deref(), Some("田中 花"));
    assert!(page.body.contains("メールアドレスの形式が正しくありません"));
    assert!(page.body.contains("役割を選んでください"));
    assert!(page.body.contains("href=\"#field-email\""), "the summary links to the field");

    let page = admin
        .post("/staff", &[("email", "reviewer@demo.invalid"), ("display_name", "重複"), ("role", "reviewer")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("既にあります"));
});

dual_test!(admin_cannot_lock_themselves_out, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut admin = app.signed_in(Role::Admin).await;
    let admin_id = app.staff_id(demo_email(Role::Admin));
    admin.get("/staff").await;
    admin.post(&format!("/staff/{admin_id}/deactivate"), &[]).await;
    let page = admin.get("/staff").await;
    assert!(page.body.contains("自分自身のアカウント"));
    assert_eq!(app.active_staff_with_role(Role::Admin), 1);
});

dual_test!(reset_password_and_role_change_end_sessions, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut admin = app.signed_in(Role::Admin).await;
    let mut support = app.signed_in(Role::Support).await;
    let support_id = app.staff_id(demo_email(Role::Support));
    admin.get("/staff").await;
    let page = admin.post(&format!("/staff/{support_id}/role"), &[("role", "auditor")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(support.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.staff_with_role(Role::Auditor), 2);

    admin.get("/staff").await;
    let page = admin.post(&format!("/staff/{support_id}/reset-password"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let temporary = page.select_texts(".one-time-secret").first().cloned().unwrap_or_default();
    let mut person = app.browser();
    assert_eq!(person.login("support@demo.invalid", &temporary).await.status, StatusCode::SEE_OTHER);
    assert_eq!(person.get("/").await.location(), Some("/account/password"));
    let actions = app.audit_actions();
    assert!(actions.contains(&"staff.role_changed".to_owned()));
    assert!(actions.contains(&"staff.password_reset".to_owned()));
});
