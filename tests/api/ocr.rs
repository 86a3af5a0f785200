//! OCR of intake photos through the real path: the demo's photographed handbooks uploaded to
//! the intake API, read by the real engine in the job queue, suggested on the review screen,
//! confirmed per field, audited. Needs the engine (`HANDBOOK_ADMIN_OCR_RUNTIME` and
//! `HANDBOOK_ADMIN_OCR_MODELS`, which `.ci/run` installs): skipped without it, except in CI.

use reqwest::StatusCode;
use serde_json::Value;

use handbook_admin::clock::Clock;
use handbook_admin::db;
use handbook_admin::domain::handbook::ReviewStatus;
use handbook_admin::domain::staff::Role;
use handbook_admin::settings::OcrSettings;

use crate::dual_test;
use crate::fixtures;
use crate::helpers::{TestApp, skip_or_fail, spawn_app, spawn_app_with};
use crate::intake::register;
use crate::review::{CHECKED, take_next};

/// The engine's paths from the environment, when both are set.
pub fn engine() -> Option<OcrSettings> {
    let path = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(std::path::PathBuf::from);
    Some(OcrSettings {
        runtime: Some(path("HANDBOOK_ADMIN_OCR_RUNTIME")?),
        models: Some(path("HANDBOOK_ADMIN_OCR_MODELS")?),
    })
}

/// A clean demo handbook (a physical booklet, two photos) as the app uploads it; returns the
/// registration and what the handbook prints, as the form takes it.
pub async fn upload_demo_handbook(
    app: &TestApp,
    index: usize,
) -> (i64, handbook_admin::domain::transcription::TranscriptionInput) {
    let today = handbook_admin::clock::today_jst(app.clock.now());
    let holder = handbook_admin::demo::holders::holder(index, today);
    let photos: Vec<Vec<u8>> =
        handbook_admin::demo::holders::photos(&holder).unwrap().into_iter().map(|p| p.full_jpeg).collect();
    let id = register(app, &holder.public_id, holder.facts.kind.as_str(), photos).await;
    (id, handbook_admin::demo::holders::typed(&holder.facts))
}

/// Waits for the registration's OCR job to end; returns its status.
pub async fn ocr_finished(app: &TestApp, id: i64) -> String {
    for _ in 0..600 {
        let status = db::ocr::job_status(&mut app.pool.get().unwrap(), id).unwrap();
        if let Some(s) = status.filter(|s| s != db::ocr::PENDING) {
            return s;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the OCR job of {id} never ended");
}

fn details_of(app: &TestApp, action: &str) -> Vec<Value> {
    app.audit_events(action).into_iter().map(|l| serde_json::from_str(&l.details).unwrap()).collect()
}

dual_test!(without_the_engine_the_console_works_as_before_and_the_admin_is_told_how_to_turn_it_on, |db| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-NOOCR01", "physical", vec![fixtures::jpeg(640, 400)]).await;
    // The job waits for an engine; nothing is read and nothing is suggested.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(db::ocr::job_status(&mut app.pool.get().unwrap(), id).unwrap().as_deref(), Some(db::ocr::PENDING));
    let mut admin = app.signed_in(Role::Admin).await;
    let page = admin.get("/").await;
    assert!(page.body.contains("HANDBOOK_ADMIN_OCR_RUNTIME"), "the admin is told how to turn OCR on");
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    assert!(page.select_attr("[data-suggestion]", "data-suggestion").is_empty());
    assert!(!page.body.contains("写真の文字を読み取っています"), "no promise of suggestions that will not come");
});

dual_test!(a_missing_runtime_is_reported_and_the_console_still_runs, |db| async move {
    let app = spawn_app_with(db, |s| {
        s.ocr =
            OcrSettings { runtime: Some("/nonexistent/libonnxruntime.so".into()), models: Some("/nonexistent".into()) }
    })
    .await;
    let mut admin = app.signed_in(Role::Admin).await;
    let page = admin.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("起動できませんでした"), "the admin sees why OCR is off");
});

