//! Correction of an approved record: proposed with a reason and evidence by a reviewer, not
//! approvable by the proposer, approved by a second person; the card changes at once and the
//! holder is told each change; a correction request is answered through it.

use handbook_admin::domain::requests::RequestState;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use reqwest::multipart::Form;
use serde_json::json;

use crate::dual_test;
use crate::fixtures;
use crate::helpers::{Browser, PASSWORD, TestDb, spawn_app};
use crate::intake::image_part;

async fn post_multipart(b: &Browser, path: &str, form: Form) -> (StatusCode, String) {
    let response = b.client.post(format!("{}{path}", b.base)).multipart(form).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The proposal form as the browser sends it: every field as shown, `grade` changed.
fn proposal(
    b: &Browser,
    page: &crate::helpers::Page,
    grade: &str,
    reason: &str,
    photo: bool,
    request: Option<i64>,
) -> Form {
    let mut form = Form::new().text("csrf_token", b.csrf.clone().unwrap());
    for name in [
        "version",
        "name",
        "name_kana",
        "birth_date",
        "disability_category",
        "municipality",
        "number",
        "issued_on",
        "renewed_on",
        "expires_on",
        "recert_on",
        "medical_number",
    ] {
        form = form.text(name, page.input_value(name).unwrap_or_default());
    }
    form = form.text("grade", grade.to_owned()).text("fare_class", "1").text("care", "on");
    form = form.text("evidence", "photo").text("reason", reason.to_owned()).text("confirmed", "1");
    if let Some(r) = request {
        form = form.text("request", r.to_string());
    }
    if photo {
        form = form.part("image", image_part(fixtures::jpeg(320, 240), "new.jpg"));
    }
    form
}

dual_test!(a_correction_is_approved_by_a_second_person_and_shows_on_the_card_at_once, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-CORR0001").await;
    let holder = app.holder("MR-CORR0001").unwrap().id;
    let handbook = app.handbook_ids_of_holder("MR-CORR0001")[0];
    let (_, card) = crate::review::card(&app, "MR-CORR0001").await;
    assert_eq!(card["handbooks"][0]["grade"], "2級");

    // The holder asks for a correction through the app; support verifies it.
    let (_, filed) = crate::requests::file_request(
        &app,
        "MR-CORR0001",
        json!({"kind": "correction", "detail": "等級が1級に変わりました"}),
    )
    .await;
    let reference = filed["reference"].as_str().unwrap().to_owned();
    let request = app.holder_request(holder, &reference).id;

    let mut reviewer = app.signed_in(Role::Supervisor).await;
    let review = reviewer.get(&format!("/registrations/{handbook}")).await;
    assert!(
        review.body.contains(&format!("/registrations/{handbook}/correction")),
        "the approved registration offers a correction"
    );
    let page = reviewer.get(&format!("/registrations/{handbook}/correction?request={request}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.input_value("grade").as_deref(), Some("２級"));

    // Without the evidence photo or a reason, it comes back as typed; nothing is recorded.
    let (status, body) = post_multipart(
        &reviewer,
        &format!("/registrations/{handbook}/correction"),
        proposal(&reviewer, &page, "1級", "短い", false, Some(request)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("value=\"1級\""), "the typed value is kept");
    assert!(body.contains("10文字以上"));
    let (status, body) = post_multipart(
        &reviewer,
        &format!("/registrations/{handbook}/correction"),
        proposal(&reviewer, &page, "1級", "本人から等級変更の連絡があり新しい写真で確認", false, Some(request)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("根拠の写真を添付してください"), "{body}");
    // Nothing changed is no correction.
    let (status, body) = post_multipart(
        &reviewer,
        &format!("/registrations/{handbook}/correction"),
        proposal(&reviewer, &page, "２級", "本人から等級変更の連絡があり新しい写真で確認", true, None),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("値が何も変わっていません"));
    assert_eq!(app.audit_count("correction.proposed"), 0);

    let images_before = app.images_of(handbook).len();
    let (status, body) = post_multipart(
        &reviewer,
        &format!("/registrations/{handbook}/correction"),
        proposal(&reviewer, &page, "1級", "本人から等級変更の連絡があり新しい写真で確認", true, Some(request)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(app.images_of(handbook).len(), images_before + 1, "the evidence photo is kept with the registration");
    assert_eq!(
        crate::review::card(&app, "MR-CORR0001").await.1["handbooks"][0]["grade"],
        "2級",
        "nothing changes before approval"
    );
    let proposed = app.audit_events("correction.proposed");
    assert!(
        format!("{proposed:?}").contains("grade") && !format!("{proposed:?}").contains("1級"),
        "fields, never values"
    );

    // The proposer cannot approve it.
    let list = reviewer.get("/corrections").await;
    assert!(list.body.contains("自分の起案です"));
    let correction: i64 = {
        let ids = list.select_attr("section[aria-labelledby^=correction-]", "aria-labelledby");
        ids[0].trim_start_matches("correction-").parse().unwrap()
    };
    reviewer.post(&format!("/corrections/{correction}/approve"), &[("note", ""), ("confirmed", "1")]).await;
    assert_eq!(app.audit_count("correction.approved"), 0);
    assert!(reviewer.get("/corrections").await.body.contains("自分が起案した訂正は承認"));

    // A second supervisor sees before and after side by side and approves.
    let mut other = app.browser();
    other.login("supervisor2@demo.invalid", PASSWORD).await;
    let list = other.get("/corrections").await;
    let row = list.select_texts(&format!("section[aria-labelledby=correction-{correction}] tbody tr")).join(" ");
    assert!(row.contains("等級") && row.contains("2級") && row.contains("1級"), "{row}");
    other.post(&format!("/corrections/{correction}/approve"), &[("note", "")]).await;
    assert_eq!(app.audit_count("correction.approved"), 0, "not without the confirmation");
    other.post(&format!("/corrections/{correction}/approve"), &[("note", "写真で確認"), ("confirmed", "1")]).await;
    assert_eq!(app.audit_count("correction.approved"), 1);
    assert_eq!(
        crate::review::card(&app, "MR-CORR0001").await.1["handbooks"][0]["grade"],
        "1級",
        "the card changed at once"
    );
    let (_, notice) = app.latest_notice(holder, "record_corrected").expect("a correction notice");
    assert!(notice.contains("等級・障害の程度：2級 → 1級"), "{notice}");
    assert!(app.transcriptions_of(handbook) >= 2, "a new revision");

    // The correction request can now be answered, by someone other than its verifier.
    let mut support = app.signed_in(Role::Support).await;
    let page = support.get(&format!("/requests/{request}")).await;
    let version = page.input_value("version").unwrap();
    support
        .post(
            &format!("/requests/{request}/verify"),
            &[("version", &version), ("how", "call_back"), ("verification_note", "登録の電話番号へ折り返し本人と確認")],
        )
        .await;
    let page = other.get(&format!("/requests/{request}")).await;
    let version = page.input_value("version").unwrap();
    let answered = other
        .post(
            &format!("/requests/{request}/answer"),
            &[("version", &version), ("answer_note", "訂正 #1 を承認して回答"), ("confirmed", "1")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    assert_eq!(app.holder_request(holder, &reference).state, RequestState::Answered);
    assert!(app.verify_audit().is_ok());
});
