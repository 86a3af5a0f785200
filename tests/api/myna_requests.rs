//! Outbound Myna Portal requests over HTTP, against the simulator: a consent from the app opens
//! a request; out of hours it waits for the opening and the screen says when and why; staff move
//! or cancel it; inside the hours the worker sends it, the simulator calls back (late, twice),
//! the reviewer checks the values and the card shows the handbook 連携済. And the real adapter's
//! mutual TLS against the simulator served with certificates made here.

use std::sync::Arc;
use std::time::Duration;

use handbook_admin::clock::{Clock, ManualClock};
use handbook_admin::demo::myna_sim::dataset::Dataset;
use handbook_admin::demo::myna_sim::{Behaviour, Simulator, Tls};
use handbook_admin::domain::handbook::HandbookKind;
use handbook_admin::domain::myna_request::State;
use handbook_admin::domain::staff::Role;
use handbook_admin::myna::http::{HttpPortal, PortalConfig};
use handbook_admin::myna::portal::{MynaPortal, PortalError, PortalRequest};
use handbook_admin::secrets::Secret;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::dual_test;
use crate::helpers::{TestApp, TestDb, spawn_app_with};
use crate::intake::TOKEN;

const SECRET: &str = "test-myna-secret";
/// The demo holders seeded here: index 1 (its grade changed at the municipality) and index 3
/// (its number written plainly there) are approved physical handbooks.
pub(crate) const GRADE_CHANGED: &str = "MR-2600001";
pub(crate) const PLAIN_NUMBER: &str = "MR-2600003";

/// The app with four demo holders, and the simulator (answering by the app's clock) it sends
/// its requests to.
pub(crate) async fn app_and_portal(db: TestDb, behaviour: Behaviour) -> (TestApp, Arc<Simulator>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = spawn_app_with(db, |s| {
        s.myna_portal =
            Some(PortalConfig { url, service_id: "test".into(), client_cert: None, client_key: None, ca: None })
    })
    .await;
    let now = app.clock.now();
    let store = handbook_admin::images::ImageStore::from_settings(&app.settings).unwrap();
    let pool = app.pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::holders::seed(&mut conn, &crate::helpers::test_audit_keys(), &store, 4, now).unwrap()
    })
    .await
    .unwrap();
    let sim = Simulator::new(
        Dataset::demo(4, now.date()),
        app.clock.clone(),
        format!("{}/api/v1/myna/callback", app.address),
        Secret::new(SECRET.to_owned()),
        behaviour,
    )
    .unwrap();
    actix_web::rt::spawn(handbook_admin::demo::myna_sim::serve(sim.clone(), listener, None).unwrap());
    (app, sim)
}

