//! A reviewer's day without a mouse, in a real browser: sign in, take next, work the photo
//! viewer by keys, transcribe as printed, decide.

use handbook_admin::domain::handbook::ReviewStatus;

use super::driver::{ARROW_DOWN, ARROW_UP, ENTER, ESCAPE, SPACE, with_browser};
use crate::fixtures;
use crate::helpers::{TestDb, spawn_app};
use crate::intake::register;

#[actix_web::test]
async fn a_reviewer_works_a_registration_with_the_keyboard_alone() {
    with_browser("reviewer-approves", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        let id =
            register(&app, "MR-KEYBOARD1", "physical", vec![fixtures::jpeg(640, 400), fixtures::png(400, 640)]).await;

        // Sign in and take next from the dashboard, by keys.
        super::journeys::reviewer_takes_next(&b, &app.address).await;
        let url = b.url().await;
        assert!(url.ends_with(&format!("/registrations/{id}")), "{url}");

        // The photo viewer answers keys: zoom, rotate, brightness, next page.
        b.tab_to("e.hasAttribute('data-viewer')").await;
        b.keys("0").await;
        let fit = b.js("return document.querySelector('[data-viewer-image]').getBoundingClientRect().width;").await;
        b.keys("+").await;
        let status = b.js("return document.querySelector('[data-viewer-status]').textContent;").await;
        assert!(status.as_str().unwrap_or_default().contains("125%"), "{status}");
        let zoomed = b.js("return document.querySelector('[data-viewer-image]').getBoundingClientRect().width;").await;
        let ratio = zoomed.as_f64().unwrap_or_default() / fit.as_f64().unwrap_or(1.0);
        assert!((ratio - 1.25).abs() < 0.02, "one step is 125% of the fit size, not {ratio}");
        b.keys("r]").await;
        let style = b
            .js("const i = document.querySelector('[data-viewer-image]'); return i.style.transform + ' ' + i.style.filter;")
            .await;
        let style = style.as_str().unwrap_or_default().to_owned();
        assert!(style.contains("rotate(90deg)") && style.contains("brightness(110%)"), "{style}");
        b.keys("0").await;
        // 200% of the fit size, and the top-left corner (name, kana, birth date) in reach.
        b.keys("+++").await;
        let status = b.js("return document.querySelector('[data-viewer-status]').textContent;").await;
        assert!(status.as_str().unwrap_or_default().contains("200%"), "{status}");
        let corner = b
            .js("const s = document.querySelector('.viewer__stage'); s.scrollLeft = 0; s.scrollTop = 0;
                 const i = document.querySelector('[data-viewer-image]').getBoundingClientRect();
                 const r = s.getBoundingClientRect();
                 return [i.left - r.left, i.top - r.top, i.width > r.width || i.height > r.height];")
            .await;
        let corner = corner.as_array().cloned().unwrap_or_default();
        assert!(
            corner[0].as_f64().unwrap_or(-1.0) >= -1.0 && corner[1].as_f64().unwrap_or(-1.0) >= -1.0,
            "the top-left corner is reachable: {corner:?}"
        );
        assert_eq!(corner[2], serde_json::json!(true), "zoomed past the stage");
        b.keys("0").await;
        b.press("2").await;
        let alt = b.js("return document.querySelector('[data-viewer-image]').alt;").await;
        assert_eq!(alt.as_str(), Some("2枚目の写真"));

        // Transcribe as printed: era dates, full-width digits; Tab from field to field.
        b.tab_to("e.id === 'field-name'").await;
        type_printed_physical(&b, "平成６年３月１日", "令和４年１月３１日").await;
        b.press(ENTER).await;
        b.wait_for("document.body.textContent.includes('転記を保存しました')").await;
        b.wait_for("document.body.textContent.includes('読み取り結果: 平成6年3月1日（1994-03-01）')").await;

        // The face box: the layout's proposal, moved one step right and down with the arrow keys
        // on its preview (the inputs follow), posted with the decision.
        let before = b.js("return document.getElementById('field-face_left').value;").await;
        b.tab_to("e.hasAttribute('data-face-preview')").await;
        b.press(ARROW_DOWN).await;
        let after = b.js("return document.getElementById('field-face_top').value;").await;
        assert_ne!(after, serde_json::Value::Null);
        assert_eq!(b.js("return document.getElementById('field-face_left').value;").await, before, "only the top moved");

        // Decide: check the list with Space, choose "approve" with Space, submit with Enter.
        for check in ["field-face_photo", "field-right_pages", "field-legible", "field-no_tampering"] {
            b.tab_to(&format!("e.id === '{check}'")).await;
            b.press(SPACE).await;
        }
        b.tab_to("e.name === 'decision'").await;
        b.press(SPACE).await;
        // Enter on the chosen radio decides nothing.
        b.press(ENTER).await;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
        let url = b.url().await;
        assert!(url.contains(&format!("/registrations/{id}")), "{url}");
        assert_eq!(b.js("return !!document.querySelector('dialog[open]');").await, serde_json::json!(false));
        assert_eq!(app.status_of(id), ReviewStatus::InReview);
        b.tab_to("e.tagName === 'BUTTON' && e.textContent.includes('判定を確定する')").await;
        b.press(ENTER).await;
        // The summary before anything is sent; Escape goes back, Enter confirms.
        b.wait_for("document.querySelector('dialog[open]')").await;
        b.press(ESCAPE).await;
        b.wait_for("!document.querySelector('dialog[open]')").await;
        assert_eq!(app.status_of(id), ReviewStatus::InReview);
        b.tab_to("e.tagName === 'BUTTON' && e.textContent.includes('判定を確定する')").await;
        b.press(ENTER).await;
        b.wait_for("document.querySelector('dialog[open]')").await;
        b.press(ENTER).await;
        b.wait_for("location.pathname === '/queue'").await;

        assert_eq!(app.status_of(id), ReviewStatus::Approved);
        let fields = app.fields_of(id).expect("the transcription is saved");
        assert_eq!((fields.number_key.as_str(), fields.fare_class.as_deref()), ("1000001", Some("1")));
        let marked = app.audit_events("registration.face_marked");
        assert!(marked.last().is_some_and(|e| e.details.contains(&format!("\"box\":\"{}", face_code(&before, &after)))), "{marked:?}");
    })
    .await;
}

