//! A holder's requests (開示・訂正・利用停止・消去): from the app's backend or the support
//! center, verified by one person and answered by another supervisor; a disclosure produces
//! the file, a stop of use suspends under the request, an erasure erases without any article.

use std::io::Read;

use handbook_admin::clock::Clock;
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::requests::RequestState;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dual_test;
use crate::helpers::{Browser, PASSWORD, TestApp, TestDb, spawn_app};
use crate::intake::TOKEN;

/// Files a request as the app's backend does.
pub async fn file_request(app: &TestApp, public_id: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/{public_id}/requests", app.address))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn second_supervisor(app: &TestApp) -> Browser {
    let mut b = app.browser();
    b.login("supervisor2@demo.invalid", PASSWORD).await;
    b
}

/// Records the identity check on request `id` as `b`.
async fn verify(b: &mut Browser, id: i64) {
    let page = b.get(&format!("/requests/{id}")).await;
    let version = page.input_value("version").unwrap();
    let page = b
        .post(
            &format!("/requests/{id}/verify"),
            &[
                ("version", &version),
                ("how", "document"),
                ("verification_note", "運転免許証の写しで氏名と生年月日を照合"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

async fn answer(b: &mut Browser, id: i64, confirmed: bool) -> crate::helpers::Page {
    let page = b.get(&format!("/requests/{id}")).await;
    let version = page.input_value("version").unwrap_or_default();
    let mut fields = vec![("version", version.as_str()), ("answer_note", "請求のとおり対応し、回答しました。")];
    if confirmed {
        fields.push(("confirmed", "1"));
    }
    b.post(&format!("/requests/{id}/answer"), &fields).await
}

dual_test!(a_disclosure_request_goes_from_the_app_through_verification_to_the_file, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-RQDISC01").await;
    let holder = app.holder("MR-RQDISC01").unwrap().id;

    // The app files it; a retry answers the same request; bad calls are refused by code.
    let (status, filed) =
        file_request(&app, "MR-RQDISC01", json!({"kind": "disclosure", "detail": "保有している情報を見せてください"}))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let reference = filed["reference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("RQ-"), "{reference}");
    assert_eq!(filed["state"], "received");
    let today = handbook_admin::clock::today_jst(app.clock.now());
    assert_eq!(filed["due_on"], (today + time::Duration::days(14)).to_string(), "due in 14 days by default");
    let (status, again) = file_request(&app, "MR-RQDISC01", json!({"kind": "disclosure"})).await;
    assert_eq!((status, again["reference"].as_str()), (StatusCode::OK, Some(reference.as_str())));
    assert_eq!(
        file_request(&app, "MR-RQDISC01", json!({"kind": "everything"})).await.1["error"]["code"],
        "invalid_kind"
    );
    assert_eq!(file_request(&app, "MR-NOBODY01", json!({"kind": "disclosure"})).await.0, StatusCode::NOT_FOUND);
    let unauthenticated = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/MR-RQDISC01/requests", app.address))
        .json(&json!({"kind": "disclosure"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.audit_count("request.received"), 1);
    let (_, received_notice) = app.latest_notice(holder, "request_received").expect("the holder is told the reference");
    assert!(received_notice.contains(&reference));
    let id = app.holder_request(holder, &reference).id;

    // Support sees it on the work list and records the identity check; a short note comes back
    // as typed.
    let mut support = app.signed_in(Role::Support).await;
    assert!(support.get("/requests").await.body.contains(&reference));
    let page = support.get(&format!("/requests/{id}")).await;
    let version = page.input_value("version").unwrap();
    let short = support
        .post(
            &format!("/requests/{id}/verify"),
            &[("version", &version), ("how", "document"), ("verification_note", "確認")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.select_texts("#error-verification_note").concat().contains("10文字以上"));
    assert_eq!(short.select_attr("input[name=how][checked]", "value"), vec!["document".to_owned()]);
    verify(&mut support, id).await;
    assert_eq!(app.holder_request(holder, &reference).state, RequestState::Verified);
    // Support cannot answer or produce the file.
    assert_eq!(
        support.post(&format!("/requests/{id}/answer"), &[("version", "2")]).await.status,
        StatusCode::FORBIDDEN
    );

    // A supervisor cannot record the answer before the file exists; then produces it.
    let mut sup = app.signed_in(Role::Supervisor).await;
    let early = answer(&mut sup, id, true).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("開示ファイルがまだ作成されていません"));
    let page = sup.get(&format!("/requests/{id}")).await;
    let version = page.input_value("version").unwrap();
    let file = sup
        .client
        .post(format!("{}/requests/{id}/disclosure", sup.base))
        .form(&[("csrf_token", sup.csrf.clone().unwrap().as_str()), ("version", version.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "application/zip");
    assert_eq!(file.headers()["cache-control"], "no-store");
    let bytes = file.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut json_text = String::new();
    zip.by_name("disclosure.json").unwrap().read_to_string(&mut json_text).unwrap();
    let held: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(held["holder"]["public_id"], "MR-RQDISC01");
    assert!(
        held["registrations"][0]["fields"]["name"].as_str().is_some_and(|n| !n.is_empty()),
        "the transcribed fields"
    );
    assert!(!held["consents"].as_array().unwrap().is_empty(), "the consents");
    assert!(held["audit_events"].as_array().unwrap().iter().any(|e| e["action"] == "registration.received"));
    let photo = held["registrations"][0]["photos"][0].as_str().unwrap().to_owned();
    let mut jpeg = Vec::new();
    zip.by_name(&photo).unwrap().read_to_end(&mut jpeg).unwrap();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "the photo itself");
    let produced = app.audit_events("request.disclosure_produced");
    assert_eq!(produced.len(), 1);
    assert!(
        !format!("{produced:?}").contains(held["registrations"][0]["fields"]["name"].as_str().unwrap()),
        "counts, not content"
    );

    assert_eq!(answer(&mut sup, id, true).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.holder_request(holder, &reference).state, RequestState::Answered);
    assert!(app.latest_notice(holder, "request_answered").unwrap().1.contains(&reference));
    let status = reqwest::Client::new()
        .get(format!("{}/api/v1/holders/MR-RQDISC01/requests/{reference}", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(status.json::<Value>().await.unwrap()["state"], "answered");
    assert!(app.verify_audit().is_ok());
});

dual_test!(an_erasure_request_erases_without_any_article_and_needs_two_people, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-RQERAS01").await;
    let holder = app.holder("MR-RQERAS01").unwrap().id;
    let handbook = app.handbook_ids_of_holder("MR-RQERAS01")[0];

    // Entered by the support center from a call; a wrong ID comes back as typed.
    let mut support = app.signed_in(Role::Support).await;
    support.get("/requests").await;
    let wrong = support
        .post("/requests", &[("holder_public_id", "MR-NOBODY99"), ("kind", "erasure"), ("detail", "消して")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.input_value("holder_public_id").as_deref(), Some("MR-NOBODY99"));
    let page = support
        .post(
            "/requests",
            &[("holder_public_id", "MR-RQERAS01"), ("kind", "erasure"), ("detail", "退会したので情報を消してほしい")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id: i64 = page.location().unwrap().rsplit('/').next().unwrap().parse().unwrap();

    // The supervisor who verified cannot answer; another one answers, after confirming.
    let mut sup = app.signed_in(Role::Supervisor).await;
    verify(&mut sup, id).await;
    let own = answer(&mut sup, id, true).await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("本人確認をした人とは別の人が回答します"));
    assert!(app.holder("MR-RQERAS01").unwrap().deleted_at.is_none());
    let mut other = second_supervisor(&app).await;
    let unconfirmed = answer(&mut other, id, false).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.holder("MR-RQERAS01").unwrap().deleted_at.is_none());
    assert_eq!(answer(&mut other, id, true).await.status, StatusCode::SEE_OTHER);

    let erased = app.holder("MR-RQERAS01").unwrap();
    assert!(erased.deleted_at.is_some() && erased.email.is_none());
    assert!(app.fields_of(handbook).is_none() && app.images_of(handbook).is_empty(), "photos and fields are gone");
    assert!(app.sanctions_of_holder(holder).is_empty(), "no sanction, no article");
    assert_eq!(app.audit_count("sanction.applied") + app.audit_count("sanction.approved"), 0);
    let answered = app.audit_events("request.answered");
    assert_eq!(answered.len(), 1);
    assert!(format!("{answered:?}").contains("erasure"));
    assert_ne!(crate::sanctions::card_status(&app, "MR-RQERAS01").await, "active");
    assert!(app.verify_audit().is_ok(), "the chain still verifies");
});

dual_test!(a_stop_of_use_suspends_under_the_request_and_a_refusal_tells_the_reason, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-RQSTOP01").await;
    let holder = app.holder("MR-RQSTOP01").unwrap().id;
    let (_, filed) = file_request(&app, "MR-RQSTOP01", json!({"kind": "stop_use"})).await;
    let id = app.holder_request(holder, filed["reference"].as_str().unwrap()).id;
    let mut support = app.signed_in(Role::Support).await;
    verify(&mut support, id).await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    assert_eq!(answer(&mut sup, id, true).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.holder_status("MR-RQSTOP01"), HolderStatus::Suspended);
    assert_eq!(app.suspensions_of(holder), vec!["request".to_owned()], "suspended under the request");
    assert!(app.sanctions_of_holder(holder).is_empty(), "not a sanction");
    assert_eq!(crate::sanctions::card_status(&app, "MR-RQSTOP01").await, "suspended");
    // The holder asks to resume: a supervisor lifts it under the same cause.
    sup.get(&format!("/holders/{holder}")).await;
    let lifted = sup
        .post(
            &format!("/holders/{holder}/reinstate"),
            &[("article", "request"), ("note", "本人から利用再開の申し出あり")],
        )
        .await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    assert_eq!(app.holder_status("MR-RQSTOP01"), HolderStatus::Active);

    // A correction request the holder could not be identified for is refused with the reason.
    let (_, filed) =
        file_request(&app, "MR-RQSTOP01", json!({"kind": "correction", "detail": "氏名の漢字が違う"})).await;
    let id = app.holder_request(holder, filed["reference"].as_str().unwrap()).id;
    let page = sup.get(&format!("/requests/{id}")).await;
    let version = page.input_value("version").unwrap();
    let refused = sup
        .post(
            &format!("/requests/{id}/refuse"),
            &[("version", &version), ("refusal", "ご本人であることを確認できませんでした。")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(app.holder_request(holder, filed["reference"].as_str().unwrap()).state, RequestState::Refused);
    assert!(app.latest_notice(holder, "request_refused").unwrap().1.contains("確認できませんでした"));
    // A stale page cannot move it again.
    let stale = sup
        .post(&format!("/requests/{id}/refuse"), &[("version", &version), ("refusal", "二度目の不応諾を試す")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
});

dual_test!(overdue_requests_stand_out_on_the_dashboard, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-RQLATE01").await;
    file_request(&app, "MR-RQLATE01", json!({"kind": "disclosure"})).await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let before = sup.get("/").await;
    assert!(before.body.contains("回答期限を過ぎた請求"));
    assert!(!before.body.contains("stat--alert\"><span class=\"stat__label\">回答期限"));
    app.clock.advance(time::Duration::days(15));
    // Fifteen days on, the session has long expired: sign in again.
    let mut sup = app.signed_in(Role::Supervisor).await;
    let after = sup.get("/").await;
    assert!(after.body.contains("stat--alert\"><span class=\"stat__label\">回答期限"), "{}", after.body);
    assert!(sup.get("/requests").await.body.contains("期限超過"));
});
