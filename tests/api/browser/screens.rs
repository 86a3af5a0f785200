//! The list of every screen, by role, and the accessibility check that walks it: axe-core on
//! each, no serious or critical violation, moderate and minor ones printed. A new screen joins
//! `SCREENS` the day it is built.

use handbook_admin::domain::staff::Role;

use super::axe::{self, Violation};
use super::driver::{Browser, with_browser};
use crate::fixtures;
use crate::helpers::{PASSWORD, TestApp, TestDb, demo_email, spawn_app, spawn_app_with};
use crate::intake::register;

/// Who looks at a screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    Staff(Role),
    /// A member of staff between password and first authenticator (TOTP required).
    Enrolling,
}

/// One screen in one state. `path` may name the fixtures `{waiting}` (a registration nobody
/// holds), `{mine}` (one the reviewer holds, with a saved transcription) and `{holder}` (the
/// holder of `{mine}`, with a deprivation proposed). `then` is a script
/// run on that page to reach the state (submit a form as it stands, to show its errors or a
/// conflict). `heading` is text of the `h1` to wait for.
pub struct Screen {
    pub name: &'static str,
    pub who: Who,
    pub path: &'static str,
    pub then: Option<&'static str>,
    pub heading: &'static str,
}

const fn screen(name: &'static str, who: Who, path: &'static str, heading: &'static str) -> Screen {
    Screen { name, who, path, then: None, heading }
}

const fn after(name: &'static str, who: Who, path: &'static str, then: &'static str, heading: &'static str) -> Screen {
    Screen { name, who, path, then: Some(then), heading }
}

const REVIEWER: Who = Who::Staff(Role::Reviewer);
const SUPERVISOR: Who = Who::Staff(Role::Supervisor);
const SUPPORT: Who = Who::Staff(Role::Support);
const AUDITOR: Who = Who::Staff(Role::Auditor);
const ADMIN: Who = Who::Staff(Role::Admin);

/// Submits the form whose action ends with this path, as it stands.
macro_rules! submit {
    ($action:literal) => {
        concat!("document.querySelector('form[action$=\"", $action, "\"]').requestSubmit();")
    };
}