/// The app's backend reports a consent the holder just gave.
pub(crate) async fn consent(app: &TestApp, public_id: &str, body: &Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/{public_id}/myna/consents", app.address))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

pub(crate) fn fresh_consent(app: &TestApp) -> Value {
    let now = app.clock.now();
    let rfc = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    json!({
        "purpose": "handbook_verification",
        "granted_at": rfc(now),
        "valid_until": rfc(now + time::Duration::days(30)),
        "mode": "point",
    })
}

async fn physical_link(app: &TestApp, public_id: &str) -> String {
    let (_, card) = crate::review::card(app, public_id).await;
    card["handbooks"]
        .as_array()
        .and_then(|list| list.iter().find(|h| h["kind"] == "physical"))
        .map(|h| h["myna_link"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// A reviewer on the holder's approved physical registration, having stated why they open it.
async fn reviewer_on_physical(app: &TestApp, public_id: &str) -> (i64, crate::helpers::Browser) {
    let physical = app.handbook_of_kind(public_id, HandbookKind::Physical);
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    reviewer.get(&format!("/registrations/{physical}")).await;
    let stated = reviewer
        .post(&format!("/registrations/{physical}/photo-access"), &[("reason", "double_check"), ("detail", "")])
        .await;
    assert_eq!(stated.status, StatusCode::SEE_OTHER);
    (physical, reviewer)
}

/// Waits (a few seconds at most) until `done` holds: the worker and the simulator run on
/// their own.
pub(crate) async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

dual_test!(a_request_out_of_hours_waits_for_the_opening_and_staff_may_move_or_cancel_it, |db: TestDb| async move {
    let (app, sim) = app_and_portal(db, Behaviour::prompt()).await;
    // Saturday 28 November 2026, 17:30 in Japan: the municipal server closed at 17:00.
    app.clock.set(datetime!(2026-11-28 17:30 +09:00));
    let (status, body) = consent(&app, PLAIN_NUMBER, &fresh_consent(&app)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["state"], "scheduled");
    assert_eq!(body["wait_reason"], "outside_hours");
    assert_eq!(body["run_at"], "2026-11-28T23:00:00Z", "Sunday 08:00 in Japan, the next opening");
    assert_eq!(physical_link(&app, PLAIN_NUMBER).await, "pending", "申請中 while the request runs");
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sim.accepted(), 0, "nothing is sent while the server is closed");

    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let page = reviewer.get("/myna/requests").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.select_texts("main").join(" ");
    assert!(text.contains("自治体中間サーバの運用時間外") && text.contains("2026年11月29日 08:00"), "{text}");
    let id = app.myna_requests_of(PLAIN_NUMBER)[0].id;
    let version = app.myna_requests_of(PLAIN_NUMBER)[0].version.to_string();

    // A time that is not one comes back typed, with the problem beside the field.
    let bad = reviewer
        .post(&format!("/myna/requests/{id}/reschedule"), &[("run_at", "明日の朝"), ("version", &version)])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.input_value("run_at").as_deref(), Some("明日の朝"));
    assert!(bad.select_texts(".field-error").iter().any(|e| e.contains("2026-11-30 08:00")));
    let late = reviewer
        .post(&format!("/myna/requests/{id}/reschedule"), &[("run_at", "2027-01-05T10:00"), ("version", &version)])
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.body.contains("同意の有効期限より後には照会できません"));
    // Sunday 18:00 is after closing: the request runs at Monday's opening.
    let moved = reviewer
        .post(&format!("/myna/requests/{id}/reschedule"), &[("run_at", "2026-11-29T18:00"), ("version", &version)])
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let row = &app.myna_requests_of(PLAIN_NUMBER)[0];
    assert_eq!(row.run_at.map(|t| t.assume_utc()), Some(datetime!(2026-11-30 08:00 +09:00)));
    let text = reviewer.get("/myna/requests").await.select_texts("main").join(" ");
    assert!(text.contains("職員が照会日時を指定したため") && text.contains("2026年11月30日 08:00"), "{text}");
    // The old version is stale now.
    let stale =
        reviewer.post(&format!("/myna/requests/{id}/cancel"), &[("reason", "重複"), ("version", &version)]).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.body.contains("ほかの操作で照会が更新されました"));
    let version = row.version.to_string();
    let no_reason =
        reviewer.post(&format!("/myna/requests/{id}/cancel"), &[("reason", " "), ("version", &version)]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("理由を入力してください"));
    let cancelled = reviewer
        .post(&format!("/myna/requests/{id}/cancel"), &[("reason", "利用者からの取消し依頼"), ("version", &version)])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    assert_eq!(app.myna_requests_of(PLAIN_NUMBER)[0].state, State::Cancelled);
    assert_eq!(physical_link(&app, PLAIN_NUMBER).await, "unlinked", "back to 未連携: no data came");
    assert_eq!(app.audit_count("myna.requested"), 1);
    assert_eq!(app.audit_count("myna.request_rescheduled"), 1);
    assert_eq!(app.audit_count("myna.request_cancelled"), 1);
    // Monday morning comes: nothing is sent for a cancelled request.
    app.clock.set(datetime!(2026-11-30 08:05 +09:00));
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sim.accepted(), 0);
});

dual_test!(a_consent_that_is_not_one_opens_nothing, |db: TestDb| async move {
    let (app, _sim) = app_and_portal(db, Behaviour::prompt()).await;
    let mut other_purpose = fresh_consent(&app);
    other_purpose["purpose"] = json!("marketing");
    assert_eq!(consent(&app, PLAIN_NUMBER, &other_purpose).await.1["error"]["code"], "purpose_not_allowed");
    let mut over = fresh_consent(&app);
    over["valid_until"] = json!("2026-11-01T00:00:00Z");
    assert_eq!(consent(&app, PLAIN_NUMBER, &over).await.1["error"]["code"], "consent_not_valid");
    let mut backwards = fresh_consent(&app);
    backwards["mode"] = json!("range");
    backwards["from"] = json!("2026-11-20");
    backwards["to"] = json!("2026-11-01");
    assert_eq!(consent(&app, PLAIN_NUMBER, &backwards).await.1["error"]["code"], "invalid_range");
    assert_eq!(consent(&app, "MR-9999998", &fresh_consent(&app)).await.0, StatusCode::NOT_FOUND);
    let unauthorised = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/{PLAIN_NUMBER}/myna/consents", app.address))
        .bearer_auth("not-the-token")
        .json(&fresh_consent(&app))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), StatusCode::UNAUTHORIZED);
    assert!(app.myna_requests_of(PLAIN_NUMBER).is_empty());
    assert_eq!(app.audit_count("myna.requested"), 0);
});

