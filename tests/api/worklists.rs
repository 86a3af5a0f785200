//! The supervisors' work lists: duplicates apart from reissue overlaps (whose old ID is
//! withdrawn, not sanctioned), and holders unreachable for three years.

use handbook_admin::clock::Clock;
use handbook_admin::db;
use handbook_admin::db::decisions::NewNotification;
use handbook_admin::db::notifications::AfterAttempt as Outcome;
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use time::Duration;

use crate::dual_test;
use crate::fixtures;
use crate::helpers::{Browser, TestApp, TestDb, spawn_app};
use crate::intake::register;
use crate::review::{printed_physical, save, take_next};

/// Proposes a withdrawal through the form, as on screen; returns the proposal's id.
pub async fn propose_withdrawal(sup: &mut Browser, holder: i64, reason: &str, related: Option<i64>) -> i64 {
    let form = match related {
        Some(r) => format!("/holders/{holder}/withdrawal?reason={reason}&related={r}"),
        None => format!("/holders/{holder}/withdrawal?reason={reason}"),
    };
    assert_eq!(sup.get(&form).await.status, StatusCode::OK);
    let related = related.map(|r| r.to_string()).unwrap_or_default();
    let mut fields = vec![("reason", reason), ("note", "本人から電話で退会の申出を受けた"), ("confirmed", "1")];
    if !related.is_empty() {
        fields.push(("related", related.as_str()));
    }
    let done = sup.post(&format!("/holders/{holder}/withdrawal"), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let to = done.location().unwrap().to_owned();
    to.rsplit_once("withdrawal-").and_then(|(_, id)| id.parse().ok()).expect("the proposal's anchor")
}

/// The demo's second supervisor approves a withdrawal proposal, confirming it.
pub async fn approve_withdrawal(app: &TestApp, proposal: i64) {
    let mut other = app.browser();
    other.login("supervisor2@demo.invalid", crate::helpers::PASSWORD).await;
    assert_eq!(other.get("/sanctions").await.status, StatusCode::OK);
    let done =
        other.post(&format!("/withdrawals/{proposal}/approve"), &[("note", "確認した"), ("confirmed", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
}

/// Registers and transcribes a physical handbook for `public_id`, with `changes` applied to
/// the printed fields.
async fn transcribed(app: &TestApp, public_id: &str, changes: &[(&'static str, &'static str)]) {
    let kind = changes.iter().find(|(n, _)| *n == "kind").map_or("physical", |(_, v)| *v);
    register(app, public_id, kind, vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let id = take_next(&mut reviewer).await.unwrap();
    let mut fields = printed_physical();
    for (name, value) in changes {
        fields.iter_mut().filter(|(n, _)| n == name).for_each(|f| f.1 = value);
    }
    assert_eq!(save(&mut reviewer, id, &fields).await.status, StatusCode::SEE_OTHER);
}

dual_test!(duplicates_and_reissues_are_listed_apart, |db: TestDb| async move {
    let app = spawn_app(db).await;
    transcribed(&app, "MR-DUP00001", &[]).await;
    transcribed(&app, "MR-DUP00002", &[]).await;
    // The same person with a reissued handbook: another number, a later issue date.
    transcribed(&app, "MR-DUP00003", &[("number", "第２０００００２号"), ("issued_on", "令和６年５月１日")]).await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get("/worklists").await;
    assert_eq!(page.status, StatusCode::OK);
    let dup = page.select_texts("section[aria-labelledby=dup-title] tbody tr");
    assert!(
        dup.iter().any(|r| r.contains("MR-DUP00001") && r.contains("MR-DUP00002") && r.contains("手帳番号")),
        "{dup:?}"
    );
    let reissue = page.select_texts("section[aria-labelledby=reissue-title] tbody tr");
    assert!(reissue.iter().any(|r| r.contains("MR-DUP00003")), "{reissue:?}");
    assert!(!dup.iter().any(|r| r.contains("MR-DUP00003")), "a reissue is not a duplicate: {dup:?}");

    // "Withdraw the old ID", not a sanction: proposed from the list with the new ID beside it,
    // and ended only when a second supervisor approves.
    let old = app.holder("MR-DUP00001").unwrap().id;
    let new = app.holder("MR-DUP00003").unwrap().id;
    let link = format!("/holders/{old}/withdrawal?reason=reissued&amp;related={new}");
    assert!(page.body.contains(&link), "the list links to the proposal with both IDs");
    let proposal = propose_withdrawal(&mut sup, old, "reissued", Some(new)).await;
    assert_ne!(app.holder_status("MR-DUP00001"), HolderStatus::Withdrawn, "a proposal ends nothing");
    let waiting = sup.get("/sanctions").await;
    let section = waiting.select_texts(&format!("section[aria-labelledby=withdrawal-{proposal}]")).join(" ");
    assert!(section.contains("MR-DUP00001") && section.contains("MR-DUP00003"), "both IDs side by side: {section}");
    approve_withdrawal(&app, proposal).await;
    assert_eq!(app.holder_status("MR-DUP00001"), HolderStatus::Withdrawn);
    assert_ne!(app.holder_status("MR-DUP00003"), HolderStatus::Withdrawn, "the new ID stays");
    let page = sup.get("/worklists").await;
    assert!(!page.body.contains("MR-DUP00001"), "an ended ID leaves the lists");
    assert_eq!(app.audit_count("holder.withdrawn"), 1);
});

dual_test!(one_person_with_two_kinds_of_handbook_is_a_duplicate_not_a_reissue, |db: TestDb| async move {
    // The demo's MR-2600003 (身体) and MR-2600007 (精神): one person, two IDs, two kinds. Listed as
    // a reissue, 「旧ID … を退会にする」 would have withdrawn a valid ID.
    let app = spawn_app(db).await;
    transcribed(&app, "MR-KINDS001", &[]).await;
    let mental = [
        ("kind", "mental"),
        ("disability_category", ""),
        ("fare_class", ""),
        ("care", ""),
        ("recert_on", ""),
        ("number", "第３０００００３号"),
        ("issued_on", "令和６年５月１日"),
        ("expires_on", "令和８年５月３１日"),
    ];
    transcribed(&app, "MR-KINDS002", &mental).await;
    // Another person's mental handbook with the physical one's issuer and number: a number is
    // unique within one kind, so this is no pair.
    let other = [
        ("kind", "mental"),
        ("name", "山田　花子"),
        ("name_kana", "やまだ　はなこ"),
        ("birth_date", "昭和５０年１月１日"),
        ("disability_category", ""),
        ("fare_class", ""),
        ("care", ""),
        ("recert_on", ""),
        ("expires_on", "令和８年５月３１日"),
    ];
    transcribed(&app, "MR-KINDS003", &other).await;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get("/worklists").await;
    assert_eq!(page.status, StatusCode::OK);
    let dup = page.select_texts("section[aria-labelledby=dup-title] tbody tr");
    let reissue = page.select_texts("section[aria-labelledby=reissue-title] tbody tr");
    assert!(
        dup.iter().any(|r| r.contains("MR-KINDS001") && r.contains("MR-KINDS002") && r.contains("氏名")),
        "{dup:?}"
    );
    assert!(!reissue.iter().any(|r| r.contains("MR-KINDS")), "two kinds are no reissue: {reissue:?}");
    assert!(!page.body.contains("MR-KINDS003"), "the same number on another kind is no pair");
});

dual_test!(the_three_year_list_holds_holders_whose_every_send_failed, |db: TestDb| async move {
    let app = spawn_app(db).await;
    for public_id in ["MR-UNREACH1", "MR-NEVERMAIL", "MR-REACHED1"] {
        register(&app, public_id, "physical", vec![fixtures::jpeg(120, 80)]).await;
    }
    let now = app.clock.now();
    let long_ago = handbook_admin::clock::to_db(now - Duration::days(365 * 3 + 30));
    let later = handbook_admin::clock::to_db(now - Duration::days(100));
    {
        let mut conn = app.pool.get().unwrap();
        let mut notice = |public_id: &str, at, outcome: Outcome<'_>| {
            let holder = app.holder(public_id).unwrap().id;
            let new = NewNotification {
                holder_id: holder,
                handbook_id: None,
                kind: "approve",
                recipient: Some("x@example.jp"),
                subject: "件名",
                body: "本文",
                next_attempt_at: at,
                created_at: at,
            };
            let id = db::decisions::enqueue(&mut conn, &new).unwrap();
            db::notifications::claim_due(&mut conn, at, time::Duration::minutes(2), 1, "seed").unwrap();
            db::notifications::record(&mut conn, id, "seed", outcome, at).unwrap();
        };
        notice("MR-UNREACH1", long_ago, Outcome::Failed("550 mailbox unavailable"));
        notice("MR-UNREACH1", later, Outcome::Failed("550 mailbox unavailable"));
        notice("MR-REACHED1", long_ago, Outcome::Failed("timeout"));
        notice("MR-REACHED1", later, Outcome::Sent);
    }
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get("/worklists").await;
    let rows = page.select_texts("section[aria-labelledby=unreachable-title] tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("MR-UNREACH1") && rows[0].contains("2件"), "{rows:?}");
    assert!(!page.body.contains("MR-NEVERMAIL"), "never mailed is not unreachable");
    assert!(!page.body.contains("MR-REACHED1"), "a later send reached the holder");
});

dual_test!(expired_handbooks_are_listed_for_renewal, |db: TestDb| async move {
    let app = spawn_app(db).await;
    register(&app, "MR-EXPIRE01", "mental", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let id = take_next(&mut reviewer).await.unwrap();
    let fields = [
        ("kind", "mental"),
        ("name", "佐藤 花子"),
        ("name_kana", "サトウ ハナコ"),
        ("birth_date", "1990-01-02"),
        ("disability_category", "精神障害"),
        ("grade", "2級"),
        ("fare_class", ""),
        ("municipality", "若葉市"),
        ("number", "12345"),
        ("issued_on", "令和7年4月1日"),
        ("expires_on", "令和9年3月31日"),
    ];
    assert_eq!(save(&mut reviewer, id, &fields).await.status, StatusCode::SEE_OTHER);
    let mut decision = vec![("decision", "approve")];
    decision.extend_from_slice(&crate::review::CHECKED);
    assert_eq!(crate::review::decide(&mut reviewer, id, &decision).await.status, StatusCode::SEE_OTHER);
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get("/worklists").await;
    assert!(page.select_texts("section[aria-labelledby=expired-title] tbody tr").is_empty(), "not expired yet");
    app.clock.advance(Duration::days(200));
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get("/worklists").await;
    let rows = page.select_texts("section[aria-labelledby=expired-title] tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("MR-EXPIRE01") && rows[0].contains("令和9年3月31日"), "{rows:?}");
});

dual_test!(the_three_year_list_looks_past_a_long_run_of_reached_holders, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let now = app.clock.now();
    let long_ago = handbook_admin::clock::to_db(now - Duration::days(365 * 3 + 30));
    let later = handbook_admin::clock::to_db(now - Duration::days(10));
    {
        let mut conn = app.pool.get().unwrap();
        // More reached holders than one batch of candidates (4 pages of 50), then one who is not.
        for i in 0..=210 {
            let public_id = format!("MR-RUN{i:05}");
            let holder = db::holders::NewHolder {
                public_id: &public_id,
                email: Some("run@example.jp"),
                status: HolderStatus::Active,
                created_at: long_ago,
                updated_at: long_ago,
            };
            let holder_id = db::holders::insert(&mut conn, &holder).unwrap();
            let mut notice = |at, outcome: Outcome<'_>| {
                let new = NewNotification {
                    holder_id,
                    handbook_id: None,
                    kind: "approve",
                    recipient: Some("run@example.jp"),
                    subject: "件名",
                    body: "本文",
                    next_attempt_at: at,
                    created_at: at,
                };
                let id = db::decisions::enqueue(&mut conn, &new).unwrap();
                db::notifications::claim_due(&mut conn, at, time::Duration::minutes(2), 1, "seed").unwrap();
                db::notifications::record(&mut conn, id, "seed", outcome, at).unwrap();
            };
            notice(long_ago, Outcome::Failed("550"));
            if i < 210 {
                notice(later, Outcome::Sent);
            }
        }
    }
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get("/worklists").await;
    let rows = page.select_texts("section[aria-labelledby=unreachable-title] tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("MR-RUN00210"), "{rows:?}");
});

dual_test!(a_returned_handbook_is_listed_until_the_id_is_withdrawn, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-RETURN01").await;
    let holder = app.holder("MR-RETURN01").unwrap().id;
    let handbook = app.handbook_ids_of_holder("MR-RETURN01")[0];
    let handbook_text = handbook.to_string();
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get("/worklists").await;
    assert!(page.select_texts("section[aria-labelledby=returned-title] tbody tr").is_empty());

    // The holder calls: the handbook went back to the municipality.
    let profile = sup.get(&format!("/holders/{holder}")).await;
    assert!(profile.body.contains(&format!("#{handbook} の返還を記録")));
    // One press without the confirming field records nothing.
    let unconfirmed =
        sup.post(&format!("/holders/{holder}/returned"), &[("handbook_id", handbook_text.as_str())]).await;
    assert_eq!(unconfirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("handbook.returned_reported"), 0, "not recorded without confirmation");
    assert!(sup.get(&format!("/holders/{holder}")).await.body.contains("返還は記録していません"));
    let done = sup
        .post(&format!("/holders/{holder}/returned"), &[("handbook_id", handbook_text.as_str()), ("confirmed", "1")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let again = sup
        .post(&format!("/holders/{holder}/returned"), &[("handbook_id", handbook_text.as_str()), ("confirmed", "1")])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("handbook.returned_reported"), 1, "the first report's time is kept");
    // A handbook reported on another holder's profile is not that holder's to report.
    register(&app, "MR-RETURN02", "mental", vec![fixtures::jpeg(120, 80)]).await;
    let other = app.holder("MR-RETURN02").unwrap().id;
    let wrong = sup
        .post(&format!("/holders/{other}/returned"), &[("handbook_id", handbook_text.as_str()), ("confirmed", "1")])
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(
        sup.post("/holders/999999/returned", &[("handbook_id", handbook_text.as_str()), ("confirmed", "1")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let page = sup.get("/worklists").await;
    let rows = page.select_texts("section[aria-labelledby=returned-title] tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("MR-RETURN01") && rows[0].contains("身体障害者手帳"), "{rows:?}");
    assert!(page.body.contains(&format!("/holders/{holder}?article=3(1)(v)#sanction")), "the matching action");

    // Withdrawn for the return (proposed, then approved by another supervisor): the ID leaves the list.
    assert!(page.body.contains(&format!("/holders/{holder}/withdrawal?reason=returned")));
    let proposal = propose_withdrawal(&mut sup, holder, "returned", None).await;
    approve_withdrawal(&app, proposal).await;
    let page = sup.get("/worklists").await;
    assert!(page.select_texts("section[aria-labelledby=returned-title] tbody tr").is_empty());
});

dual_test!(an_approved_handbook_without_a_face_is_listed_until_a_reviewer_adds_it, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-FACELESS").await;
    let id = app.handbook_ids_of_holder("MR-FACELESS")[0];
    // An approval from before faces were required: no crop on record.
    app.tamper_sql(&format!(
        "UPDATE handbooks SET face_key = NULL, face_box = NULL, face_image_id = NULL WHERE id = {id}"
    ));
    let mut sup = app.signed_in(Role::Supervisor).await;
    let list = sup.get("/worklists").await;
    let rows = list.select_texts("section[aria-labelledby=faceless-title] tbody tr").join(" ");
    assert!(rows.contains("MR-FACELESS"), "{rows}");

    // A reviewer opens it (stating why the photos open), confirms the proposed box on its own form.
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    reviewer.get(&format!("/registrations/{id}")).await;
    reviewer.post(&format!("/registrations/{id}/photo-access"), &[("reason", "inquiry"), ("detail", "")]).await;
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    assert!(page.body.contains("カードに顔写真が表示されていません"), "{}", page.body);
    let image = page.select_attr("input[name=image_id][form=face-form][checked]", "value").remove(0);
    let mut fields = vec![("image_id".to_owned(), image)];
    for name in ["face_left", "face_top", "face_width", "face_height"] {
        fields.push((name.to_owned(), page.input_value(name).unwrap()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = reviewer.post(&format!("/registrations/{id}/face"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(crate::review::card(&app, "MR-FACELESS").await.1["handbooks"][0]["face_photo_url"].as_str().is_some());
    let list = sup.get("/worklists").await;
    assert!(!list.select_texts("section[aria-labelledby=faceless-title] tbody tr").join(" ").contains("MR-FACELESS"));
});