/// Every screen of the console, for every role that sees it.
pub const SCREENS: &[Screen] = &[
    screen("sign-in", Who::Anonymous, "/login", "サインイン"),
    after("sign-in failed", Who::Anonymous, "/login", submit!("/login"), "サインイン"),
    screen("not found, signed out", Who::Anonymous, "/no-such-page", "ページが見つかりません"),
    screen("TOTP enrolment", Who::Enrolling, "/login/totp", "2段階認証の設定"),
    after("TOTP enrolment, wrong code", Who::Enrolling, "/login/totp", submit!("/login/totp"), "2段階認証の設定"),
    screen("dashboard, reviewer", REVIEWER, "/", "ダッシュボード"),
    screen("queue", REVIEWER, "/queue", "審査キュー"),
    screen("queue, empty", REVIEWER, "/queue?kind=intellectual", "審査キュー"),
    screen("review with photos", REVIEWER, "/registrations/{mine}", "審査"),
    after(
        "review with errors",
        REVIEWER,
        "/registrations/{mine}",
        "document.querySelector('button[formaction$=\"/decision\"]').click();",
        "審査",
    ),
    after(
        "transcription with errors",
        REVIEWER,
        "/registrations/{mine}",
        "document.getElementById('field-name').value = ''; document.querySelector('form[action$=\"/transcription\"]').requestSubmit();",
        "審査",
    ),
    after(
        "transcription conflict",
        REVIEWER,
        "/registrations/{mine}",
        "document.querySelector('form[action$=\"/transcription\"] input[name=version]').value = '1'; document.querySelector('form[action$=\"/transcription\"]').requestSubmit();",
        "競合",
    ),
    screen("review, not held", REVIEWER, "/registrations/{waiting}", "審査"),
    screen("proxy upload", REVIEWER, "/registrations/new", "代理登録"),
    after("proxy upload with errors", REVIEWER, "/registrations/new", submit!("/registrations"), "代理登録"),
    screen("password change", REVIEWER, "/account/password", "パスワード変更"),
    after("password change with errors", REVIEWER, "/account/password", submit!("/account/password"), "パスワード変更"),
    screen("Myna Portal requests", REVIEWER, "/myna/requests", "マイナポータル照会"),
    after(
        "Myna Portal requests, cancel refused",
        REVIEWER,
        "/myna/requests",
        "document.querySelector('form[action$=\"/cancel\"]').submit();",
        "マイナポータル照会",
    ),
    screen("forbidden", REVIEWER, "/staff", "権限がありません"),
    screen("not found", REVIEWER, "/registrations/999999", "ページが見つかりません"),
    screen("review, supervisor", SUPERVISOR, "/registrations/{mine}", "審査"),
    screen("holder search", SUPERVISOR, "/holders", "利用者検索"),
    screen("holder search, results", SUPERVISOR, "/holders?q=%E3%81%9F%E3%81%8B%E3%81%AF%E3%81%97", "利用者検索"),
    screen("holder profile, sanction form", SUPERVISOR, "/holders/{holder}?article=2(4)", "利用者"),
    after(
        "holder profile, sanction refused",
        SUPERVISOR,
        "/holders/{holder}?article=2(4)",
        submit!("/sanctions"),
        "利用者",
    ),
    screen("holder profile, coupon article", SUPERVISOR, "/holders/{holder}?article=15(1)", "利用者"),
    screen("sanctions to approve", SUPERVISOR, "/sanctions", "処分の承認"),
    screen("work lists", SUPERVISOR, "/worklists", "作業リスト"),
    screen("holder requests, supervisor", SUPERVISOR, "/requests", "本人からの請求"),
    screen("holder request, supervisor", SUPERVISOR, "/requests/{request}", "請求"),
    after("holder request, refusal with errors", SUPERVISOR, "/requests/{request}", submit!("/refuse"), "請求"),
    screen("corrections to approve", SUPERVISOR, "/corrections", "訂正の承認"),
    screen("correction proposal", REVIEWER, "/registrations/{mine}/correction", "訂正の起案"),
    after(
        "correction proposal with errors",
        REVIEWER,
        "/registrations/{mine}/correction",
        submit!("/correction"),
        "訂正の起案",
    ),
    screen("dashboard, support", SUPPORT, "/", "ダッシュボード"),
    screen("holder requests, support", SUPPORT, "/requests", "本人からの請求"),
    screen("support contacts", SUPPORT, "/support/contacts", "問い合わせの記録"),
    after(
        "support contacts, entry with errors",
        SUPPORT,
        "/support/contacts",
        submit!("/support/contacts"),
        "問い合わせの記録",
    ),
    after("holder requests, entry with errors", SUPPORT, "/requests", submit!("/requests"), "本人からの請求"),
    screen("holder request, verification", SUPPORT, "/requests/{request}", "請求"),
    after("holder request, verification with errors", SUPPORT, "/requests/{request}", submit!("/verify"), "請求"),
    screen("holder search, support", SUPPORT, "/holders", "利用者検索"),
    screen("lost phone, report", SUPPORT, "/support/lost-device", "端末紛失の受付"),
    after(
        "lost phone, report with errors",
        SUPPORT,
        "/support/lost-device",
        "document.getElementById('field-identifier').value = ''; document.querySelector('form[action$=\"/support/lost-device\"]').requestSubmit();",
        "端末紛失の受付",
    ),
    after(
        "lost phone, identify the caller",
        SUPPORT,
        "/support/lost-device",
        "document.getElementById('field-identifier').value = 'MR-AXE0001'; document.querySelector('form[action$=\"/support/lost-device\"]').requestSubmit();",
        "LD-",
    ),
    screen("holder profile, support", SUPPORT, "/holders/{holder}?article=3(4)", "利用者"),
    screen("dashboard, auditor", AUDITOR, "/", "ダッシュボード"),
    screen("review, auditor", AUDITOR, "/registrations/{waiting}", "審査"),
    screen("audit log", AUDITOR, "/audit", "監査ログ"),
    screen("audit log, filter with errors", AUDITOR, "/audit?from=2026-11-30&to=2026-11-01&holder=NOBODY", "監査ログ"),
    screen("audit log, export refused", AUDITOR, "/exports/audit.csv?from=x&to=y", "監査ログ"),
    screen("photo reason", AUDITOR, "/registrations/{waiting}/photos", "写真"),
    after("photo reason with errors", AUDITOR, "/registrations/{waiting}/photos", submit!("/photo-access"), "写真"),
    screen("staff admin", ADMIN, "/staff", "スタッフ管理"),
    after("staff admin with errors", ADMIN, "/staff", submit!("/staff"), "スタッフ管理"),
    after(
        "temporary password issued",
        ADMIN,
        "/staff",
        "document.getElementById('field-email').value = 'new.person@demo.invalid';
         document.getElementById('field-display_name').value = '新人 花子';
         document.getElementById('field-role').value = 'reviewer';
         document.querySelector('form[action$=\"/staff\"]').requestSubmit();",
        "作成しました",
    ),
    screen("dashboard, admin", ADMIN, "/", "ダッシュボード"),
];

