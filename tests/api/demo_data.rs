//! Demo data through the real intake path.

use handbook_admin::clock::Clock;
use handbook_admin::images::ImageStore;
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{TestDb, spawn_app};

dual_test!(demo_holders_arrive_as_real_registrations, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let store = ImageStore::from_settings(&app.settings);
    let now = app.clock.now();
    let pool = app.pool.clone();
    let created = actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::holders::seed(&mut conn, &store, 4, now).unwrap()
    })
    .await
    .unwrap_or_default();
    assert_eq!(created, 4);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM handbooks WHERE status = 'submitted'"), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM handbooks WHERE status = 'approved'"),
        2,
        "reviewed through the real workflow"
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM notifications"), 2);
    assert!(app.count("SELECT COUNT(*) AS n FROM handbook_images") >= 4);
    assert_eq!(app.count("SELECT COUNT(DISTINCT kind) AS n FROM handbooks"), 1, "indices 0-4 are physical");
    // A second run adds nothing.
    let store = ImageStore::from_settings(&app.settings);
    let pool = app.pool.clone();
    let again = actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::holders::seed(&mut conn, &store, 4, now).unwrap()
    })
    .await
    .unwrap_or_default();
    assert_eq!(again, 0);
    // The photos decrypt and decode.
    let id = app.count("SELECT MIN(id) AS n FROM handbooks");
    crate::intake::claim(&app, id, "reviewer@demo.invalid");
    let reviewer = app.signed_in(handbook_admin::domain::staff::Role::Reviewer).await;
    let image_id = app.count(&format!("SELECT MIN(id) AS n FROM handbook_images WHERE handbook_id = {id}"));
    let response = reviewer.client.get(format!("{}/images/{image_id}", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let photo = image::load_from_memory(&response.bytes().await.unwrap_or_default()).unwrap();
    assert!(photo.width() > 800);
});

dual_test!(bulk_seed_fills_the_tables, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let store = ImageStore::from_settings(&app.settings);
    let now = app.clock.now();
    let pool = app.pool.clone();
    let stats = actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        handbook_admin::demo::bulk::seed(&mut conn, &store, 2_500, now).unwrap()
    })
    .await
    .unwrap();
    assert_eq!((stats.holders, stats.handbooks, stats.images), (2_500, 5_000, 5_000));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM handbooks WHERE status = 'submitted'"), 125);
    // Ids keep working after the explicit ones (PostgreSQL sequences moved on).
    crate::intake::register(&app, "MR-AFTER-BULK", "physical", vec![crate::fixtures::jpeg(100, 80)]).await;
});
