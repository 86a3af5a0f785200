//! Sanctions through the real screens: taken at once or proposed, the second supervisor's
//! decision, the support center's limits, suspensions by cause, and the card on the next call.

use handbook_admin::clock::Clock;
use handbook_admin::domain::handbook::ReviewStatus;
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::sanctions::SanctionState;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::dual_test;
use crate::fixtures;
use crate::helpers::{Browser, PASSWORD, TestApp, TestDb, spawn_app};
use crate::intake::{TOKEN, register};

/// An active holder with one approved registration; returns the holder's internal id.
pub(crate) async fn active_holder(app: &TestApp, public_id: &str) -> i64 {
    let id = register(app, public_id, "physical", vec![fixtures::jpeg(120, 80)]).await;
    app.set_status(id, ReviewStatus::Approved);
    app.set_holder_status(public_id, HolderStatus::Active);
    app.holder(public_id).unwrap().id
}

/// The card's status word, read as the app reads it.
pub(crate) async fn card_status(app: &TestApp, public_id: &str) -> String {
    crate::review::card(app, public_id).await.1["status"].as_str().unwrap_or_default().to_owned()
}

pub(crate) async fn sanction(
    b: &mut Browser,
    holder: i64,
    article: &str,
    action: &str,
    note: &str,
) -> crate::helpers::Page {
    b.get(&format!("/holders/{holder}?article={article}")).await;
    let form = [("article", article), ("shown_article", article), ("action", action), ("note", note)];
    b.post(&format!("/holders/{holder}/sanctions"), &form).await
}

/// The demo's second supervisor, for four-eyes decisions.
fn second_supervisor(_: &TestApp) -> &'static str {
    "supervisor2@demo.invalid"
}

/// The second supervisor approves a proposal from the list, as on screen.
pub(crate) async fn approve_as_second(app: &TestApp, proposal: i64) -> crate::helpers::Page {
    let mut other = app.browser();
    other.login(second_supervisor(app), PASSWORD).await;
    other.get("/sanctions").await;
    other.post(&format!("/sanctions/{proposal}/approve"), &[("note", "内容を確認した"), ("confirmed", "1")]).await
}

dual_test!(a_suspension_shows_on_the_card_at_once_and_lifting_one_cause_leaves_another, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-SANC0001").await;
    assert_eq!(card_status(&app, "MR-SANC0001").await, "active");
    let mut sup = app.signed_in(Role::Supervisor).await;

    let page = sanction(&mut sup, holder, "3(4)", "suspend", "本人から紛失の連絡（電話）").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(card_status(&app, "MR-SANC0001").await, "suspended", "the very next card read");
    let page = sanction(&mut sup, holder, "2(4)", "suspend", "登録写真に不正の疑いがあるため保留").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.audit_count("sanction.applied"), 2);

    // The same cause twice is refused, and says why.
    let page = sanction(&mut sup, holder, "3(4)", "suspend", "二重の紛失連絡があった").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("同じ理由の利用停止がすでに有効です"));

    // Lifting the lost-phone suspension leaves the fraud hold in force.
    sup.get(&format!("/holders/{holder}")).await;
    let page = sup
        .post(&format!("/holders/{holder}/reinstate"), &[("article", "3(4)"), ("note", "本人確認のうえ端末を再登録")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(card_status(&app, "MR-SANC0001").await, "suspended");
    let page = sup
        .post(&format!("/holders/{holder}/reinstate"), &[("article", "2(4)"), ("note", "調査の結果、問題なしと判断")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(card_status(&app, "MR-SANC0001").await, "active");
    // Each sanction with notice queued one notice to the holder, listed on the profile.
    let profile = sup.get(&format!("/holders/{holder}")).await;
    assert!(
        profile.body.contains("【利用停止】") && profile.body.contains("【利用再開】"),
        "notices listed on the profile"
    );
});

dual_test!(an_article_allows_only_its_actions_and_a_note_is_required, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-SANC0002").await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sanction(&mut sup, holder, "3(4)", "deprive", "紛失連絡だが剥奪を選んだ").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("この条項では、選んだ処分はできません"));
    let page = sanction(&mut sup, holder, "3(4)", "suspend", "短い").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.select_texts("textarea#field-note[aria-invalid=\"true\"]"), ["短い"], "kept, marked invalid");
    assert_eq!(app.audit_count("sanction.applied"), 0);
    assert_eq!(card_status(&app, "MR-SANC0002").await, "active");
    // The form offers only what the chosen article allows.
    let page = sup.get(&format!("/holders/{holder}?article=3(4)")).await;
    let offered = page.select_texts("input[name=action] + label");
    assert_eq!(offered, ["利用停止", "利用再開"]);
});

