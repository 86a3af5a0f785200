//! Compliance auditors: the audit browser with its filters and verify action, and the CSV
//! exports (Excel-ready, formula-safe, streamed, each recorded with its SHA-256).

use std::process::Command;

use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::dual_test;
use crate::helpers::{TestApp, TestDb, spawn_app};

/// Today in the test clock's Japan (2026-11-24 10:00 JST).
const DAY: &str = "2026-11-24";

fn cli(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handbook-admin"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "error")
        .env("DATABASE_URL", &app.database_url)
        .env("HANDBOOK_ADMIN_AUDIT_KEY", hex::encode(crate::helpers::TEST_AUDIT_KEY));
    command
}

dual_test!(the_audit_browser_filters_pages_and_verifies, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-AUDIT001").await;
    let mut support = app.signed_in(Role::Support).await;
    let holder = app.holder("MR-AUDIT001").unwrap().id;
    for _ in 0..55 {
        assert_eq!(support.get(&format!("/holders/{holder}")).await.status, StatusCode::OK);
    }
    let mut auditor = app.signed_in(Role::Auditor).await;
    // The dashboard: queue figures and the 30-day charts, each with its table.
    let home = auditor.get("/").await;
    assert!(home.body.contains("直近30日の傾向") && home.body.contains("<svg"), "charts");
    let today = home.select_texts("#decisions-30-title + .chart-layout tbody tr");
    assert_eq!(today.len(), 30);
    assert!(today.last().is_some_and(|r| r.contains("11月24日") && r.contains("1件")), "{today:?}");
    assert!(home.select_texts("form[action='/queue/take']").is_empty(), "auditors take nothing");
    let page = auditor.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("（holder.viewed）"));

    // By action, newest first, 50 a page, the next page by keyset.
    let page = auditor.get("/audit?action=holder.viewed").await;
    let rows = page.select_texts("section[aria-labelledby=events-title] tbody tr");
    assert_eq!(rows.len(), 50);
    assert!(rows.iter().all(|r| r.contains("holder.viewed")));
    let next = page.select_attr("a[href*='before=']", "href");
    let second = auditor.get(&next[0].replace("&amp;", "&")).await;
    let more = second.select_texts("section[aria-labelledby=events-title] tbody tr");
    assert_eq!(more.len(), 5, "55 views in all");
    assert!(more.iter().all(|r| !rows.contains(r)), "no event twice");

    // By holder: the holder's events and its registration's, nobody else's.
    let page = auditor.get("/audit?holder=MR-AUDIT001").await;
    let rows = page.select_texts("section[aria-labelledby=events-title] tbody tr");
    assert!(rows.iter().any(|r| r.contains("holder.viewed")));
    assert!(!rows.iter().any(|r| r.contains("staff.login")));
    let page = auditor.get("/audit?holder=MR-AUDIT001&action=registration.decided").await;
    let rows = page.select_texts("section[aria-labelledby=events-title] tbody tr");
    assert_eq!(rows.len(), 1, "the decision on the holder's registration: {rows:?}");
    // By actor and day; a day after has nothing.
    let reviewer = app.staff_id(crate::helpers::demo_email(Role::Reviewer));
    let page = auditor.get(&format!("/audit?actor=staff:{reviewer}&from={DAY}&to={DAY}")).await;
    let rows = page.select_texts("section[aria-labelledby=events-title] tbody tr");
    assert!(!rows.is_empty() && rows.iter().all(|r| r.contains("reviewer@demo.invalid")), "{rows:?}");
    let page = auditor.get("/audit?from=2026-11-25&to=2026-11-25").await;
    assert!(page.body.contains("該当する記録はありません"));
    // A reversed range is named beside its field, the typed values kept.
    let page = auditor.get("/audit?from=2026-11-25&to=2026-11-01").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("終了日が開始日より前です"));
    assert_eq!(page.input_value("from").as_deref(), Some("2026-11-25"));

    // Verify the chain from the browser; then a database edit is reported there too.
    let page = auditor.post("/audit/verify", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("監査ログは改ざんされていません"), "{}", page.body);
    assert_eq!(app.audit_count("audit.verified"), 1);
    app.drop_audit_guards();
    app.tamper_sql("UPDATE audit_events SET target_id = '999' WHERE seq = 5");
    let page = auditor.post("/audit/verify", &[]).await;
    assert!(page.body.contains("監査ログの検証に失敗しました") && page.body.contains("#5"), "{}", page.body);
});