dual_test!(photos_are_read_after_intake_and_each_suggestion_is_confirmed_and_audited, |db| async move {
    let Some(engine) = engine() else {
        skip_or_fail("OCR through the real engine (HANDBOOK_ADMIN_OCR_RUNTIME / HANDBOOK_ADMIN_OCR_MODELS unset)");
        return;
    };
    let app = spawn_app_with(db, |s| s.ocr = engine).await;
    let (id, printed) = upload_demo_handbook(&app, 0).await;
    assert_eq!(ocr_finished(&app, id).await, db::ocr::DONE);
    let read = details_of(&app, "registration.ocr_read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0]["photos"], 2);

    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(id));
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    let suggested = page.select_attr("[data-suggestion]", "data-suggestion");
    for field in ["number", "birth_date", "issued_on", "renewed_on", "grade", "fare_class", "municipality"] {
        assert!(suggested.iter().any(|s| s == field), "{field} is suggested: {suggested:?}");
    }
    let value_of = |field: &str| page.select_attr(&format!("[data-suggestion='{field}']"), "data-value").remove(0);
    assert_eq!(value_of("number"), "第5536918号");
    assert_eq!(value_of("fare_class"), "2");
    // A suggestion is never a value: the field stays empty until someone confirms it.
    assert_eq!(page.input_value("number").as_deref(), Some(""));
    // Every suggestion says where it was read.
    assert_eq!(page.select_attr("[data-suggestion='number']", "data-image").len(), 1);

    // Saved: the number as suggested, the name typed differently, the renewal left empty.
    let form = |renewed: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("kind", "physical".into()),
            ("name", printed.name.clone()),
            ("name_kana", printed.name_kana.clone()),
            ("birth_date", value_of("birth_date")),
            ("disability_category", printed.disability_category.clone()),
            ("grade", value_of("grade")),
            ("fare_class", value_of("fare_class")),
            ("municipality", value_of("municipality")),
            ("number", value_of("number")),
            ("issued_on", value_of("issued_on")),
            ("renewed_on", renewed.into()),
            ("expires_on", String::new()),
            ("recert_on", String::new()),
            ("medical_number", String::new()),
            ("save_transcription", "1".into()),
            ("decision", "approve".into()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>, extra: &[(&'static str, &'static str)]| {
        let mut all: Vec<(&str, String)> = fields;
        all.extend(CHECKED.iter().map(|(k, v)| (*k, (*v).to_owned())));
        all.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        all
    };
    let fields = post(form(""), &[]);
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = crate::review::decide(&mut reviewer, id, &borrowed).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "an unused suggestion stops the approval");
    assert!(page.body.contains("読み取り候補を使わずに空欄にした項目があります"));
    assert!(page.body.contains("更新日・再交付日"), "the unused field is named");
    assert_eq!(page.input_value("name").as_deref(), Some(printed.name.as_str()), "what was typed is kept");
    assert_eq!(app.status_of(id), ReviewStatus::InReview);

    let fields = post(form(""), &[("suggestions_checked", "on")]);
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = crate::review::decide(&mut reviewer, id, &borrowed).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.status_of(id), ReviewStatus::Approved);

    let transcribed = details_of(&app, "registration.transcribed");
    let settled = &transcribed.last().unwrap()["suggestions"];
    assert_eq!(settled["number"], "accepted");
    assert_eq!(settled["fare_class"], "accepted");
    assert_eq!(settled["renewed_on"], "open");
    if settled.get("name").is_some() {
        // The demo prints the name with a space the engine does not read: saved as typed, it
        // counts as the suggestion (same name) or a correction, never as open.
        assert_ne!(settled["name"], "open");
    }
    let decided = details_of(&app, "registration.decided");
    assert_eq!(decided.last().unwrap()["suggestions_dismissed"], serde_json::json!(["renewed_on"]));
    app.verify_audit().expect("the chain verifies");

    // Supervisors see how often each field's suggestion was used unchanged.
    let mut supervisor = app.signed_in(Role::Supervisor).await;
    let page = supervisor.get("/").await;
    assert!(page.body.contains("読み取り候補がそのまま使われた割合"));
    assert!(page.select_texts("#ocr-rates-title + .table-scroll th[scope=row]").iter().any(|t| t == "手帳番号"));
});

/// Reads every photo as the same lines: the job's rules without the engine.
struct Fixed(Vec<handbook_admin::ocr::Line>);

impl handbook_admin::ocr::TextReader for Fixed {
    fn read(&self, _: &image::RgbImage) -> Result<Vec<handbook_admin::ocr::Line>, handbook_admin::ocr::OcrError> {
        Ok(self.0.clone())
    }
}

/// A photo the engine cannot read.
struct Failing;

impl handbook_admin::ocr::TextReader for Failing {
    fn read(&self, _: &image::RgbImage) -> Result<Vec<handbook_admin::ocr::Line>, handbook_admin::ocr::OcrError> {
        Err(handbook_admin::ocr::OcrError::Inference("test".into()))
    }
}

/// Reading must never happen.
struct Untouchable;

impl handbook_admin::ocr::TextReader for Untouchable {
    fn read(&self, _: &image::RgbImage) -> Result<Vec<handbook_admin::ocr::Line>, handbook_admin::ocr::OcrError> {
        panic!("the photos were read")
    }
}

fn printed_lines() -> Vec<handbook_admin::ocr::Line> {
    let line = |text: &str, y: u32| handbook_admin::ocr::Line {
        text: text.to_owned(),
        confidence: 0.95,
        bbox: handbook_admin::ocr::LineBox { x: 10, y, w: 300, h: 40 },
    };
    vec![line("身体障害者手帳", 10), line("第1000001号", 60), line("平成6年3月1日生", 110)]
}