dual_test!(the_support_center_acts_only_through_reports_and_never_sees_numbers_or_notes, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-SANC0003").await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    sanction(&mut sup, holder, "2(4)", "suspend", "調査中につき保留、手帳番号第1000001号の照合待ち").await;
    sanction(&mut sup, holder, "3(1)(v)", "suspend", "返還の確認のため保留する").await;
    sup.get(&format!("/holders/{holder}")).await;
    let lifted = sup
        .post(
            &format!("/holders/{holder}/reinstate"),
            &[("article", "3(1)(v)"), ("note", "手帳番号第1000001号の返還は誤りと確認")],
        )
        .await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    let mut support = app.signed_in(Role::Support).await;
    // No sanction or reinstatement from the profile: only through a report that identified
    // the caller.
    let page = sanction(&mut support, holder, "3(4)", "suspend", "本人から紛失の連絡（問い合わせフォーム）").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = support
        .post(&format!("/holders/{holder}/reinstate"), &[("article", "2(4)"), ("note", "解除したい理由を記録")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let profile = support.get(&format!("/holders/{holder}")).await;
    assert!(!profile.body.contains("発行元・番号"), "no number column for the support center");
    assert!(
        !profile.body.contains("第1000001号"),
        "sanction notes and lift reasons are not shown to the support center"
    );
    let own = sup.get(&format!("/holders/{holder}")).await;
    assert!(own.body.contains("返還は誤りと確認"), "supervisors see the reason");
    assert!(!profile.body.contains("処分を記録する"), "no sanction form");
    assert_eq!(support.get("/sanctions").await.status, StatusCode::FORBIDDEN);
    // Found by ID or address, not by what the handbook says.
    let page = support.get("/holders?q=%E3%81%9F%E3%81%8B%E3%81%AF%E3%81%97").await;
    assert!(page.body.contains("利用者IDまたはメールアドレスで検索してください"));
});

dual_test!(one_proposal_of_an_action_at_a_time_and_nothing_on_an_ended_id, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-SANC0008").await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sanction(&mut sup, holder, "2(4)", "deprive", "他人の手帳の写真であることを確認").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = sanction(&mut sup, holder, "3(2)", "deprive", "第三者による利用の申告もあった").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("すでに承認待ち"));
    let proposal = app.sanctions_of_holder(holder)[0];
    approve_as_second(&app, proposal).await;
    // A warning is a sanction too: not on an ended ID.
    let page = sanction(&mut sup, holder, "3(2)", "warning", "剥奪後に警告を送ろうとした").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count("sanction.applied"), 0);
});

