//! Retention: with periods of seconds, the operator's job removes a withdrawn holder's photos
//! and transcriptions and a replaced upload's photos, keeps the minimal record, keeps what a
//! litigation hold covers, and leaves a receipt in the audit trail.

use handbook_admin::domain::handbook::ReviewStatus;
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;

use crate::dual_test;
use crate::fixtures;
use crate::helpers::{TestApp, TestDb, spawn_app};
use crate::intake::{TOKEN, register};

async fn withdraw(app: &TestApp, public_id: &str) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/{public_id}/withdrawal", app.address))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"reason":"voluntary"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// `handbook-admin purge-expired`, as an operator's timer runs it, with periods in seconds.
fn run_job(app: &TestApp) {
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_handbook-admin"))
        .arg("purge-expired")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "error")
        .env("DATABASE_URL", &app.database_url)
        .env("HANDBOOK_ADMIN_DATA_DIR", &app.data_dir)
        .env("HANDBOOK_ADMIN_AUDIT_KEY", hex::encode(crate::helpers::TEST_AUDIT_KEY))
        .env("HANDBOOK_ADMIN_RETAIN_ENDED", "1s")
        .env("HANDBOOK_ADMIN_RETAIN_SUPERSEDED", "1s")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

dual_test!(the_retention_job_removes_what_outlived_its_period_and_keeps_what_is_held, |db: TestDb| async move {
    let app = spawn_app(db).await;
    crate::support::approved_holder(&app, "MR-RETN0001").await;
    // Registered and not yet reviewed when withdrawn: its photos are all the console holds.
    let held = register(&app, "MR-RETN0002", "physical", vec![fixtures::jpeg(180, 120)]).await;
    let gone = app.handbook_ids_of_holder("MR-RETN0001")[0];
    let gone_files: Vec<String> = app.images_of(gone).into_iter().map(|i| i.storage_key).collect();
    // A replaced upload: its photos go; the upload that replaced it stays.
    let replaced = register(&app, "MR-RETN0003", "mental", vec![fixtures::jpeg(200, 150)]).await;
    let current = register(&app, "MR-RETN0003", "mental", vec![fixtures::jpeg(210, 160)]).await;
    assert_eq!(app.status_of(replaced), ReviewStatus::Superseded);
    withdraw(&app, "MR-RETN0001").await;
    withdraw(&app, "MR-RETN0002").await;

    // A litigation hold needs its legal reason, then keeps MR-RETN0002's data.
    let holder2 = app.holder("MR-RETN0002").unwrap().id;
    let mut sup = app.signed_in(Role::Supervisor).await;
    sup.get(&format!("/holders/{holder2}")).await;
    let short = sup.post(&format!("/holders/{holder2}/legal-hold"), &[("hold_reason", "訴訟")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.select_texts("#error-hold_reason").concat().contains("10文字以上"));
    let placed = sup
        .post(
            &format!("/holders/{holder2}/legal-hold"),
            &[("hold_reason", "損害賠償請求事件の証拠保全（弁護士からの依頼）")],
        )
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("retention.hold_placed"), 1);
    assert!(sup.get(&format!("/holders/{holder2}")).await.body.contains("法的保留中"));

    run_job(&app);

    // The withdrawn holder: photos, files and transcriptions gone; the minimal record stays.
    assert!(app.images_of(gone).is_empty() && app.fields_of(gone).is_none());
    assert_eq!(app.transcriptions_of(gone), 0);
    for key in &gone_files {
        assert!(!app.data_dir.join("images").join(key).exists(), "the photo file is removed");
    }
    let minimal = app.holder("MR-RETN0001").unwrap();
    assert_eq!(minimal.status, HolderStatus::Withdrawn);
    assert!(minimal.withdrawn_at.is_some() && minimal.retention_purged_at.is_some());
    assert_eq!(app.status_of(gone), ReviewStatus::Approved, "the registration's row stays");
    // The held holder keeps everything; the replaced upload's photos are gone, the current stay.
    assert!(!app.images_of(held).is_empty());
    assert!(app.images_of(replaced).is_empty());
    assert!(!app.images_of(current).is_empty());
    // The receipts: counts per class, never content.
    let receipts = app.audit_events("retention.purged");
    assert!(
        receipts.iter().any(|e| e.details.contains("\"class\":\"ended\"") && e.details.contains("\"holders\":1")),
        "{receipts:?}"
    );
    assert!(receipts.iter().any(|e| e.details.contains("\"class\":\"superseded\"")));
    // Nobody opens a photo that is no more.
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let page = reviewer.get(&format!("/holders/{}", minimal.id)).await;
    assert!(page.body.contains("保存期間を過ぎたため"), "the profile says why the photos are gone");

    // Lifting the hold (with its reason) lets the next run remove the held data.
    sup.get(&format!("/holders/{holder2}")).await;
    let lifted = sup
        .post(&format!("/holders/{holder2}/legal-hold/lift"), &[("hold_reason", "訴訟が終結したため（判決確定）")])
        .await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER);
    run_job(&app);
    assert!(app.images_of(held).is_empty());
    assert!(app.verify_audit().is_ok());
});