fn run_job(app: &TestApp, reader: &dyn handbook_admin::ocr::TextReader) -> handbook_admin::services::ocr::Pass {
    let store = handbook_admin::images::ImageStore::from_settings(&app.settings).unwrap();
    let keys = crate::helpers::test_audit_keys();
    let clock = app.clock.clone();
    handbook_admin::services::ocr::run_once(&mut app.pool.get().unwrap(), &store, reader, &keys, &|| clock.now())
        .unwrap()
}

dual_test!(the_job_skips_what_was_decided_settles_what_was_saved_and_gives_up_on_a_crashing_read, |db| async move {
    use handbook_admin::services::ocr::Pass;
    // The server reads nothing here (no engine): each pass is run by hand.
    let app = spawn_app(db).await;

    // A transcription saved before the read ended: the suggestions arrive settled against it.
    let saved = register(&app, "MR-OCRJOB01", "physical", vec![fixtures::jpeg(640, 400)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(take_next(&mut reviewer).await, Some(saved));
    let form: Vec<(&str, &str)> = crate::review::printed_physical();
    assert_eq!(crate::review::save(&mut reviewer, saved, &form).await.status, StatusCode::SEE_OTHER);
    assert_eq!(run_job(&app, &Fixed(printed_lines())), Pass::Read { handbook_id: saved, fields: 4 });
    let rows = db::ocr::suggestions(&mut app.pool.get().unwrap(), saved).unwrap();
    let outcome = |field: &str| rows.iter().find(|r| r.field == field).and_then(|r| r.outcome.clone());
    assert_eq!(outcome("number").as_deref(), Some("accepted"), "第１０００００１号 was saved");
    assert_eq!(outcome("birth_date").as_deref(), Some("accepted"), "平成６年３月１日 was saved");
    assert_eq!(outcome("fare_class").as_deref(), Some("corrected"), "第1種 was saved where no stamp was read");

    // Decided before its photos were read: skipped, nothing suggested.
    let decided = register(&app, "MR-OCRJOB02", "physical", vec![fixtures::jpeg(640, 400)]).await;
    app.set_status(decided, ReviewStatus::Rejected);
    assert_eq!(run_job(&app, &Untouchable), Pass::Skipped(decided));
    assert!(db::ocr::suggestions(&mut app.pool.get().unwrap(), decided).unwrap().is_empty());

    // Three attempts that never ended (the reader took the process down): the fourth claim
    // gives up without reading, and says so in the audit trail.
    let crashing = register(&app, "MR-OCRJOB03", "physical", vec![fixtures::jpeg(640, 400)]).await;
    {
        use diesel::prelude::*;
        use handbook_admin::db::schema::ocr_jobs;
        let mut conn = app.pool.get().unwrap();
        let past = handbook_admin::clock::to_db(app.clock.now() - time::Duration::hours(1));
        diesel::update(ocr_jobs::table.find(crashing))
            .set((
                ocr_jobs::attempts.eq(handbook_admin::services::ocr::ATTEMPTS),
                ocr_jobs::locked_until.eq(Some(past)),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    assert_eq!(run_job(&app, &Untouchable), Pass::Failed(crashing));
    assert_eq!(db::ocr::job_status(&mut app.pool.get().unwrap(), crashing).unwrap().as_deref(), Some(db::ocr::FAILED));
    let failed = details_of(&app, "registration.ocr_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["attempts"], handbook_admin::services::ocr::ATTEMPTS + 1);
    assert_eq!(run_job(&app, &Untouchable), Pass::Idle);

    // A read that fails is tried again later, with a longer wait each time, then given up.
    let unreadable = register(&app, "MR-OCRJOB04", "physical", vec![fixtures::jpeg(640, 400)]).await;
    assert_eq!(run_job(&app, &Failing), Pass::Retry(unreadable));
    assert_eq!(run_job(&app, &Untouchable), Pass::Idle, "not due again at once");
    app.clock.advance(time::Duration::minutes(1));
    assert_eq!(run_job(&app, &Failing), Pass::Retry(unreadable));
    app.clock.advance(time::Duration::minutes(1));
    assert_eq!(run_job(&app, &Untouchable), Pass::Idle, "the second wait is longer");
    app.clock.advance(time::Duration::minutes(1));
    assert_eq!(run_job(&app, &Failing), Pass::Failed(unreadable));
    let failed = details_of(&app, "registration.ocr_failed");
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[1]["attempts"], handbook_admin::services::ocr::ATTEMPTS);
    assert!(db::ocr::suggestions(&mut app.pool.get().unwrap(), unreadable).unwrap().is_empty());
    app.verify_audit().expect("the chain verifies");
});
