//! The admin's staff screen.

use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{TestDb, demo_email, spawn_app};

/// The enrolment link's path, from the page that shows it once.
pub fn enrol_path(page: &crate::helpers::Page) -> String {
    let link = page.select_texts(".one-time-secret").first().cloned().unwrap_or_default();
    let at = link.find("/enrol/").expect("an enrolment link");
    link[at..].trim().to_owned()
}

dual_test!(admin_creates_an_account_whose_person_sets_their_own_password, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.get("/staff").await;
    let page =
        admin.post("/staff", &[("email", "Sato@Example.JP"), ("display_name", "佐藤 一"), ("role", "reviewer")]).await;
    assert_eq!(page.status, StatusCode::OK);
    // The admin is handed a link, never a password.
    let path = enrol_path(&page);
    assert_eq!(path.len(), "/enrol/".len() + 64);
    assert!(app.audit_actions().contains(&"staff.created".to_owned()));
    let id = app.staff_id("sato@example.jp");
    assert!(app.staff_row(id).must_change_password, "no usable password until the person sets one");

    let mut newcomer = app.browser();
    assert_eq!(newcomer.get(&path).await.status, StatusCode::OK);
    let page = newcomer.post(&path, &[("new_password", "short"), ("confirm_password", "short")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("12文字以上"));
    let chosen = "a long passphrase of my own";
    let page = newcomer.post(&path, &[("new_password", chosen), ("confirm_password", chosen)]).await;
    assert_eq!(page.location(), Some("/login"));
    assert_eq!(app.audit_count("staff.enrolled"), 1);
    // Used once.
    assert_eq!(newcomer.get(&path).await.status, StatusCode::NOT_FOUND);
    let page = app.browser().login("sato@example.jp", chosen).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mut person = app.browser();
    person.login("sato@example.jp", chosen).await;
    assert_eq!(person.get("/").await.status, StatusCode::OK, "straight in: the password is their own");
});

dual_test!(an_enrolment_link_expires, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.get("/staff").await;
    let page =
        admin.post("/staff", &[("email", "late@example.jp"), ("display_name", "遅 一"), ("role", "auditor")]).await;
    let path = enrol_path(&page);
    app.clock.advance(time::Duration::hours(72));
    let mut late = app.browser();
    let page = late.get(&path).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("有効期限"));
    assert_eq!(app.audit_count("staff.enrolled"), 0);
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
    // The old password stops working; the person sets a new one through the link.
    let path = enrol_path(&page);
    let mut person = app.browser();
    assert_eq!(person.login("support@demo.invalid", crate::helpers::PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let chosen = "another long passphrase";
    person.get(&path).await;
    assert_eq!(
        person.post(&path, &[("new_password", chosen), ("confirm_password", chosen)]).await.location(),
        Some("/login")
    );
    assert_eq!(person.login("support@demo.invalid", chosen).await.status, StatusCode::SEE_OTHER);
    let actions = app.audit_actions();
    assert!(actions.contains(&"staff.role_changed".to_owned()));
    assert!(actions.contains(&"staff.password_reset".to_owned()));
});

dual_test!(supervisor_and_admin_rights_need_a_second_admin, |db: TestDb| async move {
    // The attack: an admin made a second supervisor account and approved the first supervisor's
    // proposal with it. Now the account waits, inactive, for a second admin.
    let app = spawn_app(db).await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.get("/staff").await;
    let page = admin
        .post("/staff", &[("email", "sv3@example.jp"), ("display_name", "責任者 三郎"), ("role", "supervisor")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("承認するまで付与されません"));
    let path = enrol_path(&page);
    let temporary = "sv3 chooses a long passphrase";
    let mut sv3 = app.browser();
    sv3.get(&path).await;
    sv3.post(&path, &[("new_password", temporary), ("confirm_password", temporary)]).await;
    let created = app.staff_id("sv3@example.jp");
    assert!(!app.staff_row(created).active, "inactive until approved");
    assert_eq!(app.browser().login("sv3@example.jp", temporary).await.status, StatusCode::UNAUTHORIZED);
    // The proposer cannot approve it, nor switch it on by the side door.
    let list = admin.get("/staff").await;
    assert!(list.body.contains("自分の起案です"));
    let proposal: i64 =
        list.select_attr("[id^=role-proposal-]", "id")[0].trim_start_matches("role-proposal-").parse().unwrap();
    admin.post(&format!("/staff/proposals/{proposal}/approve"), &[("confirmed", "1")]).await;
    admin.post(&format!("/staff/{created}/activate"), &[]).await;
    assert!(!app.staff_row(created).active);
    // Raising an existing account is a proposal too.
    let reviewer = app.staff_id(demo_email(Role::Reviewer));
    admin.get("/staff").await;
    admin.post(&format!("/staff/{reviewer}/role"), &[("role", "admin")]).await;
    assert_eq!(app.staff_row(reviewer).role, Role::Reviewer, "not raised by one admin");
    assert_eq!(app.audit_count("staff.role_proposed"), 2);

    // A second admin (made by the operator's command line) approves, confirming.
    {
        use handbook_admin::services::accounts::manage;
        let mut conn = app.pool.get().unwrap();
        let email = handbook_admin::domain::staff::StaffEmail::parse("admin2@example.jp").unwrap();
        let password = handbook_admin::domain::staff::NewPassword::parse(crate::helpers::PASSWORD, None).unwrap();
        let account = manage::NewAccount {
            email: &email,
            display_name: "管理者 二",
            role: Role::Admin,
            password: &password,
            temporary: false,
        };
        let now = handbook_admin::clock::Clock::now(&*app.clock);
        manage::create(
            &mut conn,
            &crate::helpers::test_audit_keys(),
            handbook_admin::audit::Actor::Cli,
            &account,
            now,
            None,
        )
        .unwrap();
    }
    let mut second = app.browser();
    assert_eq!(second.login("admin2@example.jp", crate::helpers::PASSWORD).await.status, StatusCode::SEE_OTHER);
    second.get("/staff").await;
    second.post(&format!("/staff/proposals/{proposal}/approve"), &[]).await;
    assert!(!app.staff_row(created).active, "one press without the confirming field grants nothing");
    second.post(&format!("/staff/proposals/{proposal}/approve"), &[("confirmed", "1")]).await;
    let row = app.staff_row(created);
    assert!(row.active && row.role == Role::Supervisor);
    assert_eq!(app.browser().login("sv3@example.jp", temporary).await.status, StatusCode::SEE_OTHER);

    // The raise of the reviewer still waits for its own decision.
    assert_eq!(second.get("/staff").await.select_attr("[id^=role-proposal-]", "id").len(), 1);
    assert_eq!(app.audit_count("staff.role_approved"), 1);
});
