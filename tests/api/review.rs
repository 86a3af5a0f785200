//! The review workflow through the real server: queue, claims, transcription in the
//! handbook's own notation, optimistic locking, decisions, notices and the card API.

use handbook_admin::clock::Clock;
use handbook_admin::domain::handbook::{HandbookKind, ReviewStatus};
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::review::Defect;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use serde_json::Value;
use time::Duration;

use crate::dual_test;
use crate::fixtures;
use crate::helpers::{Browser, PASSWORD, TestApp, TestDb, demo_email, spawn_app};
use crate::intake::{TOKEN, register};
use handbook_admin::domain::notice::Delivery;

async fn second_reviewer(app: &TestApp) -> Browser {
    let mut b = app.browser();
    assert_eq!(b.login("reviewer2@demo.invalid", PASSWORD).await.status, StatusCode::SEE_OTHER);
    b.get("/queue").await;
    b
}

/// Presses "take next" and returns the registration it opened, if any.
pub async fn take_next(browser: &mut Browser) -> Option<i64> {
    browser.get("/queue").await;
    let page = browser.post("/queue/take", &[("kind", "")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    page.location()?.strip_prefix("/registrations/")?.parse().ok()
}

/// The transcription of a physical handbook typed as printed: era dates, full-width digits.
pub fn printed_physical() -> Vec<(&'static str, &'static str)> {
    vec![
        ("kind", "physical"),
        ("name", "髙橋　太郎"),
        ("name_kana", "たかはし　たろう"),
        ("birth_date", "平成６年３月１日"),
        ("disability_category", "肢体不自由（下肢機能障害）"),
        ("grade", "２級"),
        ("fare_class", "1"),
        ("care", "on"),
        ("municipality", "未来県知事"),
        ("number", "第１０００００１号"),
        ("issued_on", "令和４年１月３１日"),
        ("renewed_on", ""),
        ("expires_on", ""),
        ("recert_on", "令和9年3月"),
        ("medical_number", ""),
    ]
}

/// The row's version, for posts from someone whose screen shows no form.
fn version_of(app: &TestApp, id: i64) -> String {
    app.handbook(id).version.to_string()
}

async fn post_as(browser: &mut Browser, path: &str, version: &str, fields: &[(&str, &str)]) -> crate::helpers::Page {
    let mut all = vec![("version", version)];
    all.extend_from_slice(fields);
    browser.get("/").await;
    browser.post(path, &all).await
}

pub async fn save(browser: &mut Browser, id: i64, fields: &[(&str, &str)]) -> crate::helpers::Page {
    let page = browser.get(&format!("/registrations/{id}")).await;
    let version = page.input_value("version").expect("the form carries its version");
    let mut all = vec![("version", version.as_str())];
    all.extend_from_slice(fields);
    browser.post(&format!("/registrations/{id}/transcription"), &all).await
}

/// Posts the decision form as the browser does: the face box as the page shows it (proposed or
/// marked) goes with it, its inputs being part of the form.
pub async fn decide(browser: &mut Browser, id: i64, fields: &[(&str, &str)]) -> crate::helpers::Page {
    let page = browser.get(&format!("/registrations/{id}")).await;
    let version = page.input_value("version").expect("the form carries its version");
    let mut face: Vec<(&str, String)> = Vec::new();
    if let Some(image) = page.select_attr("input[name=image_id][form=review-form][checked]", "value").into_iter().next()
    {
        face.push(("image_id", image));
        for name in ["face_left", "face_top", "face_width", "face_height"] {
            face.push((name, page.input_value(name).unwrap_or_default()));
        }
    }
    let mut all = vec![("version", version.as_str())];
    all.extend(face.iter().map(|(k, v)| (*k, v.as_str())));
    all.extend_from_slice(fields);
    browser.post(&format!("/registrations/{id}/decision"), &all).await
}

pub const CHECKED: [(&str, &str); 4] =
    [("face_photo", "on"), ("right_pages", "on"), ("legible", "on"), ("no_tampering", "on")];

async fn wait_for_sent(app: &TestApp, id: i64) {
    for _ in 0..100 {
        if app.notifications_of_in(id, Delivery::Sent) == 1 {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("notice for {id} was not sent");
}

/// The app's card of a holder, as the app's backend reads it.
/// The card API's own credential (a token of the intake API is refused there).
pub const CARD_TOKEN: &str = "test-card-token";

pub async fn card(app: &TestApp, public_id: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/holders/{public_id}/card", app.api_address))
        .bearer_auth(CARD_TOKEN)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

dual_test!(two_reviewers_taking_next_at_once_get_different_registrations, |db: TestDb| async move {
    let app = spawn_app(db).await;
    for i in 0..4 {
        register(&app, &format!("MR-10000{i}"), "physical", vec![fixtures::jpeg(120, 80)]).await;
    }
    let mut a = app.signed_in(Role::Reviewer).await;
    let mut b = second_reviewer(&app).await;
    let mut c = app.signed_in(Role::Supervisor).await;
    let (x, y, z) = futures_util::join!(take_next(&mut a), take_next(&mut b), take_next(&mut c));
    let taken: Vec<i64> = [x, y, z].into_iter().flatten().collect();
    assert_eq!(taken.len(), 3);
    let mut unique = taken.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3, "{taken:?}");
    assert_eq!(app.handbooks_with_status(ReviewStatus::InReview), 3);
    assert_eq!(app.counted(ReviewStatus::InReview, HandbookKind::Physical), 3);
    assert_eq!(app.counted(ReviewStatus::Submitted, HandbookKind::Physical), 1);
});

dual_test!(an_expired_lease_can_be_taken_by_someone_else, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-200001", "mental", vec![fixtures::jpeg(120, 80)]).await;
    let mut a = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut a).await, Some(id));
    let mut b = second_reviewer(&app).await;
    assert_eq!(take_next(&mut b).await, None, "held by the first reviewer");
    let page = b.get(&format!("/registrations/{id}")).await;
    assert!(page.body.contains("審査 花子"), "the holder of the claim is shown");
    app.clock.advance(Duration::minutes(31));
    let mut b = second_reviewer(&app).await;
    assert_eq!(take_next(&mut b).await, Some(id));
    // The first reviewer's lease is gone: their save is refused and their typing kept.
    let mut a = app.signed_in(Role::Reviewer).await;
    let page =
        post_as(&mut a, &format!("/registrations/{id}/transcription"), &version_of(&app, id), &printed_physical())
            .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert_eq!(page.input_value("name").as_deref(), Some("髙橋　太郎"));
    assert!(page.body.contains("ほかの担当者が審査中"));
    assert_eq!(app.transcribed_count(), 0);
});

dual_test!(a_reviewer_cannot_decide_what_someone_else_holds, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-300001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let mut a = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut a).await, Some(id));
    let mut b = second_reviewer(&app).await;
    let mut fields = vec![("decision", "return"), ("defects", "D02")];
    fields.extend_from_slice(&CHECKED);
    let page = post_as(&mut b, &format!("/registrations/{id}/decision"), &version_of(&app, id), &fields).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("ほかの担当者が審査中"));
    assert!(!page.body.contains("value=\"MR-300001\""), "nothing of the registration beyond its summary");
    assert_eq!(app.decision_count(), 0);
    assert_eq!(app.notification_count(), 0);
    // Nor take it over by claiming.
    b.get(&format!("/registrations/{id}")).await;
    b.post(&format!("/registrations/{id}/claim"), &[]).await;
    assert_eq!(app.handbook(id).claimed_by, Some(app.staff_id(demo_email(Role::Reviewer))));
    // A supervisor can reassign it, but only to someone who may review.
    let mut sup = app.signed_in(Role::Supervisor).await;
    sup.get(&format!("/registrations/{id}")).await;
    let support = app.staff_id(demo_email(Role::Support));
    let page = sup.post(&format!("/registrations/{id}/reassign"), &[("staff_id", &support.to_string())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "refused as a notice on the screen, not an error page");
    let shown = sup.get(&format!("/registrations/{id}")).await;
    assert!(shown.body.contains("審査を担当できません"), "the refusal is explained");
    assert_eq!(app.handbook(id).claimed_by, Some(app.staff_id(demo_email(Role::Reviewer))), "unchanged");
    let reviewer2 = app.staff_id("reviewer2@demo.invalid");
    let page = sup.post(&format!("/registrations/{id}/reassign"), &[("staff_id", &reviewer2.to_string())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.handbook(id).claimed_by, Some(reviewer2));
    assert!(app.audit_actions().contains(&"registration.reassigned".to_owned()));
});

