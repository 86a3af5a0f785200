//! The app's photo intake API and the photo store, through the real server.

use std::io::{Read, Write};
use std::path::Path;

use handbook_admin::domain::handbook::{HandbookKind, ReviewStatus};
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::staff::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::dual_test;
use crate::fixtures::{self, GPS_MARKER, contains};
use crate::helpers::{TestApp, TestDb, demo_email, spawn_app};

pub const TOKEN: &str = "test-intake-token";

pub fn metadata(public_id: &str, kind: &str) -> String {
    json!({
        "holder_public_id": public_id, "email": "holder@example.jp", "kind": kind, "proxy": false,
        "terms_version": "v7", "privacy_version": "v3"
    })
    .to_string()
}

pub fn image_part(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_owned()).mime_str("image/jpeg").unwrap()
}

pub async fn upload(app: &TestApp, token: Option<&str>, form: Form) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().post(format!("{}/api/v1/registrations", app.api_address)).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("upload");
    let status = response.status();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

/// Uploads one registration with these photos and returns its id.
/// One registration of one photo, posted to `base` with `token` as the app's backend does;
/// the status, or the transport's error (a node that stopped answering).
pub async fn post_one(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    public_id: &str,
    (photo, name): (Vec<u8>, &str),
) -> reqwest::Result<StatusCode> {
    let form = Form::new().text("metadata", metadata(public_id, "physical")).part("image", image_part(photo, name));
    let response =
        client.post(format!("{base}/api/v1/registrations")).bearer_auth(token).multipart(form).send().await?;
    Ok(response.status())
}

