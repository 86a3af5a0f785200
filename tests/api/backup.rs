//! `backup` while uploads run, then `restore` into an empty folder: the manifest matches, the
//! audit chain verifies and every photo row opens; a backup that does not match its manifest
//! is refused and leaves nothing behind.

use std::path::Path;

use diesel::prelude::*;
use handbook_admin::db::schema::handbook_images;
use handbook_admin::images::ImageStore;
use handbook_admin::images::crypto::Keyring;
use handbook_admin::secrets::Secret;

use crate::dual_test;
use crate::helpers::{TestDb, spawn_app};

/// The test apps' image key (`helpers::test_settings`).
const IMAGE_KEY: [u8; 32] = [9u8; 32];

fn console(args: &[&str], database_url: &str, data_dir: &Path) -> std::process::Output {
    console_with(args, database_url, data_dir, &[])
}

fn console_with(args: &[&str], database_url: &str, data_dir: &Path, env: &[(&str, String)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_handbook-admin"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "error")
        .env("DATABASE_URL", database_url)
        .env("HANDBOOK_ADMIN_DATA_DIR", data_dir)
        .env("HANDBOOK_ADMIN_IMAGE_KEY", hex::encode(IMAGE_KEY))
        .env("HANDBOOK_ADMIN_AUDIT_KEY", hex::encode(crate::helpers::TEST_AUDIT_KEY))
        // Last: a test's own values win.
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap()
}

fn succeeded(output: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn refused(output: &std::process::Output) -> String {
    assert!(!output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn photo_keys(database_url: &str) -> Vec<(String, String)> {
    let url = handbook_admin::db::DatabaseUrl::parse(database_url).unwrap();
    let mut conn = handbook_admin::db::connect_pool(&url, 1).unwrap().get().unwrap();
    handbook_images::table.select((handbook_images::storage_key, handbook_images::thumb_key)).load(&mut *conn).unwrap()
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_folder(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn is_empty_or_absent(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(true)
}

/// A new, empty database of the same kind for the restore.
fn empty_database(db: TestDb, dir: &tempfile::TempDir) -> String {
    match db {
        TestDb::Sqlite => format!("sqlite://{}", dir.path().join("restored/console.db").display()),
        TestDb::Postgres => crate::helpers::fresh_database(TestDb::Postgres, dir),
    }
}

fn pg(tool: &str, args: &[&str]) {
    let output = std::process::Command::new(tool).args(args).output().unwrap();
    assert!(output.status.success(), "{tool}: {}", String::from_utf8_lossy(&output.stderr));
}

dual_test!(a_backup_taken_during_uploads_restores_to_a_verified_chain_and_photos_that_open, |db| async move {
    let app = spawn_app(db).await;
    for n in 0..3 {
        crate::intake::register(&app, &format!("MR-BACKUP{n:02}"), "physical", vec![crate::fixtures::jpeg(320, 200)])
            .await;
    }
    succeeded(&console(&["audit", "checkpoint"], &app.database_url, &app.data_dir));
    let before = photo_keys(&app.database_url).len();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("backup");
    // Uploads keep arriving while the backup runs.
    let uploads = {
        let api = app.api_address.clone();
        actix_web::rt::spawn(async move {
            let client = reqwest::Client::new();
            for n in 0..12 {
                let photo = (crate::fixtures::jpeg(320, 200), "p.jpg");
                let status =
                    crate::intake::post_one(&client, &api, crate::intake::TOKEN, &format!("MR-DURING{n:02}"), photo)
                        .await
                        .unwrap();
                assert_eq!(status, reqwest::StatusCode::CREATED);
            }
        })
    };
    let (url, data, target) = (app.database_url.clone(), app.data_dir.clone(), out.clone());
    let backup = actix_web::web::block(move || console(&["backup", "--out", target.to_str().unwrap()], &url, &data))
        .await
        .unwrap();
    uploads.await.unwrap();
    let said = succeeded(&backup);
    assert!(said.contains("backup complete"), "{said}");
    let taken = app.audit_events("backup.taken");
    assert_eq!(taken.len(), 1, "the trail says a copy of everything was taken");
    assert!(taken[0].details.contains("manifest_sha256"), "{}", taken[0].details);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["files"].as_object().unwrap().keys().any(|k| k.starts_with("audit-checkpoints/")));
    assert!(manifest["audit_head"]["seq"].as_i64().unwrap() > 0);
    let after = photo_keys(&app.database_url).len();
    assert_eq!(after, before + 12, "every upload went in");

    // A tampered copy is refused before anything is written.
    for (what, tamper) in [
        (
            "a photo changed",
            Box::new(|dir: &Path| {
                let photo = walk(dir).into_iter().find(|p| p.extension().is_some_and(|e| e == "hbai")).unwrap();
                let mut bytes = std::fs::read(&photo).unwrap();
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                std::fs::write(&photo, bytes).unwrap();
            }) as Box<dyn Fn(&Path)>,
        ),
        ("a file added", Box::new(|dir: &Path| std::fs::write(dir.join("photos/extra.hbai"), b"x").unwrap())),
        (
            "the manifest edited",
            Box::new(|dir: &Path| {
                let path = dir.join("manifest.json");
                let text =
                    std::fs::read_to_string(&path).unwrap().replacen("\"created_at\": \"", "\"created_at\": \"1", 1);
                std::fs::write(&path, text).unwrap();
            }),
        ),
    ] {
        let scratch = tempfile::tempdir().unwrap();
        let copy = scratch.path().join("copy");
        copy_folder(&out, &copy);
        tamper(&copy);
        let restored_url = empty_database(db, &scratch);
        let restored_data = scratch.path().join("restored/data");
        let why = refused(&console(&["restore", "--from", copy.to_str().unwrap()], &restored_url, &restored_data));
        assert!(why.contains("manifest"), "{what}: {why}");
        assert!(is_empty_or_absent(&restored_data.join("images")), "{what}: nothing restored");
        if db == TestDb::Sqlite {
            assert!(!scratch.path().join("restored/console.db").exists(), "{what}: no database file");
        }
    }

    // A restore that fails after it began writing (photos sealed under another key do not
    // open) takes away everything it wrote.
    {
        let scratch = tempfile::tempdir().unwrap();
        let restored_url = empty_database(db, &scratch);
        if db == TestDb::Postgres {
            pg("pg_restore", &["--no-owner", "--dbname", &restored_url, out.join("database.pgdump").to_str().unwrap()]);
        }
        let restored_data = scratch.path().join("restored/data");
        let wrong_key = [("HANDBOOK_ADMIN_IMAGE_KEY", hex::encode([1u8; 32]))];
        let why = refused(&console_with(
            &["restore", "--from", out.to_str().unwrap()],
            &restored_url,
            &restored_data,
            &wrong_key,
        ));
        assert!(why.contains("does not open"), "{why}");
        assert!(walk(&restored_data.join("images")).is_empty(), "the photos written are gone again");
        assert!(is_empty_or_absent(&restored_data.join("audit-checkpoints")));
        if db == TestDb::Sqlite {
            assert!(
                is_empty_or_absent(&scratch.path().join("restored"))
                    || walk(&scratch.path().join("restored")).is_empty(),
                "no database file, temporary or final"
            );
        }
    }

    // PostgreSQL: the database restored is checked against what the backup sealed, table by
    // table; a holder row edited after `pg_restore` (or another dump with the same audit head)
    // is refused before anything is written.
    if db == TestDb::Postgres {
        let scratch = tempfile::tempdir().unwrap();
        let restored_url = empty_database(db, &scratch);
        pg("pg_restore", &["--no-owner", "--dbname", &restored_url, out.join("database.pgdump").to_str().unwrap()]);
        {
            use diesel::connection::SimpleConnection;
            let url = handbook_admin::db::DatabaseUrl::parse(&restored_url).unwrap();
            let mut conn = handbook_admin::db::connect_pool(&url, 1).unwrap().get().unwrap();
            conn.batch_execute(
                "UPDATE holders SET email = 'someone-else@example.jp' WHERE id = (SELECT min(id) FROM holders)",
            )
            .unwrap();
        }
        let restored_data = scratch.path().join("restored/data");
        let why = refused(&console(&["restore", "--from", out.to_str().unwrap()], &restored_url, &restored_data));
        assert!(why.contains("table holders"), "{why}");
        assert!(is_empty_or_absent(&restored_data.join("images")), "nothing restored");
    }

    // The real restore, into an empty folder.
    let restored_url = empty_database(db, &work);
    let restored_data = work.path().join("restored/data");
    if db == TestDb::Postgres {
        pg("pg_restore", &["--no-owner", "--dbname", &restored_url, out.join("database.pgdump").to_str().unwrap()]);
    }
    let said = succeeded(&console(&["restore", "--from", out.to_str().unwrap()], &restored_url, &restored_data));
    assert!(said.contains("restore complete"), "{said}");
    succeeded(&console(&["audit", "verify"], &restored_url, &restored_data));
    {
        let url = handbook_admin::db::DatabaseUrl::parse(&restored_url).unwrap();
        let mut conn = handbook_admin::db::connect_pool(&url, 1).unwrap().get().unwrap();
        assert_eq!(crate::inspect::audit_count_in(&mut conn, &["backup.restored"]), 1, "the restore is on the trail");
        assert_eq!(crate::inspect::audit_count_in(&mut conn, &["backup.taken"]), 0, "taken after the copy's moment");
    }
    // Every photo row of the restored database opens with the image key, checked here too.
    let rows = photo_keys(&restored_url);
    assert!(
        rows.len() >= before && rows.len() <= after,
        "{} rows: a moment between the first and the last upload",
        rows.len()
    );
    let store = ImageStore::new(&restored_data, Keyring::new(&Secret::new(IMAGE_KEY), &[]));
    for (photo, thumb) in &rows {
        assert!(store.get(photo).is_ok() && store.get(thumb).is_ok(), "a restored photo row does not open");
    }
    // A second restore into the now filled folder is refused.
    let why = refused(&console(&["restore", "--from", out.to_str().unwrap()], &restored_url, &restored_data));
    assert!(why.contains("not empty") || why.contains("exists") || why.contains("longer"), "{why}");
});

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The same with the photos in a bucket: backed up from one bucket, restored into an empty one.
#[actix_web::test]
async fn a_backup_of_a_bucket_restores_into_an_empty_bucket() {
    use handbook_admin::settings::{PhotoStore, S3Settings};
    let Some(endpoint) = crate::object_store::endpoint() else { return };
    let source = crate::object_store::bucket(&endpoint).await;
    let app = crate::helpers::spawn_app_with(TestDb::Sqlite, |s| s.photo_store = PhotoStore::S3(source.clone())).await;
    for n in 0..3 {
        crate::intake::register(&app, &format!("MR-BKTBAK{n:02}"), "physical", vec![crate::fixtures::jpeg(200, 120)])
            .await;
    }
    let env = |s3: &S3Settings| {
        vec![
            ("HANDBOOK_ADMIN_PHOTO_STORE", format!("s3://{}/{}", s3.bucket, s3.prefix)),
            ("AWS_ENDPOINT_URL", endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test-access-key".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test-secret-key".to_owned()),
        ]
    };
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("backup");
    let (url, data, target, source_env) = (app.database_url.clone(), app.data_dir.clone(), out.clone(), env(&source));
    let backup = actix_web::web::block(move || {
        console_with(&["backup", "--out", target.to_str().unwrap()], &url, &data, &source_env)
    })
    .await
    .unwrap();
    assert!(succeeded(&backup).contains("6 photo-store files"), "three photos and their thumbnails");
    let empty = crate::object_store::bucket(&endpoint).await;
    let restored_url = format!("sqlite://{}", work.path().join("restored/console.db").display());
    let restored_data = work.path().join("restored/data");
    let (from, url, data, target_env) = (out.clone(), restored_url.clone(), restored_data.clone(), env(&empty));
    let restored = actix_web::web::block(move || {
        console_with(&["restore", "--from", from.to_str().unwrap()], &url, &data, &target_env)
    })
    .await
    .unwrap();
    assert!(succeeded(&restored).contains("6 photo-store files open"));
    let rows = photo_keys(&restored_url);
    assert_eq!(rows.len(), 3);
    let opened = actix_web::web::block(move || {
        let store =
            ImageStore::open(&PhotoStore::S3(empty), &restored_data, Keyring::new(&Secret::new(IMAGE_KEY), &[]))
                .unwrap();
        rows.iter().all(|(photo, thumb)| store.get(photo).is_ok() && store.get(thumb).is_ok())
    })
    .await
    .unwrap();
    assert!(opened, "every restored row opens from the new bucket");
}

#[actix_web::test]
async fn backup_and_restore_touch_nothing_they_refuse_and_follow_no_link() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app(TestDb::Sqlite).await;
    crate::intake::register(&app, "MR-BKREFUSE", "physical", vec![crate::fixtures::jpeg(200, 120)]).await;
    let scratch = tempfile::tempdir().unwrap();

    // A folder that is not empty is refused and left exactly as it was.
    let busy = scratch.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), b"an operator's notes").unwrap();
    std::fs::set_permissions(&busy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let why = refused(&console(&["backup", "--out", busy.to_str().unwrap()], &app.database_url, &app.data_dir));
    assert!(why.contains("not empty"), "{why}");
    assert_eq!(std::fs::metadata(&busy).unwrap().permissions().mode() & 0o777, 0o755, "the mode is untouched");

    let out = scratch.path().join("backup");
    succeeded(&console(&["backup", "--out", out.to_str().unwrap()], &app.database_url, &app.data_dir));

    // A stale write-ahead log beside the target would be replayed into the restored file.
    let target = scratch.path().join("stale");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("console.db-wal"), b"left by an earlier database").unwrap();
    let stale_url = format!("sqlite://{}", target.join("console.db").display());
    let why = refused(&console(&["restore", "--from", out.to_str().unwrap()], &stale_url, &target.join("data")));
    assert!(why.contains("-wal"), "{why}");
    assert!(!target.join("console.db").exists(), "no database file");

    // A link inside the backup (to a device that never ends) is refused, not read.
    let linked = scratch.path().join("linked");
    copy_folder(&out, &linked);
    std::os::unix::fs::symlink("/dev/zero", linked.join("photos").join("endless.hbai")).unwrap();
    let fresh = scratch.path().join("fresh");
    let fresh_url = format!("sqlite://{}", fresh.join("console.db").display());
    let started = std::time::Instant::now();
    let why = refused(&console(&["restore", "--from", linked.to_str().unwrap()], &fresh_url, &fresh.join("data")));
    assert!(why.contains("not a regular file"), "{why}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "refused at once");
    assert!(!fresh.join("console.db").exists(), "no database file");
}