dual_test!(transcribe_as_printed_approve_and_the_holder_and_card_see_it, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-400001", "physical", vec![fixtures::jpeg(320, 200), fixtures::jpeg(320, 200)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.body.contains("data-viewer"), "photos open for the claim holder");
    assert!(page.body.contains("写真ビューアのキー操作"), "keys are listed");

    // A mistake first: the form comes back with everything typed and the problem named.
    let mut wrong = printed_physical();
    wrong[3] = ("birth_date", "平成元年1月7日");
    let page = save(&mut reviewer, id, &wrong).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.input_value("birth_date").as_deref(), Some("平成元年1月7日"));
    assert_eq!(page.input_value("number").as_deref(), Some("第１０００００１号"));
    assert!(page.body.contains("平成が始まる前"));
    assert!(page.body.contains("aria-invalid=\"true\""));

    let page = save(&mut reviewer, id, &printed_physical()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    assert!(page.body.contains("読み取り結果: 平成6年3月1日（1994-03-01）"));
    assert!(page.body.contains("読み取り結果: 令和9年3月（2027-03）"));
    assert_eq!(
        page.select_texts("input#field-birth_date[aria-describedby=\"hint-birth_date understood-birth_date\"]").len(),
        1,
        "what was understood is read out with the field"
    );
    let fields = app.fields_of(id).expect("the transcription is saved");
    assert_eq!(
        (fields.number_key.as_str(), fields.municipality_key.as_str(), fields.name_key.as_str()),
        ("1000001", "未来県", "高橋太郎")
    );
    assert_eq!(app.transcribed_count(), 1);

    // A code no form of ours sends is a bad request, not a message on the form.
    let page = decide(&mut reviewer, id, &[("decision", "approve_everything")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let page = decide(&mut reviewer, id, &[("decision", "return"), ("defects", "D42")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.decision_count(), 0);

    // Approval needs the checklist.
    let page = decide(&mut reviewer, id, &[("decision", "approve")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("顔写真のない手帳は登録できません"));
    assert!(page.body.contains("value=\"approve\" checked"), "the choice is kept");
    // Each problem is tied to its control for screen readers, and the summary links to it.
    let invalid =
        page.select_texts("input#field-face_photo[aria-invalid=\"true\"][aria-describedby=\"error-face_photo\"]");
    assert_eq!(invalid.len(), 1, "the unticked box is marked invalid and described by its error");
    assert_eq!(page.select_texts("#error-face_photo").len(), 1);
    assert!(page.body.contains("href=\"#field-face_photo\""), "the summary links to the checkbox");
    assert!(page.select_texts("input#field-legible[aria-invalid]").len() == 1);
    assert!(page.select_texts("fieldset#field-decision[aria-invalid]").is_empty(), "a chosen decision is fine");
    let mut fields = vec![
        ("decision", "approve"),
        ("holder_message", "ご利用ありがとうございます。"),
        ("internal_note", "写真良好"),
    ];
    fields.extend_from_slice(&CHECKED);
    let page = decide(&mut reviewer, id, &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.status_of(id), ReviewStatus::Approved);
    assert_eq!(app.handbook(id).claimed_by, None, "the claim ends with the decision");
    assert_eq!(app.holder_status("MR-400001"), HolderStatus::Active);
    assert_eq!(app.notifications_of(id), 1, "exactly one notice");
    assert_eq!(app.audit_count("registration.decided"), 1);
    let decisions = app.decisions_of(id);
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].internal_note, "写真良好");
    assert_eq!(decisions[0].holder_message, "ご利用ありがとうございます。");
    assert_eq!(app.decision_count(), 1);

    // The notice goes out through the file transport; the internal note never does.
    wait_for_sent(&app, id).await;
    let sent = std::fs::read_to_string(app.data_dir.join("outbox/notices.jsonl")).expect("the outbox file");
    assert!(sent.contains("登録が完了しました"));
    assert!(sent.contains("ご利用ありがとうございます。"));
    assert!(!sent.contains("写真良好"));
    assert!(sent.contains("holder@example.jp"));

    let (status, body) = card(&app, "MR-400001").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "active");
    assert_eq!(body["handbooks"][0]["myna_link_label"], "未連携");
    assert_eq!(body["handbooks"][0]["kind"], "physical");
    assert_eq!(body["handbooks"][0]["fare_class_label"], "第1種");
    assert_eq!(body["handbooks"][0]["care"], true);
    assert_eq!(body["handbooks"][0]["recertification"], "2027-03");
    assert_eq!(body["handbooks"].as_array().map(Vec::len), Some(1));
    // What the app's detail screen shows, and nothing else (no e-mail, no internal ids).
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&body), ["coupon_suspended", "handbooks", "holder_public_id", "status", "status_label"]);
    assert_eq!(
        keys(&body["handbooks"][0]),
        [
            "birth_date",
            "care",
            "disability_category",
            "expires_on",
            "face_photo_url",
            "fare_class",
            "fare_class_label",
            "grade",
            "handbook_name",
            "issued_on",
            "kind",
            "kind_label",
            "medical_number",
            "municipality",
            "myna_link",
            "myna_link_label",
            "myna_verified_at",
            "name",
            "name_kana",
            "number",
            "number_display",
            "recertification",
            "renewed_on",
        ]
    );
    let h = &body["handbooks"][0];
    assert_eq!((h["birth_date"].as_str(), h["issued_on"].as_str()), (Some("1994-03-01"), Some("2022-01-31")));
    assert_eq!(h["grade"], "2級");
    assert_eq!(h["number_display"], "未来県 第1000001号", "the issuer's place, not its title");
    assert_eq!(h["disability_category"], "肢体不自由(下肢機能障害)");
    assert_eq!(h["handbook_name"], "身体障害者手帳", "no name typed: the kind's usual name");
    assert_eq!(h["medical_number"], Value::Null);
    assert_eq!(body["coupon_suspended"], false);
    assert_eq!(
        h["face_photo_url"], "/api/v1/holders/MR-400001/handbooks/physical/face",
        "the proposed box, posted with the form, is the card's face"
    );
    assert_eq!(app.card_reads_today("MR-400001"), 1, "every read leaves a trace");
});