/// The stored code's start (left,top in thousandths) for the box the inputs showed.
fn face_code(left: &serde_json::Value, top: &serde_json::Value) -> String {
    let permille =
        |v: &serde_json::Value| (v.as_str().unwrap_or("0").parse::<f64>().unwrap_or(0.0) * 10.0).round() as i64;
    format!("{},{}", permille(left), permille(top))
}

/// A clean handbook from the keyboard in the one-page flow: focus starts in the first empty
/// field, one submit saves and decides, and 「判定して次へ」 lands on the next registration with
/// no other page between. The non-text key presses are counted.
#[actix_web::test]
async fn a_clean_handbook_is_decided_in_one_page_load_with_few_keys() {
    with_browser("reviewer-one-flow", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        let first = register(&app, "MR-ONEFLOW1", "physical", vec![fixtures::jpeg(640, 400)]).await;
        let second = register(&app, "MR-ONEFLOW2", "physical", vec![fixtures::jpeg(640, 400)]).await;
        super::journeys::reviewer_takes_next(&b, &app.address).await;
        assert!(b.url().await.ends_with(&format!("/registrations/{first}")));

        b.take_presses();
        b.mark_loads().await;
        let focused = b.js("return document.activeElement.id;").await;
        assert_eq!(focused.as_str(), Some("field-name"), "typing starts in the first empty field");
        // Dates typed exactly as printed, words around them included.
        type_printed_physical(&b, "平成６年３月１日生", "令和４年１月３１日交付").await;
        // The server's reading shows beside a field as soon as it is left, before any save.
        b.wait_for("(document.getElementById('reading-number') || {}).textContent === '読み取り結果: 1000001'").await;
        b.wait_for("(document.getElementById('understood-birth_date') || document.getElementById('reading-birth_date') || {textContent: ''}).textContent.includes('1994-03-01')").await;
        for check in ["field-face_photo", "field-right_pages", "field-legible", "field-no_tampering"] {
            b.tab_to(&format!("e.id === '{check}'")).await;
            b.press(SPACE).await;
        }
        b.tab_to("e.name === 'decision'").await;
        b.press(SPACE).await;
        assert!(!b.loaded_since_mark().await, "no page load while working");
        // Ctrl+Enter decides (and goes to the next) from anywhere in the form; the summary's
        // focused button confirms with Enter.
        b.ctrl_enter().await;
        b.wait_for("document.querySelector('dialog[open]')").await;
        b.press(ENTER).await;
        b.wait_for(&format!("location.pathname === '/registrations/{second}'")).await;
        let presses = b.take_presses();
        println!("a clean handbook took {presses} non-text key presses");
        assert_eq!(app.status_of(first), ReviewStatus::Approved);
        assert_eq!(app.fields_of(first).map(|f| f.number_key), Some("1000001".to_owned()));
        assert!(presses <= 25, "{presses} presses: the budget is 25");
    })
    .await;
}