dual_test!(deprivation_needs_a_second_supervisor_and_ends_the_id, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-SANC0004").await;
    let second = second_supervisor(&app);
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sanction(&mut sup, holder, "2(4)", "deprive", "他人の手帳の写真であることを確認").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(card_status(&app, "MR-SANC0004").await, "active", "a proposal changes nothing yet");
    let proposal = app.sanctions_of_holder(holder)[0];

    // Nobody approves their own proposal.
    sup.get("/sanctions").await;
    sup.post(&format!("/sanctions/{proposal}/approve"), &[("note", ""), ("confirmed", "1")]).await;
    assert_eq!(app.sanction_state(proposal), SanctionState::Proposed);
    assert!(sup.get("/sanctions").await.body.contains("自分の起案です"));

    let mut other = app.browser();
    other.login(second, PASSWORD).await;
    let list = other.get("/sanctions").await;
    let shown = list.select_texts(&format!("section[aria-labelledby=proposal-{proposal}] form label")).join(" ");
    assert!(
        shown.contains("MR-SANC0004") && shown.contains("第2条第4項") && shown.contains("カードは表示されなくなります"),
        "the confirmation names the ID, the article and the effect on the card: {shown}"
    );
    // 「承認して実施する」 alone ends nothing: the confirming field is required on the server.
    let page = other.post(&format!("/sanctions/{proposal}/approve"), &[("note", "写真の照合結果を確認")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.sanction_state(proposal), SanctionState::Proposed);
    assert_eq!(card_status(&app, "MR-SANC0004").await, "active");
    assert!(other.get("/sanctions").await.body.contains("承認していません"));
    let page = other
        .post(&format!("/sanctions/{proposal}/approve"), &[("note", "写真の照合結果を確認"), ("confirmed", "1")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.sanction_state(proposal), SanctionState::Applied);
    assert_eq!(card_status(&app, "MR-SANC0004").await, "revoked");
    // Decided once: a second approval, or a reinstatement, is refused.
    other.post(&format!("/sanctions/{proposal}/reject"), &[("note", "")]).await;
    assert_eq!(app.sanction_state(proposal), SanctionState::Applied);
    let page = sanction(&mut sup, holder, "2(4)", "reinstate", "剥奪後に再開を試みる").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("再開はできません"));
    assert_eq!(app.audit_count("sanction.approved"), 1);
});

dual_test!(concurrent_approve_and_reject_end_in_one_outcome, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-SANC0005").await;
    let second = second_supervisor(&app);
    let mut sup = app.signed_in(Role::Supervisor).await;
    sanction(&mut sup, holder, "2(4)", "deprive", "他人の手帳の写真であることを確認").await;
    let proposal = app.sanctions_of_holder(holder)[0];
    let second_id = app.staff_id(second);
    let now = app.clock.now();
    let decide = |approve: bool| {
        let pool = app.pool.clone();
        let settings = app.settings.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().unwrap();
            let keys = crate::helpers::test_audit_keys();
            let acting = handbook_admin::services::acting::Acting {
                staff_id: second_id,
                role: Role::Supervisor,
                now,
                request_id: None,
                audit: &keys,
            };
            let store = handbook_admin::images::ImageStore::from_settings(&settings).unwrap();
            handbook_admin::services::sanctions::decide(&mut conn, &store, proposal, approve, "同時の判断", &acting)
                .is_ok()
        })
    };
    let (a, b) = futures_util::join!(decide(true), decide(false));
    let outcomes = [a.unwrap(), b.unwrap()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "exactly one decision stands: {outcomes:?}");
    let state = app.sanction_state(proposal);
    let expected = if outcomes[0] { SanctionState::Applied } else { SanctionState::Rejected };
    assert_eq!(state, expected);
    let audited = app.audit_count("sanction.approved") + app.audit_count("sanction.rejected");
    assert_eq!(audited, 1);
});

dual_test!(a_proposal_waits_in_the_list_for_another_supervisor, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-SANC0006").await;
    let second = second_supervisor(&app);
    let mut sup = app.signed_in(Role::Supervisor).await;
    sanction(&mut sup, holder, "3(2)", "deprive", "第三者による利用の申告があったため").await;
    let mut other = app.browser();
    other.login(second, PASSWORD).await;
    let list = other.get("/sanctions").await;
    assert!(list.body.contains("MR-SANC0006") && list.body.contains("資格剥奪"));
    assert!(list.body.contains("承認して実施する"));
});

dual_test!(holder_search_finds_by_public_id_and_records_no_query_in_clear, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-SANC0007").await;
    let mut support = app.signed_in(Role::Support).await;
    let page = support.get("/holders?q=mr-sanc0007").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some(format!("/holders/{holder}").as_str()));
    let page = support.get("/holders?q=nobody%40example.jp").await;
    assert!(page.body.contains("該当する利用者はいません"));
    let searches = app.audit_events("holder.searched");
    assert_eq!(searches.len(), 2);
    assert!(searches.iter().all(|e| !e.details.contains("MR-SANC0007") && !e.details.contains("nobody")));
    assert!(searches.iter().all(|e| e.details.contains("query_hmac")));
    assert_eq!(app.audit_count("holder.viewed"), 0, "a search is not a view");
    support.get(&format!("/holders/{holder}")).await;
    assert_eq!(app.audit_count("holder.viewed"), 1);
});