async fn fetch_face(app: &TestApp, url: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let response = reqwest::Client::new().get(format!("{}{url}", app.address)).bearer_auth(token).send().await.unwrap();
    (response.status(), response.bytes().await.unwrap_or_default().to_vec())
}

dual_test!(the_face_box_a_reviewer_marks_is_the_crop_the_card_links_to, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-FACE0001", "physical", vec![fixtures::jpeg(400, 300), fixtures::png(200, 320)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let page_one = app.images_of(id)[0].id.to_string();

    // A box that leaves the page comes back as typed, the problem beside its field.
    reviewer.get(&format!("/registrations/{id}")).await;
    let bad = [
        ("image_id", page_one.as_str()),
        ("face_left", "80"),
        ("face_top", "10"),
        ("face_width", "30"),
        ("face_height", "50"),
    ];
    let page = reviewer.post(&format!("/registrations/{id}/face"), &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.input_value("face_left").as_deref(), Some("80"));
    assert!(page.body.contains("左端の位置と幅の合計が100%を超えています"));
    assert_eq!(page.select_texts("input#field-face_width[aria-invalid=\"true\"]").len(), 1);

    let good = [
        ("image_id", page_one.as_str()),
        ("face_left", "60"),
        ("face_top", "10"),
        ("face_width", "30"),
        ("face_height", "50"),
    ];
    let page = reviewer.post(&format!("/registrations/{id}/face"), &good).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    assert!(page.body.contains("1枚目の 左60% 上10% 幅30% 高さ50%"), "the marked box is shown");
    assert_eq!(app.audit_count("registration.face_marked"), 1);

    // Nothing shows before approval; after it, the card links to the crop.
    assert_eq!(save(&mut reviewer, id, &printed_physical()).await.status, StatusCode::SEE_OTHER);
    let mut fields = vec![("decision", "approve")];
    fields.extend_from_slice(&CHECKED);
    assert_eq!(decide(&mut reviewer, id, &fields).await.status, StatusCode::SEE_OTHER);
    let (_, body) = card(&app, "MR-FACE0001").await;
    let url = body["handbooks"][0]["face_photo_url"].as_str().unwrap().to_owned();
    assert_eq!(url, "/api/v1/holders/MR-FACE0001/handbooks/physical/face");
    let (status, bytes) = fetch_face(&app, &url, CARD_TOKEN).await;
    assert_eq!(status, StatusCode::OK);
    let crop = image::load_from_memory(&bytes).expect("a JPEG");
    assert_eq!((crop.width(), crop.height()), (120, 150), "30% of 400 by 50% of 300: the box, not the page");
    assert_eq!(app.audit_count("card.face_read"), 1);
    assert_eq!(fetch_face(&app, &url, "wrong-token").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(fetch_face(&app, &url, TOKEN).await.0, StatusCode::UNAUTHORIZED, "the intake token is not the card's");
    let other = "/api/v1/holders/MR-FACE0001/handbooks/mental/face";
    assert_eq!(fetch_face(&app, other, CARD_TOKEN).await.0, StatusCode::NOT_FOUND);

    // A suspended ID shows no face either.
    app.set_holder_status("MR-FACE0001", HolderStatus::Suspended);
    assert_eq!(fetch_face(&app, &url, CARD_TOKEN).await.0, StatusCode::NOT_FOUND);
});

