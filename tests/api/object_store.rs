//! Photos in S3-compatible object storage: encrypted before upload under the same key ids, seen
//! by every node, swept of what no row names, and readiness that knows when the bucket is gone.
//! Runs against a real S3-compatible server (`TEST_S3_ENDPOINT`; `.ci/run` starts one).

use handbook_admin::domain::staff::Role;
use handbook_admin::settings::{PhotoStore, S3Settings};
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{TestApp, demo_email, spawn_app_with};

/// The test server's endpoint, or `None` (then the test is skipped, or fails in CI).
pub fn endpoint() -> Option<String> {
    let endpoint = std::env::var("TEST_S3_ENDPOINT").ok().filter(|v| !v.is_empty());
    if endpoint.is_none() {
        crate::helpers::skip_or_fail("TEST_S3_ENDPOINT not set: object storage");
    }
    endpoint
}

/// A new, empty bucket on the test server.
pub async fn bucket(endpoint: &str) -> S3Settings {
    let name = format!("hba-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new().put(format!("{endpoint}/{name}")).send().await.unwrap();
    assert!(created.status().is_success(), "creating the bucket: {}", created.status());
    S3Settings {
        bucket: name,
        prefix: "photos/v1".into(),
        endpoint: Some(endpoint.to_owned()),
        region: "us-east-1".into(),
        access_key_id: Some(handbook_admin::secrets::Secret::new("test-access-key".into())),
        secret_access_key: Some(handbook_admin::secrets::Secret::new("test-secret-key".into())),
        allow_http: true,
    }
}

/// The object as stored in the bucket (sealed), through a client of its own; 404 when absent.
async fn object_bytes(s3: &S3Settings, key: &str) -> (StatusCode, Vec<u8>) {
    let (s3, key) = (s3.clone(), key.to_owned());
    actix_web::web::block(move || {
        let store = handbook_admin::images::ImageStore::open(
            &PhotoStore::S3(s3),
            std::path::Path::new("/nonexistent"),
            handbook_admin::images::Keyring::new(&handbook_admin::secrets::Secret::new([0u8; 32]), &[]),
        )
        .unwrap();
        match store.get_sealed(&key) {
            Ok(bytes) => (StatusCode::OK, bytes),
            Err(handbook_admin::images::store::StoreError::Object(e))
                if matches!(*e, object_store::Error::NotFound { .. }) =>
            {
                (StatusCode::NOT_FOUND, Vec::new())
            }
            Err(e) => panic!("reading the bucket: {e}"),
        }
    })
    .await
    .unwrap()
}

async fn photo_via(app: &TestApp, browser: &mut crate::helpers::Browser, image_id: i64) -> Vec<u8> {
    let response = browser.client.get(format!("{}/images/{image_id}", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

dual_test!(photos_in_a_bucket_are_encrypted_and_every_node_opens_them, |db| async move {
    let Some(endpoint) = endpoint() else { return };
    let s3 = bucket(&endpoint).await;
    let a = spawn_app_with(db, |s| s.photo_store = PhotoStore::S3(s3.clone())).await;
    let b = crate::helpers::spawn_second_instance(&a).await;
    let id = crate::intake::register(&a, "MR-BUCKET01", "physical", vec![crate::fixtures::jpeg(640, 400)]).await;
    // Nothing of the photo is in the data folder: only in the bucket, sealed.
    assert!(std::fs::read_dir(a.data_dir.join("images")).map(|d| d.count() == 0).unwrap_or(true));
    let image = a.images_of(id).remove(0);
    let (status, stored) = object_bytes(&s3, &image.storage_key).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!handbook_admin::images::sniff::looks_like_image(&stored), "encrypted before upload");
    assert_eq!(image.key_id, a.settings.image_key_id(), "the same key ids as the folder");
    // Received on A, opened on B.
    let mut reviewer = b.signed_in(Role::Reviewer).await;
    b.claim_as(&mut reviewer, id, demo_email(Role::Reviewer)).await;
    let photo = photo_via(&b, &mut reviewer, image.id).await;
    assert!(photo.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert_eq!(image::load_from_memory(&photo).unwrap().width(), 640);
    for node in [&a, &b] {
        let ready = reqwest::get(format!("{}/readyz", node.address)).await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK);
    }
});

dual_test!(a_missing_bucket_makes_the_node_unready, |db| async move {
    let Some(endpoint) = endpoint() else { return };
    let mut s3 = bucket(&endpoint).await;
    s3.bucket = format!("{}-absent", s3.bucket);
    let app = spawn_app_with(db, |s| s.photo_store = PhotoStore::S3(s3.clone())).await;
    let ready = reqwest::get(format!("{}/readyz", app.address)).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["photo_store"], "unavailable");
    // An upload is refused as a whole: nothing is half-registered.
    let form = reqwest::multipart::Form::new()
        .text("metadata", crate::intake::metadata("MR-NOBUCKET", "physical"))
        .part("image", crate::intake::image_part(crate::fixtures::jpeg(120, 80), "p.jpg"));
    let (status, _) = crate::intake::upload(&app, Some(crate::intake::TOKEN), form).await;
    assert!(status.is_server_error(), "{status}");
    assert_eq!(app.image_count(), 0);
});

dual_test!(the_sweep_removes_from_the_bucket_only_what_no_row_names, |db| async move {
    let Some(endpoint) = endpoint() else { return };
    let s3 = bucket(&endpoint).await;
    let app = spawn_app_with(db, |s| s.photo_store = PhotoStore::S3(s3.clone())).await;
    let id = crate::intake::register(&app, "MR-SWEEP001", "physical", vec![crate::fixtures::jpeg(120, 80)]).await;
    let image = app.images_of(id).remove(0);
    let store = handbook_admin::images::ImageStore::from_settings(&app.settings).unwrap();
    // What a crash between the upload and the commit leaves: an object no row names.
    let orphan = store.put(b"\xFF\xD8\xFForphaned photo").unwrap();
    assert_eq!(object_bytes(&s3, &orphan).await.0, StatusCode::OK);
    let pool = app.pool.clone();
    let swept = actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        // The bucket stamps objects with the real time, not the test clock.
        #[allow(clippy::disallowed_methods)]
        let now = std::time::SystemTime::now();
        // Too young: a write of another node may still be on its way to its commit.
        let young =
            handbook_admin::images::sweep::sweep(&mut conn, &store, now, handbook_admin::images::sweep::MIN_AGE)
                .unwrap();
        let later = now + std::time::Duration::from_secs(3600);
        let old =
            handbook_admin::images::sweep::sweep(&mut conn, &store, later, handbook_admin::images::sweep::MIN_AGE)
                .unwrap();
        (young.orphan_photos, old.orphan_photos)
    })
    .await
    .unwrap();
    assert_eq!(swept, (0, 1));
    assert_eq!(object_bytes(&s3, &orphan).await.0, StatusCode::NOT_FOUND);
    assert_eq!(object_bytes(&s3, &image.storage_key).await.0, StatusCode::OK, "a named photo stays");
    assert_eq!(object_bytes(&s3, &image.thumb_key).await.0, StatusCode::OK);
});
