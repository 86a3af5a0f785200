//! The support center's lost-phone flow over HTTP: report, identify, suspend with one action,
//! the reference and the three times; mismatches say only "not verified" and repeated ones are
//! flagged; reinstatement after identifying the holder again.

use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;

use crate::dual_test;
use crate::fixtures;
use crate::helpers::{Browser, TestApp, TestDb, spawn_app};
use crate::intake::register;
use crate::review::{CHECKED, decide, printed_physical, save, take_next};

/// A holder approved through the real review: born 平成6年3月1日, 未来県, たかはし たろう.
pub async fn approved_holder(app: &TestApp, public_id: &str) {
    register(app, public_id, "physical", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let id = take_next(&mut reviewer).await.unwrap();
    assert_eq!(save(&mut reviewer, id, &printed_physical()).await.status, StatusCode::SEE_OTHER);
    let mut fields = vec![("decision", "approve")];
    fields.extend_from_slice(&CHECKED);
    assert_eq!(decide(&mut reviewer, id, &fields).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.holder_status(public_id), HolderStatus::Active);
}

/// The card's status word, read as the app reads it.
async fn card_status(app: &TestApp, public_id: &str) -> String {
    crate::review::card(app, public_id).await.1["status"].as_str().unwrap_or_default().to_owned()
}

/// Opens a report and returns its page path.
async fn open_report(b: &mut Browser, identifier: &str) -> String {
    b.get("/support/lost-device").await;
    let page = b
        .post(
            "/support/lost-device",
            &[("channel", "phone"), ("received_at", "2026-11-24 09:55"), ("identifier", identifier)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location().unwrap().to_owned()
}

/// The right answer to whichever second fact the report asks.
pub fn right_answer(page: &str) -> &'static str {
    if page.contains("発行元") {
        "未来県"
    } else if page.contains("ふりがな") {
        "タカハシ タロウ"
    } else {
        "physical"
    }
}

dual_test!(a_support_agent_suspends_a_lost_phone_and_the_report_keeps_its_three_times, |db: TestDb| async move {
    let app = spawn_app(db).await;
    approved_holder(&app, "MR-LOST0001").await;
    let mut agent = app.signed_in(Role::Support).await;
    let report = open_report(&mut agent, "mr-lost0001").await;
    let page = agent.get(&report).await;
    assert!(page.body.contains("本人確認と利用停止"));
    let fact = right_answer(&page.body);

    // A wrong birth date: "not verified", never which fact.
    let page = agent.post(&format!("{report}/verify"), &[("birth_date", "平成6年3月2日"), ("fact", fact)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("本人確認ができませんでした"));
    assert!(!page.body.contains("生年月日が違"), "which fact was wrong is not said");
    assert_eq!(card_status(&app, "MR-LOST0001").await, "active");
    let page = agent.get(&report).await;
    let attempts = page.select_texts("#attempts-title + .table-scroll tbody tr");
    assert_eq!(attempts.len(), 1, "each attempt is kept with its time");
    assert!(attempts[0].contains("本人確認できず") && attempts[0].contains("2026"), "{attempts:?}");

    // Right answers (the birth date as the caller says it): suspended at once.
    let page = agent.post(&format!("{report}/verify"), &[("birth_date", "H6.3.1"), ("fact", fact)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = agent.get(&report).await;
    let reference = page.select_texts(".one-time-secret").first().cloned().unwrap();
    assert!(reference.starts_with("LD-"), "{reference}");
    assert_eq!(app.holder_status("MR-LOST0001"), HolderStatus::Suspended);
    assert!(page.body.contains("まだありません"), "no card read refused yet");
    let attempts = page.select_texts("#attempts-title + .table-scroll tbody tr");
    assert_eq!(attempts.len(), 2);
    assert!(attempts[1].contains("本人確認できた"), "{attempts:?}");

    // The next card reads are refused, and that time is kept once, even for reads at once.
    let (a, b, c) = futures_util::join!(
        card_status(&app, "MR-LOST0001"),
        card_status(&app, "MR-LOST0001"),
        card_status(&app, "MR-LOST0001")
    );
    assert_eq!([a, b, c], ["suspended", "suspended", "suspended"]);
    assert_eq!(app.audit_count("lost_device.card_refused"), 1);
    let page = agent.get(&report).await;
    assert!(!page.body.contains("まだありません"));
    for action in ["lost_device.reported", "lost_device.not_verified", "lost_device.suspended", "sanction.applied"] {
        assert_eq!(app.audit_count(action), 1, "{action}");
    }
    // The profile carries the report and the ID's record.
    let holder = app.holder("MR-LOST0001").unwrap().id;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let profile = sup.get(&format!("/holders/{holder}")).await;
    assert!(profile.body.contains(&reference), "the report is listed");
    assert!(profile.body.contains("停止後のカード表示を拒否") && profile.body.contains("処分を実施"), "the timeline");

    // Later: whoever holds the phone knows every fact asked (they are on the card), so the
    // facts alone get nothing back.
    let facts = [("birth_date", "1994-03-01"), ("fact", fact)];
    let page = agent.post(&format!("{report}/reinstate"), &facts).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.select_texts("#error-code").concat().contains("確認コード"), "{}", page.body);
    let page = agent.post(&format!("{report}/reinstate"), &[facts[0], facts[1], ("code", "123456")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "no code was sent yet");
    assert!(page.body.contains("まだ送っていません"));
    assert_eq!(card_status(&app, "MR-LOST0001").await, "suspended");

    // The code goes to the registered address only; the agent never sees it.
    let sent = agent.post(&format!("{report}/code"), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let (to, body) = app.latest_notice(holder, "reinstatement_code").expect("a code mail in the outbox");
    assert!(to.is_some_and(|a| a.contains('@')));
    let code = code_in(&body);
    let page = agent.get(&report).await;
    assert!(page.body.contains("送信済み") && !page.body.contains(&code), "the agent's page never shows the code");
    assert!(app.audit_events("lost_device.code_sent").iter().all(|e| !e.details.contains(&code)));
    // A wrong code is a failed identification like a wrong fact.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let page = agent.post(&format!("{report}/reinstate"), &[facts[0], facts[1], ("code", wrong)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("本人確認ができませんでした"));
    assert_eq!(card_status(&app, "MR-LOST0001").await, "suspended");
    // Read back as people say numbers (full-width, in two groups), with the facts: it comes back.
    let spoken: String = code.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()).collect();
    let spoken = format!("{} {}", &spoken[..9], &spoken[9..]);
    let page = agent.post(&format!("{report}/reinstate"), &[facts[0], facts[1], ("code", spoken.as_str())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(card_status(&app, "MR-LOST0001").await, "active");
    assert_eq!(app.audit_count("lost_device.reinstated"), 1);

    // Every reinstatement by the support center lands on a supervisor's work list.
    let list = sup.get("/worklists").await;
    let rows = list.select_texts("#reinstated-title ~ .table-scroll tbody tr");
    assert!(rows.iter().any(|r| r.contains(&reference)), "{rows:?}");
    let id = report.rsplit('/').next().unwrap();
    let done = sup.post(&format!("/worklists/lost-device/{id}/reviewed"), &[("confirmed", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(sup.get("/worklists").await.select_texts("#reinstated-title ~ .table-scroll tbody tr").is_empty());
    assert_eq!(app.audit_count("lost_device.reviewed"), 1);
});

/// The code in a reinstatement mail.
fn code_in(body: &str) -> String {
    let at = body.find("確認コード: ").expect("the code line") + "確認コード: ".len();
    body[at..].chars().take(6).collect()
}

dual_test!(a_code_is_good_for_a_limited_time_and_once, |db: TestDb| async move {
    let app = spawn_app(db).await;
    approved_holder(&app, "MR-LOST0010").await;
    let holder = app.holder("MR-LOST0010").unwrap().id;
    let mut agent = app.signed_in(Role::Support).await;
    let report = open_report(&mut agent, "MR-LOST0010").await;
    let fact = right_answer(&agent.get(&report).await.body);
    let facts = [("birth_date", "1994-03-01"), ("fact", fact)];
    assert_eq!(agent.post(&format!("{report}/verify"), &facts).await.status, StatusCode::SEE_OTHER);
    agent.post(&format!("{report}/code"), &[]).await;
    let first = code_in(&app.latest_notice(holder, "reinstatement_code").unwrap().1);
    // A new code replaces the first.
    agent.post(&format!("{report}/code"), &[]).await;
    let second = code_in(&app.latest_notice(holder, "reinstatement_code").unwrap().1);
    if first != second {
        let page = agent.post(&format!("{report}/reinstate"), &[facts[0], facts[1], ("code", first.as_str())]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "the replaced code is no good");
    }
    // Past its time it is refused without counting, and a new one works.
    app.clock.advance(time::Duration::minutes(31));
    // (A new sign-in: the idle session ended meanwhile.)
    let mut agent = app.signed_in(Role::Support).await;
    agent.get(&report).await;
    let page = agent.post(&format!("{report}/reinstate"), &[facts[0], facts[1], ("code", second.as_str())]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("有効期限"));
    assert_eq!(card_status(&app, "MR-LOST0010").await, "suspended");
    agent.post(&format!("{report}/code"), &[]).await;
    let third = code_in(&app.latest_notice(holder, "reinstatement_code").unwrap().1);
    let page = agent.post(&format!("{report}/reinstate"), &[facts[0], facts[1], ("code", third.as_str())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(card_status(&app, "MR-LOST0010").await, "active");
    // Used once: the report is closed and the code gone.
    let page = agent.post(&format!("{report}/reinstate"), &[facts[0], facts[1], ("code", third.as_str())]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
});

dual_test!(a_supervisor_sees_a_locked_report_and_may_unlock_it, |db: TestDb| async move {
    let app = spawn_app(db).await;
    approved_holder(&app, "MR-LOST0011").await;
    let mut agent = app.signed_in(Role::Support).await;
    let report = open_report(&mut agent, "MR-LOST0011").await;
    let right = [("birth_date", "H6.3.1"), ("fact", right_answer(&agent.get(&report).await.body))];
    for _ in 0..3 {
        agent.post(&format!("{report}/verify"), &[("birth_date", "H6.3.2"), ("fact", "違う答え")]).await;
    }
    assert_eq!(app.audit_count("lost_device.locked"), 1, "the third miss locks the report");
    let mut sup = app.signed_in(Role::Supervisor).await;
    let list = sup.get("/worklists").await;
    let rows = list.select_texts("#locked-title ~ .table-scroll tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("MR-LOST0011"));
    let id = report.rsplit('/').next().unwrap();
    // Unlocking is a final step for the lock: its confirming field is required.
    sup.post(&format!("/worklists/lost-device/{id}/unlock"), &[]).await;
    assert_eq!(app.audit_count("lost_device.unlocked"), 0);
    // Support cannot unlock.
    assert_eq!(
        agent.post(&format!("/worklists/lost-device/{id}/unlock"), &[("confirmed", "1")]).await.status,
        StatusCode::FORBIDDEN
    );
    sup.post(&format!("/worklists/lost-device/{id}/unlock"), &[("confirmed", "1")]).await;
    assert_eq!(app.audit_count("lost_device.unlocked"), 1);
    assert!(sup.get("/worklists").await.select_texts("#locked-title ~ .table-scroll tbody tr").is_empty());
    let page = agent.post(&format!("{report}/verify"), &right).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "checked again after the unlock: {}", page.body);
    assert_eq!(card_status(&app, "MR-LOST0011").await, "suspended");
});

dual_test!(an_unknown_caller_reads_like_a_wrong_answer_and_repeats_are_flagged, |db: TestDb| async move {
    let app = spawn_app(db).await;
    approved_holder(&app, "MR-LOST0002").await;
    let mut agent = app.signed_in(Role::Support).await;
    // Nobody by that ID: the same questions, the same answer.
    let unknown = open_report(&mut agent, "MR-NOBODY99").await;
    let page = agent.post(&format!("{unknown}/verify"), &[("birth_date", "H6.3.1"), ("fact", "未来県")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("本人確認ができませんでした"));
    // Three mismatches on one holder within a day are flagged.
    let report = open_report(&mut agent, "MR-LOST0002").await;
    for _ in 0..2 {
        let page = agent.post(&format!("{report}/verify"), &[("birth_date", "H6.3.1"), ("fact", "違う答え")]).await;
        assert!(!page.body.contains("失敗が続いています"));
    }
    let page = agent.post(&format!("{report}/verify"), &[("birth_date", "H6.3.1"), ("fact", "違う答え")]).await;
    assert!(page.body.contains("失敗が続いています"), "flagged on the third");
    // A new report on the same holder asks the same question: no rerolling to an easier one.
    let question =
        |body: &str| ["発行元", "ふりがな", "手帳の種類"].into_iter().find(|q| body.contains(q)).map(str::to_owned);
    let first = question(&agent.get(&report).await.body);
    for _ in 0..3 {
        let again = open_report(&mut agent, "MR-LOST0002").await;
        assert_eq!(question(&agent.get(&again).await.body), first);
    }
    assert_eq!(app.holder_status("MR-LOST0002"), HolderStatus::Active);
    // Nothing typed by the caller reaches the audit trail.
    let events = app.audit_events("lost_device.not_verified");
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| !e.details.contains("違う答え") && !e.details.contains("H6")));
});

dual_test!(answers_that_cannot_be_read_are_form_errors_not_failed_identifications, |db: TestDb| async move {
    let app = spawn_app(db).await;
    approved_holder(&app, "MR-LOST0004").await;
    let mut agent = app.signed_in(Role::Support).await;
    let report = open_report(&mut agent, "MR-LOST0004").await;
    agent.get(&report).await;
    let page = agent.post(&format!("{report}/verify"), &[("birth_date", "むかし"), ("fact", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.input_value("birth_date").as_deref(), Some("むかし"), "kept as typed");
    assert!(page.body.contains("生年月日を") && page.body.contains("質問への答えを"));
    assert_eq!(app.audit_count("lost_device.not_verified"), 0, "not counted as a mismatch");
});

dual_test!(a_report_form_with_mistakes_comes_back_filled_in, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut agent = app.signed_in(Role::Support).await;
    agent.get("/support/lost-device").await;
    let page = agent
        .post("/support/lost-device", &[("channel", ""), ("received_at", "きのう"), ("identifier", "mr-lost0003")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.input_value("identifier").as_deref(), Some("mr-lost0003"));
    assert!(page.body.contains("受付の経路を選んでください") && page.body.contains("受付日時を"));
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(reviewer.get("/support/lost-device").await.status, StatusCode::FORBIDDEN);
});

dual_test!(guessing_stops_at_the_caps_and_a_locked_report_checks_nothing, |db: TestDb| async move {
    let app = spawn_app(db).await;
    approved_holder(&app, "MR-LOST0009").await;
    let mut agent = app.signed_in(Role::Support).await;
    let wrong = [("birth_date", "H6.3.2"), ("fact", "違う答え")];
    // Three wrong answers lock the report: the right answer then changes nothing.
    let report = open_report(&mut agent, "MR-LOST0009").await;
    for _ in 0..3 {
        let page = agent.post(&format!("{report}/verify"), &wrong).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let page = agent.get(&report).await;
    let right = [("birth_date", "H6.3.1"), ("fact", right_answer(&page.body))];
    let page = agent.post(&format!("{report}/verify"), &right).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("上限"), "the agent is told why");
    assert_eq!(card_status(&app, "MR-LOST0009").await, "active", "a locked report suspends nothing");
    assert!(agent.get("/support/lost-device").await.body.contains("本人確認の上限"), "the desk sees the lock");

    // A new report per guess gains nothing: five misses a day on the holder stop every report.
    let second = open_report(&mut agent, "MR-LOST0009").await;
    for _ in 0..2 {
        agent.post(&format!("{second}/verify"), &wrong).await;
    }
    let third = open_report(&mut agent, "MR-LOST0009").await;
    let page = agent.post(&format!("{third}/verify"), &right).await;
    assert!(page.body.contains("上限"), "the holder's daily cap holds across reports");
    assert_eq!(card_status(&app, "MR-LOST0009").await, "active");
    assert_eq!(app.audit_count("lost_device.suspended"), 0);

    // The next day the right answer works again.
    app.clock.advance(time::Duration::days(1) + time::Duration::minutes(1));
    let mut agent = app.signed_in(Role::Support).await;
    let fourth = open_report(&mut agent, "MR-LOST0009").await;
    let page = agent.post(&format!("{fourth}/verify"), &right).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(card_status(&app, "MR-LOST0009").await, "suspended");
});

dual_test!(no_page_the_support_role_opens_shows_an_answer_it_asks, |db: TestDb| async move {
    use handbook_admin::web::ROUTES;
    use handbook_admin::web::access::AccessRule;
    let app = spawn_app(db).await;
    approved_holder(&app, "MR-LOST0012").await;
    let holder = app.holder("MR-LOST0012").unwrap().id;
    let mut agent = app.signed_in(Role::Support).await;
    let report = open_report(&mut agent, "MR-LOST0012").await;
    let report_id: i64 = report.rsplit('/').next().unwrap().parse().unwrap();
    // Every page the route table lets support open, with this holder and this report.
    let mut pages = Vec::new();
    for route in ROUTES.iter().filter(|r| r.method == "get") {
        let AccessRule::Staff(allowed) = route.access else { continue };
        if !allowed.contains(&Role::Support) || route.path.contains("{name}") || route.path.starts_with("/static") {
            continue;
        }
        let id = if route.path.starts_with("/support/") { report_id } else { holder };
        let path = route.path.replace("{id}", &id.to_string());
        let path = if path == "/holders" { "/holders?q=MR-LOST0012".to_owned() } else { path };
        let page = agent.get(&path).await;
        pages.push((path, page.body));
    }
    assert!(
        pages.iter().any(|(p, body)| p.starts_with("/holders/") && body.contains("MR-LOST0012")),
        "the profile is among them, as support sees it"
    );
    assert!(pages.iter().any(|(p, body)| p.starts_with("/support/lost-device/") && body.contains("LD-")));
    // The answers to the questions a report asks (as registered and as normalised): never on screen.
    let answers = ["未来県", "たかはし", "タカハシ", "1994-03-01", "平成6年3月1日", "平成６年３月１日", "H6.3.1"];
    for (path, body) in &pages {
        for answer in answers {
            assert!(!body.contains(answer), "{path} shows {answer}");
        }
    }
});