pub async fn register(app: &TestApp, public_id: &str, kind: &str, photos: Vec<Vec<u8>>) -> i64 {
    let mut form = Form::new().text("metadata", metadata(public_id, kind));
    for (i, bytes) in photos.into_iter().enumerate() {
        form = form.part("image", image_part(bytes, &format!("page{i}.jpg")));
    }
    let (status, body) = upload(app, Some(TOKEN), form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["registration_id"].as_i64().unwrap_or_else(|| panic!("no id in {body}"))
}

pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn assert_nothing_stored(app: &TestApp, what: &str) {
    assert_eq!(app.holder_count(), 0, "{what}: holder row");
    assert_eq!(app.handbook_count(), 0, "{what}: handbook row");
    assert_eq!(app.image_count(), 0, "{what}: image row");
    assert_eq!(files_under(&app.data_dir.join("images")), Vec::<std::path::PathBuf>::new(), "{what}: files");
}

dual_test!(each_kind_is_registered_with_encrypted_photos, |db: TestDb| async move {
    let app = spawn_app(db).await;
    for (i, kind) in HandbookKind::ALL.into_iter().enumerate() {
        let photos = vec![fixtures::jpeg(800, 600), fixtures::png(600, 800)];
        let id = register(&app, &format!("MR-00000{i}"), kind.as_str(), photos).await;
        assert_eq!(app.status_of(id), ReviewStatus::Submitted);
        assert_eq!(app.kind_of(id), kind);
        assert_eq!(app.handbook(id).channel, handbook_admin::domain::handbook::Channel::App);
        assert_eq!(app.images_of(id).len(), 2);
    }
    assert_eq!(app.holders_with_status(HolderStatus::Pending), 3);
    assert_eq!(app.images_with_mime("image/png"), 3);
    let files = files_under(&app.data_dir.join("images"));
    assert_eq!(files.len(), 12, "a photo and a thumbnail per image");
    for file in files {
        let bytes = std::fs::read(&file).expect("stored photo");
        assert!(bytes.starts_with(b"HBAI\x01"), "encrypted header");
        assert!(!bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && !contains(&bytes, b"JFIF") && !contains(&bytes, b"\x89PNG"));
    }
    assert_eq!(app.audit_actions().iter().filter(|a| *a == "registration.received").count(), 3);
});

dual_test!(every_refusal_has_its_code_and_stores_nothing, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let ok_meta = || metadata("MR-123456", "physical");
    let cases: Vec<(&str, Option<&str>, Form, StatusCode, &str)> = vec![
        (
            "no token",
            None,
            Form::new().text("metadata", ok_meta()).part("image", image_part(fixtures::jpeg(64, 64), "a.jpg")),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "wrong token",
            Some("test-intake-tokem"),
            Form::new().text("metadata", ok_meta()).part("image", image_part(fixtures::jpeg(64, 64), "a.jpg")),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "no metadata",
            Some(TOKEN),
            Form::new().part("image", image_part(fixtures::jpeg(64, 64), "a.jpg")),
            StatusCode::BAD_REQUEST,
            "invalid_metadata",
        ),
        (
            "broken metadata",
            Some(TOKEN),
            Form::new()
                .text("metadata", "{\"holder_public_id\":")
                .part("image", image_part(fixtures::jpeg(64, 64), "a.jpg")),
            StatusCode::BAD_REQUEST,
            "invalid_metadata",
        ),
        (
            "unknown kind",
            Some(TOKEN),
            Form::new()
                .text("metadata", metadata("MR-123456", "passport"))
                .part("image", image_part(fixtures::jpeg(64, 64), "a.jpg")),
            StatusCode::BAD_REQUEST,
            "invalid_metadata",
        ),
        (
            "a GIF",
            Some(TOKEN),
            Form::new()
                .text("metadata", ok_meta())
                .part("image", image_part(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), "a.jpg")),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "0 bytes",
            Some(TOKEN),
            Form::new().text("metadata", ok_meta()).part("image", image_part(Vec::new(), "a.jpg")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "corrupt_image",
        ),
        (
            "truncated JPEG",
            Some(TOKEN),
            Form::new().text("metadata", ok_meta()).part(
                "image",
                image_part(
                    {
                        let j = fixtures::jpeg(400, 300);
                        j[..j.len() / 2].to_vec()
                    },
                    "a.jpg",
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "corrupt_image",
        ),
        (
            "a JPEG declaring 16000×16000 with no scan data",
            Some(TOKEN),
            Form::new().text("metadata", ok_meta()).part("image", image_part(fixtures::jpeg_claiming(16_000), "a.jpg")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "corrupt_image",
        ),
        (
            "a small PNG claiming 16000×16000",
            Some(TOKEN),
            Form::new().text("metadata", ok_meta()).part("image", image_part(fixtures::png_claiming(16_000), "a.png")),
            StatusCode::PAYLOAD_TOO_LARGE,
            "image_too_large",
        ),
        (
            "11 MiB",
            Some(TOKEN),
            Form::new().text("metadata", ok_meta()).part("image", image_part(vec![0xFF; 11 * 1024 * 1024], "a.jpg")),
            StatusCode::PAYLOAD_TOO_LARGE,
            "image_too_large",
        ),
        (
            "five images",
            Some(TOKEN),
            (0..5).fold(Form::new().text("metadata", ok_meta()), |f, _| {
                f.part("image", image_part(fixtures::jpeg(64, 64), "a.jpg"))
            }),
            StatusCode::BAD_REQUEST,
            "too_many_images",
        ),
        ("no image", Some(TOKEN), Form::new().text("metadata", ok_meta()), StatusCode::BAD_REQUEST, "missing_image"),
        (
            "good then bad",
            Some(TOKEN),
            Form::new()
                .text("metadata", ok_meta())
                .part("image", image_part(fixtures::jpeg(64, 64), "a.jpg"))
                .part("image", image_part(b"not an image".to_vec(), "b.jpg")),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ];
    for (what, token, form, status, code) in cases {
        let (got, body) = upload(&app, token, form).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_nothing_stored(&app, what);
    }
});

dual_test!(bytes_decide_the_type_and_names_are_ignored, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let form = Form::new()
        .text("metadata", metadata("MR-777777", "mental"))
        .part("image", image_part(fixtures::png(320, 200), "photo.jpg"))
        .part("image", image_part(fixtures::jpeg_with_zip(320, 200), "../../etc/passwd"));
    let (status, body) = upload(&app, Some(TOKEN), form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["registration_id"].as_i64().expect("registration id");
    let images = app.images_of(id);
    let page = |n: i32| images.iter().find(|i| i.page == n).unwrap_or_else(|| panic!("no page {n}: {images:?}"));
    assert_eq!(page(1).original_mime, "image/png");
    for file in files_under(&app.data_dir.join("images")) {
        assert!(file.starts_with(app.data_dir.join("images")));
        assert!(!file.to_string_lossy().contains("passwd"));
    }
    // The appended archive does not survive: the stored photo is re-encoded pixels only.
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let image_id = page(2).id;
    app.claim_as(&mut reviewer, id, demo_email(Role::Reviewer)).await;
    let photo = reviewer.client.get(format!("{}/images/{image_id}", app.address)).send().await.unwrap();
    let bytes = photo.bytes().await.expect("photo bytes");
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert!(!contains(&bytes, b"PK\x03\x04") && !contains(&bytes, b"hidden payload"));
    reviewer.get("/").await;
});

dual_test!(metadata_is_gone_and_the_photo_is_upright, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let original = fixtures::jpeg_with_exif_gps(400, 300);
    assert!(contains(&original, GPS_MARKER) && contains(&original, b"Exif"));
    let id = register(&app, "MR-424242", "physical", vec![original]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    app.claim_as(&mut reviewer, id, demo_email(Role::Reviewer)).await;
    let images = app.images_of(id);
    assert_eq!(images.len(), 1);
    let image_id = images[0].id;
    for path in [format!("/images/{image_id}"), format!("/images/{image_id}/thumb")] {
        let response = reviewer.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/jpeg"));
        let bytes = response.bytes().await.expect("photo bytes");
        assert!(!contains(&bytes, GPS_MARKER), "{path}: GPS data survived");
        assert!(!contains(&bytes, b"Exif"), "{path}: EXIF survived");
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert!(decoded.height() > decoded.width(), "{path}: orientation 6 applied (400×300 → 300×400)");
    }
    assert_eq!(app.image(image_id).width, 300);
});

dual_test!(a_withdrawn_holders_photos_open_only_as_evidence, |db: TestDb| async move {
    // After 退会 the photos are nobody's work any more: an inquiry or a double check no longer
    // opens them; an audit or a fraud investigation still does (and is recorded).
    let app = spawn_app(db).await;
    let id = register(&app, "MR-LEFT0001", "physical", vec![fixtures::jpeg(320, 240)]).await;
    let image_id = app.images_of(id)[0].id;
    let withdrawn = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/MR-LEFT0001/withdrawal", app.address))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"reason":"voluntary"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    reviewer.get(&format!("/registrations/{id}/photos")).await;
    let page =
        reviewer.post(&format!("/registrations/{id}/photo-access"), &[("reason", "inquiry"), ("detail", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.select_texts("#error-reason").concat().contains("退会したID"), "{}", page.body);
    assert_eq!(reviewer.get(&format!("/images/{image_id}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count("photos.access_stated"), 0);
    let page = reviewer
        .post(&format!("/registrations/{id}/photo-access"), &[("reason", "fraud_investigation"), ("detail", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(reviewer.get(&format!("/images/{image_id}")).await.status, StatusCode::OK);
    assert_eq!(app.audit_count("image.viewed"), 1);
});

dual_test!(photos_open_by_claim_or_stated_reason_and_every_view_is_audited, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let id = register(&app, "MR-555555", "physical", vec![fixtures::jpeg(320, 240)]).await;
    let images = app.images_of(id);
    assert_eq!(images.len(), 1);
    let image_id = images[0].id;
    let views = || app.audit_count("image.viewed");

    // Support and admin: refused outright, and the refusal writes nothing.
    for role in [Role::Support, Role::Admin] {
        let events = app.audit_actions().len();
        let mut browser = app.signed_in(role).await;
        let events = events + 1; // the sign-in itself
        assert_eq!(browser.get(&format!("/images/{image_id}")).await.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(browser.get(&format!("/images/{image_id}/thumb")).await.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(app.audit_actions().len(), events, "{role}: refusal is audit-free");
    }

    // An auditor must state a reason first.
    let mut auditor = app.signed_in(Role::Auditor).await;
    let page = auditor.get(&format!("/images/{image_id}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(views(), 0);
    let page = auditor.get(&format!("/registrations/{id}/photos")).await;
    assert!(page.body.contains("閲覧理由"));
    let page = auditor.post(&format!("/registrations/{id}/photo-access"), &[("reason", "other"), ("detail", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("4文字以上"));
    assert!(page.body.contains("value=\"other\" checked"), "the choice is kept");
    let page = auditor
        .post(&format!("/registrations/{id}/photo-access"), &[("reason", "audit"), ("detail", "定期監査")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = auditor.get(&format!("/registrations/{id}/photos")).await;
    assert!(page.body.contains(&format!("/images/{image_id}/thumb")));
    assert_eq!(auditor.get(&format!("/images/{image_id}")).await.status, StatusCode::OK);
    assert_eq!(views(), 1);
    assert_eq!(
        app.audit_events("image.viewed")
            .iter()
            .filter(|e| e.reason.as_deref().is_some_and(|r| r.starts_with("監査")))
            .count(),
        1
    );

    // The reason expires after thirty minutes.
    app.clock.advance(time::Duration::minutes(31));
    let mut auditor = app.signed_in(Role::Auditor).await;
    assert_eq!(auditor.get(&format!("/images/{image_id}")).await.status, StatusCode::FORBIDDEN);

    // A reviewer holding the claim needs no reason.
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    app.claim_as(&mut reviewer, id, demo_email(Role::Reviewer)).await;
    assert_eq!(reviewer.get(&format!("/images/{image_id}/thumb")).await.status, StatusCode::OK);
    assert_eq!(app.audit_events("image.viewed").iter().filter(|e| e.details.contains("claim")).count(), 1);
    // Another reviewer does not hold it.
    let mut other = app.browser();
    other.login("reviewer2@demo.invalid", crate::helpers::PASSWORD).await;
    assert_eq!(other.get(&format!("/images/{image_id}/thumb")).await.status, StatusCode::FORBIDDEN);
});

dual_test!(concurrent_uploads_for_one_holder_make_one_holder, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let photo = fixtures::jpeg(200, 150);
    let kinds = ["physical", "mental", "intellectual", "physical", "mental", "intellectual"];
    let tasks = kinds.iter().enumerate().map(|(i, kind)| {
        let mut bytes = photo.clone();
        bytes.extend_from_slice(&[0xFF, 0xD9, i as u8]); // different hashes, same picture
        let form = Form::new().text("metadata", metadata("MR-999999", kind)).part("image", image_part(bytes, "p.jpg"));
        upload(&app, Some(TOKEN), form)
    });
    let results = futures_util::future::join_all(tasks).await;
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
    }
    assert_eq!(app.holder_count(), 1);
    assert_eq!(app.handbook_count(), 6);
    // Per kind, the later upload replaced the earlier one while both waited.
    assert_eq!(app.handbooks_with_status(ReviewStatus::Submitted), 3);
    assert_eq!(app.handbooks_with_status(ReviewStatus::Superseded), 3);
    app.assert_counters_agree();
});

dual_test!(resubmission_replaces_a_returned_registration_and_retries_are_idempotent, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let first = register(&app, "MR-313131", "mental", vec![fixtures::jpeg(200, 100)]).await;
    // The same photos again (a retry after a lost response): the same registration.
    let form = Form::new()
        .text("metadata", metadata("MR-313131", "mental"))
        .part("image", image_part(fixtures::jpeg(200, 100), "a.jpg"));
    let (status, body) = upload(&app, Some(TOKEN), form).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["registration_id"].as_i64(), Some(first));
    assert_eq!(files_under(&app.data_dir.join("images")).len(), 2, "the retry left no extra files");

    app.set_status(first, ReviewStatus::Returned);
    let second = register(&app, "MR-313131", "mental", vec![fixtures::jpeg(300, 100)]).await;
    assert_eq!(app.status_of(first), ReviewStatus::Superseded);
    assert_eq!(app.handbook(second).supersedes_id, Some(first));

    // While someone reviews it, a new upload waits.
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    app.claim_as(&mut reviewer, second, demo_email(Role::Reviewer)).await;
    let form = Form::new()
        .text("metadata", metadata("MR-313131", "mental"))
        .part("image", image_part(fixtures::jpeg(400, 100), "a.jpg"));
    let (status, body) = upload(&app, Some(TOKEN), form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "registration_in_review");
});

dual_test!(revoked_holders_cannot_register, |db: TestDb| async move {
    let app = spawn_app(db).await;
    register(&app, "MR-666666", "physical", vec![fixtures::jpeg(100, 100)]).await;
    app.set_holder_status("MR-666666", HolderStatus::Revoked);
    let form = Form::new()
        .text("metadata", metadata("MR-666666", "mental"))
        .part("image", image_part(fixtures::jpeg(120, 100), "a.jpg"));
    let (status, body) = upload(&app, Some(TOKEN), form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "holder_not_eligible");
});

/// Sends an upload by hand over TCP, chunked, with an endless photo part; returns the status
/// line and how many body bytes went out before the server answered.
fn endless_upload(port: u16, content_length: Option<usize>) -> (String, usize) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_write_timeout(Some(std::time::Duration::from_secs(10))).ok();
    let framing = match content_length {
        Some(n) => format!("Content-Length: {n}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".to_owned(),
    };
    let head = format!(
        "POST /api/v1/registrations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: multipart/form-data; boundary=XBOUNDARYX\r\n{framing}\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let reader = stream.try_clone().unwrap();
    let answer = std::thread::spawn(move || {
        let mut reader = reader;
        let mut buf = [0u8; 512];
        let n = reader.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or_default().to_owned()
    });
    let preamble = b"--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"image\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xFF\xD8\xFF";
    let chunk = vec![0xABu8; 64 * 1024];
    let mut sent = 0usize;
    let mut write = |data: &[u8], sent: &mut usize| -> bool {
        let framed = if content_length.is_some() {
            data.to_vec()
        } else {
            [format!("{:x}\r\n", data.len()).as_bytes(), data, b"\r\n"].concat()
        };
        if stream.write_all(&framed).is_err() {
            return false;
        }
        *sent += data.len();
        true
    };
    if write(preamble, &mut sent) {
        while sent < 200 * 1024 * 1024 && !answer.is_finished() && write(&chunk, &mut sent) {}
    }
    let status = answer.join().expect("reading the answer");
    (status, sent)
}

/// Sends only the request head of an upload declaring `content_length` bytes and returns the
/// answer's status line: a server that waits for the body never answers (10 s timeout).
fn headers_only(port: u16, content_length: usize) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /api/v1/registrations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: multipart/form-data; boundary=XBOUNDARYX\r\nContent-Length: {content_length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or_default().to_owned()
}

dual_test!(oversized_uploads_are_refused_before_they_are_read, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let port = app.port;
    // Declared too large: refused on the headers, before one byte of the body is sent.
    let status = actix_web::web::block(move || headers_only(port, 500 * 1024 * 1024)).await.expect("upload thread");
    assert!(status.contains("413"), "{status}");
    // Chunked, no length: refused once the photo passes 10 MiB, long before 200 MiB. (What was
    // sent includes what the loopback socket buffers absorbed while the server answered.)
    let (status, sent) = actix_web::web::block(move || endless_upload(port, None)).await.expect("upload thread");
    assert!(status.contains("413"), "{status}");
    assert!(sent < 64 * 1024 * 1024, "server answered after {sent} bytes");
    assert_nothing_stored(&app, "oversized");
});

async fn post_multipart(
    browser: &crate::helpers::Browser,
    path: &str,
    form: Form,
) -> (StatusCode, String, Option<String>) {
    let response = browser.client.post(format!("{}{path}", browser.base)).multipart(form).send().await.unwrap();
    let status = response.status();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, response.text().await.unwrap_or_default(), location)
}

dual_test!(reviewers_register_for_holders_by_proxy, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    let page = reviewer.get("/registrations/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = reviewer.csrf.clone().unwrap_or_default();

    // The token must be the first part; without it nothing is read.
    let form =
        Form::new().text("holder_public_id", "MR-808080").text("csrf_token", token.clone()).text("kind", "physical");
    let (status, _, _) = post_multipart(&reviewer, "/registrations", form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A mistake comes back with what was typed.
    let form = Form::new()
        .text("csrf_token", token.clone())
        .text("holder_public_id", "MR-808080")
        .text("email", "")
        .text("kind", "mental")
        .text("note", "")
        .part("images", image_part(fixtures::jpeg(300, 200), "scan.jpg"));
    let (status, body, _) = post_multipart(&reviewer, "/registrations", form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("value=\"MR-808080\""));
    assert!(body.contains("value=\"mental\" checked"));
    assert!(body.contains("代理登録の理由"));
    assert!(body.contains("署名した日"), "no consent record, no registration");
    assert_eq!(app.handbook_count(), 0);

    let form = Form::new()
        .text("csrf_token", token.clone())
        .text("holder_public_id", "mr-808080")
        .text("email", "family@example.jp")
        .text("kind", "mental")
        .text("note", "郵送で受け付けたため")
        .text("terms_version", "v7")
        .text("privacy_version", "v3")
        .text("consent_signed_on", "令和8年11月20日")
        .part("images", image_part(fixtures::jpeg(300, 200), "scan1.jpg"))
        .part("images", image_part(fixtures::png(300, 200), "scan2.png"));
    let (status, _, location) = post_multipart(&reviewer, "/registrations", form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/registrations/new"));
    let registered = app.handbook_ids_of_holder("MR-808080");
    assert!(app.holder("MR-808080").is_some(), "the ID is stored upper-case");
    assert_eq!(registered.len(), 1);
    assert_eq!(app.handbook_count(), 1);
    let row = app.handbook(registered[0]);
    assert_eq!((row.channel.as_str(), row.proxy), ("staff", true));
    // The consent of the signed form is recorded with its versions.
    let holder = app.holder("MR-808080").unwrap().id;
    let mut sup = app.signed_in(Role::Supervisor).await;
    let profile = sup.get(&format!("/holders/{holder}")).await;
    assert!(
        profile.body.contains("利用規約: v7") && profile.body.contains("プライバシーポリシー: v3"),
        "{}",
        profile.body
    );
    assert_eq!(app.kind_of(registered[0]), HandbookKind::Mental);
    assert_eq!(app.image_count(), 2);
    let received = app.audit_events("registration.received");
    assert_eq!(
        received
            .iter()
            .filter(|e| e.actor.starts_with("staff:") && e.reason.as_deref() == Some("郵送で受け付けたため"))
            .count(),
        1,
        "{received:?}"
    );
    let page = reviewer.get("/registrations/new").await;
    assert!(page.body.contains("代理登録として受け付けました"));

    // Four eyes: whoever uploaded it cannot review it. Take-next passes it by, a direct claim
    // is refused with the reason, and another reviewer takes and decides it.
    let id = registered[0];
    assert_eq!(crate::review::take_next(&mut reviewer).await, None, "the uploader is not handed their own upload");
    reviewer.get(&format!("/registrations/{id}")).await;
    let refused = reviewer.post(&format!("/registrations/{id}/claim"), &[]).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(app.handbook(id).claimed_by, None);
    let page = reviewer.get(&format!("/registrations/{id}")).await;
    assert!(page.body.contains("自分で代理登録した登録は審査できません"), "the reason is shown");
    let mut supervisor = app.signed_in(Role::Supervisor).await;
    assert_eq!(crate::review::take_next(&mut supervisor).await, Some(id));
    let mut fields = vec![("decision", "return"), ("defects", "D02")];
    fields.extend_from_slice(&crate::review::CHECKED);
    let decided = crate::review::decide(&mut supervisor, id, &fields).await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);

    // Support staff have no such form.
    let mut support = app.signed_in(Role::Support).await;
    assert_eq!(support.get("/registrations/new").await.status, StatusCode::FORBIDDEN);
});

dual_test!(browser_style_mixed_case_boundaries_pass_the_csrf_check, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    reviewer.get("/registrations/new").await;
    let token = reviewer.csrf.clone().unwrap_or_default();
    // As Chromium writes it: a mixed-case boundary the server must keep exactly.
    let boundary = "----WebKitFormBoundaryAbCdEfGh12";
    let mut body = Vec::new();
    for (name, value) in [
        ("csrf_token", token.as_str()),
        ("holder_public_id", "MR-WEBKIT1"),
        ("email", ""),
        ("kind", "physical"),
        ("note", "郵送で受け付けたため"),
        ("terms_version", "v7"),
        ("privacy_version", "v3"),
        ("consent_signed_on", "2026-11-20"),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(&fixtures::jpeg(200, 120));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = reviewer
        .client
        .post(format!("{}/registrations", app.address))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(app.holder("MR-WEBKIT1").is_some());
});

dual_test!(a_refused_photo_keeps_the_rest_of_the_proxy_form, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    reviewer.get("/registrations/new").await;
    let token = reviewer.csrf.clone().unwrap_or_default();
    let form = Form::new()
        .text("csrf_token", token)
        .text("holder_public_id", "MR-KEEP01")
        .text("email", "family@example.jp")
        .text("kind", "intellectual")
        .text("note", "本人の依頼により家族が来所")
        .text("terms_version", "v7")
        .text("privacy_version", "v3")
        .text("consent_signed_on", "2026-11-20")
        .part("images", image_part(b"not a photo at all".to_vec(), "scan.jpg"));
    let (status, body, _) = post_multipart(&reviewer, "/registrations", form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("JPEGまたはPNG"));
    assert!(body.contains("value=\"MR-KEEP01\""));
    assert!(body.contains("value=\"family@example.jp\""));
    assert!(body.contains("value=\"intellectual\" checked"));
    assert!(body.contains("本人の依頼により家族が来所"));
    assert!(!body.contains("利用者IDは6〜40文字"), "no false errors for fields that were filled in");
    assert_nothing_stored(&app, "refused proxy photo");
});

dual_test!(staff_cannot_redirect_a_holders_notices, |db: TestDb| async move {
    let app = spawn_app(db).await;
    register(&app, "MR-MAIL001", "physical", vec![fixtures::jpeg(100, 80)]).await;
    let mut reviewer = app.signed_in(Role::Reviewer).await;
    reviewer.get("/registrations/new").await;
    let form = Form::new()
        .text("csrf_token", reviewer.csrf.clone().unwrap_or_default())
        .text("holder_public_id", "MR-MAIL001")
        .text("email", "someone-else@example.jp")
        .text("kind", "mental")
        .text("note", "郵送で受け付けたため")
        .text("terms_version", "v7")
        .text("privacy_version", "v3")
        .text("consent_signed_on", "2026-11-20")
        .part("images", image_part(fixtures::jpeg(120, 80), "a.jpg"));
    let (status, _, _) = post_multipart(&reviewer, "/registrations", form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let email = |app: &TestApp| app.holder("MR-MAIL001").expect("the holder").email;
    assert_eq!(email(&app).as_deref(), Some("holder@example.jp"), "kept");
    assert_eq!(app.audit_count("holder.email_changed"), 0);
    // The app itself may change it, and that is recorded.
    let form = Form::new()
        .text(
            "metadata",
            json!({"holder_public_id": "MR-MAIL001", "email": "new@example.jp", "kind": "intellectual",
                   "terms_version": "v7", "privacy_version": "v3"})
            .to_string(),
        )
        .part("image", image_part(fixtures::jpeg(130, 80), "b.jpg"));
    assert_eq!(upload(&app, Some(TOKEN), form).await.0, StatusCode::CREATED);
    assert_eq!(email(&app).as_deref(), Some("new@example.jp"));
    assert_eq!(app.audit_count("holder.email_changed"), 1);
});

dual_test!(a_registration_without_the_consented_versions_is_refused, |db: TestDb| async move {
    let app = spawn_app(db).await;
    for meta in [
        json!({"holder_public_id": "MR-NOCONS1", "kind": "physical"}),
        json!({"holder_public_id": "MR-NOCONS1", "kind": "physical", "terms_version": "v7"}),
        json!({"holder_public_id": "MR-NOCONS1", "kind": "physical", "privacy_version": "v3"}),
    ] {
        let form =
            Form::new().text("metadata", meta.to_string()).part("image", image_part(fixtures::jpeg(120, 80), "a.jpg"));
        let (status, body) = upload(&app, Some(TOKEN), form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{meta}");
        assert_eq!(body["error"]["code"], "consent_required", "{meta}");
    }
    assert!(app.holder("MR-NOCONS1").is_none(), "nothing registered");
});

dual_test!(an_id_that_may_not_register_costs_no_decoding, |db: TestDb| async move {
    let app = spawn_app(db).await;
    register(&app, "MR-GATE0001", "physical", vec![fixtures::jpeg(120, 80)]).await;
    let withdrawn = reqwest::Client::new()
        .post(format!("{}/api/v1/holders/MR-GATE0001/withdrawal", app.address))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"reason":"voluntary"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), StatusCode::OK);
    // A photo that would be refused as damaged: the ID is refused first, from the metadata.
    let form = Form::new()
        .text("metadata", metadata("MR-GATE0001", "mental"))
        .part("image", image_part(fixtures::jpeg_claiming(16_000), "a.jpg"));
    let (status, body) = upload(&app, Some(TOKEN), form).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("holder_not_eligible")));
    // Photos before the metadata are not decoded either: the client is told to send it first.
    let form = Form::new()
        .part("image", image_part(fixtures::jpeg(64, 64), "a.jpg"))
        .text("metadata", metadata("MR-GATE0002", "physical"));
    let (status, body) = upload(&app, Some(TOKEN), form).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_metadata")));
    assert!(app.holder("MR-GATE0002").is_none());
});