dual_test!(inside_the_hours_the_portal_answers_and_the_handbook_ends_linked, |db: TestDb| async move {
    // Every delivery late and twice: one is stored.
    let behaviour = Behaviour { late_every: 1, late_by: Duration::from_millis(200), twice_every: 1 };
    let (app, sim) = app_and_portal(db, behaviour).await;
    // Tuesday 10:00 in Japan: open.
    let (status, body) = consent(&app, PLAIN_NUMBER, &fresh_consent(&app)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    eventually("the request delivered", || {
        app.myna_requests_of(PLAIN_NUMBER).first().is_some_and(|r| r.state == State::Delivered)
    })
    .await;
    eventually("the second delivery answered", || app.audit_count("myna.delivered") >= 1).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sim.accepted(), 1);
    assert_eq!(app.myna_delivery_count(), 1, "delivered twice, stored once");
    assert_eq!(app.audit_count("myna.delivered"), 1);
    assert_eq!(app.audit_count("myna.request_sent"), 1);
    assert_eq!(physical_link(&app, PLAIN_NUMBER).await, "pending");

    // The reviewer sees the municipality's values beside the transcription, the rules named.
    let (physical, mut reviewer) = reviewer_on_physical(&app, PLAIN_NUMBER).await;
    let rows = reviewer.get(&format!("/registrations/{physical}")).await.select_texts("#myna tbody tr");
    assert!(rows.iter().any(|r| r.contains("手帳番号") && r.contains("一致")), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("交付日") && r.contains("和暦と西暦の違い")), "{rows:?}");
    let done = reviewer.post(&format!("/registrations/{physical}/myna"), &[("outcome", "verified")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(physical_link(&app, PLAIN_NUMBER).await, "linked");
});

dual_test!(an_outage_is_waited_out_and_the_request_runs_after_it, |db: TestDb| async move {
    let (app, sim) = app_and_portal(db, Behaviour::prompt()).await;
    sim.set_outage(true);
    assert_eq!(consent(&app, GRADE_CHANGED, &fresh_consent(&app)).await.0, StatusCode::ACCEPTED);
    eventually("the request waits after the outage", || {
        app.myna_requests_of(GRADE_CHANGED)
            .first()
            .is_some_and(|r| r.wait_reason == Some(handbook_admin::domain::myna_request::Wait::Unavailable))
    })
    .await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let text = reviewer.get("/myna/requests").await.select_texts("main").join(" ");
    assert!(text.contains("マイナポータルが「応答不可」と回答したため"), "{text}");
    assert!(text.contains("2026年11月24日 10:15"), "a quarter of an hour later: {text}");
    sim.set_outage(false);
    app.clock.advance(time::Duration::minutes(16));
    eventually("delivered after the outage", || {
        app.myna_requests_of(GRADE_CHANGED).first().is_some_and(|r| r.state == State::Delivered)
    })
    .await;
    assert_eq!(app.myna_requests_of(GRADE_CHANGED)[0].attempts, 2);
});

/// A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files in `dir`.
fn certificates(dir: &std::path::Path) -> (Tls, std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "test portal CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().signed_by(&server_key, &ca).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params.distinguished_name.push(DnType::CommonName, "handbook-admin");
    let client = client_params.signed_by(&client_key, &ca).unwrap();
    let write = |name: &str, pem: String| {
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    let tls = Tls {
        cert: write("server.pem", server.pem()),
        key: write("server-key.pem", server_key.serialize_pem()),
        client_ca: write("ca.pem", ca.pem()),
    };
    let ca_path = tls.client_ca.clone();
    (tls, ca_path, write("client.pem", client.pem()), write("client-key.pem", client_key.serialize_pem()))
}

#[actix_web::test]
async fn the_adapter_speaks_mutual_tls_to_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, ca, client_cert, client_key) = certificates(dir.path());
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-24 10:00 +09:00)));
    let sim = Simulator::new(
        Dataset::demo(2, datetime!(2026-11-24 10:00 +09:00).date()),
        clock.clone(),
        "http://127.0.0.1:9/unused".into(),
        Secret::new(SECRET.to_owned()),
        Behaviour::prompt(),
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
    actix_web::rt::spawn(handbook_admin::demo::myna_sim::serve(sim.clone(), listener, Some(&tls)).unwrap());
    let request = PortalRequest {
        request_id: "tls-1".into(),
        holder_public_id: "MR-2600001".into(),
        mode: handbook_admin::domain::myna_request::Mode::Point(clock.now().date()),
        purpose: "handbook_verification".into(),
        granted_at: clock.now(),
        valid_until: clock.now() + time::Duration::days(1),
    };
    let portal = |cert: Option<&std::path::Path>, key: Option<&std::path::Path>, ca: Option<&std::path::Path>| {
        let config = PortalConfig {
            url: url.clone(),
            service_id: "test".into(),
            client_cert: cert.map(Into::into),
            client_key: key.map(Into::into),
            ca: ca.map(Into::into),
        };
        HttpPortal::new(&config, Secret::new(SECRET.to_owned()), clock.clone()).unwrap()
    };
    // Our certificate, their CA: accepted.
    let good = portal(Some(&client_cert), Some(&client_key), Some(&ca));
    assert_eq!(good.send(&request).await, Ok(()));
    assert_eq!(sim.accepted(), 1);
    // No client certificate: the handshake fails, nothing is accepted.
    let anonymous = portal(None, None, Some(&ca));
    assert!(matches!(anonymous.send(&request).await, Err(PortalError::Transport(_))));
    // A server whose CA we do not trust (the system roots are not consulted).
    let other_dir = tempfile::tempdir().unwrap();
    let (_, other_ca, _, _) = certificates(other_dir.path());
    let distrustful = portal(Some(&client_cert), Some(&client_key), Some(&other_ca));
    assert!(matches!(distrustful.send(&request).await, Err(PortalError::Transport(_))));
    // A request signed with another secret is refused by the portal itself.
    let config = PortalConfig {
        url: url.clone(),
        service_id: "test".into(),
        client_cert: Some(client_cert.clone()),
        client_key: Some(client_key.clone()),
        ca: Some(ca.clone()),
    };
    let forged = HttpPortal::new(&config, Secret::new("another".to_owned()), clock.clone()).unwrap();
    assert_eq!(forged.send(&request).await, Err(PortalError::Refused("bad_signature".into())));
    // Outside the hours the portal answers unavailable.
    clock.set(datetime!(2026-11-24 22:00 +09:00));
    let mut later = request.clone();
    later.request_id = "tls-2".into();
    later.valid_until = clock.now() + time::Duration::days(1);
    assert_eq!(good.send(&later).await, Err(PortalError::Unavailable));
    assert_eq!(sim.accepted(), 1);
}

