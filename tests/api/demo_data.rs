//! Demo data through the real intake path.

use handbook_admin::clock::Clock;
use handbook_admin::domain::handbook::{HandbookKind, ReviewStatus};
use handbook_admin::domain::staff::Role;
use handbook_admin::images::ImageStore;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{TestDb, demo_email, spawn_app};

dual_test!(demo_holders_arrive_as_real_registrations, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let store = ImageStore::from_settings(&app.settings).unwrap();
    let now = app.clock.now();
    let pool = app.pool.clone();
    let created = actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::holders::seed(&mut conn, &crate::helpers::test_audit_keys(), &store, 4, now).unwrap()
    })
    .await
    .expect("the seed ran to the end");
    assert_eq!(created, 4);
    assert_eq!(app.handbooks_with_status(ReviewStatus::Submitted), 2);
    assert_eq!(app.handbooks_with_status(ReviewStatus::Approved), 2, "reviewed through the real workflow");
    app.assert_counters_agree();
    assert_eq!(app.notification_count(), 2);
    assert!(app.image_count() >= 4);
    assert_eq!(app.handbook_kinds(), [HandbookKind::Physical], "indices 0-4 are physical");
    // A second run adds nothing.
    let store = ImageStore::from_settings(&app.settings).unwrap();
    let pool = app.pool.clone();
    let again = actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::holders::seed(&mut conn, &crate::helpers::test_audit_keys(), &store, 4, now).unwrap()
    })
    .await
    .expect("the second seed ran to the end");
    assert_eq!(again, 0);
    // Portal data for the approved ones, through the real callback service.
    // The simulator regenerates the same four holders from the day they were seeded.
    let sim = handbook_admin::demo::myna_sim::Simulator::new(
        handbook_admin::demo::myna_sim::dataset::Dataset::demo(4, now.date()),
        app.clock.clone(),
        format!("{}/api/v1/myna/callback", app.address),
        handbook_admin::secrets::Secret::new("test-myna-secret".to_owned()),
        handbook_admin::demo::myna_sim::Behaviour::prompt(),
    )
    .unwrap();
    let pool = app.pool.clone();
    let delivered = actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::myna::seed(&mut conn, &crate::helpers::test_audit_keys(), &sim, now).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(delivered, (2, 0), "both approved handbooks, each a planted difference; none left to consent");
    assert_eq!(app.audit_count("myna.delivered"), 2);
    // The photos decrypt and decode (seen by a reviewer who takes a waiting registration).
    let id = app.handbook_ids_with_status(ReviewStatus::Submitted)[0];
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    app.claim_as(&mut reviewer, id, demo_email(Role::Reviewer)).await;
    let image_id = app.images_of(id).first().expect("the registration has photos").id;
    let response = reviewer.client.get(format!("{}/images/{image_id}", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let photo = image::load_from_memory(&response.bytes().await.expect("photo bytes")).unwrap();
    assert!(photo.width() > 800);
});

dual_test!(bulk_seed_fills_the_tables, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let store = ImageStore::from_settings(&app.settings).unwrap();
    let now = app.clock.now();
    let pool = app.pool.clone();
    let stats = actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::bulk::seed(&mut conn, &store, 2_500, now).unwrap()
    })
    .await
    .unwrap();
    assert_eq!((stats.holders, stats.handbooks, stats.images), (2_500, 5_000, 5_000));
    assert_eq!(app.handbooks_with_status(ReviewStatus::Submitted), 125);
    // Ids keep working after the explicit ones (PostgreSQL sequences moved on).
    crate::intake::register(&app, "MR-AFTER-BULK", "physical", vec![crate::fixtures::jpeg(100, 80)]).await;
});