dual_test!(a_stale_save_shows_both_versions_and_loses_neither, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-500001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    let old_version = page.input_value("version").expect("the form carries its version");
    // Saved meanwhile (another tab).
    assert_eq!(save(&mut reviewer, id, &printed_physical()).await.status, StatusCode::SEE_OTHER);
    let mut mine = printed_physical();
    mine[1] = ("name", "高橋　太郎");
    mine[9] = ("number", "第１０００００２号");
    let mut form = vec![("version", old_version.as_str())];
    form.extend_from_slice(&mine);
    reviewer.get(&format!("/registrations/{id}")).await;
    let views = app.audit_count("registration.viewed");
    let page = reviewer.post(&format!("/registrations/{id}/transcription"), &form).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert_eq!(app.audit_count("registration.viewed"), views + 1, "showing the saved data is a recorded view");
    assert!(page.body.contains("第１０００００１号"), "what is saved");
    assert!(page.body.contains("第１０００００２号"), "what I typed");
    assert!(page.body.contains("違い"));
    assert_eq!(app.fields_of(id).map(|f| f.number_key).as_deref(), Some("1000001"), "nothing overwritten");
    // Keeping mine is an explicit second step, against the current version.
    let version = page.input_value("version").expect("the form carries its version");
    let mut keep = vec![("version", version.as_str())];
    keep.extend_from_slice(&mine);
    let page = reviewer.post(&format!("/registrations/{id}/transcription"), &keep).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.fields_of(id).map(|f| f.number_key).as_deref(), Some("1000002"));
    assert_eq!(app.transcriptions_of(id), 2, "both versions are kept");
});

dual_test!(a_save_from_a_form_older_than_any_transcription_comes_back_kept, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-500002", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let current: i32 =
        reviewer.get(&format!("/registrations/{id}")).await.input_value("version").unwrap().parse().unwrap();
    let stale = (current - 1).to_string();
    let mut form = vec![("version", stale.as_str())];
    form.extend_from_slice(&printed_physical());
    let page = reviewer.post(&format!("/registrations/{id}/transcription"), &form).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "no saved transcription explains the version: reload, not a crash");
    assert!(page.body.contains("最新の内容を確認してください"));
    assert_eq!(page.input_value("number").as_deref(), Some("第１０００００１号"), "what was typed is kept");
    assert_eq!(app.transcribed_count(), 0, "nothing saved");
});

