//! The Myna Portal callback over HTTP: the signature (good, bad, stale, altered, replayed,
//! rotated), bodies refused with a code and nothing stored, and what a delivery does to each
//! handbook's link status, to the returned-handbook list and, withdrawn, to the stored values.

use handbook_admin::clock::Clock;
use handbook_admin::domain::handbook::ReviewStatus;
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::staff::Role;
use handbook_admin::myna::signature::sign;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dual_test;
use crate::fixtures;
use crate::helpers::{TestApp, TestDb, spawn_app, spawn_app_with};
use crate::intake::register;

const SECRET: &str = "test-myna-secret";

/// A holder with a physical and a mental handbook, both transcribed and approved through the
/// real review.
async fn holder_with_two(app: &TestApp, public_id: &str) {
    crate::support::approved_holder(app, public_id).await;
    register(app, public_id, "mental", vec![fixtures::jpeg(120, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let id = crate::review::take_next(&mut reviewer).await.unwrap();
    let fields = [
        ("kind", "mental"),
        ("name", "高橋 太郎"),
        ("name_kana", "タカハシ タロウ"),
        ("birth_date", "1994-03-01"),
        ("disability_category", "精神障害"),
        ("grade", "2級"),
        ("fare_class", ""),
        ("municipality", "若葉市"),
        ("number", "12345"),
        ("issued_on", "令和7年4月1日"),
        ("expires_on", "令和9年3月31日"),
    ];
    assert_eq!(crate::review::save(&mut reviewer, id, &fields).await.status, StatusCode::SEE_OTHER);
    let mut decision = vec![("decision", "approve")];
    decision.extend_from_slice(&crate::review::CHECKED);
    assert_eq!(crate::review::decide(&mut reviewer, id, &decision).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.status_of(id), ReviewStatus::Approved);
    assert_eq!(app.holder_status(public_id), HolderStatus::Active);
}

pub(crate) fn delivery(request_id: &str, public_id: &str, status: &str) -> Value {
    json!({
        "request_id": request_id,
        "holder_public_id": public_id,
        "status": status,
        "consent": {"purpose": "handbook_verification", "granted_at": "2026-11-24T00:55:00Z", "valid_until": "2026-12-24T00:55:00Z"},
        "records": [{
            "kind": "physical", "disability_category": "肢体不自由", "grade": "２級", "municipality": "未来県知事",
            "number": "第１０００００１号", "issued_on": "令和4年1月31日", "renewed_on": null, "expires_on": null
        }]
    })
}

async fn post(app: &TestApp, body: &[u8], timestamp: i64, signature: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/myna/callback", app.address))
        .header("content-type", "application/json")
        .header("X-Myna-Timestamp", timestamp.to_string())
        .header("X-Myna-Signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn deliver(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    let bytes = body.to_string().into_bytes();
    let now = app.clock.now().unix_timestamp();
    post(app, &bytes, now, &sign(SECRET, now, &bytes)).await
}

async fn card_links(app: &TestApp, public_id: &str) -> Vec<(String, String)> {
    let (_, body) = crate::review::card(app, public_id).await;
    body["handbooks"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|h| {
                    (
                        h["kind"].as_str().unwrap_or_default().to_owned(),
                        h["myna_link"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

dual_test!(the_callback_trusts_only_a_fresh_signature_of_its_exact_body, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0001").await;
    let body = delivery("req-sig-1", "MR-MYNA0001", "ok").to_string().into_bytes();
    let now = app.clock.now().unix_timestamp();
    let good = sign(SECRET, now, &body);
    let refused = |(s, b): (StatusCode, Value)| (s, b["error"]["code"].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        refused(post(&app, &body, now, &sign("not-ours", now, &body)).await),
        (StatusCode::UNAUTHORIZED, "bad_signature".into())
    );
    assert_eq!(
        refused(post(&app, &body, now - 301, &sign(SECRET, now - 301, &body)).await),
        (StatusCode::UNAUTHORIZED, "stale_timestamp".into())
    );
    let mut altered = body.clone();
    altered.extend_from_slice(b" ");
    assert_eq!(refused(post(&app, &altered, now, &good).await), (StatusCode::UNAUTHORIZED, "bad_signature".into()));
    assert_eq!(app.audit_count("myna.delivered"), 0, "nothing stored");

    let (status, first) = post(&app, &body, now, &good).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!((first["records"].as_i64(), first["replayed"].as_bool()), (Some(1), Some(false)));
    // The portal delivers twice: the second stores nothing and answers as the first.
    let (status, again) = post(&app, &body, now, &good).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((again["records"].as_i64(), again["replayed"].as_bool()), (Some(1), Some(true)));
    assert_eq!(app.audit_count("myna.delivered"), 1);
});

dual_test!(a_rotated_secret_still_verifies_while_both_are_configured, |db: TestDb| async move {
    let app = spawn_app_with(db, |s| {
        s.myna_callback_secret = handbook_admin::secrets::Secret::new(format!("new-secret,{SECRET}"))
    })
    .await;
    holder_with_two(&app, "MR-MYNA0002").await;
    let body = delivery("req-rot-1", "MR-MYNA0002", "ok").to_string().into_bytes();
    let now = app.clock.now().unix_timestamp();
    assert_eq!(post(&app, &body, now, &sign(SECRET, now, &body)).await.0, StatusCode::OK, "the old secret");
    let body = delivery("req-rot-2", "MR-MYNA0002", "ok").to_string().into_bytes();
    assert_eq!(post(&app, &body, now, &sign("new-secret", now, &body)).await.0, StatusCode::OK, "the new one");
});

dual_test!(bad_bodies_are_refused_with_a_code_and_store_nothing, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0003").await;
    let mut impossible = delivery("req-bad-1", "MR-MYNA0003", "ok");
    impossible["records"][0]["issued_on"] = json!("令和4年2月30日");
    let mut unknown_kind = delivery("req-bad-2", "MR-MYNA0003", "ok");
    unknown_kind["records"][0]["kind"] = json!("passport");
    for (body, status, code) in [
        (impossible, StatusCode::UNPROCESSABLE_ENTITY, "invalid_date"),
        (unknown_kind, StatusCode::UNPROCESSABLE_ENTITY, "unknown_kind"),
        (delivery("req-bad-3", "MR-NOBODY99", "ok"), StatusCode::NOT_FOUND, "unknown_holder"),
        (json!({"request_id": "x"}), StatusCode::UNPROCESSABLE_ENTITY, "malformed_body"),
    ] {
        let (s, b) = deliver(&app, &body).await;
        assert_eq!((s, b["error"]["code"].as_str()), (status, Some(code)), "{body}");
    }
    let big = vec![b' '; 70 * 1024];
    let now = app.clock.now().unix_timestamp();
    assert_eq!(post(&app, &big, now, &sign(SECRET, now, &big)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.audit_count("myna.delivered"), 0, "nothing stored");
    assert_eq!(
        card_links(&app, "MR-MYNA0003").await,
        [("mental".to_owned(), "unlinked".to_owned()), ("physical".into(), "unlinked".into())]
    );
});

dual_test!(link_status_is_per_handbook_and_a_withdrawn_consent_purges, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0004").await;
    let holder = app.holder("MR-MYNA0004").unwrap().id;
    let (status, _) = deliver(&app, &delivery("req-link-1", "MR-MYNA0004", "ok")).await;
    assert_eq!(status, StatusCode::OK);
    // Data arrived for the physical handbook only: it is 申請中, the mental one still 未連携.
    assert_eq!(
        card_links(&app, "MR-MYNA0004").await,
        [("mental".to_owned(), "unlinked".to_owned()), ("physical".into(), "pending".into())]
    );
    assert_eq!(app.myna_records_of(holder), 1);

    // The holder withdraws the consent: the values are gone from every table, the links back.
    let withdrawn =
        json!({"request_id": "req-link-2", "holder_public_id": "MR-MYNA0004", "status": "consent_withdrawn"});
    assert_eq!(deliver(&app, &withdrawn).await.0, StatusCode::OK);
    assert_eq!(app.myna_records_of(holder), 0);
    assert!(card_links(&app, "MR-MYNA0004").await.iter().all(|(_, link)| link == "unlinked"));
    let events = app.audit_events("myna.delivered");
    assert_eq!(events.len(), 2);
    assert!(
        events.iter().all(|e| !e.details.contains("１０００００１") && !e.details.contains("肢体")),
        "no values in the trail"
    );
});

dual_test!(no_portal_record_is_a_gap_per_handbook_never_a_return_or_a_sanction, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0005").await;
    let holder = app.holder("MR-MYNA0005").unwrap().id;
    // The portal knows the physical handbook (its link becomes 申請中) and not the mental one.
    assert_eq!(deliver(&app, &delivery("req-nf-0", "MR-MYNA0005", "ok")).await.0, StatusCode::OK);
    let links = card_links(&app, "MR-MYNA0005").await;
    assert!(links.contains(&("physical".to_owned(), "pending".to_owned())), "{links:?}");

    let mut sup = app.signed_in(Role::Supervisor).await;
    // The mental handbook was missing from that delivery: listed as a gap, on its own.
    let page = sup.get("/worklists").await;
    let rows = page.select_texts("section[aria-labelledby=no-record-title] tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("MR-MYNA0005") && rows[0].contains("精神"), "{rows:?}");

    let not_found = json!({"request_id": "req-nf-1", "holder_public_id": "MR-MYNA0005", "status": "not_found"});
    assert_eq!(deliver(&app, &not_found).await.0, StatusCode::OK);
    let page = sup.get("/worklists").await;
    let rows = page.select_texts("section[aria-labelledby=no-record-title] tbody tr");
    assert_eq!(rows.len(), 2, "each handbook whose kind the portal provides: {rows:?}");
    // Never a return, never a sanction suggestion, and the other link stays as it was.
    assert!(page.select_texts("section[aria-labelledby=returned-title] tbody tr").is_empty());
    let section = page.select_texts("section[aria-labelledby=no-record-title]").concat();
    assert!(!section.contains("処分"), "no sanction offered: {section}");
    assert!(!page.body.contains(&format!("/holders/{holder}?article=3(1)(v)")));
    let links = card_links(&app, "MR-MYNA0005").await;
    assert!(links.contains(&("physical".to_owned(), "pending".to_owned())), "left linked: {links:?}");
    assert_eq!(app.holder_status("MR-MYNA0005"), handbook_admin::domain::holder::HolderStatus::Active);
    assert_eq!(app.audit_count("sanction.proposed") + app.audit_count("handbook.returned_reported"), 0);

    // The portal delivers both: the gaps close.
    let mut both = delivery("req-nf-2", "MR-MYNA0005", "ok");
    both["records"].as_array_mut().unwrap().push(json!({
        "kind": "mental", "disability_category": "", "grade": "２級", "municipality": null,
        "number": "第３０００００３号", "issued_on": "令和6年5月1日", "renewed_on": null, "expires_on": "令和8年5月31日"
    }));
    assert_eq!(deliver(&app, &both).await.0, StatusCode::OK);
    let page = sup.get("/worklists").await;
    assert!(page.select_texts("section[aria-labelledby=no-record-title] tbody tr").is_empty());
});

dual_test!(values_are_purged_when_the_consent_ends_or_the_id_is_withdrawn, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0006").await;
    let holder = app.holder("MR-MYNA0006").unwrap().id;
    // A consent that ends an hour after the test clock's now (long past in real time).
    let mut short = delivery("req-purge-1", "MR-MYNA0006", "ok");
    short["consent"]["valid_until"] = json!("2026-11-24T02:00:00Z");
    assert_eq!(deliver(&app, &short).await.0, StatusCode::OK);
    assert_eq!(deliver(&app, &delivery("req-purge-2", "MR-MYNA0006", "ok")).await.0, StatusCode::OK);
    assert_eq!(app.myna_records_of(holder), 2, "one record under each consent");

    // The operator's command (real time: the first consent has ended, the second has not).
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_handbook-admin"))
        .arg("purge-expired")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "error")
        .env("DATABASE_URL", &app.database_url)
        .env("HANDBOOK_ADMIN_AUDIT_KEY", hex::encode(crate::helpers::TEST_AUDIT_KEY))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(app.myna_records_of(holder), 1, "only the ended consent's values go");
    let purged = app.audit_events("myna.purged");
    assert_eq!(purged.len(), 1);
    assert!(purged[0].details.contains("consent_expired"));
    // The link status stands on the minimal record.
    assert!(card_links(&app, "MR-MYNA0006").await.contains(&("physical".to_owned(), "pending".to_owned())));

    // A withdrawal purges at once.
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/MR-MYNA0006/withdrawal", app.address))
        .bearer_auth(crate::intake::TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"reason":"voluntary"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.myna_records_of(holder), 0);
    assert!(app.audit_events("myna.purged").iter().any(|e| e.details.contains("holder_withdrawn")));
    assert!(app.verify_audit().is_ok());

    // What an inspection asks for: the consents, each with its purge.
    let mut auditor = app.signed_in(Role::Auditor).await;
    let (status, _, body) = auditor.download("/exports/myna-consents.csv?from=2026-11-24&to=2026-11-24").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("同意番号,同意の日時,利用者ID"), "{text}");
    assert_eq!(lines.len(), 3, "two consents: {text}");
    assert!(lines[1..].iter().all(|l| l.contains("MR-MYNA0006") && l.contains("handbook_verification")));
    assert!(lines[1..].iter().all(|l| !l.ends_with(',')), "both consents were purged: {text}");
});

dual_test!(a_reviewer_checks_the_portals_values_and_the_card_shows_the_handbook_linked, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0008").await;
    let physical = app.handbook_of_kind("MR-MYNA0008", handbook_admin::domain::handbook::HandbookKind::Physical);
    let mut as_printed = delivery("req-check-1", "MR-MYNA0008", "ok");
    as_printed["records"][0]["disability_category"] = json!("肢体不自由（下肢機能障害）");
    // The portal names the municipality where the handbook names the governor.
    as_printed["records"][0]["municipality"] = json!("未来県");
    assert_eq!(deliver(&app, &as_printed).await.0, StatusCode::OK);

    // The reviewer states why they open an approved registration, then sees both sides.
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    reviewer.get(&format!("/registrations/{physical}")).await;
    let stated = reviewer
        .post(&format!("/registrations/{physical}/photo-access"), &[("reason", "double_check"), ("detail", "")])
        .await;
    assert_eq!(stated.status, StatusCode::SEE_OTHER);
    let page = reviewer.get(&format!("/registrations/{physical}")).await;
    let rows = page.select_texts("#myna tbody tr");
    assert!(rows.iter().any(|r| r.contains("交付自治体") && r.contains("発行者の肩書")), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("交付日") && r.contains("和暦と西暦の違い")), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("等級") && r.contains("全角・半角")), "{rows:?}");
    assert!(app.audit_count("myna.viewed") >= 1, "each view of the values is audited");

    let done = reviewer.post(&format!("/registrations/{physical}/myna"), &[("outcome", "verified")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let (_, card) = crate::review::card(&app, "MR-MYNA0008").await;
    let of = |kind: &str| card["handbooks"].as_array().unwrap().iter().find(|h| h["kind"] == kind).cloned().unwrap();
    assert_eq!(
        (of("physical")["myna_link"].as_str(), of("physical")["myna_link_label"].as_str()),
        (Some("linked"), Some("連携済"))
    );
    assert!(of("physical")["myna_verified_at"].as_str().is_some(), "when it was verified");
    assert_eq!(of("mental")["myna_link"], "unlinked", "the other handbook keeps its own status");

    // A later delivery that differs: it cannot be marked verified; a mismatch unlinks it.
    let mut differs = as_printed.clone();
    differs["request_id"] = json!("req-check-2");
    differs["records"][0]["grade"] = json!("1級");
    assert_eq!(deliver(&app, &differs).await.0, StatusCode::OK);
    let page = reviewer.get(&format!("/registrations/{physical}")).await;
    assert!(page.select_texts("#myna tbody tr").iter().any(|r| r.contains("等級") && r.contains("不一致")));
    let refused = reviewer.post(&format!("/registrations/{physical}/myna"), &[("outcome", "verified")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("一致しない項目があります"));
    let done = reviewer.post(&format!("/registrations/{physical}/myna"), &[("outcome", "mismatch")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let (_, card) = crate::review::card(&app, "MR-MYNA0008").await;
    assert!(card["handbooks"].as_array().unwrap().iter().all(|h| h["myna_link"] == "unlinked"));
    let checks = app.audit_events("myna.mismatch");
    assert!(
        checks.len() == 1 && checks[0].details.contains("\"grade\":\"mismatch\"") && !checks[0].details.contains("1級")
    );
});

dual_test!(supervisors_see_the_checks_waiting_and_a_likely_reissue, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0009").await;
    let mut reissued = delivery("req-wl-1", "MR-MYNA0009", "ok");
    reissued["records"][0]["number"] = json!("1000009");
    reissued["records"][0]["renewed_on"] = json!("令和7年6月1日");
    assert_eq!(deliver(&app, &reissued).await.0, StatusCode::OK);
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = sup.get("/worklists").await;
    let rows = page.select_texts("section[aria-labelledby=myna-title] tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains("MR-MYNA0009") && rows[0].contains("一致しない項目あり") && rows[0].contains("再交付の可能性")
    );
    // Checked (a mismatch recorded), it leaves the list.
    let handbook = app.handbook_of_kind("MR-MYNA0009", handbook_admin::domain::handbook::HandbookKind::Physical);
    sup.get(&format!("/registrations/{handbook}")).await;
    let done = sup.post(&format!("/registrations/{handbook}/myna"), &[("outcome", "mismatch")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = sup.get("/worklists").await;
    assert!(page.select_texts("section[aria-labelledby=myna-title] tbody tr").is_empty());
});

dual_test!(an_oversized_body_is_a_json_refusal_at_every_json_endpoint, |db: TestDb| async move {
    // Past the framework's own 256 KiB limit too: each endpoint reads its body itself and
    // answers with its JSON code, never a plain-text page.
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0BIG").await;
    let before = app.holder_status("MR-MYNA0BIG");
    let client = reqwest::Client::new();
    for size in [70 * 1024, 300 * 1024] {
        let big = vec![b' '; size];
        let now = app.clock.now().unix_timestamp();
        let signed = client
            .post(format!("{}/api/v1/myna/callback", app.address))
            .header("X-Myna-Timestamp", now.to_string())
            .header("X-Myna-Signature", sign(SECRET, now, &big));
        let consents = client
            .post(format!("{}/api/v1/holders/MR-MYNA0BIG/myna/consents", app.address))
            .bearer_auth(crate::intake::TOKEN);
        let withdrawal = client
            .post(format!("{}/api/v1/holders/MR-MYNA0BIG/withdrawal", app.address))
            .bearer_auth(crate::intake::TOKEN);
        for request in [signed, consents, withdrawal] {
            let response = request.header("content-type", "application/json").body(big.clone()).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{size} bytes");
            let body: Value = response.json().await.expect("a JSON error");
            assert_eq!(body["error"]["code"], "body_too_large", "{size} bytes");
        }
    }
    assert_eq!(app.holder_status("MR-MYNA0BIG"), before, "nothing changed");
    assert_eq!(app.audit_count("myna.delivered") + app.audit_count("holder.withdrawn"), 0, "nothing stored");
});

dual_test!(a_delivery_for_another_purpose_is_refused_and_nothing_stored, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0PUR").await;
    let holder = app.holder("MR-MYNA0PUR").unwrap().id;
    let mut foreign = delivery("req-purpose-1", "MR-MYNA0PUR", "ok");
    foreign["consent"]["purpose"] = json!("marketing_analysis");
    let (status, body) = deliver(&app, &foreign).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "purpose_not_allowed");
    assert_eq!(app.myna_records_of(holder), 0, "nothing stored");
    assert_eq!(app.audit_count("myna.delivered"), 0);
    let refused = app.audit_events("myna.refused");
    assert_eq!(refused.len(), 1);
    assert!(!refused[0].details.contains("marketing"), "the refusal is on the trail, the purpose's text is not");
    // The same request id with the consented purpose is then taken as new.
    assert_eq!(deliver(&app, &delivery("req-purpose-1", "MR-MYNA0PUR", "ok")).await.0, StatusCode::OK);
    assert_eq!(app.myna_records_of(holder), 1);
});

dual_test!(deprivation_purges_the_myna_values, |db: TestDb| async move {
    let app = spawn_app(db).await;
    holder_with_two(&app, "MR-MYNA0DEP").await;
    let holder = app.holder("MR-MYNA0DEP").unwrap().id;
    assert_eq!(deliver(&app, &delivery("req-dep-1", "MR-MYNA0DEP", "ok")).await.0, StatusCode::OK);
    assert_eq!(app.myna_records_of(holder), 1);
    let mut sup = app.signed_in(Role::Supervisor).await;
    let page = crate::sanctions::sanction(&mut sup, holder, "3(2)", "deprive", "第三者の利用を本人が認めた").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.myna_records_of(holder), 1, "a proposal purges nothing");
    let proposal = app.sanctions_of_holder(holder)[0];
    crate::sanctions::approve_as_second(&app, proposal).await;
    assert_eq!(app.holder_status("MR-MYNA0DEP"), handbook_admin::domain::holder::HolderStatus::Revoked);
    assert_eq!(app.myna_records_of(holder), 0, "deprived: the values go");
    assert!(app.audit_events("myna.purged").iter().any(|e| e.details.contains("holder_deprived")));
    assert!(app.verify_audit().is_ok());
});