dual_test!(a_reviewer_takes_the_portals_value_as_a_correction_and_the_holder_is_told, |db: TestDb| async move {
    let (app, _sim) = app_and_portal(db, Behaviour::prompt()).await;
    assert_eq!(consent(&app, GRADE_CHANGED, &fresh_consent(&app)).await.0, StatusCode::ACCEPTED);
    eventually("the data arrived", || app.audit_count("myna.delivered") == 1).await;
    let (physical, mut reviewer) = reviewer_on_physical(&app, GRADE_CHANGED).await;
    let page = reviewer.get(&format!("/registrations/{physical}")).await;
    let rows = page.select_texts("#myna tbody tr");
    assert!(rows.iter().any(|r| r.contains("等級") && r.contains("不一致")), "{rows:?}");
    assert_eq!(page.select_attr("input[name=field]", "value"), ["grade"], "only the differing field is offered");
    let version = app.handbook(physical).version.to_string();
    let notices_before = app.notifications_of(physical);

    // A field that matches cannot be "corrected"; a stale form is refused.
    let matching = reviewer
        .post(
            &format!("/registrations/{physical}/myna"),
            &[("outcome", "correct"), ("field", "number"), ("version", &version)],
        )
        .await;
    assert_eq!(matching.status, StatusCode::CONFLICT);
    assert!(matching.body.contains("手帳番号はマイナポータルの値で訂正できません"));
    let stale = reviewer
        .post(
            &format!("/registrations/{physical}/myna"),
            &[("outcome", "correct"), ("field", "grade"), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("ほかの操作で登録内容が更新されました"));
    assert_eq!(app.audit_count("myna.corrected"), 0);

    let done = reviewer
        .post(
            &format!("/registrations/{physical}/myna"),
            &[("outcome", "correct"), ("field", "grade"), ("version", &version)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(app.notifications_of(physical), notices_before + 1, "the holder is told");
    let fields = app.fields_of(physical).unwrap();
    let portal_grade = fields.grade.clone();
    assert!(portal_grade.contains('級'), "the portal's grade was taken: {portal_grade}");
    assert_eq!(app.handbook(physical).version, version.parse::<i32>().unwrap() + 1);
    assert_eq!(physical_link(&app, GRADE_CHANGED).await, "linked", "every field matches now");
    let corrected = app.audit_events("myna.corrected");
    assert_eq!(corrected.len(), 1);
    assert!(corrected[0].details.contains("\"grade\"") && !corrected[0].details.contains(&portal_grade));
});