dual_test!(return_reject_and_correct_each_write_their_records, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let returned = register(&app, "MR-600001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let rejected = register(&app, "MR-600002", "intellectual", vec![fixtures::jpeg(120, 80)]).await;
    let corrected = register(&app, "MR-600003", "mental", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;

    // Return: defects from the code list, "other" needs words for the holder.
    assert_eq!(take_next(&mut reviewer).await, Some(returned));
    let page = decide(&mut reviewer, returned, &[("decision", "return"), ("defects", "D02"), ("defects", "D99")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("value=\"D02\" checked"));
    let page = decide(
        &mut reviewer,
        returned,
        &[
            ("decision", "return"),
            ("defects", "D02"),
            ("defects", "D99"),
            ("other_text", "裏表紙の写真も添えてください。"),
            ("internal_note", "顔写真欄が空白"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let codes: Vec<Defect> = app.defects_of(returned).iter().map(|d| d.code).collect();
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert!(codes.contains(&Defect::NoFacePhoto) && codes.contains(&Defect::Other), "{codes:?}");
    wait_for_sent(&app, returned).await;
    let sent = std::fs::read_to_string(app.data_dir.join("outbox/notices.jsonl")).expect("the outbox file");
    assert!(sent.contains("顔写真のあるページを撮影"));
    assert!(sent.contains("裏表紙の写真も添えてください。"));
    assert!(!sent.contains("顔写真欄が空白"), "internal note stays inside");

    // Reject: a sanction proposal under art. 2(4), and a neutral notice.
    assert_eq!(take_next(&mut reviewer).await, Some(rejected));
    let page = decide(&mut reviewer, rejected, &[("decision", "reject"), ("internal_note", "短い")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.select_texts(
            "textarea#field-internal_note[aria-invalid=\"true\"][aria-describedby=\"error-internal_note\"]"
        ),
        ["短い"],
        "the note comes back as typed, marked invalid"
    );
    let page = decide(
        &mut reviewer,
        rejected,
        &[("decision", "reject"), ("internal_note", "他人の手帳の写真の疑い。顔写真が別人。")],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // Art. 2(4): the ID is held at once, and deprivation waits for a second supervisor.
    let sanctions = app.sanctions_of(rejected);
    let seen: Vec<(&str, &str, &str)> =
        sanctions.iter().map(|s| (s.action.as_str(), s.state.as_str(), s.article.as_str())).collect();
    assert_eq!(seen, [("suspend", "applied", "2(4)"), ("deprive", "proposed", "2(4)")]);
    assert_eq!(app.holder_status("MR-600002"), HolderStatus::Suspended);
    assert_eq!(app.notifications_of(rejected), 1);

    // Correct: what changed between the first and the last transcription is told.
    assert_eq!(take_next(&mut reviewer).await, Some(corrected));
    let mental = |expires: &'static str| {
        vec![
            ("kind", "mental"),
            ("name", "佐藤 花子"),
            ("name_kana", "サトウ ハナコ"),
            ("birth_date", "S60.5.5"),
            ("disability_category", "精神障害"),
            ("grade", "2級"),
            ("fare_class", ""),
            ("municipality", "若葉市"),
            ("number", "88001"),
            ("issued_on", "令和7年4月1日"),
            ("renewed_on", ""),
            ("expires_on", expires),
            ("recert_on", ""),
            ("medical_number", ""),
        ]
    };
    assert_eq!(save(&mut reviewer, corrected, &mental("令和9年3月30日")).await.status, StatusCode::SEE_OTHER);
    let mut fields = vec![("decision", "correct")];
    fields.extend_from_slice(&CHECKED);
    let page = decide(&mut reviewer, corrected, &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "nothing corrected yet");
    assert_eq!(save(&mut reviewer, corrected, &mental("令和9年3月31日")).await.status, StatusCode::SEE_OTHER);
    let page = decide(&mut reviewer, corrected, &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let corrections = app
        .defects_of(corrected)
        .into_iter()
        .filter(|d| {
            d.correctable
                && d.field.as_deref() == Some("有効期限")
                && d.before_value.as_deref() == Some("令和9年3月30日")
                && d.after_value.as_deref() == Some("令和9年3月31日")
        })
        .count();
    assert_eq!(corrections, 1);
    wait_for_sent(&app, corrected).await;
    let sent = std::fs::read_to_string(app.data_dir.join("outbox/notices.jsonl")).expect("the outbox file");
    assert!(sent.contains("有効期限：令和9年3月30日 → 令和9年3月31日"));
    assert_eq!(app.notification_count(), 3, "one notice per decision");
    assert_eq!(app.audit_count("registration.decided"), 3);
});

dual_test!(duplicates_are_flagged_and_must_be_acknowledged, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let first = register(&app, "MR-700001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let second = register(&app, "MR-700002", "physical", vec![fixtures::jpeg(130, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(first));
    assert_eq!(save(&mut reviewer, first, &printed_physical()).await.status, StatusCode::SEE_OTHER);
    let mut fields = vec![("decision", "approve")];
    fields.extend_from_slice(&CHECKED);
    assert_eq!(decide(&mut reviewer, first, &fields).await.status, StatusCode::SEE_OTHER);

    assert_eq!(take_next(&mut reviewer).await, Some(second));
    let mut same = printed_physical();
    same[1] = ("name", "高橋 太郎"); // the common form of 髙
    same[8] = ("municipality", "未来県");
    same[9] = ("number", "1000001");
    assert_eq!(save(&mut reviewer, second, &same).await.status, StatusCode::SEE_OTHER);
    let page = reviewer.get(&format!("/registrations/{second}")).await;
    assert!(page.body.contains("同じ発行元・手帳番号"));
    assert!(page.body.contains("同じ氏名・生年月日"));
    assert!(page.body.contains("MR-700001"));
    let page = decide(&mut reviewer, second, &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("重複の可能性"));

    // The other registration's facts and photos, on this screen, once 「重複の確認」 is stated.
    let page = reviewer.get(&format!("/registrations/{second}")).await;
    assert!(page.select_texts(&format!("#duplicate-{first} dl")).is_empty(), "nothing before a reason");
    let views_before = app.audit_count("registration.viewed");
    let stated = reviewer
        .post(
            &format!("/registrations/{first}/photo-access"),
            &[("reason", "duplicate_check"), ("detail", ""), ("back", &second.to_string())],
        )
        .await;
    assert_eq!(stated.status, StatusCode::SEE_OTHER);
    assert_eq!(stated.location(), Some(format!("/registrations/{second}#duplicate-{first}").as_str()));
    let page = reviewer.get(&format!("/registrations/{second}")).await;
    let facts = page.select_texts(&format!("#duplicate-{first} dl")).join(" ");
    assert!(facts.contains("髙橋") && facts.contains("1000001"), "{facts}");
    assert_eq!(page.select_attr(&format!("#duplicate-{first} img"), "src").len(), 1, "its photo beside");
    assert_eq!(app.status_of(second), ReviewStatus::InReview, "still held by the reviewer");
    assert!(app.audit_count("registration.viewed") > views_before, "the other registration's view is audited");
    assert!(
        app.audit_events("photos.access_stated")
            .iter()
            .any(|e| e.reason.as_deref().is_some_and(|r| r.contains("重複の確認")))
    );
});

dual_test!(the_queue_pages_by_keyset_and_highlights_waiting, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let store = handbook_admin::images::ImageStore::from_settings(&app.settings).unwrap();
    let (pool, now) = (app.pool.clone(), app.clock.now());
    actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::bulk::seed(&mut conn, &store, 1_200, now).unwrap();
    })
    .await
    .unwrap();
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let page = reviewer.get("/queue").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("審査待ち <span class=\"count\">60件</span>"), "counts from the counter table");
    let first_page: Vec<String> = page.select_texts("table.queue tbody th a");
    assert_eq!(first_page.len(), 50);
    assert!(page.body.contains("期限超過"), "waiting over 48 hours is flagged");
    let next = page.body.split("&amp;after=").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned();
    let page = reviewer.get(&format!("/queue?status=submitted&after={next}")).await;
    let second_page = page.select_texts("table.queue tbody th a");
    assert_eq!(second_page.len(), 10);
    assert!(second_page.iter().all(|id| !first_page.contains(id)), "no overlap between pages");
    assert!(page.select_texts("p.meta").iter().any(|m| m.contains("の10件")), "the range is shown");
    // And back: the first page again, in the same order.
    let before =
        page.body.split("&amp;before=").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned();
    let back = reviewer.get(&format!("/queue?status=submitted&before={before}")).await;
    assert_eq!(back.select_texts("table.queue tbody th a"), first_page);
    assert!(!back.body.contains("&amp;before="), "nothing before the first page");
    // A search from any tab looks through every status, and says so.
    let page = reviewer.get("/queue?status=submitted&q=bk-00000001").await;
    assert_eq!(page.select_texts("table.queue tbody th a").len(), 2);
    assert!(page.body.contains("（すべての状態）"));
});

dual_test!(auditors_read_the_review_screen_but_cannot_act, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-800001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    assert_eq!(save(&mut reviewer, id, &printed_physical()).await.status, StatusCode::SEE_OTHER);
    let auditor_id = app.staff_id(demo_email(Role::Auditor));
    let viewed =
        || app.audit_events("registration.viewed").iter().filter(|e| e.actor_staff_id == Some(auditor_id)).count();

    let mut auditor = app.signed_in(Role::Auditor).await;
    let page = auditor.get(&format!("/registrations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/decision\""), "no decision form");
    assert!(page.body.contains("閲覧理由"), "photos and data need a stated reason");
    assert!(!page.body.contains("髙橋"), "transcribed data stays hidden without a reason");
    assert_eq!(viewed(), 0);
    let page = auditor.post(&format!("/registrations/{id}/photo-access"), &[("reason", "audit"), ("detail", "")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = auditor.get(&format!("/registrations/{id}")).await;
    assert!(page.body.contains("髙橋"));
    assert_eq!(viewed(), 1, "reading the data is audited");
    assert_eq!(
        app.audit_events("registration.viewed").iter().filter(|e| e.reason.as_deref() == Some("監査")).count(),
        1
    );
    assert_eq!(auditor.post(&format!("/registrations/{id}/claim"), &[]).await.status, StatusCode::FORBIDDEN);
    let (status, body) = card(&app, "MR-800001").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["handbooks"].as_array().map(Vec::len), Some(0), "nothing approved yet");
    let (status, body) = card(&app, "MR-NOBODY1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
});

dual_test!(the_dashboard_shows_the_queue_to_review_roles_only, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-900001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    register(&app, "MR-900002", "mental", vec![fixtures::jpeg(120, 80)]).await;
    app.clock.advance(Duration::hours(50));
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let mut fields = vec![("decision", "return"), ("defects", "D03")];
    fields.extend_from_slice(&CHECKED);
    assert_eq!(decide(&mut reviewer, id, &fields).await.status, StatusCode::SEE_OTHER);
    let page = reviewer.get("/").await;
    let stats = page.select_texts(".stat__value");
    assert_eq!(stats.first().map(String::as_str), Some("1件"), "{stats:?}");
    assert_eq!(stats.get(2).map(String::as_str), Some("1件"), "one past 48 hours: {stats:?}");
    assert!(page.body.contains("2日2時間前"));
    assert!(page.select_texts("table.compact td").contains(&"1件".to_owned()));
    let mut support = app.signed_in(Role::Support).await;
    let page = support.get("/").await;
    assert!(!page.body.contains("審査の状況"));
});

// Reviewers pressing 「次の登録を担当する」 at the same moment each get their own registration,
// and none of them an error (the queue counters deadlocked on PostgreSQL under the benchmark's
// 32 clients, about one take in 150; a single burst here catches that only sometimes).
dual_test!(takes_at_the_same_moment_each_claim_a_different_registration, |db: TestDb| async move {
    let app = spawn_app(db).await;
    for n in 0..32 {
        register(&app, &format!("MR-92{n:04}"), "physical", vec![fixtures::jpeg(120, 80)]).await;
    }
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    reviewer.get("/queue").await;
    let token = reviewer.csrf.clone().unwrap();
    let takes = (0..32).map(|_| {
        let (client, base, token) = (reviewer.client.clone(), reviewer.base.clone(), token.clone());
        async move {
            let response =
                client.post(format!("{base}/queue/take")).form(&[("csrf_token", token)]).send().await.unwrap();
            let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
            (response.status(), location.unwrap_or_default())
        }
    });
    let answers = futures_util::future::join_all(takes).await;
    assert!(
        answers.iter().all(|(s, l)| *s == StatusCode::SEE_OTHER && l.starts_with("/registrations/")),
        "{answers:?}"
    );
    let claimed: std::collections::BTreeSet<&String> = answers.iter().map(|(_, l)| l).collect();
    assert_eq!(claimed.len(), 32, "each take its own registration");
    let mut conn = app.pool.get().unwrap();
    let counts = handbook_admin::db::counts::all(&mut conn).unwrap();
    let of = |status| counts.iter().find(|(s, k, _)| *s == status && *k == HandbookKind::Physical).map(|c| c.2);
    assert_eq!((of(ReviewStatus::Submitted), of(ReviewStatus::InReview)), (Some(0), Some(32)));
});

// The dashboard counts registrations past the SLA up to a cap (and then says 以上): a backlog
// is never counted row by row on every load.
dual_test!(the_overdue_count_stops_at_its_cap, |db: TestDb| async move {
    let app = spawn_app(db).await;
    for n in 1..=3 {
        register(&app, &format!("MR-91000{n}"), "physical", vec![fixtures::jpeg(120, 80)]).await;
    }
    app.clock.advance(Duration::hours(50));
    let cutoff = handbook_admin::clock::to_db(app.clock.now() - Duration::hours(48));
    let mut conn = app.pool.get().unwrap();
    assert_eq!(handbook_admin::db::handbooks::waiting_since_before(&mut conn, cutoff, 10).unwrap(), 3);
    assert_eq!(handbook_admin::db::handbooks::waiting_since_before(&mut conn, cutoff, 2).unwrap(), 2);
});

dual_test!(working_on_a_registration_renews_its_lease, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-950001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let claims = app.audit_count("registration.claimed");
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(20));
        reviewer.get(&format!("/registrations/{id}")).await;
        // What the review screen's heartbeat posts.
        assert_eq!(reviewer.post(&format!("/registrations/{id}/claim"), &[]).await.status, StatusCode::SEE_OTHER);
    }
    let mut other = second_reviewer(&app).await;
    assert_eq!(take_next(&mut other).await, None, "an hour later the lease still holds");
    assert_eq!(app.audit_count("registration.claimed"), claims, "renewals are not audited as new claims");
});

