//! The support center's contact log and notice resends: a contact logged on the phone is found
//! by its reference and audited (never its note); a supervisors-only note stays closed to
//! support; a resent notice goes into the outbox once.

use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{PASSWORD, TestDb, spawn_app};

dual_test!(
    a_contact_is_logged_found_by_reference_and_its_note_kept_from_who_may_not_read_it,
    |db: TestDb| async move {
        let app = spawn_app(db).await;
        crate::support::approved_holder(&app, "MR-CONTACT1").await;
        let mut support = app.signed_in(Role::Support).await;
        support.get("/support/contacts").await;

        // A mistake comes back as typed, the problem beside its field.
        let note = "差し戻しのお知らせの意味を質問。写真の撮り直し方を説明した。";
        let page = support
            .post(
                "/support/contacts",
                &[("holder_public_id", "MR-CONTACT1"), ("channel", "phone"), ("topic", ""), ("note", note)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.select_texts("#error-topic").concat().contains("分類"));
        assert_eq!(page.select_texts("#field-note"), vec![note.to_owned()]);

        let logged = support
            .post(
                "/support/contacts",
                &[
                    ("holder_public_id", "MR-CONTACT1"),
                    ("channel", "phone"),
                    ("topic", "defect_notice"),
                    ("note", note),
                ],
            )
            .await;
        assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.body);
        let path = logged.location().unwrap().to_owned();
        let shown = support.get(&path).await;
        let reference = shown.select_texts("h1").concat().replace("問い合わせ ", "");
        assert!(reference.starts_with("SC-"), "{reference}");
        assert!(shown.body.contains(note));
        let events = app.audit_events("contact.logged");
        assert_eq!(events.len(), 1);
        assert!(
            events[0].details.contains("\"channel\":\"phone\"") && !events[0].details.contains("撮り直し"),
            "never the note"
        );
        assert_eq!(app.audit_count("contact.viewed"), 1);

        // Found by its reference.
        let found = support.get(&format!("/support/contacts?reference={reference}")).await;
        assert_eq!(found.select_texts("section[aria-labelledby=recent-title] tbody tr").len(), 1);
        assert!(found.body.contains(&path));

        // A supervisors-only note: support sees that it exists, not what it says.
        let mut sup = app.signed_in(Role::Supervisor).await;
        sup.get("/support/contacts").await;
        let secret = "職員の対応への苦情。担当者名と経緯を記録。";
        let logged = sup
            .post(
                "/support/contacts",
                &[
                    ("holder_public_id", "MR-CONTACT1"),
                    ("channel", "email"),
                    ("topic", "complaint"),
                    ("note", secret),
                    ("restricted", "on"),
                ],
            )
            .await;
        let restricted = logged.location().unwrap().to_owned();
        let closed = support.get(&restricted).await;
        assert_eq!(closed.status, StatusCode::OK);
        assert!(!closed.body.contains(secret) && closed.body.contains("審査責任者だけが読めます"));
        assert_eq!(app.audit_count("contact.viewed"), 1, "nothing was read");
        assert!(sup.get(&restricted).await.body.contains(secret));
        // The holder's profile lists both contacts, without their notes.
        let holder = app.holder("MR-CONTACT1").unwrap().id;
        let profile = support.get(&format!("/holders/{holder}")).await;
        assert_eq!(profile.select_texts("section[aria-labelledby=contacts-title] li").len(), 2);
        assert!(!profile.body.contains(secret));
    }
);

dual_test!(a_notice_is_resent_once_with_its_reason, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-RESEND01").await;
    let holder = app.holder("MR-RESEND01").unwrap().id;
    let before = app.notification_count();
    let mut support = app.browser();
    support.login("support@demo.invalid", PASSWORD).await;
    let profile = support.get(&format!("/holders/{holder}")).await;
    let action = profile.select_attr("section[aria-labelledby=notices-title] form", "action").remove(0);

    let short = support.post(&action, &[("reason", "再送")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.select_texts(".field-error").concat().contains("再送の理由を4文字以上"), "beside its field");
    assert_eq!(
        short.select_attr("input[name=reason][aria-invalid=true]", "value"),
        vec!["再送".to_owned()],
        "the typed reason is kept"
    );
    assert_eq!(app.notification_count(), before);

    support.get(&format!("/holders/{holder}")).await;
    support.post(&action, &[("reason", "迷惑メールに振り分けられていた")]).await;
    assert_eq!(app.notification_count(), before + 1);
    // A second press while the first resend waits sends nothing more.
    support.get(&format!("/holders/{holder}")).await;
    support.post(&action, &[("reason", "迷惑メールに振り分けられていた")]).await;
    assert_eq!(app.notification_count(), before + 1, "once");
    let resent = app.audit_events("notice.resent");
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].reason.as_deref(), Some("迷惑メールに振り分けられていた"));
});

dual_test!(an_email_change_through_support_waits_for_a_supervisor_and_tells_both_addresses, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-EMAILCH1").await;
    let holder = app.holder("MR-EMAILCH1").unwrap().id;
    let old = app.holder("MR-EMAILCH1").unwrap().email.unwrap();
    let mut support = app.signed_in(Role::Support).await;
    support.get(&format!("/holders/{holder}")).await;
    let bad = support
        .post(&format!("/holders/{holder}/email-change"), &[("new_email", "not-an-address"), ("email_note", "確認")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.input_value("new_email").as_deref(), Some("not-an-address"));
    assert!(bad.select_texts("#error-email_note").concat().contains("10文字以上"));
    let proposed = support
        .post(
            &format!("/holders/{holder}/email-change"),
            &[
                ("new_email", "new.address@example.jp"),
                ("email_note", "登録の電話番号へ折り返し、生年月日と手帳番号を照合"),
            ],
        )
        .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER);
    assert_eq!(app.holder("MR-EMAILCH1").unwrap().email.as_deref(), Some(old.as_str()), "nothing changes yet");

    let mut sup = app.signed_in(Role::Supervisor).await;
    let profile = sup.get(&format!("/holders/{holder}")).await;
    let action = profile.select_attr("section[aria-labelledby=email-change-title] form", "action").remove(0);
    sup.post(&action, &[]).await;
    assert_eq!(app.holder("MR-EMAILCH1").unwrap().email.as_deref(), Some(old.as_str()), "not without the confirmation");
    sup.get(&format!("/holders/{holder}")).await;
    sup.post(&action, &[("confirmed", "1")]).await;
    assert_eq!(app.holder("MR-EMAILCH1").unwrap().email.as_deref(), Some("new.address@example.jp"));
    let changed = app.audit_events("holder.email_changed");
    assert_eq!(changed.len(), 1);
    assert!(changed[0].details.contains("support") && !changed[0].details.contains("new.address"));
    let (to_new, _) = app.latest_notice(holder, "email_changed").unwrap();
    assert_eq!(to_new.as_deref(), Some("new.address@example.jp"));
});
