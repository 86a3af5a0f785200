//! Withdrawal by staff is four-eyes: a proposal with a reason and a note, which the proposer
//! cannot approve and a second supervisor approves with its confirming field; and nobody
//! approves through an account the proposer created or raised.

use handbook_admin::audit::{Actor, AuditEntry};
use handbook_admin::clock::Clock;
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{PASSWORD, TestDb, spawn_app, test_audit_keys};
use crate::worklists::{approve_withdrawal, propose_withdrawal};

dual_test!(a_withdrawal_by_staff_waits_for_a_second_supervisor, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-WDRAW001").await;
    let holder = app.holder("MR-WDRAW001").unwrap().id;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let profile = sup.get(&format!("/holders/{holder}")).await;
    assert!(profile.body.contains(&format!("/holders/{holder}/withdrawal")), "the profile offers the proposal");

    // A proposal without its note or confirmation comes back as typed, the problems beside them.
    let form = sup.get(&format!("/holders/{holder}/withdrawal?reason=voluntary")).await;
    assert_eq!(form.status, StatusCode::OK);
    let page = sup.post(&format!("/holders/{holder}/withdrawal"), &[("reason", "voluntary"), ("note", "短い")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.select_texts("#error-note").concat().contains("10文字以上"), "{}", page.body);
    assert!(page.select_texts("#error-confirmed").concat().contains("確認欄"));
    assert_eq!(page.select_texts("#field-note"), vec!["短い".to_owned()], "the typed note is kept");
    assert_eq!(page.select_attr("input[name=reason][checked]", "value"), vec!["voluntary".to_owned()]);
    assert_eq!(app.audit_count("withdrawal.proposed"), 0);

    let proposal = propose_withdrawal(&mut sup, holder, "voluntary", None).await;
    assert_eq!(app.holder_status("MR-WDRAW001"), HolderStatus::Active, "a proposal ends nothing");
    assert_eq!(crate::sanctions::card_status(&app, "MR-WDRAW001").await, "active");
    // One proposal waits per ID.
    let again = sup
        .post(
            &format!("/holders/{holder}/withdrawal"),
            &[("reason", "voluntary"), ("note", "二度目の起案をしてみる"), ("confirmed", "1")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(app.audit_count("withdrawal.proposed"), 1);

    // The proposer cannot approve it, confirmed or not.
    let list = sup.get("/sanctions").await;
    assert!(list.body.contains("自分の起案です"));
    assert!(!list.body.contains(&format!("/withdrawals/{proposal}/approve")));
    sup.post(&format!("/withdrawals/{proposal}/approve"), &[("note", ""), ("confirmed", "1")]).await;
    assert_eq!(app.holder_status("MR-WDRAW001"), HolderStatus::Active);
    assert!(sup.get("/sanctions").await.body.contains("自分が起案した"));

    // The second supervisor: one press without the confirming field ends nothing; a rejection
    // leaves the ID as it was.
    let mut other = app.browser();
    other.login("supervisor2@demo.invalid", PASSWORD).await;
    let list = other.get("/sanctions").await;
    let label = list.select_texts(&format!("section[aria-labelledby=withdrawal-{proposal}] form label")).join(" ");
    assert!(label.contains("MR-WDRAW001") && label.contains("カードは表示されなくなります"), "{label}");
    other.post(&format!("/withdrawals/{proposal}/approve"), &[("note", "")]).await;
    assert_eq!(app.holder_status("MR-WDRAW001"), HolderStatus::Active);
    other.post(&format!("/withdrawals/{proposal}/reject"), &[("note", "本人に確認できていない")]).await;
    assert_eq!(app.holder_status("MR-WDRAW001"), HolderStatus::Active);
    assert_eq!(app.audit_count("withdrawal.rejected"), 1);
    // Decided once.
    other.post(&format!("/withdrawals/{proposal}/approve"), &[("note", ""), ("confirmed", "1")]).await;
    assert_eq!(app.holder_status("MR-WDRAW001"), HolderStatus::Active);

    let proposal = propose_withdrawal(&mut sup, holder, "voluntary", None).await;
    approve_withdrawal(&app, proposal).await;
    assert_eq!(app.holder_status("MR-WDRAW001"), HolderStatus::Withdrawn);
    assert_eq!(app.audit_count("withdrawal.approved"), 1);
    assert_eq!(app.audit_count("holder.withdrawn"), 1);
    let (status, _) = crate::review::card(&app, "MR-WDRAW001").await;
    assert_eq!(status, StatusCode::GONE);
    assert!(app.verify_audit().is_ok());
});

dual_test!(a_proposal_on_an_id_the_holder_ends_is_closed, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-WDRAW002").await;
    let holder = app.holder("MR-WDRAW002").unwrap().id;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let proposal = propose_withdrawal(&mut sup, holder, "voluntary", None).await;
    // The holder withdraws through the app meanwhile: immediate, and the proposal is moot.
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/MR-WDRAW002/withdrawal", app.address))
        .bearer_auth(crate::intake::TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"reason":"voluntary"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.audit_count("withdrawal.closed"), 1);
    let list = sup.get("/sanctions").await;
    assert!(!list.body.contains(&format!("withdrawal-{proposal}")), "nothing left to approve");
});

dual_test!(an_approval_through_an_account_the_proposer_appointed_is_refused, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-APPOINT1").await;
    let holder = app.holder("MR-APPOINT1").unwrap().id;
    let proposer = app.staff_id(crate::helpers::demo_email(Role::Supervisor));
    let approver = app.staff_id("supervisor2@demo.invalid");
    // The trail says the proposer gave the second supervisor account its role.
    {
        let mut conn = app.pool.get().unwrap();
        let at = handbook_admin::clock::to_db(app.clock.now());
        let entry = AuditEntry::new(Actor::Staff(proposer), "staff.role_changed", "staff", approver)
            .details(serde_json::json!({"from": "reviewer", "to": "supervisor"}));
        handbook_admin::audit::append(&mut conn, &test_audit_keys(), at, entry).unwrap();
    }
    let mut sup = app.signed_in(Role::Supervisor).await;
    let withdrawal = propose_withdrawal(&mut sup, holder, "voluntary", None).await;
    let page = crate::sanctions::sanction(&mut sup, holder, "3(2)", "deprive", "第三者の利用を本人が認めた").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let sanction = app.sanctions_of_holder(holder)[0];

    let mut other = app.browser();
    other.login("supervisor2@demo.invalid", PASSWORD).await;
    other.get("/sanctions").await;
    other.post(&format!("/withdrawals/{withdrawal}/approve"), &[("note", ""), ("confirmed", "1")]).await;
    other.post(&format!("/sanctions/{sanction}/approve"), &[("note", ""), ("confirmed", "1")]).await;
    assert_eq!(app.holder_status("MR-APPOINT1"), HolderStatus::Active);
    assert!(other.get("/sanctions").await.body.contains("権限を与えたアカウントでは判断できません"));
    assert_eq!(app.audit_count("withdrawal.approved") + app.audit_count("sanction.approved"), 0);
});
