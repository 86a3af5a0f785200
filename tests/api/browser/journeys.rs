//! One journey per role, with the keyboard where a person would use it: a reviewer returns a
//! registration with a defect; an admin creates an account, and the new person signs in with
//! the temporary password and chooses their own. (The reviewer's approval is in `reviewer`.)

use handbook_admin::domain::handbook::ReviewStatus;
use handbook_admin::domain::review::Defect;
use handbook_admin::domain::staff::Role;

use super::driver::{ARROW_DOWN, Browser, ENTER, SPACE, TAB, with_browser};
use crate::fixtures;
use crate::helpers::{PASSWORD, TestDb, demo_email, spawn_app};
use crate::intake::register;

/// Signs in from the sign-in page with the keyboard alone.
/// A reviewer signs in by keys and takes the next registration from the dashboard.
pub(super) async fn reviewer_takes_next(b: &Browser, address: &str) {
    sign_in_by_keys(b, address, demo_email(Role::Reviewer), PASSWORD).await;
    b.wait_for_heading("ダッシュボード").await;
    b.tab_to("e.tagName === 'BUTTON' && e.textContent.includes('次の登録を担当する')").await;
    b.press(ENTER).await;
    b.wait_for("document.querySelector('[data-viewer]')").await;
}

async fn sign_in_by_keys(b: &Browser, address: &str, email: &str, password: &str) {
    b.go(&format!("{address}/login")).await;
    b.type_into("field-email", email).await;
    b.press(TAB).await;
    b.keys(password).await;
    b.press(ENTER).await;
    b.wait_for("location.pathname !== '/login'").await;
}

#[actix_web::test]
async fn a_reviewer_returns_a_registration_with_a_defect() {
    with_browser("reviewer-returns", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        let id = register(&app, "MR-RETURN01", "mental", vec![fixtures::jpeg(640, 400)]).await;
        reviewer_takes_next(&b, &app.address).await;

        // The decision is one radio group: arrows move from 承認 to 差し戻し.
        b.tab_to("e.name === 'decision'").await;
        b.press(&format!("{ARROW_DOWN}{ARROW_DOWN}")).await;
        let chosen = b.js("return document.querySelector('input[name=decision]:checked').value;").await;
        assert_eq!(chosen.as_str(), Some("return"));
        b.tab_to("e.id === 'defects-D03'").await;
        b.press(SPACE).await;
        b.type_into("field-holder_message", "お手数ですが、明るい場所で撮り直してください。").await;
        b.tab_to("e.tagName === 'BUTTON' && e.textContent.includes('判定を確定する')").await;
        b.press(ENTER).await;
        // The summary names the defect and the notice; Enter on its focused button confirms.
        b.wait_for("document.querySelector('dialog[open]')").await;
        let summary = b.js("return document.querySelector('dialog[open]').textContent;").await;
        let summary = summary.as_str().unwrap_or_default().to_owned();
        assert!(
            summary.contains("差し戻す") && summary.contains("D03") && summary.contains("再登録のお願い"),
            "{summary}"
        );
        b.press(ENTER).await;
        b.wait_for("location.pathname === '/queue'").await;
        b.wait_for("document.body.textContent.includes('差し戻')").await;

        assert_eq!(app.status_of(id), ReviewStatus::Returned);
        let codes: Vec<Defect> = app.defects_of(id).iter().map(|d| d.code).collect();
        assert_eq!(codes, [Defect::Unreadable]);
    })
    .await;
}

#[actix_web::test]
async fn an_admin_creates_an_account_and_the_new_person_chooses_a_password() {
    with_browser("admin-creates-account", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        sign_in_by_keys(&b, &app.address, demo_email(Role::Admin), PASSWORD).await;
        b.tab_to("e.tagName === 'A' && e.getAttribute('href') === '/staff'").await;
        b.press(ENTER).await;
        b.wait_for_heading("スタッフ管理").await;
        b.type_into("field-email", "yamada.hanako@demo.invalid").await;
        b.type_into("field-display_name", "山田 花子").await;
        // A closed select takes arrow keys: the first role after the prompt.
        b.tab_to("e.id === 'field-role'").await;
        b.press(ARROW_DOWN).await;
        let role = b.js("return document.getElementById('field-role').value;").await;
        assert_eq!(role.as_str(), Some("reviewer"));
        b.tab_to("e.tagName === 'BUTTON' && e.textContent.includes('作成する')").await;
        b.press(ENTER).await;
        b.wait_for_heading("作成しました").await;
        // The admin is handed a one-time link, never a password.
        let link = b.js("return document.querySelector('.one-time-secret').textContent.trim();").await;
        let link = link.as_str().expect("the enrolment link is shown").to_owned();
        assert!(link.contains("/enrol/"), "{link}");
        b.tab_to("e.tagName === 'BUTTON' && e.closest('form[action=\"/logout\"]')").await;
        b.press(ENTER).await;
        b.wait_for("location.pathname === '/login'").await;

        // The new person opens the link and sets their own password, then signs in with it.
        b.go(&link).await;
        b.wait_for_heading("パスワードの設定").await;
        b.type_into("field-new_password", "花子の新しい合言葉は春の海").await;
        b.type_into("field-confirm_password", "花子の新しい合言葉は春の海").await;
        b.press(ENTER).await;
        b.wait_for("location.pathname === '/login'").await;
        sign_in_by_keys(&b, &app.address, "yamada.hanako@demo.invalid", "花子の新しい合言葉は春の海").await;
        b.wait_for_heading("ダッシュボード").await;

        let id = app.staff_id("yamada.hanako@demo.invalid");
        let row = app.staff_row(id);
        assert!(!row.must_change_password, "the password is the person's own");
        assert_eq!(row.role, Role::Reviewer);
    })
    .await;
}