dual_test!(one_submit_saves_the_transcription_decides_and_opens_the_next, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let first = register(&app, "MR-FLOW0001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let second = register(&app, "MR-FLOW0002", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(first));

    // A transcription with a mistake: nothing is decided, everything typed comes back.
    let mut form = printed_physical();
    form.retain(|(k, _)| *k != "birth_date");
    form.push(("birth_date", "平成６年１３月１日"));
    form.extend_from_slice(&CHECKED);
    form.extend_from_slice(&[("decision", "approve"), ("save_transcription", "1"), ("next", "1")]);
    let refused = decide(&mut reviewer, first, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.input_value("birth_date").as_deref(), Some("平成６年１３月１日"));
    assert_eq!(refused.select_attr("input[name=decision][checked]", "value"), ["approve"], "the decision is kept");
    assert_eq!(app.status_of(first), ReviewStatus::InReview);
    assert_eq!(app.transcribed_count(), 0);

    // Fixed: one submit saves, decides, and opens the next registration.
    let mut form = printed_physical();
    form.extend_from_slice(&CHECKED);
    form.extend_from_slice(&[("decision", "approve"), ("save_transcription", "1"), ("next", "1")]);
    let done = decide(&mut reviewer, first, &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), Some(format!("/registrations/{second}").as_str()));
    assert_eq!(app.status_of(first), ReviewStatus::Approved);
    assert_eq!(app.fields_of(first).map(|f| f.number_key), Some("1000001".to_owned()));
    assert_eq!(app.status_of(second), ReviewStatus::InReview, "the next one is held for the reviewer");
    let next = reviewer.get(&format!("/registrations/{second}")).await;
    assert!(next.body.contains(&format!("登録 #{first} を判定しました")), "what was just done is said");
});