/// The fixtures the paths name.
struct Fixtures {
    waiting: i64,
    mine: i64,
    holder: i64,
    request: i64,
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let mine = register(app, "MR-AXE0001", "physical", vec![fixtures::jpeg(640, 400), fixtures::png(400, 640)]).await;
    let waiting = register(app, "MR-AXE0002", "mental", vec![fixtures::jpeg(640, 400)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    app.claim_as(&mut reviewer, mine, demo_email(Role::Reviewer)).await;
    let page = reviewer.get(&format!("/registrations/{mine}")).await;
    let version = page.input_value("version").unwrap();
    let form = [
        ("version", version.as_str()),
        ("kind", "physical"),
        ("name", "髙橋　太郎"),
        ("name_kana", "たかはし　たろう"),
        ("birth_date", "昭和４５年６月７日"),
        ("disability_category", "肢体不自由"),
        ("grade", "２級"),
        ("fare_class", "1"),
        ("municipality", "未来県"),
        ("number", "第１０００００１号"),
        ("issued_on", "令和４年１月３１日"),
    ];
    let saved = reviewer.post(&format!("/registrations/{mine}/transcription"), &form).await;
    assert_eq!(saved.status, reqwest::StatusCode::SEE_OTHER, "{}", saved.body);
    let holder = app.holder("MR-AXE0001").unwrap().id;
    portal_values_for(app, holder, mine);
    let page = reviewer.get(&format!("/registrations/{mine}")).await;
    assert!(page.body.contains("マイナポータルとの照合"), "the review screen shows the comparison to axe");
    // A request waiting on the holder's fresh consent, with its forms.
    let now = handbook_admin::clock::Clock::now(&*app.clock);
    let rfc = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let consented = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/MR-AXE0001/myna/consents", app.address))
        .bearer_auth(crate::intake::TOKEN)
        .json(&serde_json::json!({
            "purpose": "handbook_verification", "granted_at": rfc(now), "valid_until": rfc(now + time::Duration::days(30))
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(consented.status(), reqwest::StatusCode::ACCEPTED);
    // A proposal waiting for a second supervisor (the list would be empty otherwise).
    let mut sup = app.signed_in(Role::Supervisor).await;
    sup.get(&format!("/holders/{holder}")).await;
    let proposed = sup
        .post(
            &format!("/holders/{holder}/sanctions"),
            &[
                ("article", "2(4)"),
                ("shown_article", "2(4)"),
                ("action", "deprive"),
                ("note", "写真の人物が別人である疑い"),
            ],
        )
        .await;
    assert_eq!(proposed.status, reqwest::StatusCode::SEE_OTHER, "{}", proposed.body);
    // A holder's request waiting for its identity check.
    let (status, filed) = crate::requests::file_request(
        app,
        "MR-AXE0001",
        serde_json::json!({"kind": "disclosure", "detail": "登録されている情報を見たい"}),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED);
    let request = app.holder_request(holder, filed["reference"].as_str().unwrap()).id;
    Fixtures { waiting, mine, holder, request }
}

/// Portal values for the registration under review, so its screen shows the comparison (and
/// the supervisors' list its check): stored as the callback service stores them.
fn portal_values_for(app: &TestApp, holder: i64, handbook: i64) {
    use handbook_admin::db;
    use handbook_admin::domain::handbook::HandbookKind;
    use handbook_admin::domain::reconcile::PortalRecord;
    let mut conn = app.pool.get().unwrap();
    let at = handbook_admin::clock::to_db(handbook_admin::clock::Clock::now(&*app.clock));
    let delivery = db::myna::insert_delivery(&mut conn, "axe-1", holder, "ok", 1, at).unwrap();
    let consent = db::myna::insert_consent(
        &mut conn,
        &db::myna::NewConsent {
            holder_id: holder,
            delivery_id: delivery,
            purpose: "handbook_verification",
            granted_at: at,
            valid_until: at + time::Duration::days(30),
        },
    )
    .unwrap();
    let values = PortalRecord {
        disability_category: Some("肢体不自由".into()),
        grade: Some("1級".into()),
        municipality: Some("未来県".into()),
        number: Some("1000001".into()),
        issued_on: Some("令和4年1月31日".into()),
        renewed_on: None,
        expires_on: None,
    };
    db::myna::insert_record(&mut conn, consent, holder, Some(handbook), HandbookKind::Physical, &values, at).unwrap();
    db::myna::set_link(&mut conn, handbook, "pending", None).unwrap();
}

pub async fn sign_in(b: &Browser, app: &TestApp, email: &str, password: &str) {
    b.go(&format!("{}/login", app.address)).await;
    b.js(&format!(
        "document.getElementById('field-email').value = '{email}';
         document.getElementById('field-password').value = '{password}';
         document.querySelector('form[action$=\"/login\"]').requestSubmit();"
    ))
    .await;
    b.wait_for("location.pathname !== '/login'").await;
}

async fn sign_out(b: &Browser, app: &TestApp) {
    b.go(&format!("{}/", app.address)).await;
    b.wait_for_heading("ダッシュボード").await;
    b.js("const f = document.querySelector('form[action$=\"/logout\"]'); if (f) f.requestSubmit();").await;
    b.wait_for("location.pathname === '/login'").await;
}

/// Opens the screen as it is listed and returns its violations.
async fn visit(b: &Browser, app: &TestApp, f: &Fixtures, screen: &Screen, axe_js: &str) -> Vec<Violation> {
    let path = screen
        .path
        .replace("{waiting}", &f.waiting.to_string())
        .replace("{mine}", &f.mine.to_string())
        .replace("{holder}", &f.holder.to_string())
        .replace("{request}", &f.request.to_string());
    b.go(&format!("{}{path}", app.address)).await;
    if let Some(script) = screen.then {
        b.js("document.body.dataset.before = '1';").await;
        b.js(script).await;
        // The submitted form's answer is a new document.
        b.wait_for("document.readyState === 'complete' && !document.body.dataset.before").await;
    }
    b.wait_for_heading(screen.heading).await;
    axe::check(b, axe_js).await
}

#[actix_web::test]
async fn every_screen_of_every_role_passes_axe() {
    let Some(axe_js) = axe::source() else { return };
    with_browser("axe-screens", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        let enrolling = spawn_app_with(TestDb::Sqlite, |s| s.require_totp = true).await;
        let f = fixtures(&app).await;
        let mut blocking = Vec::new();
        let mut current: Option<Who> = None;
        for screen in SCREENS {
            if current != Some(screen.who) {
                if matches!(current, Some(Who::Staff(_))) {
                    sign_out(&b, &app).await;
                }
                match screen.who {
                    Who::Staff(role) => sign_in(&b, &app, demo_email(role), PASSWORD).await,
                    Who::Enrolling => sign_in(&b, &enrolling, demo_email(Role::Reviewer), PASSWORD).await,
                    Who::Anonymous => {}
                }
                current = Some(screen.who);
            }
            let target = if screen.who == Who::Enrolling { &enrolling } else { &app };
            let violations = visit(&b, target, &f, screen, &axe_js).await;
            eprintln!("axe, {} ({:?}): {} violation(s)", screen.name, screen.who, violations.len());
            for v in &violations {
                eprintln!("axe, {} ({:?}): {v}", screen.name, screen.who);
            }
            blocking.extend(violations.into_iter().filter(Violation::blocks).map(|v| format!("{}: {v}", screen.name)));
        }
        assert!(blocking.is_empty(), "serious or critical accessibility violations:\n{}", blocking.join("\n"));
    })
    .await;
}

/// The guard itself: a planted image without text and a field without a label must be
/// reported, or the check above proves nothing.
#[actix_web::test]
async fn axe_reports_a_planted_violation() {
    let Some(axe_js) = axe::source() else { return };
    with_browser("axe-planted", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        b.go(&format!("{}/login", app.address)).await;
        b.wait_for_heading("サインイン").await;
        b.js("const main = document.querySelector('main') || document.body;
              main.insertAdjacentHTML('beforeend', '<img src=\"/static/none.png\"><input type=\"text\" name=\"unlabelled\">');")
            .await;
        let violations = axe::check(&b, &axe_js).await;
        let rules: Vec<&str> = violations.iter().filter(|v| v.blocks()).map(|v| v.rule.as_str()).collect();
        assert!(rules.contains(&"image-alt") && rules.contains(&"label"), "{violations:?}");
    })
    .await;
}