#[actix_web::test]
async fn a_support_agent_suspends_a_lost_phone_with_the_keyboard_in_under_a_minute() {
    with_browser("support-suspends", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        crate::support::approved_holder(&app, "MR-LOSTKEY1").await;
        sign_in_by_keys(&b, &app.address, demo_email(Role::Support), PASSWORD).await;
        let started = std::time::Instant::now();
        b.tab_to("e.tagName === 'A' && e.getAttribute('href') === '/support/lost-device'").await;
        b.press(ENTER).await;
        b.wait_for_heading("端末紛失の受付").await;
        // The channel defaults to the phone and the time to now: straight to the caller's ID.
        b.type_into("field-identifier", "MR-LOSTKEY1").await;
        b.press(ENTER).await;
        b.wait_for("document.body.textContent.includes('本人確認と利用停止')").await;
        let page = b.js("return document.body.textContent;").await;
        let fact = crate::support::right_answer(page.as_str().unwrap_or_default());
        b.type_into("field-birth_date", "平成６年３月１日").await;
        if fact == "physical" {
            // A radio group: one Tab stop, the first kind is 身体障害者手帳.
            b.tab_to("e.name === 'fact'").await;
            b.press(SPACE).await;
        } else {
            b.type_into("field-fact", fact).await;
        }
        b.tab_to("e.tagName === 'BUTTON' && e.textContent.includes('利用を停止する')").await;
        b.press(ENTER).await;
        b.wait_for("document.body.textContent.includes('利用を停止しました')").await;
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(60), "took {elapsed:?}");
        let reference = b.js("return document.querySelector('.one-time-secret').textContent;").await;
        assert!(reference.as_str().unwrap_or_default().starts_with("LD-"));
        assert_eq!(app.holder_status("MR-LOSTKEY1"), handbook_admin::domain::holder::HolderStatus::Suspended);
    })
    .await;
}

/// A photo with no face: returned from beside the viewer without touching the empty form, in
/// a handful of keys, and the next registration opens.
#[actix_web::test]
async fn a_missing_face_photo_is_returned_in_a_few_keys() {
    with_browser("reviewer-quick-return", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        let id = register(&app, "MR-NOFACE01", "physical", vec![fixtures::jpeg(640, 400)]).await;
        let next = register(&app, "MR-NOFACE02", "physical", vec![fixtures::jpeg(640, 400)]).await;
        reviewer_takes_next(&b, &app.address).await;
        b.take_presses();
        // From the first field, back to the quick actions: the kind, then the buttons.
        for _ in 0..10 {
            let on = b.js("return document.activeElement.textContent.includes('顔写真なし（D02）');").await;
            if on == serde_json::json!(true) {
                break;
            }
            b.shift_tab().await;
        }
        b.press(ENTER).await;
        b.wait_for("document.querySelector('dialog[open]')").await;
        let summary = b.js("return document.querySelector('dialog[open]').textContent;").await;
        assert!(summary.as_str().unwrap_or_default().contains("D02"), "{summary}");
        b.press(ENTER).await;
        b.wait_for(&format!("location.pathname === '/registrations/{next}'")).await;
        let presses = b.take_presses();
        assert!(presses <= 10, "{presses} presses");
        assert_eq!(app.status_of(id), ReviewStatus::Returned);
        let codes: Vec<Defect> = app.defects_of(id).iter().map(|d| d.code).collect();
        assert_eq!(codes, [Defect::NoFacePhoto]);
    })
    .await;
}