dual_test!(a_hold_parks_a_registration_for_a_supervisor_and_take_next_passes_it_by, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let held = register(&app, "MR-HOLD0001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let released = register(&app, "MR-HOLD0002", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(held));

    // No reason: the form comes back with the problem beside the field.
    reviewer.get(&format!("/registrations/{held}")).await;
    let refused = reviewer.post(&format!("/registrations/{held}/hold"), &[("reason", "  ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.select_texts("#hold-error").iter().any(|e| e.contains("保留の理由を入力してください")));
    let parked = reviewer
        .post(&format!("/registrations/{held}/hold"), &[("reason", "写真の人物と生年月日が合わないように見える")])
        .await;
    assert_eq!(parked.status, StatusCode::SEE_OTHER);
    assert_eq!(parked.location(), Some(format!("/registrations/{released}").as_str()), "straight to the next");
    assert_eq!(app.status_of(held), ReviewStatus::Submitted);

    // Let go of the next one: take-next neither hands it straight back nor the held one.
    reviewer.get(&format!("/registrations/{released}")).await;
    // One press without the confirming field keeps the claim.
    reviewer.post(&format!("/registrations/{released}/release"), &[]).await;
    assert!(reviewer.get(&format!("/registrations/{released}")).await.body.contains("担当は外していません"));
    assert_eq!(
        reviewer.post(&format!("/registrations/{released}/release"), &[("confirmed", "1")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(take_next(&mut reviewer).await, None);
    // Another reviewer gets the released one, and cannot take the held one.
    let mut other = second_reviewer(&app).await;
    assert_eq!(take_next(&mut other).await, Some(released));
    other.get(&format!("/registrations/{held}")).await;
    other.post(&format!("/registrations/{held}/claim"), &[]).await;
    let page = other.get(&format!("/registrations/{held}")).await;
    assert!(page.body.contains("この登録は保留中です"), "refused and told why");
    assert_eq!(app.status_of(held), ReviewStatus::Submitted);

    // The supervisor finds it with its reason, and lifts the hold.
    let mut sup = app.signed_in(Role::Supervisor).await;
    let list = sup.get("/worklists").await;
    let rows = list.select_texts("section[aria-labelledby=held-title] tbody tr");
    assert!(rows.len() == 1 && rows[0].contains("写真の人物と生年月日が合わない"), "{rows:?}");
    sup.get(&format!("/registrations/{held}")).await;
    assert_eq!(sup.post(&format!("/registrations/{held}/unhold"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(take_next(&mut other).await, Some(held), "waiting again");
    assert_eq!(app.audit_count("registration.held"), 1);
    assert_eq!(app.audit_count("registration.unheld"), 1);
    assert!(app.audit_events("registration.held")[0].reason.as_deref().is_some_and(|r| r.contains("生年月日")));
});

dual_test!(a_warning_stands_beside_its_field_and_is_acknowledged_before_approval, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-WARN0001", "mental", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let fields = [
        ("kind", "mental"),
        ("name", "高橋 太郎"),
        ("name_kana", "タカハシ タロウ"),
        ("birth_date", "1994-03-01"),
        ("disability_category", "精神障害"),
        ("grade", "1級"),
        ("fare_class", "2"),
        ("municipality", "若葉市長"),
        ("number", "第１２３４５号"),
        ("issued_on", "令和7年4月1日交付"),
        ("expires_on", "令和9年3月31日まで"),
    ];
    assert_eq!(save(&mut reviewer, id, &fields).await.status, StatusCode::SEE_OTHER);
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    let beside = page.select_texts("#warning-fare_class");
    assert!(beside.iter().any(|w| w.contains("第1種")), "the warning stands beside the fare class: {beside:?}");
    assert!(page.select_texts("#reading-number").iter().any(|r| r.contains("12345")), "what was understood");
    assert!(page.select_texts("#reading-municipality").iter().any(|r| r.contains("若葉市")));

    let mut approve = vec![("decision", "approve")];
    approve.extend_from_slice(&CHECKED);
    let refused = decide(&mut reviewer, id, &approve).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.select_texts(".error-summary li").iter().any(|e| e.contains("確認が必要な点")));
    approve.push(("warnings_checked", "on"));
    assert_eq!(decide(&mut reviewer, id, &approve).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.status_of(id), ReviewStatus::Approved);
});

/// Takes, transcribes and approves the next registration with `fields`.
async fn approve_next(app: &TestApp, fields: &[(&str, &str)]) {
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let id = take_next(&mut reviewer).await.unwrap();
    let saved = save(&mut reviewer, id, fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{:?}", saved.select_texts(".error-summary li, .field-error"));
    let mut decision = vec![("decision", "approve")];
    decision.extend_from_slice(&CHECKED);
    let decided = decide(&mut reviewer, id, &decision).await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{:?}", decided.select_texts(".error-summary li, .field-error"));
}

dual_test!(the_card_of_each_kind_carries_what_its_handbook_prints, |db: TestDb| async move {
    let app = spawn_app(db).await;
    register(&app, "MR-CARDM001", "mental", vec![fixtures::jpeg(400, 300)]).await;
    approve_next(
        &app,
        &[
            ("kind", "mental"),
            ("name", "佐藤　花子"),
            ("name_kana", "さとう　はなこ"),
            ("birth_date", "昭和６０年５月５日"),
            ("disability_category", "精神障害"),
            ("grade", "２級"),
            ("municipality", "若葉市長"),
            ("number", "第２０００００２号"),
            ("issued_on", "令和６年５月１日"),
            ("expires_on", "令和１０年５月３１日"),
            ("medical_number", "１０００００１"),
        ],
    )
    .await;
    let (_, shown) = card(&app, "MR-CARDM001").await;
    let h = &shown["handbooks"][0];
    assert_eq!(h["medical_number"], "1000001", "the 自立支援医療受給者番号 the handbook prints");
    assert_eq!(h["disability_category"], "精神障害");
    assert_eq!(h["number_display"], "若葉市 第2000002号");
    assert_eq!(h["handbook_name"], "精神障害者保健福祉手帳");

    register(&app, "MR-CARDI001", "intellectual", vec![fixtures::jpeg(400, 300)]).await;
    approve_next(
        &app,
        &[
            ("kind", "intellectual"),
            ("handbook_name", "愛の手帳"),
            ("name", "鈴木　一郎"),
            ("name_kana", "すずき　いちろう"),
            ("birth_date", "平成２０年４月１日"),
            ("grade", "３度"),
            ("fare_class", "1"),
            ("municipality", "未来県知事"),
            ("number", "第３０００００３号"),
            ("issued_on", "令和５年４月１日"),
        ],
    )
    .await;
    let (_, shown) = card(&app, "MR-CARDI001").await;
    let h = &shown["handbooks"][0];
    assert_eq!(h["handbook_name"], "愛の手帳", "the regional name as printed");
    assert_eq!(h["kind_label"], "療育手帳");
    assert_eq!(h["disability_category"], Value::Null);
    assert_eq!(h["number_display"], "未来県 第3000003号");
});

dual_test!(no_approval_without_the_face_and_the_proposed_box_goes_with_the_form, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-NOFACE01", "physical", vec![fixtures::jpeg(900, 1260)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    assert_eq!(save(&mut reviewer, id, &printed_physical()).await.status, StatusCode::SEE_OTHER);

    // The page proposes a box from the layout (a portrait booklet page: upper right).
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    assert!(page.body.contains("手帳の様式から推定した範囲"));
    assert_eq!(page.input_value("face_left").as_deref(), Some("62.2"));
    assert_eq!(
        page.select_attr("input[name=face_left]", "form"),
        vec!["review-form".to_owned()],
        "part of the review form"
    );

    // A decision posted without any box is refused by name; nothing is decided.
    let version = page.input_value("version").unwrap();
    let mut bare = vec![("version", version.as_str()), ("decision", "approve")];
    bare.extend_from_slice(&CHECKED);
    let refused = reviewer.post(&format!("/registrations/{id}/decision"), &bare).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.select_texts("#error-face_image_id").concat().contains("顔写真の範囲を指定してください"),
        "{}",
        refused.body
    );
    assert_eq!(app.status_of(id), ReviewStatus::InReview);

    // A box that leaves the page comes back beside its field, the transcription as typed.
    let image = app.images_of(id)[0].id.to_string();
    let mut typed = printed_physical();
    typed[1] = ("name", "髙橋　太郎（直し中）");
    let mut bad = vec![
        ("version", version.as_str()),
        ("image_id", image.as_str()),
        ("face_left", "90"),
        ("face_top", "10"),
        ("face_width", "30"),
        ("face_height", "30"),
    ];
    bad.extend_from_slice(&typed);
    let page = reviewer.post(&format!("/registrations/{id}/transcription"), &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.input_value("name").as_deref(), Some("髙橋　太郎（直し中）"), "the typing is not lost");
    assert_eq!(page.input_value("face_left").as_deref(), Some("90"));

    // The form as proposed (what pressing Enter sends): the box is kept with the decision.
    let mut fields = vec![("decision", "approve")];
    fields.extend_from_slice(&CHECKED);
    assert_eq!(decide(&mut reviewer, id, &fields).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.status_of(id), ReviewStatus::Approved);
    assert_eq!(app.audit_count("registration.face_marked"), 1);
    let (_, shown) = card(&app, "MR-NOFACE01").await;
    assert!(shown["handbooks"][0]["face_photo_url"].as_str().is_some());
});
