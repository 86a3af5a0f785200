//! Reflow (JIS X 8341-3 / WCAG 1.4.10): at 320 CSS pixels wide, which is a 1280-pixel window
//! at 400 % or a 640-pixel one at 200 %, the queue and the review screen show everything
//! without the page itself scrolling sideways. (A wide table may scroll inside its own box.)

use handbook_admin::domain::staff::Role;

use super::driver::{Browser, with_browser};
use super::screens::sign_in;
use crate::fixtures;
use crate::helpers::{PASSWORD, TestDb, demo_email, spawn_app};
use crate::intake::register;

/// How far the page is wider than the viewport, and the widest elements sticking out.
async fn overflow(b: &Browser) -> (i64, String) {
    let found = b
        .js("const w = document.documentElement.clientWidth;
             const wide = [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-scroll, .viewer__stage'))
               .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + (e.id ? '#' + e.id : ''));
             return [document.documentElement.scrollWidth - w, wide.join(', ')];")
        .await;
    (found[0].as_i64().unwrap_or(i64::MAX), found[1].as_str().unwrap_or_default().to_owned())
}

#[actix_web::test]
async fn queue_and_review_reflow_at_320_css_pixels() {
    with_browser("reflow-320", |b| async move {
        let app = spawn_app(TestDb::Sqlite).await;
        let id = register(&app, "MR-REFLOW01", "physical", vec![fixtures::jpeg(1200, 800)]).await;
        let mut reviewer = app.signed_in(Role::Reviewer).await;
        app.claim_as(&mut reviewer, id, demo_email(Role::Reviewer)).await;
        sign_in(&b, &app, demo_email(Role::Reviewer), PASSWORD).await;
        b.emulate_width(Some(320)).await;
        for (path, heading) in [("/queue".to_owned(), "審査キュー"), (format!("/registrations/{id}"), "審査")] {
            b.go(&format!("{}{path}", app.address)).await;
            b.wait_for_heading(heading).await;
            let width = b.js("return window.innerWidth;").await;
            assert_eq!(width.as_i64(), Some(320), "the emulated viewport");
            let (excess, culprits) = overflow(&b).await;
            assert!(excess <= 0, "{path} scrolls sideways by {excess}px at 320px: {culprits}");
        }
        b.emulate_width(None).await;
    })
    .await;
}