async fn withdraw(app: &TestApp, public_id: &str, body: &str, token: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/{public_id}/withdrawal", app.address))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

dual_test!(a_withdrawal_from_the_app_stops_the_card_at_once_and_is_final, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-WDRAW001").await;
    let (status, body) = withdraw(&app, "MR-WDRAW001", r#"{"reason":"reissued"}"#, "wrong-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = withdraw(&app, "MR-WDRAW001", r#"{"reason":"bored"}"#, TOKEN).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_reason")));
    assert_eq!(card_status(&app, "MR-WDRAW001").await, "active", "nothing changed");
    // A second handbook still waiting for review, and one a reviewer is working on.
    let waiting = register(&app, "MR-WDRAW001", "mental", vec![fixtures::jpeg(120, 80)]).await;
    let claimed = register(&app, "MR-WDRAW001", "intellectual", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    app.claim_as(&mut reviewer, claimed, crate::helpers::demo_email(Role::Reviewer)).await;
    assert_eq!(app.status_of(claimed), ReviewStatus::InReview);
    // A deprivation waiting for a second supervisor, and an e-mail deletion.
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sanction(&mut sup, holder, "3(5)(iii)", "deprive", "他人のIDを使わせていた疑いがある").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = sanction(&mut sup, holder, "3(5)(i)", "delete_email", "3年間すべての通知が届いていない").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let (status, body) = withdraw(&app, "MR-WDRAW001", r#"{"reason":"reissued"}"#, TOKEN).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The ID's open registrations are closed: nobody reviews for an ID that ended.
    assert_eq!((app.status_of(waiting), app.status_of(claimed)), (ReviewStatus::Closed, ReviewStatus::Closed));
    assert_eq!(app.handbook(claimed).claimed_by, None, "the claim is let go");
    assert_eq!(app.audit_count("registration.closed"), 2);
    // A withdrawn ID can no longer be deprived: that proposal is closed; deleting its e-mail
    // still can be, so that one waits.
    let states: Vec<SanctionState> =
        app.sanctions_of_holder(holder).into_iter().map(|id| app.sanction_state(id)).collect();
    assert_eq!(states.iter().filter(|s| **s == SanctionState::Rejected).count(), 1, "{states:?}");
    assert_eq!(states.iter().filter(|s| **s == SanctionState::Proposed).count(), 1, "{states:?}");
    assert_eq!(app.audit_count("sanction.closed"), 1);
    app.assert_counters_agree();
    let page = reviewer.get(&format!("/registrations/{claimed}")).await;
    assert!(page.body.contains("IDの終了により終了"), "the registration's history says why");
    assert_eq!((body["status"].as_str(), body["reason"].as_str()), (Some("withdrawn"), Some("reissued")));
    assert!(body["withdrawn_at"].as_str().is_some());
    // The card is refused at once.
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/holders/MR-WDRAW001/card", app.address))
        .bearer_auth(crate::review::CARD_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "withdrawn");
    // A retry returns the same; a withdrawn ID is never reinstated or suspended again.
    let (status, again) = withdraw(&app, "MR-WDRAW001", r#"{"reason":"voluntary"}"#, TOKEN).await;
    assert_eq!((status, again["reason"].as_str()), (StatusCode::OK, Some("reissued")));
    assert_eq!(app.audit_count("holder.withdrawn"), 1);
    let page = sanction(&mut sup, holder, "3(4)", "suspend", "退会後の紛失連絡を記録しようとした").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("再開はできません") || page.body.contains("終了しています"));
    let (status, _) = withdraw(&app, "MR-NOBODY01", r#"{"reason":"voluntary"}"#, TOKEN).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

dual_test!(a_deprived_id_cannot_withdraw, |db: TestDb| async move {
    let app = spawn_app(db).await;
    active_holder(&app, "MR-WDRAW002").await;
    app.set_holder_status("MR-WDRAW002", HolderStatus::Revoked);
    let (status, body) = withdraw(&app, "MR-WDRAW002", r#"{"reason":"voluntary"}"#, TOKEN).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_ended")));
});

dual_test!(deletion_erases_photos_and_personal_fields_and_the_chain_still_verifies, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let handbook =
        register(&app, "MR-DELETE01", "physical", vec![fixtures::jpeg(320, 200), fixtures::png(200, 320)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(crate::review::take_next(&mut reviewer).await, Some(handbook));
    let saved = crate::review::save(&mut reviewer, handbook, &crate::review::printed_physical()).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // A face crop is a file of its own, and goes too.
    let page_one = app.images_of(handbook)[0].id.to_string();
    let face = [
        ("image_id", page_one.as_str()),
        ("face_left", "50"),
        ("face_top", "10"),
        ("face_width", "40"),
        ("face_height", "60"),
    ];
    let marked = reviewer.post(&format!("/registrations/{handbook}/face"), &face).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
    let holder = app.holder("MR-DELETE01").unwrap().id;
    let images = app.data_dir.join("images");
    assert_eq!(crate::intake::files_under(&images).len(), 5, "two pages, two thumbnails, one face crop");

    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sanction(&mut sup, holder, "3(5)(ii)", "delete", "偽造された手帳による登録と判明した").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(app.fields_of(handbook).is_some(), "a proposal erases nothing");
    let proposal = app.sanctions_of_holder(holder)[0];
    let page = approve_as_second(&app, proposal).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.sanction_state(proposal), SanctionState::Applied);

    // No photo file, no transcription, no address; the records an auditor needs stay.
    assert!(crate::intake::files_under(&images).is_empty(), "{:?}", crate::intake::files_under(&images));
    assert!(app.images_of(handbook).is_empty());
    assert!(app.fields_of(handbook).is_none());
    assert_eq!(app.transcriptions_of(handbook), 0);
    let row = app.holder("MR-DELETE01").unwrap();
    assert!(row.email.is_none() && row.deleted_at.is_some());
    assert_eq!(card_status(&app, "MR-DELETE01").await, "revoked");
    assert_eq!(app.sanctions_of_holder(holder).len(), 1, "the sanction stays");
    let report = app.verify_audit().expect("the chain still verifies");
    assert!(report.events > 0);
    // Deleted once: a second deletion is refused at the proposal.
    let page = sanction(&mut sup, holder, "3(5)(ii)", "delete", "もう一度抹消を試みる記録").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
});

dual_test!(email_deletion_removes_only_the_address, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-DELMAIL1").await;
    assert!(app.holder("MR-DELMAIL1").unwrap().email.is_some());
    let mut sup = app.signed_in(Role::Supervisor).await;
    sanction(&mut sup, holder, "3(5)(i)", "delete_email", "3年間すべての通知が届かなかった").await;
    let proposal = app.sanctions_of_holder(holder)[0];
    approve_as_second(&app, proposal).await;
    let row = app.holder("MR-DELMAIL1").unwrap();
    assert!(row.email.is_none());
    assert!(row.deleted_at.is_none(), "the ID itself stays");
    assert_eq!(card_status(&app, "MR-DELMAIL1").await, "active");
});

dual_test!(consents_are_kept_with_their_versions_and_sanctions_cite_the_terms_in_force, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let form = reqwest::multipart::Form::new()
        .text(
            "metadata",
            r#"{"holder_public_id":"MR-CONSENT1","email":"c@example.jp","kind":"physical","terms_version":"v7","privacy_version":"v3"}"#,
        )
        .part("image", reqwest::multipart::Part::bytes(fixtures::jpeg(120, 80)).file_name("p.jpg"));
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/registrations", app.address))
        .bearer_auth(TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let holder = app.holder("MR-CONSENT1").unwrap().id;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get(&format!("/holders/{holder}")).await;
    assert!(page.body.contains("利用規約: v7") && page.body.contains("プライバシーポリシー: v3"), "consents shown");
    let page = sanction(&mut sup, holder, "3(2)", "warning", "第三者に画面を見せて利用させた疑い").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = sup.get(&format!("/holders/{holder}")).await;
    assert!(page.body.contains("規約 v7"), "without a register: the version the holder agreed to");

    // The admin registers the versions and the days they came into force; a sanction then
    // cites the version in force on its day (v8 from 2026-11-20; the test clock is 2026-11-24),
    // though the holder agreed to v7.
    let mut admin = app.signed_in(Role::Admin).await;
    admin.get("/documents").await;
    let bad =
        admin.post("/documents", &[("document", "terms"), ("version", "第8版"), ("in_force_from", "2026-11-20")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.input_value("in_force_from").as_deref(), Some("2026-11-20"), "kept as typed");
    for (version, from) in [("v7", "2025-04-01"), ("v8", "2026-11-20"), ("v9", "2027-04-01")] {
        let done =
            admin.post("/documents", &[("document", "terms"), ("version", version), ("in_force_from", from)]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{version}");
    }
    let again =
        admin.post("/documents", &[("document", "terms"), ("version", "v8"), ("in_force_from", "2026-01-01")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a registered version is never rewritten");
    assert_eq!(app.audit_count("terms.version_recorded"), 3);
    let page = sanction(&mut sup, holder, "3(2)", "suspend", "第三者に画面を見せて利用させた").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = sup.get(&format!("/holders/{holder}")).await;
    assert!(page.body.contains("規約 v8"), "the version in force on the day of the act");
    // A bad version label is refused with its code.
    let form = reqwest::multipart::Form::new()
        .text(
            "metadata",
            r#"{"holder_public_id":"MR-CONSENT2","kind":"physical","terms_version":"第7版","privacy_version":"v3"}"#,
        )
        .part("image", reqwest::multipart::Part::bytes(fixtures::jpeg(120, 80)).file_name("p.jpg"));
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/registrations", app.address))
        .bearer_auth(TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
});

dual_test!(coupon_sanctions_leave_the_id_usable_and_disclosures_are_recorded, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-COUPON01").await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sanction(&mut sup, holder, "15(1)", "coupon_suspend", "クーポンの不正な転売が確認された").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/holders/MR-COUPON01/card", app.address))
        .bearer_auth(crate::review::CARD_TOKEN)
        .send()
        .await
        .unwrap();
    let card: Value = response.json().await.unwrap();
    assert_eq!((card["status"].as_str(), card["coupon_suspended"].as_bool()), (Some("active"), Some(true)));

    // Lifting the coupon suspension is a reinstatement under the same article.
    let page = sanction(&mut sup, holder, "15(1)", "reinstate", "転売の疑いが晴れたため再開する").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let card: Value = crate::review::card(&app, "MR-COUPON01").await.1;
    assert_eq!(card["coupon_suspended"].as_bool(), Some(false));
    let page = sanction(&mut sup, holder, "15(1)", "reinstate", "二度目の再開を記録しようとした").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "nothing to lift");

    // A disclosure names to whom, why and what; without them it is refused, as typed.
    sup.get(&format!("/holders/{holder}?article=15(1)")).await;
    let form = [
        ("article", "15(1)"),
        ("shown_article", "15(1)"),
        ("action", "disclose"),
        ("note", "提携事業者からの照会に回答するため"),
        ("recipient", "未来交通株式会社"),
    ];
    let page = sup.post(&format!("/holders/{holder}/sanctions"), &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.input_value("recipient").as_deref(), Some("未来交通株式会社"));
    let form = [
        ("article", "15(1)"),
        ("shown_article", "15(1)"),
        ("action", "disclose"),
        ("note", "提携事業者からの照会に回答するため"),
        ("recipient", "未来交通株式会社"),
        ("basis", "利用規約第15条第1項"),
        ("disclosed", "クーポン転売の事実と日付"),
    ];
    let page = sup.post(&format!("/holders/{holder}/sanctions"), &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let profile = sup.get(&format!("/holders/{holder}")).await;
    assert!(profile.body.contains("未来交通株式会社（根拠: 利用規約第15条第1項）"));

    // Cancelling the registration ends the ID: a second supervisor decides.
    let page = sanction(&mut sup, holder, "15(1)", "cancel_registration", "転売が繰り返されたため登録を取り消す").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(card_status(&app, "MR-COUPON01").await, "active", "proposed only");
    let proposal = app.sanctions_of_holder(holder)[0];
    approve_as_second(&app, proposal).await;
    assert_eq!(card_status(&app, "MR-COUPON01").await, "revoked");
});

dual_test!(a_withdrawn_id_stays_withdrawn_when_its_data_is_erased, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-WDRAW003").await;
    let (status, _) = withdraw(&app, "MR-WDRAW003", r#"{"reason":"voluntary"}"#, TOKEN).await;
    assert_eq!(status, StatusCode::OK);
    // What OCR read on the holder's photos is the holder's data too.
    let registration = app.handbook_ids_of_holder("MR-WDRAW003")[0];
    let at = handbook_admin::clock::to_db(app.clock.now());
    let read = handbook_admin::db::ocr::SuggestionRow {
        handbook_id: registration,
        field: "number".into(),
        value: "第1000001号".into(),
        confidence: 99,
        page: Some(1),
        line: Some(2),
        box_x: Some(10),
        box_y: Some(20),
        box_w: Some(300),
        box_h: Some(40),
        outcome: Some("accepted".into()),
        outcome_at: Some(at),
        created_at: at,
    };
    handbook_admin::db::ocr::insert_suggestions(&mut app.pool.get().unwrap(), &[read]).unwrap();
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sanction(&mut sup, holder, "3(5)(i)", "delete", "退会後、保存期間を過ぎたため抹消する").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let proposal = app.sanctions_of_holder(holder)[0];
    assert_eq!(approve_as_second(&app, proposal).await.status, StatusCode::SEE_OTHER);
    let row = app.holder("MR-WDRAW003").unwrap();
    assert!(row.deleted_at.is_some());
    let kept = handbook_admin::db::ocr::suggestions(&mut app.pool.get().unwrap(), registration).unwrap();
    assert_eq!(kept.len(), 1, "the outcome still counts in the acceptance rates");
    assert_eq!((kept[0].value.as_str(), kept[0].box_x), ("", None), "the value read is erased");
    assert_eq!(kept[0].outcome.as_deref(), Some("accepted"));
    assert_eq!(row.status, HolderStatus::Withdrawn, "erasure does not turn a withdrawal into a deprivation");
    let (status, body) = crate::review::card(&app, "MR-WDRAW003").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::GONE, Some("withdrawn")));
    let (status, _) = withdraw(&app, "MR-WDRAW003", r#"{"reason":"voluntary"}"#, TOKEN).await;
    assert_eq!(status, StatusCode::OK, "the app's retry still reads the withdrawal");
});

dual_test!(a_disclosure_on_legal_grounds_is_recorded_outside_any_sanction, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let holder = active_holder(&app, "MR-DISC0001").await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let profile = format!("/holders/{holder}");
    sup.get(&profile).await;
    // A mistake comes back with what was typed and the problem next to its field.
    let page = sup
        .post(
            &format!("{profile}/disclosures"),
            &[("legal_grounds", "law"), ("legal_recipient", "若葉警察署 生活安全課"), ("legal_citation", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.input_value("legal_recipient").as_deref(), Some("若葉警察署 生活安全課"));
    assert!(page.body.contains("根拠の詳細（法令の条項") && page.body.contains("開示した内容を500文字以内"));
    assert_eq!(app.audit_count("holder.disclosed"), 0);

    let page = sup
        .post(
            &format!("{profile}/disclosures"),
            &[
                ("legal_grounds", "law"),
                ("legal_recipient", "若葉警察署 生活安全課"),
                ("legal_citation", "刑事訴訟法第197条第2項に基づく照会（照会書 第123号）"),
                ("legal_disclosed", "IDの登録の有無と登録日"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = sup.get(&profile).await;
    assert!(page.body.contains("若葉警察署 生活安全課（根拠: 法令に基づく: 刑事訴訟法第197条第2項"), "{}", page.body);
    assert_eq!(app.sanctions_of_holder(holder).len(), 0, "not a sanction");
    let events = app.audit_events("holder.disclosed");
    assert_eq!(events.len(), 1);
    assert!(
        events[0].details.contains("\"grounds\":\"law\"") && !events[0].details.contains("警察署"),
        "{:?}",
        events[0]
    );

    // Nobody else records one.
    let mut support = app.signed_in(Role::Support).await;
    support.get(&profile).await;
    let page = support
        .post(
            &format!("{profile}/disclosures"),
            &[
                ("legal_grounds", "consent"),
                ("legal_recipient", "x"),
                ("legal_citation", "y"),
                ("legal_disclosed", "z"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count("holder.disclosed"), 1);

    // Auditors have the register: who, to whom, on what basis, when; never what was disclosed.
    sup.get(&profile).await;
    sup.post(
        &format!("{profile}/disclosures"),
        &[
            ("legal_grounds", "consent"),
            ("legal_recipient", "=HYPERLINK(\"http://x\")"),
            ("legal_citation", "本人の同意書（2026年11月24日付）"),
            ("legal_disclosed", "手帳の種類"),
        ],
    )
    .await;
    let mut auditor = app.signed_in(Role::Auditor).await;
    let (status, headers, body) = auditor.download("/exports/disclosures.csv?from=2026-11-24&to=2026-11-24").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"].to_str().unwrap().contains("disclosures-2026-11-24-2026-11-24.csv"));
    assert!(body.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for Excel");
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("開示番号,開示日時,利用者ID,開示先,根拠,関連する処分番号,記録者,記録者のメールアドレス\r\n"),
        "{text}"
    );
    assert!(text.contains("MR-DISC0001") && text.contains("若葉警察署 生活安全課"), "{text}");
    assert!(!text.contains("IDの登録の有無") && !text.contains("手帳の種類"), "never the content: {text}");
    assert!(text.contains("'=HYPERLINK"), "a formula is neutralised: {text}");
    assert_eq!(app.audit_count("export.downloaded"), 1);
});

dual_test!(what_is_recorded_is_the_article_whose_actions_were_shown, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-SHOWN001").await;
    let holder = app.holder("MR-SHOWN001").unwrap().id;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get(&format!("/holders/{holder}?article=3(1)(v)")).await;
    assert_eq!(page.input_value("shown_article").as_deref(), Some("3(1)(v)"));

    // The article changed to 3(1)(vi) while 3(1)(v)'s actions were on screen: 一時停止 is
    // allowed under both, and recording it under an article the screen never offered it for
    // is refused, with the new article's actions shown and the note kept.
    let note = "返還の届出と重複の両方を確認したため";
    let form = [("article", "3(1)(vi)"), ("shown_article", "3(1)(v)"), ("action", "suspend"), ("note", note)];
    let page = sup.post(&format!("/holders/{holder}/sanctions"), &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.body.contains("条項を変えたので"), "the problem is named beside the actions");
    assert_eq!(page.input_value("shown_article").as_deref(), Some("3(1)(vi)"), "its own actions now show");
    assert!(page.body.contains(note), "the note is kept");
    assert!(app.sanctions_of_holder(holder).is_empty(), "nothing recorded");
    assert_eq!(crate::sanctions::card_status(&app, "MR-SHOWN001").await, "active");

    // 「この条項で行える処分を表示」 shows the actions and records nothing.
    let show = [("article", "3(2)"), ("shown_article", "3(1)(vi)"), ("show_actions", "1"), ("note", note)];
    let page = sup.post(&format!("/holders/{holder}/sanctions"), &show).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.input_value("shown_article").as_deref(), Some("3(2)"));
    assert!(page.body.contains("警告"), "3(2) offers a warning");
    assert!(app.sanctions_of_holder(holder).is_empty(), "still nothing recorded");

    // No article chosen: the error is named beside 条項 and the form comes back as it was
    // shown, the note still typed in it.
    let blank = [("article", ""), ("shown_article", "3(2)"), ("action", "warning"), ("note", note)];
    let page = sup.post(&format!("/holders/{holder}/sanctions"), &blank).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("条項を選んでください"));
    assert!(page.body.contains(note), "the note is kept");
    assert!(app.sanctions_of_holder(holder).is_empty());

    // Chosen from what was shown, it is recorded under that article.
    let form = [("article", "3(2)"), ("shown_article", "3(2)"), ("action", "warning"), ("note", note)];
    let page = sup.post(&format!("/holders/{holder}/sanctions"), &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.sanctions_of_holder(holder).len(), 1);
});