dual_test!(exports_open_in_excel_are_formula_safe_and_provable, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-EXPORT01").await;
    // A display name that a spreadsheet would run as a formula.
    app.tamper_sql("UPDATE staff SET display_name = '=HYPERLINK(\"http://x\")' WHERE email = 'auditor@demo.invalid'");
    let mut auditor = app.signed_in(Role::Auditor).await;
    auditor.get("/audit").await;

    let (status, headers, body) = auditor.download(&format!("/exports/audit.csv?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(headers["content-disposition"].to_str().unwrap().contains("audit-2026-11-24-2026-11-24.csv"));
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "a BOM so Excel reads UTF-8");
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    assert!(text.starts_with("番号,日時,操作者,操作者のメールアドレス"), "{}", &text[..80]);
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'), "CRLF line ends");
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "the formula is neutralised");
    assert!(text.contains("registration.decided") && text.contains("reviewer@demo.invalid"));

    // The export is an audit event with the SHA-256 of what was sent.
    let events = app.audit_events("export.downloaded");
    assert_eq!(events.len(), 1);
    let sha = hex::encode(Sha256::digest(&body));
    assert!(events[0].details.contains(&sha) && events[0].details.contains("\"complete\":true"), "{:?}", events[0]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.csv");
    std::fs::write(&file, &body).unwrap();
    let ok = cli(&app).args(["audit", "verify-export"]).arg(&file).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let mut edited = body.clone();
    edited.extend_from_slice(b"1,x\r\n");
    std::fs::write(&file, &edited).unwrap();
    let refused = cli(&app).args(["audit", "verify-export"]).arg(&file).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));

    // The other exports: Japanese headers, the approval, the range respected.
    let (status, _, body) = auditor.download(&format!("/exports/decisions.csv?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let rows: Vec<Vec<&str>> = text.split("\r\n").filter(|l| !l.is_empty()).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][..6], ["判定番号", "日時", "登録番号", "利用者ID", "手帳の種類", "判定"]);
    assert_eq!(rows[1][3..6], ["MR-EXPORT01", "身体障害者手帳", "承認する"], "each cell under its header");
    let (_, _, body) = auditor.download("/exports/decisions.csv?from=2026-11-25&to=2026-11-30").await;
    assert_eq!(String::from_utf8(body[3..].to_vec()).unwrap().lines().count(), 1, "the header alone");
    let (status, _, _) = auditor.download(&format!("/exports/sanctions.csv?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK);

    // A bad or reversed range is a clear 400, not an empty file.
    for (query, says) in
        [("from=2026-11-30&to=2026-11-01", "終了日が開始日より前です"), ("from=yesterday&to=2026-11-01", "開始日を")]
    {
        let page = auditor.get(&format!("/exports/audit.csv?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.body.contains(says), "{query}");
    }
    assert_eq!(auditor.get("/exports/holders.csv?from=2026-11-01&to=2026-11-02").await.status, StatusCode::NOT_FOUND);
    // Nobody but auditors exports.
    let mut sup = app.signed_in(Role::Supervisor).await;
    assert_eq!(sup.get(&format!("/exports/audit.csv?from={DAY}&to={DAY}")).await.status, StatusCode::FORBIDDEN);
});

dual_test!(the_lost_phone_export_carries_the_three_times, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-LOSTEXP1").await;
    let mut agent = app.signed_in(Role::Support).await;
    agent.get("/support/lost-device").await;
    let page = agent
        .post(
            "/support/lost-device",
            &[("channel", "form"), ("received_at", "2026-11-24 09:55"), ("identifier", "MR-LOSTEXP1")],
        )
        .await;
    let report = page.location().unwrap().to_owned();
    let page = agent.get(&report).await;
    let fact = crate::support::right_answer(&page.body);
    let done = agent.post(&format!("{report}/verify"), &[("birth_date", "H6.3.1"), ("fact", fact)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    crate::review::card(&app, "MR-LOSTEXP1").await;
    let mut auditor = app.signed_in(Role::Auditor).await;
    let (status, _, body) = auditor.download(&format!("/exports/lost-device.csv?from={DAY}&to={DAY}")).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert!(cells[0].starts_with("LD-"));
    assert_eq!(cells[2], "2026-11-24 09:55:00", "received, as the agent recorded it");
    assert!(!cells[3].is_empty() && !cells[4].is_empty(), "suspended, and the first refused card read: {cells:?}");
});

#[actix_web::test]
async fn a_million_row_export_streams_in_flat_memory() {
    if !cfg!(target_os = "linux") {
        return crate::helpers::skip_or_fail("process memory is read from /proc");
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::helpers::DemoProcess::new(&dir);
    let seeded = demo.command(&["seed", "--audit-events", "1000000"]).output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let (server, client, jar, base) = demo.start().await;
    let mut auditor = crate::helpers::Browser { client, jar, base, csrf: None };
    let signed = auditor.login("auditor@demo.invalid", crate::helpers::PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);

    let before = crate::helpers::memory_kib(server.id());
    let mut peak = before;
    let started = std::time::Instant::now();
    let response = auditor
        .client
        // The seed spreads its events over the 30 days before the real clock: take every day.
        .get(format!("{}/exports/audit.csv?from=2000-01-01&to=2099-12-31", auditor.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let first_byte = started.elapsed();
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut hasher = Sha256::new();
    let mut body = response;
    let mut chunks = 0u64;
    while let Some(chunk) = body.chunk().await.unwrap() {
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        bytes += chunk.len() as u64;
        hasher.update(&chunk);
        chunks += 1;
        if chunks.is_multiple_of(64) {
            let now = crate::helpers::memory_kib(server.id());
            peak = (peak.0.max(now.0), peak.1.max(now.1), peak.2.max(now.2));
        }
    }
    let mib = |after: u64, before: u64| after.saturating_sub(before) as f64 / 1024.0;
    let growth_mib = mib(peak.0, before.0);
    eprintln!(
        "1M-row export: {bytes} bytes in {:.1} s, first byte after {:.0} ms, server RSS growth {growth_mib:.1} MiB (anonymous {:.1}, file-backed {:.1})",
        started.elapsed().as_secs_f64(),
        first_byte.as_secs_f64() * 1000.0,
        mib(peak.1, before.1),
        mib(peak.2, before.2),
    );
    assert!((1_000_001..1_000_100).contains(&lines), "every seeded row once, the header, a few staff events: {lines}");
    assert!(growth_mib < 64.0, "the server's memory grew {growth_mib:.1} MiB");
    assert!(first_byte.as_secs_f64() < 5.0, "the first byte leaves at once");
}