/// Types a physical handbook as printed, Tab from field to field (a radio group is one Tab
/// stop; arrows choose within it: 「なし」 → 第2種 → 第1種).
async fn type_printed_physical(b: &super::driver::Browser, birth: &str, issued: &str) {
    for (field, text) in [
        ("field-name", "髙橋　太郎"),
        ("field-name_kana", "たかはし　たろう"),
        ("field-birth_date", birth),
        ("field-disability_category", "肢体不自由"),
        ("field-grade", "２級"),
    ] {
        b.tab_to(&format!("e.id === '{field}'")).await;
        b.keys(text).await;
    }
    b.tab_to("e.name === 'fare_class'").await;
    b.keys(&format!("{ARROW_UP}{ARROW_UP}")).await;
    for (field, text) in
        [("field-municipality", "未来県知事"), ("field-number", "第１０００００１号"), ("field-issued_on", issued)]
    {
        b.tab_to(&format!("e.id === '{field}'")).await;
        b.keys(text).await;
    }
}

/// OCR on: a clean handbook is approved by confirming the suggestions with the keyboard alone.
/// Enter in an empty field with a suggestion puts it in and moves on; focusing the field
/// outlines its line on the photo; only the furigana (which the engine misreads) is typed.
#[actix_web::test]
async fn a_clean_handbook_is_approved_by_confirming_ocr_suggestions_from_the_keyboard() {
    let Some(engine) = crate::ocr::engine() else {
        crate::helpers::skip_or_fail("OCR through the real engine (HANDBOOK_ADMIN_OCR_RUNTIME / _MODELS unset)");
        return;
    };
    with_browser("reviewer-ocr", |b| async move {
        let app = crate::helpers::spawn_app_with(TestDb::Sqlite, |s| s.ocr = engine).await;
        let (id, printed) = crate::ocr::upload_demo_handbook(&app, 0).await;
        assert_eq!(crate::ocr::ocr_finished(&app, id).await, handbook_admin::db::ocr::DONE);
        super::journeys::reviewer_takes_next(&b, &app.address).await;
        assert!(b.url().await.ends_with(&format!("/registrations/{id}")));
        if let Some(axe_js) = super::axe::source() {
            let blocking: Vec<String> = super::axe::check(&b, &axe_js)
                .await
                .into_iter()
                .filter(|v| v.blocks())
                .map(|v| v.to_string())
                .collect();
            assert!(blocking.is_empty(), "the review screen with suggestions: {blocking:?}");
        }
        // Nothing confirmed yet: the approval's box names the fields still open.
        let label = b.js("return document.querySelector('label[for=field-suggestions_checked]').textContent;").await;
        assert!(label.as_str().unwrap_or_default().contains("手帳番号"), "{label}");
        b.take_presses();
        b.mark_loads().await;
        for field in ["name", "birth_date", "disability_category", "grade"] {
            b.tab_to(&format!("e.id === 'field-{field}'")).await;
            if field == "name" {
                // Focus outlines the line the suggestion was read from, on its photo.
                b.wait_for(
                    "document.querySelector('.viewer__mark') && !document.querySelector('.viewer__mark').hidden",
                )
                .await;
            }
            b.press(ENTER).await;
            b.wait_for(&format!("document.getElementById('field-{field}').value !== ''")).await;
            if field == "name" {
                b.keys(&printed.name_kana).await;
            }
        }
        b.tab_to("e.getAttribute('data-accept') === 'fare_class'").await;
        b.press(ENTER).await;
        b.wait_for("document.getElementById('fare_class-2').checked").await;
        for field in ["municipality", "number", "issued_on", "renewed_on"] {
            b.tab_to(&format!("e.id === 'field-{field}'")).await;
            b.press(ENTER).await;
            b.wait_for(&format!("document.getElementById('field-{field}').value !== ''")).await;
        }
        // Every suggestion used: the box for unused ones names none and is gone.
        b.wait_for("document.getElementById('field-suggestions_checked').closest('.checkbox').hidden").await;
        for check in ["field-face_photo", "field-right_pages", "field-legible", "field-no_tampering"] {
            b.tab_to(&format!("e.id === '{check}'")).await;
            b.press(SPACE).await;
        }
        b.tab_to("e.name === 'decision'").await;
        b.press(SPACE).await;
        assert!(!b.loaded_since_mark().await, "no page load while confirming");
        b.ctrl_enter().await;
        b.wait_for("document.querySelector('dialog[open]')").await;
        b.press(ENTER).await;
        b.wait_for("!window.__journey").await;
        let presses = b.take_presses();
        println!("a clean handbook with OCR took {presses} non-text key presses");
        assert_eq!(app.status_of(id), ReviewStatus::Approved);
        let fields = app.fields_of(id).expect("saved");
        assert_eq!(fields.number_key, "5536918");
        assert_eq!(fields.birth_date.to_string(), "1943-12-17");
        let transcribed = app.audit_events("registration.transcribed");
        let details: serde_json::Value = serde_json::from_str(&transcribed.last().unwrap().details).unwrap();
        for field in ["number", "birth_date", "grade", "fare_class", "municipality", "issued_on", "renewed_on"] {
            assert_eq!(details["suggestions"][field], "accepted", "{field}: {details}");
        }
    })
    .await;
}
